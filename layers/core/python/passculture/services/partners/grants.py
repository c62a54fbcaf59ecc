"""A structure grants (or withdraws) a provider's access to one of its venues.

The grant is a ``venue_providers`` item and the venue's id in the provider's
``venue_ids``, written in one transaction, so the partner API (which reads the
provider with its key) sees a grant or a withdrawal from the next call on. A
venue gets its integer id when it is first granted, and its older bookings
theirs in a background job (``ids.venue_bookings_page``), so the provider's
lists find them. Withdrawing leaves the offers the provider made: they are the
structure's.
"""

from __future__ import annotations

from dataclasses import dataclass

from passculture.errors import Conflict, NotFound
from passculture.models.base import Transaction, TransactionConflict, batch_get, utcnow
from passculture.models.providers import Provider
from passculture.models.venue_providers import VenueProvider
from passculture.services.accounts.access import require_member
from passculture.services.accounts.auth import Principal
from passculture.services.catalogue.venues import venue_for
from passculture.services.partners import ids

NO_PROVIDER = "No such provider"


def get_provider(provider_id: int) -> Provider:
    try:
        return Provider.get(provider_id, consistent_read=True)
    except Provider.DoesNotExist as exc:
        raise NotFound(NO_PROVIDER, field="providerId") from exc


@dataclass(frozen=True)
class Grant:
    grant: VenueProvider
    provider: Provider


def grant(principal: Principal, venue_id: str, provider_id: int) -> Grant:
    """201 with the grant; 404 unknown venue (or not mine) or provider (or inactive); 409 already granted."""
    venue = venue_for(principal, venue_id)
    require_member(principal, venue.siren, admin=True, what="venue")
    provider = get_provider(provider_id)
    if not provider.is_active:
        raise NotFound(NO_PROVIDER, field="providerId")
    ids.ensure(venue, "venue")
    for _ in range(3):
        item = VenueProvider(
            venue.id, int(provider.id), siren=venue.siren, created_by=principal.user_id, created_at=utcnow()
        )
        tx = Transaction()
        tx.save("grant", item, condition=VenueProvider.venue_id.does_not_exist())
        tx.update(
            "provider",
            Provider(int(provider.id)),
            actions=[Provider.venue_ids.add({venue.id})],
            condition=Provider.id.exists(),
        )
        try:
            failed = tx.commit()
        except TransactionConflict:
            continue
        if not failed:
            from passculture.services.jobs import start_job

            # Its older bookings get their integer ids off the request path: the provider's lists find them.
            start_job("venue-booking-ids", {"venueId": venue.id})
            return Grant(item, provider)
        if "grant" in failed:
            raise Conflict("This provider already has access to this venue", field="providerId")
        raise NotFound(NO_PROVIDER, field="providerId")
    raise Conflict("The venue's access is changing right now; try again", field="providerId")


def list_grants(principal: Principal, venue_id: str) -> list[Grant]:
    """The providers granted on the venue (any validated member), oldest grant first."""
    venue = venue_for(principal, venue_id)
    grants = list(VenueProvider.query(venue.id, consistent_read=True))
    if not grants:
        return []
    found = batch_get([(Provider, {"id": {"N": str(int(g.provider_id))}}) for g in grants])
    by_id = {int(p.id): p for p in found[Provider]}
    ordered = sorted(grants, key=lambda g: g.created_at)
    return [Grant(g, by_id[int(g.provider_id)]) for g in ordered if int(g.provider_id) in by_id]


def withdraw(principal: Principal, venue_id: str, provider_id: int) -> None:
    """Access ends at once (the provider's next call gets 404); 404 when it was not granted."""
    venue = venue_for(principal, venue_id)
    require_member(principal, venue.siren, admin=True, what="venue")
    for _ in range(3):
        tx = Transaction()
        tx.delete("grant", VenueProvider(venue.id, provider_id), condition=VenueProvider.venue_id.exists())
        tx.update("provider", Provider(provider_id), actions=[Provider.venue_ids.delete({venue.id})])
        try:
            failed = tx.commit()
        except TransactionConflict:
            continue
        if not failed:
            return
        raise NotFound("This provider has no access to this venue", field="providerId")
    raise Conflict("The venue's access is changing right now; try again", field="providerId")
