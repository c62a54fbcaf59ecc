"""What lets an import's CPU run beside its writes: the cyclic collector held back, batches written by one thread.

- ``collector_held()``: an import allocates hundreds of thousands of small,
  acyclic objects (pynamodb attributes, dicts); each young collection would
  scan them, and every full one the whole heap, again and again. The objects
  alive before are frozen (never scanned during the import) and the young
  generation's threshold is raised, both restored at the end.
- ``BatchWriter``: each group of items handed over is written by one of a few
  background threads (``WRITER_THREADS``; botocore's clients are thread-safe),
  groups taken in the order given, several in flight at once (a few more queued
  at most), so the network waits of several batches overlap each other and the
  mapping of the next events. A group is written whole by one thread, in its
  own order (an event's dates before its offer). The threads run in a copy of
  the caller's context (the request's or job's deadline holds). After the first
  failure no group is started (those already in flight finish: each stands
  alone), and the failure is raised at the next hand-over or ``wait()``.
"""

from __future__ import annotations

import contextvars
import gc
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

YOUNG_THRESHOLD = 50_000  # gen-0 allocations between collections during an import (CPython's default: 700)
QUEUED_GROUPS = 4  # groups waiting for a writer thread before a hand-over waits: bounds the memory held
WRITER_THREADS = 4  # groups written at once: 4 BatchWriteItem in flight (the client's pool holds 10 connections)

_held = 0
_held_lock = threading.Lock()
_saved_thresholds: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def collector_held() -> Iterator[None]:
    """Inside the block the collector scans neither what existed before nor every 700 allocations (re-entrant)."""
    global _held, _saved_thresholds
    with _held_lock:
        if _held == 0:
            _saved_thresholds = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(_saved_thresholds[0], YOUNG_THRESHOLD), *_saved_thresholds[1:])
        _held += 1
    try:
        yield
    finally:
        with _held_lock:
            _held -= 1
            if _held == 0:
                gc.set_threshold(*_saved_thresholds)
                gc.unfreeze()


_STOP = object()


class BatchWriter:
    """Runs ``write(group)`` for each group handed over, taken in order, on ``threads`` background threads."""

    def __init__(self, write: Callable[[Any], None], threads: int = WRITER_THREADS) -> None:
        self._write = write
        self._threads_wanted = max(1, threads)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUED_GROUPS)
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None
        self._failed = threading.Event()  # set at the first failure: no group is started after it
        self._lock = threading.Lock()

    def hand_over(self, group: Any) -> None:
        self._raise_failure()
        if not self._threads:
            context = contextvars.copy_context()
            for n in range(self._threads_wanted):
                # Each thread in its own copy of the caller's context (one Context cannot be entered twice at once).
                thread = threading.Thread(
                    target=context.copy().run, args=(self._run,), name=f"import-writer-{n}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        self._queue.put(group)

    def wait(self) -> None:
        """Returns once every group handed over is written (or skipped after a failure); raises the failure."""
        if self._threads:
            self._queue.join()
        self._raise_failure()

    def close(self) -> None:
        """Stops the threads (after the groups already handed over); safe to call twice."""
        for _ in self._threads:
            self._queue.put(_STOP)
        for thread in self._threads:
            thread.join()
        self._threads = []

    def _raise_failure(self) -> None:
        with self._lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    def _run(self) -> None:
        while True:
            group = self._queue.get()
            try:
                if group is _STOP:
                    return
                if not self._failed.is_set():  # after a failure nothing more is started
                    self._write(group)
            except BaseException as exc:  # handed to the caller, raised in its thread
                with self._lock:
                    if not self._failed.is_set():
                        self._failed.set()
                        self._error = exc
            finally:
                self._queue.task_done()
