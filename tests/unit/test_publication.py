"""The publication rule: status and app visibility, before and after validation, and in the free-only phase."""

from __future__ import annotations

from datetime import timedelta

import pytest

from passculture.config import get_settings
from passculture.models.base import utcnow
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.rules.geo import FEED_LEVELS
from passculture.services.catalogue.publication import refresh_offer
from passculture.services.jobs import start_job
from tests.factories import (
    NOWHERE,
    cells_at,
    feed_cells_of,
    make_offer,
    make_offerer,
    make_stock,
    make_venue,
    put_in_feed,
)


@pytest.fixture
def free_offers_only(monkeypatch):
    monkeypatch.setenv("FREE_OFFERS_ONLY", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("FREE_OFFERS_ONLY")
    get_settings.cache_clear()


def fresh(offer):
    return Offer.get(offer.id, consistent_read=True)


def set_status(offerer, status):
    offerer.update(actions=[Offerer.status.set(status)])


def test_offers_of_a_structure_waiting_for_validation_are_pending_and_not_in_the_app(aws):
    offerer = make_offerer(status="pending")
    offer = make_offer(make_venue(offerer), status="draft")
    make_stock(offer, price_cents=0)
    refresh_offer(offer)
    assert (fresh(offer).status, fresh(offer).in_feed) == ("pending", False)


def test_validating_the_structure_publishes_its_offers_without_any_action(aws):
    offerer = make_offerer(status="pending")
    venue = make_venue(offerer, geohash="u09tvny1w")
    with_dates, without = make_offer(venue, status="pending"), make_offer(venue, status="pending")
    make_stock(with_dates)
    set_status(offerer, "validated")
    start_job("offerer-offers", {"siren": offerer.siren})  # what the team's validation starts; run at once here
    assert (fresh(with_dates).status, feed_cells_of(fresh(with_dates))) == ("published", cells_at(48.8606, 2.3376))
    assert (fresh(without).status, fresh(without).in_feed) == ("draft", False)


def test_rejecting_or_deleting_a_structure_takes_its_offers_out(aws):
    offerer = make_offerer(status="validated")
    offer = make_offer(make_venue(offerer))
    make_stock(offer)
    refresh_offer(offer)
    assert fresh(offer).in_feed
    set_status(offerer, "deleted")
    start_job("offerer-offers", {"siren": offerer.siren})
    assert (fresh(offer).status, feed_cells_of(fresh(offer))) == ("inactive", NOWHERE)


def test_a_digital_offer_sits_in_the_digital_cell(aws):
    offerer = make_offerer()
    offer = make_offer(make_venue(offerer, virtual=True), category="PRESS", url="https://example.org")
    make_stock(offer, event=False)
    refresh_offer(offer)
    assert feed_cells_of(fresh(offer)) == {**NOWHERE, FEED_LEVELS[-1].name: "digital"}


def test_an_offer_whose_dates_are_past_or_closed_is_published_but_not_in_the_app(aws):
    offer = make_offer(make_venue(make_offerer()))
    make_stock(offer, begins_at=utcnow() - timedelta(hours=1))
    make_stock(offer, booking_limit_at=utcnow() - timedelta(minutes=1))
    make_stock(offer, quantity=2, booked=2)
    refresh_offer(offer)
    assert (fresh(offer).status, feed_cells_of(fresh(offer))) == ("published", NOWHERE)


def test_a_deactivated_offer_is_inactive(aws):
    offer = make_offer(make_venue(make_offerer()))
    make_stock(offer)
    offer.is_active = False
    refresh_offer(offer, actions=[Offer.is_active.set(False)])
    stored = fresh(offer)
    assert (stored.is_active, stored.status, stored.in_feed) == (False, "inactive", False)


def test_the_free_only_phase_keeps_priced_offers_out_of_the_app(aws, free_offers_only):
    venue = make_venue(make_offerer())
    priced, free, mixed = make_offer(venue), make_offer(venue), make_offer(venue)
    make_stock(priced, price_cents=1500)
    make_stock(free, price_cents=0)
    make_stock(mixed, price_cents=1500)
    make_stock(mixed, price_cents=0)
    for offer in (priced, free, mixed):
        refresh_offer(offer)
    assert fresh(priced).status == "published" and not fresh(priced).in_feed
    assert fresh(free).in_feed
    assert fresh(mixed).in_feed


def test_priced_offers_come_in_when_the_free_only_phase_ends(aws, monkeypatch):
    offer = make_offer(make_venue(make_offerer()))
    make_stock(offer, price_cents=1500)
    monkeypatch.setenv("FREE_OFFERS_ONLY", "1")
    get_settings.cache_clear()
    try:
        refresh_offer(offer)
        assert not fresh(offer).in_feed
    finally:
        monkeypatch.delenv("FREE_OFFERS_ONLY")
        get_settings.cache_clear()
    refresh_offer(offer)
    assert fresh(offer).in_feed


def test_a_structure_that_no_longer_exists_counts_as_deleted(aws):
    offerer = make_offerer()
    offer = make_offer(make_venue(offerer))
    make_stock(offer)
    offerer.delete()
    refresh_offer(offer)
    assert fresh(offer).status == "inactive"


def run_schedule():
    from infra.catalog import load_handler
    from infra.events import LambdaContext, schedule_event

    return load_handler("offers")(schedule_event(), LambdaContext("offers"))


def test_the_schedule_takes_out_offers_whose_last_date_has_passed(aws):
    from passculture.models.stocks import Stock

    offer = make_offer(make_venue(make_offerer()))
    stock = make_stock(offer)
    refresh_offer(offer)
    assert fresh(offer).in_feed
    stock.update(actions=[Stock.begins_at.set(utcnow() - timedelta(minutes=5))])
    assert run_schedule()["done"] is True
    assert not fresh(offer).in_feed


def test_the_schedule_applies_a_switch_to_the_free_only_phase(aws, free_offers_only):
    venue = make_venue(make_offerer())
    priced, free = make_offer(venue), make_offer(venue)
    make_stock(priced, price_cents=1500)
    make_stock(free, price_cents=0)
    put_in_feed(priced)  # published before the phase began
    run_schedule()
    assert feed_cells_of(fresh(priced)) == NOWHERE
    assert fresh(free).in_feed
