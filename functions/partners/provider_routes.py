"""``/public/providers/v1``: the provider's own settings, its URLs and its venues' (registered by ``routes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from passculture.web import Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.partners import ProviderSettings

URL_RULES = (
    "Each URL is checked as an agenda feed's address: https on its default port, no user name or password, "
    "a host whose every address is public (checked again, resolved, before each message)"
)

BAD_BODY = f"A URL is refused, an unknown field, or `bookingUrl` without `cancelUrl` (or the reverse). {URL_RULES}"


def register(routes: RouteSet, partner: dict, partner_errors: dict[int, str]) -> None:
    """Adds the ``/public/providers/v1`` routes to the partners function's ``routes``."""

    @routes.get(
        "/public/providers/v1/provider",
        response="partners:ProviderSettings",
        errors=partner_errors,
        **partner,
    )
    def get_partner_provider(req: Req) -> ProviderSettings:
        """The calling provider: id, name, logo and its three URLs.

        `notificationUrl` receives the booking notifications of the offers of its
        venues; `bookingUrl` and `cancelUrl` are the ticketing URLs. A venue's own
        URLs (`PATCH /public/providers/v1/venues/{venue_id}`) win over these.
        """
        from passculture.schemas.partners import ProviderSettings
        from passculture.services.partners import urls

        return ProviderSettings.of(urls.provider(req.credentials, req.source_ip))

    @routes.patch(
        "/public/providers/v1/provider",
        body="partners:ProviderUrlsPatch",
        response="partners:ProviderSettings",
        errors={
            **partner_errors,
            400: BAD_BODY,
        },
        **partner,
    )
    def update_partner_provider(req: Req) -> ProviderSettings:
        """Sets the provider's URLs: those sent (`null` unsets one); the others stay.

        `bookingUrl` and `cancelUrl` are both set or both unset once the change is
        made: sending one alone is fine only if it agrees with the other's state.
        """
        from passculture.schemas.partners import ProviderSettings
        from passculture.services.partners import urls

        return ProviderSettings.of(urls.update_provider(req.credentials, req.body, req.source_ip))

    @routes.patch(
        "/public/providers/v1/venues/{venue_id}",
        body="partners:ProviderUrlsPatch",
        status=204,
        errors={
            **partner_errors,
            400: BAD_BODY,
            404: 'The venue is unknown or not granted to the provider: `{"global": "Venue cannot be found"}`',
        },
        **partner,
    )
    def update_partner_venue(req: Req, venue_id: str) -> None:
        """Sets the provider's URLs for one venue granted to it (they win over the provider's own).

        The same fields and rules as `PATCH /public/providers/v1/provider`. The URLs
        belong to the grant: withdrawing it removes them.
        """
        from passculture.services.partners import urls

        urls.update_venue(req.credentials, venue_id, req.body, req.source_ip)
