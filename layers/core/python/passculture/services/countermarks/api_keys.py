"""A structure's API keys for the countermark API: created by an admin, shown once, stored hashed.

The live-key limit holds under concurrency: a counter item in ``uniques``
(``api-keys#<siren>``) is updated with ``count < limit`` in the same
transaction as the key's put, and decremented in the same transaction as a
revocation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from passculture.config import get_settings
from passculture.errors import Conflict, NotFound
from passculture.models.api_keys import ApiKey
from passculture.models.base import Transaction, TransactionConflict, utcnow
from passculture.models.uniques import Unique, unique_key
from passculture.services.accounts.access import require_member
from passculture.services.accounts.auth import Principal, new_api_key


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: ``key`` itself is never stored, so this is the only time it is seen."""

    key: str
    api_key: ApiKey

    @property
    def prefix(self) -> str:
        return self.api_key.prefix


def live_keys_counter(siren: str) -> str:
    """The ``uniques`` key counting a structure's live API keys."""
    return unique_key("api-keys", siren)


def create_api_key(principal: Principal, siren: str) -> NewApiKey:
    """A new key for ``siren`` (structure admin); 409 past the live-key limit."""
    require_member(principal, siren, admin=True)
    limit = get_settings().api_keys_per_structure
    for _ in range(3):
        key, prefix, secret_hash = new_api_key(siren)
        now = utcnow()
        tx = Transaction()
        tx.update(
            "quota",
            Unique(live_keys_counter(siren)),
            actions=[
                Unique.count.add(1),
                Unique.target.set(siren),
                Unique.created_at.set(Unique.created_at | now),
            ],
            condition=Unique.count.does_not_exist() | (Unique.count < limit),
        )
        item = ApiKey(prefix, secret_hash=secret_hash, siren=siren, created_by=principal.user_id, created_at=now)
        tx.save("key", item, condition=ApiKey.prefix.does_not_exist())
        try:
            failed = tx.commit()
        except TransactionConflict:
            continue  # another creation or revocation held the counter: go again
        if not failed:
            return NewApiKey(key, item)
        if "quota" in failed:
            raise Conflict(f"A structure has at most {limit} live API keys: revoke one first", field="apiKey")
        # A prefix collision (32 random bits): draw another key.
    raise Conflict("The structure's keys are changing right now; try again", field="apiKey")


def list_api_keys(principal: Principal, siren: str) -> list[ApiKey]:
    """The structure's live keys, newest first."""
    require_member(principal, siren, admin=True)
    keys = ApiKey.siren_index.query(
        siren, filter_condition=ApiKey.revoked_at.does_not_exist(), scan_index_forward=False
    )
    return list(keys)


def revoke_api_key(principal: Principal, siren: str, prefix: str) -> None:
    """Revokes at once (the next call with it gets 401); revoking twice is harmless."""
    require_member(principal, siren, admin=True)
    if not _is_prefix(prefix):
        raise NotFound("No such API key", field="prefix")
    for _ in range(3):
        tx = Transaction()
        tx.update(
            "key",
            ApiKey(prefix),
            actions=[ApiKey.revoked_at.set(utcnow()), ApiKey.revoked_by.set(principal.user_id)],
            condition=(ApiKey.siren == siren) & ApiKey.revoked_at.does_not_exist(),
        )
        tx.update("quota", Unique(live_keys_counter(siren)), actions=[Unique.count.add(-1)])
        try:
            failed = tx.commit()
        except TransactionConflict:
            continue
        if not failed:
            return
        current = _get(prefix)
        if current is None or current.siren != siren:
            raise NotFound("No such API key", field="prefix")
        return  # already revoked
    raise Conflict("The structure's keys are changing right now; try again", field="prefix")


def _is_prefix(value: str) -> bool:
    return len(value) == 8 and all(ch in "0123456789abcdef" for ch in value)


def _get(prefix: str) -> Any:
    try:
        return ApiKey.get(prefix, consistent_read=True)
    except ApiKey.DoesNotExist:
        return None
