"""``/public/offers/v1/events``: a provider's events on its granted venues, another door onto the catalogue.

An event is an offer (``catalogue.offers``: ``build_offer``, ``change_offer``,
the channel rules, the publication rule) that records who made it:
``provider_id`` (the provider's integer id as text), ``id_at_provider``,
``has_ticket`` (booking then calls the provider's booking URL,
``booking.ticketing``) and pass Culture's category id. It gets its integer id in
its creation transaction, with the ``uniques`` guard of that id and, when
given, of ``idAtProvider`` within its venue (``offer-at-provider#<venue>#<id>``).

A provider sees its own events on venues still granted to it; any other id is
a 404 ``{"event_id": [...]}``. Lists read the sparse ``provider_id-public_id``
index from ``firstIndex``, never a Scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from passculture.errors import Conflict, InvalidInput, NotFound
from passculture.models.base import Transaction, TransactionConflict, utcnow
from passculture.models.offers import Accessibility, Offer, PriceCategory
from passculture.models.uniques import Unique, unique_key
from passculture.models.venues import Venue
from passculture.rules import partner_categories
from passculture.rules import price_categories as price_rules
from passculture.rules.partners import new_public_id, partner_status, still_open, urls_of
from passculture.services.accounts.auth import Credentials
from passculture.services.partners import ids
from passculture.services.partners.bookings import Call, _open
from passculture.services.partners.offers import granted_venue

EVENT_NOT_FOUND = "The event offer could not be found"
MAX_IDS_AT_PROVIDER = 100


@dataclass(frozen=True)
class PartnerOffer:
    """An offer as the partner API shows it: its venue's integer id and pass Culture's status."""

    offer: Offer
    venue_public_id: int
    status: str
    image_url: str | None = None


def at_provider_key(venue_id: str, id_at_provider: str) -> str:
    return unique_key("offer-at-provider", f"{venue_id}#{id_at_provider}")


def taken(id_at_provider: str) -> InvalidInput:
    return InvalidInput({"idAtProvider": [f"`{id_at_provider}` is already taken by another venue offer"]})


def not_found(field: str, message: str) -> NotFound:
    return NotFound({field: [message]})


def ids_at_provider(raw: str | None) -> set[str] | None:
    """The ``idsAtProvider`` filter: comma-separated, at most 100; None without one."""
    if raw is None:
        return None
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    if len(wanted) > MAX_IDS_AT_PROVIDER:
        raise InvalidInput({"idsAtProvider": [f"At most {MAX_IDS_AT_PROVIDER} ids"]})
    return wanted


# -- reading ---------------------------------------------------------------------


def view(offer: Offer, stocks: list[Any] | None = None) -> PartnerOffer:
    """The offer with its status: from its feed summary while bookable, else from its dates (read if not given)."""
    from passculture.adapters.media_links import media_url

    now = utcnow()
    bookable = offer.status == "published" and offer.min_price_cents is not None
    open_ = False
    if offer.status == "published" and not bookable:
        if stocks is None:
            from passculture.services.catalogue.publication import live_stocks

            stocks = live_stocks(offer.id)
        open_ = any(still_open(s.begins_at, s.booking_limit_at, now) for s in stocks)
    status = partner_status(offer.status, bookable, open_)
    return PartnerOffer(offer, int(offer.venue_public_id or 0), status, media_url(offer.image_key))


def is_event(offer: Offer) -> bool:
    return offer.partner_category in partner_categories.EVENT_CATEGORIES


def own_offer(call: Call, raw_id: str | int, *, event: bool, field: str, message: str) -> Offer:
    """The provider's own offer (an event or a product) by integer id on a granted venue; 404 otherwise."""
    text = str(raw_id)
    offer_id = ids.lookup("offer", int(text)) if text.isdigit() and len(text) <= 16 else None
    offer = None
    if offer_id is not None:
        try:
            offer = Offer.get(offer_id, consistent_read=True)
        except Offer.DoesNotExist:
            offer = None
    if (
        offer is None
        or offer.provider_id != str(int(call.provider.id))
        or not call.sees_venue(offer.venue_id)
        or is_event(offer) != event
    ):
        raise not_found(field, message)
    return offer


def get_event(credentials: Credentials, event_id: str, source_ip: str) -> PartnerOffer:
    call = _open("v1-event", credentials, "", source_ip)
    return view(own_offer(call, event_id, event=True, field="event_id", message=EVENT_NOT_FOUND))


