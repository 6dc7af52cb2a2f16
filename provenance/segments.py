"""Segments: an index's LSH band keys, as immutable sorted files next to its SQLite file.

(Also ``write_array``, which writes the index's signature blocks the same crash-safe way.)

Owns the segment file format and the three things done with it: writing one batch's band
keys as a file (temporary name, fsync, rename), looking probe keys up in a set of segments
(memory-mapped, one band at a time, so memory stays bounded whatever the archive's size),
and merging segments into one (band by band, leaving out the entries of removed articles).
It knows nothing of SQLite: which files are part of an index is the index's business (its
``segments`` table), so a file here counts only once the index has registered it.

A segment holds one entry per (indexed window, band): the band key (``KEY_BITS`` = 48 bits,
which ``candidates.band_keys`` already mixes the band number into) and the window's article
number (uint32). Window identity is not stored: a candidate counts (query window, indexed
window) collisions per article pair, and each entry is one indexed window. File layout::

    b"PRVSEG02"  int64 bands  int64 entries[bands]        header
    per band, by its number of entries n:
      n < DIRECTORY_MIN:  uint64 keys[n] (sorted)  uint32 articles[n]  padding to 8 bytes
      n >= DIRECTORY_MIN: uint32 ends[2**16]  uint32 low[n]  uint32 articles[n]

A large band keeps each key's top 16 bits once, as a directory: ``ends[p]`` is the end of the
entries whose key starts with ``p``, and ``low`` holds their bottom 32 bits, sorted within each
prefix. That is 8 bytes an entry instead of 12 (plus 256 KB a band); building an index is
bound by the disk's writes, so fewer bytes is faster. A lookup reads the directory and
searches one prefix's run. Below ``DIRECTORY_MIN`` entries the directory would cost more than
it saves.

Nothing here reads articles, signs text or decides what a candidate is.
"""

from __future__ import annotations

import dataclasses
import mmap
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

import numba
import numpy as np

from provenance.errors import ProvenanceError
from provenance.keysort import KEY_BITS, MAX_SUB_BITS, TOP_BITS, sort_band

MAGIC = b"PRVSEG02"
MAX_ARTICLE = (1 << 32) - 1  # article numbers are stored as uint32
LOW_BITS = 32  # a directory band stores the keys' bottom 32 bits; the rest are the directory's
PREFIXES = 1 << (KEY_BITS - LOW_BITS)
DIRECTORY_MIN = PREFIXES  # from here on, 4 bytes saved an entry pay for the 256 KB directory
MAX_BAND = (1 << 32) - 1  # the directory's ends are uint32


class SegmentError(ProvenanceError):
    """A segment file is not one (wrong magic or truncated): the index around it is damaged."""


@dataclasses.dataclass(frozen=True)
class _BandPlace:
    """Where one band lies in a segment file (byte offsets) and how its keys are kept."""

    start: int  # the directory, or the keys of a band without one
    articles: int
    end: int
    entries: int

    @property
    def directory(self) -> bool:
        return self.entries >= DIRECTORY_MIN


