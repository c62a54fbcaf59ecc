"""``/public/offers/v1``: the provider's venues, pass Culture's categories, and (route by route) its offers.

A call authenticates the key as ``/public/bookings/v1`` does (``bookings._open``:
one ``BatchGetItem`` of the key and its provider, whose ``venue_ids`` are its
grants, and the key's minute counted). What the provider may see is those
venues only: anything else is a 404 with the contract's body. The venues of
a provider are read by key from its grants (one ``BatchGetItem`` of the venues,
their grants and their structures), never by a Scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from passculture.errors import InvalidInput, NotFound
from passculture.models.base import batch_get
from passculture.models.offerers import Offerer
from passculture.models.venue_providers import VenueProvider
from passculture.models.venues import Venue
from passculture.services.accounts.auth import Credentials
from passculture.services.partners import ids
from passculture.services.partners.bookings import Call, _error, _open

VENUE_NOT_FOUND = "Venue cannot be found"
SIRET = re.compile(r"^\d{14}$")
SIREN = re.compile(r"^\d{9}$")


@dataclass(frozen=True)
class PartnerVenue:
    venue: Venue
    grant: VenueProvider | None
    offerer: Offerer | None


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def granted_venues(call: Call) -> list[PartnerVenue]:
    """The provider's venues with their grants and structures: one ``BatchGetItem`` (by 100 keys)."""
    venue_ids = sorted(call.provider.venue_ids or set())
    provider_id = int(call.provider.id)
    venues: list[Venue] = []
    grants: list[VenueProvider] = []
    for start in range(0, len(venue_ids), 50):
        chunk = venue_ids[start : start + 50]
        wanted: list[tuple[type, dict[str, Any]]] = [(Venue, {"id": _s(v)}) for v in chunk]
        wanted += [(VenueProvider, {"venue_id": _s(v), "provider_id": {"N": str(provider_id)}}) for v in chunk]
        found = batch_get(wanted)
        venues += found[Venue]
        grants += found[VenueProvider]
    sirens = sorted({v.siren for v in venues})
    offerers: dict[str, Offerer] = {}
    for start in range(0, len(sirens), 100):
        found = batch_get([(Offerer, {"siren": _s(s)}) for s in sirens[start : start + 100]])
        offerers.update({o.siren: o for o in found[Offerer]})
    by_venue = {g.venue_id: g for g in grants}
    shown = [PartnerVenue(v, by_venue.get(v.id), offerers.get(v.siren)) for v in venues if v.id in by_venue]
    for item in shown:
        ids.ensure(item.venue, "venue")
    return sorted(shown, key=lambda p: int(p.venue.public_id or 0))


def offerer_venues(credentials: Credentials, siren: str | None, source_ip: str) -> list[tuple[Offerer, list[Any]]]:
    """``GET /public/offers/v1/offerer_venues``: the provider's venues by structure (``siren`` narrows)."""
    call = _open("v1-venues", credentials, "", source_ip)
    if siren is not None and not SIREN.match(siren):
        raise InvalidInput({"siren": ["A SIREN is 9 digits"]})
    groups: dict[str, list[PartnerVenue]] = {}
    for item in granted_venues(call):
        if item.offerer is None or (siren is not None and item.venue.siren != siren):
            continue
        groups.setdefault(item.venue.siren, []).append(item)
    result = []
    for group_siren in sorted(groups):
        offerer = groups[group_siren][0].offerer
        assert offerer is not None
        ids.ensure(offerer, "offerer")
        result.append((offerer, groups[group_siren]))
    return result


def venue_by_siret(credentials: Credentials, siret: str, source_ip: str) -> PartnerVenue:
    """``GET /public/offers/v1/venues/{siret}``: 400 on a malformed SIRET, 404 unless it is a granted venue's."""
    call = _open("v1-venue", credentials, "", source_ip)
    if not SIRET.match(siret):
        raise InvalidInput({"siret": ["A SIRET is 14 digits"]})
    for item in granted_venues(call):
        if item.venue.siret == siret:
            return item
    raise _error(NotFound, "global", VENUE_NOT_FOUND)


def categories(credentials: Credentials, source_ip: str) -> None:
    """The category routes: any valid key (the table is the same for everyone)."""
    _open("v1-categories", credentials, "", source_ip)


def granted_venue(call: Call, public_id: int | None, field: str = "venueId") -> Venue:
    """A venue of the provider by its integer id; 404 ``{field: [...]}`` otherwise."""
    venue_id = ids.lookup("venue", public_id)
    if venue_id is None or not call.sees_venue(venue_id):
        raise _error(NotFound, field, "The venue could not be found")
    return Venue.get(venue_id, consistent_read=True)
