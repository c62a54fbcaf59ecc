"""``/public/providers/v1``: the provider's URLs, its own and per granted venue.

A call authenticates the key like ``/public/bookings/v1`` (``bookings._open``:
one ``BatchGetItem`` of the key and its provider, the key's minute counted).
The provider's URLs are attributes of its item; a venue's are attributes of its
grant (``venue_providers``), so they go when the grant is withdrawn, and a venue
that is not granted is a 404. The URLs are checked as an agenda feed's address
(``adapters.feeds.check_partner_url``) when set, and every address they resolve
to again when a message is sent. ``bookingUrl`` and ``cancelUrl`` are both set
or both unset *after* the change: a PATCH sending one of them is conditional on
the other's state as read (or, for a venue, as the grant holds it), so two
racing PATCHes cannot leave one without the other.
"""

from __future__ import annotations

from typing import Any

from passculture.errors import InvalidInput, NotFound
from passculture.models.base import utcnow
from passculture.models.providers import Provider
from passculture.models.venue_providers import VenueProvider
from passculture.rules.partners import MAX_PUBLIC_ID
from passculture.services.accounts.auth import Credentials
from passculture.services.partners import ids
from passculture.services.partners.bookings import _error, _open

FIELDS = ("notification_url", "booking_url", "cancel_url")
BOTH_OR_NEITHER = "`bookingUrl` and `cancelUrl` must be both set or both unset"
VENUE_NOT_FOUND = "Venue cannot be found"


def both_or_neither() -> InvalidInput:
    return InvalidInput({"bookingUrl": [BOTH_OR_NEITHER], "cancelUrl": [BOTH_OR_NEITHER]})


def _sent(patch: Any) -> dict[str, str | None]:
    return {name: getattr(patch, name) for name in FIELDS if name in patch.model_fields_set}


def _check_pair(sent: dict[str, str | None], model: type, current: Any = None) -> Any:
    """400 unless the pair ends both set or both unset; the condition that keeps the other one as needed.

    ``current`` is the item as read (None: not read, a venue's grant); then the
    condition alone holds the rule, and a failure is told apart by reading.
    """
    if ("booking_url" in sent) == ("cancel_url" in sent):
        if bool(sent.get("booking_url")) != bool(sent.get("cancel_url")):
            raise both_or_neither()
        return None
    # One of the pair sent: the other must already be set if it sets, unset if it unsets.
    name, value = next((n, v) for n, v in sent.items() if n in ("booking_url", "cancel_url"))
    other = "cancel_url" if name == "booking_url" else "booking_url"
    if current is not None and bool(getattr(current, other, None)) != bool(value):
        raise both_or_neither()
    attribute = getattr(model, other)
    return attribute.exists() if value else attribute.does_not_exist()


def _actions(model: type, sent: dict[str, str | None]) -> list[Any]:
    actions = []
    for name, value in sent.items():
        attribute = getattr(model, name)
        actions.append(attribute.set(value) if value else attribute.remove())
    return actions


def provider(credentials: Credentials, source_ip: str) -> Provider:
    """``GET /public/providers/v1/provider``: the calling provider, with its URLs."""
    return _open("v1-provider", credentials, "", source_ip).provider


def update_provider(credentials: Credentials, patch: Any, source_ip: str) -> Provider:
    """``PATCH /public/providers/v1/provider``: sets the URLs sent (null removes one)."""
    from pynamodb.exceptions import UpdateError

    call = _open("v1-provider-patch", credentials, "", source_ip)
    item = call.provider
    sent = _sent(patch)
    kept = _check_pair(sent, Provider, item)
    if not sent:
        return item
    condition = Provider.id.exists()
    if kept is not None:
        condition &= kept
    try:
        item.update(actions=[*_actions(Provider, sent), Provider.updated_at.set(utcnow())], condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise both_or_neither() from exc  # the other URL changed since it was read
        raise
    return item


def update_venue(credentials: Credentials, venue_public_id: str, patch: Any, source_ip: str) -> None:
    """``PATCH /public/providers/v1/venues/{venue_id}``: the venue's URLs, for this provider (404 unless granted)."""
    from pynamodb.exceptions import UpdateError

    call = _open("v1-provider-venue", credentials, "", source_ip)
    not_found = _error(NotFound, "global", VENUE_NOT_FOUND)
    number = int(venue_public_id) if venue_public_id.isdigit() and len(venue_public_id) <= 16 else 0
    venue_id = ids.lookup("venue", number) if 1 <= number <= MAX_PUBLIC_ID else None
    if venue_id is None or not call.sees_venue(venue_id):
        raise not_found
    sent = _sent(patch)
    kept = _check_pair(sent, VenueProvider)
    condition = VenueProvider.venue_id.exists()
    if kept is not None:
        condition &= kept
    grant = VenueProvider(venue_id, int(call.provider.id))
    if not sent:
        return
    try:
        grant.update(actions=_actions(VenueProvider, sent), condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        try:
            VenueProvider.get(venue_id, int(call.provider.id), consistent_read=True)
        except VenueProvider.DoesNotExist:
            raise not_found from exc  # withdrawn meanwhile
        raise both_or_neither() from exc
