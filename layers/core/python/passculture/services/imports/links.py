"""Agenda links (the contract's "providers"): creation, lists, a sync asked for, removal, and the schedule.

A link is one feed on one venue: an OpenAgenda agenda (``openagenda:<id>``) or
an iCalendar address (its normalised URL). A ``uniques`` item
``agenda-link#<venue>|<feed>`` written in the link's transaction makes the same
feed twice on a venue a 409, under concurrency too. Only validated members of
the venue's structure (or the team) see a venue's links; anyone else gets the
404 of an unknown venue. A digital (virtual) venue cannot link an agenda: an
agenda's events take place somewhere, and a digital offer needs its own URL.
A link's id is derived from (venue, feed), so a feed linked again after its link
was removed finds the offers it imported (their ids derive from the link's).

Imports run in their own invocation (the ``agenda-import`` job of the
openagenda function, ``services.jobs``). A link being imported is ``syncing``
since ``sync_started_at``; asking again meanwhile starts nothing (a claim older
than ``STALE_CLAIM`` is taken over: its invocation died). The schedule
(``agenda-schedule``, hourly) pages through the sparse schedule index (active
links, least recently synced first: a Query, never a Scan) and starts one
import per due link, so a slow or failing feed delays no other; it hands its
own rest on with a cursor like any job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.agenda_links import AgendaLink
from passculture.models.base import Transaction, derived_id, utcnow
from passculture.models.uniques import Unique, unique_key
from passculture.schemas.agenda_links import AgendaLinkIn
from passculture.services.accounts.auth import Principal
from passculture.services.jobs import Progress

logger = logging.getLogger(__name__)

ACTIVE = "active"
# A little under the hourly schedule (infra/catalog.py): a run starting a minute early still finds the links.
SYNC_INTERVAL = timedelta(minutes=55)
# An import claim older than this is from an invocation that died (the function's timeout is 300 s, retried twice).
STALE_CLAIM = timedelta(minutes=20)
SCHEDULE_PAGE_SIZE = 100
FALLBACK_CATEGORY = "LIVE_SHOW"


def feed_key(provider: str, agenda_id: str | None, url: str | None) -> str:
    """The feed's identity on a venue: one spelling per feed (host and scheme in lower case, no fragment)."""
    if provider == "openagenda":
        return f"openagenda:{agenda_id}"
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return "ics:" + urlunsplit((parts.scheme.lower(), host + port, parts.path or "/", parts.query, ""))


def guard_key(venue_id: str, key: str) -> str:
    return unique_key("agenda-link", f"{venue_id}|{key}")


def _venue(principal: Principal, venue_id: str) -> Any:
    from passculture.services.catalogue.venues import venue_for

    return venue_for(principal, venue_id)


def _default_category(venue_id: str) -> str:
    """The category of the venue's latest offer (what it usually offers), else a show."""
    from passculture.models.offers import Offer

    for offer in Offer.venue_index.query(venue_id, scan_index_forward=False, limit=1, page_size=1):
        return str(offer.category)
    return FALLBACK_CATEGORY


def _checked_feed(data: AgendaLinkIn) -> tuple[str | None, str | None]:
    from passculture.adapters.feeds import FeedError, agenda_id_from, check_feed_url

    if data.provider == "openagenda":
        agenda_id = agenda_id_from(data.agenda_id or "")
        if agenda_id is None:
            raise InvalidInput(
                "Give the agenda's number (such as 47826291) or the export address copied from OpenAgenda",
                field="agendaId",
            )
        return agenda_id, None
    try:
        return None, check_feed_url(data.url or "")
    except FeedError as exc:
        raise InvalidInput(exc.reason, field="url") from exc


def create_link(principal: Principal, venue_id: str, data: AgendaLinkIn) -> AgendaLink:
    """Links a feed to one of the caller's venues and starts its first import (status ``syncing``)."""
    from passculture.services.catalogue.venues import open_offerer

    venue = _venue(principal, venue_id)
    if venue.is_virtual:
        raise InvalidInput("A digital venue cannot import an agenda: its events take place in a venue", field="global")
    agenda_id, url = _checked_feed(data)
    open_offerer(venue.siren)
    now = utcnow()
    key = feed_key(data.provider, agenda_id, url)
    link = AgendaLink(
        venue.id,
        # Derived from the feed: linked again after a removal, it finds its imported offers again.
        derived_id("agenda-link", venue.id, key),
        siren=venue.siren,
        provider=data.provider,
        agenda_id=agenda_id,
        url=url,
        feed_key=key,
        default_price_cents=data.default_price_cents,
        default_quantity=data.default_quantity,
        default_category=data.default_category or _default_category(venue.id),
        status="syncing",
        sync_started_at=now,
        schedule=ACTIVE,
        last_sync_key="0",
        consecutive_failures=0,
        created_at=now,
    )
    tx = Transaction()
    tx.save("link", link, condition=AgendaLink.id.does_not_exist())
    tx.save("guard", Unique(guard_key(venue.id, key), target=link.id, created_at=now), Unique.key.does_not_exist())
    if tx.commit():
        raise Conflict("This feed is already linked to this venue", field="agendaId" if agenda_id else "url")
    _start_import(link, claim=now)
    return link


