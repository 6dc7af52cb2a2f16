"""Align: two articles' sentences in, aligned passages (span pairs with a similarity) out.

Owns verification of a candidate pair. It works the way the strongest PAN
text-alignment systems do, but on stems rather than surface words: **seeding**
(pairs of sentences whose content-stem sets are similar enough: Dice, or
containment for a sentence a spinner merged or split), **extension** (seeds
that lie within ``max_gap`` sentences of each other in both articles join one
passage, which survives reordering, insertions and deletions), and
**filtering** (passages that overlap are resolved, passages too small to be
evidence are dropped). Passages are reported in sentence units internally and
mapped to character spans of the original texts at the end.
"""

from __future__ import annotations

import dataclasses

import numba
import numpy as np

from provenance.shingle import Shingled, Vocabulary

# Seeds need at least this many shared stems: one or two shared names are a topic, not a copy.
MIN_SHARED_STEMS = 3
# A merged or split sentence: most of the shorter one's stems are in the longer one.
MIN_CONTAINMENT = 0.7
MIN_CONTAINED_STEMS = 5


@dataclasses.dataclass(frozen=True)
class SentenceIndex:
    """Every article's sentences as sets of content stems, in flat arrays, for batch seeding.

    Attributes:
        articles: Number of articles.
        hashes: Each sentence's distinct stems (sorted), sentence after sentence, article after article.
        df: Corpus document frequency of each entry of ``hashes``.
        sentence_offsets: Sentence ``k``'s stems are ``hashes[sentence_offsets[k]:sentence_offsets[k + 1]]``.
        article_sentences: Article ``a``'s sentences are ``article_sentences[a]`` to ``article_sentences[a + 1]``.
        sorted_hashes: Within each article's range of entries, its stems sorted ...
        sorted_sentences: ... and the (article-local) sentence each came from.
    """

    articles: int
    hashes: np.ndarray
    df: np.ndarray
    sentence_offsets: np.ndarray
    article_sentences: np.ndarray
    sorted_hashes: np.ndarray
    sorted_sentences: np.ndarray

    @classmethod
    def build(cls, shingled: list[Shingled], vocabulary: Vocabulary) -> "SentenceIndex":
        """Index all articles' sentences."""
        hashes, sentence_sizes, sorted_hashes, sorted_sentences = [], [], [], []
        for item in shingled:
            counts = np.diff(item.sentence_starts)
            sentence_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
            order = np.lexsort((item.hashes, sentence_of))
            h, sent = item.hashes[order], sentence_of[order]
            distinct = np.ones(len(h), dtype=bool)
            distinct[1:] = (h[1:] != h[:-1]) | (sent[1:] != sent[:-1])
            h, sent = h[distinct], sent[distinct]
            by_stem = np.argsort(h, kind="stable")
            hashes.append(h)
            sentence_sizes.append(np.bincount(sent, minlength=len(counts)))
            sorted_hashes.append(h[by_stem])
            sorted_sentences.append(sent[by_stem])
        flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
        sizes = np.concatenate(sentence_sizes) if sentence_sizes else np.zeros(0, np.int64)
        return cls(
            articles=len(shingled),
            hashes=flat,
            df=vocabulary.frequency(flat),
            sentence_offsets=np.concatenate(([0], np.cumsum(sizes))).astype(np.int64),
            article_sentences=np.concatenate(([0], np.cumsum([len(x) for x in sentence_sizes]))).astype(np.int64),
            sorted_hashes=np.concatenate(sorted_hashes) if sorted_hashes else np.zeros(0, np.uint64),
            sorted_sentences=(np.concatenate(sorted_sentences) if sorted_sentences else np.zeros(0, np.int64)).astype(np.int64),
        )

    def sentences(self, article: int) -> int:
        """Number of sentences of an article."""
        return int(self.article_sentences[article + 1] - self.article_sentences[article])

    def entries(self, article: int) -> tuple[int, int]:
        """The article's range in ``hashes`` (and in ``sorted_hashes``)."""
        return (
            int(self.sentence_offsets[self.article_sentences[article]]),
            int(self.sentence_offsets[self.article_sentences[article + 1]]),
        )


@numba.njit(cache=True, inline="always")
def _rarity(others_df, others):  # pragma: no cover - compiled
    """How much a shared stem says about copying: 1 if no other article has it, 0 if all do.

    A stem every article of the corpus uses (the names and places of the story all of
    them cover) is no evidence that one copied the other; a stem only these two share
    is. Counting only the *other* articles keeps a two-article comparison unweighted.
    """
    if others <= 0:
        return 1.0
    d = min(max(others_df, 0), others)
    return np.log((others + 1.0) / (d + 1.0)) / np.log(others + 1.0)


@numba.njit(cache=True, inline="always")
def _contains(sorted_values, lo, hi, value):  # pragma: no cover - compiled
    k = lo + np.searchsorted(sorted_values[lo:hi], value)
    return k < hi and sorted_values[k] == value


