"""A structure the team rejects or deletes is not bookable, even when the refresh of its offers fails."""

from __future__ import annotations

import pytest

from passculture.errors import NotFound
from passculture.models.offerers import Offerer
from passculture.models.offers import Offer
from passculture.models.stocks import Stock
from passculture.models.wallets import Wallet
from passculture.services.accounts.admin import set_offerer_status
from passculture.services.accounts.auth import load_principal
from passculture.services.booking.bookings import book
from tests.factories import make_offer, make_offerer, make_stock, make_team_user, make_venue, make_young, publish


class RefreshDown(RuntimeError):
    pass


@pytest.fixture
def refresh_fails(monkeypatch):
    """The offers' refresh never runs: starting its job raises, as when the invoke is throttled."""

    def down(kind, args):
        raise RefreshDown(kind)

    monkeypatch.setattr("passculture.services.jobs.start_job", down)


@pytest.fixture
def scene(aws):
    offerer = make_offerer(status="validated")
    offer = make_offer(make_venue(offerer))
    stock = make_stock(offer, price_cents=1500)
    publish(offer)
    return offerer, offer, stock


@pytest.mark.parametrize("status", ["rejected", "deleted"])
def test_a_structure_set_aside_is_not_bookable_when_its_refresh_fails(scene, refresh_fails, status):
    offerer, offer, stock = scene
    young = make_young()
    with pytest.raises(RefreshDown):
        set_offerer_status(offerer.siren, status, None, make_team_user().id)
    assert Offerer.get(offerer.siren).status == status
    assert Offer.get(offer.id).status == "published"  # the refresh never ran: the offer still looks bookable
    with pytest.raises(NotFound) as refused:
        book(load_principal(young.id), stock.id, 1)
    assert refused.value.errors == {"stockId": ["No such stock"]}
    assert Stock.get(stock.id).booked == 0
    assert Wallet.get(young.id, "national").balance_cents == 50_000


@pytest.mark.parametrize("status", ["pending", "rejected", "deleted"])
def test_only_a_validated_structure_is_bookable(scene, status):
    offerer, _, stock = scene
    young = make_young()
    Offerer(offerer.siren).update(actions=[Offerer.status.set(status)])
    with pytest.raises(NotFound):
        book(load_principal(young.id), stock.id, 1)
    Offerer(offerer.siren).update(actions=[Offerer.status.set("validated")])
    assert book(load_principal(young.id), stock.id, 1).created


def test_a_structure_that_is_gone_is_not_bookable(scene):
    offerer, _, stock = scene
    Offerer(offerer.siren).delete()
    with pytest.raises(NotFound):
        book(load_principal(make_young().id), stock.id, 1)


def test_the_structure_refusal_comes_before_the_stock_ones(scene):
    # A sold-out date of a rejected structure is "no such stock", as for an unpublished offer.
    offerer, offer, _ = scene
    sold_out = make_stock(offer, quantity=1, booked=1)
    Offerer(offerer.siren).update(actions=[Offerer.status.set("rejected")])
    with pytest.raises(NotFound):
        book(load_principal(make_young().id), sold_out.id, 1)
