"""Benchmark provenance on a synthetic news corpus from ``bench/generate.py``, with baselines.

Runs ``provenance.pipeline.scan_articles`` on the corpus and prints, as a table
(and as JSON with ``--json``): seconds and articles/s per stage, peak memory,
pair precision and recall by kind of derivation, overlap error, tree edge and
root accuracy — with publication dates, without them, or both. Then, on the same
corpus in the same run, times the "text in → candidate pairs out" work of three
baselines against provenance's own shingle + signatures + candidates stages, at
equal sample size, and prints the ratios. Usage::

    python bench/generate.py --articles 10000 --out /tmp/news-10k
    python bench/run.py /tmp/news-10k [--dates both] [--workers 2] [--baseline-sample 5000] [--json out.json]

How pairs are counted. A reported match counts for a planted edge if it links the
same two articles, in either direction. Every reported match is one of:
``edge`` (a planted edge), ``family, indirect`` (two members of one planted family
that are not a direct edge: grandparent and grandchild, two siblings; the text
really did pass from one to the other, through an intermediary, so it is not a
false claim, but it is not the edge either), ``false, boilerplate`` (a false pair
whose every passage lies mostly in wire ledes and footer lines, per the truth's
``story_spans``), or ``false`` (anything else). ``precision`` = (edge + family
indirect) / reported; ``precision_strict`` = edge / reported; and, to tell the
two kinds of error apart, precision without the boilerplate-only pairs. Overlap error compares the reported overlap of the planted
derived article (``overlap``, or ``source_overlap`` when provenance turned the
pair round) with the planted one. Tree edge accuracy: fraction of planted edges
whose derived article has exactly the planted source as its parent in
``report.trees``. Root accuracy: fraction of families whose reported tree (the
one holding most of the family's members) has the planted root as its root.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gc
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from provenance.model import Article, Report
from provenance.pipeline import default_workers, handed_over, scan_articles
from provenance.settings import Settings

KINDS = ("copy", "partial", "light-edit", "spin")
# Text in -> candidate pairs out: the work the baselines do too.
# "windows" (df filter, passage windows) and "candidates" (MinHash + LSH a block of bands at a time);
# results from before commit cb19e44 name them "signatures" and "candidates".
FRONT_STAGES = ("boilerplate", "shingle", "windows", "candidates")
# What the baselines do (text in, candidate pairs out): the front stages less boilerplate masking,
# which no baseline attempts. Ratios against the baselines use this.
SIGNING_STAGES = ("shingle", "windows", "candidates")


# --- input ------------------------------------------------------------------------------


def load_articles(path: Path, limit: int | None = None, dates: bool = True) -> list[Article]:
    """Articles from ``articles.jsonl`` (the first ``limit``); ``dates=False`` drops ``published``."""
    articles = []
    file = path / "articles.jsonl"
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if limit is not None and len(articles) >= limit:
                break
            record = json.loads(line)
            published = record.get("published") if dates else None
            articles.append(
                Article(
                    id=record["id"],
                    text=record["text"],
                    path=f"{file}:{number}",  # as the JSONL reader names it (one site: the folder)
                    title=record.get("title"),
                    published=published,
                    published_from="metadata" if published else None,
                )
            )
    return articles


@dataclasses.dataclass
class Truth:
    edges: dict[frozenset[str], dict[str, Any]]  # pair -> planted edge
    family_of: dict[str, str]
    families: list[dict[str, Any]]
    story_spans: dict[str, list[int]] = dataclasses.field(default_factory=dict)

    def outside_story(self, article: str, start: int, end: int) -> int:
        """Characters of ``[start, end)`` in the article's wire lede or footer (boilerplate)."""
        if article not in self.story_spans:
            return 0
        story_start, story_end = self.story_spans[article]
        return max(0, min(end, story_start) - start) + max(0, end - max(start, story_end))

    @classmethod
    def load(cls, path: Path) -> "Truth":
        data = json.loads((path / "truth.json").read_text())
        edges = {frozenset((e["source"], e["derived"])): e for e in data["edges"]}
        family_of = {a: f["family"] for f in data["families"] for a in f["articles"]}
        return cls(edges, family_of, data["families"], data.get("story_spans", {}))

    def restricted(self, ids: set[str]) -> "Truth":
        """The planted edges with both ends in ``ids``."""
        edges = {k: e for k, e in self.edges.items() if k <= ids}
        return Truth(edges, self.family_of, self.families, self.story_spans)


# --- memory -------------------------------------------------------------------------------


