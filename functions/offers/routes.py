"""The offers function's routes: venues, offers, stocks and image uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.web import Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.offers import ImageUploadOut, OfferOut, OfferPage
    from passculture.schemas.stocks import StockList, StockOut
    from passculture.schemas.venues import VenueOut, VenuePage


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    # -- venues ------------------------------------------------------------------

    @routes.post(
        "/offerers/{siren}/venues", body="venues:VenueIn", response="venues:VenueOut", status=201, errors=(404, 409)
    )
    def create_venue(req: Req, siren: str) -> VenueOut:
        """Adds a venue (a place, with or without SIRET, or the virtual venue) to a structure."""
        from passculture.schemas.venues import VenueOut
        from passculture.services.catalogue.venues import create_venue

        return VenueOut.of(create_venue(req.principal, siren, req.body))

    @routes.get("/offerers/{siren}/venues", query="base:PageQuery", response="venues:VenuePage", errors=(404,))
    def list_venues(req: Req, siren: str) -> VenuePage:
        """The venues of a structure."""
        from passculture.schemas.venues import VenuePage
        from passculture.services.catalogue.venues import list_venues

        return VenuePage.of(*list_venues(req.principal, siren, req.query.limit, req.query.cursor))

    @routes.get("/venues/{id}", response="venues:VenueOut", errors=(404,))
    def get_venue(req: Req, id: str) -> VenueOut:
        """One venue."""
        from passculture.schemas.venues import VenueOut
        from passculture.services.catalogue.venues import venue_for

        return VenueOut.of(venue_for(req.principal, id))

    @routes.patch("/venues/{id}", body="venues:VenuePatch", response="venues:VenueOut", errors=(404, 409))
    def update_venue(req: Req, id: str) -> VenueOut:
        """Changes a venue; its offers follow when it moves."""
        from passculture.schemas.venues import VenueOut
        from passculture.services.catalogue.venues import update_venue

        return VenueOut.of(update_venue(req.principal, id, req.body))

    # -- offers ------------------------------------------------------------------

    @routes.post("/offers", body="offers:OfferIn", response="offers:OfferOut", status=201, errors=(404, 409))
    def create_offer(req: Req) -> OfferOut:
        """Creates an offer on a venue; it waits in `pending` until its structure is validated."""
        from passculture.schemas.offers import OfferOut
        from passculture.services.catalogue.offers import create_offer

        return OfferOut.of(create_offer(req.principal, req.body))

    @routes.get("/offers", query="offers:OfferQuery", response="offers:OfferPage", errors=(404,))
    def list_offers(req: Req) -> OfferPage:
        """The offers of a venue, a structure, or all of mine, newest first; filter by status and category."""
        from passculture.schemas.offers import OfferPage
        from passculture.services.catalogue.offers import list_offers

        return OfferPage.of(*list_offers(req.principal, req.query))

    @routes.get("/offers/{id}", response="offers:OfferOut", errors=(404,))
    def get_offer(req: Req, id: str) -> OfferOut:
        """One offer with its status, image and stocks."""
        from passculture.schemas.offers import OfferOut
        from passculture.services.catalogue.offers import offer_with_stocks

        return OfferOut.of(offer_with_stocks(req.principal, id))

    @routes.patch("/offers/{id}", body="offers:OfferPatch", response="offers:OfferOut", errors=(404,))
    def update_offer(req: Req, id: str) -> OfferOut:
        """Changes an offer; `isActive` deactivates or reactivates it."""
        from passculture.schemas.offers import OfferOut
        from passculture.services.catalogue.offers import update_offer

        return OfferOut.of(update_offer(req.principal, id, req.body))

    @routes.delete("/offers/{id}", status=204, errors=(404,))
    def delete_offer(req: Req, id: str) -> None:
        """Deactivates an offer: out of the app, its bookings and history kept."""
        from passculture.services.catalogue.offers import deactivate_offer

        deactivate_offer(req.principal, id)

    @routes.post(
        "/offers/{id}/image", body="offers:ImageUploadIn", response="offers:ImageUploadOut", status=201, errors=(404,)
    )
    def request_image_upload(req: Req, id: str) -> ImageUploadOut:
        """A presigned S3 upload for the offer's image (JPEG, PNG or WebP, at most 10 MB, at least 400x400)."""
        from passculture.schemas.offers import ImageUploadOut
        from passculture.services.catalogue.offers import request_image_upload

        return ImageUploadOut.of(request_image_upload(req.principal, id, req.body.content_type))

    # -- stocks ------------------------------------------------------------------

    @routes.get("/offers/{id}/stocks", response="stocks:StockList", errors=(404,))
    def list_stocks(req: Req, id: str) -> StockList:
        """The offer's live stocks, by date."""
        from passculture.schemas.stocks import StockList
        from passculture.services.catalogue.offers import stocks_of

        return StockList.of(stocks_of(req.principal, id))

    @routes.post(
        "/offers/{id}/stocks",
        body="stocks:StockCreation",
        response="stocks:StockCreated",
        status=201,
        errors=(404, 409),
        headers=[
            (
                "Idempotency-Key",
                "A retry with the same key answers the stocks the first request created (200), adding nothing",
            )
        ],
    )
    def create_stocks(req: Req, id: str) -> Reply:
        """Adds a date (or a thing's stock), or up to 100 dates at once with `{"stocks": [...]}`, all or none."""
        from passculture.schemas.stocks import StockIn, StockList, StockOut
        from passculture.services.catalogue.stocks import create_stocks

        single = isinstance(req.body, StockIn)
        items = [req.body] if single else req.body.stocks
        result = create_stocks(req.principal, id, items, req.headers.get("idempotency-key"))
        body = StockOut.of(result.stocks[0]) if single else StockList.of(result.stocks)
        if result.created:
            return Reply(body, 201)
        return Reply(body, 200, {"Idempotent-Replayed": "true"})

    @routes.patch("/stocks/{id}", body="stocks:StockPatch", response="stocks:StockOut", errors=(404, 409))
    def update_stock(req: Req, id: str) -> StockOut:
        """Changes a stock; a quantity below what is already booked is a 409."""
        from passculture.schemas.stocks import StockOut
        from passculture.services.catalogue.stocks import update_stock

        return StockOut.of(update_stock(req.principal, id, req.body))

    @routes.delete("/stocks/{id}", status=204, errors=(404,))
    def delete_stock(req: Req, id: str) -> None:
        """Deletes a stock; its bookings are cancelled and refunded, and the bookers told."""
        from passculture.services.catalogue.stocks import delete_stock

        delete_stock(req.principal, id)

    return routes.blueprint
