"""``/public/offers/v1/events``: a provider's events, their price categories and dates (registered by ``routes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from passculture.web import Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.partner_events import EventList, EventOut

EVENT_NOT_FOUND = (
    'Not an event of the provider on a venue granted to it: `{"event_id": ["The event offer could not be found"]}`'
)
# What a creation on a venue answers besides its 400 (and the partner errors): the events' and the products'.
NEW_OFFER_ERRORS = {
    404: "`location.venueId` is no venue granted to the provider",
    409: "The venue's structure is rejected or deleted",
}
BAD_FILTER = "A filter is malformed, or more than 100 `idsAtProvider`"
# What a list of the provider's offers answers (besides the partner errors): the events' and the products'.
LIST_ERRORS = {400: BAD_FILTER, 404: "`venueId` is no venue granted to the provider"}
EVENT_BAD_BODY = (
    "A field is missing, malformed or unknown (`extra fields not permitted`), the category is not an event "
    "category, `idAtProvider` is taken on the venue, more than 50 price categories, or a clash between them"
)


def register(routes: RouteSet, partner: dict, partner_errors: dict[int, str]) -> None:
    """Adds the events routes to the partners function's ``routes``."""

    @routes.post(
        "/public/offers/v1/events",
        body="partner_events:EventIn",
        response="partner_events:EventOut",
        errors={
            **partner_errors,
            400: EVENT_BAD_BODY,
            **NEW_OFFER_ERRORS,
        },
        **partner,
    )
    def create_partner_event(req: Req) -> EventOut:
        """Creates an event on a venue granted to the provider, with its price categories (at most 50).

        `location.venueId` is the venue's integer id (`GET /public/offers/v1/offerer_venues`);
        `categoryRelatedFields.category` one of `GET /public/offers/v1/events/categories`.
        `idAtProvider` is unique per venue. With `hasTicket`, booking calls the
        provider's `bookingUrl` (which must be set, with `cancelUrl`). Its dates come
        after: `POST /public/offers/v1/events/{event_id}/dates`.
        """
        from passculture.schemas.partner_events import EventOut
        from passculture.services.partners import events

        return EventOut.of(events.create_event(req.credentials, req.body, req.source_ip))

    @routes.get(
        "/public/offers/v1/events",
        query="partner_events:EventsQuery",
        response="partner_events:EventList",
        errors={**partner_errors, **LIST_ERRORS},
        **partner,
    )
    def list_partner_events(req: Req) -> EventList:
        """The provider's events, by `id`: those with `id >= firstIndex` (default 1), at most `limit` (50).

        `venueId` keeps one venue's, `idsAtProvider` (comma-separated) those ids.
        Ask for the last `id` + 1 next; no total. Events of venues no longer
        granted are not listed.
        """
        from passculture.schemas.partner_events import EventList
        from passculture.services.partners import events

        return EventList.of(events.list_events(req.credentials, req.query, req.source_ip))

    @routes.get(
        "/public/offers/v1/events/{event_id}",
        response="partner_events:EventOut",
        errors={**partner_errors, 404: EVENT_NOT_FOUND},
        **partner,
    )
    def get_partner_event(req: Req, event_id: str) -> EventOut:
        """One of the provider's events, with its price categories and status.

        `status` is pass Culture's: `PENDING` (structure not validated), `DRAFT` (no
        date yet), `INACTIVE`, `ACTIVE` (bookable), `SOLD_OUT`, `EXPIRED`.
        """
        from passculture.schemas.partner_events import EventOut
        from passculture.services.partners import events

        return EventOut.of(events.get_event(req.credentials, event_id, req.source_ip))

    @routes.patch(
        "/public/offers/v1/events/{event_id}",
        body="partner_events:EventPatch",
        response="partner_events:EventOut",
        errors={
            **partner_errors,
            400: "A field is malformed, unknown or null; `category` or `hasTicket` changed; `idAtProvider` taken",
            404: EVENT_NOT_FOUND,
            409: "The event changed meanwhile: try again",
        },
        **partner,
    )
    def update_partner_event(req: Req, event_id: str) -> EventOut:
        """Changes the fields sent (any field sent counts as changed); `isActive` (de)activates it.

        `categoryRelatedFields.category` and `hasTicket` may not change, nor the venue.
        """
        from passculture.schemas.partner_events import EventOut
        from passculture.services.partners import events

        return EventOut.of(events.update_event(req.credentials, event_id, req.body, req.source_ip))
