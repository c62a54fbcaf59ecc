"""``/public/offers/v1/products``: a provider's products (things) and their stock (registered by ``routes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.partners.event_routes import LIST_ERRORS, NEW_OFFER_ERRORS
from passculture.web import Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.partner_events import ProductList, ProductOut

PRODUCT_NOT_FOUND = (
    'Not a product of the provider on a venue granted to it: `{"product_id": ["The product offer could not be found"]}`'
)


def register(routes: RouteSet, partner: dict, partner_errors: dict[int, str]) -> None:
    """Adds the products routes to the partners function's ``routes``."""

    @routes.post(
        "/public/offers/v1/products",
        status=201,
        body="partner_events:ProductIn",
        response="partner_events:ProductOut",
        errors={
            **partner_errors,
            400: "A field is missing, malformed or unknown (`extra fields not permitted`), the category is not a "
            "product category, or `idAtProvider` is taken on the venue",
            **NEW_OFFER_ERRORS,
        },
        **partner,
    )
    def create_partner_product(req: Req) -> ProductOut:
        """Creates a product (a thing: a book, a record, an instrument...) on a granted venue, with its stock.

        `categoryRelatedFields.category` is one of `GET /public/offers/v1/products/categories`;
        `stock` (`price` in cents, `quantity` a number or `"unlimited"`) may come now or later by PATCH.
        `idAtProvider` is unique per venue.
        """
        from passculture.schemas.partner_events import ProductOut
        from passculture.services.partners import products

        return ProductOut.of(*products.create_product(req.credentials, req.body, req.source_ip))

    @routes.patch(
        "/public/offers/v1/products",
        body="partner_events:ProductPatch",
        response="partner_events:ProductOut",
        errors={
            **partner_errors,
            400: "A field is malformed, unknown or null; `category` changed; `idAtProvider` taken; a new stock "
            "without its `price`",
            404: PRODUCT_NOT_FOUND,
            409: "The product changed meanwhile: try again",
        },
        **partner,
    )
    def update_partner_product(req: Req) -> ProductOut:
        """Changes the fields sent on the product `offerId` names (any field sent counts as changed).

        `stock`: its fields sent change, **`quantity` being the number still
        available** (the total becomes that plus what is booked; the answer shows
        the total); a product without a stock gets it. `stock: null` deletes the
        stock and cancels (and refunds) its bookings not yet used.
        """
        from passculture.schemas.partner_events import ProductOut
        from passculture.services.partners import products

        return ProductOut.of(*products.update_product(req.credentials, req.body, req.source_ip))

    @routes.get(
        "/public/offers/v1/products",
        query="partner_events:ProductsQuery",
        response="partner_events:ProductList",
        errors={**partner_errors, **LIST_ERRORS},
        **partner,
    )
    def list_partner_products(req: Req) -> ProductList:
        """The provider's products by `id`: those with `id >= firstIndex` (default 1), at most `limit` (50).

        `venueId` keeps one venue's, `idsAtProvider` (comma-separated) those ids.
        Ask for the last `id` + 1 next; no total.
        """
        from passculture.schemas.partner_events import ProductList
        from passculture.services.partners import products

        return ProductList.of(products.list_products(req.credentials, req.query, req.source_ip))

    @routes.get(
        "/public/offers/v1/products/{product_id}",
        response="partner_events:ProductOut",
        errors={**partner_errors, 404: PRODUCT_NOT_FOUND},
        **partner,
    )
    def get_partner_product(req: Req, product_id: str) -> ProductOut:
        """One of the provider's products, with its stock.

        `stock.quantity` is the total (a number or `"unlimited"`), `bookedQuantity`
        what is booked of it; `stock` is null when the product has none.
        """
        from passculture.schemas.partner_events import ProductOut
        from passculture.services.partners import products

        return ProductOut.of(*products.get_product(req.credentials, product_id, req.source_ip))
