"""Booking an offer's stock, listing and cancelling one's bookings.

A booking is one ``TransactWriteItems`` (``Transaction``) of up to five kinds
of items, each carrying the rule it enforces as a DynamoDB condition, so the
rules hold under any concurrency:

- ``stock``: ``booked += quantity`` if the stock is not deleted, its date and
  quantity are the ones read, and ``booked <= quantity - wanted``; on a big
  stock split in shards, the same on one shard (two for a duo), ``places.py``;
- ``wallet:<credit>``: ``balance -= cents`` if ``balance >= cents`` (and, for
  the national credit, if the cap's spent counter stays under the cap);
- ``booking``: the booking put under its countermark, ``attribute_not_exists``;
- ``counter:<credit>``: a local credit's programme spent total, on one of its
  sharded counter items (``territories/counters.py``), unconditioned;
- ``guard``: the ``uniques`` item allowing one live booking per user per stock;
- ``idem``: with an ``Idempotency-Key``, the ``uniques`` item naming the
  booking this key created.

The reads before it give the precise error in the usual cases; the conditions
decide in the racy ones, and each failed label maps to its precise error.

The structure's status is read (strongly consistent) beside the venue and
refused unless ``validated``, so a rejected or deleted structure is not
bookable even when the refresh of its offers failed. It is a read, not a
``ConditionCheck`` in the transaction: transactions that include the same item
conflict, so every booking of a structure would queue on its offerer item.

Attempt n of a booking with a key carries the ``ClientRequestToken`` derived
from (user, key, n): a commit whose answer was lost is not applied twice, and
another request's retry of it that DynamoDB refuses as a mismatch is answered
with the booking the key made.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from passculture.adapters import metrics
from passculture.config import get_settings
from passculture.errors import Conflict, DomainError, Forbidden, Gone, InvalidInput, NotFound
from passculture.models.base import (
    AlreadyCommitted,
    Transaction,
    TransactionConflict,
    backoff,
    batch_get,
    request_token,
    utcnow,
)
from passculture.models.bookings import Booking
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.uniques import Unique, unique_key
from passculture.models.venues import Venue
from passculture.models.wallets import NATIONAL_CREDIT_ID, Wallet
from passculture.rules.countermark import is_well_formed, new_countermark, normalise_countermark
from passculture.rules.partners import new_public_id
from passculture.services.accounts.auth import Principal
from passculture.services.booking import ticketing
from passculture.services.booking.cancellation import booking_guard_key, cancel_booking
from passculture.services.booking.copies import PUBLISHED, copied_offer, copied_venue
from passculture.services.booking.places import PlaceTaker
from passculture.services.booking.views import (  # noqa: F401 (re-exported: the booking's reads live there)
    BookingView,
    cancellable_until,
    my_bookings,
    venue_of,
    view_of,
)
from passculture.services.booking.wallets import DebitPlan, debit_update, plan_debits, wallets_of
from passculture.services.catalogue.publication import refresh_if_places_changed
from passculture.services.idempotency import check_idempotency_key
from passculture.services.partners.ids import guard as public_id_guard
from passculture.services.territories.counters import spent_counters, spent_update
from passculture.vocabulary import CapKind

# Token collisions, a stock or wallet changed between read and write, DynamoDB
# transaction conflicts: each costs one more attempt, never an error, up to this.
MAX_ATTEMPTS = 6
# Places left (as read before the transaction) under which a booking checks whether the stock filled up.
NEARLY_FULL = 5


@dataclass
class BookingResult:
    booking: Booking
    created: bool  # False when an Idempotency-Key replayed an earlier booking
    venue: Venue | None = None

    @property
    def view(self) -> BookingView:
        return view_of(self.booking, self.venue)


# -- booking -------------------------------------------------------------------


def require_can_book(principal: Principal) -> None:
    """Young users whose email is confirmed; the credit itself is checked with the wallet."""
    if "young" not in principal.roles:
        raise Forbidden("Only young users with the Pass Culture credit can book offers")
    if principal.user.email_confirmed_at is None:
        raise Forbidden("Confirm your email address before booking", field="email")


def idempotency_guard_key(user_id: str, key: str) -> str:
    return unique_key("idem", f"{user_id}#{key}")


def check_stock(stock: Stock, quantity: int, now: datetime) -> None:
    """The stock-side refusals, most definitive first."""
    if stock.is_deleted:
        raise NotFound("No such stock", field="stockId")
    if stock.begins_at is not None and stock.begins_at <= now:
        raise Conflict("This event has already taken place", field="stockId")
    if stock.booking_limit_at is not None and stock.booking_limit_at <= now:
        raise Conflict("Bookings for this date are closed", field="stockId")
    if stock.bookable_from is not None and now < stock.bookable_from:
        opens = stock.bookable_from.strftime("%Y-%m-%dT%H:%M:%SZ")
        raise Conflict(f"Bookings for this date open at {opens}", field="stockId")
    if stock.quantity is not None:
        remaining = int(stock.quantity) - int(stock.booked or 0)
        if remaining <= 0:
            raise Conflict("Sold out: no place left", field="stockId")
        if remaining < quantity:
            raise Conflict(f"Only {remaining} place left", field="quantity")


def stock_condition(stock: Stock, quantity: int) -> Any:
    """Not deleted, same date and quantity as read, room for ``quantity`` more, and still bookable (its copy)."""
    not_deleted = Stock.is_deleted.does_not_exist() | (Stock.is_deleted == False)  # noqa: E712
    condition = not_deleted & (Stock.begins_key == stock.begins_key)
    if stock.offer_state is not None:  # copies.py: the offer unpublished since the read is refused here
        condition = condition & (Stock.offer_state == PUBLISHED)
    if stock.quantity is None:
        return condition & Stock.quantity.does_not_exist()
    total = int(stock.quantity)  # every stock item holds ``booked`` (0 when written)
    return condition & (Stock.quantity == total) & (Stock.booked <= total - quantity)


def _find_stock(stock_id: str) -> Stock | None:
    try:
        return Stock.get(stock_id, consistent_read=True)
    except Stock.DoesNotExist:
        return None


def _get_stock(stock_id: str) -> Stock:
    stock = _find_stock(stock_id)
    if stock is None:
        raise NotFound("No such stock", field="stockId")
    return stock


def _get_bookable_offer(offer_id: str, price_cents: int) -> Offer:
    try:
        offer = Offer.get(offer_id)
    except Offer.DoesNotExist as exc:
        raise NotFound("No such stock", field="stockId") from exc
    _require_bookable(offer, price_cents)
    return offer


def _require_bookable(offer: Offer, price_cents: int) -> None:
    if offer.status != "published" or not offer.is_active:
        raise NotFound("No such stock", field="stockId")
    if get_settings().free_offers_only and price_cents > 0:
        # Paid offers are not shown in the app during the free-only phase.
        raise NotFound("No such stock", field="stockId")


def _in_context(function: Any) -> Any:
    """``function`` run in a copy of the request's context (its deadline, passculture.transport)."""
    return partial(contextvars.copy_context().run, function)


