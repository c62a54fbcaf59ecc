"""The countermarks function: the v2 countermark API, API keys, a structure's transactions."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from chalice import Blueprint

from passculture.web import Auth, Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.api_keys import ApiKeyCreated, ApiKeyPage
    from passculture.schemas.countermarks import V2Booking
    from passculture.schemas.transactions import TransactionPage
    from passculture.services.countermarks.transactions import CsvChunk

V2 = {"auth": Auth.COUNTERMARK, "v2_errors": True}


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    # -- Pass Culture v2 countermark API -------------------------------------------

    @routes.get("/v2/bookings/token/{token}", response="countermarks:V2Booking", errors=(403, 404, 410, 429), **V2)
    def check_countermark(req: Req, token: str) -> V2Booking:
        """Checks a countermark: the booking, if the caller's structure may validate it now."""
        from passculture.schemas.countermarks import V2Booking
        from passculture.services.countermarks import v2

        return V2Booking.of(v2.check(req.credentials, token, req.source_ip))

    @routes.patch("/v2/bookings/use/token/{token}", status=204, errors=(403, 404, 409, 410, 429), **V2)
    def use_countermark(req: Req, token: str) -> None:
        """Validates a countermark: the booking becomes used."""
        from passculture.services.countermarks import v2

        v2.use(req.credentials, token, req.source_ip)

    @routes.patch("/v2/bookings/keep/token/{token}", status=204, errors=(404, 409, 410, 429), **V2)
    def keep_countermark(req: Req, token: str) -> None:
        """Undoes a validation: the booking goes back to booked."""
        from passculture.services.countermarks import v2

        v2.keep(req.credentials, token, req.source_ip)

    @routes.patch("/v2/bookings/cancel/token/{token}", status=204, errors=(403, 404, 409, 410, 429), **V2)
    def cancel_countermark(req: Req, token: str) -> None:
        """Cancels a booking on the structure's side: place freed, credit refunded, booker emailed."""
        from passculture.services.countermarks import v2

        v2.cancel(req.credentials, token, req.source_ip)

    # -- API keys ----------------------------------------------------------------------

    @routes.post("/offerers/{siren}/api-keys", status=201, response="api_keys:ApiKeyCreated", errors=(403, 404, 409))
    def create_api_key(req: Req, siren: str) -> ApiKeyCreated:
        """Creates an API key for the structure: shown in this reply only."""
        from passculture.schemas.api_keys import ApiKeyCreated
        from passculture.services.countermarks.api_keys import create_api_key

        return ApiKeyCreated.of(create_api_key(req.principal, siren))

    @routes.get("/offerers/{siren}/api-keys", response="api_keys:ApiKeyPage", errors=(403, 404))
    def list_api_keys(req: Req, siren: str) -> ApiKeyPage:
        """The structure's live API keys (prefix and dates, never the key)."""
        from passculture.schemas.api_keys import ApiKeyPage
        from passculture.services.countermarks.api_keys import list_api_keys

        return ApiKeyPage.of(list_api_keys(req.principal, siren))

    @routes.delete("/offerers/{siren}/api-keys/{prefix}", status=204, errors=(403, 404))
    def revoke_api_key(req: Req, siren: str, prefix: str) -> None:
        """Revokes an API key: refused from the next call on."""
        from passculture.services.countermarks.api_keys import revoke_api_key

        revoke_api_key(req.principal, siren, prefix)

    # -- transactions ---------------------------------------------------------------------

    @routes.get(
        "/bookings/pro",
        query="transactions:TransactionsQuery",
        response="transactions:TransactionPage",
        errors=(404,),
        produces=("application/json", "text/csv"),
        headers=[("Accept", "text/csv for the CSV export, in chunks linked by X-Next-Cursor")],
    )
    def list_pro_bookings(req: Req) -> TransactionPage | Reply:
        """The structure's transactions; `format=csv` or `Accept: text/csv` gives CSV chunks."""
        from passculture.schemas.transactions import TransactionPage
        from passculture.services.countermarks import transactions

        if req.query.format == "csv" or "text/csv" in (req.headers.get("accept") or ""):
            return _csv_reply(req, transactions.export_csv(req.principal, req.query))
        return TransactionPage.of(*transactions.list_transactions(req.principal, req.query))

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
