"""Builders for test data, written straight to the tables (no HTTP, no business rules).

Use them to set the scene; exercise the rule under test through its service or route.
``auth(user)`` gives the headers of a signed-in user.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from typing import Any

from passculture.models.base import new_id, utcnow

PASSWORD = "Correct-horse-42"
_counter = itertools.count(1)


def auth(user: Any) -> dict[str, str]:
    from passculture.services.accounts.auth import issue_access_token

    token, _ = issue_access_token(user.id)
    return {"Authorization": f"Bearer {token}"}


def luhn_complete(digits: str) -> str:
    """``digits`` plus the check digit that makes the whole Luhn-valid."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


def random_siren() -> str:
    while True:
        siren = luhn_complete(f"{random.randrange(10**7, 10**8):08d}")
        if siren != "356000000":
            return siren


def make_user(roles: set[str] | None = None, *, email: str | None = None, confirmed: bool = True, **fields: Any) -> Any:
    from passculture.services.accounts.users import create_user

    n = next(_counter)
    return create_user(
        email or f"user{n}-{new_id()[:8]}@example.org",
        PASSWORD,
        roles if roles is not None else {"pro"},
        email_confirmed_at=utcnow() if confirmed else None,
        **fields,
    )


def make_team_user() -> Any:
    return make_user({"team"})


def make_young(
    *, birth: str | None = None, department: str = "75", credit_cents: int | None = 50_000, **fields: Any
) -> Any:
    """A confirmed young user of 18 with (by default) the national credit in their wallet."""
    from passculture.models.wallets import NATIONAL_CREDIT_ID, Wallet

    born = birth or (utcnow() - timedelta(days=18 * 365 + 30)).date().isoformat()
    fields.setdefault("public_name", f"Jeune{next(_counter)}")
    user = make_user({"young"}, date_of_birth=born, department_code=department, **fields)
    if credit_cents is not None:
        Wallet(
            user.id,
            NATIONAL_CREDIT_ID,
            label="Pass Culture",
            kind="national",
            initial_cents=credit_cents,
            balance_cents=credit_cents,
            physical_cap_cents=20_000,
            digital_cap_cents=20_000,
            granted_at=utcnow(),
        ).save()
    return user


def make_offerer(*, status: str = "validated", siren: str | None = None, **fields: Any) -> Any:
    from passculture.models.offerers import Offerer

    fields.setdefault("name", f"Structure {next(_counter)}")
    offerer = Offerer(siren or random_siren(), status=status, created_at=utcnow(), **fields)
    offerer.save()
    return offerer


def make_member(offerer: Any, user: Any = None, *, role: str = "admin", status: str = "validated") -> Any:
    """``user`` (a new pro by default) as a member of ``offerer``; returns the user."""
    from passculture.models.memberships import Membership

    user = user or make_user({"pro"})
    Membership(user.id, offerer.siren, role=role, status=status, created_at=utcnow()).save()
    return user


def make_venue(offerer: Any, *, virtual: bool = False, **fields: Any) -> Any:
    from passculture.models.venues import Venue

    values: dict[str, Any] = {
        "name": f"Lieu {next(_counter)}",
        "address": "1 place du Théâtre",
        "postal_code": "75001",
        "city": "Paris",
        "department_code": "75",
        "latitude": 48.8606,
        "longitude": 2.3376,
        "geohash": "u09tvw0f6",
        "booking_email": f"billetterie{next(_counter)}@example.org",
    }
    if virtual:
        values.update(name="Offre numérique", address=None, postal_code=None, city=None, latitude=None, longitude=None)
        values.update(geohash=None)
    values.update(fields)
    venue = Venue(new_id(), siren=offerer.siren, is_virtual=virtual, created_at=utcnow(), **values)
    venue.save()
    return venue


def make_agenda_link(venue: Any, url: str = "https://agenda.example.org/a.ics", **fields: Any) -> Any:
    """An ``ics`` agenda link of ``venue`` as a created one is (status ``ok``, on the schedule); fields override."""
    from passculture.models.agenda_links import AgendaLink

    values: dict[str, Any] = {
        "siren": venue.siren,
        "provider": "ics",
        "url": url,
        "feed_key": f"ics:{url}",
        "default_price_cents": 0,
        "default_quantity": None,
        "default_category": "LIVE_SHOW",
        "status": "ok",
        "schedule": "active",
        "created_at": utcnow(),
    }
    values.update(fields)
    link = AgendaLink(venue.id, new_id(), **values)
    link.save()
    return link


def make_offer(venue: Any, *, category: str = "LIVE_SHOW", status: str = "published", **fields: Any) -> Any:
    from passculture.models.offers import Offer

    fields.setdefault("name", f"Offre {next(_counter)}")
    offer = Offer(
        new_id(),
        venue_id=venue.id,
        siren=venue.siren,
        department_code=venue.department_code,
        category=category,
        status=status,
        is_digital=bool(venue.is_virtual),
        latitude=venue.latitude,
        longitude=venue.longitude,
        geohash=venue.geohash,
        created_at=utcnow(),
        **fields,
    )
    offer.save()
    return offer