def list_own(call: Call, query: Any, *, event: bool) -> list[PartnerOffer]:
    """The provider's own events (or products) from ``firstIndex`` by id, at most ``limit``, filtered."""
    wanted_ids = ids_at_provider(query.ids_at_provider)
    venue_id = None
    if query.venue_id is not None:
        venue_id = ids.lookup("venue", query.venue_id)
        if venue_id is None or not call.sees_venue(venue_id):
            raise not_found("venueId", "The venue could not be found")
    found: list[Offer] = []
    last_key = None
    while len(found) < query.limit:
        page = Offer.partner_index.query(
            str(int(call.provider.id)),
            Offer.public_id >= query.first_index,
            limit=100,
            last_evaluated_key=last_key,
        )
        for offer in page:
            if (
                is_event(offer) == event
                and call.sees_venue(offer.venue_id)
                and (venue_id is None or offer.venue_id == venue_id)
                and (wanted_ids is None or offer.id_at_provider in wanted_ids)
            ):
                found.append(offer)
                if len(found) == query.limit:
                    break
        last_key = page.last_evaluated_key
        if last_key is None:
            break
    return [view(offer) for offer in found]


def list_events(credentials: Credentials, query: Any, source_ip: str) -> list[PartnerOffer]:
    call = _open("v1-events", credentials, "", source_ip)
    return list_own(call, query, event=True)


# -- writing ---------------------------------------------------------------------


def _accessibility(body: Any) -> Accessibility:
    a = body.accessibility
    return Accessibility(
        audio_disability_compliant=a.audio_disability_compliant,
        mental_disability_compliant=a.mental_disability_compliant,
        motor_disability_compliant=a.motor_disability_compliant,
        visual_disability_compliant=a.visual_disability_compliant,
    )


def new_offer(venue: Venue, offerer_status: str, body: Any, category: str, **fields: Any) -> Offer:
    """``build_offer`` (not saved) with the fields of the body an event and a product share, then ``fields``."""
    from passculture.services.catalogue.offers import build_offer

    return build_offer(
        venue,
        offerer_status,
        name=body.name,
        category=category,
        partner_category=body.category_related_fields.category,
        description=body.description,
        video_url=body.video_url,
        url=body.location.url,
        accessibility=_accessibility(body),
        booking_email=body.booking_email,
        booking_contact=body.booking_contact,
        id_at_provider=body.id_at_provider,
        **fields,
    )


def channel_of(venue: Venue, location: Any, category: str, field_prefix: str = "") -> dict[str, list[str]]:
    """The catalogue's channel rules, named by the partner body's fields."""
    from passculture.services.catalogue.offers import channel_errors

    errors: dict[str, list[str]] = {}
    digital = location.type == "digital"
    if digital != bool(venue.is_virtual):
        errors["location.type"] = [
            "A digital offer is on the structure's virtual venue"
            if digital
            else "The structure's virtual venue holds digital offers only"
        ]
        return errors
    names = {"category": "categoryRelatedFields.category", "url": "location.url"}
    for name, messages in channel_errors(category, digital, location.url).items():
        errors[names[name]] = messages
    return errors


def check_ticketing(call: Call, venue: Venue) -> None:
    """``hasTicket`` needs a booking and a cancellation URL for the venue (its grant's, or the provider's)."""
    from passculture.models.venue_providers import VenueProvider

    try:
        grant = VenueProvider.get(venue.id, int(call.provider.id), consistent_read=True)
    except VenueProvider.DoesNotExist:
        grant = None
    urls = urls_of(grant, call.provider)
    if not urls["booking_url"] or not urls["cancel_url"]:
        raise InvalidInput(
            {
                "hasTicket": [
                    "Set your bookingUrl and cancelUrl (PATCH /public/providers/v1/provider, or the venue's) "
                    "before creating an event with tickets"
                ]
            }
        )


def new_categories(items: list[Any], existing: list[PriceCategory] | None = None) -> list[PriceCategory]:
    """Price categories with new ids, checked against the rules with ``existing``; 400 on ``priceCategories``."""
    existing = list(existing or [])
    taken_ids = {int(c.id) for c in existing}
    created = []
    for item in items:
        new = new_public_id()
        while new in taken_ids:
            new = new_public_id()
        taken_ids.add(new)
        category = PriceCategory(id=new, label=item.label, price_cents=item.price, id_at_provider=item.id_at_provider)
        created.append(category)
    rule = [price_rules.Category(int(c.id), c.label, int(c.price_cents), c.id_at_provider) for c in existing]
    wanted = [price_rules.Category(int(c.id), c.label, int(c.price_cents), c.id_at_provider) for c in created]
    problems = price_rules.clashes(rule, wanted)
    if problems:
        raise InvalidInput({"priceCategories": problems})
    return created


