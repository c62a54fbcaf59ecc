"""Credentials: argon2id password hashes, short-lived JWT access tokens, hashed API keys.

Handlers never verify credentials themselves: the web layer calls
``authenticate_user`` (every route but the countermark API) or hands the parsed
``Credentials`` to the countermark service, which verifies them together with
the booking it reads.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from passculture.config import get_settings
from passculture.errors import Forbidden, Unauthorized
from passculture.models.base import utcnow
from passculture.records import record

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from passculture.models.users import User

API_KEY_MARK = "pck"
JWT_ALGORITHM = "HS256"


# -- passwords ---------------------------------------------------------------


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    settings = get_settings()
    # argon2id; the defaults are RFC 9106's second recommended option (3 passes, 64 MiB).
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=1,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, bool]:
    """(matches, needs rehash): the second is true when the parameters changed."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, hasher.check_needs_rehash(password_hash)


# A real hash to verify against when the email is unknown, so both failures cost the same.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


# -- access tokens -----------------------------------------------------------


def issue_access_token(user_id: str, now: datetime | None = None) -> tuple[str, datetime]:
    import jwt

    from passculture.adapters.secrets import jwt_secret

    now = now or utcnow()
    expires_at = now + timedelta(minutes=get_settings().access_token_minutes)
    claims = {"sub": user_id, "iat": int(now.timestamp()), "exp": int(expires_at.timestamp()), "typ": "access"}
    return jwt.encode(claims, jwt_secret(), algorithm=JWT_ALGORITHM), expires_at


def decode_access_token(token: str) -> str:
    """The user id of a valid, unexpired access token; ``Unauthorized`` otherwise."""
    from passculture.adapters.secrets import jwt_secret

    claims = verify_hs256(token, jwt_secret(), utcnow().timestamp())
    if claims.get("typ") != "access":
        raise Unauthorized("The access token is invalid")
    return str(claims["sub"])


