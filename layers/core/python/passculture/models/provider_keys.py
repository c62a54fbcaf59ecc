"""provider_keys: a provider's API keys (``<env>_<12 hex>_<64 hex>``), by their clear prefix.

Only the whole key's SHA-256 is stored; the secret's first 14 hex digits name
the provider (``rules.partners``), so a call reads the key and its provider in one batch.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class ProviderKeyProviderIndex(GlobalSecondaryIndex["ProviderKey"]):
    """A provider's keys."""

    class Meta:
        index_name = "provider_id-created_at-index"
        projection = AllProjection()

    provider_id = NumberAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ProviderKey(Model):
    Meta = meta_for("provider_keys")

    prefix = UnicodeAttribute(hash_key=True)  # <env>_<12 hex>
    provider_id = NumberAttribute()
    secret_hash = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)

    provider_index = ProviderKeyProviderIndex()
