"""Request and response bodies of the accounts function."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from passculture.rules.accounts import check_department, check_password
from passculture.rules.siren import check_siren
from passculture.schemas.base import CamelModel, Email, Name
from passculture.vocabulary import MembershipStatus, OffererStatus, Role

NewPassword = Annotated[str, AfterValidator(check_password)]
Siren = Annotated[str, StringConstraints(max_length=32), AfterValidator(check_siren)]
DepartmentCode = Annotated[str, StringConstraints(max_length=8), AfterValidator(check_department)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 .()-]{6,20}$")]


def _past_birth_date(value: date) -> date:
    today = datetime.now(UTC).date()
    if value >= today or value.year < 1900:
        raise ValueError("A date of birth is a past date (YYYY-MM-DD)")
    return value


# -- requests ------------------------------------------------------------------


class ProSignupIn(CamelModel):
    email: Email
    password: NewPassword
    siren: Siren
    name: Name | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None


class YoungSignupIn(CamelModel):
    email: Email
    password: NewPassword
    public_name: Name
    date_of_birth: Annotated[date, AfterValidator(_past_birth_date)]
    department_code: DepartmentCode


class SigninIn(CamelModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class OffererIn(CamelModel):
    siren: Siren
    name: Name | None = None


class MembershipPatchIn(CamelModel):
    status: Literal["validated"] | None = None
    role: Role | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> MembershipPatchIn:
        if self.status is None and self.role is None:
            raise ValueError('Give "status": "validated" to accept the member, or a "role" ("admin" or "editor")')
        return self


# -- responses -----------------------------------------------------------------


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


class MembershipOut(CamelModel):
    user_id: str
    siren: str
    role: Role
    status: MembershipStatus
    created_at: datetime
    validated_at: datetime | None = None


class ProSignupOut(CamelModel):
    user: UserOut
    offerer: OffererOut
    membership: MembershipOut


class YoungSignupOut(CamelModel):
    user: UserOut


class SigninOut(CamelModel):
    access_token: str
    expires_at: datetime
    user: UserOut


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


class MyMembershipOut(MembershipOut):
    offerer_name: str | None = None
    offerer_status: str | None = None


class CurrentUserOut(UserOut):
    memberships: list[MyMembershipOut] = Field(default_factory=list)
    credits: list[CreditOut] | None = None


class OffererWithMembershipOut(OffererOut):
    membership: MembershipOut


class OffererPage(CamelModel):
    items: list[OffererWithMembershipOut]
    next_cursor: str | None = None


class VenueSummaryOut(CamelModel):
    id: str
    name: str
    siret: str | None = None
    is_virtual: bool
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    department_code: str | None = None
    booking_email: str | None = None


class MemberOut(MembershipOut):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


class OffererDetailOut(OffererOut):
    venues: list[VenueSummaryOut]
    members: list[MemberOut]


class AttachOffererOut(CamelModel):
    offerer: OffererOut
    membership: MembershipOut
