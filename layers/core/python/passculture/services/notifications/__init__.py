"""Emails driven by the bookings table's stream: ``booking_emails`` (new bookings, cancellations)."""
