"""The countermark API, compatible with Pass Culture's published v2: check, use, keep, cancel.

Every call first reads, in ONE ``BatchGetItem`` spanning tables, what it needs:
the caller's API key (or user), the booking, and the failure counters (caller,
source address, and the structure an API key names; Basic adds the
password-failure counters it shares with sign-in). Then the contract's checks
run in order: 429 (counters spent), 401 (credentials), 429 (the caller's
structure spent), 404 (unknown token, malformed token, or another structure's:
one answer for all three), then the route's own 410/403. ``use`` and ``keep``
are one conditional ``UpdateItem`` on the status, so two cashiers validating
the same code get one 204 and one 410; ``cancel`` is the shared cancellation
transaction.

Only 401s and 404s count against the limits (they are what guessing produces;
410/403 answer only for the caller's own bookings): a 404 against the caller,
the source and the caller's structure (all its keys and members share one
allowance, so a new key brings no new tries), a wrong password against the
password counters (``accounts.signin.PasswordGuard``), any 401 against the
source. Every refused call is logged on ``passculture.countermarks`` with route,
caller, source and reason.

A call's ``Attempt`` is fixed when it starts (``claim_of`` reads who the
credentials name, before any read); ``_resolve`` returns the verified caller
and the booking, or raises the contract's first refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from passculture.adapters import metrics
from passculture.config import get_settings
from passculture.errors import Conflict, DomainError, Forbidden, Gone, NotFound, RateLimited, Unauthorized
from passculture.models.api_keys import ApiKey
from passculture.models.base import batch_get, utcnow
from passculture.models.bookings import Booking
from passculture.models.rate_limits import RateLimit
from passculture.rules.countermark import is_well_formed, normalise_countermark
from passculture.services import ratelimit
from passculture.services.accounts.auth import Credentials, api_key_matches, api_key_prefix, api_key_siren

if TYPE_CHECKING:
    from passculture.services.accounts.signin import PasswordGuard

audit = logging.getLogger("passculture.countermarks")

# Pass Culture's own messages: integrated ticketing systems may show them to cashiers.
NOT_FOUND = "Cette contremarque n'a pas été trouvée"
ALREADY_USED = "Cette réservation a déjà été validée"
CANCELLED = "Cette réservation a été annulée"
REIMBURSED = "Cette réservation a été remboursée"
NOT_USED_YET = "Cette réservation n'a pas encore été validée"
ALREADY_CANCELLED = "Cette contremarque a déjà été annulée"
CANNOT_CANCEL_USED = "Impossible d'annuler une réservation consommée"
BAD_CREDENTIALS = "Invalid credentials"

MAX_EMAIL_LENGTH = 254
NO_SIREN = "-"  # not a SIREN: no membership has it

# last_used_at is refreshed at most this often, so the hot path rarely writes the key.
LAST_USED_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class FailureLimits:
    """Failed attempts (401, 404) allowed per window."""

    caller: ratelimit.Limit
    source: ratelimit.Limit
    structure: ratelimit.Limit


def key_limit() -> ratelimit.Limit:
    """Requests per minute of one API key, whatever they answer (the published API's 200)."""
    return ratelimit.Limit("countermark-key", get_settings().countermark_key_requests_per_minute, 60)


def failure_limits() -> FailureLimits:
    settings = get_settings()
    window = settings.countermark_failure_window_seconds
    return FailureLimits(
        ratelimit.Limit("countermark-caller", settings.countermark_caller_failures, window),
        ratelimit.Limit("countermark-source", settings.countermark_source_failures, window),
        ratelimit.Limit("countermark-structure", settings.countermark_structure_failures, window),
    )


# -- who is calling ------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """Who the credentials say the caller is, read from them alone (no I/O yet)."""

    kind: str  # the credentials' kind
    subject: str  # the caller's rate-limit subject: key:<prefix>, user:<id>, email:<address>...
    name: str | None = None  # the API key's prefix, or the user id an access token names
    refusal: tuple[str, Unauthorized] | None = None  # (reason, error) when they are unusable as presented
    siren: str | None = None  # the structure an API key names (None: a key made before keys named it)


def claim_of(credentials: Credentials) -> Claim:
    if credentials.kind == "api_key":
        prefix = api_key_prefix(credentials.secret)
        # parse_authorization only calls a well-shaped bearer an API key
        refusal = None if prefix is not None else ("bad-api-key", Unauthorized(BAD_CREDENTIALS))
        return Claim("api_key", f"key:{prefix}", prefix, refusal, siren=api_key_siren(credentials.secret))
    if credentials.kind == "token":
        from passculture.services.accounts.auth import decode_access_token

        try:
            user_id = decode_access_token(credentials.secret)
        except Unauthorized as exc:
            return Claim("token", credentials.subject, refusal=("bad-access-token", exc))
        return Claim("token", f"user:{user_id}", user_id)
    if len(credentials.email) > MAX_EMAIL_LENGTH:  # no such account, and too long for a DynamoDB key
        return Claim("basic", "anonymous", refusal=("bad-password", Unauthorized(BAD_CREDENTIALS)))
    return Claim("basic", credentials.subject)


@dataclass(frozen=True)
class Attempt:
    """One call, fixed when it starts: what is logged, and counted when it is refused."""

    route: str
    token: str
    source_ip: str
    claim: Claim
    now: float

    @property
    def kind(self) -> str:
        return self.claim.kind

    @property
    def subject(self) -> str:
        return self.claim.subject

    @property
    def source(self) -> str:
        return f"ip:{self.source_ip}"

    def masked_token(self) -> str:
        return (self.token[:2] + "****") if self.token else "-"


@dataclass(frozen=True)
class Caller:
    actor: str  # written on the booking: "key:<prefix>" | "user:<id>"
    api_key: ApiKey | None = None


def _now() -> float:
    """The rate-limit clock (epoch seconds): sign-in's too, as Basic shares its counters; tests move it."""
    return ratelimit.clock()


def _begin(route: str, credentials: Credentials, raw_token: str, source_ip: str) -> Attempt:
    token = normalise_countermark(raw_token)
    return Attempt(route, token, source_ip or "unknown", claim_of(credentials), _now())


def _deny(
    attempt: Attempt,
    exc: DomainError,
    reason: str,
    *,
    caller: bool = False,
    source: bool = False,
    structures: Sequence[str] = (),
    password: PasswordGuard | None = None,
) -> NoReturn:
    """Logs a refused call, counts it where asked, raises 429 past a limit, else ``exc``."""
    limits = failure_limits()
    counted = []
    if caller:
        counted.append((limits.caller, attempt.subject))
    if source:
        counted.append((limits.source, attempt.source))
    counted += [(limits.structure, siren) for siren in structures]
    retry_after = password.count_failure() if password is not None else 0
    for limit, subject in counted:
        try:
            ratelimit.hit(limit, subject, now=attempt.now)
        except RateLimited as limited:
            retry_after = max(retry_after, limited.retry_after)
    _log_refusal(attempt, 429 if retry_after else exc.status, reason)
    if retry_after:
        raise RateLimited(retry_after) from exc
    raise exc


def _log_refusal(attempt: Attempt, status: int, reason: str) -> None:
    # A route's own refusal (410, 403) reads "booking:'...'": its field is reason enough for a dimension.
    metrics.count("CountermarkFailures", route=attempt.route, reason=reason.partition(":")[0], status=status)
    audit.warning(
        "countermark refused route=%s status=%s reason=%s caller=%s source=%s token=%s",
        attempt.route,
        status,
        reason,
        attempt.subject,
        attempt.source_ip,
        attempt.masked_token(),
    )


def _spent(attempt: Attempt, limited: RateLimited, reason: str = "limit-spent") -> NoReturn:
    _log_refusal(attempt, 429, reason)
    raise limited


def _not_found(attempt: Attempt, reason: str, structures: Sequence[str]) -> NoReturn:
    """A guess that missed: counted against the caller, the source and the caller's ``structures``."""
    _deny(attempt, NotFound(NOT_FOUND), reason, caller=True, source=True, structures=structures)


def _unknown(attempt: Attempt, structures: Sequence[str]) -> NoReturn:
    _not_found(attempt, "malformed-token" if not is_well_formed(attempt.token) else "unknown-token", structures)


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _counter(limit: ratelimit.Limit, subject: str, now: float) -> tuple[type, dict[str, Any]]:
    return RateLimit, {"key": _s(ratelimit.counter_key(limit, subject, now))}


def _first_batch(
    attempt: Attempt, extra: list[tuple[type, dict[str, Any]]], counters: Sequence[str] = ()
) -> tuple[dict[type, list[Any]], Booking | None, dict[str, RateLimit]]:
    """``extra`` + the booking (when the token can exist) + the failure counters, in one read.

    The caller's and the source's counters, the structure's when the credentials
    name one, and ``counters`` (more keys the caller wants); 429 when this
    caller or this source has used up its failures. Returns what was found, the
    booking, and the counters by key.
    """
    limits = failure_limits()
    spendable = [(limits.caller, attempt.subject), (limits.source, attempt.source)]
    wanted = list(extra)
    if is_well_formed(attempt.token):
        wanted.append((Booking, {"token": _s(attempt.token)}))
    wanted += [_counter(limit, subject, attempt.now) for limit, subject in spendable]
    if attempt.claim.siren is not None:
        wanted.append(_counter(limits.structure, attempt.claim.siren, attempt.now))
    wanted += [(RateLimit, {"key": _s(key)}) for key in counters]
    found = batch_get(wanted)
    by_key = {counter.key: counter for counter in found[RateLimit]}
    for limit, subject in spendable:
        try:
            ratelimit.refuse_if_spent_among(limit, subject, by_key, attempt.now)
        except RateLimited as limited:
            _spent(attempt, limited)
    bookings = found.get(Booking) or []
    return found, bookings[0] if bookings else None, by_key


class KeyRequest:
    """One request counted against an API key's minute, in a thread beside the first batch.

    The count (one ``UpdateItem``: ``ADD count 1``) runs while the batch reads, so
    it costs one call but no round trip of waiting. It is taken back (``ADD -1``)
    unless the key's secret matched: presenting a key's prefix cannot spend its
    allowance.
    """

    def __init__(self, attempt: Attempt, limit: ratelimit.Limit | None = None) -> None:
        import contextvars
        from concurrent.futures import ThreadPoolExecutor

        self.attempt, self.prefix, self.verified = attempt, attempt.claim.name or "", False
        self.limit = limit or key_limit()  # the partner API counts its provider keys the same way
        self._pool = ThreadPoolExecutor(max_workers=1)
        # With the request's context: its deadline (passculture.transport) holds in the thread too.
        self._counted = self._pool.submit(
            contextvars.copy_context().run, ratelimit.add, self.limit, self.prefix, attempt.now
        )

    def __enter__(self) -> KeyRequest:
        return self

    def within_allowance(self) -> None:
        """The key is verified: 429 when this request is past its minute's allowance."""
        self.verified = True
        counter = self._counted.result()
        if counter.count > self.limit.limit:
            _spent(self.attempt, RateLimited(ratelimit.retry_after(counter, self.attempt.now)), "key-limit-spent")

    def __exit__(self, *exc: object) -> None:
        try:
            counted = self._counted.exception() is None
            if not self.verified and counted:
                ratelimit.add(self.limit, self.prefix, self.attempt.now, by=-1)
        finally:
            self._pool.shutdown(wait=False)


def _refuse_if_structure_spent(attempt: Attempt, siren: str, counters: dict[str, RateLimit] | None) -> None:
    """429 when the caller's structure has used up its failures (real codes included).

    ``counters``: what the call read, its counter included when present; None
    when it was not read (an API key made before keys named their structure:
    one more read).
    """
    limit = failure_limits().structure
    try:
        if counters is None:
            ratelimit.check(limit, siren, now=attempt.now)
        else:
            ratelimit.refuse_if_spent_among(limit, siren, counters, attempt.now)
    except RateLimited as limited:
        _spent(attempt, limited, "structure-limit-spent")


def _resolve(attempt: Attempt, credentials: Credentials) -> tuple[Caller, Booking]:
    """The verified caller and the booking, or the contract's first failing check (logged, counted)."""
    claim = attempt.claim
    if claim.refusal is not None:
        reason, error = claim.refusal
        _deny(attempt, error, reason, source=True)
    if claim.kind == "api_key":
        with KeyRequest(attempt) as request:
            found, booking, counters = _first_batch(attempt, [(ApiKey, {"prefix": _s(claim.name or "")})])
            key = found[ApiKey][0] if found[ApiKey] else None
            if key is None or key.revoked_at is not None or not api_key_matches(credentials.secret, key.secret_hash):
                # Only the source is counted: anyone may present a known prefix with a wrong secret,
                # and counting it against the key would let them lock its structure out.
                _deny(attempt, Unauthorized(BAD_CREDENTIALS), "bad-api-key", source=True)
            request.within_allowance()
        # The key matched, so the SIREN it names (if any) is its own.
        _refuse_if_structure_spent(attempt, key.siren, counters if claim.siren is not None else None)
        if booking is None:
            _unknown(attempt, [key.siren])
        if booking.siren != key.siren:
            _not_found(attempt, "other-structure", [key.siren])
        return Caller(actor=attempt.subject, api_key=key), booking
    if claim.kind == "token":
        from passculture.models.users import User

        found, booking, _ = _first_batch(attempt, [(User, {"id": _s(claim.name or "")})])
        user = found[User][0] if found[User] else None
        if user is None or not user.is_active:
            _deny(attempt, Unauthorized(BAD_CREDENTIALS), "inactive-user", source=True)
    else:
        from passculture.services.accounts.signin import PasswordGuard, authenticate_password

        guard = PasswordGuard.of(credentials.email, attempt.source_ip, attempt.now)
        # The counters are read before the password is hashed: a spent caller costs no argon2 run.
        _, booking, counters = _first_batch(attempt, [], guard.keys())
        try:
            guard.refuse_if_locked(counters)
        except RateLimited as limited:
            _spent(attempt, limited, "password-limit-spent")
        user = authenticate_password(guard.email, credentials.secret)
        if user is None:
            _deny(attempt, Unauthorized(BAD_CREDENTIALS), "bad-password", source=True, password=guard)
    return _member_of_booking(attempt, user.id, booking)


def _member_of_booking(attempt: Attempt, user_id: str, booking: Booking | None) -> tuple[Caller, Booking]:
    """The member's validated membership of the booking's structure, read with that structure's counter."""
    from passculture.models.memberships import Membership

    siren = booking.siren if booking is not None else NO_SIREN
    structure_counter = _counter(failure_limits().structure, siren, attempt.now)
    # Read even for an unknown token, so that its 404 takes as long as a foreign one's.
    found = batch_get([(Membership, {"user_id": _s(user_id), "siren": _s(siren)}), structure_counter])
    membership = found[Membership][0] if found[Membership] else None
    if booking is None or membership is None or membership.status != "validated":
        from passculture.services.accounts.access import member_sirens

        # A miss counts against every structure the member could be guessing for.
        structures = member_sirens(user_id)
        if booking is None:
            _unknown(attempt, structures)
        _not_found(attempt, "other-structure", structures)
    _refuse_if_structure_spent(attempt, siren, {counter.key: counter for counter in found[RateLimit]})
    return Caller(actor=f"user:{user_id}"), booking


def _open(route: str, credentials: Credentials, raw_token: str, source_ip: str) -> tuple[Attempt, Caller, Booking]:
    """The call's attempt, its verified caller and the booking (or the contract's first refusal)."""
    attempt = _begin(route, credentials, raw_token, source_ip)
    caller, booking = _resolve(attempt, credentials)
    return attempt, caller, booking


# A cancellation counts in BookingsCancelled (by: key or user).
SUCCESS_METRICS = {"checked": "CountermarkChecks", "used": "CountermarkUses", "kept": "CountermarkKeeps"}


def _succeeded(attempt: Attempt, caller: Caller, what: str) -> None:
    if what in SUCCESS_METRICS:
        metrics.count(SUCCESS_METRICS[what], caller=attempt.kind)
    audit.info(
        "countermark %s route=%s by=%s source=%s token=%s",
        what,
        attempt.route,
        caller.actor,
        attempt.source_ip,
        attempt.masked_token(),
    )
    key = caller.api_key
    if key is None:
        return
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        from pynamodb.exceptions import UpdateError

        try:
            key.update(actions=[ApiKey.last_used_at.set(now)], condition=ApiKey.prefix.exists())
        except UpdateError:  # revoked and gone meanwhile: nothing to note
            audit.info("api key %s vanished before last_used_at was noted", key.prefix)


# -- the routes' rules ---------------------------------------------------------


def _require_usable(booking: Booking, now: datetime) -> None:
    """The check and use rules after authorisation: 410 used (with ``usedAt``), 410 cancelled, 403 too early."""
    if booking.status == "reimbursed":
        raise Gone({"payment": [REIMBURSED]})
    if booking.status == "used":
        # usedAt and beginsAt (below) are additions after the published key: the Guichet shows them.
        used_at = {"usedAt": [booking.used_at.isoformat()]} if booking.used_at else {}
        raise Gone({"booking": [ALREADY_USED], **used_at})
    if booking.status == "cancelled":
        raise Gone({"booking": [CANCELLED]})
    hours = get_settings().countermark_window_hours
    if booking.begins_at is not None and booking.begins_at > now + timedelta(hours=hours):
        raise Forbidden(
            {
                "beginningDatetime": [
                    f"Vous ne pouvez pas valider cette contremarque plus de {hours}h avant le début de l'évènement"
                ],
                "beginsAt": [booking.begins_at.isoformat()],
            }
        )


def _require_kept(booking: Booking) -> None:
    """The keep rules: only a used booking goes back to booked."""
    if booking.status == "booked":
        raise Gone({"booking": [NOT_USED_YET]})
    if booking.status == "cancelled":
        raise Gone({"booking": [CANCELLED]})
    if booking.status == "reimbursed":
        raise Gone({"payment": [REIMBURSED]})


def _require_cancellable(booking: Booking) -> None:
    if booking.status == "cancelled":
        raise Gone({"global": [ALREADY_CANCELLED]})
    if booking.status in ("used", "reimbursed"):
        raise Forbidden({"global": [CANNOT_CANCEL_USED]})


def _refuse(attempt: Attempt, exc: DomainError) -> NoReturn:
    """A refusal about the caller's own booking: logged, never counted."""
    field, messages = next(iter(exc.errors.items()))
    _deny(attempt, exc, f"{field}:{messages[0]!r}")


def _reread(token: str) -> Booking:
    try:
        return Booking.get(token, consistent_read=True)
    except Booking.DoesNotExist as exc:
        raise NotFound(NOT_FOUND) from exc


def _conditional_status(booking: Booking, to: str, expected: str, actions: list[Any]) -> bool:
    """One conditional UpdateItem: ``status`` goes from ``expected`` to ``to``.

    False when it lost a race: the status was not ``expected``, or a transaction
    (a cancellation) held the item at that instant; the caller reads it again.
    """
    from pynamodb.exceptions import UpdateError

    try:
        booking.update(actions=[Booking.status.set(to), *actions], condition=Booking.status == expected)
    except UpdateError as exc:
        if exc.cause_response_code in ("ConditionalCheckFailedException", "TransactionConflictException"):
            return False
        raise
    return True


def check(credentials: Credentials, raw_token: str, source_ip: str) -> CheckedBooking:
    """``GET /v2/bookings/token/{token}``."""
    attempt, caller, booking = _open("check", credentials, raw_token, source_ip)
    try:
        _require_usable(booking, utcnow())
    except DomainError as exc:
        _refuse(attempt, exc)
    _succeeded(attempt, caller, "checked")
    return checked(booking)


def use(credentials: Credentials, raw_token: str, source_ip: str) -> None:
    """``PATCH /v2/bookings/use/token/{token}``: booked -> used, recording who and when."""
    attempt, caller, booking = _open("use", credentials, raw_token, source_ip)
    for _ in range(3):
        try:
            _require_usable(booking, utcnow())
        except DomainError as exc:
            _refuse(attempt, exc)
        stamp = [Booking.used_at.set(utcnow()), Booking.used_by.set(caller.actor)]
        if _conditional_status(booking, "used", "booked", stamp):
            _succeeded(attempt, caller, "used")
            return
        # Lost a race: answer what the booking has become, as a check would.
        booking = _reread(attempt.token)
    raise Conflict("The booking keeps changing; try again", field="booking")


def keep(credentials: Credentials, raw_token: str, source_ip: str) -> None:
    """``PATCH /v2/bookings/keep/token/{token}``: used -> booked (undoes a validation)."""
    attempt, caller, booking = _open("keep", credentials, raw_token, source_ip)
    for _ in range(3):
        try:
            _require_kept(booking)
        except DomainError as exc:
            _refuse(attempt, exc)
        if _conditional_status(booking, "booked", "used", [Booking.used_at.remove(), Booking.used_by.remove()]):
            _succeeded(attempt, caller, "kept")
            return
        booking = _reread(attempt.token)
    raise Conflict("The booking keeps changing; try again", field="booking")


def cancel(credentials: Credentials, raw_token: str, source_ip: str) -> None:
    """``PATCH /v2/bookings/cancel/token/{token}``: the structure cancels; place and credit given back."""
    from passculture.services.booking.cancellation import cancel_booking

    attempt, caller, booking = _open("cancel", credentials, raw_token, source_ip)
    try:
        _require_cancellable(booking)
        try:
            cancel_booking(booking, caller.actor)
        except Gone as exc:
            raise Gone({"global": [ALREADY_CANCELLED]}) from exc
        except Conflict:
            # Used meanwhile gives the answer a check would have given; anything else stays a 409.
            _require_cancellable(_reread(attempt.token))
            raise
    except (Gone, Forbidden) as exc:
        _refuse(attempt, exc)
    _succeeded(attempt, caller, "cancelled")


# -- the reply -------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedBooking:
    """A booking the caller may validate, with the venue and birth date the published reply shows."""

    booking: Booking
    venue_name: str | None
    venue_address: str | None
    venue_department_code: str | None
    date_of_birth: str | None


def checked(booking: Booking) -> CheckedBooking:
    """Venue and birth date come from the booking when it carries them (older ones: one more read)."""
    if booking.venue_name is None:
        return CheckedBooking(booking, *_read_venue_and_user(booking))
    return CheckedBooking(
        booking, booking.venue_name, booking.venue_address, booking.venue_department_code, booking.user_date_of_birth
    )


def _read_venue_and_user(booking: Booking) -> tuple[str | None, str | None, str | None, str | None]:
    """For bookings written without the venue fields: one more BatchGetItem (venue and booker)."""
    from passculture.models.users import User
    from passculture.models.venues import Venue

    found = batch_get([(Venue, {"id": _s(booking.venue_id)}), (User, {"id": _s(booking.user_id)})])
    venue = found[Venue][0] if found[Venue] else None
    user = found[User][0] if found[User] else None
    birth = booking.user_date_of_birth or (user.date_of_birth if user else None)
    if venue is None:
        return None, None, None, birth
    return venue.name, venue.address, venue.department_code, birth
