"""``/public/offers/v1/events/{event_id}``: an event's price categories and dates (registered by ``routes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.partners.event_routes import BAD_FILTER, EVENT_NOT_FOUND
from passculture.web import Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.partner_events import DateList, DateOut, PriceCategoryList, PriceCategoryOut

DATE_NOT_FOUND = 'No such live date of this event: `{"stock_id": ["The stock could not be found"]}`'


def register(routes: RouteSet, partner: dict, partner_errors: dict[int, str]) -> None:
    """Adds the price categories and dates routes to the partners function's ``routes``."""

    @routes.post(
        "/public/offers/v1/events/{event_id}/price_categories",
        body="partner_events:PriceCategoriesIn",
        response="partner_events:PriceCategoryList",
        errors={
            **partner_errors,
            400: "A field is missing, malformed or unknown; more than 50 categories on the event "
            '(`{"priceCategories": ["An offer cannot have more than 50 price categories"]}`); '
            "two alike by (label, price) or by `idAtProvider`",
            404: EVENT_NOT_FOUND,
            409: "The event's categories kept changing meanwhile: try again",
        },
        **partner,
    )
    def create_partner_price_categories(req: Req, event_id: str) -> PriceCategoryList:
        """Adds price categories to the event (all or none): the new ones, with their integer ids.

        An event holds at most 50; they are unique by (`label`, `price`) and by
        `idAtProvider` within the event. Its dates take one each.
        """
        from passculture.schemas.partner_events import PriceCategoryList
        from passculture.services.partners import dates

        return PriceCategoryList.of(dates.add_price_categories(req.credentials, event_id, req.body, req.source_ip))

    @routes.get(
        "/public/offers/v1/events/{event_id}/price_categories",
        query="partner_events:IdsAtProviderQuery",
        response="partner_events:PriceCategoryList",
        errors={**partner_errors, 400: "More than 100 `idsAtProvider`", 404: EVENT_NOT_FOUND},
        **partner,
    )
    def list_partner_price_categories(req: Req, event_id: str) -> PriceCategoryList:
        """The event's price categories, with their integer ids.

        `idsAtProvider` (comma-separated, at most 100) keeps those the provider named so.
        """
        from passculture.schemas.partner_events import PriceCategoryList
        from passculture.services.partners import dates

        return PriceCategoryList.of(dates.list_price_categories(req.credentials, event_id, req.query, req.source_ip))

    @routes.patch(
        "/public/offers/v1/events/{event_id}/price_categories/{price_category_id}",
        body="partner_events:PriceCategoryPatch",
        response="partner_events:PriceCategoryOut",
        errors={
            **partner_errors,
            400: "A field is malformed, unknown or null (`label`, `price`), or the change makes two alike",
            404: 'Not an event of the provider, or no such category: `{"price_category_id": [...]}`',
            409: "The event's categories kept changing meanwhile: try again",
        },
        **partner,
    )
    def update_partner_price_category(req: Req, event_id: str, price_category_id: str) -> PriceCategoryOut:
        """Changes the fields sent; a new `price` is copied onto every date of the category.

        A booking made meanwhile pays the price its date showed.
        """
        from passculture.schemas.partner_events import PriceCategoryOut
        from passculture.services.partners import dates

        category = dates.update_price_category(req.credentials, event_id, price_category_id, req.body, req.source_ip)
        return PriceCategoryOut.of(category)

    @routes.post(
        "/public/offers/v1/events/{event_id}/dates",
        body="partner_events:DatesIn",
        response="partner_events:DateList",
        errors={
            **partner_errors,
            400: "A field is missing, malformed or unknown; more than 2,500 dates on the event "
            '(`{"dates": [...]}`); an unknown price category (`{"dates.<i>.priceCategoryId": [...]}`); '
            "an `idAtProvider` another date of the event has; a booking limit after the start",
            404: EVENT_NOT_FOUND,
            409: "The dates could not be written: try again",
        },
        **partner,
    )
    def create_partner_dates(req: Req, event_id: str) -> DateList:
        """Adds dates to the event, each with its price category (its price) and quantity.

        `quantity` is a number of places or `"unlimited"`; `bookingLimitDatetime`
        defaults to the start. An event holds at most 2,500 dates; `idAtProvider`
        is unique within the event. Every date is checked before any is written.
        """
        from passculture.schemas.partner_events import DateList
        from passculture.services.partners import dates

        stocks, offer = dates.create_dates(req.credentials, event_id, req.body, req.source_ip)
        return DateList.of(stocks, list(offer.price_categories or []))

    @routes.get(
        "/public/offers/v1/events/{event_id}/dates",
        query="partner_events:DatesQuery",
        response="partner_events:DateList",
        errors={**partner_errors, 400: BAD_FILTER, 404: EVENT_NOT_FOUND},
        **partner,
    )
    def list_partner_dates(req: Req, event_id: str) -> DateList:
        """The event's live dates by `id`: those with `id >= firstIndex` (default 1), at most `limit` (50).

        `idsAtProvider` (comma-separated) keeps those. Ask for the last `id` + 1
        next; no total. `quantity` is the total, `bookedQuantity` what is booked.
        """
        from passculture.schemas.partner_events import DateList
        from passculture.services.partners import dates

        stocks, offer = dates.list_dates(req.credentials, event_id, req.query, req.source_ip)
        return DateList.of(stocks, list(offer.price_categories or []))

    @routes.patch(
        "/public/offers/v1/events/{event_id}/dates/{stock_id}",
        body="partner_events:DatePatch",
        response="partner_events:DateOut",
        errors={
            **partner_errors,
            400: "A field is malformed, unknown or null; an unknown `priceCategoryId`; a taken `idAtProvider`; "
            "a booking limit after the start; `unlimited` on a date split in shards",
            404: f"{EVENT_NOT_FOUND}; or {DATE_NOT_FOUND}",
            409: "Bookings landed meanwhile: try again",
        },
        **partner,
    )
    def update_partner_date(req: Req, event_id: str, stock_id: str) -> DateOut:
        """Changes the fields sent. **`quantity` is the number of places still available**.

        The date's total becomes that plus what is already booked; the answer
        shows the total (`quantity`) and `bookedQuantity`. Resending
        `beginningDatetime` counts as a change.
        """
        from passculture.schemas.partner_events import DateOut
        from passculture.services.partners import dates

        stock, offer = dates.update_date(req.credentials, event_id, stock_id, req.body, req.source_ip)
        return DateOut.of(stock, list(offer.price_categories or []))

    @routes.delete(
        "/public/offers/v1/events/{event_id}/dates/{stock_id}",
        status=204,
        errors={**partner_errors, 404: f"{EVENT_NOT_FOUND}; or {DATE_NOT_FOUND}"},
        **partner,
    )
    def delete_partner_date(req: Req, event_id: str, stock_id: str) -> None:
        """Deletes the date: its bookings not yet used are cancelled and refunded (in the background).

        Nobody can book it from this answer on; its `idAtProvider` may be used again.
        """
        from passculture.services.partners import dates

        dates.delete_date(req.credentials, event_id, stock_id, req.source_ip)
