"""``/public/offers/v1``: the provider's venues and pass Culture's categories (registered by ``routes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from passculture.web import Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.partner_offers import (
        EventCategoryList,
        OffererVenuesList,
        PartnerVenueOut,
        ProductCategoryList,
    )

VENUE_NOT_FOUND = 'The venue is unknown or not granted to the provider: `{"global": "Venue cannot be found"}`'


def register(routes: RouteSet, partner: dict, partner_errors: dict[int, str]) -> None:
    """Adds the ``/public/offers/v1`` routes to the partners function's ``routes``."""

    @routes.get(
        "/public/offers/v1/offerer_venues",
        query="partner_offers:OffererVenuesQuery",
        response="partner_offers:OffererVenuesList",
        errors={**partner_errors, 400: "`siren` is not 9 digits"},
        **partner,
    )
    def list_partner_offerer_venues(req: Req) -> OffererVenuesList:
        """The venues granted to the provider, by structure: `[{"offerer": {...}, "venues": [Venue]}]`.

        `siren` keeps one structure's. A venue whose structure has not granted it
        to the provider is never listed.
        """
        from passculture.schemas.partner_offers import OffererVenuesList
        from passculture.services.partners import offers

        return OffererVenuesList.of(offers.offerer_venues(req.credentials, req.query.siren, req.source_ip))

    @routes.get(
        "/public/offers/v1/venues/{siret}",
        response="partner_offers:PartnerVenueOut",
        errors={**partner_errors, 400: '`siret` is not 14 digits: `{"siret": [...]}`', 404: VENUE_NOT_FOUND},
        **partner,
    )
    def get_partner_venue(req: Req, siret: str) -> PartnerVenueOut:
        """The venue granted to the provider with this SIRET.

        Its integer `id`, location, names and the provider's URLs for it. A venue
        not granted answers as one that does not exist: 404.
        """
        from passculture.schemas.partner_offers import PartnerVenueOut
        from passculture.services.partners import offers

        return PartnerVenueOut.of(offers.venue_by_siret(req.credentials, siret, req.source_ip))

    @routes.get(
        "/public/offers/v1/events/categories",
        response="partner_offers:EventCategoryList",
        errors=partner_errors,
        **partner,
    )
    def list_partner_event_categories(req: Req) -> EventCategoryList:
        """pass Culture's event categories an event may be created in: `[{id, label, conditionalFields}]`.

        Each maps onto one of this project's ten categories (the README's table).
        """
        from passculture.schemas.partner_offers import EventCategoryList
        from passculture.services.partners import offers

        offers.categories(req.credentials, req.source_ip)
        return EventCategoryList.of()

    @routes.get(
        "/public/offers/v1/products/categories",
        response="partner_offers:ProductCategoryList",
        errors=partner_errors,
        **partner,
    )
    def list_partner_product_categories(req: Req) -> ProductCategoryList:
        """pass Culture's product (thing) categories: `[{id, conditionalFields, locationType}]`.

        Each maps onto one of this project's ten categories (the README's table);
        `locationType` is `PHYSICAL` or `DIGITAL`.
        """
        from passculture.schemas.partner_offers import ProductCategoryList
        from passculture.services.partners import offers

        offers.categories(req.credentials, req.source_ip)
        return ProductCategoryList.of()
