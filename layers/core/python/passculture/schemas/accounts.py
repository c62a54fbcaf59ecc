"""Request and response bodies of the accounts function, and the presenters of users, structures, members."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from passculture.presenters import accounts as present
from passculture.rules.accounts import check_department, check_password
from passculture.rules.dates import check_birth_date
from passculture.rules.siren import check_siren
from passculture.schemas.base import CamelModel, Email, Name, examples
from passculture.schemas.venues import VenueSummaryOut
from passculture.vocabulary import MembershipStatus, OffererStatus, Role

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
# services.accounts) as the contract shows it, users, structures, members and
# credits through ``passculture.presenters.accounts`` (pydantic-free). Parameters are typed ``Any``: a
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
        return cls(**present.user(user))


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
        return cls(**present.offerer(offerer))


class MembershipOut(CamelModel):
    user_id: str
    siren: str
    role: Role
    status: MembershipStatus
    created_at: datetime
    validated_at: datetime | None = None

    @classmethod
    def of(cls, membership: Any) -> MembershipOut:
        return cls(**present.membership(membership))


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
        return cls(**present.credit(wallet))


class MyMembershipOut(MembershipOut):
    offerer_name: str | None = None
    offerer_status: str | None = None

    @classmethod
    def of(cls, membership: Any, offerer: Any) -> MyMembershipOut:
        return cls(**present.my_membership(membership, offerer))


class CurrentUserOut(UserOut):
    memberships: list[MyMembershipOut] = Field(default_factory=list)
    credits: list[CreditOut] | None = None

    @classmethod
    def of(cls, view: Any) -> CurrentUserOut:
        """Validates ``presenters.accounts.current_user``, the body ``GET /users/current`` sends."""
        return cls(**present.current_user(view))


class OffererWithMembershipOut(OffererOut):
    membership: MembershipOut

    @classmethod
    def of(cls, offerer: Any, membership: Any) -> OffererWithMembershipOut:
        return cls(**present.offerer(offerer), membership=MembershipOut.of(membership))


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
            **present.membership(membership),
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
            **present.offerer(detail.offerer),
            venues=[VenueSummaryOut.of(v) for v in detail.venues],
            members=[MemberOut.of(m, user) for m, user in detail.members],
        )


class AttachOffererOut(CamelModel):
    offerer: OffererOut
    membership: MembershipOut

    @classmethod
    def of(cls, joined: Any) -> AttachOffererOut:
        return cls(offerer=OffererOut.of(joined.offerer), membership=MembershipOut.of(joined.membership))
