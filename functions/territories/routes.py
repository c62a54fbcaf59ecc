"""Territories: a department's referents validate and highlight local offers, run local credit programmes,
and (while ``TERRITORY_VALIDATES_STRUCTURES`` is on) validate the department's structures.

Every route is for the department's referents (role ``territory:<department>``)
and the team; anyone else gets 403 (the services check it: ``territories/access.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.web import Auth, Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.accounts import OffererOut
    from passculture.schemas.territories import (
        LocalOfferOut,
        LocalOfferPage,
        ProgrammeList,
        ProgrammeOut,
        TerritoryOffererList,
    )

REFERENTS = {400: "Not a department code", 403: "Not a referent of this department"}


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.get(
        "/territories/{department}/offers",
        auth=Auth.USER,
        query="territories:TerritoryOffersQuery",
        response="territories:LocalOfferPage",
        errors=REFERENTS,
    )
    def territory_offers(req: Req, department: str) -> LocalOfferPage:
        """The offers of the department's venues, newest first, with the territory's decision on each.

        `status`: `pending` (no local decision yet: a page may then hold fewer
        than `limit` items, follow `nextCursor`), `validated` or `rejected`;
        absent: every offer. For the department's referents and the team.
        """
        from passculture.schemas.territories import LocalOfferPage
        from passculture.services.territories.offers import territory_offers

        q = req.query
        return LocalOfferPage.of(*territory_offers(req.principal, department, q.status, q.limit, q.cursor))

    @routes.patch(
        "/territories/{department}/offers/{offerId}",
        auth=Auth.USER,
        body="territories:LocalDecisionIn",
        response="territories:LocalOfferOut",
        errors={**REFERENTS, 404: "No such offer in this department"},
    )
    def decide(req: Req, department: str, offerId: str) -> LocalOfferOut:
        """Validates or rejects an offer locally, and/or highlights it, for the department's users.

        `{"localValidation": "validated" | "rejected", "highlighted": bool}`,
        either or both. A local label shown in the app to the department's users
        (feed and offer page; highlighted offers come first in their feed); it
        never changes the offer's national publication.
        """
        from passculture.schemas.territories import LocalOfferOut
        from passculture.services.territories.offers import decide

        body = req.body
        return LocalOfferOut.of(decide(req.principal, department, offerId, body.local_validation, body.highlighted))

    @routes.post(
        "/territories/{department}/credits",
        auth=Auth.USER,
        body="territories:ProgrammeIn",
        response="territories:ProgrammeOut",
        status=201,
        errors=REFERENTS,
    )
    def create_programme(req: Req, department: str) -> ProgrammeOut:
        """Creates a labelled local credit programme, granted to the department's young users.

        `label`, `amountCents` (0 for a label-only programme), `perimeter`
        (`{"categories": [...]}`: those categories at the department's venues;
        `{"venueIds": [...]}`: venues of the department; `{"labelOnly": true}`:
        a label without money, on the department's offers or, with `categories`
        or `venueIds` beside it, on those), `startsAt`, `endsAt`. Once it starts,
        every young user of the department holding the national credit is granted
        it (existing ones by a background job: `grantStatus`, `grantedUsers`;
        later ones when they confirm their email). A booking inside the perimeter
        is paid from it first.
        """
        from passculture.schemas.territories import ProgrammeOut
        from passculture.services.territories.programmes import create_programme

        body = req.body
        programme = create_programme(
            req.principal,
            department,
            label=body.label,
            amount_cents=body.amount_cents,
            perimeter=body.perimeter_dict(),
            starts_at=body.starts_at,
            ends_at=body.ends_at,
        )
        return ProgrammeOut.of(programme)

    @routes.get(
        "/territories/{department}/credits",
        auth=Auth.USER,
        response="territories:ProgrammeList",
        errors=REFERENTS,
    )
    def programmes(req: Req, department: str) -> ProgrammeList:
        """The department's programmes, newest first, with their granted and spent totals.

        `grantedUsers` and `grantedCents` count the grants, `spentCents` what
        bookings paid from it less cancellations; all kept by the grant and
        booking transactions themselves.
        """
        from passculture.schemas.territories import ProgrammeList
        from passculture.services.territories.programmes import list_programmes

        return ProgrammeList.of(list_programmes(req.principal, department))

    @routes.get(
        "/territories/{department}/offerers",
        auth=Auth.USER,
        query="territories:TerritoryOfferersQuery",
        response="territories:TerritoryOffererList",
        errors={**REFERENTS, 403: "Not a referent of this department, or the setting is off"},
    )
    def territory_offerers(req: Req, department: str) -> TerritoryOffererList:
        """The department's structures by status (`pending` by default: the validation queue).

        A structure belongs to the department of its address, else of its first
        physical venue. Only while `TERRITORY_VALIDATES_STRUCTURES` is on (403
        otherwise, for everyone: the team keeps `/admin/offerers`).
        """
        from passculture.schemas.territories import TerritoryOffererList
        from passculture.services.territories.structures import territory_offerers

        q = req.query
        return TerritoryOffererList.of(*territory_offerers(req.principal, department, q.status, q.limit, q.cursor))

    @routes.patch(
        "/territories/{department}/offerers/{siren}",
        auth=Auth.USER,
        body="admin:OffererStatusIn",
        response="accounts:OffererOut",
        errors={
            **REFERENTS,
            403: "Not a referent of this department, or the setting is off",
            404: "No such structure in this department",
            409: "Its status changed meanwhile: reload it",
        },
    )
    def set_offerer_status(req: Req, department: str, siren: str) -> OffererOut:
        """Validates, rejects or deletes a structure of the department, exactly as the team does.

        The body of `PATCH /admin/offerers/{siren}` and its effects: the same
        emails to the structure's admins, the same publication (or unpublication)
        of its offers in the background. Only while `TERRITORY_VALIDATES_STRUCTURES` is on.
        """
        from passculture.schemas.accounts import OffererOut
        from passculture.services.territories.structures import set_territory_offerer_status

        body = req.body
        offerer = set_territory_offerer_status(req.principal, department, siren, body.status, body.reason)
        return OffererOut.of(offerer)

    return routes.blueprint
