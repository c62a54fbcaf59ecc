"""Credentials: password hashing, access tokens, API keys, Authorization parsing."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import jwt
import pytest

from passculture.errors import Unauthorized
from passculture.models.base import utcnow
from passculture.services.accounts import auth, signin


def test_passwords_are_argon2id_and_verify():
    hashed = auth.hash_password("s3cret-Password")
    assert hashed.startswith("$argon2id$")
    assert auth.verify_password(hashed, "s3cret-Password") == (True, False)
    assert auth.verify_password(hashed, "wrong")[0] is False
    assert auth.verify_password("not a hash", "x") == (False, False)


def test_a_hash_made_with_older_parameters_asks_to_be_rehashed():
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=2, memory_cost=512, parallelism=1).hash("pw-123456")
    assert auth.verify_password(old, "pw-123456") == (True, True)


def test_access_tokens_round_trip_and_expire():
    token, expires_at = auth.issue_access_token("user-1")
    assert auth.decode_access_token(token) == "user-1"
    assert expires_at > utcnow()
    old, _ = auth.issue_access_token("user-1", now=utcnow() - timedelta(days=1))
    with pytest.raises(Unauthorized, match="expired"):
        auth.decode_access_token(old)


def test_a_token_without_exp_or_with_another_key_is_refused():
    from passculture.adapters.secrets import jwt_secret

    no_exp = jwt.encode({"sub": "u", "iat": 1, "typ": "access"}, jwt_secret(), algorithm="HS256")
    forged = jwt.encode(
        {"sub": "u", "iat": 1, "exp": 4102444800, "typ": "access"},
        "another-secret-that-is-long-enough-0123456789",
        algorithm="HS256",
    )
    none_alg = jwt.encode({"sub": "u", "iat": 1, "exp": 4102444800, "typ": "access"}, None, algorithm="none")
    for token in (no_exp, forged, none_alg):
        with pytest.raises(Unauthorized):
            auth.decode_access_token(token)


def test_the_small_verifier_refuses_what_pyjwt_refuses_and_accepts_what_it_accepts():
    secret = "a-secret-that-is-long-enough-for-hs256-0123456789"
    now = int(time.time())

    def sign(claims, algorithm="HS256", key=secret, headers=None):
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers)

    good = {"sub": "u", "iat": now - 10, "exp": now + 60, "typ": "access"}
    assert auth.verify_hs256(sign(good), secret, now) == good
    assert auth.verify_hs256(sign({**good, "nbf": now - 1}), secret, now)["sub"] == "u"
    refused = [
        sign({**good, "exp": now}),  # expires now: PyJWT's exp <= now
        sign({**good, "iat": now + 5}),  # issued in the future
        sign({**good, "nbf": now + 5}),  # not yet valid
        sign({**good, "aud": "someone"}),  # an audience nobody expects
        sign({**good, "exp": "later"}),
        sign({k: v for k, v in good.items() if k != "sub"}),
        sign(good, algorithm="HS384"),
        sign(good, key="another-secret-that-is-long-enough-0123456789"),
        sign(good)[:-2] + "AA",  # signature altered
        sign(good).replace(".", ".x", 1),  # claims altered
        "not.a.token",
        "no-dots",
        "",
    ]
    for token in refused:
        with pytest.raises(Unauthorized):
            auth.verify_hs256(token, secret, now)
        with pytest.raises(jwt.PyJWTError):  # PyJWT, as used before, refused each too
            jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "sub", "iat"]})
    with pytest.raises(Unauthorized, match="expired"):
        auth.verify_hs256(sign({**good, "exp": now - 1}), secret, now)


def test_api_keys_are_stored_as_hashes_with_a_display_prefix():
    key, prefix, stored = auth.new_api_key("123456789")
    assert auth.api_key_prefix(key) == prefix
    assert key not in stored and len(stored) == 64
    assert auth.api_key_matches(key, stored)
    assert not auth.api_key_matches(key + "x", stored)


def test_an_api_key_names_its_structure_and_older_keys_name_none():
    key, _, stored = auth.new_api_key("123456789")
    assert auth.api_key_siren(key) == "123456789"
    # A key made before keys named their structure: 43 url-safe characters, "_" and "-" included.
    assert auth.api_key_siren("pck_abcdef12_123456789_x-Yz" + "a" * 34) is None
    assert auth.api_key_siren("pck_abcdef12_12345678.x") is None
    assert auth.api_key_siren("not-a-key") is None
    # The hash covers the SIREN: naming another structure makes the key wrong.
    assert not auth.api_key_matches(key.replace("123456789", "987654321"), stored)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Bearer eyJhbGciOi.x.y", "token"),
        ("bearer pck_abcdef12_rest", "api_key"),
        ("Basic " + base64.b64encode(b"A@b.fr:pw:with:colons").decode(), "basic"),
    ],
)
def test_authorization_headers_are_told_apart(header, kind):
    credentials = auth.parse_authorization(header)
    assert credentials is not None and credentials.kind == kind


def test_basic_credentials_keep_colons_in_the_password():
    credentials = auth.parse_authorization("Basic " + base64.b64encode(b"A@b.fr:pw:with:colons").decode())
    assert (credentials.email, credentials.secret) == ("A@b.fr", "pw:with:colons")


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode(), "Digest x"]
)
def test_unusable_authorization_headers_are_none(header):
    assert auth.parse_authorization(header) is None


def test_an_api_key_whose_secret_holds_underscores_is_still_an_api_key():
    # token_urlsafe puts "_" in about half the secrets: such a key must not pass for an access token.
    key = "pck_abcdef12_123456789.a_b_c" + "x" * 38
    assert auth.api_key_prefix(key) == "abcdef12"
    assert auth.parse_authorization(f"Bearer {key}").kind == "api_key"


def test_basic_credentials_that_are_not_strict_base64_or_not_utf8_are_unusable():
    valid = base64.b64encode(b"a@b.fr:pw-123456").decode()
    assert auth.parse_authorization(f"Basic {valid}") is not None
    # Characters outside the alphabet are refused, not skipped into other credentials.
    assert auth.parse_authorization(f"Basic {valid[:4]}*{valid[4:]}") is None
    assert auth.parse_authorization("Basic " + base64.b64encode(b"\xff\xfe@b.fr:pw").decode()) is None


def test_signin_by_password_finds_the_user_and_rehashes(aws, monkeypatch):
    from passculture.models.users import User
    from tests.factories import PASSWORD, make_user

    user = make_user(email="Someone@Example.org")
    assert signin.authenticate_password("  someone@example.ORG ", PASSWORD).id == user.id
    assert signin.authenticate_password("someone@example.org", "wrong") is None
    assert signin.authenticate_password("nobody@example.org", PASSWORD) is None

    monkeypatch.setattr(auth, "_hasher", lambda: __import__("argon2").PasswordHasher(time_cost=2, memory_cost=2048))
    signin.authenticate_password("someone@example.org", PASSWORD)
    assert "t=2" in User.get(user.id).password_hash