def _offerer_status(siren: str) -> str | None:
    try:
        return Offerer.get(siren, consistent_read=True, attributes_to_get=["status"]).status
    except Offerer.DoesNotExist:
        return None


def _require_validated_structure(status: str | None) -> None:
    """Only a validated structure's offers are bookable; any other is answered like an unpublished offer."""
    if status != "validated":
        raise NotFound("No such stock", field="stockId")


def book(principal: Principal, stock_id: str, quantity: int, idempotency_key: str | None = None) -> BookingResult:
    """Books ``quantity`` places of a stock; with a key, a retry answers the first booking (with its venue)."""
    idempotency_key = check_idempotency_key(idempotency_key)
    try:
        result = _book(principal, stock_id, quantity, idempotency_key)
    except DomainError:
        # The first attempt may have taken the last place or the last euro: a
        # retry must answer that booking, not the refusal it now deserves.
        replay = _replay(principal.user_id, idempotency_key, stock_id) if idempotency_key is not None else None
        if replay is None:
            raise
        result = replay
    if result.venue is None:
        result.venue = venue_of(result.booking.venue_id)
    return result


@dataclass
class _Read:
    """What the booking's first round trip read: the user (deferred principal), the stock, the structure."""

    principal: Principal
    stock: Stock | None
    credits: list[Any]
    siren: str | None  # the structure the stock id names (None: an id made before ids named it)
    status: str | None = None  # the structure's, when read
    status_read: bool = False


