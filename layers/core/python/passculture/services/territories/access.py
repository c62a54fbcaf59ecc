"""Who may act for a department: its referents (role ``territory:<department>``) and the team, everywhere."""

from __future__ import annotations

from passculture.errors import Forbidden, InvalidInput
from passculture.rules.accounts import check_department
from passculture.rules.territories import referent_departments
from passculture.services.accounts.auth import Principal


def department_of_path(value: str) -> str:
    """The department named in a path, normalised (``2a`` is ``2A``); 400 naming ``department`` otherwise."""
    try:
        return check_department(value)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="department") from exc


def require_referent(principal: Principal, department: str) -> str:
    """The department, when the caller refers for it or is on the team; Forbidden for anyone else."""
    department = department_of_path(department)
    if principal.is_team or department in referent_departments(principal.roles):
        return department
    raise Forbidden(f"Only the referents of department {department} can do this", field="department")
