"""``adapters.aws``: one client per service per container, made once even when a prefetch and a use race."""

from __future__ import annotations

import threading

import pytest

from passculture.adapters import aws as clients


def _prefetches() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("prefetch-")]


def test_a_prefetched_client_is_the_one_the_first_use_gets(aws, monkeypatch):
    made = []
    real = clients._make_client
    monkeypatch.setattr(clients, "_make_client", lambda service: made.append(service) or real(service))
    clients.forget()
    clients.prefetch("sesv2")
    used = clients.client("sesv2")  # waits for the prefetch if it is still making it: never a second client
    for thread in _prefetches():
        thread.join(5)
    assert made == ["sesv2"] and clients.client("sesv2") is used
    clients.prefetch("sesv2")  # made: nothing starts
    assert not _prefetches() and made == ["sesv2"]


def test_a_prefetch_that_fails_leaves_the_error_to_the_first_use(aws, monkeypatch):
    def broken(service):
        raise RuntimeError(f"no {service} today")

    clients.forget()
    monkeypatch.setattr(clients, "_make_client", broken)
    clients.prefetch("sesv2")
    for thread in _prefetches():
        thread.join(5)
    with pytest.raises(RuntimeError, match="no sesv2 today"):
        clients.client("sesv2")  # made again by the first use, which raises