def publish_at(publication: Any) -> Any:
    """The offer's ``publish_at`` for a ``publicationDatetime``: a future moment, else None (now, or unpublished)."""
    if publication in ("now", None) or publication <= utcnow():
        return None
    return publication


def booking_opens_at(opening: Any) -> Any:
    """The offer's ``booking_opens_at`` for a ``bookingAllowedDatetime``: a future moment, else None (bookable now)."""
    if opening is None or opening <= utcnow():
        return None
    return opening


def insert(call: Call, offer: Offer, venue: Venue, image: Any = None) -> Offer:
    """Saves a new partner offer with its integer id and the guard of its ``idAtProvider`` (one transaction).

    ``image``: the body's, checked and written first (``partners.images``), removed if the offer is not saved.
    """
    if image is None:
        return _insert(call, offer, venue)
    from passculture.services.partners import images

    for name, value in images.store(offer, image).items():
        setattr(offer, name, value)
    try:
        return _insert(call, offer, venue)
    except Exception:
        images.remove(offer.image_key, offer.thumb_key)
        raise


def _insert(call: Call, offer: Offer, venue: Venue) -> Offer:
    offer.provider_id = str(int(call.provider.id))
    offer.venue_public_id = int(venue.public_id) if venue.public_id is not None else ids.ensure(venue, "venue")
    for _ in range(5):
        offer.public_id = new_public_id()
        tx = Transaction()
        tx.save("offer", offer, condition=Offer.id.does_not_exist())
        tx.save("id", ids.guard("offer", offer.id, int(offer.public_id)), condition=Unique.key.does_not_exist())
        if offer.id_at_provider is not None:
            guard = Unique(at_provider_key(venue.id, offer.id_at_provider), target=offer.id, created_at=utcnow())
            tx.save("at-provider", guard, condition=Unique.key.does_not_exist())
        try:
            failed = tx.commit()
        except TransactionConflict:
            continue
        if not failed:
            return offer
        if "at-provider" in failed:
            raise taken(offer.id_at_provider or "")
        # else: that integer was taken (a collision): draw another
    raise Conflict("Could not create the offer; try again")


def create_event(credentials: Credentials, body: Any, source_ip: str) -> PartnerOffer:
    """``POST /public/offers/v1/events``: the event on a granted venue, with its price categories."""
    from passculture.services.catalogue.venues import open_offerer

    call = _open("v1-events", credentials, "", source_ip)
    venue = granted_venue(call, body.location.venue_id, field="location.venueId")
    category = partner_categories.event_category(body.category_related_fields.category)
    if category is None:
        raise InvalidInput({"categoryRelatedFields.category": [partner_categories.UNKNOWN]})
    errors = channel_of(venue, body.location, category)
    if errors:
        raise InvalidInput(errors)
    categories = new_categories(body.price_categories or [])
    if body.has_ticket:
        check_ticketing(call, venue)
    offerer = open_offerer(venue.siren)
    offer = new_offer(
        venue,
        offerer.status,
        body,
        category,
        duration_minutes=body.event_duration,
        is_duo=bool(body.enable_double_bookings),
        is_active=body.publication_datetime is not None,
        publish_at=publish_at(body.publication_datetime),
        booking_opens_at=booking_opens_at(body.booking_allowed_datetime),
        has_ticket=body.has_ticket,
        price_categories=categories or None,
        price_categories_version=1 if categories else None,
    )
    return view(insert(call, offer, venue, body.image), stocks=[])


def refuse_nulls(patch: Any, names: tuple[str, ...]) -> None:
    """400 naming each of ``names`` the PATCH sent as null (the fields an edition may not clear)."""
    from pydantic.alias_generators import to_camel

    nulls = {to_camel(n): ["This field cannot be null"] for n in names if n in patch.model_fields_set}
    nulls = {k: v for k, v in nulls.items() if getattr(patch, _snake(k)) is None}
    if nulls:
        raise InvalidInput(nulls)


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