def _first_reads(principal: Principal, stock_id: str) -> _Read:
    """One BatchGetItem (the user if deferred, the stock, the structure its id names) beside the wallet Query."""
    from passculture.models.users import User
    from passculture.services.accounts.auth import principal_of
    from passculture.services.stock_ids import siren_of

    siren = siren_of(stock_id)
    wanted: list[tuple[type, dict[str, Any]]] = [(Stock, {"id": {"S": stock_id}})]
    if principal.deferred:
        wanted.append((User, {"id": {"S": principal.user_id}}))
    if siren is not None:
        wanted.append((Offerer, {"siren": {"S": siren}}))
    with ThreadPoolExecutor(max_workers=1) as pool:
        # With the request's context: its deadline (passculture.transport) holds in the thread too.
        pending_credits = pool.submit(contextvars.copy_context().run, wallets_of, principal.user_id)
        found = batch_get(wanted)
        credits = pending_credits.result()
    if principal.deferred:
        users = found.get(User) or []
        principal = principal_of(users[0] if users else None)  # gone or disabled: 401, as on every route
    stocks = found[Stock]
    read = _Read(principal, stocks[0] if stocks else None, credits, siren)
    if siren is not None:
        offerers = found[Offerer]
        read.status, read.status_read = (offerers[0].status if offerers else None), True
    return read


def _book(principal: Principal, stock_id: str, quantity: int, idempotency_key: str | None) -> BookingResult:
    if not principal.deferred:
        require_can_book(principal)  # before any read, as a principal read by the web layer allows
    now = utcnow()
    read = _first_reads(principal, stock_id)
    if read.principal is not principal:  # the user came in the batch: the same checks on it
        principal = read.principal
        require_can_book(principal)
    user = principal.user
    credits, stock = read.credits, read.stock
    if not any(c.credit_id == NATIONAL_CREDIT_ID for c in credits):
        raise Forbidden("You have no Pass Culture credit: booking needs one")
    if stock is None:
        raise NotFound("No such stock", field="stockId")
    # The stock's copies of its offer and venue (copies.py); a stock written before them: the offer read.
    offer = copied_offer(stock)
    if offer is None:
        offer = _get_bookable_offer(stock.offer_id, int(stock.price_cents or 0))
    else:
        _require_bookable(offer, int(stock.price_cents or 0))
    if read.siren is not None and offer.siren != read.siren:  # an id naming another structure: not one of ours
        raise NotFound("No such stock", field="stockId")
    venue = copied_venue(stock, offer)
    # What the first batch could not read (an old id or stock): one more round trip, both in parallel.
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending_status = None if read.status_read else pool.submit(_in_context(_offerer_status), offer.siren)
        pending_venue = None if venue is not None else pool.submit(_in_context(venue_of), offer.venue_id)
        try:
            if quantity == 2 and not offer.is_duo:
                raise InvalidInput("Only duo offers can be booked for two", field="quantity")
            check_stock(stock, quantity, now)
            cap_kind = CapKind.of_offer(is_digital=bool(offer.is_digital), is_event=stock.begins_at is not None)
            amount = int(stock.price_cents or 0) * quantity
            plan = plan_debits(
                credits,
                amount,
                category=offer.category,
                venue_id=offer.venue_id,
                cap_kind=cap_kind,
                now=now,
                department=offer.department_code,
            )
        except DomainError:
            # A structure that is not validated answers 404 whatever else is wrong, like an unpublished offer.
            _require_validated_structure(read.status if pending_status is None else pending_status.result())
            raise
        _require_validated_structure(read.status if pending_status is None else pending_status.result())
        if pending_venue is not None:  # its name and address go on the booking (countermark API, exports)
            venue = pending_venue.result()

    # Ticketing (an offer with ``has_ticket``): the partner's tickets, before the transaction (or its refusal).
    reservation = ticketing.reserve(offer, _new_booking(principal, stock, offer, venue, quantity, amount, plan, now))
    places = PlaceTaker(stock, quantity)  # the stock item, or a shard of a big stock (places.py)
    committed = None
    try:
        for attempt in range(MAX_ATTEMPTS):
            booking = _new_booking(principal, stock, offer, venue, quantity, amount, plan, now)
            ticketing.attach(reservation, booking)
            token = request_token("booking", user.id, idempotency_key, str(attempt)) if idempotency_key else None
            failed = _commit(booking, stock, plan, idempotency_key, now, token, places)
            if failed is None:  # a DynamoDB transaction conflict: nothing was written
                places.conflicted()
                if attempt + 1 < MAX_ATTEMPTS:  # no pause before the refusal
                    backoff(attempt)
                continue
            if not failed:
                committed = booking
                if (places.sharded and places.refusals) or (
                    not places.sharded
                    and stock.quantity is not None
                    and int(stock.quantity) - int(stock.booked or 0) - quantity <= NEARLY_FULL
                ):
                    # This booking may have taken the last place: the offer leaves the feed then.
                    refresh_if_places_changed(offer.id, stock.id)
                metrics.count("BookingsMade", category=offer.category)
                return BookingResult(booking, created=True, venue=venue)
            if "idem" in failed:  # this key's first request committed: its booking, with the venue already read
                replay = _replay(user.id, idempotency_key or "", stock_id)
                if replay is not None:
                    replay.venue = venue
                    return replay
            if "guard" in failed:
                raise Conflict("You have already booked this date", field="stockId")
            if "stock" in failed and not places.refused():  # a sharded stock may try another shard unread
                stock = places.stock = _get_stock(stock_id)
                if stock.offer_state is not None and stock.offer_state != PUBLISHED:
                    raise NotFound("No such stock", field="stockId")  # unpublished since it was read
                if places.sharded:
                    places.reread()  # one Query of the shards: stock.booked is their sum
                try:
                    check_stock(stock, quantity, now)  # raises the precise refusal, or the stock just changed
                except Conflict:
                    if places.sharded:  # the feed learns the date is full from the first booker refused
                        refresh_if_places_changed(offer.id, stock.id)
                    raise
            if any(label.startswith("wallet:") for label in failed):
                plan = plan_debits(
                    wallets_of(user.id),
                    amount,
                    category=offer.category,
                    venue_id=offer.venue_id,
                    cap_kind=cap_kind,
                    now=now,
                    department=offer.department_code,
                )
            # Left: a countermark collision, or a stock or wallet that changed and still allows it.
        raise Conflict("Too many bookings of this date at once; please try again", field="global")
    finally:
        ticketing.settle(reservation, committed)  # the date follows the partner, or the tickets go back