class PeakMemory:
    """Peak memory of this process plus its workers (sum of PSS, sampled with psutil).

    Reading PSS makes the kernel walk every page table entry of every process (~45 ms at
    6 GB over three processes), on a thread that competes with the scan for the two cores.
    At a fixed interval that cost grows with the corpus and inflates the large tiers' times
    (the 1M scan paid ~15% of a core for it): the sampler waits at least ``COST_SHARE`` times
    as long as its last sample took, so it takes at most ~5% of one core. Its interval grows
    with the footprint, as the stages' lengths do: 0.25 s at 100k, about 1 s at 1M (50 times
    its cost missed ~200 MiB of a 100k run's peak). ``maxrss_mib`` is printed beside it.
    ``stage_ended``, called as each scan stage ends, gives each stage's own peak: where a large
    tier's memory goes, so a change that adds some shows which stage it raised.
    """

    # Above this many bytes (process + workers) the run stops: the machine is shared.
    limit: int | None = None
    COST_SHARE = 20

    def __init__(self, interval: float = 0.25) -> None:
        self.peak = 0
        self._stage_peak = 0  # since the last ``stage_ended``
        self._stop = threading.Event()
        self._interval = interval
        try:
            import psutil

            self._process = psutil.Process()
        except ImportError:  # psutil is in the bench extra; maxrss still works without it
            self._process = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        # PSS (proportional set size): pages a forked worker shares with its parent count once.
        total = 0
        for process in [self._process, *self._process.children(recursive=True)]:
            try:
                info = process.memory_full_info()
                total += getattr(info, "pss", info.rss)
            except Exception:  # a worker may exit between listing and reading
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            began = time.perf_counter()
            sample = self._sample()
            self.peak = max(self.peak, sample)
            self._stage_peak = max(self._stage_peak, sample)
            cost = time.perf_counter() - began
            if self.limit is not None and self.peak > self.limit:
                print(f"run: stopped: memory {self.peak / 2**30:.1f} GiB passed --memory-limit-gib", file=sys.stderr, flush=True)
                for child in self._process.children(recursive=True):
                    child.kill()
                os._exit(3)
            self._stop.wait(max(self._interval, self.COST_SHARE * cost))

    def __enter__(self) -> "PeakMemory":
        if self._process is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._process is not None:
            self._thread.join()
            self.peak = max(self.peak, self._sample())

    def stage_ended(self) -> int:
        """The peak (bytes) sampled since the last call, or since the start, counting one sample taken now;
        then starts over. (A stage shorter than the sampling interval may be attributed its neighbour's peak.)"""
        if self._process is None:
            return 0
        sample = self._sample()
        self.peak = max(self.peak, sample)
        peak, self._stage_peak = max(self._stage_peak, sample), 0
        return peak


