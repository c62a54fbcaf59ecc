"""Offers: creation on a venue, changes, deactivation, lists, and what the pro portal shows.

Online/offline rules: an offer on the structure's virtual venue is digital and
has a URL; PRESS is digital only, CINEMA physical only. The status follows the
publication rule (``catalogue.publication``), recomputed after every change.

Lists: ``venueId`` or ``siren`` picks one index; with neither, a pro gets the
offers of every structure they belong to, structure after structure (by SIREN),
newest first within each, behind one cursor; the team must name a structure, a
venue or a ``status`` (the status index).

A structure's list (``GET /offers?siren=``, a cold read route) needs neither the
publication rule nor the venue service: both are imported by the functions that
use them (``tests/unit/test_cold_start.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from passculture.errors import InvalidInput, NotFound
from passculture.models.base import new_id, utcnow
from passculture.models.offers import Offer
from passculture.services.accounts.access import member_sirens, require_member, signed_in, signed_in_member
from passculture.services.accounts.auth import Principal
from passculture.services.pagination import decode_cursor, encode_cursor, paginate

if TYPE_CHECKING:
    from passculture.models.stocks import Stock

    # Annotations only: pydantic stays out of a cold read (the query may be passculture.web.queries.Values).
    from passculture.schemas.offers import OfferIn, OfferPatch, OfferQuery

DIGITAL_ONLY = ("PRESS",)
PHYSICAL_ONLY = ("CINEMA",)
PATCHABLE = ("name", "category", "description", "hook", "video_url", "duration_minutes", "url", "is_duo", "is_active")


def channel_errors(category: str, is_digital: bool, url: str | None) -> dict[str, list[str]]:
    """What breaks the online/offline rules, by JSON field name."""
    errors: dict[str, list[str]] = {}
    if category in DIGITAL_ONLY and not is_digital:
        errors["category"] = [f"A {category} offer is digital: create it on the structure's virtual venue"]
    if category in PHYSICAL_ONLY and is_digital:
        errors["category"] = [f"A {category} offer takes place in a venue: it cannot be digital"]
    if is_digital and not url:
        errors["url"] = ["A digital offer needs the URL where it is used"]
    if not is_digital and url:
        errors["url"] = ["Only a digital offer (on the virtual venue) has a URL"]
    return errors


def get_offer(offer_id: str) -> Offer:
    try:
        return Offer.get(offer_id, consistent_read=True)
    except Offer.DoesNotExist as exc:
        raise NotFound("No such offer") from exc


def offer_for(principal: Principal, offer_id: str) -> Offer:
    """The offer if the caller may see it (a member of its structure, or the team); 404 otherwise."""
    offer = get_offer(offer_id)
    require_member(principal, offer.siren, what="offer")
    return offer


def create_offer(principal: Principal, data: OfferIn) -> OfferView:
    """A new offer on one of the caller's venues; ``pending`` until its structure is validated."""
    from passculture.services.catalogue.venues import open_offerer, venue_for

    venue = venue_for(principal, data.venue_id, field="venueId")
    errors = channel_errors(data.category, bool(venue.is_virtual), data.url)
    if errors:
        raise InvalidInput(errors)
    offerer = open_offerer(venue.siren)
    offer = build_offer(
        venue,
        offerer.status,
        name=data.name,
        category=data.category,
        description=data.description,
        hook=data.hook,
        video_url=data.video_url,
        duration_minutes=data.duration_minutes,
        url=data.url,
        is_duo=data.is_duo,
    )
    offer.save(condition=Offer.id.does_not_exist())
    return view_of(offer, stocks=[])


def build_offer(venue: Any, offerer_status: str, **fields: Any) -> Offer:
    """A new offer on ``venue`` (not saved yet), its status from the publication rule.

    The one shape of a new offer, for the pro routes and the partner API alike
    (the channel rules checked by the caller: ``channel_errors``).
    """
    from passculture.services.catalogue.publication import offer_status
    from passculture.services.catalogue.venues import location_of

    fields.setdefault("is_active", True)
    offer = Offer(
        new_id(),
        venue_id=venue.id,
        siren=venue.siren,
        is_digital=bool(venue.is_virtual),
        created_at=utcnow(),
        **location_of(venue),
        **fields,
    )
    # A new offer has no stock yet, so it is never in the feed.
    offer.status = offer_status(offer, offerer_status, [])
    return offer


def update_offer(principal: Principal, offer_id: str, patch: OfferPatch) -> OfferView:
    """Changes the offer's fields (the channel rules still hold); the offer with its stocks after the change."""
    offer = offer_for(principal, offer_id)
    given = patch.model_fields_set & set(PATCHABLE)
    category = patch.category if "category" in given else offer.category
    url = patch.url if "url" in given else offer.url
    if {"category", "url"} & given:
        errors = channel_errors(category, bool(offer.is_digital), url)
        if errors:
            raise InvalidInput(errors)
    change_offer(offer, {name: getattr(patch, name) for name in given})
    return offer_with_stocks(principal, offer_id)


def change_offer(offer: Offer, changes: dict[str, Any], extra: list[Any] | None = None) -> Offer:
    """Sets ``changes`` (attribute name: value, None removes) on ``offer`` and refreshes it, in one update.

    The caller has checked who may and the channel rules; ``extra`` are more update actions.
    """
    from passculture.services.catalogue.publication import refresh_offer

    actions: list[Any] = list(extra or [])
    for name in sorted(changes):
        value = changes[name]
        setattr(offer, name, value)
        attribute = getattr(Offer, name)
        actions.append(attribute.set(value) if value is not None else attribute.remove())
    return refresh_offer(offer, actions=actions)


