"""The app side: the feed, booking and cancelling, and the young user's credits.

``feed`` (offers around a point, an offer's public page), ``bookings``,
``cancellation`` (the refund transaction every cancellation goes through),
``wallets`` (paying a booking from the credits, with the caps on physical goods
and on digital offers), ``credits`` (eligibility and the national credit).
"""
