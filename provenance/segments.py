"""Segments: an index's LSH band keys, as immutable sorted files next to its SQLite file.

(Also ``write_array``, which writes the index's signature blocks the same crash-safe way.)

Owns the segment file format and the three things done with it: writing one batch's band
keys as a file (temporary name, fsync, rename), looking probe keys up in a set of segments
(memory-mapped, one band at a time, so memory stays bounded whatever the archive's size),
and merging segments into one (band by band, leaving out the entries of removed articles).
It knows nothing of SQLite: which files are part of an index is the index's business (its
``segments`` table), so a file here counts only once the index has registered it.

A segment holds one entry per (indexed window, band): the band key (uint64, which
``candidates.band_keys`` already mixes the band number into) and the window's article
number (uint32). Window identity is not stored: a candidate counts (query window, indexed
window) collisions per article pair, and each entry is one indexed window. File layout::

    b"PRVSEG01"  int64 bands  int64 entries[bands]        header
    per band:    uint64 keys[entries[b]] (sorted)  uint32 articles[entries[b]]  padding to 8 bytes

Nothing here reads articles, signs text or decides what a candidate is.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Iterator, Sequence

import numba
import numpy as np

from provenance.errors import ProvenanceError

MAGIC = b"PRVSEG01"
MAX_ARTICLE = (1 << 32) - 1  # article numbers are stored as uint32


class SegmentError(ProvenanceError):
    """A segment file is not one (wrong magic or truncated): the index around it is damaged."""


def _layout(counts: np.ndarray) -> tuple[int, list[tuple[int, int, int]]]:
    """Header size and, per band, (keys byte offset, articles byte offset, entries)."""
    position = 16 + 8 * len(counts)
    out = []
    for count in counts.tolist():
        out.append((position, position + 8 * count, count))
        position += 8 * count + ((4 * count + 7) // 8) * 8
    return position, out


def write_array(path: Path, array: np.ndarray) -> None:
    """Write an array's raw bytes as a file: temporary name, fsync, rename (the signature blocks)."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(np.ascontiguousarray(array).data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(path.parent)


def _sync_directory(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class _Writer:
    """Writes a segment band by band to ``path + '.tmp'``; ``finish`` fsyncs and renames it into place."""

    def __init__(self, path: Path, bands: int) -> None:
        self.path = path
        self.temporary = path.with_name(path.name + ".tmp")
        self.counts = np.zeros(bands, dtype=np.int64)
        self.band = 0
        self.file = open(self.temporary, "wb")
        self.file.write(b"\0" * (16 + 8 * bands))  # the header is written last, once the counts are known

    def band_entries(self, keys: np.ndarray, articles: np.ndarray) -> None:
        self.counts[self.band] = len(keys)
        self.file.write(np.ascontiguousarray(keys, dtype="<u8").data)
        self.file.write(np.ascontiguousarray(articles, dtype="<u4").data)
        if len(keys) % 2:
            self.file.write(b"\0" * 4)
        self.band += 1

    def finish(self) -> int:
        """Header, fsync, rename, fsync of the folder; returns the number of entries."""
        self.file.seek(0)
        self.file.write(MAGIC + np.int64(len(self.counts)).tobytes() + self.counts.astype("<i8").tobytes())
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.temporary, self.path)
        _sync_directory(self.path.parent)
        return int(self.counts.sum())

    def abandon(self) -> None:
        self.file.close()
        self.temporary.unlink(missing_ok=True)


@numba.njit(cache=True, parallel=True)
def _sort_bands(keys, articles):  # pragma: no cover - compiled
    """Each band's keys sorted, with their articles: a counting pass on the top bits, then insertion sorts.

    Band keys are hashes, so the top bits spread them evenly and a bucket holds a few keys; a
    bucket of many (one key repeated by boilerplate, or an unlucky spread) is sorted with argsort.
    """
    bands, n = keys.shape
    out_keys = np.empty((bands, n), dtype=np.uint64)
    out_articles = np.empty((bands, n), dtype=np.uint32)
    bits = 1
    while bits < 24 and (1 << (bits + 2)) < n:
        bits += 1
    shift = np.uint64(64 - bits)
    for band in numba.prange(bands):
        start = np.zeros((1 << bits) + 1, dtype=np.int64)
        for i in range(n):
            start[np.int64(keys[band, i] >> shift) + 1] += 1
        for b in range(1 << bits):
            start[b + 1] += start[b]
        fill = start[:-1].copy()
        for i in range(n):
            b = np.int64(keys[band, i] >> shift)
            out_keys[band, fill[b]] = keys[band, i]
            out_articles[band, fill[b]] = articles[i]
            fill[b] += 1
        for b in range(1 << bits):
            low, high = start[b], start[b + 1]
            if high - low > 32:
                order = np.argsort(out_keys[band, low:high])
                out_keys[band, low:high] = out_keys[band, low:high][order]
                out_articles[band, low:high] = out_articles[band, low:high][order]
                continue
            for i in range(low + 1, high):
                key, article = out_keys[band, i], out_articles[band, i]
                j = i - 1
                while j >= low and out_keys[band, j] > key:
                    out_keys[band, j + 1] = out_keys[band, j]
                    out_articles[band, j + 1] = out_articles[band, j]
                    j -= 1
                out_keys[band, j + 1] = key
                out_articles[band, j + 1] = article
    return out_keys, out_articles


