"""rate_limits: fixed-window counters. TTL cleans up; expiry is also checked in code."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from passculture.models.base import meta_for


class RateLimit(Model):
    Meta = meta_for("rate_limits")

    key = UnicodeAttribute(hash_key=True)  # <scope>#<subject>#<window start>
    count = NumberAttribute(default=0)
    window_ends = NumberAttribute()  # epoch seconds
    expires = TTLAttribute(null=True)