@numba.njit(cache=True)
def _entry_weights(hashes, df, lo, hi, other_sorted, other_lo, other_hi, others):  # pragma: no cover
    """Pair-specific weight of each stem entry of one article: rarity among the *other* articles."""
    weights = np.empty(hi - lo, dtype=np.float64)
    for t in range(lo, hi):
        inside = 1 if _contains(other_sorted, other_lo, other_hi, hashes[t]) else 0
        weights[t - lo] = _rarity(df[t] - 1 - inside, others)
    return weights


@numba.njit(cache=True)
def _seeds_of_pair(
    a, b, hashes, df, sentence_offsets, article_sentences, sorted_hashes, sorted_sentences,
    others, threshold, out_i, out_j, write_at,
):  # pragma: no cover - compiled
    """Seed sentence pairs of articles ``a`` and ``b``; written from ``write_at`` if ``write_at >= 0``."""
    a_first, a_last = article_sentences[a], article_sentences[a + 1]
    b_first, b_last = article_sentences[b], article_sentences[b + 1]
    a_lo, a_hi = sentence_offsets[a_first], sentence_offsets[a_last]
    b_lo, b_hi = sentence_offsets[b_first], sentence_offsets[b_last]
    n_b = b_last - b_first
    if a_hi == a_lo or b_hi == b_lo:
        return 0
    weight_a = _entry_weights(hashes, df, a_lo, a_hi, sorted_hashes, b_lo, b_hi, others)
    weight_b = _entry_weights(hashes, df, b_lo, b_hi, sorted_hashes, a_lo, a_hi, others)
    total_b = np.zeros(n_b, dtype=np.float64)
    for j in range(n_b):
        for t in range(sentence_offsets[b_first + j], sentence_offsets[b_first + j + 1]):
            total_b[j] += weight_b[t - b_lo]
    shared = np.zeros(n_b, dtype=np.int64)
    shared_weight = np.zeros(n_b, dtype=np.float64)
    touched = np.empty(n_b, dtype=np.int64)
    found = 0
    for i in range(a_last - a_first):
        n_touched = 0
        total_a = 0.0
        for t in range(sentence_offsets[a_first + i], sentence_offsets[a_first + i + 1]):
            total_a += weight_a[t - a_lo]
            h = hashes[t]
            k = b_lo + np.searchsorted(sorted_hashes[b_lo:b_hi], h)
            while k < b_hi and sorted_hashes[k] == h:
                j = sorted_sentences[k]
                if shared[j] == 0:
                    touched[n_touched] = j
                    n_touched += 1
                shared[j] += 1
                shared_weight[j] += weight_a[t - a_lo]
                k += 1
        for x in range(n_touched):
            j = touched[x]
            if shared[j] >= MIN_SHARED_STEMS:
                total = total_a + total_b[j]
                smaller = min(total_a, total_b[j])
                dice = 2.0 * shared_weight[j] / total if total > 0 else 0.0
                contained = shared_weight[j] / smaller if smaller > 0 else 0.0
                if dice >= threshold or (contained >= MIN_CONTAINMENT and shared[j] >= MIN_CONTAINED_STEMS):
                    if write_at >= 0:
                        out_i[write_at + found] = i
                        out_j[write_at + found] = j
                    found += 1
            shared[j] = 0
            shared_weight[j] = 0.0
    return found


@numba.njit(cache=True, parallel=True)
def _batch_seeds(
    pairs, hashes, df, sentence_offsets, article_sentences, sorted_hashes, sorted_sentences, others, threshold
):  # pragma: no cover - compiled
    n = pairs.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    dummy = np.zeros(0, dtype=np.int64)
    for p in numba.prange(n):
        counts[p] = _seeds_of_pair(
            pairs[p, 0], pairs[p, 1], hashes, df, sentence_offsets, article_sentences,
            sorted_hashes, sorted_sentences, others, threshold, dummy, dummy, -1,
        )
    offsets = np.zeros(n + 1, dtype=np.int64)
    for p in range(n):
        offsets[p + 1] = offsets[p] + counts[p]
    out_i = np.empty(offsets[n], dtype=np.int64)
    out_j = np.empty(offsets[n], dtype=np.int64)
    for p in numba.prange(n):
        if counts[p]:
            _seeds_of_pair(
                pairs[p, 0], pairs[p, 1], hashes, df, sentence_offsets, article_sentences,
                sorted_hashes, sorted_sentences, others, threshold, out_i, out_j, offsets[p],
            )
    return offsets, out_i, out_j