def _layout(counts: np.ndarray) -> tuple[int, list[_BandPlace]]:
    """Header size plus every band's bytes, and each band's place."""
    position = 16 + 8 * len(counts)
    out = []
    for count in counts.tolist():
        if count >= DIRECTORY_MIN:
            articles = position + 4 * PREFIXES + 4 * count
            end = articles + 4 * count
        else:
            articles = position + 8 * count
            end = articles + ((4 * count + 7) // 8) * 8
        out.append(_BandPlace(position, articles, end, count))
        position = end
    return position, out


def write_array(path: Path, array: np.ndarray) -> None:
    """Write an array's raw bytes as a file: temporary name, fsync, rename (the signature and text blocks)."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        file = _SyncedFile(temporary)
        try:
            data = memoryview(np.ascontiguousarray(array)).cast("B")
            for start in range(0, len(data), SYNC_BYTES):
                file.write(data[start : start + SYNC_BYTES])
        except BaseException:
            file.close(sync=False)
            raise
        file.close()
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


# Bytes written to a file before they are synced and dropped from the page cache (``_SyncedFile``).
SYNC_BYTES = 64 << 20


class _SyncedFile:
    """A new file written front to back, its pages synced and dropped from the page cache as it goes
    (every ``SYNC_BYTES``, and at ``close``, which fsyncs it whole).

    Nothing reads an index's file while it is written (an audit or a merge reads it later, from
    disk or memory-mapped): kept, its pages would fill the page cache with a whole archive's worth
    of clean pages, and each write would take fresh pages. Fresh pages are not free: on this
    project's 2-core VM, 1.2–2 s a GiB where the host has taken the memory back (free for a few
    seconds), 0.1–0.35 s where it was just freed (``bench/memory_costs.py``). Dropped as it goes, a
    file reuses its own pages: merging 16 segments into 1 GB, the writes took 1.7 s kept, 0.5 s dropped.
    """

    def __init__(self, path: Path) -> None:
        self.file = open(path, "wb")
        self.unsynced = 0

    def write(self, data: bytes | memoryview) -> None:
        self.file.write(data)
        self.unsynced += memoryview(data).nbytes
        if self.unsynced >= SYNC_BYTES:
            self.file.flush()
            _sync_data(self.file.fileno())
            _drop_cached(self.file.fileno())
            self.unsynced = 0

    def seek(self, position: int) -> None:
        self.file.seek(position)

    def close(self, sync: bool = True) -> None:
        """fsync the whole file (data and size) and drop its pages, unless not ``sync`` (a file given up); close it."""
        if not sync:
            try:
                self.file.close()
            except OSError:
                pass  # what a file given up could not flush (a full disk) is not wanted; it is closed all the same
            return
        with self.file:
            self.file.flush()
            os.fsync(self.file.fileno())
            _drop_cached(self.file.fileno())


_sync_data = getattr(os, "fdatasync", os.fsync)  # (macOS has no fdatasync)


def _drop_cached(descriptor: int) -> None:
    """Let the kernel drop a synced file's pages from its page cache."""
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)


def _sync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# Bands a segment writer lets wait for its thread: bounded, so a slow disk cannot fill memory.
WRITES_IN_FLIGHT = 2


class _Writer:
    """Writes a segment band by band to ``path + '.tmp'``; ``finish`` fsyncs and renames it into place.

    A band's bytes are written (and synced, ``_SyncedFile``) on a thread of the writer's own while
    the caller makes the next band: in a merge, the compiled merge of one band and the write of
    the one before take about as long each. The caller must not change an array it has given.
    """

    def __init__(self, path: Path, bands: int) -> None:
        self.path = path
        self.temporary = path.with_name(path.name + ".tmp")
        self.counts = np.zeros(bands, dtype=np.int64)
        self.band = 0
        self.file = _SyncedFile(self.temporary)
        self.thread = ThreadPoolExecutor(max_workers=1)
        self.writes: deque[Future[None]] = deque()
        self._write(b"\0" * (16 + 8 * bands))  # the header is written last, once the counts are known

    def _write(self, *parts: bytes | memoryview) -> None:
        while len(self.writes) >= WRITES_IN_FLIGHT:
            self.writes.popleft().result()  # (its error, if it failed)
        self.writes.append(self.thread.submit(self._write_now, parts))

    def _write_now(self, parts: tuple[bytes | memoryview, ...]) -> None:
        for part in parts:
            self.file.write(part)

    def _drain(self) -> None:
        """Wait for every write given (raising the first one's error, if one failed)."""
        try:
            while self.writes:
                self.writes.popleft().result()
        finally:
            for write in self.writes:
                write.cancel()
            self.thread.shutdown(wait=True)

    def band_entries(self, keys: np.ndarray, articles: np.ndarray) -> None:
        """Write the next band: its sorted keys and their articles."""
        count = len(keys)
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
        if count >= DIRECTORY_MIN:  # (band_directory refuses more than MAX_BAND)
            self.band_directory(*_encoded(keys), articles)
            return
        self.counts[self.band] = count
        self._write(keys.astype("<u8", copy=False).data, np.ascontiguousarray(articles, dtype="<u4").data, b"\0" * (4 * (count % 2)))
        self.band += 1

    def band_directory(self, ends: np.ndarray, low: np.ndarray, articles: np.ndarray) -> None:
        """Write the next band given as a directory and its keys' bottom 32 bits (``_encoded``'s form)."""
        count = len(low)
        if count < DIRECTORY_MIN:
            self.band_entries(_decoded(ends, low), articles)
            return
        if count > MAX_BAND:
            raise SegmentError(f"{self.path}: a band of {count} entries is more than a segment holds ({MAX_BAND})")
        self.counts[self.band] = count
        self._write(ends.astype("<u4", copy=False).data, low.astype("<u4", copy=False).data,
                    np.ascontiguousarray(articles, dtype="<u4").data)
        self.band += 1

    def finish(self) -> int:
        """Header, fsync, rename, fsync of the folder; returns the number of entries."""
        self._drain()
        self.file.seek(0)
        self.file.write(MAGIC + np.int64(len(self.counts)).tobytes() + self.counts.astype("<i8").tobytes())
        self.file.close()
        os.replace(self.temporary, self.path)
        _sync_directory(self.path.parent)
        return int(self.counts.sum())

    def abandon(self) -> None:
        try:
            self._drain()
        except Exception:  # the error that made the caller give up is the one to report
            pass
        self.file.close(sync=False)
        self.temporary.unlink(missing_ok=True)


