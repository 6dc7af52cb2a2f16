"""Candidates: passage signatures in, article pairs worth verifying out (LSH banding).

Owns the band keys (``rows`` signature values hashed into one 48-bit key per band)
and the sort-based bucketing: per band, sort the keys, and every run of equal
keys is a bucket whose windows from different articles become candidate pairs.
Sorting flat arrays keeps memory at a few bytes per window, where a dict of
buckets would cost kilobytes. A bucket larger than ``max_bucket`` (a crowd: a
topic's words, a footer, or a story copied on many sites) pairs its windows
with one centre only, its earliest article, in one band of four, at a low weight
(``crowd_weight``).
Nothing here decides that a pair is a derivation; that is verification's job.

Speed. Bands are independent, so one compiled kernel sorts and walks several
bands at once (``numba.prange``), with the sort of ``keysort``. A scan's keys are
signed on the way (``_signed_keys``: MinHash straight into the band key), so one
pass over the windows serves a whole group of bands. The result is a set of pairs
with counts, so it does not depend on the number of threads or on the order bands
finish in.

Memory. A pair's collisions (one per window pair per band) are summed over all
bands, but they are never all held: a bucket of ``k`` windows makes up to
``k (k - 1) / 2`` of them (156 million at 100k articles, 2.6 billion at a million:
21 GB at 8 bytes each). Each band keeps only its useful buckets, as their members'
articles (4 bytes a window); then the collisions are counted a range of first
articles at a time, so at most ``PARTITION_BYTES`` of collisions are held at once.
A range reads only its own articles' runs of the stored buckets, listed once for
all ranges (``_first_runs``, 4 bytes a run), not every bucket again: the count
grows with the corpus, not with the corpus times the ranges.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Optional

import numba
import numpy as np

from provenance.keysort import KEY_BITS, MAX_SUB_BITS, TOP_BITS, sort_band
from provenance.prefetch import prefetch
from provenance.signatures import least_value, permutations

# Bands keyed and sorted together (rounded up to a multiple of the threads): their keys are
# signed and computed in one pass over the windows (each pass reads every window's values
# again, and bands share out among threads more evenly, so fewer, wider passes are faster) ...
BANDS_AT_ONCE = 16
# ... but no more than this many bytes of keys and sorting scratch: 12 bytes a window for each
# band of a group (a key and its article) and for each thread (its sort's scratch). At a
# million articles (24 million windows) that is four bands and two threads' scratch: as much
# as two bands took when their signature columns were held too.
KEY_BYTES = 7 << 28
# Most bytes of collisions (4 or 8 bytes each while counted, ``_collision_entry``, and 8 a
# ``min_hits`` of them for the pairs kept: ``_pairs_by_partition``) that counting one range of
# first articles holds: at a million articles, every collision at once would take some 30 GB.
# Fewer, larger ranges count faster (300k articles: 7.9 s in 26 ranges, 6.8 s in 13;
# bench/README, "Session 14").
PARTITION_BYTES = 1 << 29
# Crowded buckets (more than ``max_bucket`` windows) link their windows to their centre in one
# band of this many (``links_crowds``), each link weighing as many times more (``crowd_weight``):
# the same evidence in expectation, for a quarter of the links. Linked in every band, a
# million articles' crowds (mostly a topic's words) made 165M links: 1.3 GB to store, and the
# scan's peak memory 6.0 -> 8.3 GB (bench/README, Quality notes, "Viral copies").
CROWD_BANDS_EVERY = 4
# A collision's weight, in fixed point (integer sums are exact, so every engine and thread
# order gets the same totals): a bucket of ``k`` windows gives each of its collisions
# ``WEIGHT_SCALE // (k - 1)``.
WEIGHT_SCALE = 1 << 20
# A pair's tally while its collisions are counted, one int64: their summed weight above
# ``COUNT_BITS`` bits, their count below, saturating at ``COUNT_CAP`` (the most ``min_hits``
# can be): one tally an article, not two, keeps a part's tallies in cache (8 MB at a million
# articles). The weight has 55 bits: exact for any article's collisions that fit in memory.
COUNT_BITS = 8
COUNT_CAP = (1 << COUNT_BITS) - 1
# Parts a range of first articles is cut into per thread (``_partition_pairs``): more parts
# than threads, so that a thread given a part with more collisions does not hold up the rest.
PARTS_PER_THREAD = 4
# How many runs ahead ``_partition_pairs`` asks for the stored bucket it will read
# (``prefetch``): each run's bucket lies somewhere in the stored members (1.7 GB at a million
# articles), and waiting for it was most of the counting (1M: 31.6-34.5 s -> 19.7-20.0 s at 8;
# 4 as good, 16 and 32 worse).
RUNS_AHEAD = 8


def collision_weight(bucket_size):  # type: ignore[no-untyped-def]
    """The weight of each collision in a bucket of ``bucket_size`` windows (an int, or an int64 array of them).

    A window shares one unit of evidence among the ``k - 1`` windows it meets: a collision in a
    bucket of two (a band key no other window has) is worth one, one in a crowded bucket (words
    a whole topic uses) a fraction. Summed per article pair, beside their count, it separates
    reuse from a shared topic better than a count alone (``settings.min_weight``; bench/README,
    "Session 13" and "Session 14").
    """
    return WEIGHT_SCALE // (bucket_size - 1)


def links_crowds(band: int) -> bool:
    """Whether a band's crowded buckets are linked to their centres: one band in ``CROWD_BANDS_EVERY``."""
    return band % CROWD_BANDS_EVERY == 0


