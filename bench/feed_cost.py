"""The feed's cost where it grows: Queries and items read per page, by radius and latitude.

Offers are scattered around Paris, Cayenne and a point at 70 degrees north, the
same way around each so places compare (``DENSITY``: a dense centre for the
small radii, then sparser out to beyond the coarsest cells a 100 km feed
reads), published as the publication rule would, one place per table. Each
feed page then goes through ``services.booking.feed.feed`` on in-process moto,
digital offers included and with the caller's department (its highlights): the
most Queries a page can make. The Queries are counted by the botocore hook of
``bench/counting.py``; the items read are the Queries' ``ScannedCount`` (what
DynamoDB charges, before the category filter). "Within" is how many offers lie
in the circle: items read / within is what the cells read beyond the circle.
"""

from __future__ import annotations

import math
import random
import threading
from datetime import timedelta
from typing import Any, TextIO

PLACES = {"Paris": (48.8566, 2.3522), "Cayenne": (4.9224, -52.3135), "70 N": (70.0, 23.0)}
RADII_KM = (5, 20, 100)
# (disc radius km, km² per offer): the last disc reaches beyond the 70 km cells a 100 km feed reads.
DENSITY = ((10, 2), (250, 100))
SPREAD_KM = 250
GOAL_QUERIES = 20
CATEGORIES = ("LIVE_SHOW", "BOOK", "CINEMA", "MUSIC", "MUSEUM")


def destination(lat: float, lng: float, bearing_deg: float, distance_km: float) -> tuple[float, float]:
    """The point ``distance_km`` away from (lat, lng) on the great circle of ``bearing_deg``."""
    from passculture.rules.geo import EARTH_RADIUS_KM

    r = distance_km / EARTH_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(r) + math.cos(p1) * math.sin(r) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(r) * math.cos(p1), math.cos(r) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def scatter(
    center: tuple[float, float], count: int, rng: random.Random, spread_km: float = SPREAD_KM
) -> list[tuple[float, float]]:
    """``count`` points uniform in the disc of ``spread_km`` around ``center``."""
    return [destination(*center, rng.uniform(0, 360), spread_km * math.sqrt(rng.random())) for _ in range(count)]


def publish_offers(points: list[tuple[float, float]], department: str) -> None:
    """One published offer per point, with one future free date, its cells set by the publication rule."""
    from passculture.models.base import new_id, utcnow
    from passculture.models.offers import Offer
    from passculture.models.stocks import Stock
    from passculture.services.catalogue.publication import feed_cells

    now = utcnow()
    date = now + timedelta(days=7)
    with Offer.batch_write() as batch:
        for i, (lat, lng) in enumerate(points):
            offer = Offer(
                new_id(),
                venue_id="bench-venue",
                siren="000000000",
                department_code=department,
                name=f"Offre {i}",
                category=CATEGORIES[i % len(CATEGORIES)],
                hook="Immanquable" if i % 7 == 0 else None,
                status="published",
                latitude=lat,
                longitude=lng,
                next_dates=[date],
                min_price_cents=0,
                created_at=now,
            )
            stock = Stock(new_id(), offer_id=offer.id, begins_key=date.isoformat(), begins_at=date, created_at=now)
            for name, cell in feed_cells(offer, "published", [stock], now).items():
                setattr(offer, f"feed_cell_{name}", cell)
            batch.save(offer)


class ItemsRead:
    """Sums the ``ScannedCount`` of every DynamoDB Query answered while it is installed."""

    def __init__(self) -> None:
        self.items = 0
        self._lock = threading.Lock()

    def __call__(self, parsed: Any = None, **_: Any) -> None:
        if isinstance(parsed, dict):
            with self._lock:
                self.items += int(parsed.get("ScannedCount", 0))


def run_feed_cost() -> dict[str, Any]:
    from bench.counting import count_dynamodb_calls
    from bench.dynamo import local_aws
    from passculture.models.offers import Offer
    from passculture.rules.geo import feed_covering, haversine_km
    from passculture.services.booking.feed import CELL_BUDGET, feed

    rng = random.Random(14)
    rows = []
    for name, (lat, lng) in PLACES.items():
        points = [p for km, per in DENSITY for p in scatter((lat, lng), round(math.pi * km**2 / per), rng, km)]
        with local_aws():  # a table per place: moto's writes and Queries slow down with the table's size
            publish_offers(points, "75")
            events = Offer._get_connection().connection.client.meta.events
            for radius in RADII_KM:
                level, cells = feed_covering(lat, lng, radius, CELL_BUDGET)
                within = sum(haversine_km(lat, lng, *p) <= radius for p in points)
                read = ItemsRead()
                events.register("after-call.dynamodb.Query", read)
                try:
                    with count_dynamodb_calls() as calls:
                        items, _ = feed(
                            latitude=lat,
                            longitude=lng,
                            radius_km=radius,
                            category=None,
                            include_digital=True,
                            department="75",
                            limit=20,
                            cursor=None,
                        )
                finally:
                    events.unregister("after-call.dynamodb.Query", read)
                rows.append(
                    {
                        "place": name,
                        "radius_km": radius,
                        "level": level.name,
                        "cells": len(cells),
                        "queries": calls["Query"],
                        "items_read": read.items,
                        "within": within,
                        "page_items": len(items),
                    }
                )
    return {
        "goal_queries": GOAL_QUERIES,
        "density": [{"within_km": km, "km2_per_offer": per} for km, per in DENSITY],
        "offers_per_place": sum(round(math.pi * km**2 / per) for km, per in DENSITY),
        "rows": rows,
    }


def print_feed_cost(figures: dict[str, Any], out: TextIO) -> None:
    density = ", then ".join(f"one per {d['km2_per_offer']} km² within {d['within_km']} km" for d in figures["density"])
    print(
        f"Feed cost per page (20 items, digital included, the department's highlights), "
        f"goal <= {figures['goal_queries']} Queries; offers: {density} ({figures['offers_per_place']} per place)",
        file=out,
    )
    header = f"  {'place':<10}{'radius':>7}  {'cells of':<9}{'cells':>6}{'Queries':>9}{'goal':>6}"
    header += f"{'items read':>12}{'within':>8}{'read/within':>13}"
    print(header, file=out)
    print("  " + "-" * (len(header) - 2), file=out)
    for r in figures["rows"]:
        ratio = f"{r['items_read'] / r['within']:.1f}" if r["within"] else "-"
        flag = "" if r["queries"] <= figures["goal_queries"] else "  <-- over the goal"
        print(
            f"  {r['place']:<10}{r['radius_km']:>4} km  {r['level']:<9}{r['cells']:>6}{r['queries']:>9}"
            f"{'<= ' + str(figures['goal_queries']):>6}{r['items_read']:>12}{r['within']:>8}{ratio:>13}{flag}",
            file=out,
        )
    print("  (Queries = cells + the digital offers' cell + the highlights; items read = ScannedCount)", file=out)