@numba.njit(cache=True, parallel=True)
def _sort_bands(keys, articles, sorted_articles, scratch_keys, scratch_articles, ends, sub_ends):  # pragma: no cover - compiled
    """Sort each band's ``keys`` (a row each) in place, its articles into ``sorted_articles``: ``keysort.sort_band``
    (the sort ``candidates`` buckets bands with: stable, cache-sized passes), a thread's scratch in row ``thread``."""
    bands = keys.shape[0]
    threads = scratch_keys.shape[0]
    for thread in numba.prange(threads):
        for band in range(thread, bands, threads):
            sort_band(keys[band], articles, MAX_SUB_BITS, sorted_articles[band], scratch_keys[thread], scratch_articles[thread],
                      ends[thread], sub_ends[thread])


def _sorted_bands(keys: np.ndarray, articles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each band's keys sorted (in place: ``keys`` itself, no copy of a batch's keys), with their articles (uint32).
    The arrays are made here, by numpy, not in the kernel: numpy asks for huge pages for large arrays, which a
    compiled allocation does not get."""
    bands, n = keys.shape
    threads = max(1, min(numba.get_num_threads(), bands))
    sorted_articles = np.empty((bands, n), dtype=np.uint32)
    _sort_bands(keys, articles, sorted_articles, np.empty((threads, n), dtype=np.uint64), np.empty((threads, n), dtype=np.uint32),
                np.empty((threads, 1 << TOP_BITS), dtype=np.int64), np.empty((threads, 1 << MAX_SUB_BITS), dtype=np.int64))
    return keys, sorted_articles


# The key space is cut into this many ranges per thread, merged independently (``_merge_runs``):
# more ranges than threads, so that a range holding a large bucket does not hold up the rest.
MERGE_PARTS_PER_THREAD = 4


@numba.njit(cache=True, parallel=True)
def _merge_runs(keys, articles, starts, parts):  # pragma: no cover - compiled
    """Merge sorted runs ``keys[starts[r]:starts[r + 1]]`` (with their articles) into one sorted run.

    The key space is cut into ``parts`` equal ranges; each range's slice of every run is found by
    binary search, so each range's place in the output is known and the ranges merge in parallel.
    Within a range, a linear scan of the run heads (runs are few).
    """
    runs = len(starts) - 1
    cuts = np.empty((parts + 1, runs), dtype=np.int64)  # where each range begins in each run
    for p in range(parts + 1):
        limit = (np.uint64(p) << np.uint64(KEY_BITS)) // np.uint64(parts)
        for r in range(runs):
            cuts[p, r] = starts[r] + np.searchsorted(keys[starts[r] : starts[r + 1]], limit)
    first = np.zeros(parts + 1, dtype=np.int64)
    for p in range(parts):
        first[p + 1] = first[p] + np.sum(cuts[p + 1] - cuts[p])
    out_keys = np.empty(len(keys), dtype=np.uint64)
    out_articles = np.empty(len(keys), dtype=np.uint32)
    for p in numba.prange(parts):
        heads = cuts[p].copy()
        ends = cuts[p + 1]
        n = first[p]
        while True:
            best = -1
            for r in range(runs):
                if heads[r] < ends[r] and (best < 0 or keys[heads[r]] < keys[heads[best]]):
                    best = r
            if best < 0:
                break
            out_keys[n] = keys[heads[best]]
            out_articles[n] = articles[heads[best]]
            heads[best] += 1
            n += 1
    return out_keys, out_articles


# Prefixes a thread of ``_merge_directories`` takes at a time.
MERGE_PREFIXES_AT_ONCE = 256
# At most 2**this buckets split a prefix's entries by their top bits before they are insertion-sorted.
MAX_BUCKET_BITS = 12


@numba.njit(cache=True, inline="always")
def _is_dead(article, dead):  # pragma: no cover - compiled
    k = np.searchsorted(dead, article)
    return k < len(dead) and dead[k] == article


@numba.njit(cache=True, inline="always")
def _prefix_run(ends, starts, r, p):  # pragma: no cover - compiled
    """Where run ``r``'s entries with prefix ``p`` lie in ``_merge_directories``'s joined input."""
    return starts[r] + (ends[r, p - 1] if p else 0), starts[r] + ends[r, p]


@numba.njit(cache=True, inline="always")
def _bucket(low, bits):  # pragma: no cover - compiled
    """The top ``bits`` bits of a 32-bit ``low`` (0 when ``bits`` is 0)."""
    return np.int64((np.uint64(low) << np.uint64(bits)) >> np.uint64(32))


# nogil: the segment writer's thread writes the band before while this merges the next.
@numba.njit(cache=True, parallel=True, nogil=True)
def _merge_directories(ends, low, articles, starts, dead):  # pragma: no cover - compiled
    """``_merge_runs`` of bands that all have a directory, in that form, without making whole keys.

    Run ``r``'s directory is ``ends[r]`` and its entries are ``low[starts[r]:starts[r + 1]]``
    with their ``articles``. A prefix holds few entries of a band (one in 65,536), so each
    prefix's entries of every run are sorted together by (bottom bits, place in the input):
    equal keys stay in run order, as ``_merge_runs`` leaves them. Entries of ``dead`` articles
    (sorted) are left out. Returns the merged band's directory, bottom bits and articles.
    """
    runs = ends.shape[0]
    live = np.zeros(PREFIXES, dtype=np.int64)
    widest = np.zeros(PREFIXES, dtype=np.int64)
    for p in numba.prange(PREFIXES):
        for r in range(runs):
            begin, end = _prefix_run(ends, starts, r, p)
            widest[p] += end - begin
            if len(dead) == 0:
                live[p] += end - begin
            else:
                for i in range(begin, end):
                    live[p] += not _is_dead(articles[i], dead)
    out_ends = np.cumsum(live).astype(np.uint32)
    out_low = np.empty(np.int64(out_ends[-1]), dtype=np.uint32)
    out_articles = np.empty(np.int64(out_ends[-1]), dtype=np.uint32)
    for chunk in numba.prange(PREFIXES // MERGE_PREFIXES_AT_ONCE):
        first = chunk * MERGE_PREFIXES_AT_ONCE
        entries = np.empty(widest[first : first + MERGE_PREFIXES_AT_ONCE].max(), dtype=np.uint64)
        bucket_starts = np.empty((1 << MAX_BUCKET_BITS) + 1, dtype=np.int64)
        for p in range(first, first + MERGE_PREFIXES_AT_ONCE):
            # The bottom bits are hash bits, spread evenly: with about one bucket an entry, the
            # entries are placed by their top bits (stably, so run order holds within a bucket)
            # and an insertion sort then moves each past about one other (it moved each past
            # a dozen when the entries came in run order: half the merge's time).
            bits = 0
            while bits < MAX_BUCKET_BITS and (np.int64(2) << bits) <= live[p]:
                bits += 1
            bucket_starts[: (1 << bits) + 1] = 0
            for r in range(runs):
                begin, end = _prefix_run(ends, starts, r, p)
                for i in range(begin, end):
                    if len(dead) == 0 or not _is_dead(articles[i], dead):
                        bucket_starts[_bucket(low[i], bits) + 1] += 1
            for b in range(1 << bits):
                bucket_starts[b + 1] += bucket_starts[b]
            for r in range(runs):
                begin, end = _prefix_run(ends, starts, r, p)
                for i in range(begin, end):
                    if len(dead) == 0 or not _is_dead(articles[i], dead):
                        b = _bucket(low[i], bits)
                        entries[bucket_starts[b]] = (np.uint64(low[i]) << np.uint64(32)) | np.uint64(i)
                        bucket_starts[b] += 1
            m = live[p]
            for t in range(1, m):
                entry = entries[t]
                k = t
                while k > 0 and entries[k - 1] > entry:
                    entries[k] = entries[k - 1]
                    k -= 1
                entries[k] = entry
            out = np.int64(out_ends[p]) - m
            for t in range(m):
                out_low[out + t] = np.uint32(entries[t] >> np.uint64(32))
                out_articles[out + t] = articles[np.int64(entries[t] & np.uint64(0xFFFFFFFF))]
    return out_ends, out_low, out_articles


@numba.njit(cache=True)
def _encoded(keys):  # pragma: no cover - compiled
    """A sorted band's directory (``ends``) and its keys' bottom 32 bits."""
    ends = np.zeros(PREFIXES, dtype=np.uint32)
    low = np.empty(len(keys), dtype=np.uint32)
    for i in range(len(keys)):
        ends[np.int64(keys[i] >> np.uint64(LOW_BITS))] += 1
        low[i] = np.uint32(keys[i] & np.uint64(0xFFFFFFFF))
    for p in range(1, PREFIXES):
        ends[p] += ends[p - 1]
    return ends, low


@numba.njit(cache=True)
def _decoded(ends, low):  # pragma: no cover - compiled
    """A directory band's whole keys."""
    keys = np.empty(len(low), dtype=np.uint64)
    i = 0
    for p in range(PREFIXES):
        high = np.uint64(p) << np.uint64(LOW_BITS)
        while i < ends[p]:
            keys[i] = high | np.uint64(low[i])
            i += 1
    return keys


