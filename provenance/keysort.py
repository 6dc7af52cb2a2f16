"""Key sorting: one LSH band's keys sorted in place, each window's article carried alongside.

Owns the sort that ``candidates`` buckets bands with, and nothing about bands or pairs. Band
keys are hashes, so their top bits spread them evenly: a counting sort on the top bits, then
one within each (cache-sized) bucket on the next bits, leaves runs of a window or two, which
a few insertions finish. Every step is stable, so windows given in article order leave each
run of equal keys with its articles ascending.
"""

from __future__ import annotations

import numba
import numpy as np

# Band keys are KEY_BITS-bit hashes held in uint64 (``candidates.band_keys``). 48 bits keep chance
# collisions negligible (two unrelated windows share a key with odds 2**-48: about one pair a band
# among 25M windows) and let an index file store a key as a 16-bit prefix directory plus 32 bits
# (``segments``).
KEY_BITS = 48
# A band's keys are sorted by a counting sort on their top TOP_BITS, then each bucket by its
# next bits: about one sub-bucket per key, but at most 2**MAX_SUB_BITS sub-buckets.
TOP_BITS = 8
MAX_SUB_BITS = 16
# Runs of one counting-sort bucket longer than this (a boilerplate bucket, or keys whose top
# bits agree by chance) are sorted by np.argsort rather than by insertion.
INSERTION_SORT_MAX = 32


@numba.njit(cache=True)
def _sort_run(keys, articles, start, end):  # pragma: no cover - compiled
    """Sort ``keys[start:end]`` ascending, carrying ``articles`` along; equal keys keep their order."""
    if end - start > INSERTION_SORT_MAX:
        for x in range(start + 1, end):
            if keys[x] != keys[start]:
                break
        else:
            return  # one bucket of equal keys: already sorted
        order = np.argsort(keys[start:end], kind="mergesort") + start
        sorted_keys = keys[order]
        sorted_articles = articles[order]
        keys[start:end] = sorted_keys
        articles[start:end] = sorted_articles
        return
    for x in range(start + 1, end):
        key = keys[x]
        article = articles[x]
        y = x
        while y > start and keys[y - 1] > key:
            keys[y] = keys[y - 1]
            articles[y] = articles[y - 1]
            y -= 1
        keys[y] = key
        articles[y] = article


@numba.njit(cache=True)
def _scatter(keys, articles, start, end, shift, mask, out_keys, out_articles, ends):  # pragma: no cover - compiled
    """Counting sort of ``keys[start:end]`` (``articles`` alongside) by ``(key >> shift) & mask`` into
    ``out_*[start:end]``; leaves ``ends[h]`` at the end of bucket ``h``."""
    ends[: mask + 1] = 0
    for w in range(start, end):
        ends[(keys[w] >> shift) & mask] += 1
    total = start
    for h in range(mask + 1):
        size = ends[h]
        ends[h] = total  # the start of bucket h, until the scatter below moves it to its end
        total += size
    for w in range(start, end):
        h = (keys[w] >> shift) & mask
        at = ends[h]
        out_keys[at] = keys[w]
        out_articles[at] = articles[w]
        ends[h] = at + 1


@numba.njit(cache=True)
def sort_band(keys, window_article, max_sub_bits, articles, scratch_keys, scratch_articles, ends, sub_ends):  # pragma: no cover - compiled
    """Sort one band's ``keys`` in place, each window's article alongside into ``articles``.

    A counting sort on the top ``TOP_BITS`` of the keys, then each of those buckets (small
    enough to stay in cache) by its next bits, about one sub-bucket per key; the short runs
    left are finished by ``_sort_run``.
    """
    n = keys.shape[0]
    _scatter(keys, window_article, 0, n, np.uint64(KEY_BITS - TOP_BITS), np.uint64((1 << TOP_BITS) - 1), scratch_keys, scratch_articles, ends)
    start = 0
    for bucket in range(1 << TOP_BITS):
        end = ends[bucket]
        if end - start == 1:
            keys[start] = scratch_keys[start]
            articles[start] = scratch_articles[start]
        elif end - start > 1:
            sub_bits = 1
            while (1 << sub_bits) < end - start and sub_bits < max_sub_bits:
                sub_bits += 1
            shift = np.uint64(KEY_BITS - TOP_BITS - sub_bits)
            _scatter(scratch_keys, scratch_articles, start, end, shift, np.uint64((1 << sub_bits) - 1), keys, articles, sub_ends)
            run = start
            for h in range(1 << sub_bits):
                if sub_ends[h] - run > 1:
                    _sort_run(keys, articles, run, sub_ends[h])
                run = sub_ends[h]
        start = end
