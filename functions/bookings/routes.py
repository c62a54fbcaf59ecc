"""The bookings function's routes: the app side (feed, offer page, booking, my bookings, cancelling)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from passculture.web import OtherReply, Reply, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.bookings import BookingOut
    from passculture.schemas.feed import FeedPage, PublicOffer


REPLAYED = (("Idempotent-Replayed", "`true`: this answer replays the booking the key made first"),)
BOOKING_ERRORS = {
    403: "Not a young user with a credit, or the email address is not confirmed yet",
    404: "No such stock, or its offer is not published",
    409: (
        "Sold out, bookings closed, the event is past, this date is already booked by me, not enough credit "
        "or a cap reached, or the Idempotency-Key was used for another booking; a ticketed offer: the partner's "
        "ticketing answered sold out or not enough seats"
    ),
    502: "A ticketed offer: the partner's ticketing failed or answered nonsense; nothing was booked",
    504: "A ticketed offer: the partner's ticketing did not answer in time; nothing was booked",
}
CANCEL_ERRORS = {
    404: "No such booking, or not mine",
    409: "Past the cancellation deadline, or already used or reimbursed",
    410: "Already cancelled",
}


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get("/feed", query="feed:FeedQuery", response="feed:FeedPage")
    def feed(req: Req) -> FeedPage:
        """Published offers around a point, ranked for discovery (never the structure's name).

        Within `radiusKm` (1 to 100, 20 by default) of `latitude`, `longitude`:
        the offers the territory of the caller's department highlights first
        (`highlighted`), then, in each part, offers with a hook first, categories
        taking turns, nearest first. `localValidation` is `validated` when that
        territory validated the offer locally, `localLabels` the labels of its
        label-only programmes that hold it. Digital offers come with `digital=true` (`distanceKm` null). Only
        offers with a future bookable date appear; while the free-offers phase is on,
        only free ones. Out-of-range coordinates or radius are a 400.
        """
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
    @routes.get("/offers/{id}/public", response="feed:PublicOffer", errors={404: "No such offer, or not published"})
    def public_offer(req: Req, id: str) -> PublicOffer:
        """A published offer's practical information: venue address, dates, places left, prices.

        A sold-out offer with future dates answers 200 with `remainingQuantity` 0
        (it only leaves the feed); an offer that is not published is a 404.
        For an offer of the caller's department: `highlighted`, `localValidation`
        and `localLabels` as in the feed.
        """
        from passculture.schemas.feed import PublicOffer
        from passculture.services.booking.feed import public_offer

        return PublicOffer.of(public_offer(id, req.principal.user.department_code))

    @routes.post(
        "/bookings",
        body="bookings:BookingIn",
        response="bookings:BookingCreated",
        status=201,
        errors=BOOKING_ERRORS,
        headers=[
            ("Idempotency-Key", "A retry with the same key answers the first booking (200) instead of booking twice")
        ],
        also=[OtherReply(200, "A retry with the same Idempotency-Key: the first booking, booked once", REPLAYED)],
        deferred_user=True,  # the user is read with the stock, in the booking's first batch
    )
    def create_booking(req: Req) -> Reply:
        """Books a stock (1 place, or 2 on duo offers); an Idempotency-Key retry answers 200 with the same booking.

        One transaction: the place is taken, the credit debited (local labelled
        credits covering the offer first, soonest expiring first, then the national
        credit, within its caps on physical goods and digital offers) and the
        countermark (`token`, 6 characters) issued; it never overbooks nor
        overspends, even under concurrent calls. The booker and the venue are
        emailed. Young users with a confirmed email and a credit only.
        """
        from passculture.schemas.bookings import BookingCreated
        from passculture.services.booking.bookings import book

        result = book(req.principal, req.body.stock_id, req.body.quantity, req.headers.get("idempotency-key"))
        body = BookingCreated.of(result.view)
        if result.created:
            return Reply(body, 201)
        return Reply(body, 200, {"Idempotent-Replayed": "true"})

    @routes.get(
        "/bookings",
        query="bookings:BookingsQuery",
        response="bookings:BookingPage",
        deferred_user=True,  # the user is read with the venues, in the listing's second round trip
    )
    def list_bookings(req: Req) -> dict[str, Any]:
        """My bookings, newest first, with their countermarks, status, offer, date and venue.

        Cancelled and used ones included, each with its `status`.
        """
        from passculture.presenters.bookings import booking_page
        from passculture.services.booking.views import my_bookings

        # The presenter's body (what BookingPage validates), without pydantic: a cold read route.
        return booking_page(*my_bookings(req.principal, req.query.limit, req.query.cursor))

    @routes.post(
        "/bookings/{token}/cancel",
        response="bookings:BookingOut",
        errors=CANCEL_ERRORS,
        deferred_user=True,  # the user is read with the booking, in the cancellation's first batch
    )
    def cancel(req: Req, token: str) -> BookingOut:
        """The booker cancels until the deadline: the place is freed and the credit refunded.

        Events can be cancelled until 48 hours before they start (by default);
        things, any time until they are used. The venue is emailed.
        """
        from passculture.schemas.bookings import BookingOut
        from passculture.services.booking.bookings import cancel_my_booking

        return BookingOut.of(cancel_my_booking(req.principal, token))

    return routes.blueprint
