"""The bookings function."""
