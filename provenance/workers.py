"""Workers: a function run over ranges of work on forked processes, results in order.

Owns the process pool the parallel stages share (shingling's Python path, verification):
work is handed out as index ranges, never as pickled texts; what the workers read is put
in ``shared`` before the pool starts and inherited by fork; results come back in range
order, so nothing a stage makes depends on the worker count. Nothing here knows what the
work is. Also ``no_cycle_collection``, for the stages that make many objects at once.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import signal
from typing import Callable, Iterator, Optional, TypeVar

T = TypeVar("T")

# Shared with forked workers: set before a pool starts, read by the worker functions.
shared: dict[str, object] = {}


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# Chunks of work a worker is handed in turn: small ones balance the load between workers.
CHUNKS_PER_WORKER = 16


def _call(task: tuple[Callable[[int, int], T], int, int]) -> T:
    """One chunk in a pool worker: ``function(start, end)`` (``imap`` hands each task one argument)."""
    function, start, end = task
    return function(start, end)


def _told(bounds: list[tuple[int, int]], results: Iterator[T], total: int, advance: Callable[[int, int], None]) -> list[T]:
    """The chunks' ``results`` as they come (in order), telling ``advance`` of each chunk's end."""
    out: list[T] = []
    for (_, end), result in zip(bounds, results):
        out.append(result)
        advance(end, total)
    return out


def map_ranges(function: Callable[[int, int], T], total: int, workers: int,
               advance: Optional[Callable[[int, int], None]] = None) -> list[T]:
    """Run ``function(start, end)`` over ``[0, total)`` in chunks, on ``workers`` processes: the chunks' results, in order.

    ``advance(done, total)`` hears of the work done as the chunks' results come in (in order).
    """
    fork = workers > 1 and total >= 2 * workers and "fork" in multiprocessing.get_all_start_methods()
    if total == 0 or not fork and advance is None:
        return [function(0, total)]
    chunks = min(total, max(workers, 1) * CHUNKS_PER_WORKER)
    bounds = [(total * k // chunks, total * (k + 1) // chunks) for k in range(chunks)]
    if not fork:
        # In this process, a chunk at a time only so that the progress can be told.
        return _told(bounds, (function(start, end) for start, end in bounds), total, advance)  # type: ignore[arg-type]  # not None here
    # The corpus's objects are left out of the workers' garbage collections: a collection
    # writes to every object it visits, which would copy each worker its own corpus.
    gc.freeze()
    try:
        # Workers ignore Ctrl-C: the parent alone gets KeyboardInterrupt and terminates the pool on
        # its way out, so an interrupted run neither hangs nor prints a traceback per worker.
        with multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_interrupts) as pool:
            if advance is None:
                return pool.starmap(function, bounds, chunksize=1)
            return _told(bounds, pool.imap(_call, [(function, start, end) for start, end in bounds], chunksize=1), total, advance)
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while a stage makes many objects that hold no cycles.

    Each collection walks every live object it tracks, so while a scan's matches and trees are
    made (hundreds of thousands of records, none of them garbage yet) it keeps walking what was
    already made: at 100k articles, 1.3 s of the matches and trees stages.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
