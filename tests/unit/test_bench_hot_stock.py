"""The hot-date simulation's invariants: it never sells a place twice, and its figures can be trusted to compare."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bench.hot_stock import MAX_ATTEMPTS, shares, simulate


@pytest.mark.parametrize("k", [1, 3, 4, 16, 64])
def test_duos_never_take_more_than_the_stock_or_a_shard_its_share(k):
    # An odd quantity over uneven shares: the last duos must take a place from two shards.
    result = simulate(k, places=999, clients=300, wanted=2, seed=k)
    assert result.oversold == 0
    assert all(sold <= share for sold, share in zip(result.shard_sold, result.shard_shares, strict=True))
    assert sum(result.shard_sold) == result.sold
    # Only the one place a duo cannot use is left, and every client was told the date is sold out.
    assert result.sold == 998
    assert result.sold_out_s is None
    assert result.sold_out_answers == 300


@pytest.mark.parametrize("k", [1, 4, 16, 64])
def test_a_crowd_sells_every_place_exactly_once(k):
    result = simulate(k, places=2_000, clients=1_000, seed=3)
    assert result.sold == result.bookings == 2_000
    assert result.sold_out_s is not None
    assert result.oversold == 0
    assert result.shard_sold == shares(2_000, k)


def test_one_duo_each_books_every_client():
    result = simulate(16, places=1_000, clients=500, wanted=2, once=True, seed=5)
    assert (result.sold, result.bookings) == (1_000, 500)


def test_the_same_seed_gives_the_same_sale_and_another_seed_another():
    first = simulate(16, places=1_000, clients=500, seed=7).as_dict()
    assert simulate(16, places=1_000, clients=500, seed=7).as_dict() == first
    assert simulate(16, places=1_000, clients=500, seed=8).as_dict() != first


def test_more_shards_never_sell_out_slower_beyond_noise():
    times = [simulate(k, places=2_000, clients=1_000, seed=11).sold_out_s for k in (1, 4, 16, 64)]
    for fewer, more in pairwise(times):
        assert more <= fewer * 1.1, times
    assert times[-1] * 10 <= times[0], times


def test_one_hot_item_conflicts_and_no_request_commits_more_than_the_service_allows():
    result = simulate(1, places=1_000, clients=1_000, seed=2)
    assert result.conflicts > result.bookings  # one transaction at a time: the crowd mostly collides
    assert result.gave_ups > 0
    assert result.transactions <= result.taps * MAX_ATTEMPTS


def test_the_model_retries_as_the_booking_service_does():
    from passculture.services.booking import bookings

    assert bookings.MAX_ATTEMPTS == MAX_ATTEMPTS


def test_a_sharded_request_reads_no_shard_before_it_commits():
    # Shards are read only after refusals: far fewer reads than requests while places are plenty.
    result = simulate(64, places=2_000, clients=500, seed=13)
    assert result.oversold == 0 and result.sold == 2_000
    assert result.reads < result.taps / 4
    assert result.peak_stock_rcu_per_s > 0  # every request still reads the stock item


def test_the_model_chooses_shards_as_the_booking_service_does():
    from bench.hot_stock import REFUSALS_BEFORE_READ
    from passculture.services.booking import places

    assert places.REFUSALS_BEFORE_READ == REFUSALS_BEFORE_READ