def _start_import(link: AgendaLink, claim: datetime | None) -> None:
    from passculture.services.jobs import start_job

    args = {"venue_id": link.venue_id, "link_id": link.id}
    if claim is not None:
        args["claim"] = claim.isoformat()
    try:
        start_job("agenda-import", args)
    except Exception:
        # The link stays syncing; once the claim is stale, the hourly schedule imports it.
        logger.exception("agenda link %s: its import could not be started", link.id)


def link_for(principal: Principal, venue_id: str, link_id: str) -> AgendaLink:
    """One of the venue's links, if the caller may see the venue; 404 otherwise."""
    venue = _venue(principal, venue_id)
    try:
        return AgendaLink.get(venue.id, link_id, consistent_read=True)
    except AgendaLink.DoesNotExist as exc:
        raise NotFound("No such agenda link") from exc


def list_links(principal: Principal, venue_id: str) -> list[AgendaLink]:
    """The venue's links, oldest first."""
    venue = _venue(principal, venue_id)
    links = list(AgendaLink.query(venue.id, consistent_read=True))
    return sorted(links, key=lambda link: (link.created_at, link.id))


def claim(link: AgendaLink, now: datetime) -> bool:
    """Marks the link ``syncing`` since ``now`` unless an import is running; whether this caller got it."""
    from pynamodb.exceptions import UpdateError

    free = (AgendaLink.status != "syncing") | AgendaLink.sync_started_at.does_not_exist()
    free |= AgendaLink.sync_started_at < now - STALE_CLAIM
    try:
        link.update(
            actions=[AgendaLink.status.set("syncing"), AgendaLink.sync_started_at.set(now)],
            condition=AgendaLink.id.exists() & free,
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def request_sync(principal: Principal, venue_id: str, link_id: str) -> AgendaLink:
    """Starts an import now, unless one is running (then the link as it is): status ``syncing``."""
    link = link_for(principal, venue_id, link_id)
    now = utcnow()
    if claim(link, now):
        _start_import(link, claim=now)
    else:
        link.refresh(consistent_read=True)
    return link


def delete_link(principal: Principal, venue_id: str, link_id: str) -> None:
    """Removes the link (its schedule with it); the offers it imported stay, as the structure's own."""
    link = link_for(principal, venue_id, link_id)
    tx = Transaction()
    tx.delete("link", link, condition=AgendaLink.id.exists())
    tx.delete("guard", Unique(guard_key(link.venue_id, link.feed_key)))
    if tx.commit():
        raise NotFound("No such agenda link")


# -- the schedule --------------------------------------------------------------------


def due_links(limit: int = SCHEDULE_PAGE_SIZE, cursor: Any = None, now: datetime | None = None) -> list[AgendaLink]:
    """Active links not synced within the interval, least recently synced first (a Query, no Scan)."""
    links, _ = due_page(limit, cursor, now)
    return links


def due_page(size: int, cursor: Any, now: datetime | None = None) -> tuple[list[AgendaLink], Any]:
    from passculture.services.pagination import key_page

    cutoff = ((now or utcnow()) - SYNC_INTERVAL).isoformat()
    query = partial(AgendaLink.schedule_index.query, ACTIVE, AgendaLink.last_sync_key < cutoff)
    return key_page(query, size, cursor)


def schedule_page(args: dict[str, Any], cursor: Any) -> Progress:
    """One page of the ``agenda-schedule`` job: an import started for each due link of the page.

    The cutoff is the run's start (``args["now"]``), so links synced meanwhile do not
    come back in a later page, and each page's starts are harmless to redo (a link
    already syncing is skipped by its own import).
    """
    from passculture.services.jobs import start_job

    now = datetime.fromisoformat(args["now"]) if args.get("now") else utcnow()
    links, next_key = due_page(SCHEDULE_PAGE_SIZE, cursor, now)
    started = 0
    for link in links:
        try:
            start_job("agenda-import", {"venue_id": link.venue_id, "link_id": link.id})
            started += 1
        except Exception:
            # One link that cannot be started must not stop the others: the next run tries it again.
            logger.exception("agenda link %s: its import could not be started", link.id)
    return Progress.next(next_key, started)
