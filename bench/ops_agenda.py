"""Bench operations of the agenda links (``functions/openagenda``): create, list, sync, delete.

Each costs the same whatever the feed: the import itself runs in its own
invocation (the ``agenda-import`` job, kept and not run here), measured by
``bench/agenda_import.py``. Every route first reads the caller, the venue and
the caller's membership of its structure (``venue_for``).
"""

from __future__ import annotations

from bench.registry import Operation, Request
from tests.factories import auth, make_agenda_link, make_member, make_offerer, make_venue


def _venue_and_member():
    offerer = make_offerer(status="validated")
    return make_venue(offerer), make_member(offerer)


def create_link(api) -> Request:
    venue, member = _venue_and_member()
    body = {"provider": "ics", "url": "https://agenda.example.org/saison.ics", "defaultPriceCents": 800}
    return Request("POST", f"/venues/{venue.id}/providers", json=body, headers=auth(member))


def list_links(api) -> Request:
    venue, member = _venue_and_member()
    for n in range(3):
        make_agenda_link(venue, f"https://agenda.example.org/{n}.ics")
    return Request("GET", f"/venues/{venue.id}/providers", headers=auth(member))


def sync_link(api) -> Request:
    venue, member = _venue_and_member()
    link = make_agenda_link(venue)
    return Request("POST", f"/venues/{venue.id}/providers/{link.id}/sync", headers=auth(member))


def sync_link_already_syncing(api) -> Request:
    from passculture.models.base import utcnow

    venue, member = _venue_and_member()
    link = make_agenda_link(venue, status="syncing", sync_started_at=utcnow())
    return Request("POST", f"/venues/{venue.id}/providers/{link.id}/sync", headers=auth(member))


def sync_another_structures_link(api) -> Request:
    venue, _ = _venue_and_member()
    link = make_agenda_link(venue)
    _, stranger = _venue_and_member()
    return Request("POST", f"/venues/{venue.id}/providers/{link.id}/sync", headers=auth(stranger))


def delete_link(api) -> Request:
    venue, member = _venue_and_member()
    link = make_agenda_link(venue)
    return Request("DELETE", f"/venues/{venue.id}/providers/{link.id}", headers=auth(member))


OPERATIONS = [
    # The caller, the venue, the membership; the venue's latest offer (the default category, a
    # Query), the structure's status; the link and its guard in one transaction. The import is a job.
    Operation(
        "POST /venues/{id}/providers",
        create_link,
        201,
        {"GetItem": 4, "Query": 1, "TransactWriteItems": 1},
    ),
    # The venue's links: one Query of its partition.
    Operation("GET /venues/{id}/providers (3 links)", list_links, 200, {"GetItem": 3, "Query": 1}),
    # The link, then its claim (one conditional UpdateItem); the import is a job.
    Operation(
        "POST /venues/{id}/providers/{providerId}/sync",
        sync_link,
        202,
        {"GetItem": 4, "UpdateItem": 1},
    ),
    # The claim fails: the link read again, as it is; no job.
    Operation(
        "POST /venues/{id}/providers/{providerId}/sync while syncing",
        sync_link_already_syncing,
        202,
        {"GetItem": 5, "UpdateItem": 1},
    ),
    # Another structure's member: the 404 of an unknown venue, before any link is read.
    Operation(
        "POST /venues/{id}/providers/{providerId}/sync another structure",
        sync_another_structures_link,
        404,
        {"GetItem": 3},
    ),
    # The link, then it and its guard deleted in one transaction.
    Operation(
        "DELETE /venues/{id}/providers/{providerId}",
        delete_link,
        204,
        {"GetItem": 4, "TransactWriteItems": 1},
    ),
]
