"""The bookings function's routes: the app side (feed, offer page, booking, my bookings, cancelling)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.web import Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.bookings import BookingOut, BookingPage
    from passculture.schemas.feed import FeedPage, PublicOffer


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/feed", query="feed:FeedQuery", response="feed:FeedPage")
    def feed(req: Req) -> FeedPage:
        """Published offers around a point, ranked for discovery (never the structure's name)."""
        from passculture.schemas.feed import FeedPage
        from passculture.services.booking.feed import feed as ranked_feed

        q = req.query
        entries, next_cursor = ranked_feed(
            latitude=q.latitude,
            longitude=q.longitude,
            radius_km=q.radius_km,
            category=q.category,
            include_digital=q.digital,
            department=req.principal.user.department_code,
            limit=q.limit,
            cursor=q.cursor,
        )
        return FeedPage.of(entries, next_cursor)

    # ``{id}`` as in the offers function's ``/offers/{id}``: API Gateway allows one variable name per level.
    @routes.get("/offers/{id}/public", response="feed:PublicOffer", errors=(404,))
    def public_offer(req: Req, id: str) -> PublicOffer:
        """A published offer's practical information: venue address, dates, places left, prices."""
        from passculture.schemas.feed import PublicOffer
        from passculture.services.booking.feed import public_offer

        return PublicOffer.of(public_offer(id))

    @routes.post(
        "/bookings",
        body="bookings:BookingIn",
        response="bookings:BookingCreated",
        status=201,
        errors=(403, 404, 409),
        headers=[
            ("Idempotency-Key", "A retry with the same key answers the first booking (200) instead of booking twice")
        ],
    )
    def create_booking(req: Req) -> Reply:
        """Books a stock (1 place, or 2 on duo offers); an Idempotency-Key retry answers 200 with the same booking."""
        from passculture.schemas.bookings import BookingCreated
        from passculture.services.booking.bookings import book

        result = book(req.principal, req.body.stock_id, req.body.quantity, req.headers.get("idempotency-key"))
        body = BookingCreated.of(result.view)
        if result.created:
            return Reply(body, 201)
        return Reply(body, 200, {"Idempotent-Replayed": "true"})

    @routes.get("/bookings", query="bookings:BookingsQuery", response="bookings:BookingPage")
    def list_bookings(req: Req) -> BookingPage:
        """My bookings, newest first, with their countermarks, status, offer, date and venue."""
        from passculture.schemas.bookings import BookingPage
        from passculture.services.booking.bookings import my_bookings

        return BookingPage.of(*my_bookings(req.principal.user_id, req.query.limit, req.query.cursor))

    @routes.post("/bookings/{token}/cancel", response="bookings:BookingOut", errors=(404, 409, 410))
    def cancel(req: Req, token: str) -> BookingOut:
        """The booker cancels until the deadline: the place is freed and the credit refunded."""
        from passculture.schemas.bookings import BookingOut
        from passculture.services.booking.bookings import cancel_my_booking

        return BookingOut.of(cancel_my_booking(req.principal, token))

    return routes.blueprint