def maxrss_mib() -> dict[str, float]:
    """Peak resident set of this process and of its largest finished child (Linux: KiB)."""
    return {
        "self_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "largest_child_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


# --- scoring -----------------------------------------------------------------------------


def evaluate(report: Report, truth: Truth) -> dict[str, Any]:
    """Pair precision and recall by kind, overlap error, tree edge and root accuracy."""
    planted_by_kind = collections.Counter(e["kind"] for e in truth.edges.values())
    found_by_kind: collections.Counter[str] = collections.Counter()
    errors: dict[str, list[float]] = collections.defaultdict(list)
    directed = 0
    classes = collections.Counter()
    for match in report.matches:
        key = frozenset((match.source, match.derived))
        edge = truth.edges.get(key)
        if edge is not None:
            classes["edge"] += 1
            found_by_kind[edge["kind"]] += 1
            same_way = match.derived == edge["derived"]
            directed += same_way
            reported = match.overlap if same_way else match.source_overlap
            errors[edge["kind"]].append(abs(reported - edge["overlap"]))
        elif truth.family_of.get(match.source) is not None and truth.family_of.get(match.source) == truth.family_of.get(match.derived):
            classes["family_indirect"] += 1
        elif _boilerplate_only(match, truth):
            classes["false_boilerplate"] += 1
        else:
            classes["false"] += 1
    reported = len(report.matches)
    parent = {e.derived: e.source for tree in report.trees for e in tree.edges}
    right_parent = collections.Counter(e["kind"] for e in truth.edges.values() if parent.get(e["derived"]) == e["source"])
    # The true parent is the chosen one or one of its equal-evidence alternatives (copies of each other).
    candidates = {e.derived: {e.source, *e.alternatives} for tree in report.trees for e in tree.edges}
    among_alternatives = sum(e["source"] in candidates.get(e["derived"], ()) for e in truth.edges.values())
    tree_of = {a: tree.root for tree in report.trees for a in tree.articles}
    roots_right = families = 0
    planted_articles = {a for e in truth.edges.values() for a in (e["source"], e["derived"])}
    for family in truth.families:
        members = [a for a in family["articles"] if a in planted_articles]
        if len(members) < 2:
            continue
        families += 1
        trees = collections.Counter(tree_of[a] for a in members if a in tree_of)
        if trees:
            best = sorted(trees.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            roots_right += best == family["root"]
    all_errors = [x for kind in errors for x in errors[kind]]
    found = sum(found_by_kind.values())
    return {
        "reported": reported,
        "classes": dict(classes),
        "precision": _ratio(classes["edge"] + classes["family_indirect"], reported),
        "precision_strict": _ratio(classes["edge"], reported),
        "precision_without_boilerplate_pairs": _ratio(classes["edge"] + classes["family_indirect"], reported - classes["false_boilerplate"]),
        "recall": _ratio(found, len(truth.edges)),
        "by_kind": {
            kind: {
                "planted": planted_by_kind[kind],
                "found": found_by_kind[kind],
                "recall": _ratio(found_by_kind[kind], planted_by_kind[kind]),
                "overlap_error": round(statistics.fmean(errors[kind]), 4) if errors[kind] else None,
                "edge_accuracy": _ratio(right_parent[kind], planted_by_kind[kind]),
            }
            for kind in _kinds(planted_by_kind)
        },
        "overlap_error": round(statistics.fmean(all_errors), 4) if all_errors else None,
        "direction_accuracy": _ratio(directed, found),
        "edge_accuracy": _ratio(sum(right_parent.values()), len(truth.edges)),
        "edge_accuracy_with_alternatives": _ratio(among_alternatives, len(truth.edges)),
        "edges_with_alternatives": sum(bool(e.alternatives) for tree in report.trees for e in tree.edges),
        "root_accuracy": _ratio(roots_right, families),
        "families": families,
    }


def _boilerplate_only(match: Any, truth: Truth) -> bool:
    """Whether most of every passage, on both sides, lies in wire ledes and footers."""
    for p in match.passages:
        for article, start, end in ((match.source, p.source_start, p.source_end), (match.derived, p.derived_start, p.derived_end)):
            if 2 * truth.outside_story(article, start, end) < end - start:
                return False
    return bool(match.passages)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def pair_recall(pairs: Iterable[tuple[str, str]], truth: Truth) -> dict[str, float | None]:
    """Recall by kind of planted edges among some unverified candidate pairs."""
    found = collections.Counter()
    for a, b in pairs:
        edge = truth.edges.get(frozenset((a, b)))
        if edge is not None:
            found[edge["kind"]] += 1
    planted = collections.Counter(e["kind"] for e in truth.edges.values())
    return {kind: _ratio(found[kind], planted[kind]) for kind in _kinds(planted)}


def _kinds(planted: collections.Counter[str]) -> tuple[str, ...]:
    """The family kinds, then any other planted (``generate.py --syndicated``)."""
    return KINDS + tuple(sorted(kind for kind in planted if kind not in KINDS))


# --- provenance runs ------------------------------------------------------------------------


def run_scan(articles: list[Article], settings: Settings, workers: int) -> tuple[Report, float, int, dict[str, int]]:
    """One full scan: the report, wall seconds, sampled peak memory (bytes), and that peak per stage.

    The articles are handed over, as ``pipeline.scan`` hands over what it read: the list
    is left empty, so the texts leave memory while the scan runs, as in a CLI run. And as
    ``provenance scan --format json`` (or csv, or the table) runs it, the report's articles
    come back without their texts, which only the HTML report shows.
    """
    gc.collect()
    stage_peaks: dict[str, int] = {}
    with PeakMemory() as memory:
        began = time.perf_counter()
        report = scan_articles(handed_over(articles), settings, workers, keep_texts=False,
                               progress=lambda stage, _seconds: stage_peaks.__setitem__(stage, memory.stage_ended()))
        wall = time.perf_counter() - began
    return report, wall, memory.peak, stage_peaks


def front_seconds(report: Report, stages: Sequence[str] = FRONT_STAGES) -> float:
    timings = dict(report.timings)
    return sum(timings.get(s, 0.0) for s in stages)


# --- baselines ----------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
SHINGLE_WORDS = 5
THRESHOLD = 0.5  # LSH Jaccard threshold of the baselines (datasketch picks bands and rows for it)
# The baselines' permutations: issue 6 measured them at 128, one signature an article. They ran at
# provenance's ``num_perm`` until session 27 (64 since session 12, its window signatures' count),
# which put rensa's 32 bands at 2 rows, not 4. Their speed hardly depends on it (10k, same
# hour: datasketch usual 165 / 165 articles/s at 64 / 128, tuned 1,838 / 1,622, rensa from numpy
# 18,351 / 17,177).
BASELINE_PERMUTATIONS = 128


def _word_shingles(text: str) -> set[str]:
    tokens = _TOKEN.findall(text.lower())
    return {" ".join(tokens[i : i + SHINGLE_WORDS]) for i in range(max(1, len(tokens) - SHINGLE_WORDS + 1))}


def _pairs_from_queries(ids: Sequence[str], results: Iterable[Iterable[Any]], key_to_index: Callable[[Any], int]) -> set[tuple[str, str]]:
    pairs = set()
    for i, found in enumerate(results):
        for key in found:
            j = key_to_index(key)
            if j != i:
                pairs.add((ids[min(i, j)], ids[max(i, j)]))
    return pairs


def datasketch_usual(ids: Sequence[str], texts: Sequence[str], num_perm: int) -> set[tuple[str, str]]:
    """datasketch as usually written: regex words, word 5-gram set, ``MinHash.update`` per shingle (sha1), ``MinHashLSH``."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=num_perm)
    sketches = []
    for key, text in zip(ids, texts):
        m = MinHash(num_perm=num_perm)
        for shingle in _word_shingles(text):
            m.update(shingle.encode("utf8"))
        lsh.insert(key, m)
        sketches.append(m)
    index = {key: i for i, key in enumerate(ids)}
    return _pairs_from_queries(ids, (lsh.query(m) for m in sketches), index.__getitem__)


def datasketch_tuned(ids: Sequence[str], texts: Sequence[str], num_perm: int) -> set[tuple[str, str]]:
    """datasketch tuned: xxhash, ``MinHash.bulk``, ``LeanMinHash``, ``MinHashLSH.insertion_session``."""
    import xxhash
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    shingles = [[s.encode("utf8") for s in _word_shingles(t)] for t in texts]
    sketches = [LeanMinHash(m) for m in MinHash.bulk(shingles, num_perm=num_perm, hashfunc=xxhash.xxh32_intdigest)]
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for key, m in zip(ids, sketches):
            session.insert(key, m, check_duplication=False)
    index = {key: i for i, key in enumerate(ids)}
    return _pairs_from_queries(ids, (lsh.query(m) for m in sketches), index.__getitem__)


def _rensa_bands(num_perm: int) -> int:
    return 32 if num_perm % 32 == 0 else num_perm  # rensa needs bands dividing num_perm: 32 x 4 rows


def rensa_baseline(ids: Sequence[str], texts: Sequence[str], num_perm: int) -> set[tuple[str, str]]:
    """rensa (Rust) on Python token sets: bulk ``RMinHash.from_token_sets``, ``RMinHashLSH.insert_many`` and ``query_all``."""
    import rensa

    sketches = rensa.RMinHash.from_token_sets([list(_word_shingles(t)) for t in texts], num_perm=num_perm, seed=42)
    lsh = rensa.RMinHashLSH(threshold=THRESHOLD, num_perm=num_perm, num_bands=_rensa_bands(num_perm))
    lsh.insert_many(sketches)
    return _pairs_from_queries(ids, lsh.query_all(sketches), int)


# Word 5-gram hashes in numpy (``numpy_word_shingles``): a byte's value in the rolling hash, and
# the hash's base and its inverse (odd, so invertible modulo 2**64), whose powers are kept.
_BYTE_VALUE = np.arange(1, 257, dtype=np.uint64)
_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789_", dtype=np.uint8)] = True
_WORD_BYTE[128:] = True  # the bytes of a non-ASCII character left in (``_NON_WORD`` took the others)
_NON_WORD = re.compile(r"\W+")
_BASE = 0x100000001B3
_POWERS: list[np.ndarray] = [np.ones(1, np.uint64), np.ones(1, np.uint64)]
_GRAM_WEIGHTS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0x27D4EB2F165667C5],
                         dtype=np.uint64)
NUMPY_BATCH = 100  # articles a numpy pass takes: its per-byte arrays stay in cache


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Powers 0..n-1 of the rolling hash's base and of its inverse modulo 2**64."""
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]))
        for k, base in enumerate((_BASE, pow(_BASE, -1, 2**64))):
            table = np.full(size, base, dtype=np.uint64)
            table[0] = 1
            with np.errstate(over="ignore"):
                _POWERS[k] = np.cumprod(table)
    return _POWERS[0], _POWERS[1]


