"""memberships: who belongs to which structure, with what role."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from passculture.models.base import meta_for


class MembershipSirenIndex(GlobalSecondaryIndex["Membership"]):
    """The members of one structure."""

    class Meta:
        index_name = "siren-user_id-index"
        projection = AllProjection()

    siren = UnicodeAttribute(hash_key=True)
    user_id = UnicodeAttribute(range_key=True)


class Membership(Model):
    Meta = meta_for("memberships")

    user_id = UnicodeAttribute(hash_key=True)
    siren = UnicodeAttribute(range_key=True)
    role = UnicodeAttribute(default="editor")
    status = UnicodeAttribute(default="pending")
    created_at = UTCDateTimeAttribute()
    validated_at = UTCDateTimeAttribute(null=True)

    siren_index = MembershipSirenIndex()