@numba.njit(cache=True)
def _find_in_directory(ends, low, probes):  # pragma: no cover - compiled
    """``Segment.find`` in a band with a directory: each probe's prefix run, then a binary search in it."""
    n = len(probes)
    start = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        prefix = np.int64(probes[i] >> np.uint64(LOW_BITS))
        if prefix >= PREFIXES:
            continue
        value = np.uint32(probes[i] & np.uint64(0xFFFFFFFF))
        first = np.int64(ends[prefix - 1]) if prefix else np.int64(0)
        run = low[first : np.int64(ends[prefix])]
        lo = np.searchsorted(run, value, side="left")
        start[i] = first + lo
        count[i] = np.searchsorted(run, value, side="right") - lo
    return start, count


def write(path: Path, keys: np.ndarray, articles: np.ndarray) -> int:
    """Write a segment from one batch's entries.

    Args:
        path: The file to create (replaced if it exists: only an orphan can be there).
        keys: uint64 ``(bands, windows)`` band keys (``candidates.band_keys``), sorted in place (a
            batch's keys are tens of megabytes, and fresh memory is not free).
        articles: The article number of each window.

    Returns:
        The number of entries written.
    """
    articles = np.asarray(articles, dtype=np.int64)
    if len(articles) and (articles.min() < 0 or articles.max() > MAX_ARTICLE):
        raise ValueError(f"article numbers must fit 32 bits, got {articles.min()}..{articles.max()}")
    keys = np.ascontiguousarray(keys, dtype=np.uint64)
    if keys.size and keys.max() >> np.uint64(KEY_BITS):  # the sort's buckets and the directory need it
        raise ValueError(f"band keys must fit {KEY_BITS} bits")
    sorted_keys, sorted_articles = _sorted_bands(keys, articles.astype(np.uint32))
    writer = _Writer(path, keys.shape[0])
    try:
        for band in range(keys.shape[0]):
            writer.band_entries(sorted_keys[band], sorted_articles[band])
        return writer.finish()
    except BaseException:
        writer.abandon()
        raise


