"""The partner API: providers and their keys (``providers``), venues' grants (``grants``),
integer ids (``ids``), and ``/public/bookings/v1`` (``bookings``)."""