def edit(call: Call, offer: Offer, patch: Any, changes: dict[str, Any]) -> Offer:
    """The changes both an event's and a product's edition share, then one update of the offer.

    ``changes`` holds the caller's own (attribute: value). ``location`` may be
    resent but not moved to another venue; ``category`` may not change;
    a new ``idAtProvider`` moves its guard in one transaction first.
    """
    given = patch.model_fields_set
    if "location" in given:
        location = patch.location
        venue_id = ids.lookup("venue", location.venue_id)
        if venue_id != offer.venue_id:
            raise InvalidInput({"location.venueId": ["An offer cannot move to another venue"]})
        if (location.type == "digital") != bool(offer.is_digital):
            raise InvalidInput({"location.type": ["An offer cannot change between physical and digital"]})
        if offer.is_digital:
            changes["url"] = location.url
    if "category_related_fields" in given and patch.category_related_fields.category != offer.partner_category:
        raise InvalidInput({"categoryRelatedFields.category": ["The category cannot be changed"]})
    if "url" in changes:
        from passculture.services.catalogue.offers import channel_errors

        problems = channel_errors(offer.category, bool(offer.is_digital), changes["url"])
        if problems:
            raise InvalidInput({"location.url": problems.get("url", [])})
    for name in ("name", "description", "booking_email", "booking_contact", "video_url"):
        if name in given:
            changes[name] = getattr(patch, name)
    if "accessibility" in given:
        changes["accessibility"] = _accessibility(patch)
    if "is_active" in given:
        changes["is_active"] = patch.is_active
    replaced: tuple[str | None, ...] = ()
    if "image" in given:  # checked and written before anything changes
        from passculture.services.partners import images

        replaced = (offer.image_key, offer.thumb_key)
        changes.update(images.store(offer, patch.image))
    try:
        if "id_at_provider" in given and patch.id_at_provider != offer.id_at_provider:
            move_id_at_provider(offer, patch.id_at_provider)
        if changes:
            from passculture.services.catalogue.offers import change_offer

            change_offer(offer, changes)
    except Exception:
        if replaced:
            from passculture.services.partners import images

            images.remove(changes["image_key"], changes["thumb_key"])
        raise
    if replaced:
        from passculture.services.partners import images

        images.remove(*replaced)
    return offer


def move_id_at_provider(offer: Offer, new: str | None) -> None:
    """The offer's ``idAtProvider`` changes: its old guard released and the new one taken, with the offer, at once."""
    old = offer.id_at_provider
    tx = Transaction()
    if old is not None:
        tx.delete("old", Unique(at_provider_key(offer.venue_id, old)), condition=Unique.target == offer.id)
    if new is not None:
        guard = Unique(at_provider_key(offer.venue_id, new), target=offer.id, created_at=utcnow())
        tx.save("new", guard, condition=Unique.key.does_not_exist())
    action = Offer.id_at_provider.set(new) if new is not None else Offer.id_at_provider.remove()
    same = Offer.id_at_provider == old if old is not None else Offer.id_at_provider.does_not_exist()
    tx.update("offer", offer, actions=[action], condition=same)
    try:
        failed = tx.commit()
    except TransactionConflict:
        failed = {"offer": "conflict"}
    if "new" in failed:
        raise taken(new or "")
    if failed:
        raise Conflict("The offer is changing right now; try again", field="idAtProvider")
    offer.id_at_provider = new


def update_event(credentials: Credentials, event_id: str, patch: Any, source_ip: str) -> PartnerOffer:
    """``PATCH /public/offers/v1/events/{event_id}``: the fields sent; ``category`` and ``hasTicket`` stay."""
    from passculture.schemas.partner_events import NOT_NULL

    call = _open("v1-event", credentials, "", source_ip)
    offer = own_offer(call, event_id, event=True, field="event_id", message=EVENT_NOT_FOUND)
    refuse_nulls(patch, NOT_NULL)
    given = patch.model_fields_set
    if "has_ticket" in given and bool(patch.has_ticket) != bool(offer.has_ticket):
        raise InvalidInput({"hasTicket": ["hasTicket cannot be changed"]})
    changes: dict[str, Any] = {}
    if "booking_allowed_datetime" in given:  # its dates follow (copies.py), in the offer's refresh
        changes["booking_opens_at"] = booking_opens_at(patch.booking_allowed_datetime)
    if "event_duration" in given:
        changes["duration_minutes"] = patch.event_duration
    if "enable_double_bookings" in given:
        changes["is_duo"] = bool(patch.enable_double_bookings)
    if "publication_datetime" in given:
        changes["publish_at"] = publish_at(patch.publication_datetime)
        if "is_active" not in given:
            changes["is_active"] = patch.publication_datetime is not None
    edit(call, offer, patch, changes)
    return view(offer)
