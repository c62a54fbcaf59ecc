"""Users: creation with a unique email, and finding one by email."""

from __future__ import annotations

from typing import Any

from passculture.errors import Conflict
from passculture.models.base import Transaction, new_id, utcnow
from passculture.models.uniques import Unique, unique_key
from passculture.models.users import User
from passculture.services.accounts.auth import hash_password


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_guard(user: User) -> Unique:
    return Unique(unique_key("email", user.email), target=user.id, created_at=user.created_at)


def new_user(email: str, password: str, roles: set[str], **fields: Any) -> User:
    """A User item (not saved) with its password hashed."""
    return User(
        new_id(),
        email=normalise_email(email),
        password_hash=hash_password(password),
        roles=set(roles),
        created_at=utcnow(),
        **fields,
    )


def create_user(email: str, password: str, roles: set[str], **fields: Any) -> User:
    """Saves a new user and the guard of its email in one transaction (409 if taken)."""
    user = new_user(email, password, roles, **fields)
    tx = Transaction()
    tx.save("user", user, condition=User.id.does_not_exist())
    tx.save("email", email_guard(user), condition=Unique.key.does_not_exist())
    if tx.commit():
        raise Conflict("This email address is already used", field="email")
    return user


def find_by_email(email: str) -> User | None:
    try:
        guard = Unique.get(unique_key("email", normalise_email(email)), consistent_read=True)
        return User.get(guard.target, consistent_read=True)
    except (Unique.DoesNotExist, User.DoesNotExist):
        return None