class Segment:
    """One segment file, memory-mapped for reading. Close it (or use ``with``) to unmap it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as file:
            header = file.read(16)
            if len(header) < 16 or header[:8] != MAGIC:
                raise SegmentError(f"{path}: not a segment file")
            bands = int(np.frombuffer(header, dtype="<i8", offset=8)[0])
            counts = np.frombuffer(file.read(8 * bands), dtype="<i8")
            end, self.layout = _layout(counts)
            if os.fstat(file.fileno()).st_size < end:
                raise SegmentError(f"{path}: truncated segment file")
            self.map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if end else None

    @property
    def bands(self) -> int:
        return len(self.layout)

    def _array(self, dtype: str, count: int, offset: int) -> np.ndarray:
        return np.frombuffer(self.map, dtype=dtype, count=count, offset=offset)

    def articles(self, band: int) -> np.ndarray:
        """The article numbers of a band's entries, in key order (a view of the mapping)."""
        place = self.layout[band]
        if place.entries == 0 or self.map is None:
            return np.zeros(0, np.uint32)
        return self._array("<u4", place.entries, place.articles)

    def keys(self, band: int) -> np.ndarray:
        """A band's sorted keys, whole (a copy where the band has a directory, else a view)."""
        place = self.layout[band]
        if place.entries == 0 or self.map is None:
            return np.zeros(0, np.uint64)
        if not place.directory:
            return self._array("<u8", place.entries, place.start)
        return _decoded(*self.directory(band))

    def directory(self, band: int) -> tuple[np.ndarray, np.ndarray]:
        """A band with a directory as it is kept: the directory and the keys' bottom 32 bits (views of the mapping)."""
        place = self.layout[band]
        assert place.directory and self.map is not None
        return self._array("<u4", PREFIXES, place.start), self._array("<u4", place.entries, place.start + 4 * PREFIXES)

    def find(self, band: int, probes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each sorted probe key's entries start in the band, and how many there are (int64 each)."""
        place = self.layout[band]
        if place.entries == 0 or self.map is None:
            return np.zeros(len(probes), np.int64), np.zeros(len(probes), np.int64)
        if place.directory:
            return _find_in_directory(self._array("<u4", PREFIXES, place.start),
                                      self._array("<u4", place.entries, place.start + 4 * PREFIXES), probes)
        keys = self._array("<u8", place.entries, place.start)
        start = np.searchsorted(keys, probes, side="left")
        return start, np.searchsorted(keys, probes, side="right") - start

    def release(self, band: int) -> None:
        """Drop the band's pages from this process's memory (they stay in the OS page cache)."""
        place = self.layout[band]
        if self.map is None or place.entries == 0:
            return
        start = place.start - place.start % mmap.PAGESIZE
        self.map.madvise(mmap.MADV_DONTNEED, start, min(len(self.map), place.end) - start)

    def close(self) -> None:
        if self.map is not None:
            try:
                self.map.close()
            except BufferError:  # a view outlived its band (an error on the way): unmapped when collected
                pass
            self.map = None

    def __enter__(self) -> "Segment":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def entries(path: Path) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Every entry of a segment, band by band: ``(band, keys, articles)`` (copies), for checks and tools."""
    with Segment(path) as segment:
        for band in range(segment.bands):
            keys, articles = segment.keys(band), segment.articles(band)
            out = band, keys.copy(), articles.astype(np.int64)
            del keys, articles  # views of the mapping: the mapping cannot close while they live
            yield out


def lookup(paths: Sequence[Path], probes: Sequence[np.ndarray], limit: int, priority: Optional[np.ndarray] = None,
           ranked: Callable[[int], bool] = lambda band: True,
           ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Look sorted probe keys up in segments, band by band.

    Args:
        paths: The segment files.
        probes: Per band, sorted distinct uint64 keys.
        limit: Largest bucket whose entries are gathered (a bucket is every entry with that
            key in that band, across all ``paths``).
        priority: A rank per article number, if each bucket's least-ranked article is wanted ...
        ranked: ... in the bands for which this says so.

    Returns:
        Per band: the bucket size of each probe key (int64, over all segments); the gathered
        entries of the buckets of at most ``limit`` entries, as the probe key's position and
        the article number (int64 arrays); and each bucket's article of least rank (-1 for an
        empty bucket, or a band not ranked; int64).
    """
    least = [np.full(len(p), -1, dtype=np.int64) for p in probes]
    sizes = [np.zeros(len(p), dtype=np.int64) for p in probes]
    positions: list[list[np.ndarray]] = [[] for _ in probes]
    articles: list[list[np.ndarray]] = [[] for _ in probes]
    for path in paths:
        with Segment(path) as segment:
            for band, probe in enumerate(probes):
                if len(probe) == 0:
                    continue
                start, count = segment.find(band, probe)
                hit = np.flatnonzero(count)
                if len(hit):
                    numbers = segment.articles(band)
                    start, count = start[hit], count[hit]
                    sizes[band][hit] += count
                    if priority is not None and ranked(band):
                        _least_ranked(numbers, start, count, hit, priority, least[band])
                    small = count <= limit
                    start, count, hit = start[small], count[small], hit[small]
                    total = int(count.sum())
                    if total:
                        offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
                        positions[band].append(np.repeat(hit, count))
                        articles[band].append(numbers[np.repeat(start, count) + offsets].astype(np.int64))
                    del numbers
                segment.release(band)
    # A segment's part of a bucket can be small while the whole bucket is not: keep whole buckets only.
    out_positions, out_articles = [], []
    for size, position, article in zip(sizes, positions, articles):
        position = np.concatenate(position) if position else np.zeros(0, np.int64)
        article = np.concatenate(article) if article else np.zeros(0, np.int64)
        keep = size[position] <= limit
        out_positions.append(position[keep])
        out_articles.append(article[keep])
    return sizes, out_positions, out_articles, least


@numba.njit(cache=True)
def _least_ranked(numbers, starts, counts, hits, priority, least):  # pragma: no cover - compiled
    """Lower ``least[hits[x]]`` to the article of least ``priority`` among ``numbers[starts[x]:][:counts[x]]``.

    Compiled: a crowded bucket can hold thousands of entries, which numpy would first gather."""
    for x in range(hits.shape[0]):
        best = least[hits[x]]
        for entry in range(starts[x], starts[x] + counts[x]):
            article = np.int64(numbers[entry])
            # A number past ``priority`` (none should be: it covers every number the index gave)
            # ranks last, rather than being read from beyond it.
            if article < priority.shape[0] and (best < 0 or best >= priority.shape[0] or priority[article] < priority[best]):
                best = article
            elif best < 0:
                best = article
        least[hits[x]] = best


def merge(paths: Sequence[Path], output: Path, dead: np.ndarray) -> int:
    """Merge segments into one, band by band, leaving out the entries of ``dead`` article numbers.

    Memory holds one band of all inputs at a time. The output is written under a temporary
    name, fsynced and renamed; the inputs are left for the caller to retire.

    Returns:
        The number of entries written.
    """
    dead = np.unique(np.asarray(dead, dtype=np.int64)).astype(np.uint32)
    segments = [Segment(path) for path in paths]
    writer = None
    try:
        bands = segments[0].bands if segments else 0
        if any(s.bands != bands for s in segments):
            raise SegmentError(f"segments with different band counts: {', '.join(str(p) for p in paths)}")
        writer = _Writer(output, bands)
        for band in range(bands):
            if all(s.layout[band].directory for s in segments) and sum(s.layout[band].entries for s in segments) <= MAX_BAND:
                # Every input keeps this band with a directory (as a batch's large bands are): merged in that form.
                kept = [s.directory(band) for s in segments]
                starts = np.concatenate(([0], np.cumsum([len(low) for _, low in kept]))).astype(np.int64)
                merged = _merge_directories(np.stack([ends for ends, _ in kept]), np.concatenate([low for _, low in kept]),
                                            np.concatenate([s.articles(band) for s in segments]), starts, dead)
                del kept
                for segment in segments:
                    segment.release(band)
                writer.band_directory(*merged)
                del merged
                continue
            parts = [(s.keys(band), s.articles(band)) for s in segments]
            starts = np.concatenate(([0], np.cumsum([len(p[0]) for p in parts]))).astype(np.int64)
            keys = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.uint64)
            numbers = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.uint32)
            del parts
            for segment in segments:
                segment.release(band)
            keys, numbers = _merge_runs(keys, numbers, starts, MERGE_PARTS_PER_THREAD * numba.get_num_threads())
            if len(dead):
                live = ~np.isin(numbers, dead)
                keys, numbers = keys[live], numbers[live]
            writer.band_entries(keys, numbers)
            del keys, numbers
        return writer.finish()
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    finally:
        for segment in segments:
            segment.close()