def batch_seeds(index: SentenceIndex, pairs: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Seed sentence pairs of many article pairs at once, in parallel compiled code.

    A seed is a sentence pair whose rarity-weighted Dice similarity reaches ``threshold``,
    or where most of the shorter sentence's stems are in the longer one (a merge or split).

    Args:
        index: The corpus's sentence index.
        pairs: int64 ``(n, 2)`` article pairs.
        threshold: Least weighted Dice for a seed.

    Returns:
        ``offsets`` (pair ``p``'s seeds are rows ``offsets[p]:offsets[p + 1]``) and the seeds,
        an int64 ``(m, 2)`` array of article-local sentence numbers ``(i, j)``, sorted per pair.
    """
    if len(pairs) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros((0, 2), dtype=np.int64)
    offsets, out_i, out_j = _batch_seeds(
        np.ascontiguousarray(pairs, dtype=np.int64), index.hashes, index.df, index.sentence_offsets,
        index.article_sentences, index.sorted_hashes, index.sorted_sentences, index.articles - 2, float(threshold),
    )
    return offsets, np.stack([out_i, out_j], axis=1)


@dataclasses.dataclass(frozen=True)
class SentencePassage:
    """A passage in sentence units: ``[a_start, a_end)`` in one article, ``[b_start, b_end)`` in the other."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    seeds: int
    similarity: float
    size: int
    """Distinct content stems on the smaller side."""


def _cluster(found: np.ndarray, max_gap: int) -> list[np.ndarray]:
    """Group seeds that lie within ``max_gap`` unmatched sentences of each other in both articles."""
    parent = list(range(len(found)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reach = max_gap + 1
    rows = found.tolist()
    lo = 0
    for k, (i, j) in enumerate(rows):
        while rows[lo][0] < i - reach:
            lo += 1
        for m in range(lo, k):
            if abs(rows[m][1] - j) <= reach:
                parent[root(m)] = root(k)
    groups: dict[int, list[int]] = {}
    for k in range(len(rows)):
        groups.setdefault(root(k), []).append(k)
    return [found[members] for _, members in sorted(groups.items())]


def _span_weights(index: SentenceIndex, article: int, other: int, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct stems of sentences ``[first, last)`` of ``article`` and their pair-specific weights."""
    base = int(index.article_sentences[article])
    lo, hi = int(index.sentence_offsets[base + first]), int(index.sentence_offsets[base + last])
    other_lo, other_hi = index.entries(other)
    weights = _entry_weights(index.hashes, index.df, lo, hi, index.sorted_hashes, other_lo, other_hi, index.articles - 2)
    unique, first_seen = np.unique(index.hashes[lo:hi], return_index=True)
    return unique, weights[first_seen]


def span_similarity(index: SentenceIndex, a: int, b: int, a_span: tuple[int, int], b_span: tuple[int, int]) -> tuple[float, int, int]:
    """Rarity-weighted Dice of two sentence spans' stem sets, and the size of each set."""
    set_a, weight_a = _span_weights(index, a, b, *a_span)
    set_b, weight_b = _span_weights(index, b, a, *b_span)
    total = weight_a.sum() + weight_b.sum()
    if total <= 0:
        return 0.0, len(set_a), len(set_b)
    shared = np.isin(set_a, set_b, assume_unique=True)
    return float(2.0 * weight_a[shared].sum() / total), len(set_a), len(set_b)


def _overlaps(x: SentencePassage, y: SentencePassage) -> bool:
    return (x.a_start < y.a_end and y.a_start < x.a_end) or (x.b_start < y.b_end and y.b_start < x.b_end)


def extend(index: SentenceIndex, a: int, b: int, found: np.ndarray, max_gap: int, min_words: int) -> list[SentencePassage]:
    """Aligned passages of articles ``a`` and ``b`` from their seeds, in sentence units.

    Args:
        index: The corpus's sentence index.
        a: One article.
        b: The other.
        found: Their seeds, rows ``(i, j)`` sorted.
        max_gap: Most unmatched sentences between two seeds of one passage.
        min_words: Fewest distinct content stems a passage must hold on each side.

    Returns:
        Passages that overlap in neither article, sorted by position in ``a``.
    """
    if len(found) == 0:
        return []
    passages = []
    for group in _cluster(found, max_gap):
        a_span = (int(group[:, 0].min()), int(group[:, 0].max()) + 1)
        b_span = (int(group[:, 1].min()), int(group[:, 1].max()) + 1)
        similarity, size_a, size_b = span_similarity(index, a, b, a_span, b_span)
        if min(size_a, size_b) < min_words:
            continue
        passages.append(
            SentencePassage(a_span[0], a_span[1], b_span[0], b_span[1], len(group), similarity, min(size_a, size_b))
        )
    # Overlapping passages: the one with more seeds (then the more similar) wins.
    passages.sort(key=lambda p: (-p.seeds, -p.similarity, p.a_start, p.b_start))
    kept: list[SentencePassage] = []
    for passage in passages:
        if not any(_overlaps(passage, other) for other in kept):
            kept.append(passage)
    return sorted(kept, key=lambda p: (p.a_start, p.b_start))


def align_pair(index: SentenceIndex, a: int, b: int, threshold: float, max_gap: int, min_words: int) -> list[SentencePassage]:
    """Seed and extend one pair (what ``batch_seeds`` + ``extend`` do for many)."""
    offsets, found = batch_seeds(index, np.array([[a, b]], dtype=np.int64), threshold)
    return extend(index, a, b, found, max_gap, min_words)
