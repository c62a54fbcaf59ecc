"""The countermarks function: the v2 countermark API, API keys, a structure's transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from chalice import Blueprint

from passculture.web import Auth, Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.api_keys import ApiKeyCreated, ApiKeyPage
    from passculture.schemas.countermarks import V2Booking
    from passculture.services.countermarks.transactions import CsvChunk

V2 = {
    "auth": Auth.COUNTERMARK,
    "v2_errors": True,
    "deprecated": (
        "pass Culture withdrew its v2 countermark API for API keys; its successor is the partner API, "
        "`/public/bookings/v1` (the same checks on the same bookings). These routes stay for the ticketing systems "
        "already integrated with v2, and for the Guichet."
    ),
}
V2_ERRORS = {
    404: "Unknown or malformed code, or another structure's (one answer for all three)",
    429: "Too many failed calls from this caller, this address or this structure",
}
TOO_EARLY = "The event starts more than 72 hours from now (`beginningDatetime`, `beginsAt`)"
USED_OR_CANCELLED = "Already used (`booking`, with `usedAt`), cancelled (`booking`) or reimbursed (`payment`)"
BUSY = "The booking kept changing under concurrent calls: try again"
ADMIN_ONLY = "Only an admin of the structure (or the team) may do this"
NOT_MINE = "No such structure, or not one of mine"


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    # -- Pass Culture v2 countermark API -------------------------------------------

    @routes.get(
        "/v2/bookings/token/{token}",
        response="countermarks:V2Booking",
        errors={**V2_ERRORS, 403: TOO_EARLY, 410: USED_OR_CANCELLED},
        **V2,
    )
    def check_countermark(req: Req, token: str) -> V2Booking:
        """Checks a countermark: the booking, if the caller's structure may validate it now.

        Pass Culture's published v2 reply, field for field. The checks run in the
        published order: 429 once the caller's or the source address's failures are
        spent, 401 for bad credentials, 404 for an unknown or malformed code or one
        of another structure (one answer for the three, so codes cannot be probed),
        then 410 for a used booking (`booking`, with `usedAt`), a cancelled one
        (`booking`) or a reimbursed one (`payment`), and 403 for an event that starts
        more than 72 hours from now (`beginningDatetime`, with `beginsAt`). Only 401s
        and 404s count as failures.
        """
        from passculture.schemas.countermarks import V2Booking
        from passculture.services.countermarks import v2

        return V2Booking.of(v2.check(req.credentials, token, req.source_ip))

    @routes.patch(
        "/v2/bookings/use/token/{token}",
        status=204,
        errors={**V2_ERRORS, 403: TOO_EARLY, 409: BUSY, 410: USED_OR_CANCELLED},
        **V2,
    )
    def use_countermark(req: Req, token: str) -> None:
        """Validates a countermark: the booking becomes used.

        The same checks as the check, in the same order; then one conditional write,
        so two cashiers validating one code get one 204 and one 410. Who validated it
        and when are recorded.
        """
        from passculture.services.countermarks import v2

        v2.use(req.credentials, token, req.source_ip)

    @routes.patch(
        "/v2/bookings/keep/token/{token}",
        status=204,
        errors={**V2_ERRORS, 409: BUSY, 410: "Not used yet, cancelled, or already reimbursed"},
        **V2,
    )
    def keep_countermark(req: Req, token: str) -> None:
        """Undoes a validation: the booking goes back to booked.

        After the credentials and the code's checks (429, 401, 404 as for a check):
        410 when the booking is not used yet or was cancelled (`booking`), or is
        already reimbursed (`payment`).
        """
        from passculture.services.countermarks import v2

        v2.keep(req.credentials, token, req.source_ip)

    @routes.patch(
        "/v2/bookings/cancel/token/{token}",
        status=204,
        errors={**V2_ERRORS, 403: "Used or reimbursed: it cannot be cancelled", 409: BUSY, 410: "Already cancelled"},
        **V2,
    )
    def cancel_countermark(req: Req, token: str) -> None:
        """Cancels a booking on the structure's side: place freed, credit refunded, booker emailed.

        After the credentials and the code's checks (429, 401, 404 as for a check):
        410 when it is already cancelled, 403 when it was used or reimbursed.
        """
        from passculture.services.countermarks import v2

        v2.cancel(req.credentials, token, req.source_ip)

    # -- API keys ----------------------------------------------------------------------

    @routes.post(
        "/offerers/{siren}/api-keys",
        status=201,
        response="api_keys:ApiKeyCreated",
        errors={403: ADMIN_ONLY, 404: NOT_MINE, 409: "The structure already has 5 live keys"},
    )
    def create_api_key(req: Req, siren: str) -> ApiKeyCreated:
        """Creates an API key for the structure: shown in this reply only.

        Only its SHA-256 and a display prefix are kept. A structure has at most 5
        live keys (409 past that). The key is accepted on the v2 countermark routes
        only. Structure admins only.
        """
        from passculture.schemas.api_keys import ApiKeyCreated
        from passculture.services.countermarks.api_keys import create_api_key

        return ApiKeyCreated.of(create_api_key(req.principal, siren))

    @routes.get("/offerers/{siren}/api-keys", response="api_keys:ApiKeyPage", errors={403: ADMIN_ONLY, 404: NOT_MINE})
    def list_api_keys(req: Req, siren: str) -> ApiKeyPage:
        """The structure's live API keys (prefix and dates, never the key).

        Each with `prefix`, `createdAt` and `lastUsedAt` (refreshed at most hourly).
        Structure admins only.
        """
        from passculture.schemas.api_keys import ApiKeyPage
        from passculture.services.countermarks.api_keys import list_api_keys

        return ApiKeyPage.of(list_api_keys(req.principal, siren))

    @routes.delete(
        "/offerers/{siren}/api-keys/{prefix}",
        status=204,
        errors={403: ADMIN_ONLY, 404: "No such structure or key, or not mine"},
    )
    def revoke_api_key(req: Req, siren: str, prefix: str) -> None:
        """Revokes an API key: refused from the next call on.

        A revoked key gets 401 at once. Structure admins only.
        """
        from passculture.services.countermarks.api_keys import revoke_api_key

        revoke_api_key(req.principal, siren, prefix)

    # -- transactions ---------------------------------------------------------------------

    @routes.get(
        "/bookings/pro",
        query="transactions:TransactionsQuery",
        response="transactions:TransactionPage",
        errors={404: "No such venue, or not one of mine"},
        produces=("application/json", "text/csv"),
        headers=[("Accept", "text/csv for the CSV export, in chunks linked by X-Next-Cursor")],
        response_headers=[
            ("X-Next-Cursor", "CSV export: the next chunk's cursor; absent on the last chunk"),
            ("Link", 'CSV export: `<the next chunk\'s URL>; rel="next"`; absent on the last chunk'),
            ("Content-Disposition", "CSV export: `attachment` with the file's name"),
        ],
        deferred_user=True,  # ?siren=: the user is read with its membership, in one BatchGetItem
    )
    def list_pro_bookings(req: Req) -> dict[str, Any] | Reply:
        """The structure's transactions; `format=csv` or `Accept: text/csv` gives CSV chunks.

        The bookings of the structure's offers, newest first, filtered by venue,
        period (booking date, both ends included) and status. A member of several
        structures says which with `siren` (or `venueId`). The CSV export comes in
        chunks of at most 5,000 rows or 4 MB: each chunk but the last names the next
        one in `X-Next-Cursor` and `Link: rel="next"`, and the chunks concatenated
        are one file.
        """
        from passculture.presenters.bookings import transaction_page
        from passculture.services.countermarks import transactions

        if req.query.format == "csv" or "text/csv" in (req.headers.get("accept") or ""):
            return _csv_reply(req, transactions.export_csv(req.principal, req.query))
        # The presenter's body (what TransactionPage validates), without pydantic: a cold read route.
        return transaction_page(*transactions.list_transactions(req.principal, req.query))

    return routes.blueprint


def _csv_reply(req: Req, chunk: CsvChunk) -> Reply:
    """One chunk of the export, naming the next one (the same query from its cursor) while there is more."""
    headers = {"Content-Disposition": f'attachment; filename="{chunk.filename}"'}
    if chunk.next_cursor:
        params = {k: v for k, v in (req.raw.query_params or {}).items() if k != "cursor"}
        params.update(format="csv", cursor=chunk.next_cursor)
        headers["X-Next-Cursor"] = chunk.next_cursor
        headers["Link"] = f'</bookings/pro?{urlencode(params)}>; rel="next"'
    return Reply(chunk.text, headers=headers, content_type="text/csv; charset=utf-8")
