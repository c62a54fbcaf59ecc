"""What structures publish: venues, offers, their stocks and images, and the publication rule.

``venues``, ``offers``, ``stocks``, ``media`` (image uploads and their check),
``publication`` (an offer's status and visibility in the app),
``stock_cancellation`` (a deleted stock's bookings cancelled and refunded), and
``jobs`` (the background jobs of those that grow with a structure's size).
"""
