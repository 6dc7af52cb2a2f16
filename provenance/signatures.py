"""Signatures: shingle hashes in, one MinHash signature per passage window out.

Owns the MinHash permutations and the batch kernel. The permutations are
datasketch's default ``affine32`` scheme bit for bit (same seed → same ``a``,
``b``; MurmurHash3 ``fmix32`` pre-mix; ``a*h + b mod 2**32``), so a signature
computed here equals ``datasketch.MinHash(num_perm, seed, hashfunc=...)`` fed
the same 32-bit shingle hashes. The kernel runs over flat numpy arrays in
compiled code (numba), in parallel over windows: no Python object per shingle.
"""

from __future__ import annotations

import numba
import numpy as np

EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's "no value yet" sentinel for affine32


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` uint32 permutation parameters datasketch draws for ``num_perm`` and ``seed``."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint64).astype(np.uint32)
    return a, b


def shingle_hash32(hashes: np.ndarray) -> np.ndarray:
    """The 32-bit value MinHash sees for each 64-bit shingle hash (its low half)."""
    return (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)


@numba.njit(cache=True, inline="always")
def _fmix32(h: np.uint32) -> np.uint32:
    h ^= h >> np.uint32(16)
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h ^= h >> np.uint32(13)
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    h ^= h >> np.uint32(16)
    return h


@numba.njit(cache=True, parallel=True)
def _minhash_ranges(values, ranges, a, b, out):  # pragma: no cover - compiled
    num_perm = a.shape[0]
    for w in numba.prange(ranges.shape[0]):
        row = out[w]
        for k in range(num_perm):
            row[k] = np.uint32(0xFFFFFFFF)
        for t in range(ranges[w, 0], ranges[w, 1]):
            h = _fmix32(values[t])
            for k in range(num_perm):
                v = np.uint32(a[k] * h + b[k])
                if v < row[k]:
                    row[k] = v


def sign_ranges(hashes32: np.ndarray, ranges: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures of many ranges of one flat shingle array.

    Args:
        hashes32: uint32 shingle values, all articles concatenated.
        ranges: int64 ``(n, 2)`` half-open ranges into ``hashes32`` (windows may overlap).
        num_perm: Permutations per signature.
        seed: Permutation seed.

    Returns:
        A uint32 array ``(n, num_perm)``; an empty range gives all ``EMPTY``.
    """
    a, b = permutations(num_perm, seed)
    out = np.empty((len(ranges), num_perm), dtype=np.uint32)
    if len(ranges):
        _minhash_ranges(np.ascontiguousarray(hashes32, dtype=np.uint32), np.ascontiguousarray(ranges, dtype=np.int64), a, b, out)
    return out
