"""The openagenda function's routes: a venue's agenda links (the contract's "providers") and their imports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint

from passculture.web import Req, RouteSet

if TYPE_CHECKING:
    from passculture.schemas.agenda_links import AgendaLinkList, AgendaLinkOut

NO_VENUE = "No such venue, or not one of mine"
NO_LINK = "No such venue or agenda link, or not mine"


def make_blueprint() -> Blueprint:
    routes = RouteSet(__name__)

    @routes.post(
        "/venues/{id}/providers",
        body="agenda_links:AgendaLinkIn",
        response="agenda_links:AgendaLinkOut",
        status=201,
        errors={
            400: "The agenda id or the feed's address cannot be used, or the venue is digital",
            404: NO_VENUE,
            409: "This feed is already linked to this venue, or the structure is rejected or deleted",
        },
    )
    def create_link(req: Req, id: str) -> AgendaLinkOut:
        """Links an OpenAgenda agenda or an iCalendar feed to a venue and starts its first import.

        `{"provider": "openagenda", "agendaId": "47826291"}` (the digits, or the export
        address copied from OpenAgenda: its id is taken from `/agendas/<digits>`), or
        `{"provider": "ics", "url": "https://..."}` for any agenda or ticketing system
        that publishes iCalendar. `defaultPriceCents` (0) and `defaultQuantity` (null:
        unlimited) go on the dates it creates; `defaultCategory` on events whose
        category cannot be guessed (else the category of the venue's latest offer, or
        `LIVE_SHOW`). The import runs on its own: the link answers `status: syncing`,
        then `ok` or `error` with `lastError`, and `lastReport` says what it did. The
        feed is then pulled every hour. Members of the venue's structure only.
        """
        from passculture.schemas.agenda_links import AgendaLinkOut
        from passculture.services.imports.links import create_link

        return AgendaLinkOut.of(create_link(req.principal, id, req.body))

    @routes.get("/venues/{id}/providers", response="agenda_links:AgendaLinkList", errors={404: NO_VENUE})
    def list_links(req: Req, id: str) -> AgendaLinkList:
        """The venue's agenda links, oldest first, each with its last import's status and report.

        Members of the venue's structure only; another structure's venue is a 404.
        """
        from passculture.schemas.agenda_links import AgendaLinkList
        from passculture.services.imports.links import list_links

        return AgendaLinkList.of(list_links(req.principal, id))

    @routes.post(
        "/venues/{id}/providers/{providerId}/sync",
        response="agenda_links:AgendaLinkOut",
        status=202,
        errors={404: NO_LINK},
    )
    def sync_link(req: Req, id: str, providerId: str) -> AgendaLinkOut:
        """Starts an import of the link now; 202 with the link (`status: syncing`).

        When an import of it is already running, none is started and the link is
        answered as it is.
        """
        from passculture.schemas.agenda_links import AgendaLinkOut
        from passculture.services.imports.links import request_sync

        return AgendaLinkOut.of(request_sync(req.principal, id, providerId))

    @routes.delete("/venues/{id}/providers/{providerId}", status=204, errors={404: NO_LINK})
    def delete_link(req: Req, id: str, providerId: str) -> None:
        """Removes the link: its feed is no longer pulled.

        The offers and dates it imported stay, as the venue's own (their bookings
        too); the same feed may be linked again later, and its events are then
        found again by their UIDs.
        """
        from passculture.services.imports.links import delete_link

        delete_link(req.principal, id, providerId)

    return routes.blueprint