def deactivate_offer(principal: Principal, offer_id: str) -> Offer:
    """Takes the offer out of the app for good; its bookings and history stay as they are."""
    from passculture.services.catalogue.publication import refresh_offer

    offer = offer_for(principal, offer_id)
    if not offer.is_active and offer.status == "inactive":
        return offer
    offer.is_active = False
    return refresh_offer(offer, actions=[Offer.is_active.set(False)])


def _filters(query: OfferQuery, skip_status: bool = False) -> Any:
    condition = None
    if query.status is not None and not skip_status:
        condition = Offer.status == query.status
    if query.category is not None:
        by_category = Offer.category == query.category
        condition = by_category if condition is None else condition & by_category
    return condition


def list_offers(principal: Principal, query: OfferQuery) -> tuple[list[OfferView], str | None]:
    """A page of offers the caller may see, newest first, filtered by status and category (no stocks)."""
    offers, cursor = _offers_page(principal, query)
    return [view_of(offer) for offer in offers], cursor


def _offers_page(principal: Principal, query: OfferQuery) -> tuple[list[Offer], str | None]:
    newest_first = {"scan_index_forward": False, "filter_condition": _filters(query)}
    if query.siren is not None and query.venue_id is None:
        signed_in_member(principal, query.siren)  # the route deferred the user: read with the membership
        return _page(partial(Offer.siren_index.query, query.siren, **newest_first), query.limit, query.cursor)
    principal = signed_in(principal)
    if query.venue_id is not None:
        from passculture.services.catalogue.venues import venue_for

        venue = venue_for(principal, query.venue_id, field="venueId")
        if query.siren is not None and query.siren != venue.siren:
            return [], None
        return _page(partial(Offer.venue_index.query, venue.id, **newest_first), query.limit, query.cursor)
    if principal.is_team:
        if query.status is None:
            raise InvalidInput("The team lists the offers of one structure, one venue or one status", field="siren")
        by_status = {"scan_index_forward": False, "filter_condition": _filters(query, skip_status=True)}
        return _page(partial(Offer.status_index.query, query.status, **by_status), query.limit, query.cursor)
    return _across_structures(sorted(member_sirens(principal.user_id)), query, newest_first)


def _across_structures(sirens: list[str], query: OfferQuery, options: dict[str, Any]) -> tuple[list[Offer], str | None]:
    """Pages over each structure's siren index in turn; the cursor is (structure, its own cursor)."""
    start, inner = 0, None
    if query.cursor:
        state = decode_cursor(query.cursor) or {}
        if not isinstance(state.get("siren"), str):
            raise InvalidInput("This cursor is not one we gave", field="cursor")
        # A structure left meanwhile: carry on with the next one.
        start = next((i for i, s in enumerate(sirens) if s >= state["siren"]), len(sirens))
        if start < len(sirens) and sirens[start] == state["siren"]:
            inner = state.get("cursor")
    items: list[Offer] = []
    for position in range(start, len(sirens)):
        siren = sirens[position]
        page, inner = _page(partial(Offer.siren_index.query, siren, **options), query.limit - len(items), inner)
        items += page
        if inner is not None:
            return items, encode_cursor({"siren": siren, "cursor": inner})
        if len(items) == query.limit and position + 1 < len(sirens):
            # The next structure may have nothing to show: then the next page is empty.
            return items, encode_cursor({"siren": sirens[position + 1], "cursor": None})
    return items, None


def _page(query: Any, limit: int, cursor: str | None) -> tuple[list[Offer], str | None]:
    """``paginate``, with a signed cursor of another list (a key of another index) answered as a 400."""
    from pynamodb.exceptions import QueryError

    try:
        return paginate(query, limit, cursor)
    except QueryError as exc:
        if cursor and exc.cause_response_code == "ValidationException":
            raise InvalidInput("This cursor belongs to another list", field="cursor") from exc
        raise


def sorted_stocks(stocks: list[Stock]) -> list[Stock]:
    """The live stocks by date (a thing's single stock after any date)."""
    return sorted((s for s in stocks if not s.is_deleted), key=lambda s: (s.begins_key, s.id))


@dataclass(frozen=True)
class OfferView:
    """An offer as the pro portal shows it: its image URLs and, when asked for, its live stocks by date."""

    offer: Offer
    image_url: str | None
    thumb_url: str | None
    stocks: list[Stock] | None = None


def view_of(offer: Offer, stocks: list[Stock] | None = None) -> OfferView:
    from passculture.adapters.media_links import media_url

    shown = None if stocks is None else sorted_stocks(stocks)
    return OfferView(offer, media_url(offer.image_key), media_url(offer.thumb_key), shown)


def offer_with_stocks(principal: Principal, offer_id: str) -> OfferView:
    from passculture.services.catalogue.publication import live_stocks

    offer = offer_for(principal, offer_id)
    return view_of(offer, live_stocks(offer.id))


def stocks_of(principal: Principal, offer_id: str) -> list[Stock]:
    """The offer's live stocks by date, if the caller may see the offer."""
    return offer_and_stocks(principal, offer_id)[1]


def offer_and_stocks(principal: Principal, offer_id: str) -> tuple[Offer, list[Stock]]:
    """``stocks_of`` with the offer (its price categories, which the stocks show)."""
    from passculture.services.catalogue.publication import live_stocks

    offer = offer_for(principal, offer_id)
    return offer, sorted_stocks(live_stocks(offer.id))