def _new_booking(
    principal: Principal,
    stock: Stock,
    offer: Offer,
    venue: Venue | None,
    quantity: int,
    amount: int,
    plan: DebitPlan,
    now: datetime,
) -> Booking:
    user = principal.user
    return Booking(
        new_countermark(),
        user_id=user.id,
        stock_id=stock.id,
        offer_id=offer.id,
        venue_id=offer.venue_id,
        siren=offer.siren,
        quantity=quantity,
        amount_cents=amount,
        debits=plan.as_map(),
        local_counters=spent_counters(plan) or None,
        cap_kind=None if plan.cap_kind is None else plan.cap_kind.value,
        status="booked",
        offer_name=offer.name,
        offer_category=offer.category,
        begins_at=stock.begins_at,
        user_email=user.email,
        user_public_name=user.public_name or user.first_name,
        user_date_of_birth=user.date_of_birth,
        venue_name=venue.name if venue else None,
        venue_address=venue.address if venue else None,
        venue_department_code=(venue.department_code if venue else None) or offer.department_code,
        venue_postal_code=venue.postal_code if venue else None,
        venue_city=venue.city if venue else None,
        venue_booking_email=venue.booking_email if venue else None,
        venue_is_virtual=bool(venue.is_virtual) if venue else None,
        created_at=now,
        # The partner API's integer ids (services.partners.ids): the booking's own, and those known.
        public_id=new_public_id(),
        offer_public_id=offer.public_id,
        stock_public_id=stock.public_id,
        venue_public_id=venue.public_id if venue else None,
        user_first_name=user.first_name,
        user_last_name=user.last_name,
        user_phone=user.phone,
        price_category_public_id=stock.price_category_id,
        price_category_label=stock.price_category_label,
        price_category_id_at_provider=stock.price_category_id_at_provider,
        offer_id_at_provider=offer.id_at_provider,
        stock_id_at_provider=stock.id_at_provider,
    )