def make_stock(
    offer: Any,
    *,
    begins_at: datetime | None = None,
    price_cents: int = 1000,
    quantity: int | None = 10,
    booked: int = 0,
    booking_limit_at: datetime | None = None,
    event: bool = True,
    copied: bool = False,
    **fields: Any,
) -> Any:
    """A stock; ``copied``: as the API makes one (an id naming its structure, copies of its offer and venue),
    else as stocks were made before those (a bare uuid, no copies: the booking reads the offer and venue)."""
    from passculture.models.stocks import Stock

    if event and begins_at is None:
        begins_at = utcnow() + timedelta(days=10)
    stock_id = new_id()
    if copied:
        from passculture.services.stock_ids import new_stock_id

        stock_id = new_stock_id(offer.siren)
    stock = Stock(
        stock_id,
        offer_id=offer.id,
        begins_key=begins_at.isoformat() if begins_at else "thing",
        begins_at=begins_at,
        price_cents=price_cents,
        quantity=quantity,
        booked=booked,
        booking_limit_at=booking_limit_at,
        created_at=utcnow(),
        **fields,
    )
    if copied:
        from passculture.models.venues import Venue
        from passculture.services.booking.copies import expected_status, stamp

        stamp(stock, offer, Venue.get(offer.venue_id), expected_status(offer))
    stock.save()
    if stock.shard_count > 1:  # a big stock's places, spread over its shards (none booked)
        from passculture.services.booking.places import new_shards

        for shard in new_shards(stock):
            shard.save()
    return stock


def make_booking(
    stock: Any, offer: Any, venue: Any, user: Any, *, status: str = "booked", token: str | None = None, **fields: Any
) -> Any:
    """A booking item as the booking transaction would leave it (without touching stock or wallet)."""
    from passculture.models.bookings import Booking

    fields.setdefault("quantity", 1)
    booking = Booking(
        token or "".join(random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(6)),
        user_id=user.id,
        stock_id=stock.id,
        offer_id=offer.id,
        venue_id=venue.id,
        siren=offer.siren,
        amount_cents=stock.price_cents * fields["quantity"],
        status=status,
        offer_name=offer.name,
        offer_category=offer.category,
        begins_at=stock.begins_at,
        user_email=user.email,
        user_public_name=user.public_name,
        **{"created_at": utcnow(), **fields},
    )
    booking.save()
    return booking


def publish(offer: Any) -> Any:
    """Runs the publication rule on ``offer`` (feed cell, next dates, lowest price), as the offers work does."""
    from passculture.services.catalogue.publication import refresh_offer

    return refresh_offer(offer)


# An offer outside the feed: no cell at any level (the grid's levels: rules.geo.FEED_LEVELS).
NOWHERE = {"5km": None, "20km": None, "70km": None}


def feed_cells_of(offer: Any) -> dict[str, str | None]:
    """The offer's stored cell at each level of the feed's grid, by level name."""
    from passculture.rules.geo import FEED_LEVELS

    return {level.name: getattr(offer, f"feed_cell_{level.name}") for level in FEED_LEVELS}


def cells_at(latitude: float, longitude: float) -> dict[str, str]:
    """The cells of a point at each level of the feed's grid, by level name."""
    from passculture.rules.geo import FEED_LEVELS

    return {level.name: level.cell_of(latitude, longitude) for level in FEED_LEVELS}


def put_in_feed(offer: Any) -> None:
    """Writes the offer's feed cells as if the publication rule had shown it earlier (a stale state)."""
    from passculture.models.offers import Offer

    cells = cells_at(float(offer.latitude), float(offer.longitude))
    Offer.get(offer.id).update(actions=[getattr(Offer, f"feed_cell_{name}").set(c) for name, c in cells.items()])


def make_local_credit(
    user: Any,
    *,
    amount_cents: int = 3_000,
    perimeter: dict | None = None,
    programme: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    label: str = "30 € de la Région",
) -> Any:
    """A labelled local credit in ``user``'s wallet, current by default."""
    from passculture.models.wallets import Wallet

    now = utcnow()
    wallet = Wallet(
        user.id,
        f"local#{programme or new_id()}",
        label=label,
        kind="local",
        department_code=user.department_code,
        initial_cents=amount_cents,
        balance_cents=amount_cents,
        perimeter=perimeter if perimeter is not None else {"categories": ["BOOK"]},
        starts_at=starts_at or now - timedelta(days=1),
        ends_at=ends_at or now + timedelta(days=365),
        granted_at=now,
    )
    wallet.save()
    return wallet


def make_api_key(offerer: Any, *, revoked: bool = False) -> tuple[str, Any]:
    """(the key as a caller presents it, the stored ApiKey) for ``offerer``."""
    from passculture.models.api_keys import ApiKey
    from passculture.services.accounts.auth import new_api_key

    key, prefix, secret_hash = new_api_key(offerer.siren)
    item = ApiKey(
        prefix,
        secret_hash=secret_hash,
        siren=offerer.siren,
        created_at=utcnow(),
        revoked_at=utcnow() if revoked else None,
    )
    item.save()
    return key, item


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def basic_auth(email: str, password: str = PASSWORD) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{password}".encode()).decode()}