_links_crowds = numba.njit(cache=True, inline="always")(links_crowds)


def crowd_weight(max_bucket: int, bands: int) -> int:
    """The weight of each collision in a crowded bucket (more than ``max_bucket`` windows), which pairs
    its windows with its centre's only, in the bands that link crowds (``links_crowds``): that of a
    bucket of ``max_bucket`` windows (and of two at least), times the bands over those that link.

    A crowd is a topic's or a footer's words, or a story copied on many sites. Only the last
    puts many windows of one article in crowds with one centre (all of a copy's windows, in
    every band): enough to pass ``min_weight`` however many copies there are, while a footer's
    one window (8 linking bands of 32 at the defaults, each 4/63: 0.51) falls short, and a
    topic's crowds have no common centre. All pairs of a crowd would cost ``k (k - 1) / 2``
    collisions; the links cost ``k - 1``. (bench/README, Quality notes, "Viral copies".)
    """
    linking = len([band for band in range(bands) if links_crowds(band)])
    return WEIGHT_SCALE * bands // (max(linking, 1) * max(max_bucket - 1, 1))


def earliest_first(dates: Sequence[Optional[str]]) -> np.ndarray:
    """Each article's rank (int32) when ordered by ``published`` date (``YYYY-MM-DD``), undated ones
    last, ties in article order: the ``priority`` that makes a crowded bucket's centre its earliest
    article, the likeliest source of a story copied on many sites."""
    undated = np.array([date is None for date in dates], dtype=bool)
    order = np.lexsort((np.arange(len(dates)), np.array([date or "" for date in dates], dtype=str), undated))
    rank = np.empty(len(dates), dtype=np.int32)
    rank[order] = np.arange(len(dates), dtype=np.int32)
    return rank


def weight_threshold(min_weight: float) -> int:
    """``min_weight`` in ``WEIGHT_SCALE`` fixed point; at least 1, so any collision passes a threshold of 0."""
    return max(1, round(min_weight * WEIGHT_SCALE))


# A collision while counted: its second article in the low bits, and above them its bucket's size
# (0 for a crowd's link), which ``_collision_codes`` turns into its weight. In this many bits
# when they fit (at the defaults, up to 33 million articles), else in 64: half the bytes written
# and read back, and fewer ranges of first articles (counting, same hour: 10k 0.16 -> 0.13-0.14 s,
# 100k 2.16 -> 1.98-2.06 s, 1M 27.8-30.1 -> 26.9-28.5 s; bench/README, "Session 27").
NARROW_BITS = 32


def _collision_entry(n_articles: int, largest_bucket: int) -> tuple[int, type]:
    """How a collision is held while counted (``NARROW_BITS``): the bits its second article takes, and the array type."""
    shift = max(int(n_articles - 1).bit_length(), 1)
    return shift, (np.uint32 if shift + int(largest_bucket).bit_length() <= NARROW_BITS else np.int64)


def _collision_codes(largest_bucket: int, link_weight: int) -> np.ndarray:
    """Each collision code's weight, ready to add to a tally (above its ``COUNT_BITS``): code 0 a
    crowd's link (``link_weight``), code ``k`` a bucket of ``k`` windows (``collision_weight``)."""
    codes = np.zeros(max(largest_bucket, 1) + 1, dtype=np.int64)
    codes[0] = link_weight
    codes[2:] = collision_weight(np.arange(2, len(codes), dtype=np.int64))
    return codes << COUNT_BITS


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Candidate article pairs.

    Attributes:
        pairs: int64 ``(n, 2)``, each row ``(i, j)`` with ``i < j``, sorted.
        hits: How many collisions (one per band and window pair) proposed each pair, up to
            ``COUNT_CAP`` (more count as that many).
        weights: Each pair's collisions (one per band and window pair), weighted by
            ``collision_weight`` (``crowd_weight`` in a crowded bucket) and summed, in
            ``WEIGHT_SCALE`` fixed point.
        crowded_buckets: Buckets of more than ``max_bucket`` windows, linked to their centre only.
    """

    pairs: np.ndarray
    hits: np.ndarray
    weights: np.ndarray
    crowded_buckets: int


@numba.njit(cache=True, inline="always")
def _band_seed(band):  # pragma: no cover - compiled
    """A band's key before its values are mixed in: the band number, so equal values in two bands make two keys."""
    return np.uint64(band + 1) * np.uint64(0x9E3779B97F4A7C15)