def _commit(
    booking: Booking,
    stock: Stock,
    plan: DebitPlan,
    idempotency_key: str | None,
    now: datetime,
    token: str | None,
    places: PlaceTaker,
) -> dict[str, str] | None:
    """The booking transaction: ``{}``, ``{label: reason}`` of failed conditions, or None on a conflict.

    A token another request already committed with (``AlreadyCommitted``) counts as the key's guard failing.
    """
    tx = Transaction(client_request_token=token)
    # "stock": the stock item, or its shard(s) (places.py)
    places.add_to(tx, booking, stock_condition)
    for wallet, cents in plan.debits:
        actions, condition = debit_update(wallet, cents, plan.cap_kind)
        tx.update(f"wallet:{wallet.credit_id}", Wallet(booking.user_id, wallet.credit_id), actions, condition)
    # The local programmes' spent totals, in the same transaction (one sharded counter item each).
    debited = plan.as_map()
    for credit_id, (department, key) in booking.counters_by_credit().items():
        counter, actions = spent_update(department, key, debited[credit_id])
        tx.update(f"counter:{credit_id}", counter, actions)
    tx.save("booking", booking, condition=Booking.token.does_not_exist())
    guard = Unique(booking_guard_key(booking.user_id, stock.id), target=booking.token, created_at=now)
    tx.save("guard", guard, condition=Unique.key.does_not_exist())
    public_id = public_id_guard("booking", booking.token, int(booking.public_id))
    tx.save("public-id", public_id, condition=Unique.key.does_not_exist())  # a collision draws again
    if idempotency_key is not None:
        idem = Unique(idempotency_guard_key(booking.user_id, idempotency_key), target=booking.token, created_at=now)
        tx.save("idem", idem, condition=Unique.key.does_not_exist())
    try:
        return tx.commit()
    except TransactionConflict:
        return None
    except AlreadyCommitted:
        return {"idem": "IdempotentParameterMismatch"}


def _replay(user_id: str, idempotency_key: str, stock_id: str) -> BookingResult | None:
    """The booking an earlier request with this key created, if any."""
    try:
        guard = Unique.get(idempotency_guard_key(user_id, idempotency_key), consistent_read=True)
        booking = Booking.get(guard.target, consistent_read=True)
    except (Unique.DoesNotExist, Booking.DoesNotExist):
        return None
    if booking.stock_id != stock_id:
        raise Conflict("This Idempotency-Key was used for another booking", field="Idempotency-Key")
    return BookingResult(booking, created=False)


# -- reading -------------------------------------------------------------------


# -- cancelling ----------------------------------------------------------------


def cancel_my_booking(principal: Principal, token: str) -> BookingView:
    """The booker cancels until the deadline; the mirror transaction refunds exactly.

    Two round trips: one ``BatchGetItem`` of the booking and the user (a deferred principal), then the
    transaction (which checks the deadline against the date the stock has now) beside one
    ``BatchGetItem`` of the stock and the venue, for the answer and the feed.
    """
    from passculture.models.users import User
    from passculture.services.accounts.auth import principal_of

    token = normalise_countermark(token)
    wanted: list[tuple[type, dict[str, Any]]] = []
    if is_well_formed(token):
        wanted.append((Booking, {"token": {"S": token}}))
    if principal.deferred:
        wanted.append((User, {"id": {"S": principal.user_id}}))
    found = batch_get(wanted) if wanted else {}
    if principal.deferred:
        users = found.get(User) or []
        principal = principal_of(users[0] if users else None)  # gone or disabled: 401, as on every route
    bookings = found.get(Booking) or []
    booking = bookings[0] if bookings else None
    if booking is None or booking.user_id != principal.user_id:
        raise NotFound("No such booking", field="booking")
    if booking.status == "cancelled":
        raise Gone("This booking is already cancelled", field="booking")
    if booking.status != "booked":
        raise Conflict(f"This booking is {booking.status}: it can no longer be cancelled", field="booking")
    # An event's date (not one its venue withdrew) must start after the deadline: checked by the transaction.
    starts_after = None
    if cancellable_until(booking) is not None:
        starts_after = utcnow() + timedelta(hours=get_settings().cancellation_deadline_hours)
    wanted = [(Stock, {"id": {"S": booking.stock_id}}), (Venue, {"id": {"S": booking.venue_id}})]
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(_in_context(batch_get), wanted)
        cancelled = cancel_booking(booking, f"user:{principal.user_id}", starts_after=starts_after, refresh=False)
        found = beside.result()
    stocks, venues = found[Stock], found[Venue]
    if stocks:
        refresh_if_places_changed(booking.offer_id, booking.stock_id, freed=booking.quantity, stock=stocks[0])
    return view_of(cancelled, venues[0] if venues else None)
