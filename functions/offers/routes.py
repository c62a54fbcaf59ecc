"""The offers function's routes: venues (and the providers they are granted to), offers, stocks and image uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from passculture.web import Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.offers import ImageUploadOut, OfferOut
    from passculture.schemas.partners import GrantList, GrantOut
    from passculture.schemas.price_categories import PriceCategoryList, PriceCategoryOut
    from passculture.schemas.stocks import StockList, StockOut
    from passculture.schemas.venues import VenueOut, VenuePage


NO_STRUCTURE = "No such structure, or not one of mine"
NO_VENUE = "No such venue, or not one of mine"
NO_OFFER = "No such offer, or not one of mine"
NO_STOCK = "No such stock, or not one of mine"


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    # -- venues ------------------------------------------------------------------

    @routes.post(
        "/offerers/{siren}/venues",
        body="venues:VenueIn",
        response="venues:VenueOut",
        status=201,
        errors={
            404: NO_STRUCTURE,
            409: "The SIRET is taken, the virtual venue exists already, or the structure is rejected or deleted",
        },
    )
    def create_venue(req: Req, siren: str) -> VenueOut:
        """Adds a venue (a place, with or without SIRET, or the virtual venue) to a structure.

        A physical venue needs its address, postal code, city, coordinates and booking
        email (the bookings' emails go there); a SIRET is optional (public places have
        none) and, when given, is 14 digits with a valid check digit and starts with
        the structure's SIREN. A structure has one virtual venue, for digital offers.
        Members of the structure only.
        """
        from passculture.schemas.venues import VenueOut
        from passculture.services.catalogue.venues import create_venue

        return VenueOut.of(create_venue(req.principal, siren, req.body))

    @routes.get(
        "/offerers/{siren}/venues", query="base:PageQuery", response="venues:VenuePage", errors={404: NO_STRUCTURE}
    )
    def list_venues(req: Req, siren: str) -> VenuePage:
        """The venues of a structure.

        Its validated members and the team see them; anyone else gets the 404 of an
        unknown SIREN.
        """
        from passculture.schemas.venues import VenuePage
        from passculture.services.catalogue.venues import list_venues

        return VenuePage.of(*list_venues(req.principal, siren, req.query.limit, req.query.cursor))

    @routes.get("/venues/{id}", response="venues:VenueOut", errors={404: NO_VENUE})
    def get_venue(req: Req, id: str) -> VenueOut:
        """One venue.

        Its address, location, booking email and SIRET, as its structure's members
        see it; another structure's venue is a 404.
        """
        from passculture.schemas.venues import VenueOut
        from passculture.services.catalogue.venues import venue_for

        return VenueOut.of(venue_for(req.principal, id))

    @routes.patch(
        "/venues/{id}",
        body="venues:VenuePatch",
        response="venues:VenueOut",
        errors={404: NO_VENUE, 409: "The SIRET is another venue's"},
    )
    def update_venue(req: Req, id: str) -> VenueOut:
        """Changes a venue; its offers follow when it moves.

        Any subset of the fields; `siret: null` removes the SIRET. New coordinates
        move the venue's published offers in the feed at once.
        """
        from passculture.schemas.venues import VenueOut
        from passculture.services.catalogue.venues import update_venue

        return VenueOut.of(update_venue(req.principal, id, req.body))

    # -- partners: the providers a venue is granted to ------------------------------

    @routes.post(
        "/venues/{id}/partners",
        status=201,
        body="partners:GrantIn",
        response="partners:GrantOut",
        errors={
            403: "Only an admin of the structure may grant access",
            404: "No such venue (or not mine), or no such active provider",
            409: "This provider already has access to this venue",
        },
    )
    def grant_partner(req: Req, id: str) -> GrantOut:
        """Grants a provider access to the venue: it may see and manage its offers and bookings.

        From the provider's next call on (the partner API). Structure admins only.
        """
        from passculture.schemas.partners import GrantOut
        from passculture.services.partners.grants import grant

        return GrantOut.of(grant(req.principal, id, req.body.provider_id))

    @routes.get("/venues/{id}/partners", response="partners:GrantList", errors={404: NO_VENUE})
    def list_partners(req: Req, id: str) -> GrantList:
        """The providers granted on the venue, oldest grant first.

        Any validated member of the venue's structure.
        """
        from passculture.schemas.partners import GrantList
        from passculture.services.partners.grants import list_grants

        return GrantList.of(list_grants(req.principal, id))

    @routes.delete(
        "/venues/{id}/partners/{providerId}",
        status=204,
        errors={403: "Only an admin of the structure may withdraw access", 404: "No such venue or grant"},
    )
    def withdraw_partner(req: Req, id: str, providerId: str) -> None:
        """Withdraws a provider's access to the venue, at once.

        Its next call about this venue gets 404; the offers it made stay, as the structure's.
        Structure admins only.
        """
        from passculture.errors import NotFound
        from passculture.services.partners.grants import withdraw

        if not providerId.isdigit() or len(providerId) > 16:
            raise NotFound("This provider has no access to this venue", field="providerId")
        withdraw(req.principal, id, int(providerId))

    # -- offers ------------------------------------------------------------------

    @routes.post(
        "/offers",
        body="offers:OfferIn",
        response="offers:OfferOut",
        status=201,
        errors={404: NO_VENUE, 409: "The structure is rejected or deleted"},
    )
    def create_offer(req: Req) -> OfferOut:
        """Creates an offer on a venue; it waits in `pending` until its structure is validated.

        `category` is one of the ten categories; press offers are digital (on the
        virtual venue, with a `url`), cinema ones physical. An offer is visible in the
        app once its structure is validated, it is active and it has a future
        bookable date (and, while the free-offers phase is on, costs nothing); until
        it has a date it is a `draft`.
        """
        from passculture.schemas.offers import OfferOut
        from passculture.services.catalogue.offers import create_offer

        return OfferOut.of(create_offer(req.principal, req.body))

    @routes.get(
        "/offers",
        query="offers:OfferQuery",
        response="offers:OfferPage",
        errors={404: "No such venue or structure, or not mine"},
        deferred_user=True,  # ?siren=: the user is read with its membership, in one BatchGetItem
    )
    def list_offers(req: Req) -> dict[str, Any]:
        """The offers of a venue, a structure, or all of mine, newest first; filter by status and category.

        Without `venueId` or `siren`, a pro gets the offers of every structure they
        belong to, one structure after another behind one cursor; the team must
        filter.
        """
        from passculture.presenters.catalogue import offer_page
        from passculture.services.catalogue.offers import list_offers

        # The presenter's body (what OfferPage validates), without pydantic: a cold read route.
        return offer_page(*list_offers(req.principal, req.query))

    @routes.get("/offers/{id}", response="offers:OfferOut", errors={404: NO_OFFER})
    def get_offer(req: Req, id: str) -> OfferOut:
        """One offer with its status, image and stocks.

        `status` is `draft`, `pending`, `published` or `inactive`; `imageUrl` and
        `thumbUrl` appear once an uploaded image has been checked (`imageError` says
        why one was refused).
        """
        from passculture.schemas.offers import OfferOut
        from passculture.services.catalogue.offers import offer_with_stocks

        return OfferOut.of(offer_with_stocks(req.principal, id))

    @routes.patch("/offers/{id}", body="offers:OfferPatch", response="offers:OfferOut", errors={404: NO_OFFER})
    def update_offer(req: Req, id: str) -> OfferOut:
        """Changes an offer; `isActive` deactivates or reactivates it.

        Any subset of the fields; null clears an optional one. The feed follows at
        once.
        """
        from passculture.schemas.offers import OfferOut
        from passculture.services.catalogue.offers import update_offer

        return OfferOut.of(update_offer(req.principal, id, req.body))

    @routes.delete("/offers/{id}", status=204, errors={404: NO_OFFER})
    def delete_offer(req: Req, id: str) -> None:
        """Deactivates an offer: out of the app, its bookings and history kept.

        The same as `PATCH` with `isActive: false`; existing bookings stay valid.
        """
        from passculture.services.catalogue.offers import deactivate_offer

        deactivate_offer(req.principal, id)

    @routes.post(
        "/offers/{id}/image",
        body="offers:ImageUploadIn",
        response="offers:ImageUploadOut",
        status=201,
        errors={404: NO_OFFER},
    )
    def request_image_upload(req: Req, id: str) -> ImageUploadOut:
        """A presigned S3 upload for the offer's image (JPEG, PNG or WebP, at most 10 MB, at least 400x400).

        POST the file to `upload.url` as multipart form data, `upload.fields` first,
        then `file`, before `expiresAt`. The upload is then checked (it must decode, at
        least 400 x 400 pixels) and a thumbnail made: within seconds the offer shows
        `imageUrl` and `thumbUrl`, or `imageError` and its previous image.
        """
        from passculture.schemas.offers import ImageUploadOut
        from passculture.services.catalogue.media import request_image_upload

        return ImageUploadOut.of(request_image_upload(req.principal, id, req.body.content_type))

    # -- stocks ------------------------------------------------------------------

    @routes.get("/offers/{id}/stocks", response="stocks:StockList", errors={404: NO_OFFER})
    def list_stocks(req: Req, id: str) -> StockList:
        """The offer's live stocks, by date.

        Each with its price, quantity, places booked and left, and booking limit
        (`quantity` and `remainingQuantity` null when unlimited).
        """
        from passculture.schemas.stocks import StockList
        from passculture.services.catalogue.offers import offer_and_stocks

        offer, stocks = offer_and_stocks(req.principal, id)
        return StockList.of(stocks, offer.price_categories)

    @routes.post(
        "/offers/{id}/stocks",
        body="stocks:StockCreation",
        response="stocks:StockCreated",
        status=201,
        errors={
            404: NO_OFFER,
            409: "A thing already has its stock, or is given a date; or the `Idempotency-Key` was used for other dates",
        },
        headers=[
            (
                "Idempotency-Key",
                "A retry with the same key answers the stocks the first request created (200), adding nothing",
            )
        ],
    )
    def create_stocks(req: Req, id: str) -> Reply:
        """Adds a date (or a thing's stock), or up to 100 dates at once with `{"stocks": [...]}`.

        An event's date has `beginsAt`; a thing has one stock, without it. Without
        `quantity` a stock is unlimited. `bookingLimitAt` defaults to the day before
        the event. The dates of a batch are one transaction: all of them or none.
        """
        from passculture.schemas.stocks import StockIn, StockList, StockOut
        from passculture.services.catalogue.stocks import create_stocks

        single = isinstance(req.body, StockIn)
        items = [req.body] if single else req.body.stocks
        result = create_stocks(req.principal, id, items, req.headers.get("idempotency-key"))
        categories = result.offer.price_categories if result.offer is not None else None
        body = StockOut.of(result.stocks[0], categories) if single else StockList.of(result.stocks, categories)
        if result.created:
            return Reply(body, 201)
        return Reply(body, 200, {"Idempotent-Replayed": "true"})

    # -- price categories --------------------------------------------------------

    @routes.get("/offers/{id}/price-categories", response="price_categories:PriceCategoryList", errors={404: NO_OFFER})
    def list_price_categories(req: Req, id: str) -> PriceCategoryList:
        """The offer's price categories (at most 50): `id`, `label`, `priceCents`, `idAtProvider`.

        A date of an event (`POST /offers/{id}/stocks` with `priceCategoryId`) takes
        its category's price.
        """
        from passculture.schemas.price_categories import PriceCategoryList
        from passculture.services.catalogue.price_categories import list_for

        return PriceCategoryList.of(list_for(req.principal, id))

    @routes.post(
        "/offers/{id}/price-categories",
        body="price_categories:PriceCategoriesIn",
        response="price_categories:PriceCategoryList",
        status=201,
        errors={
            400: "A bad field, more than 50 categories on the offer, or a (label, price) or `idAtProvider` taken",
            404: NO_OFFER,
            409: "The offer's price categories kept changing under concurrent calls: try again",
        },
    )
    def add_price_categories(req: Req, id: str) -> PriceCategoryList:
        """Adds price categories to the offer, all or none; answers every category of the offer.

        Each is unique within the offer by (`label`, `priceCents`) and by
        `idAtProvider`; an offer has at most 50.
        """
        from passculture.schemas.price_categories import PriceCategoryList
        from passculture.services.catalogue.price_categories import New, add_for

        items = [New(c.label, c.price_cents, c.id_at_provider) for c in req.body.price_categories]
        return PriceCategoryList.of(add_for(req.principal, id, items))

    @routes.patch(
        "/offers/{id}/price-categories/{categoryId}",
        body="price_categories:PriceCategoryPatch",
        response="price_categories:PriceCategoryOut",
        errors={
            400: "A bad field, or a (label, price) or `idAtProvider` another category has",
            404: "No such offer, or no such price category on it",
            409: "The offer's price categories kept changing under concurrent calls: try again",
        },
    )
    def update_price_category(req: Req, id: str, categoryId: str) -> PriceCategoryOut:
        """Changes a price category; a new price is copied onto every live date of the category.

        Bookings already made keep the price they paid; the next ones pay the new one.
        """
        from passculture.errors import NotFound
        from passculture.schemas.price_categories import PriceCategoryOut
        from passculture.services.catalogue.price_categories import NOT_FOUND, update_for

        if not categoryId.isdigit() or len(categoryId) > 16:
            raise NotFound(NOT_FOUND, field="categoryId")
        return PriceCategoryOut.of(update_for(req.principal, id, int(categoryId), req.body.changes()))

    @routes.patch(
        "/stocks/{id}",
        body="stocks:StockPatch",
        response="stocks:StockOut",
        errors={
            400: "A bad field, an unknown `priceCategoryId`, or `priceCents` on a date with a price category",
            404: NO_STOCK,
            409: "The quantity is below the places already booked",
        },
    )
    def update_stock(req: Req, id: str) -> StockOut:
        """Changes a stock; a quantity below what is already booked is a 409.

        Any subset of its fields; `quantity: null` makes it unlimited.
        """
        from passculture.schemas.stocks import StockOut
        from passculture.services.catalogue.stocks import update_stock_of

        stock, offer = update_stock_of(req.principal, id, req.body)
        return StockOut.of(stock, offer.price_categories)

    @routes.delete("/stocks/{id}", status=204, errors={404: NO_STOCK})
    def delete_stock(req: Req, id: str) -> None:
        """Deletes a stock; its bookings are cancelled and refunded, and the bookers told.

        The stock is kept, marked deleted, for the bookings' history.
        """
        from passculture.services.catalogue.stocks import delete_stock

        delete_stock(req.principal, id)

    return routes.blueprint
