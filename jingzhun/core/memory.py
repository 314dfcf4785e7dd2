"""Keeping Python's cyclic garbage collector out of large batch work.

Planning or applying an import of 100,000 rows holds a few hundred MB of small objects alive;
every automatic collection of the oldest generation walks all of them, and the collector runs
more often the more objects are allocated, so the work grows faster than the rows: on the
100,000-row import benchmark it doubled the apply time (benchmarks/RESULTS.md). Batch steps run
with automatic collection paused and collect once at the end. Reference counting still frees
everything that is not in a cycle, so memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()
