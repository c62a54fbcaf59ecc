"""Fixtures of the concurrency tests: a real moto server that threads can race against."""

from __future__ import annotations

import pytest

from tests.concurrency.twin import MotoTwin


@pytest.fixture(scope="module")
def moto_server():
    """moto's server on a free 127.0.0.1 port with every table; AWS_ENDPOINT_URL points at it.

    One per module (starting it and creating the tables takes seconds); tests
    share it and build their own users, offers and stocks.
    """
    twin = MotoTwin().start()
    try:
        yield twin
    finally:
        twin.stop()
