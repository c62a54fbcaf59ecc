"""``/public/bookings/v1``: the partner API's bookings, on the same bookings as the Guichet and v2.

A call reads, in ONE ``BatchGetItem``, the provider's key (by its prefix), the
provider (its id is in the key: ``rules.partners``; its ``venue_ids`` are its
grants), the booking (token routes) and the failure counters, while the key's
minute is counted beside it (``countermarks.v2.KeyRequest``). Then, in the
contract's order: 401 (no, unknown, revoked key), 403 inactive provider, 429
(the key's 200 a minute; failures spent), 404 (unknown token, or a booking of a
venue not granted: the same answer), then the route's own checks. ``use`` and
``keep`` are one conditional ``UpdateItem`` on the status, ``cancel`` the
shared cancellation transaction: the v2 machinery, reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from passculture.config import get_settings
from passculture.errors import Conflict, DomainError, Forbidden, Gone, InvalidInput, NotFound, Unauthorized, flat
from passculture.models.base import utcnow
from passculture.models.bookings import Booking
from passculture.models.provider_keys import ProviderKey
from passculture.models.providers import Provider
from passculture.rules.countermark import normalise_countermark
from passculture.rules.partners import cancellation_period_end, parse_provider_key
from passculture.services import ratelimit
from passculture.services.accounts.auth import Credentials, api_key_matches
from passculture.services.countermarks import v2
from passculture.services.partners import ids

API_KEY_REQUIRED = "API key required"
INACTIVE = "Inactive provider"
TOKEN_NOT_FOUND = "This countermark cannot be found"
STATUSES = {"booked": "CONFIRMED", "used": "USED", "cancelled": "CANCELLED", "reimbursed": "REIMBURSED"}
STATUS_OF = {public: internal for internal, public in STATUSES.items()}


def key_limit() -> ratelimit.Limit:
    return ratelimit.Limit("partner-key", get_settings().partner_key_requests_per_minute, 60)


def unauthorized() -> DomainError:
    return flat(Unauthorized(API_KEY_REQUIRED, field="auth"), {"auth": API_KEY_REQUIRED})


def _error(cls: type[DomainError], field: str, message: str) -> DomainError:
    return flat(cls({field: [message]}), {field: message})


@dataclass(frozen=True)
class Call:
    attempt: v2.Attempt
    provider: Provider
    booking: Booking | None

    @property
    def actor(self) -> str:
        return f"provider:{int(self.provider.id)}"

    def sees_venue(self, venue_id: str) -> bool:
        return venue_id in (self.provider.venue_ids or set())


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _open(route: str, credentials: Credentials, raw_token: str, source_ip: str) -> Call:
    """The verified provider and the booking (token routes), or the contract's first refusal."""
    parsed = parse_provider_key(credentials.secret)
    if parsed is None:  # the dispatcher lets only well-formed keys through
        raise unauthorized()
    prefix, provider_id = parsed
    claim = v2.Claim("provider_key", f"pkey:{prefix}", prefix)
    attempt = v2.Attempt(route, normalise_countermark(raw_token), source_ip or "unknown", claim, v2._now())
    with v2.KeyRequest(attempt, key_limit()) as request:
        extra = [(ProviderKey, {"prefix": _s(prefix)}), (Provider, {"id": {"N": str(provider_id)}})]
        found, booking, _ = v2._first_batch(attempt, extra)
        key = found[ProviderKey][0] if found[ProviderKey] else None
        provider = found[Provider][0] if found[Provider] else None
        if (
            key is None
            or key.revoked_at is not None
            or provider is None
            or int(key.provider_id) != provider_id
            or not api_key_matches(credentials.secret, key.secret_hash)
        ):
            v2._deny(attempt, unauthorized(), "bad-api-key", source=True)
        if not provider.is_active:
            v2._deny(attempt, flat(Forbidden({"auth": [INACTIVE]}), {"auth": [INACTIVE]}), "inactive-provider")
        request.within_allowance()
    return Call(attempt, provider, booking)