@numba.njit(cache=True, inline="always")
def _mixed_in(key, value):  # pragma: no cover - compiled
    """``key`` with one more signature value mixed in."""
    key ^= np.uint64(value)
    key *= np.uint64(0xBF58476D1CE4E5B9)
    return key ^ (key >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _finished(key):  # pragma: no cover - compiled
    """A mixed key cut to its top ``KEY_BITS`` bits (the best mixed; and what an index file stores)."""
    return key >> np.uint64(64 - KEY_BITS)


@numba.njit(cache=True)
def _band_key(signatures, window, band, rows):  # pragma: no cover - compiled
    """The band's ``rows`` signature values of one window, mixed into one key of ``KEY_BITS`` bits."""
    key = _band_seed(band)
    for r in range(rows):
        key = _mixed_in(key, signatures[window, band * rows + r])
    return _finished(key)


def band_keys(signatures: np.ndarray, rows: int) -> np.ndarray:
    """One key per (window, band), ``KEY_BITS`` bits in a uint64: the band's ``rows`` values mixed together.

    Returns a ``(bands, windows)`` array. It is made here, by numpy, and filled by a kernel
    (``_column_keys``): numpy asks for huge pages for a large array, which an array made in
    compiled code does not get; faulting in its small pages took longer than the keys
    (64 MB for a batch of 10,000 articles: 27 ms made in the kernel, 11 ms so).
    """
    signatures = np.ascontiguousarray(signatures, dtype=np.uint32)
    keys = np.empty((signatures.shape[1] // rows, signatures.shape[0]), dtype=np.uint64)
    if keys.size:
        _column_keys(signatures, rows, 0, keys)
    return keys


@numba.njit(cache=True)
def _bucket_members(sorted_keys, sorted_articles, max_bucket, priority, linking, members, at, links, link_at, write):  # pragma: no cover - compiled
    """Count (and if ``write``, store from ``at`` and ``link_at``) the members of a sorted band's useful buckets.

    A useful bucket holds 2 to ``max_bucket`` windows of at least two articles: only those
    make pairs. Its members are stored as their articles, ascending, the last one as
    ``-1 - article`` (``_last``): the mark that ends a bucket. A crowded bucket (more than
    ``max_bucket`` windows) is, if ``linking``, linked to its centre alone, the article of least
    ``priority`` (the earliest): each window of another article makes one two-member bucket
    with it, stored from ``link_at`` in ``links`` as above.

    Returns:
        The number of members, of crowded buckets, and of members stored in ``links``.
    """
    count = 0
    crowded = 0
    linked = 0
    start = 0
    n = sorted_keys.shape[0]
    while start < n:
        end = start + 1
        while end < n and sorted_keys[end] == sorted_keys[start]:
            end += 1
        size = end - start
        if size > max_bucket:
            crowded += 1
            if not linking:
                start = end
                continue
            centre = sorted_articles[start]
            for x in range(start + 1, end):
                if priority[sorted_articles[x]] < priority[centre]:
                    centre = sorted_articles[x]
            for x in range(start, end):
                other = sorted_articles[x]
                if other != centre:
                    if write:
                        links[link_at + linked] = min(other, centre)
                        links[link_at + linked + 1] = -1 - max(other, centre)
                    linked += 2
        elif size > 1:
            lowest = highest = sorted_articles[start]
            for x in range(start + 1, end):
                lowest = min(lowest, sorted_articles[x])
                highest = max(highest, sorted_articles[x])
            if lowest != highest:
                if write:
                    bucket = members[at + count : at + count + size]
                    bucket[:] = sorted_articles[start:end]
                    # The sorts are stable: windows given in article order (as the scan cuts them) leave
                    # a bucket's articles ascending, and only other orders pay for a sort.
                    for x in range(1, size):
                        if bucket[x] < bucket[x - 1]:
                            bucket.sort()
                            break
                    bucket[size - 1] = -1 - bucket[size - 1]
                count += size
        start = end
    return count, crowded, linked


@numba.njit(cache=True, inline="always")
def _last(member):  # pragma: no cover - compiled
    """Whether a stored member ends its bucket (``_bucket_members``)."""
    return member < 0


@numba.njit(cache=True, inline="always")
def _article(member):  # pragma: no cover - compiled
    """The article of a stored member (``_bucket_members``): ``-1 - member`` is ``~member``, and
    ``member >> 31`` is all ones for a negative int32 and zero otherwise, so no branch."""
    return member ^ (member >> 31)


@numba.njit(cache=True)
def _grown(array, used, capacity):  # pragma: no cover - compiled
    """A larger copy of ``array``, its first ``used`` items kept."""
    grown = np.empty(capacity, dtype=array.dtype)
    grown[:used] = array[:used]
    return grown


@numba.njit(cache=True)
def _regrown(members, total, link_total, capacity):  # pragma: no cover - compiled
    """A larger copy of ``members``, its first ``total`` items kept at its start and its last ``link_total`` at its end."""
    grown = _grown(members, total, capacity)
    grown[capacity - link_total :] = members[members.shape[0] - link_total :]
    return grown


@numba.njit(cache=True)
def _moved_down(array, source, target, count):  # pragma: no cover - compiled
    """Move ``array[source:source + count]`` to ``target <= source``, in place: one item at a time, ascending,
    so no item is overwritten before it is read (numpy would copy the overlap to a new array first)."""
    for x in range(count):
        array[target + x] = array[source + x]


@numba.njit(cache=True, parallel=True)
def _column_keys(signatures, rows, first_band, keys):  # pragma: no cover - compiled
    """The keys of bands ``first_band`` on of ``signatures`` (every band's columns), a row of ``keys`` per band."""
    for w in numba.prange(signatures.shape[0]):
        for band in range(keys.shape[0]):
            keys[band, w] = _band_key(signatures, w, first_band + band, rows)


@numba.njit(cache=True, parallel=True)
def _signed_keys(values, ranges, a, b, rows, first_band, keys):  # pragma: no cover - compiled
    """``_column_keys`` of the windows' MinHash signatures (permutations ``a``, ``b``), signed on the way: no signature
    column is held, so more bands fit at once."""
    for w in numba.prange(ranges.shape[0]):
        window = values[ranges[w, 0] : ranges[w, 1]]
        for band in range(keys.shape[0]):
            key = _band_seed(first_band + band)
            for k in range((first_band + band) * rows, (first_band + band + 1) * rows):
                key = _mixed_in(key, least_value(window, a[k], b[k]))
            keys[band, w] = _finished(key)


@numba.njit(cache=True, parallel=True)
def _stored_buckets(keys, window_article, max_bucket, priority, max_sub_bits, articles, scratch_keys, scratch_articles, ends, sub_ends,
                    members, total, link_total, done, all_bands):  # pragma: no cover - compiled
    """Sort a group of bands' ``keys`` (a row each) and store their useful buckets' members (``_bucket_members``).

    Each band is sorted and its members counted, bands in parallel (a thread's scratch in row
    ``thread`` of ``scratch_*``, ``ends``, ``sub_ends``); then each band writes its members at
    its offset from ``total``, and its crowded buckets' links before the ``link_total`` at the end of
    ``members``, so the output is in band order whatever the threads. ``members`` grows as needed
    (``done`` of ``all_bands`` bands will then be stored); returns it, the new totals of buckets'
    members and of links, and the crowded buckets.
    """
    group = keys.shape[0]
    threads = scratch_keys.shape[0]
    found = np.zeros(group, dtype=np.int64)
    crowded = np.zeros(group, dtype=np.int64)
    linked = np.zeros(group, dtype=np.int64)
    for thread in numba.prange(threads):
        for slot in range(thread, group, threads):
            sort_band(keys[slot], window_article, max_sub_bits, articles[slot],
                      scratch_keys[thread], scratch_articles[thread], ends[thread], sub_ends[thread])
            found[slot], crowded[slot], linked[slot] = _bucket_members(
                keys[slot], articles[slot], max_bucket, priority, _links_crowds(done - group + slot), members, 0, members, 0, False)
    needed = total + found.sum()
    links_needed = link_total + linked.sum()
    if needed + links_needed > members.shape[0]:
        # Grow to the projected total of all bands (and an eighth): bands are alike, so most
        # corpora grow once, and never hold two copies of a full array.
        projected = (needed + links_needed) * all_bands // done
        members = _regrown(members, total, link_total, max(needed + links_needed, projected + projected // 8))
    # The crowds' links fill the array from its end, a band before the one after it, so that
    # they need no array of their own (``_band_buckets`` moves them behind the buckets at last).
    end = members.shape[0] - link_total
    for slot in numba.prange(group):
        _bucket_members(keys[slot], articles[slot], max_bucket, priority, _links_crowds(done - group + slot),
                        members, total + found[:slot].sum(), members, end - linked[: slot + 1].sum(), True)
    return members, needed, links_needed, crowded.sum()


def _band_buckets(keys_of: Callable[[np.ndarray, int], None], bands: int, window_article: np.ndarray, max_bucket: int,
                  priority: np.ndarray, max_sub_bits: int, group: int, threads: int) -> tuple[np.ndarray, int, int]:
    """The members of every band's useful buckets (``_bucket_members``), in band order, then those of
    every band's crowded buckets' links to their centres; where the latter begin; and the crowded buckets.

    Bands go ``group`` at a time: ``keys_of(keys, first_band)`` fills a row of ``keys`` per band
    (``_column_keys``, ``_signed_keys``), then ``_stored_buckets`` sorts them and stores their
    members. Every group's members go into one array: none are held twice.
    """
    n = len(window_article)
    keys = np.empty((group, n), dtype=np.uint64)  # each band's keys, then the same sorted
    articles = np.empty((group, n), dtype=np.int32)  # the article of each sorted key
    threads = min(threads, group)
    scratch = (np.empty((threads, n), dtype=np.uint64), np.empty((threads, n), dtype=np.int32),
               np.empty((threads, 1 << TOP_BITS), dtype=np.int64), np.empty((threads, 1 << max_sub_bits), dtype=np.int64))
    members, total, link_total, crowded = np.empty(0, dtype=np.int32), 0, 0, 0
    for low in range(0, bands, group):
        high = min(low + group, bands)
        keys_of(keys[: high - low], low)
        members, total, link_total, more = _stored_buckets(
            keys[: high - low], window_article, max_bucket, priority, max_sub_bits, articles, *scratch,
            members, total, link_total, high, bands)
        crowded += int(more)
    _moved_down(members, len(members) - link_total, total, link_total)  # the links, right behind the buckets
    return members[: total + link_total], total, crowded


@numba.njit(cache=True)
def _bucket_start(members, at):  # pragma: no cover - compiled
    """The start of the stored bucket that holds ``at``."""
    while at > 0 and not _last(members[at - 1]):
        at -= 1
    return at


@numba.njit(cache=True)
def _bucket_end(members, start):  # pragma: no cover - compiled
    """The end of the stored bucket that starts at ``start``."""
    end = start
    while not _last(members[end]):
        end += 1
    return end + 1


@numba.njit(cache=True)
def _run_end(members, run, end):  # pragma: no cover - compiled
    """The end of the run of one article's members that starts at ``run`` (articles ascend in a bucket ending at ``end``)."""
    i = _article(members[run])
    after = run + 1
    while after < end and _article(members[after]) == i:
        after += 1
    return after


@numba.njit(cache=True)
def _pieces(members, chunks):  # pragma: no cover - compiled
    """Where each of ``chunks`` near-equal pieces of the stored buckets starts (each at a bucket's start; a piece may be empty)."""
    n = members.shape[0]
    starts = np.empty(chunks + 1, dtype=np.int64)
    starts[0] = 0
    for c in range(1, chunks):
        at = max(n * c // chunks, starts[c - 1])
        while 0 < at < n and not _last(members[at - 1]):
            at += 1
        starts[c] = at
    starts[chunks] = n
    return starts


@numba.njit(cache=True, parallel=True)
def _collisions_per_article(members, n_articles, pieces):  # pragma: no cover - compiled
    """Where each article's collisions as the first (smaller) article of a pair would start, and
    where its runs would start in ``_first_runs``: two ``(n_articles + 1,)`` offsets; how many
    runs each article has in each piece of the buckets (``pieces``, counted one piece a thread);
    and the size of the largest bucket.

    In a bucket (articles ascending) each member collides with every later member of another
    article: a run of ``k`` members of article ``i`` makes ``k`` times as many collisions as
    there are members after the run. A bucket's last run makes none.
    """
    chunks = pieces.shape[0] - 1
    collisions = np.zeros((chunks, n_articles), dtype=np.int64)
    piece_runs = np.zeros((chunks, n_articles), dtype=np.int64)
    largest = np.zeros(chunks, dtype=np.int64)
    for c in numba.prange(chunks):
        start = pieces[c]
        while start < pieces[c + 1]:
            end = _bucket_end(members, start)
            largest[c] = max(largest[c], end - start)
            run = start
            while run < end:
                i = _article(members[run])
                after = _run_end(members, run, end)
                if after < end:
                    collisions[c, i] += (after - run) * (end - after)
                    piece_runs[c, i] += 1
                run = after
            start = end
    starts = np.zeros(n_articles + 1, dtype=np.int64)
    run_starts = np.zeros(n_articles + 1, dtype=np.int64)
    for i in numba.prange(n_articles):
        for c in range(chunks):
            starts[i + 1] += collisions[c, i]
            run_starts[i + 1] += piece_runs[c, i]
    for i in range(n_articles):
        starts[i + 1] += starts[i]
        run_starts[i + 1] += run_starts[i]
    return starts, run_starts, piece_runs, largest.max()


@numba.njit(cache=True, parallel=True)
def _first_runs(members, pieces, piece_runs, run_starts, bounds, runs):  # pragma: no cover - compiled
    """Fill ``runs`` with where the runs that make collisions (all but a bucket's last) are stored, grouped by the range
    of first articles (``bounds``) their article falls in, each group in stored order (``run_starts`` and ``piece_runs``
    from ``_collisions_per_article``): a range reads only its own runs, in the order they lie in memory.

    Each piece of the buckets (``pieces``) is walked on its own thread; it writes a group's runs
    after those of the pieces before it, so the order is the stored order whatever the threads.
    """
    chunks = pieces.shape[0] - 1
    groups = bounds.shape[0] - 1
    part = np.empty(run_starts.shape[0] - 1, dtype=np.int32)
    fill = np.empty((chunks, groups), dtype=np.int64)
    for p in range(groups):
        part[bounds[p] : bounds[p + 1]] = p
        at = run_starts[bounds[p]]
        for c in range(chunks):
            fill[c, p] = at
            for i in range(bounds[p], bounds[p + 1]):
                at += piece_runs[c, i]
    for c in numba.prange(chunks):
        start = pieces[c]
        while start < pieces[c + 1]:
            end = _bucket_end(members, start)
            run = start
            while run < end:
                after = _run_end(members, run, end)
                if after < end:
                    p = part[_article(members[run])]
                    runs[fill[c, p]] = run
                    fill[c, p] += 1
                run = after
            start = end


@numba.njit(cache=True)
def _part_bounds(low, high, parts):  # pragma: no cover - compiled
    """``parts`` + 1 bounds splitting first articles ``[low, high)`` into near-equal parts (``_partition_pairs``)."""
    bounds = np.empty(parts + 1, dtype=np.int64)
    for part in range(parts + 1):
        bounds[part] = low + (high - low) * part // parts
    return bounds


@numba.njit(cache=True, parallel=True)
def _partition_pairs(members, starts, runs, run_starts, low, high, min_hits, threshold, links_start, shift, codes, parts,
                     by_first, sums, tally):  # pragma: no cover - compiled
    """The distinct pairs ``(i, j)``, ``low <= i < high``, seen at least ``min_hits`` times in collisions
    that weigh at least ``threshold`` (``collision_weight``), sorted, with their counts and weights.

    The range is cut into ``parts`` (``_part_bounds``), each done on its own thread: one pass
    over its runs (``_first_runs``; each run's bucket asked for ``RUNS_AHEAD`` runs before)
    writes each collision's second article and its bucket's code, in one entry of ``by_first``
    (the code above ``shift`` bits: the writes land all over the range, so one place, not two;
    ``codes`` gives the code's weight, ``_collision_codes``), into the run of its first (a
    counting sort, offsets from ``_collisions_per_article``); then its runs are tallied in a
    dense array (weight and saturating count in one int64, ``COUNT_BITS``), and the second
    articles kept are sorted, over the run's front; their tallies go to ``sums``, from the
    run's start divided by ``min_hits`` (a kept pair has at least ``min_hits`` collisions in
    the run, so the runs' places there do not overlap). ``by_first`` (at least the range's
    collisions long), ``sums`` (that over ``min_hits``) and ``tally`` (``n_articles`` zeros per
    part, left zero) are scratch made once for all ranges (``_scratch``).
    """
    base = starts[low]
    kept = np.zeros(high - low + 1, dtype=np.int64)
    bounds = _part_bounds(low, high, parts)
    mask = (1 << shift) - 1
    for part in numba.prange(parts):
        first, last = bounds[part], bounds[part + 1]
        fill = starts[first:last] - base
        for r in range(run_starts[first], run_starts[last]):
            if r + RUNS_AHEAD < run_starts[last]:
                prefetch(members, runs[r + RUNS_AHEAD])
            run = runs[r]
            end = _bucket_end(members, run)
            tag = (0 if run >= links_start else end - _bucket_start(members, run)) << shift
            after = _run_end(members, run, end)
            i = _article(members[run])
            at = fill[i - first]
            for _ in range(after - run):
                for y in range(after, end):
                    by_first[at] = tag | _article(members[y])
                    at += 1
            fill[i - first] = at
        counted = tally[part]
        for i in range(first, last):
            lo, hi = starts[i] - base, starts[i + 1] - base
            seconds = by_first[lo:hi]
            for x in range(hi - lo):
                j = seconds[x] & mask
                value = counted[j] + codes[seconds[x] >> shift]
                if value & COUNT_CAP != COUNT_CAP:
                    value += 1
                counted[j] = value
                seconds[x] = j
            # Move each kept second article, once, to the front of the run (its tally turns
            # negative, so later copies pass); clear the tallies of the others on the way.
            count = 0
            for x in range(seconds.shape[0]):
                j = seconds[x]
                if counted[j] > 0:
                    if counted[j] & COUNT_CAP >= min_hits and counted[j] >> COUNT_BITS >= threshold:
                        seconds[count] = j
                        count += 1
                        counted[j] = -counted[j]
                    else:
                        counted[j] = 0
            seconds[:count].sort()
            for x in range(count):
                j = seconds[x]
                sums[lo // min_hits + x] = -counted[j]
                counted[j] = 0
            kept[i - low + 1] = count
    for i in range(high - low):
        kept[i + 1] += kept[i]
    pairs = np.empty((kept[high - low], 2), dtype=np.int64)
    hits = np.empty(kept[high - low], dtype=np.int64)
    weights = np.empty(kept[high - low], dtype=np.int64)
    for i in numba.prange(low, high):
        at = kept[i - low]
        for x in range(kept[i - low + 1] - at):
            pairs[at + x, 0] = i
            pairs[at + x, 1] = by_first[starts[i] - base + x]
            tallied = sums[(starts[i] - base) // min_hits + x]
            hits[at + x] = tallied & COUNT_CAP
            weights[at + x] = tallied >> COUNT_BITS
    return pairs, hits, weights


@numba.njit(cache=True)
def _scratch(collisions, entry, kept, parts, n_articles):  # pragma: no cover - compiled
    """``_partition_pairs``' scratch, made once for every range: at a million articles a fresh one
    per range faulted in some 20 GB of new pages. Made here, not by numpy: numpy asks for huge
    pages, and where memory is fragmented the kernel stalls to compact it (a 10k scan's counting
    ran 2-4 times slower so)."""
    return np.empty(collisions, dtype=entry.dtype), np.empty(kept, dtype=np.int64), np.zeros((parts, n_articles), dtype=np.int64)


def _pairs_by_partition(
    members: np.ndarray, n_articles: int, min_hits: int, threshold: int, links_start: Optional[int] = None, link_weight: int = 0,
    threads: Optional[int] = None, advance: Optional[Callable[[int, int], None]] = None,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The article pairs of the stored buckets seen at least ``min_hits`` times in collisions that weigh
    at least ``threshold``, with their counts and weights. The buckets from ``links_start`` on are
    crowded buckets' links to their centres (``_band_buckets``), each collision weighing ``link_weight``.

    A range of first articles at a time (``_partition_pairs``), so that their collisions take
    at most ``PARTITION_BYTES`` (4 or 8 bytes each while counted, ``_collision_entry``, and 8 per
    ``min_hits`` of them for the pairs kept): the collisions of the whole corpus are never held.
    Each range's pairs are sorted and the ranges ascend; ``_joined`` makes them one. Every step is shared out over
    ``threads`` (numba's, by default): the buckets in pieces, each range in parts; the result
    does not depend on how many. ``advance(done, total)`` hears of each range counted.
    """
    threads = threads or _threads()
    pieces = _pieces(members, threads)
    starts, run_starts, piece_runs, largest = _collisions_per_article(members, n_articles, pieces)
    if min_hits > COUNT_CAP:
        raise ValueError(f"min_hits is at most {COUNT_CAP} (counts saturate there), got {min_hits}")
    min_hits = max(min_hits, 1)
    shift, entry = _collision_entry(n_articles, int(largest))
    most = max(int(PARTITION_BYTES / (np.dtype(entry).itemsize + 8 / min_hits)), 1)
    bounds = [0]
    while bounds[-1] < n_articles:
        # As many articles as fit, and at least one.
        low = bounds[-1]
        bounds.append(max(low + 1, int(np.searchsorted(starts, starts[low] + most, side="right")) - 1))
    parts = PARTS_PER_THREAD * threads
    # Runs are grouped by the parts of each range, which ``_partition_pairs`` walks one a thread.
    groups = np.unique(np.concatenate([_part_bounds(low, high, parts) for low, high in zip(bounds, bounds[1:])]))
    runs = np.empty(run_starts[-1], dtype=np.int32 if len(members) < 2**31 else np.int64)
    _first_runs(members, pieces, piece_runs, run_starts, groups, runs)
    del piece_runs
    collisions = max(int(starts[high] - starts[low]) for low, high in zip(bounds, bounds[1:]))
    scratch = _scratch(collisions, np.zeros(0, dtype=entry), collisions // min_hits, parts, n_articles)
    links_start = len(members) if links_start is None else links_start
    codes = _collision_codes(int(largest), link_weight)
    found = []
    for low, high in zip(bounds, bounds[1:]):
        found.append(_partition_pairs(members, starts, runs, run_starts, low, high, min_hits, max(threshold, 1), links_start,
                                      shift, codes, parts, *scratch))
        if advance:
            advance(len(found), len(bounds) - 1)
    return found


def _joined(found: list[tuple[np.ndarray, np.ndarray, np.ndarray]], crowded: int) -> Candidates:
    if len(found) == 1:
        pairs, hits, weights = found[0]
    else:
        pairs = np.concatenate([p for p, _, _ in found]) if found else np.zeros((0, 2), dtype=np.int64)
        hits = np.concatenate([h for _, h, _ in found]) if found else np.zeros(0, dtype=np.int64)
        weights = np.concatenate([w for _, _, w in found]) if found else np.zeros(0, dtype=np.int64)
    return Candidates(pairs=pairs, hits=hits, weights=weights, crowded_buckets=crowded)


def find_candidates(
    signatures: np.ndarray, window_article: np.ndarray, n_articles: int, rows: int, max_bucket: int,
    min_hits: int = 1, min_weight: float = 0.0, priority: Optional[np.ndarray] = None,
) -> Candidates:
    """Article pairs whose passage windows collide in at least one LSH band.

    Args:
        signatures: uint32 ``(windows, num_perm)`` window signatures.
        window_article: The article index of each window, in ``[0, n_articles)``.
        n_articles: Number of articles.
        rows: Rows per band.
        max_bucket: Largest bucket whose windows all pair; a larger one's pair with its centre only.
        min_hits: Fewest collisions a pair needs. One collision of short windows is often
            chance; a reused passage spans several windows and collides in several bands ...
        min_weight: ... in buckets few others share: least weight of the collisions
            (``collision_weight``; 0: any).
        priority: Each article's rank, earliest first (``earliest_first``): a crowded bucket's
            centre is its earliest article. ``None``: article order.

    Returns:
        The candidate pairs with their collisions' counts and weights.

    Raises:
        ValueError: if a window's article is outside ``[0, n_articles)``.
    """
    window_article = np.asarray(window_article)
    if len(signatures) == 0 or signatures.shape[1] // rows == 0:
        return _no_candidates()
    _check_articles(window_article, n_articles)
    bands = signatures.shape[1] // rows
    signatures = np.ascontiguousarray(signatures)
    return _counted(lambda keys, low: _column_keys(signatures, rows, low, keys), bands, window_article, n_articles,
                    max_bucket, min_hits, min_weight, priority, _group(len(signatures), bands), None)


def _counted(keys_of: Callable[[np.ndarray, int], None], bands: int, window_article: np.ndarray, n_articles: int,
             max_bucket: int, min_hits: int, min_weight: float, priority: Optional[np.ndarray], group: int,
             advance: Optional[Callable[[int, int], None]]) -> Candidates:
    """The candidates of the bands ``keys_of`` keys (``_band_buckets``), their collisions counted (``_pairs_by_partition``).

    ``advance(done, total)`` hears of the work as it goes, in ``2 * bands`` steps: the bands
    bucketed, then the ranges of first articles counted (as a share of ``bands`` steps).
    """
    if priority is None:
        priority = np.arange(n_articles, dtype=np.int32)
    elif len(priority) != n_articles:
        raise ValueError(f"priority needs one rank per article ({n_articles}), got {len(priority)}")

    def keyed(keys: np.ndarray, low: int) -> None:
        if advance:
            advance(low, 2 * bands)  # the bands before this group are bucketed
        keys_of(keys, low)

    def counted(done: int, ranges: int) -> None:
        if advance:
            advance(bands + bands * done // ranges, 2 * bands)

    members, links_start, crowded = _band_buckets(keyed, bands, window_article.astype(np.int32, copy=False), max_bucket,
                                                 np.ascontiguousarray(priority, dtype=np.int32), MAX_SUB_BITS, group, _threads())
    if advance:
        advance(bands, 2 * bands)  # every band bucketed
    found = _pairs_by_partition(members, n_articles, min_hits, weight_threshold(min_weight), links_start, crowd_weight(max_bucket, bands),
                                advance=counted)
    del members  # before the partitions' pairs are joined
    return _joined(found, crowded)


def either(first: Candidates, second: Candidates) -> Candidates:
    """The pairs of two kinds of signature (``settings.bigram_windows``): a pair either proposes, sorted,
    with the collisions of both summed (a kind that did not propose it adds none) and both kinds' crowded buckets."""
    pairs = np.concatenate([first.pairs, second.pairs])
    if len(pairs) == 0:
        return dataclasses.replace(first, crowded_buckets=first.crowded_buckets + second.crowded_buckets)
    unique, back = np.unique(pairs, axis=0, return_inverse=True)
    back = back.reshape(-1)
    hits = np.minimum(np.bincount(back, np.concatenate([first.hits, second.hits]), len(unique)), COUNT_CAP).astype(np.int64)
    weights = np.zeros(len(unique), dtype=np.int64)
    np.add.at(weights, back, np.concatenate([first.weights, second.weights]))
    return Candidates(pairs=unique.astype(np.int64), hits=hits, weights=weights,
                      crowded_buckets=first.crowded_buckets + second.crowded_buckets)


def _no_candidates() -> Candidates:
    nothing = np.zeros(0, dtype=np.int64)
    return Candidates(pairs=np.zeros((0, 2), dtype=np.int64), hits=nothing, weights=nothing, crowded_buckets=0)


def _check_articles(window_article: np.ndarray, n_articles: int) -> None:
    # Pair codes and the per-article tallies index by article: an article outside the range
    # would corrupt them silently.
    if not 0 <= n_articles < 2**31 or window_article.min() < 0 or window_article.max() >= n_articles:
        raise ValueError(f"window articles must lie in [0, n_articles) with n_articles < 2**31; n_articles is {n_articles}")


def _threads() -> int:
    return numba.get_num_threads()


def _group(windows: int, bands: int) -> int:
    """Bands keyed and sorted together: a multiple of the threads, so none idles, and at least one each."""
    threads = _threads()
    fit = KEY_BYTES // (12 * max(windows, 1)) - threads
    return min(bands, max(threads, min(-(-BANDS_AT_ONCE // threads) * threads, fit // threads * threads)))


def find_candidates_signing(
    values: np.ndarray, ranges: np.ndarray, window_article: np.ndarray, n_articles: int,
    num_perm: int, seed: int, rows: int, max_bucket: int, min_hits: int = 1, min_weight: float = 0.0,
    priority: Optional[np.ndarray] = None, advance: Optional[Callable[[int, int], None]] = None,
) -> Candidates:
    """``find_candidates`` of the windows' MinHash signatures, signed a group of bands at a time.

    Never holds a signature (256 bytes a window at 64 permutations: 6 GB for a million
    articles): each group of bands is signed and keyed in one pass (``_signed_keys``), sorted
    and walked, then dropped. Same result as signing everything first (``signatures.sign_ranges``).

    Args:
        values: uint32 shingle values (``signature_inputs``).
        ranges: int64 ``(windows, 2)`` window ranges into ``values``.
        window_article: The article of each window, in ``[0, n_articles)``.
        n_articles: Number of articles.
        num_perm: Permutations per signature.
        seed: Permutation seed.
        rows: Rows per band.
        max_bucket: Largest bucket whose windows all pair; a larger one's pair with its centre only.
        min_hits: Fewest collisions a pair needs.
        min_weight: Least weight of those collisions (``collision_weight``; 0: any).
        priority: Each article's rank, earliest first (``earliest_first``); ``None``: article order.
        advance: Called with ``(done, total)`` steps of the work as it goes (a progress bar's).
    """
    window_article = np.asarray(window_article)
    bands = num_perm // rows
    if len(ranges) == 0 or bands == 0:
        return _no_candidates()
    _check_articles(window_article, n_articles)
    a, b = permutations(num_perm, seed)
    values = np.ascontiguousarray(values, dtype=np.uint32)
    ranges = np.ascontiguousarray(ranges, dtype=np.int64)
    return _counted(lambda keys, low: _signed_keys(values, ranges, a, b, rows, low, keys), bands, window_article, n_articles,
                    max_bucket, min_hits, min_weight, priority, _group(len(ranges), bands), advance)
