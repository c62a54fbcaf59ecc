"""Users, structures, members and credits as the contract shows them (``passculture.schemas.accounts``)."""

from __future__ import annotations

from typing import Any

from passculture.presenters import iso
from passculture.vocabulary import CapKind


def user(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "roles": sorted(user.roles or ()),
        "firstName": user.first_name,
        "lastName": user.last_name,
        "publicName": user.public_name,
        "dateOfBirth": iso(user.date_of_birth),
        "departmentCode": user.department_code,
        "phone": user.phone,
        "emailConfirmed": user.email_confirmed_at is not None,
        "createdAt": iso(user.created_at),
    }


def offerer(offerer: Any) -> dict[str, Any]:
    return {
        "siren": offerer.siren,
        "name": offerer.name,
        "status": offerer.status,
        "address": offerer.address,
        "postalCode": offerer.postal_code,
        "city": offerer.city,
        "departmentCode": offerer.department_code,
        "statusReason": offerer.status_reason,
        "createdAt": iso(offerer.created_at),
        "validatedAt": iso(offerer.validated_at),
    }


def membership(membership: Any) -> dict[str, Any]:
    return {
        "userId": membership.user_id,
        "siren": membership.siren,
        "role": membership.role,
        "status": membership.status,
        "createdAt": iso(membership.created_at),
        "validatedAt": iso(membership.validated_at),
    }


def my_membership(membership_: Any, offerer_: Any) -> dict[str, Any]:
    return {
        **membership(membership_),
        "offererName": offerer_.name if offerer_ else None,
        "offererStatus": offerer_.status if offerer_ else None,
    }


def credit(wallet: Any) -> dict[str, Any]:
    physical, digital = CapKind.PHYSICAL, CapKind.DIGITAL
    return {
        "id": wallet.credit_id,
        "label": wallet.label,
        "kind": wallet.kind,
        "balanceCents": int(wallet.balance_cents or 0),
        "initialCents": int(wallet.initial_cents or 0),
        "physicalCapCents": wallet.cap(physical),
        "physicalSpentCents": wallet.spent(physical),
        "physicalRemainingCents": wallet.spendable_on(physical),
        "digitalCapCents": wallet.cap(digital),
        "digitalSpentCents": wallet.spent(digital),
        "digitalRemainingCents": wallet.spendable_on(digital),
        "departmentCode": wallet.department_code,
        "perimeter": wallet.perimeter,
        "startsAt": iso(wallet.starts_at),
        "endsAt": iso(wallet.ends_at),
        "grantedAt": iso(wallet.granted_at),
    }


def current_user(view: Any) -> dict[str, Any]:
    """A ``services.accounts.signup.CurrentUser``: the user, their memberships, a young user's credits."""
    return {
        **user(view.user),
        "memberships": [my_membership(m, o) for m, o in view.memberships],
        "credits": None if view.credits is None else [credit(w) for w in view.credits],
    }


def offerer_list(offerers: list[Any], next_cursor: str | None) -> dict[str, Any]:
    """Structures by status, for the team (``GET /admin/offerers``)."""
    return {"items": [offerer(o) for o in offerers], "nextCursor": next_cursor}
