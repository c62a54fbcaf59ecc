"""Input rules of accounts: passwords, emails, department codes, granted roles.

Each ``check_*`` returns the normalised value or raises ValueError with the
rule in words; pydantic turns that into a 400 naming the field.
"""

from __future__ import annotations

import re

PASSWORD_RULE = (
    "A password has at least 12 characters (at most 200), with a lower-case letter, an upper-case letter and a digit"
)
EMAIL_RULE = "An email address looks like name@example.org (at most 254 characters)"
DEPARTMENT_RULE = 'A department code is "01" to "95", "2A", "2B" or "971" to "976"'
ROLE_RULE = 'A granted role is "team" or "territory:<department code>"'

_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")

# Metropolitan departments (Corsica is 2A and 2B, never 20) and the overseas ones.
DEPARTMENT_CODES: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"] + [str(n) for n in range(971, 977)]
)


def check_password(password: str) -> str:
    if not (
        12 <= len(password) <= 200
        and re.search(r"[a-z]", password)
        and re.search(r"[A-Z]", password)
        and re.search(r"[0-9]", password)
    ):
        raise ValueError(PASSWORD_RULE)
    return password


def check_email(email: str) -> str:
    value = email.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError(EMAIL_RULE)
    return value.lower()


def check_department(value: str) -> str:
    code = value.strip().upper()
    if code not in DEPARTMENT_CODES:
        raise ValueError(DEPARTMENT_RULE)
    return code


def check_role(role: str) -> str:
    """``team`` or ``territory:<department>`` (the department upper-cased)."""
    value = role.strip()
    if value == "team":
        return value
    kind, sep, department = value.partition(":")
    if kind == "territory" and sep and department.upper() in DEPARTMENT_CODES:
        return f"territory:{department.upper()}"
    raise ValueError(f"{ROLE_RULE}, not {role!r}")
