"""Kernels: whether the compiled (numba) kernels a command runs are cached for this machine yet.

numba compiles a kernel the first time a process calls it and caches the machine code next to
its module (``__pycache__``; under ``NUMBA_CACHE_DIR`` when that is set), keyed by the source
file and this CPU. A fresh install compiles them on its first scan: a minute or more on two
cores with nothing to show, which looks like a hang, so the CLI says so first. The check reads
numba's own cache index (no compiling, well under a millisecond a kernel). Nothing here runs a
kernel or decides anything about articles.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from provenance import candidates, fast_shingle, segments


def _kernels(work: str) -> tuple[Any, ...]:
    """Kernels that every run of ``work`` compiles: a scan (audits and compares are scans) shingles
    and buckets its windows; an index build shingles and sorts its band keys. (Verification's
    kernels are left out: a corpus without candidate pairs never compiles them.)"""
    return {"scan": (fast_shingle._scan, candidates._stored_buckets),
            "index": (fast_shingle._scan, segments._sort_bands)}[work]


def ready(work: str) -> bool:
    """Whether ``work`` ("scan" or "index") will find its kernels compiled already (``cached``)."""
    return cached(_kernels(work))


def cached(kernels: Iterable[Any]) -> bool:
    """Whether every one of ``kernels`` (numba dispatchers made with ``cache=True``) has machine code
    cached for this CPU and its module's current source.

    True too when numba's cache cannot be read this way (another numba version's internals): the
    answer only decides whether to warn that compiling will take a while, and a warning that
    may be wrong is worse than none.
    """
    for kernel in kernels:
        try:
            cpu = kernel.targetctx.codegen().magic_tuple()
            # numba's own reading of the index: empty when the file is missing or its source changed.
            entries = kernel._cache._cache_file._load_index()
        except Exception:
            return True
        if not any(key[1] == cpu for key in entries):
            return False
    return True