def _fmix64(h: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
        h = (h ^ (h >> np.uint64(33))) * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def numpy_word_shingles(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's word 5-grams (lower-cased ``\\w+`` tokens, as ``_word_shingles``) as uint64 hashes,
    flat, and uint64 row offsets: whole-array numpy, no Python object per token or shingle.

    A token's hash is a polynomial rolling hash of its bytes, read off prefix sums in one
    pass (prefix[end] - prefix[start], scaled by the inverse power of its start), a 5-gram's
    a weighted sum of its five tokens' hashes. Texts of ``NUMPY_BATCH`` articles at a time.
    """
    hashes, counts = [], []
    for first in range(0, len(texts), NUMPY_BATCH):
        # Lower-cased; in a text with non-ASCII characters, what ``\\W`` matches becomes a space
        # (one C-level pass), so that every byte left of a non-ASCII character is a word's.
        batch = [t.lower() if t.isascii() else _NON_WORD.sub(" ", t.lower()) for t in texts[first : first + NUMPY_BATCH]]
        data = np.frombuffer("\x00".join(batch).encode("utf-8", "surrogatepass"), dtype=np.uint8)
        sizes = np.fromiter((len(t) if t.isascii() else len(t.encode("utf-8", "surrogatepass")) for t in batch), dtype=np.int64,
                            count=len(batch))
        text_starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
        edges = np.diff(_WORD_BYTE[data].view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        power, inverse = _powers(len(data) + 1)
        prefix = np.zeros(len(data) + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.cumsum(_BYTE_VALUE[data] * power[: len(data)], out=prefix[1:])
            tokens = _fmix64((prefix[ends] - prefix[starts]) * inverse[starts])
            owner = np.searchsorted(text_starts, starts, side="right") - 1
            n = max(len(tokens) - SHINGLE_WORDS + 1, 0)
            grams = np.zeros(n, dtype=np.uint64)
            for k in range(SHINGLE_WORDS):
                grams += tokens[k : k + n] * _GRAM_WEIGHTS[k]
        whole = owner[:n] == owner[SHINGLE_WORDS - 1 : SHINGLE_WORDS - 1 + n]  # not across two texts
        hashes.append(_fmix64(grams[whole]))
        counts.append(np.bincount(owner[:n][whole], minlength=len(batch)))
    offsets = np.zeros(len(texts) + 1, dtype=np.uint64)
    np.cumsum(np.concatenate(counts) if counts else [], out=offsets[1:])
    return (np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)), offsets


def banded_pairs(digests: np.ndarray, bands: int) -> set[tuple[int, int]]:
    """Pairs of rows of ``digests`` equal in all columns of some band (``bands`` bands of equal width), by sorting."""
    rows = digests.shape[1] // bands
    pairs = set()
    for band in range(bands):
        key = np.zeros(len(digests), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for r in range(rows):
                key = _fmix64(key ^ digests[:, band * rows + r].astype(np.uint64))
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        run_starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        run_ends = np.concatenate((run_starts[1:], [len(ordered)]))
        for start, end in zip(run_starts[run_ends - run_starts > 1].tolist(), run_ends[run_ends - run_starts > 1].tolist()):
            members = sorted(order[start:end].tolist())
            pairs.update((members[x], members[y]) for x in range(len(members)) for y in range(x + 1, len(members)))
    return pairs


def rensa_numpy_baseline(ids: Sequence[str], texts: Sequence[str], num_perm: int) -> set[tuple[str, str]]:
    """rensa fed from numpy: word 5-gram hashes made in numpy (``numpy_word_shingles``), MinHash by
    ``RMinHash.digest_matrix_from_flat_token_hashes`` (Rust, one call), and its 32 x 4-row bands
    matched by sorting in numpy (rensa's LSH takes only ``RMinHash`` objects to query)."""
    import rensa

    hashes, offsets = numpy_word_shingles(texts)
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(hashes, offsets, num_perm, 42)
    digests = np.array(matrix.to_rows(), dtype=np.uint32)
    return {(ids[i], ids[j]) for i, j in banded_pairs(digests, _rensa_bands(num_perm))}


def baselines_available() -> dict[str, Callable[..., set[tuple[str, str]]]]:
    found = {"datasketch (usual)": datasketch_usual, "datasketch (tuned)": datasketch_tuned}
    try:
        import rensa  # noqa: F401

        found["rensa (token sets)"] = rensa_baseline
        found["rensa (from numpy)"] = rensa_numpy_baseline
    except ImportError:
        pass
    return found


def timed(function: Callable[[], Any], repeat: int) -> tuple[Any, list[float]]:
    seconds, result = [], None
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - began)
    return result, seconds


# --- the run --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "cores": os.cpu_count(),
        "usable_cores": default_workers(),
        "load_average": [round(x, 2) for x in load],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit,
        "python": sys.version.split()[0],
    }


def benchmark(corpus: Path, dates: str, workers: int, baseline_sample: int, repeat: int, baselines: bool, settings: Settings) -> dict[str, Any]:
    began = time.perf_counter()
    articles = load_articles(corpus)
    truth = Truth.load(corpus)
    load_seconds = time.perf_counter() - began
    n = len(articles)
    print(f"run: {n:,} articles, {len(truth.edges):,} planted edges, loaded in {load_seconds:.1f} s", file=sys.stderr)
    # Compile (or load from numba's cache) outside the timed runs.
    scan_articles(articles[: min(n, 300)], settings, 1)
    del articles  # each scan reads its own (run_scan); the baselines read theirs
    result: dict[str, Any] = {"corpus": str(corpus), "articles": n, "planted_edges": len(truth.edges), "workers": workers, "settings": settings.as_dict()}
    result["machine_before"] = machine()
    result["scans"] = {}
    for mode in (["with_dates", "without_dates"] if dates == "both" else [f"{dates}_dates"]):
        runs = []
        for r in range(repeat):
            report, wall, peak, stage_peaks = run_scan(load_articles(corpus, dates=mode == "with_dates"), settings, workers)
            runs.append((wall, dict(report.timings), peak, stage_peaks))
            print(f"run: scan {mode} #{r + 1}: {wall:.1f} s {dict(report.timings)}", file=sys.stderr)
        stages = {s: statistics.median(run[1][s] for run in runs) for s in runs[0][1]}
        wall = statistics.median(run[0] for run in runs)
        result["scans"][mode] = {
            "wall_seconds": round(wall, 2),
            "articles_per_second": round(n / wall),
            "stages": {s: {"seconds": round(t, 3), "articles_per_second": round(n / t) if t else None,
                           "peak_memory_mib": round(max(run[3].get(s, 0) for run in runs) / 2**20)} for s, t in stages.items()},
            "front_seconds": round(sum(stages.get(s, 0.0) for s in FRONT_STAGES), 3),
            "front_articles_per_second": round(n / max(sum(stages.get(s, 0.0) for s in FRONT_STAGES), 1e-9)),
            "signing_seconds": round(sum(stages.get(s, 0.0) for s in SIGNING_STAGES), 3),
            "signing_articles_per_second": round(n / max(sum(stages.get(s, 0.0) for s in SIGNING_STAGES), 1e-9)),
            "peak_memory_mib": round(max(run[2] for run in runs) / 2**20),
            "repeat": repeat,
            "quality": evaluate(report, truth),
        }
        del report
        gc.collect()
    result["maxrss"] = maxrss_mib()
    if baselines:
        result["baselines"] = run_baselines(load_articles(corpus, baseline_sample), truth, min(baseline_sample, n), workers, settings)
    result["machine_after"] = machine()
    result["total_seconds"] = round(time.perf_counter() - began, 1)
    return result


def run_baselines(articles: Sequence[Article], truth: Truth, sample: int, workers: int, settings: Settings) -> dict[str, Any]:
    """Text in -> candidate pairs out, on the first ``sample`` articles, for every tool."""
    subset = list(articles[:sample])
    ids, texts = [a.id for a in subset], [a.text for a in subset]
    sub_truth = truth.restricted(set(ids))
    out: dict[str, Any] = {"sample": sample, "permutations": BASELINE_PERMUTATIONS, "planted_edges_in_sample": len(sub_truth.edges),
                           "tools": {}}
    reports = []

    def provenance_front() -> Report:
        report = scan_articles(subset, settings, workers)
        reports.append(report)
        return report

    _, _ = timed(provenance_front, 3)
    fronts = [front_seconds(r, SIGNING_STAGES) for r in reports]
    median = statistics.median(fronts)
    with_boilerplate = statistics.median(front_seconds(r) for r in reports)
    out["tools"]["provenance"] = {
        "seconds": round(median, 3),
        "runs": [round(x, 3) for x in fronts],
        "articles_per_second": round(sample / median),
        "cores": workers,
        "what": "shingle + windows + candidates (MinHash + LSH) stages of scan_articles (median of 3)",
        "with_boilerplate_seconds": round(with_boilerplate, 3),
        "with_boilerplate_articles_per_second": round(sample / with_boilerplate),
    }
    pairs = provenance_candidates(subset, settings)
    out["tools"]["provenance"].update(candidate_pairs=len(pairs), candidate_recall=pair_recall(pairs, sub_truth))
    print(f"run: baseline provenance front stages on {sample:,}: {median:.2f} s", file=sys.stderr)
    for name, function in baselines_available().items():
        repeat = 1 if name == "datasketch (usual)" else 3
        pairs, seconds = timed(lambda: function(ids, texts, BASELINE_PERMUTATIONS), repeat)
        median_b = statistics.median(seconds)
        out["tools"][name] = {
            "seconds": round(median_b, 3),
            "runs": [round(x, 3) for x in seconds],
            "articles_per_second": round(sample / median_b),
            "cores": 1,
            "candidate_pairs": len(pairs),
            "candidate_recall": pair_recall(pairs, sub_truth),
            "ratio": round(median_b / median, 2),  # provenance articles/s ÷ this tool's
        }
        print(f"run: baseline {name} on {sample:,}: {median_b:.2f} s, {len(pairs):,} candidate pairs", file=sys.stderr)
    return out


def provenance_candidates(
    articles: Sequence[Article], settings: Settings, workers: int = 1, timings: dict[str, float] | None = None
) -> set[tuple[str, str]]:
    """provenance's unverified candidate pairs, from the pipeline's own stage functions, in
    ``scan_articles``'s order; each stage's seconds go into ``timings`` if given."""
    from provenance.boilerplate import mask_site_boilerplate
    from provenance.candidates import earliest_first
    from provenance.pipeline import candidates_of, shingle_articles, signature_kinds
    from provenance.shingle import Vocabulary

    timings = {} if timings is None else timings
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now
        print(f"run: {stage} {timings[stage]:.1f} s", file=sys.stderr, flush=True)

    ordered = mask_site_boilerplate(sorted(articles, key=lambda a: a.id))
    lap("boilerplate")
    shingled = shingle_articles(ordered, workers)
    vocabulary = Vocabulary.build(shingled)
    lap("shingle")
    inputs = signature_kinds(shingled, vocabulary, settings)
    lap("windows")
    candidates = candidates_of(inputs, len(ordered), settings, earliest_first([a.published for a in ordered]))
    lap("candidates")
    return {(ordered[i].id, ordered[j].id) for i, j in candidates.pairs.tolist()}


def front_only(corpus: Path, workers: int, settings: Settings) -> dict[str, Any]:
    """Text in -> candidate pairs out on the whole corpus (the stages before verification)."""
    began = time.perf_counter()
    articles = load_articles(corpus)
    truth = Truth.load(corpus)
    load_seconds = round(time.perf_counter() - began, 1)
    scan_articles(articles[:300], settings, 1)  # compile outside the timing
    timings: dict[str, float] = {}
    with PeakMemory() as memory:
        pairs = provenance_candidates(articles, settings, workers, timings)
    front = sum(timings.values())
    return {
        "corpus": str(corpus),
        "articles": len(articles),
        "load_seconds": load_seconds,
        "stages": timings,
        "front_seconds": round(front, 2),
        "front_articles_per_second": round(len(articles) / front),
        "candidate_pairs": len(pairs),
        "candidate_recall": pair_recall(pairs, truth),
        "peak_memory_mib": round(memory.peak / 2**20),
        "maxrss": maxrss_mib(),
        "machine": machine(),
    }


# --- output -------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    lines = []
    m = result["machine_before"]
    lines.append(
        f"provenance on {result['corpus']}: {result['articles']:,} articles, {result['planted_edges']:,} planted edges; "
        f"{result['workers']} workers; {m['cores']} cores, load {m['load_average']} before, "
        f"{result['machine_after']['load_average']} after; commit {m['commit']}, {m['date']}"
    )
    for mode, scan in result["scans"].items():
        lines.append("")
        lines.append(f"scan {mode.replace('_', ' ')} (median of {scan['repeat']}): {scan['wall_seconds']} s, {scan['articles_per_second']:,} articles/s, peak memory {scan['peak_memory_mib']:,} MiB (PSS, process + workers)")
        lines.append(f"  {'stage':<12}{'seconds':>10}{'articles/s':>14}{'peak MiB':>10}")
        for stage, t in scan["stages"].items():
            lines.append(f"  {stage:<12}{t['seconds']:>10.2f}{(t['articles_per_second'] or 0):>14,}{t.get('peak_memory_mib', 0):>10,}")
        lines.append(f"  {'front':<12}{scan['front_seconds']:>10.2f}{scan['front_articles_per_second']:>14,}   (boilerplate + shingle + windows + candidates)")
        lines.append(f"  {'signing':<12}{scan['signing_seconds']:>10.2f}{scan['signing_articles_per_second']:>14,}   (shingle + windows + candidates: what the baselines do)")
        q = scan["quality"]
        lines.append(
            f"  pairs reported {q['reported']:,}: {q['classes'].get('edge', 0):,} planted edges, {q['classes'].get('family_indirect', 0):,} family indirect, "
            f"{q['classes'].get('false_boilerplate', 0):,} false on boilerplate only, {q['classes'].get('false', 0):,} other false; "
            f"precision {q['precision']} (strict {q['precision_strict']}; {q['precision_without_boilerplate_pairs']} without the boilerplate-only pairs)"
        )
        lines.append(f"  {'kind':<12}{'planted':>9}{'found':>8}{'recall':>8}{'ovl err':>9}{'edge acc':>10}")
        for kind, k in q["by_kind"].items():
            fmt = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
            lines.append(f"  {kind:<12}{k['planted']:>9,}{k['found']:>8,}{fmt(k['recall']):>8}{fmt(k['overlap_error']):>9}{fmt(k['edge_accuracy']):>10}")
        lines.append(
            f"  {'all':<12}{result['planted_edges']:>9,}{sum(k['found'] for k in q['by_kind'].values()):>8,}{q['recall']:>8}{q['overlap_error']:>9}{q['edge_accuracy']:>10}"
            f"   direction {q['direction_accuracy']}, root accuracy {q['root_accuracy']} ({q['families']:,} families)"
        )
        lines.append(
            f"  true parent chosen or among the edge's equal-evidence alternatives: {q['edge_accuracy_with_alternatives']} "
            f"({q['edges_with_alternatives']:,} edges have alternatives)"
        )
    if "baselines" in result:
        b = result["baselines"]
        lines.append("")
        lines.append(f"signature + LSH candidates, text in -> candidate pairs out, first {b['sample']:,} articles ({b['planted_edges_in_sample']:,} planted edges); "
                     f"baselines: one signature an article, {b['permutations']} permutations")
        p = b["tools"]["provenance"]
        lines.append(f"  (provenance with boilerplate masking, which no baseline does: {p['with_boilerplate_seconds']:.2f} s, {p['with_boilerplate_articles_per_second']:,} articles/s)")
        lines.append(f"  {'tool':<20}{'cores':>6}{'seconds':>10}{'articles/s':>12}{'prov. x':>9}{'pairs':>10}   candidate recall copy/partial/light/spin")
        for name, t in b["tools"].items():
            recall = "/".join("-" if x is None else f"{x:.2f}" for x in t["candidate_recall"].values())
            ratio = f"{t['ratio']:.1f}" if "ratio" in t else "1"
            pairs = f"{t['candidate_pairs']:,}"
            lines.append(f"  {name:<20}{t['cores']:>6}{t['seconds']:>10.2f}{t['articles_per_second']:>12,}{ratio:>9}{pairs:>10}   {recall}")
    lines.append("")
    lines.append(f"maxrss: this process {result['maxrss']['self_mib']:,} MiB, largest worker {result['maxrss']['largest_child_mib']:,} MiB; total {result['total_seconds']} s")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="a folder written by bench/generate.py")
    parser.add_argument("--dates", choices=["with", "without", "both"], default="with", help="scan with publication dates, without, or both")
    parser.add_argument("--no-dates", action="store_true", help="same as --dates without")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--repeat", type=int, default=1, help="full scans per mode (medians reported)")
    parser.add_argument("--baseline-sample", type=int, default=5000, help="articles the baselines (and provenance, for the ratio) run on")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--front-only", action="store_true", help="only text in -> candidate pairs out, on the whole corpus (for tiers too big to scan)")
    parser.add_argument("--memory-limit-gib", type=float, help="stop (exit 3) if process + workers pass this (needs psutil)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a setting")
    args = parser.parse_args()
    if not (args.corpus / "articles.jsonl").is_file() or not (args.corpus / "truth.json").is_file():
        parser.error(f"{args.corpus} has no articles.jsonl and truth.json; make it with bench/generate.py --out {args.corpus}")
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name] = type(getattr(Settings(), name))(value)
    settings = Settings().replace(**overrides)
    dates = "without" if args.no_dates else args.dates
    if args.memory_limit_gib:
        PeakMemory.limit = int(args.memory_limit_gib * 2**30)
    if args.front_only:
        result = front_only(args.corpus, args.workers, settings)
        print(json.dumps(result, indent=2, sort_keys=True))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2, sort_keys=True))
        return 0
    result = benchmark(args.corpus, dates, args.workers, args.baseline_sample, args.repeat, not args.no_baselines, settings)
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
