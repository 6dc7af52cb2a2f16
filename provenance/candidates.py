"""Candidates: passage signatures in, article pairs worth verifying out (LSH banding).

Owns the band keys (``rows`` signature values hashed into one uint64 per band)
and the sort-based bucketing: per band, sort the keys, and every run of equal
keys is a bucket whose windows from different articles become candidate pairs.
Sorting flat arrays keeps memory at a few bytes per window, where a dict of
buckets would cost kilobytes. Buckets larger than ``max_bucket`` hold
boilerplate shared by many articles and are skipped (and counted). Nothing here
decides that a pair is a derivation; that is verification's job.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Candidate article pairs.

    Attributes:
        pairs: int64 ``(n, 2)``, each row ``(i, j)`` with ``i < j``, sorted.
        hits: How many (band, window pair) collisions proposed each pair.
        skipped_buckets: Buckets dropped as boilerplate (larger than ``max_bucket``).
    """

    pairs: np.ndarray
    hits: np.ndarray
    skipped_buckets: int


@numba.njit(cache=True, parallel=True)
def band_keys(signatures, rows):  # pragma: no cover - compiled
    """One uint64 key per (window, band): the band's ``rows`` values mixed together."""
    n, num_perm = signatures.shape
    bands = num_perm // rows
    keys = np.empty((bands, n), dtype=np.uint64)
    for w in numba.prange(n):
        for band in range(bands):
            key = np.uint64(band + 1) * np.uint64(0x9E3779B97F4A7C15)
            for r in range(rows):
                key ^= np.uint64(signatures[w, band * rows + r])
                key *= np.uint64(0xBF58476D1CE4E5B9)
                key ^= key >> np.uint64(31)
            keys[band, w] = key
    return keys


@numba.njit(cache=True)
def _bucket_pairs(sorted_keys, sorted_articles, max_bucket, n_articles):  # pragma: no cover - compiled
    out = np.empty(1024, dtype=np.int64)
    count = 0
    skipped = 0
    start = 0
    n = sorted_keys.shape[0]
    while start < n:
        end = start + 1
        while end < n and sorted_keys[end] == sorted_keys[start]:
            end += 1
        size = end - start
        if size > max_bucket:
            skipped += 1
        elif size > 1:
            for x in range(start, end):
                for y in range(x + 1, end):
                    i = sorted_articles[x]
                    j = sorted_articles[y]
                    if i == j:
                        continue
                    if i > j:
                        i, j = j, i
                    if count == out.shape[0]:
                        grown = np.empty(out.shape[0] * 2, dtype=np.int64)
                        grown[:count] = out[:count]
                        out = grown
                    out[count] = i * n_articles + j
                    count += 1
        start = end
    return out[:count], skipped


def find_candidates(
    signatures: np.ndarray, window_article: np.ndarray, n_articles: int, rows: int, max_bucket: int, min_hits: int = 1
) -> Candidates:
    """Article pairs whose passage windows collide in at least one LSH band.

    Args:
        signatures: uint32 ``(windows, num_perm)`` window signatures.
        window_article: The article index of each window.
        n_articles: Number of articles (pairs are coded ``i * n_articles + j``).
        rows: Rows per band.
        max_bucket: Largest bucket still used.
        min_hits: Fewest collisions a pair needs. One collision of short windows is often
            chance; a reused passage spans several windows and collides in several bands.

    Returns:
        The candidate pairs with their collision counts.
    """
    window_article = np.ascontiguousarray(window_article, dtype=np.int64)
    codes = [np.zeros(0, dtype=np.int64)]
    skipped = 0
    if len(signatures):
        keys = band_keys(np.ascontiguousarray(signatures), rows)
        for band in range(keys.shape[0]):
            order = np.argsort(keys[band], kind="stable")
            found, dropped = _bucket_pairs(keys[band][order], window_article[order], max_bucket, n_articles)
            codes.append(found)
            skipped += int(dropped)
    unique, hits = np.unique(np.concatenate(codes), return_counts=True)
    unique, hits = unique[hits >= min_hits], hits[hits >= min_hits]
    pairs = np.stack([unique // n_articles, unique % n_articles], axis=1) if len(unique) else np.zeros((0, 2), dtype=np.int64)
    return Candidates(pairs=pairs.astype(np.int64), hits=hits.astype(np.int64), skipped_buckets=skipped)
