"""What lets an import's CPU run beside its writes: the cyclic collector held back, batches written by one thread.

- ``collector_held()``: an import allocates hundreds of thousands of small,
  acyclic objects (pynamodb attributes, dicts); each young collection would
  scan them, and every full one the whole heap, again and again. The objects
  alive before are frozen (never scanned during the import) and the young
  generation's threshold is raised, both restored at the end.
- ``BatchWriter``: each group of items handed over is written, in the order
  given, by one background thread (a few groups queued at most), so on real
  DynamoDB the network wait overlaps the parse and the mapping. The thread runs
  in a copy of the caller's context (the request's or job's deadline holds). The
  first failure stops every later group and is raised at the next hand-over or
  ``wait()``.
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
QUEUED_GROUPS = 4  # groups waiting for the writer thread before a hand-over waits: bounds the memory held

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
    """Runs ``write(group)`` for each group handed over, in order, on one background thread."""

    def __init__(self, write: Callable[[Any], None]) -> None:
        self._write = write
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUED_GROUPS)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def hand_over(self, group: Any) -> None:
        self._raise_failure()
        if self._thread is None:
            context = contextvars.copy_context()
            self._thread = threading.Thread(target=context.run, args=(self._run,), name="import-writer", daemon=True)
            self._thread.start()
        self._queue.put(group)

    def wait(self) -> None:
        """Returns once every group handed over is written; raises the writer's failure, if any."""
        if self._thread is not None:
            self._queue.join()
        self._raise_failure()

    def close(self) -> None:
        """Stops the thread (after the groups already handed over); safe to call twice."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    def _raise_failure(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        failed = False
        while True:
            group = self._queue.get()
            try:
                if group is _STOP:
                    return
                if not failed:  # after a failure nothing more is written: a later group may need the failed one
                    self._write(group)
            except BaseException as exc:  # handed to the caller, raised in its thread
                failed, self._error = True, exc
            finally:
                self._queue.task_done()