@numba.njit(cache=True)
def _merge_runs(keys, articles, starts, dead):  # pragma: no cover - compiled
    """Merge sorted runs ``keys[starts[r]:starts[r + 1]]`` (with their articles) into one sorted run,
    leaving out articles in the sorted array ``dead``. A linear scan of the run heads: runs are few."""
    runs = len(starts) - 1
    heads = starts[:-1].copy()
    out_keys = np.empty(len(keys), dtype=np.uint64)
    out_articles = np.empty(len(keys), dtype=np.uint32)
    count = 0
    while True:
        best = -1
        for r in range(runs):
            if heads[r] < starts[r + 1] and (best < 0 or keys[heads[r]] < keys[heads[best]]):
                best = r
        if best < 0:
            break
        i = heads[best]
        heads[best] += 1
        if len(dead) and dead[0] <= articles[i] <= dead[-1]:
            at = np.searchsorted(dead, articles[i])
            if at < len(dead) and dead[at] == articles[i]:
                continue
        out_keys[count] = keys[i]
        out_articles[count] = articles[i]
        count += 1
    return out_keys[:count], out_articles[:count]


def write(path: Path, keys: np.ndarray, articles: np.ndarray) -> int:
    """Write a segment from one batch's entries.

    Args:
        path: The file to create (replaced if it exists: only an orphan can be there).
        keys: uint64 ``(bands, windows)`` band keys (``candidates.band_keys``).
        articles: The article number of each window.

    Returns:
        The number of entries written.
    """
    articles = np.asarray(articles, dtype=np.int64)
    if len(articles) and (articles.min() < 0 or articles.max() > MAX_ARTICLE):
        raise ValueError(f"article numbers must fit 32 bits, got {articles.min()}..{articles.max()}")
    sorted_keys, sorted_articles = _sort_bands(np.ascontiguousarray(keys, dtype=np.uint64), articles.astype(np.uint32))
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

    def band(self, band: int) -> tuple[np.ndarray, np.ndarray]:
        """The sorted keys and their article numbers in one band (views of the mapping)."""
        keys_at, articles_at, count = self.layout[band]
        if count == 0 or self.map is None:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint32)
        return (np.frombuffer(self.map, dtype="<u8", count=count, offset=keys_at),
                np.frombuffer(self.map, dtype="<u4", count=count, offset=articles_at))

    def release(self, band: int) -> None:
        """Drop the band's pages from this process's memory (they stay in the OS page cache)."""
        keys_at, _, count = self.layout[band]
        if self.map is None or count == 0:
            return
        start = keys_at - keys_at % mmap.PAGESIZE
        self.map.madvise(mmap.MADV_DONTNEED, start, min(len(self.map), keys_at + 12 * count + 8) - start)

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
            keys, articles = segment.band(band)
            out = band, keys.copy(), articles.astype(np.int64)
            del keys, articles  # views of the mapping: the mapping cannot close while they live
            yield out


def lookup(paths: Sequence[Path], probes: Sequence[np.ndarray], limit: int) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Look sorted probe keys up in segments, band by band.

    Args:
        paths: The segment files.
        probes: Per band, sorted distinct uint64 keys.
        limit: Largest bucket whose entries are gathered (a bucket is every entry with that
            key in that band, across all ``paths``).

    Returns:
        Per band: the bucket size of each probe key (int64, over all segments); and the
        gathered entries of the buckets of at most ``limit`` entries, as the probe key's
        position and the article number (int64 arrays).
    """
    sizes = [np.zeros(len(p), dtype=np.int64) for p in probes]
    positions: list[list[np.ndarray]] = [[] for _ in probes]
    articles: list[list[np.ndarray]] = [[] for _ in probes]
    for path in paths:
        with Segment(path) as segment:
            for band, probe in enumerate(probes):
                if len(probe) == 0:
                    continue
                keys, numbers = segment.band(band)
                if len(keys) == 0:
                    continue
                low = np.searchsorted(keys, probe, side="left")
                inside = low < len(keys)
                hit = np.flatnonzero(inside)[keys[low[inside]] == probe[inside]]
                if len(hit):
                    start = low[hit]
                    count = np.searchsorted(keys, probe[hit], side="right") - start
                    sizes[band][hit] += count
                    small = count <= limit
                    start, count, hit = start[small], count[small], hit[small]
                    total = int(count.sum())
                    if total:
                        offsets = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
                        positions[band].append(np.repeat(hit, count))
                        articles[band].append(numbers[np.repeat(start, count) + offsets].astype(np.int64))
                del keys, numbers
                segment.release(band)
    join = [np.concatenate(parts) if parts else np.zeros(0, np.int64) for parts in positions]
    return sizes, join, [np.concatenate(parts) if parts else np.zeros(0, np.int64) for parts in articles]


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
            parts = [s.band(band) for s in segments]
            starts = np.concatenate(([0], np.cumsum([len(p[0]) for p in parts]))).astype(np.int64)
            keys = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.uint64)
            numbers = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.uint32)
            del parts
            for segment in segments:
                segment.release(band)
            writer.band_entries(*_merge_runs(keys, numbers, starts, dead))
            del keys, numbers
        return writer.finish()
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    finally:
        for segment in segments:
            segment.close()
