"""The partners function: the partner API (``/public/bookings/v1``, ``/public/offers/v1``,
``/public/providers/v1``), the team's providers, the providers pros grant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from passculture.errors import NotFound
from passculture.web import Auth, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.partners import (
        PartnerBooking,
        PartnerBookingList,
        ProviderCreated,
        ProviderKeyCreated,
        ProviderList,
        ProviderOut,
    )

PARTNER = {"auth": Auth.PROVIDER, "partner_errors": True}
PARTNER_ERRORS = {
    401: 'No API key, or an unknown or revoked one: `{"auth": "API key required"}`',
    403: 'The key\'s provider is inactive: `{"auth": ["Inactive provider"]}`',
    429: "More than 200 requests this minute with this key, or too many failed calls",
}
TOKEN_NOT_FOUND = "Unknown countermark, or one of a venue not granted to the provider (one answer for both)"
BUSY = "The booking kept changing under concurrent calls: try again"
NO_PROVIDER = "No such provider"


def provider_id_of(text: str) -> int:
    """A path's integer id; anything else is a provider that does not exist."""
    if not text.isdigit() or len(text) > 16:
        raise NotFound(NO_PROVIDER, field="providerId")
    return int(text)


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    # -- /public/bookings/v1 ----------------------------------------------------------

    @routes.get(
        "/public/bookings/v1/bookings",
        query="partners:PartnerBookingsQuery",
        response="partners:PartnerBookingList",
        errors={
            **PARTNER_ERRORS,
            400: "`offerId` or `venueId` must be set, or a filter is malformed",
            404: "The offer or venue is unknown or not granted (`offerId`, `venueId`)",
        },
        **PARTNER,
    )
    def list_partner_bookings(req: Req) -> PartnerBookingList:
        """The bookings of an offer or a venue the provider was granted, by id.

        `offerId` or `venueId` is required; `priceCategoryId`, `stockId`, `status`
        (`CONFIRMED`, `USED`, `CANCELLED`, `REIMBURSED`) and `beginningDatetime` (a
        date: that UTC day; a datetime: that start) narrow it. Bookings come ordered
        by `id`, those with `id >= firstIndex` (default 1), at most `limit` (default
        and maximum 50): ask for the last `id` + 1 next. No total.
        """
        from passculture.schemas.partners import PartnerBookingList
        from passculture.services.partners import bookings

        return PartnerBookingList.of(bookings.list_bookings(req.credentials, req.query, req.source_ip))

    @routes.get(
        "/public/bookings/v1/token/{token}",
        response="partners:PartnerBooking",
        errors={
            **PARTNER_ERRORS,
            403: "Reimbursed (`payment`), or still inside the booker's cancellation period (`booking`, in French)",
            404: TOKEN_NOT_FOUND,
            410: "Already validated, or cancelled (`booking`)",
        },
        **PARTNER,
    )
    def check_partner_token(req: Req, token: str) -> PartnerBooking:
        """The booking of a countermark, if it can be validated now.

        Checks in order: reimbursed 403 (`payment`), validated 410, cancelled 410,
        then an event booking still inside the booker's cancellation period 403
        (the period ends at `max(min(start - 48 h, created + 48 h), created)`; the
        message gives that moment in the venue's time zone). Tokens are
        case-insensitive.
        """
        from passculture.schemas.partners import PartnerBooking
        from passculture.services.partners import bookings

        return PartnerBooking.of(bookings.check(req.credentials, token, req.source_ip))

    @routes.patch(
        "/public/bookings/v1/use/token/{token}",
        status=204,
        errors={
            **PARTNER_ERRORS,
            403: "Reimbursed (`payment`), or still inside the booker's cancellation period (`booking`)",
            404: TOKEN_NOT_FOUND,
            409: BUSY,
            410: "Already validated, or cancelled (`booking`)",
        },
        **PARTNER,
    )
    def use_partner_token(req: Req, token: str) -> None:
        """Validates a countermark: the booking becomes used.

        The checks of `GET /public/bookings/v1/token/{token}`, in its order; then one
        conditional write, so two validations of one code get one 204 and one 410.
        """
        from passculture.services.partners import bookings

        bookings.use(req.credentials, token, req.source_ip)

    @routes.patch(
        "/public/bookings/v1/keep/token/{token}",
        status=204,
        errors={
            **PARTNER_ERRORS,
            403: "Reimbursed (`payment`), or not used (`booking`)",
            404: TOKEN_NOT_FOUND,
            409: BUSY,
            410: "Cancelled (`booking`)",
        },
        **PARTNER,
    )
    def keep_partner_token(req: Req, token: str) -> None:
        """Undoes a validation: the booking is confirmed again.

        Checks in order: cancelled 410, reimbursed 403 (`payment`), not used 403.
        """
        from passculture.services.partners import bookings

        bookings.keep(req.credentials, token, req.source_ip)

    @routes.patch(
        "/public/bookings/v1/cancel/token/{token}",
        status=204,
        errors={
            **PARTNER_ERRORS,
            403: "Reimbursed (`payment`), or an event booking past its cancellation period (`booking`)",
            404: TOKEN_NOT_FOUND,
            409: BUSY,
            410: "Already cancelled, or validated (`booking`)",
        },
        **PARTNER,
    )
    def cancel_partner_token(req: Req, token: str) -> None:
        """Cancels a booking on the venue's side: place freed, credit refunded, booker emailed.

        Checks in order: already cancelled 410, reimbursed 403 (`payment`), validated
        410, an event booking past the booker's cancellation period 403.
        """
        from passculture.services.partners import bookings

        bookings.cancel(req.credentials, token, req.source_ip)

    from functions.partners.provider_routes import register as register_provider_routes

    register_provider_routes(routes, PARTNER, PARTNER_ERRORS)

    from functions.partners.offer_routes import register as register_offer_routes

    register_offer_routes(routes, PARTNER, PARTNER_ERRORS)

    from functions.partners.event_routes import register as register_event_routes

    register_event_routes(routes, PARTNER, PARTNER_ERRORS)

    from functions.partners.date_routes import register as register_date_routes

    register_date_routes(routes, PARTNER, PARTNER_ERRORS)

    from functions.partners.product_routes import register as register_product_routes

    register_product_routes(routes, PARTNER, PARTNER_ERRORS)

    # -- providers (the team) ------------------------------------------------------------

    @routes.post(
        "/admin/providers",
        auth=Auth.TEAM,
        status=201,
        body="partners:ProviderIn",
        response="partners:ProviderCreated",
    )
    def create_provider(req: Req) -> ProviderCreated:
        """Registers a provider: its integer id, and the HMAC key shown this once.

        The HMAC key signs the messages this project sends to the provider; it is
        kept (encrypted at rest) so the service can sign, and never shown again.
        """
        from passculture.schemas.partners import ProviderCreated
        from passculture.services.partners import providers

        return ProviderCreated.of(providers.create_provider(req.principal, req.body.name, req.body.logo_url))

    @routes.get("/admin/providers", auth=Auth.TEAM, response="partners:ProviderList")
    def list_providers(req: Req) -> ProviderList:
        """Every provider, by name, active or not.

        Each with its id, name, logo and whether it is active; never its HMAC key nor its API keys.
        """
        from passculture.schemas.partners import ProviderList
        from passculture.services.partners import providers

        return ProviderList.of(providers.list_providers(req.principal))

    @routes.patch(
        "/admin/providers/{providerId}",
        auth=Auth.TEAM,
        body="partners:ProviderPatch",
        response="partners:ProviderOut",
        errors={404: NO_PROVIDER},
    )
    def update_provider(req: Req, providerId: str) -> ProviderOut:
        """Renames a provider, changes its logo, or (de)activates it.

        An inactive provider's keys answer 403 `{"auth": ["Inactive provider"]}`
        from the next call on, and pros no longer see it in `GET /providers`.
        """
        from passculture.schemas.partners import ProviderOut
        from passculture.services.partners import providers

        return ProviderOut.of(providers.update_provider(req.principal, provider_id_of(providerId), req.body))

    @routes.post(
        "/admin/providers/{providerId}/api-keys",
        auth=Auth.TEAM,
        status=201,
        response="partners:ProviderKeyCreated",
        errors={404: NO_PROVIDER},
    )
    def create_provider_key(req: Req, providerId: str) -> ProviderKeyCreated:
        """Issues an API key for the provider: `<env>_<12 hex>_<64 hex>`, shown this once.

        The prefix (`<env>_<12 hex>`) is kept in clear to name the key; the key is
        stored as its SHA-256.
        """
        from passculture.schemas.partners import ProviderKeyCreated
        from passculture.services.partners import providers

        return ProviderKeyCreated.of(providers.create_key(req.principal, provider_id_of(providerId)))

    @routes.delete(
        "/admin/providers/{providerId}/api-keys/{prefix}",
        auth=Auth.TEAM,
        status=204,
        errors={404: "No such provider or key"},
    )
    def revoke_provider_key(req: Req, providerId: str, prefix: str) -> None:
        """Revokes a provider's API key: 401 from the next call on.

        The key is refused at once on every partner route; revoking a revoked key again is a 204.
        """
        from passculture.services.partners import providers

        providers.revoke_key(req.principal, provider_id_of(providerId), prefix)

    # -- the providers a structure may grant ------------------------------------------------

    @routes.get("/providers", response="partners:PublicProviderList", errors={403: "Not a pro"})
    def list_active_providers(req: Req) -> dict[str, Any]:
        """The active providers a structure may grant one of its venues to.

        Each with `id`, `name` and `logoUrl`; grant one with `POST /venues/{id}/partners`.
        """
        from passculture.presenters import partners as present
        from passculture.services.partners import providers

        # The presenter's body (what PublicProviderList validates), without pydantic: a cold read route.
        return present.public_provider_list(providers.active_providers(req.principal))

    return routes.blueprint