def _token_call(route: str, credentials: Credentials, raw_token: str, source_ip: str) -> tuple[Call, Booking]:
    call = _open(route, credentials, raw_token, source_ip)
    booking = call.booking
    not_found = _error(NotFound, "global", TOKEN_NOT_FOUND)
    if booking is None:
        v2._deny(call.attempt, not_found, "unknown-token", caller=True, source=True)
    if not call.sees_venue(booking.venue_id):
        v2._deny(call.attempt, not_found, "not-granted", caller=True, source=True)
    return call, booking


def _refuse(call: Call, exc: DomainError) -> NoReturn:
    field, messages = next(iter(exc.errors.items()))
    v2._deny(call.attempt, exc, f"{field}:{messages[0]!r}")


# -- the routes' rules ---------------------------------------------------------


def validation_message(moment: datetime, department: str | None) -> str:
    """The 403 of a booking still in the booker's cancellation period, the date in the venue's time zone."""
    from zoneinfo import ZoneInfo

    from passculture.rules.dates import DEPARTMENT_TIMEZONES

    local = moment.astimezone(ZoneInfo(DEPARTMENT_TIMEZONES.get(department or "", "Europe/Paris")))
    return (
        f"Vous pourrez valider cette contremarque à partir du {local:%d/%m/%Y à %H:%M}, "
        "une fois le délai d\u2019annulation passé."
    )


def require_usable(booking: Booking, now: datetime) -> None:
    """GET token and use: reimbursed 403, used 410, cancelled 410, still cancellable by the booker 403."""
    if booking.status == "reimbursed":
        raise _error(Forbidden, "payment", "This booking has already been reimbursed")
    if booking.status == "used":
        raise _error(Gone, "booking", "This booking has already been validated")
    if booking.status == "cancelled":
        raise _error(Gone, "booking", "This booking has been cancelled")
    ends = cancellation_period_end(booking.created_at, booking.begins_at)
    if ends is not None and now < ends:
        raise _error(Forbidden, "booking", validation_message(ends, booking.venue_department_code))


def require_kept(booking: Booking) -> None:
    if booking.status == "cancelled":
        raise _error(Gone, "booking", "This booking has been cancelled")
    if booking.status == "reimbursed":
        raise _error(Forbidden, "payment", "This booking has been reimbursed")
    if booking.status != "used":
        raise _error(Forbidden, "booking", "This booking has not been used")


def require_cancellable(booking: Booking, now: datetime) -> None:
    if booking.status == "cancelled":
        raise _error(Gone, "booking", "This booking has already been cancelled")
    if booking.status == "reimbursed":
        raise _error(Forbidden, "payment", "This booking has been reimbursed")
    if booking.status == "used":
        raise _error(Gone, "booking", "This booking has been validated")
    ends = cancellation_period_end(booking.created_at, booking.begins_at)
    if ends is not None and now > ends:
        raise _error(Forbidden, "booking", "This booking cannot be cancelled anymore")


# -- the routes ----------------------------------------------------------------


def check(credentials: Credentials, raw_token: str, source_ip: str) -> PartnerBooking:
    """``GET /public/bookings/v1/token/{token}``."""
    call, booking = _token_call("v1-check", credentials, raw_token, source_ip)
    try:
        require_usable(booking, utcnow())
    except DomainError as exc:
        _refuse(call, exc)
    return present([booking], save=True)[0]


def use(credentials: Credentials, raw_token: str, source_ip: str) -> None:
    """``PATCH /public/bookings/v1/use/token/{token}``: booked -> used."""
    call, booking = _token_call("v1-use", credentials, raw_token, source_ip)
    for _ in range(3):
        try:
            require_usable(booking, utcnow())
        except DomainError as exc:
            _refuse(call, exc)
        stamp = [Booking.used_at.set(utcnow()), Booking.used_by.set(call.actor)]
        if v2._conditional_status(booking, "used", "booked", stamp):
            return
        booking = v2._reread(call.attempt.token)
    raise Conflict("The booking keeps changing; try again", field="booking")


