"""api_keys: a structure's keys for the countermark API, stored as SHA-256 hashes."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class ApiKeySirenIndex(GlobalSecondaryIndex["ApiKey"]):
    class Meta:
        index_name = "siren-created_at-index"
        projection = AllProjection()

    siren = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class ApiKey(Model):
    Meta = meta_for("api_keys")

    prefix = UnicodeAttribute(hash_key=True)
    secret_hash = UnicodeAttribute()
    siren = UnicodeAttribute()
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    last_used_at = UTCDateTimeAttribute(null=True)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_by = UnicodeAttribute(null=True)

    siren_index = ApiKeySirenIndex()
