"""Bench operations of accounts: signups and signin, the calls that every user makes first."""

from __future__ import annotations

from datetime import timedelta

from bench.registry import Operation, Request
from tests.factories import PASSWORD, auth, make_member, make_offerer, make_user, make_young, random_siren


def _email(kind: str) -> str:
    return f"{kind}-{random_siren()}@bench.example.org"


def signup_pro_new_siren(api) -> Request:
    body = {"email": _email("pro"), "password": PASSWORD, "siren": random_siren(), "name": "Théâtre"}
    return Request("POST", "/users/signup/pro", json=body)


def signup_pro_known_siren(api) -> Request:
    offerer = make_offerer(status="pending")
    make_member(offerer, role="admin")
    return Request(
        "POST", "/users/signup/pro", json={"email": _email("pro"), "password": PASSWORD, "siren": offerer.siren}
    )


def signup_young(api) -> Request:
    body = {
        "email": _email("young"),
        "password": PASSWORD,
        "publicName": "Camille",
        "dateOfBirth": "2008-03-15",
        "departmentCode": "93",
    }
    return Request("POST", "/users/signup", json=body)


def signin_ok(api) -> Request:
    user = make_user()
    return Request("POST", "/users/signin", json={"email": user.email, "password": PASSWORD})


def signin_wrong_password(api) -> Request:
    user = make_user()
    return Request("POST", "/users/signin", json={"email": user.email, "password": "Wrong-password-1"})


def signin_unknown_email(api) -> Request:
    return Request("POST", "/users/signin", json={"email": _email("ghost"), "password": PASSWORD})


def confirm_young(api) -> Request:
    from passculture.models.base import utcnow
    from passculture.services.accounts.signup import new_email_token

    birth = (utcnow() - timedelta(days=18 * 365 + 30)).date().isoformat()
    user = make_user({"young"}, confirmed=False, date_of_birth=birth, department_code="93", public_name="Lou")
    token, item = new_email_token(user)
    item.save()
    return Request("PATCH", f"/users/validate/{token}")


def current_young(api) -> Request:
    return Request("GET", "/users/current", headers=auth(make_young()))


def current_pro_two_structures(api) -> Request:
    pro = make_member(make_offerer())
    make_member(make_offerer(), pro, role="editor")
    return Request("GET", "/users/current", headers=auth(pro))


OPERATIONS = [
    # The source's signup counted; one read picks the path (new or known SIREN, and whether to ask
    # SIRENE); one transaction decides: user + email guard + token + offerer + virtual venue + admin membership.
    Operation(
        "POST /users/signup/pro new SIREN",
        signup_pro_new_siren,
        201,
        {"UpdateItem": 1, "GetItem": 1, "TransactWriteItems": 1},
    ),
    # Joining: user + guard + token + membership + offerer condition check; then the structure's
    # join-request emails of the day counted, and the admins to tell.
    Operation(
        "POST /users/signup/pro known SIREN",
        signup_pro_known_siren,
        201,
        {"UpdateItem": 2, "GetItem": 1, "TransactWriteItems": 1, "Query": 1, "BatchGetItem": 1},
    ),
    Operation("POST /users/signup (young)", signup_young, 201, {"UpdateItem": 1, "TransactWriteItems": 1}),
    # The email's and the source's failure counters in one read, the (email, source) attempt counted,
    # the email guard and the user, then that attempt forgotten.
    Operation(
        "POST /users/signin",
        signin_ok,
        200,
        {"BatchGetItem": 1, "UpdateItem": 1, "GetItem": 2, "DeleteItem": 1},
    ),
    # A failure also counts on the email and the source; an unknown email costs the same, minus the user.
    Operation(
        "POST /users/signin wrong password",
        signin_wrong_password,
        401,
        {"BatchGetItem": 1, "UpdateItem": 3, "GetItem": 2},
    ),
    Operation(
        "POST /users/signin unknown email",
        signin_unknown_email,
        401,
        {"BatchGetItem": 1, "UpdateItem": 3, "GetItem": 1},
    ),
    # Token and user read; token used + user confirmed + national credit in one transaction; the
    # department's local programmes (none running here); credits listed.
    Operation(
        "PATCH /users/validate/{token} (young, 18)",
        confirm_young,
        200,
        {"GetItem": 2, "TransactWriteItems": 1, "Query": 2},
    ),
    Operation("GET /users/current (young)", current_young, 200, {"GetItem": 1, "Query": 1}),
    Operation(
        "GET /users/current (pro, 2 structures)",
        current_pro_two_structures,
        200,
        {"GetItem": 1, "Query": 1, "BatchGetItem": 1},
    ),
]