def keep(credentials: Credentials, raw_token: str, source_ip: str) -> None:
    """``PATCH /public/bookings/v1/keep/token/{token}``: used -> booked (confirmed again)."""
    call, booking = _token_call("v1-keep", credentials, raw_token, source_ip)
    for _ in range(3):
        try:
            require_kept(booking)
        except DomainError as exc:
            _refuse(call, exc)
        if v2._conditional_status(booking, "booked", "used", [Booking.used_at.remove(), Booking.used_by.remove()]):
            return
        booking = v2._reread(call.attempt.token)
    raise Conflict("The booking keeps changing; try again", field="booking")


def cancel(credentials: Credentials, raw_token: str, source_ip: str) -> None:
    """``PATCH /public/bookings/v1/cancel/token/{token}``: the shared cancellation (place and credit back)."""
    from passculture.services.booking.cancellation import cancel_booking

    call, booking = _token_call("v1-cancel", credentials, raw_token, source_ip)
    try:
        require_cancellable(booking, utcnow())
        try:
            cancel_booking(booking, call.actor)
        except Gone as exc:
            raise _error(Gone, "booking", "This booking has already been cancelled") from exc
        except Conflict:
            require_cancellable(v2._reread(call.attempt.token), utcnow())
            raise
    except (Gone, Forbidden) as exc:
        _refuse(call, exc)


# -- the list ------------------------------------------------------------------


def list_bookings(credentials: Credentials, query: Any, source_ip: str) -> list[PartnerBooking]:
    """``GET /public/bookings/v1/bookings``: by offer or venue, ``id >= firstIndex``, by id, at most ``limit``."""
    from passculture.models.offers import Offer

    if query.offer_id is None and query.venue_id is None:
        raise flat(
            InvalidInput("`offerId` or `venueId` must be set"), {"global": ["`offerId` or `venueId` must be set"]}
        )
    call = _open("v1-list", credentials, "", source_ip)
    venue_id = offer_id = None
    if query.venue_id is not None:
        venue_id = ids.lookup("venue", query.venue_id)
        if venue_id is None or not call.sees_venue(venue_id):
            raise _error(NotFound, "venueId", "we could not find this venue")
    if query.offer_id is not None:
        offer_id = ids.lookup("offer", query.offer_id)
        offer = _get(Offer, offer_id)
        if offer is None or not call.sees_venue(offer.venue_id):
            raise _error(NotFound, "offerId", "we could not find this offer")
        if venue_id is not None and offer.venue_id != venue_id:
            return []
    condition = None
    if query.price_category_id is not None:
        condition = Booking.price_category_public_id == query.price_category_id
    if query.stock_id is not None:
        stock_id = ids.lookup("stock", query.stock_id)
        if stock_id is None:
            return []
        condition = _and(condition, Booking.stock_id == stock_id)
    if query.status is not None:
        condition = _and(condition, Booking.status == STATUS_OF[query.status])
    if query.beginning_datetime is not None:
        starts, ends = query.beginning_range()
        condition = _and(condition, Booking.begins_at.between(starts, ends))
    first = Booking.public_id >= query.first_index
    if offer_id is not None:
        found = Booking.offer_public_index.query(
            offer_id, range_key_condition=first, filter_condition=condition, limit=query.limit
        )
    else:
        found = Booking.venue_public_index.query(
            venue_id, range_key_condition=first, filter_condition=condition, limit=query.limit
        )
    return present(list(found))


def _and(left: Any, right: Any) -> Any:
    return right if left is None else left & right


def _get(model: Any, key: str | None) -> Any:
    if key is None:
        return None
    try:
        return model.get(key, consistent_read=True)
    except model.DoesNotExist:
        return None


# -- the reply -------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerBooking:
    """A booking with the integer ids of its offer, stock and venue, and the end of its cancellation period."""

    booking: Booking
    offer_id: int
    stock_id: int
    venue_id: int
    confirmation_date: datetime | None


def present(bookings: list[Booking], save: bool = False) -> list[PartnerBooking]:
    """Each booking with its ids (given now to those that lack them: ``ids.fill_booking_ids``)."""
    ids.fill_booking_ids(bookings, save=save)
    return [
        PartnerBooking(
            b,
            int(b.offer_public_id or 0),
            int(b.stock_public_id or 0),
            int(b.venue_public_id or 0),
            cancellation_period_end(b.created_at, b.begins_at),
        )
        for b in bookings
    ]