def _b64url(part: str) -> bytes:
    if not part or len(part) % 4 == 1 or not part.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify_hs256(token: str, secret: str, now: float) -> dict:
    """The claims of an HS256 JWT signed with ``secret``, checked as PyJWT's ``decode`` checks ours.

    PyJWT signs (``issue_access_token``); verifying is this instead, because
    importing PyJWT costs about 60 ms of a cold request (it loads cryptography's
    modules when they are installed) for a few lines: the header must say HS256,
    the signature is compared in constant time, ``exp``, ``sub`` and ``iat`` are
    required, ``exp``, ``nbf`` and ``iat`` must be numbers (no leeway) with
    ``exp`` in the future and ``nbf``/``iat`` not, and a token with an audience
    is refused (PyJWT's rule when none is expected). Where it differs it is stricter (a string or a
    boolean date is refused; PyJWT takes what ``int()`` takes): our tokens never carry one.
    """
    import json

    invalid = Unauthorized("The access token is invalid")
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(_b64url(header_part))
        claims = json.loads(_b64url(claims_part))
        signature = _b64url(signature_part)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error) as exc:
        raise invalid from exc
    if not isinstance(header, dict) or header.get("alg") != JWT_ALGORITHM or not isinstance(claims, dict):
        raise invalid
    expected = hmac.new(secret.encode(), f"{header_part}.{claims_part}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise invalid
    if any(name not in claims for name in ("exp", "sub", "iat")) or "aud" in claims:
        raise invalid
    for name in ("exp", "nbf", "iat"):
        if name in claims and (isinstance(claims[name], bool) or not isinstance(claims[name], int | float)):
            raise invalid
    if claims["exp"] <= now:
        raise Unauthorized("The access token has expired")
    if claims.get("nbf", now) > now or claims["iat"] > now:
        raise invalid
    return claims


# -- API keys ----------------------------------------------------------------


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_key(siren: str) -> tuple[str, str, str]:
    """(the key shown once, its display prefix, the SHA-256 stored): ``pck_<prefix>_<siren>.<secret>``.

    The key names its structure (a SIREN is public) so that the countermark API
    reads the structure's failure counter in its first batch; the hash covers
    the whole key, so a key whose SIREN was altered no longer matches.
    """
    prefix = secrets.token_hex(4)
    key = f"{API_KEY_MARK}_{prefix}_{siren}.{secrets.token_urlsafe(32)}"
    return key, prefix, sha256_hex(key)


def api_key_prefix(key: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) == 3 and parts[0] == API_KEY_MARK and len(parts[1]) == 8:
        return parts[1]
    return None


def api_key_siren(key: str) -> str | None:
    """The structure a key names; None for keys made before keys named it (their secret has no ".")."""
    parts = key.split("_", 2)
    if len(parts) != 3:
        return None
    siren, dot, _ = parts[2].partition(".")  # token_urlsafe never yields a "."
    return siren if dot and len(siren) == 9 and siren.isdigit() else None


def api_key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(sha256_hex(key), stored_hash)


# -- parsing the Authorization header ---------------------------------------


@record(frozen=True)
class Credentials:
    """What the caller presented, not yet verified."""

    kind: str  # "token" | "api_key" | "basic"
    secret: str
    email: str = ""

    @property
    def subject(self) -> str:
        """A stable, non-secret name for rate limiting and audit."""
        if self.kind == "basic":
            return f"email:{self.email.lower()}"
        if self.kind == "api_key":
            return f"key:{api_key_prefix(self.secret)}"
        return f"token:{sha256_hex(self.secret)[:16]}"


def parse_authorization(header: str | None) -> Credentials | None:
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if not value:
        return None
    scheme = scheme.lower()
    if scheme == "bearer":
        if api_key_prefix(value) is not None:
            return Credentials("api_key", value)
        return Credentials("token", value)
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        email, sep, password = decoded.partition(":")
        if not sep:
            return None
        return Credentials("basic", password, email=email.strip())
    return None


# -- principals --------------------------------------------------------------


@record
class Principal:
    """An authenticated user, loaded fresh on each request so role changes apply at once.

    Deferred (``user`` None, ``subject`` the token's user id): the token is
    verified but the user not read yet; the route's service reads it with its
    own first reads and calls ``principal_of`` on it (the booking route).
    """

    user: User
    roles: frozenset[str] = field(default_factory=frozenset)
    subject: str = ""

    @property
    def user_id(self) -> str:
        return self.user.id if self.user is not None else self.subject

    @property
    def deferred(self) -> bool:
        return self.user is None

    @property
    def is_team(self) -> bool:
        return "team" in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def require_team(self) -> None:
        if not self.is_team:
            raise Forbidden("Only the Pass Culture team can do this")


def principal_of(user: User | None) -> Principal:
    """The principal of a user read (strongly consistent) for this request: 401 when gone or disabled."""
    if user is None:
        raise Unauthorized("The access token is invalid")
    if not user.is_active:
        raise Unauthorized("This account is disabled")
    return Principal(user=user, roles=frozenset(user.roles or ()))


def load_principal(user_id: str) -> Principal:
    from passculture.models.users import User

    try:
        user = User.get(user_id, consistent_read=True)
    except User.DoesNotExist:
        user = None
    return principal_of(user)


def authenticate_user(header: str | None, *, defer: bool) -> Principal:
    """A signed-in user from a bearer access token. API keys and Basic get 401 here.

    ``defer``: the token checked, the user not read (``Principal.deferred``).
    """
    credentials = parse_authorization(header)
    if credentials is None:
        raise Unauthorized("Authentication is required")
    if credentials.kind != "token":
        raise Unauthorized("API keys and Basic credentials are accepted on the countermark API only")
    user_id = decode_access_token(credentials.secret)
    if defer:
        return Principal(user=None, subject=user_id)  # type: ignore[arg-type]
    return load_principal(user_id)
