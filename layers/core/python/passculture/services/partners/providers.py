"""Providers and their API keys (the team), and the list pros grant from.

A provider's id is random (``ids``) and guarded in ``uniques`` in its creating
transaction. Its HMAC key (32 random bytes, hex) is shown once, in the creation
reply, and stored so the service can sign the messages it sends (part 3): the
table is encrypted at rest by DynamoDB (SSE), as every table. Keys are
``<env>_<12 hex>_<64 hex>`` (``rules.partners``), stored as the SHA-256 of the
whole key; revoking one is at once (the next call gets 401).
"""

from __future__ import annotations

import secrets
from typing import Any

from passculture.config import get_settings
from passculture.errors import Conflict, NotFound
from passculture.models.base import Transaction, TransactionConflict, utcnow
from passculture.models.provider_keys import ProviderKey
from passculture.models.providers import Provider
from passculture.models.uniques import Unique
from passculture.records import record
from passculture.rules.partners import MAX_PUBLIC_ID, is_key_prefix, key_env, new_provider_key, new_public_id
from passculture.services.accounts.auth import Principal, sha256_hex
from passculture.services.partners import ids

NO_PROVIDER = "No such provider"


@record(frozen=True)
class NewProvider:
    """A provider just created, with its HMAC key (in this reply only)."""

    provider: Provider

    @property
    def hmac_key(self) -> str:
        return self.provider.hmac_key


@record(frozen=True)
class NewProviderKey:
    key: str  # never stored: shown this once
    item: ProviderKey


def get_provider(provider_id: int, field: str = "providerId") -> Provider:
    if not 1 <= provider_id <= MAX_PUBLIC_ID:
        raise NotFound(NO_PROVIDER, field=field)
    try:
        return Provider.get(provider_id, consistent_read=True)
    except Provider.DoesNotExist as exc:
        raise NotFound(NO_PROVIDER, field=field) from exc


def create_provider(principal: Principal, name: str, logo_url: str | None) -> NewProvider:
    principal.require_team()
    for _ in range(5):
        provider = Provider(
            new_public_id(),
            name=name,
            logo_url=logo_url,
            is_active=True,
            hmac_key=secrets.token_hex(32),
            created_at=utcnow(),
        )
        tx = Transaction()
        tx.save("provider", provider, condition=Provider.id.does_not_exist())
        guard = ids.guard("provider", str(provider.id), int(provider.id))
        tx.save("guard", guard, condition=Unique.key.does_not_exist())
        try:
            if not tx.commit():
                return NewProvider(provider)
        except TransactionConflict:
            continue
    raise Conflict("Could not give the provider an id; try again")


def list_providers(principal: Principal) -> list[Provider]:
    """Every provider, by name (the team's view; providers are a few hundred at most)."""
    principal.require_team()
    return sorted(_all_providers(), key=lambda p: (p.name.lower(), int(p.id)))


def active_providers(principal: Principal) -> list[Provider]:
    """The providers a structure may grant a venue to, by name (pros and the team)."""
    if not (principal.is_team or principal.has_role("pro")):
        from passculture.errors import Forbidden

        raise Forbidden("Only pros can list the providers")
    return [p for p in sorted(_all_providers(), key=lambda p: (p.name.lower(), int(p.id))) if p.is_active]


def _all_providers() -> list[Provider]:
    from passculture.models.providers import ALL

    return list(Provider.list_index.query(ALL))


def update_provider(principal: Principal, provider_id: int, patch: Any) -> Provider:
    """``patch``: name, logoUrl, isActive (those sent). An inactive provider's keys answer 403 at once."""
    principal.require_team()
    provider = get_provider(provider_id)
    sent = patch.model_fields_set
    actions = [Provider.updated_at.set(utcnow())]
    if "name" in sent and patch.name is not None:
        actions.append(Provider.name.set(patch.name))
    if "logo_url" in sent:
        actions.append(Provider.logo_url.set(patch.logo_url) if patch.logo_url else Provider.logo_url.remove())
    if "is_active" in sent and patch.is_active is not None:
        actions.append(Provider.is_active.set(patch.is_active))
    from pynamodb.exceptions import UpdateError

    try:
        provider.update(actions=actions, condition=Provider.id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound(NO_PROVIDER, field="providerId") from exc
        raise
    return provider


def create_key(principal: Principal, provider_id: int) -> NewProviderKey:
    principal.require_team()
    provider = get_provider(provider_id)
    env = key_env(get_settings().stage)
    for _ in range(3):
        key, prefix = new_provider_key(env, int(provider.id))
        item = ProviderKey(
            prefix,
            provider_id=int(provider.id),
            secret_hash=sha256_hex(key),
            created_by=principal.user_id,
            created_at=utcnow(),
        )
        from pynamodb.exceptions import PutError

        try:
            item.save(condition=ProviderKey.prefix.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                continue  # a prefix collision (48 random bits): draw another
            raise
        return NewProviderKey(key, item)
    raise Conflict("Could not make a key; try again", field="key")


def revoke_key(principal: Principal, provider_id: int, prefix: str) -> None:
    """Revoked at once: the next call with it gets 401. Revoking twice is harmless."""
    principal.require_team()
    get_provider(provider_id)
    if not is_key_prefix(prefix):
        raise NotFound("No such API key", field="prefix")
    from pynamodb.exceptions import UpdateError

    try:
        ProviderKey(prefix).update(
            actions=[ProviderKey.revoked_at.set(utcnow()), ProviderKey.revoked_by.set(principal.user_id)],
            condition=(ProviderKey.provider_id == provider_id) & ProviderKey.revoked_at.does_not_exist(),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        try:
            current = ProviderKey.get(prefix, consistent_read=True)
        except ProviderKey.DoesNotExist:
            current = None
        if current is None or int(current.provider_id) != provider_id:
            raise NotFound("No such API key", field="prefix") from exc
