"""users: one item per person, pro or young. Email uniqueness lives in ``uniques``."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from passculture.models.base import meta_for


class UserDepartmentIndex(GlobalSecondaryIndex["User"]):
    """Sparse (young users have a department): a territory's users, for granting a local credit."""

    class Meta:
        index_name = "department_code-created_at-index"
        projection = KeysOnlyProjection()

    department_code = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class User(Model):
    Meta = meta_for("users")

    id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()  # stored lower-case
    password_hash = UnicodeAttribute()
    # Granted and intrinsic roles: "pro", "young", "team", "territory:<dept>".
    roles = UnicodeSetAttribute(default=set)
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    public_name = UnicodeAttribute(null=True)
    date_of_birth = UnicodeAttribute(null=True)  # ISO date, young users
    department_code = UnicodeAttribute(null=True)
    email_confirmed_at = UTCDateTimeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute()

    department_index = UserDepartmentIndex()
