"""Request and response bodies of the accounts function, and the presenters of users, structures, members."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from passculture.rules.accounts import check_department, check_password
from passculture.rules.dates import check_birth_date
from passculture.rules.siren import check_siren
from passculture.schemas.base import CamelModel, Email, Name, examples
from passculture.schemas.venues import VenueSummaryOut
from passculture.vocabulary import CapKind, MembershipStatus, OffererStatus, Role

NewPassword = Annotated[str, AfterValidator(check_password)]
Siren = Annotated[str, StringConstraints(max_length=32), AfterValidator(check_siren)]
DepartmentCode = Annotated[str, StringConstraints(max_length=8), AfterValidator(check_department)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 .()-]{6,20}$")]


def _past_birth_date(value: date) -> date:
    return check_birth_date(value, datetime.now(UTC).date())


# -- requests ------------------------------------------------------------------


class ProSignupIn(CamelModel):
    model_config = examples(
        {
            "email": "lea.martin@theatre-du-quai.fr",
            "password": "Quai-des-arts-2026",
            "siren": "123456782",
            "name": "Théâtre du Quai",
            "firstName": "Léa",
            "lastName": "Martin",
            "phone": "+33 6 12 34 56 78",
        }
    )

    email: Email
    password: NewPassword
    siren: Siren
    name: Name | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None


class YoungSignupIn(CamelModel):
    model_config = examples(
        {
            "email": "camille.durand@example.org",
            "password": "Camille-en-scene-2026",
            "publicName": "Camille",
            "dateOfBirth": "2008-05-14",
            "departmentCode": "69",
        }
    )

    email: Email
    password: NewPassword
    public_name: Name
    date_of_birth: Annotated[date, AfterValidator(_past_birth_date)]
    department_code: DepartmentCode


class SigninIn(CamelModel):
    model_config = examples({"email": "lea.martin@theatre-du-quai.fr", "password": "Quai-des-arts-2026"})

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class OffererIn(CamelModel):
    model_config = examples({"siren": "812345676", "name": "Compagnie des Quais"})

    siren: Siren
    name: Name | None = None


class MembershipPatchIn(CamelModel):
    model_config = examples({"status": "validated"}, {"role": "admin"})

    status: Literal["validated"] | None = None
    role: Role | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> MembershipPatchIn:
        if self.status is None and self.role is None:
            raise ValueError('Give "status": "validated" to accept the member, or a "role" ("admin" or "editor")')
        return self


# -- responses ---------------------------------------------------------------------
# Each ``of`` presents what a service returns (a model, or a small dataclass of
# services.accounts) as the contract shows it. Parameters are typed ``Any``: a
# schema imports no model or service, not even for annotations (the IAM walk
# follows every import).


class UserOut(CamelModel):
    id: str
    email: str
    roles: list[str]
    first_name: str | None = None
    last_name: str | None = None
    public_name: str | None = None
    date_of_birth: date | None = None
    department_code: str | None = None
    phone: str | None = None
    email_confirmed: bool
    created_at: datetime

    @classmethod
    def of(cls, user: Any) -> UserOut:
        return cls(**_user(user))


class OffererOut(CamelModel):
    siren: str
    name: str
    status: OffererStatus
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    department_code: str | None = None
    status_reason: str | None = None
    created_at: datetime
    validated_at: datetime | None = None

    @classmethod
    def of(cls, offerer: Any) -> OffererOut:
        return cls(**_offerer(offerer))


class MembershipOut(CamelModel):
    user_id: str
    siren: str
    role: Role
    status: MembershipStatus
    created_at: datetime
    validated_at: datetime | None = None

    @classmethod
    def of(cls, membership: Any) -> MembershipOut:
        return cls(**_membership(membership))


class ProSignupOut(CamelModel):
    user: UserOut
    offerer: OffererOut
    membership: MembershipOut

    @classmethod
    def of(cls, signup: Any) -> ProSignupOut:
        """A ``services.accounts.signup.ProSignup``."""
        return cls(
            user=UserOut.of(signup.user),
            offerer=OffererOut.of(signup.offerer),
            membership=MembershipOut.of(signup.membership),
        )


class YoungSignupOut(CamelModel):
    user: UserOut

    @classmethod
    def of(cls, user: Any) -> YoungSignupOut:
        return cls(user=UserOut.of(user))


class SigninOut(CamelModel):
    access_token: str
    expires_at: datetime
    user: UserOut

    @classmethod
    def of(cls, signed_in: Any) -> SigninOut:
        return cls(
            access_token=signed_in.access_token, expires_at=signed_in.expires_at, user=UserOut.of(signed_in.user)
        )


class CreditOut(CamelModel):
    id: str
    label: str
    kind: str
    balance_cents: int
    initial_cents: int
    physical_cap_cents: int | None = None
    physical_spent_cents: int = 0
    physical_remaining_cents: int
    digital_cap_cents: int | None = None
    digital_spent_cents: int = 0
    digital_remaining_cents: int
    department_code: str | None = None
    perimeter: dict[str, Any] | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    granted_at: datetime

    @classmethod
    def of(cls, wallet: Any) -> CreditOut:
        physical, digital = CapKind.PHYSICAL, CapKind.DIGITAL
        return cls(
            id=wallet.credit_id,
            label=wallet.label,
            kind=wallet.kind,
            balance_cents=int(wallet.balance_cents or 0),
            initial_cents=int(wallet.initial_cents or 0),
            physical_cap_cents=wallet.cap(physical),
            physical_spent_cents=wallet.spent(physical),
            physical_remaining_cents=wallet.spendable_on(physical),
            digital_cap_cents=wallet.cap(digital),
            digital_spent_cents=wallet.spent(digital),
            digital_remaining_cents=wallet.spendable_on(digital),
            department_code=wallet.department_code,
            perimeter=wallet.perimeter,
            starts_at=wallet.starts_at,
            ends_at=wallet.ends_at,
            granted_at=wallet.granted_at,
        )


class MyMembershipOut(MembershipOut):
    offerer_name: str | None = None
    offerer_status: str | None = None

    @classmethod
    def of(cls, membership: Any, offerer: Any) -> MyMembershipOut:
        return cls(
            **_membership(membership),
            offerer_name=offerer.name if offerer else None,
            offerer_status=offerer.status if offerer else None,
        )


class CurrentUserOut(UserOut):
    memberships: list[MyMembershipOut] = Field(default_factory=list)
    credits: list[CreditOut] | None = None

    @classmethod
    def of(cls, view: Any) -> CurrentUserOut:
        return cls(
            **_user(view.user),
            memberships=[MyMembershipOut.of(m, offerer) for m, offerer in view.memberships],
            credits=None if view.credits is None else [CreditOut.of(w) for w in view.credits],
        )


class OffererWithMembershipOut(OffererOut):
    membership: MembershipOut

    @classmethod
    def of(cls, offerer: Any, membership: Any) -> OffererWithMembershipOut:
        return cls(**_offerer(offerer), membership=MembershipOut.of(membership))


class OffererPage(CamelModel):
    items: list[OffererWithMembershipOut]
    next_cursor: str | None = None

    @classmethod
    def of(cls, items: list[tuple[Any, Any]], next_cursor: str | None) -> OffererPage:
        return cls(items=[OffererWithMembershipOut.of(o, m) for o, m in items], next_cursor=next_cursor)


class MemberOut(MembershipOut):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @classmethod
    def of(cls, membership: Any, user: Any) -> MemberOut:
        return cls(
            **_membership(membership),
            email=user.email if user else None,
            first_name=user.first_name if user else None,
            last_name=user.last_name if user else None,
        )


class OffererDetailOut(OffererOut):
    venues: list[VenueSummaryOut]
    members: list[MemberOut]

    @classmethod
    def of(cls, detail: Any) -> OffererDetailOut:
        return cls(
            **_offerer(detail.offerer),
            venues=[VenueSummaryOut.of(v) for v in detail.venues],
            members=[MemberOut.of(m, user) for m, user in detail.members],
        )


class AttachOffererOut(CamelModel):
    offerer: OffererOut
    membership: MembershipOut

    @classmethod
    def of(cls, joined: Any) -> AttachOffererOut:
        return cls(offerer=OffererOut.of(joined.offerer), membership=MembershipOut.of(joined.membership))


def _user(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "roles": sorted(user.roles or ()),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "public_name": user.public_name,
        "date_of_birth": user.date_of_birth,
        "department_code": user.department_code,
        "phone": user.phone,
        "email_confirmed": user.email_confirmed_at is not None,
        "created_at": user.created_at,
    }


def _offerer(offerer: Any) -> dict[str, Any]:
    return {
        "siren": offerer.siren,
        "name": offerer.name,
        "status": offerer.status,
        "address": offerer.address,
        "postal_code": offerer.postal_code,
        "city": offerer.city,
        "department_code": offerer.department_code,
        "status_reason": offerer.status_reason,
        "created_at": offerer.created_at,
        "validated_at": offerer.validated_at,
    }


def _membership(membership: Any) -> dict[str, Any]:
    return {
        "user_id": membership.user_id,
        "siren": membership.siren,
        "role": membership.role,
        "status": membership.status,
        "created_at": membership.created_at,
        "validated_at": membership.validated_at,
    }
