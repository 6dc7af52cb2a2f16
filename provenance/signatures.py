"""Signatures: shingle hashes in, one MinHash signature per passage window out.

Owns the MinHash permutations and the batch kernel. The permutations are
datasketch's default ``affine32`` scheme bit for bit (same seed → same ``a``,
``b``; MurmurHash3 ``fmix32`` pre-mix; ``a*h + b mod 2**32``), so a signature
computed here equals ``datasketch.MinHash(num_perm, seed, hashfunc=...)`` fed
the 32-bit low halves of the same shingle hashes. The pre-mix is done once per
distinct shingle, in ``shingle_hash32``, not once per word and signing pass:
the kernels here take values already mixed. The kernel runs over flat numpy arrays in
compiled code (numba), in parallel over windows: no Python object per shingle.
Also cuts what is signed: passage windows of the rarer stems (``window_inputs``) and, when
asked for, windows of content-word bigrams (``bigram_window_inputs``).
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
    """The 32-bit value MinHash permutes for each 64-bit shingle hash: its low half, pre-mixed
    by MurmurHash3's ``fmix32`` as datasketch's ``affine32`` scheme mixes every hash it is fed.

    Mixed here, once per distinct shingle (the scan passes its vocabulary's stems), rather than
    in the signing kernels, which would mix every word again in every pass over the windows.
    """
    h = (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
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
            h = values[t]
            for k in range(num_perm):
                v = np.uint32(a[k] * h + b[k])
                if v < row[k]:
                    row[k] = v


@numba.njit(cache=True, inline="always")
def least_value(window, a, b):  # pragma: no cover - compiled
    """One permutation's MinHash value of a window's values; ``EMPTY`` for none. The loop vectorises as a minimum.

    A permutation at a time over a window's mixed values is how LSH signs a few bands at once
    (``candidates``): a loop over a few permutations, as in ``_minhash_ranges``, is too short to
    vectorise, and cost 3-4 times as much per column at 6 (2 bands, what memory allows at 1M).
    """
    least = np.uint32(0xFFFFFFFF)
    for t in range(window.shape[0]):
        v = np.uint32(a * window[t] + b)
        if v < least:
            least = v
    return least


def sign_ranges(hashes32: np.ndarray, ranges: np.ndarray, num_perm: int, seed: int, perms: slice = slice(None)) -> np.ndarray:
    """MinHash signatures of many ranges of one flat shingle array.

    Args:
        hashes32: uint32 shingle values (``shingle_hash32``), all articles concatenated.
        ranges: int64 ``(n, 2)`` half-open ranges into ``hashes32`` (windows may overlap).
        num_perm: Permutations per signature.
        seed: Permutation seed.
        perms: Only these permutations (columns) of the signatures.

    Returns:
        A uint32 array ``(n, permutations)``; an empty range gives all ``EMPTY``.
    """
    a, b = (p[perms] for p in permutations(num_perm, seed))
    out = np.empty((len(ranges), len(a)), dtype=np.uint32)
    if len(ranges) and len(a):
        _minhash_ranges(np.ascontiguousarray(hashes32, dtype=np.uint32), np.ascontiguousarray(ranges, dtype=np.int64),
                        np.ascontiguousarray(a), np.ascontiguousarray(b), out)
    return out


@numba.njit(cache=True, parallel=True)
def _plan_windows(stems, offsets, stem_df, cutoff, units, unit_offsets, window_words, keep, kept_counts, window_counts):  # pragma: no cover - compiled
    for a in numba.prange(offsets.shape[0] - 1):
        lo, hi = offsets[a], offsets[a + 1]
        limit = cutoff
        if hi > lo:
            limit = max(cutoff, np.int64(np.median(stem_df[stems[lo:hi]])))
        kept = 0
        for t in range(lo, hi):
            keep[t] = stem_df[stems[t]] <= limit
            kept += keep[t]
        kept_counts[a] = kept
        window_counts[a] = _windows(keep, lo, units[unit_offsets[a] : unit_offsets[a + 1]], window_words, kept, np.zeros((0, 2), np.int64), 0)


@numba.njit(cache=True)
def _windows(keep, lo, units, window_words, kept, out, base):  # pragma: no cover - compiled
    """Passage windows over the kept words of one article: ``[start, end)`` ranges of kept-word indices.

    One window starts at every sentence unit and takes whole units until it holds
    ``window_words`` words; windows that would run past the end collapse into one last
    window, and an article shorter than a window is one window. Writes ``out[k] + base``
    when ``out`` has rows; returns how many windows.
    """
    if kept == 0:
        return 0
    # Unit starts counted in kept words (units left empty collapse into the next).
    starts = np.empty(units.shape[0], dtype=np.int64)
    n = 0
    before = 0
    position = 0
    for u in range(units.shape[0]):
        while position < units[u]:
            before += keep[lo + position]
            position += 1
        if n == 0 or starts[n - 1] != before:
            starts[n] = before
            n += 1
    # starts[n - 1] == kept: the article's end.
    count = 0
    e = 0
    for s in range(n - 1):
        target = starts[s] + window_words
        while e < n - 1 and starts[e] < target:
            e += 1
        if out.shape[0]:
            out[count, 0] = starts[s] + base
            out[count, 1] = starts[e] + base
        count += 1
        if starts[e] >= kept:
            break
    return count


@numba.njit(cache=True, parallel=True)
def _fill_windows(stems, stem_values, offsets, keep, units, unit_offsets, window_words, kept_counts, value_offsets, window_offsets,
                  values, ranges, owners):  # pragma: no cover - compiled
    for a in numba.prange(offsets.shape[0] - 1):
        lo, hi = offsets[a], offsets[a + 1]
        v = value_offsets[a]
        for t in range(lo, hi):
            if keep[t]:
                values[v] = stem_values[stems[t]]
                v += 1
        w0, w1 = window_offsets[a], window_offsets[a + 1]
        _windows(keep, lo, units[unit_offsets[a] : unit_offsets[a + 1]], window_words, kept_counts[a], ranges[w0:w1], value_offsets[a])
        for w in range(w0, w1):
            owners[w] = a


def window_inputs(stems: np.ndarray, offsets: np.ndarray, stem_df: np.ndarray, stem_values: np.ndarray, cutoff: int,
                  units: np.ndarray, unit_offsets: np.ndarray, window_words: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``sign_ranges`` signs, for many articles at once.

    Each article keeps the shingles whose document frequency is at most
    ``max(cutoff, its median df)`` and is cut into passage windows over what it kept: runs of
    whole sentences holding ``window_words`` shingles, one starting at every sentence, so that a
    copied paragraph inside a long article is a signature of its own.

    Args:
        stems: Each shingle's stem, as an index into ``stem_df`` and ``stem_values`` (a vocabulary
            rank), all articles concatenated; article ``a`` has ``offsets[a]:offsets[a + 1]``. Per-stem
            tables, not per-word arrays: a million articles' words need no 8-byte hash or df each.
        offsets: int64, one more than there are articles.
        stem_df: Document frequency of each stem.
        stem_values: The uint32 value MinHash signs for each stem (``shingle_hash32`` of its hash).
        cutoff: The corpus-wide df cutoff.
        units: Each article's sentence-unit starts (indices into its own shingles, then its
            shingle count), concatenated; article ``a``'s are ``unit_offsets[a]:unit_offsets[a + 1]``.
        unit_offsets: int64, one more than there are articles.
        window_words: Shingles a window reaches for.

    Returns:
        uint32 shingle values, int64 ``(windows, 2)`` ranges into them, and each window's article (int32).
    """
    articles = len(offsets) - 1
    keep = np.empty(len(stems), dtype=np.bool_)
    kept_counts = np.empty(articles, dtype=np.int64)
    window_counts = np.empty(articles, dtype=np.int64)
    _plan_windows(stems, offsets, stem_df, np.int64(cutoff), units, unit_offsets, window_words, keep, kept_counts, window_counts)
    value_offsets = np.concatenate(([0], np.cumsum(kept_counts))).astype(np.int64)
    window_offsets = np.concatenate(([0], np.cumsum(window_counts))).astype(np.int64)
    values = np.empty(int(value_offsets[-1]), dtype=np.uint32)
    ranges = np.empty((int(window_offsets[-1]), 2), dtype=np.int64)
    owners = np.empty(int(window_offsets[-1]), dtype=np.int32)  # (an article number: 4 bytes a window, not 8)
    _fill_windows(stems, np.ascontiguousarray(stem_values, dtype=np.uint32), offsets, keep, units, unit_offsets, window_words,
                  kept_counts, value_offsets, window_offsets, values, ranges, owners)
    return values, ranges, owners


@numba.njit(cache=True, inline="always")
def mix64(x):  # pragma: no cover - compiled
    """SplitMix64's finaliser of a uint64: every output bit depends on every input bit."""
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _pair_value(first, second):  # pragma: no cover - compiled
    """The uint32 value MinHash signs for two stems side by side, in either order: their values
    (``shingle_hash32``, so the same in any corpus) as one 64-bit word, the smaller first, mixed
    (``mix64``) and cut to its low half."""
    low, high = min(first, second), max(first, second)
    return np.uint32(mix64((np.uint64(low) << np.uint64(32)) | np.uint64(high)) & np.uint64(0xFFFFFFFF))


@numba.njit(cache=True, parallel=True)
def _plan_pair_windows(offsets, units, unit_offsets, window_words, keep, window_counts):  # pragma: no cover - compiled
    for a in numba.prange(offsets.shape[0] - 1):
        lo, hi = offsets[a], offsets[a + 1]
        window_counts[a] = _windows(keep, lo, units[unit_offsets[a] : unit_offsets[a + 1]], window_words, hi - lo,
                                    np.zeros((0, 2), np.int64), 0)


@numba.njit(cache=True, parallel=True)
def _fill_pair_windows(stems, stem_values, offsets, keep, units, unit_offsets, window_words, window_offsets,
                       values, ranges, owners):  # pragma: no cover - compiled
    for a in numba.prange(offsets.shape[0] - 1):
        lo, hi = offsets[a], offsets[a + 1]
        for t in range(lo, hi - 1):
            values[t] = _pair_value(stem_values[stems[t]], stem_values[stems[t + 1]])
        if hi > lo:
            values[hi - 1] = stem_values[stems[hi - 1]]
        w0, w1 = window_offsets[a], window_offsets[a + 1]
        _windows(keep, lo, units[unit_offsets[a] : unit_offsets[a + 1]], window_words, hi - lo, ranges[w0:w1], lo)
        for w in range(w0, w1):
            owners[w] = a


def bigram_window_inputs(stems: np.ndarray, offsets: np.ndarray, stem_values: np.ndarray, units: np.ndarray,
                         unit_offsets: np.ndarray, window_words: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``sign_ranges`` signs for the second kind of signature, content-word bigrams (``settings.bigram_windows``).

    Each content word is paired with the next one in its article, in either order
    (``_pair_value``; an article's last word stands alone), and every word is kept, however
    common: two common words side by side are rare where one alone is not, so the evidence that
    ``window_inputs`` drops with its common stems comes back. Windows are cut as there
    (``_windows``): whole sentences holding ``window_words`` pairs, one starting at every sentence.

    Args:
        stems: Each shingle's stem, an index into ``stem_values``, all articles concatenated.
        offsets: int64, one more than there are articles.
        stem_values: The uint32 value MinHash signs for each stem (``shingle_hash32`` of its hash).
        units: Each article's sentence-unit starts, then its shingle count, concatenated.
        unit_offsets: int64, one more than there are articles.
        window_words: Bigrams a window reaches for.

    Returns:
        uint32 bigram values (one per word), int64 ``(windows, 2)`` ranges into them, and each window's article (int32).
    """
    articles = len(offsets) - 1
    keep = np.ones(len(stems), dtype=np.bool_)
    window_counts = np.empty(articles, dtype=np.int64)
    _plan_pair_windows(offsets, units, unit_offsets, window_words, keep, window_counts)
    window_offsets = np.concatenate(([0], np.cumsum(window_counts))).astype(np.int64)
    values = np.empty(len(stems), dtype=np.uint32)
    ranges = np.empty((int(window_offsets[-1]), 2), dtype=np.int64)
    owners = np.empty(int(window_offsets[-1]), dtype=np.int32)
    _fill_pair_windows(stems, np.ascontiguousarray(stem_values, dtype=np.uint32), offsets, keep, units, unit_offsets, window_words,
                       window_offsets, values, ranges, owners)
    return values, ranges, owners
