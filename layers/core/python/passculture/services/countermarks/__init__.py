"""What a venue does with its bookings: the countermark API (v2), its API keys, the transactions list.

``v2`` (check, use, keep, cancel a countermark, compatible with Pass Culture's
published API), ``api_keys`` (a structure's keys, stored hashed),
``transactions`` (a structure's bookings as JSON pages or CSV chunks).
"""
