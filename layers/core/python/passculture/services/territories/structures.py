"""Structure validation by the territory (``TERRITORY_VALIDATES_STRUCTURES``, off by default).

While the setting is on, a department's referent lists the structures of the
department by status (the offerers' department index) and validates, rejects
or deletes them with the team's own service function
(``accounts.admin.set_offerer_status``): the same emails, the same publication
of pending offers as a job. While it is off every caller gets 403 here (the
team keeps ``/admin/offerers``).
"""

from __future__ import annotations

from functools import partial

from passculture.config import get_settings
from passculture.errors import Forbidden, NotFound
from passculture.models.offerers import Offerer
from passculture.services.accounts.auth import Principal
from passculture.services.pagination import paginate
from passculture.services.territories.access import require_referent


def _require_enabled() -> None:
    if not get_settings().territory_validates_structures:
        raise Forbidden("Structures are validated by the Pass Culture team for now", field="global")


def territory_offerers(
    principal: Principal, department: str, status: str, limit: int, cursor: str | None
) -> tuple[list[Offerer], str | None]:
    """The department's structures with ``status`` (``pending``: the territory's validation queue)."""
    _require_enabled()
    department = require_referent(principal, department)
    return paginate(partial(Offerer.department_index.query, department, Offerer.status == status), limit, cursor)


def set_territory_offerer_status(
    principal: Principal, department: str, siren: str, status: str, reason: str | None
) -> Offerer:
    """What ``PATCH /admin/offerers/{siren}`` does, for a structure of the department (404 for another's)."""
    from passculture.services.accounts.admin import set_offerer_status

    _require_enabled()
    department = require_referent(principal, department)
    try:
        offerer = Offerer.get(siren, consistent_read=True)
    except Offerer.DoesNotExist as exc:
        raise NotFound("No such structure in this department", field="siren") from exc
    if offerer.department_code != department:
        raise NotFound("No such structure in this department", field="siren")
    return set_offerer_status(siren, status, reason, principal.user_id)
