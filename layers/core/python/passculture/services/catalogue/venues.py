"""Venues: a structure's places (with or without SIRET) and its one virtual venue.

A SIRET is unique across venues: a ``uniques`` item ``siret#<siret>`` is
written in the venue's own transaction. So is ``virtual-venue#<siren>`` for a
virtual venue created here (signup creates the first one with the structure
itself, so the transaction also re-checks the venues already there). A venue's
location is copied onto its offers (the feed and the territories read it
there), and follows the venue when it moves.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import Transaction, new_id, utcnow
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.uniques import Unique, unique_key
from passculture.models.venues import Venue
from passculture.rules.geo import department_of_postal_code, geohash_encode
from passculture.services.accounts.access import require_member
from passculture.services.accounts.auth import Principal
from passculture.services.booking.copies import VENUE_FIELDS

if TYPE_CHECKING:
    # Annotations only: pydantic stays out of a cold read.
    from passculture.schemas.venues import VenueIn, VenuePatch

CLOSED_STATUSES = ("rejected", "deleted")
# Fields a virtual venue does not have, by JSON name.
PLACE_FIELDS = {
    "siret": "siret",
    "address": "address",
    "postal_code": "postalCode",
    "city": "city",
    "latitude": "latitude",
    "longitude": "longitude",
}
REQUIRED_FOR_PLACE = ("address", "postal_code", "city", "latitude", "longitude", "booking_email")


def siret_guard_key(siret: str) -> str:
    return unique_key("siret", siret)


def virtual_guard_key(siren: str) -> str:
    return unique_key("virtual-venue", siren)


def get_venue(venue_id: str) -> Venue:
    try:
        return Venue.get(venue_id, consistent_read=True)
    except Venue.DoesNotExist as exc:
        raise NotFound("No such venue") from exc


def venue_for(principal: Principal, venue_id: str, field: str = "global") -> Venue:
    """The venue if the caller may see it (a member of its structure, or the team); 404 otherwise."""
    try:
        venue = get_venue(venue_id)
        require_member(principal, venue.siren, what="venue")
    except NotFound as exc:
        raise NotFound("No such venue", field=field) from exc
    return venue


def open_offerer(siren: str) -> Offerer:
    """The structure, if it may still create things (404 unknown, 409 rejected or deleted)."""
    try:
        offerer = Offerer.get(siren, consistent_read=True)
    except Offerer.DoesNotExist as exc:
        raise NotFound("No such structure") from exc
    if offerer.status in CLOSED_STATUSES:
        raise Conflict(f"This structure is {offerer.status}: it cannot create venues or offers")
    return offerer


def _locate(venue: Venue) -> None:
    """Derives the department and geohash from the postal code and coordinates."""
    venue.department_code = department_of_postal_code(venue.postal_code) if venue.postal_code else None
    if venue.latitude is not None and venue.longitude is not None:
        venue.geohash = geohash_encode(float(venue.latitude), float(venue.longitude))
    else:
        venue.geohash = None


def _check_siret(siret: str | None, siren: str) -> None:
    if siret is not None and not siret.startswith(siren):
        raise InvalidInput(f"A SIRET of this structure starts with its SIREN {siren}", field="siret")


def _existing_virtual_venue(siren: str) -> Venue | None:
    return next(iter(Venue.siren_index.query(siren, filter_condition=Venue.is_virtual == True)), None)  # noqa: E712


def create_venue(principal: Principal, siren: str, data: VenueIn) -> Venue:
    """Creates a venue of ``siren`` (409 for a second virtual venue or a SIRET already used)."""
    require_member(principal, siren)
    offerer = open_offerer(siren)
    now = utcnow()
    venue = Venue(new_id(), siren=siren, name=data.name, is_virtual=data.is_virtual, created_at=now)
    if data.is_virtual:
        if _existing_virtual_venue(siren) is not None:
            raise Conflict("This structure already has its virtual venue", field="isVirtual")
        venue.booking_email = data.booking_email
    else:
        _check_siret(data.siret, siren)
        for name in ("siret", "address", "postal_code", "city", "latitude", "longitude", "booking_email"):
            setattr(venue, name, getattr(data, name))
        _locate(venue)
    tx = Transaction()
    tx.save("venue", venue, condition=Venue.id.does_not_exist())
    if offerer.department_code is None and venue.department_code:
        # A structure without an address of its own belongs to its first physical venue's department.
        set_department = Offerer.department_code.set(Offerer.department_code | venue.department_code)
        tx.update("offerer", Offerer(siren), [set_department], condition=Offerer.siren.exists())
    else:
        tx.condition_check("offerer", Offerer, siren, condition=Offerer.siren.exists())
    if venue.siret:
        guard = Unique(siret_guard_key(venue.siret), target=venue.id, created_at=now)
        tx.save("siret", guard, condition=Unique.key.does_not_exist())
    if venue.is_virtual:
        guard = Unique(virtual_guard_key(siren), target=venue.id, created_at=now)
        tx.save("virtual", guard, condition=Unique.key.does_not_exist())
    failed = tx.commit()
    if "siret" in failed:
        raise Conflict("This SIRET is already used by another venue", field="siret")
    if "virtual" in failed:
        raise Conflict("This structure already has its virtual venue", field="isVirtual")
    if "offerer" in failed:
        raise NotFound("No such structure")
    if failed:
        raise Conflict("The venue could not be created, try again")
    return venue


def update_venue(principal: Principal, venue_id: str, patch: VenuePatch) -> Venue:
    """Changes a venue; a new SIRET takes its guard, a move carries the venue's offers along."""
    venue = venue_for(principal, venue_id)
    given = patch.model_fields_set
    errors: dict[str, list[str]] = {}
    if "name" in given and patch.name is None:
        errors["name"] = ["Cannot be null"]
    if venue.is_virtual:
        for name in sorted(given & set(PLACE_FIELDS)):
            if getattr(patch, name) is not None:
                errors[PLACE_FIELDS[name]] = ["A virtual venue has no address, location or SIRET"]
    else:
        for name in sorted(given & set(REQUIRED_FOR_PLACE)):
            if getattr(patch, name) is None:
                alias = PLACE_FIELDS.get(name, "bookingEmail")
                errors[alias] = ["Cannot be removed from a physical venue"]
        if "siret" in given and patch.siret is not None and not patch.siret.startswith(venue.siren):
            errors["siret"] = [f"A SIRET of this structure starts with its SIREN {venue.siren}"]
    if errors:
        raise InvalidInput(errors)

    old_siret = venue.siret
    old_place = (venue.latitude, venue.longitude, venue.postal_code)
    for name in given:
        setattr(venue, name, getattr(patch, name))
    _locate(venue)
    moved = (venue.latitude, venue.longitude, venue.postal_code) != old_place

    actions: list[Any] = []
    for name in ("name", "siret", "address", "postal_code", "city", "latitude", "longitude", "booking_email"):
        if name in given:
            attribute = getattr(Venue, name)
            value = getattr(venue, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
    if moved:
        actions += [Venue.department_code.set(venue.department_code), Venue.geohash.set(venue.geohash)]
    if not actions:
        return venue

    tx = Transaction()
    now = utcnow()
    # The SIRET read above must still be the one stored, or its guard would be swapped wrongly.
    unchanged = Venue.siret.does_not_exist() if old_siret is None else Venue.siret == old_siret
    tx.update("venue", Venue(venue.id), actions=actions, condition=Venue.id.exists() & unchanged)
    if venue.siret != old_siret:
        if old_siret is not None:
            mine = Unique.key.does_not_exist() | (Unique.target == venue.id)
            tx.delete("old-siret", Unique(siret_guard_key(old_siret)), condition=mine)
        if venue.siret is not None:
            guard = Unique(siret_guard_key(venue.siret), target=venue.id, created_at=now)
            tx.save("siret", guard, condition=Unique.key.does_not_exist())
    failed = tx.commit()
    if "siret" in failed:
        raise Conflict("This SIRET is already used by another venue", field="siret")
    if failed:
        raise Conflict("The venue changed meanwhile, try again")
    if moved:
        relocate_offers(venue)  # the stocks' copies of the venue follow with each offer's refresh
    elif given & set(VENUE_FIELDS):  # its name or address: copied on its stocks for the bookings
        from passculture.services.booking.copies import follow_venue

        follow_venue(venue, list(Offer.venue_index.query(venue.id)))
    return get_venue(venue.id)


def list_venues(principal: Principal, siren: str, limit: int, cursor: str | None) -> tuple[list[Venue], str | None]:
    from passculture.services.pagination import paginate

    require_member(principal, siren)
    return paginate(partial(Venue.siren_index.query, siren), limit, cursor)


def location_of(venue: Venue) -> dict[str, Any]:
    """The venue's place as the offers carry it."""
    return {
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "geohash": venue.geohash,
        "department_code": venue.department_code,
    }


def relocate_offers(venue: Venue) -> int:
    """Copies the venue's new location onto each of its offers (and their feed cell); returns how many."""
    from passculture.services.catalogue.publication import offerer_status_of, refresh_offer

    offerer_status = offerer_status_of(venue.siren)
    moved = 0
    for offer in Offer.venue_index.query(venue.id):
        actions = []
        for name, value in location_of(venue).items():
            setattr(offer, name, value)
            attribute = getattr(Offer, name)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
        refresh_offer(offer, offerer_status, actions=actions, venue=venue)
        moved += 1
    return moved
