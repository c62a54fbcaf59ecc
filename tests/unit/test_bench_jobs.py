"""The jobs bench measures what it says: every offer once per chain, calls per offer, the 100,000-offer arithmetic."""

from __future__ import annotations

import io
import math

from bench.jobs import TARGET_OFFERS, print_jobs, run_jobs


def test_each_chain_goes_through_every_offer_and_the_arithmetic_follows_from_the_rate():
    figures = run_jobs(offers=30)  # its own in-process moto; run_jobs checks each chain saw all 30
    validation, refresh = figures["validation"], figures["hourly_refresh"]
    # A read of the offer's stocks each, one write each when every offer changes, none when none does.
    assert refresh["calls_per_offer"]["Query"] >= 1 and "UpdateItem" not in refresh["calls_per_offer"]
    assert validation["calls_per_offer"]["UpdateItem"] == 1
    for result in (validation, refresh):
        assert result["invocations"] >= 1
        per_invocation = result["offers_per_s"] * figures["working_seconds_per_invocation"]
        assert abs(result["offers_per_invocation"] - per_invocation) <= 1 + per_invocation * 0.01
        # (from the unrounded rate: one invocation more or less than from the printed one)
        assert abs(result["target_invocations"] - math.ceil(TARGET_OFFERS / per_invocation)) <= 1
    out = io.StringIO()
    print_jobs(figures, out)
    assert "100,000 offers:" in out.getvalue()
