"""Align: two articles' sentences in, aligned passages (span pairs with a similarity) out.

Owns verification of a candidate pair. It works the way the strongest PAN
text-alignment systems do, but on stems rather than surface words: **seeding**
(pairs of sentences whose content-stem sets are similar enough: Dice, or
containment for a sentence a spinner merged or split; next to a seed, a lower
threshold), **extension** (seeds that lie within ``max_gap`` sentences of each
other in both articles join one passage, which survives reordering, insertions
and deletions), and **filtering** (passages that overlap are resolved, passages
too small or too faint to be evidence are dropped, unless their shared stems
gather in them far beyond chance: ``concentration``). Passages are reported in
sentence units internally and mapped to character spans of the original texts
at the end.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numba
import numpy as np

from provenance.shingle import FlatShingles, Shingled, Vocabulary

# Seeds need at least this many shared stems: one or two shared names are a topic, not a copy.
MIN_SHARED_STEMS = 3
# A merged or split sentence: most of the shorter one's stems are in the longer one.
MIN_CONTAINMENT = 0.7
MIN_CONTAINED_STEMS = 5
# A condensed rewrite skips source sentences: seeds may lie this many times further apart
# on one side (PAN 2013 training: overall plagdet 0.805 -> 0.823, summary 0.27 -> 0.39).
CONDENSED_GAP_FACTOR = 2
# Seeds at a passage's ends scoring under this fraction of its median seed are trimmed.
TRIM_RATIO = 0.6
# Passages adjacent in one article may lie this many gaps apart in the other (summaries).
SUMMARY_FACTOR = 10
# ... but only when the merged passage is this many times longer on one side: a summary. A
# rewrite that kept most paragraphs and dropped some must not be credited with the dropped ones.
SUMMARY_RATIO = 3
# Most partner sentences one sentence keeps (a merge or split makes two or three).
MAX_PARTNERS = 3
# A lone seed sentence (a shared quote, a shared lede) is half the evidence of a run of them.
LONE_SEED_DISCOUNT = 0.5
# Passages with less evidence than this are dropped. On PAN 2013 training, 95% of passages
# that matched no reuse case scored below 4, and 90-95% of those that matched one above it.
MIN_PASSAGE_EVIDENCE = 4.0
# Passages less similar than this, over their whole span, are topic, not reuse. On PAN 2013
# training, passages that matched no reuse case had a median similarity of 0.31; 95% of
# those that matched one were above 0.45 (summaries: 0.33).
MIN_PASSAGE_SIMILARITY = 0.3


# Sentences whose weights are summed at a time: the float64 weight per entry is made for one block, not the corpus.
WEIGHT_BLOCK = 1 << 20


def _sentence_weights(entity: np.ndarray, sentence_offsets: np.ndarray) -> np.ndarray:
    """Per sentence, the sum of its entries' weights (``ENTITY_WEIGHT`` for a name or number, else 1)."""
    sentences = len(sentence_offsets) - 1
    out = np.zeros(sentences)
    for first in range(0, sentences, WEIGHT_BLOCK):
        last = min(first + WEIGHT_BLOCK, sentences)
        lo, hi = sentence_offsets[first], sentence_offsets[last]
        if hi > lo:
            # numpy's summation order, kept so that scores stay bit for bit what they were.
            weights = np.where(entity[lo:hi], ENTITY_WEIGHT, 1.0)
            out[first:last] = np.add.reduceat(weights, sentence_offsets[first:last] - lo)
    return out


@numba.njit(cache=True)
def _stem_sums(stems, ranks, sentence_offsets):  # pragma: no cover - compiled
    """Per sentence, the wrapping sum of the hashes of its stems (given as ranks into ``stems``)."""
    sums = np.zeros(sentence_offsets.shape[0] - 1, dtype=np.uint64)
    for k in range(sums.shape[0]):
        for t in range(sentence_offsets[k], sentence_offsets[k + 1]):
            sums[k] += stems[ranks[t]]
    return sums


def _stock_sentences(stems: np.ndarray, hashes: np.ndarray, sentence_offsets: np.ndarray, article_sentences: np.ndarray) -> np.ndarray:
    """Per sentence of every article, whether ``STOCK_ARTICLES`` or more articles hold its stem set.

    Args:
        stems: The vocabulary's stems (``Vocabulary.stems``).
        hashes: Each sentence's distinct stems as ranks into ``stems``, sentence after sentence (``SentenceIndex.hashes``).
        sentence_offsets: Where each sentence's stems begin, then their count.
        article_sentences: Where each article's sentences begin, then their count.
    """
    sentences = len(sentence_offsets) - 1
    if sentences == 0:
        return np.zeros(0, dtype=bool)
    sizes = np.diff(sentence_offsets)
    # A set's key: the wrapping sum of its distinct stems' hashes, mixed with its size.
    sums = _stem_sums(stems, hashes, sentence_offsets)
    keys = sums ^ (sizes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    article = np.repeat(np.arange(len(article_sentences) - 1), np.diff(article_sentences))
    # Articles per key: sentences come in article order, so a stable sort by key leaves each
    # key's sentences in article order; count the article changes within each key's run.
    order = np.argsort(keys, kind="stable")
    k, a = keys[order], article[order]
    new_key = np.ones(sentences, dtype=bool)
    new_key[1:] = k[1:] != k[:-1]
    new_article = new_key.copy()
    new_article[1:] |= a[1:] != a[:-1]
    run = np.cumsum(new_key) - 1
    articles_per_key = np.bincount(run, weights=new_article)
    stock = np.empty(sentences, dtype=bool)
    stock[order] = articles_per_key[run] >= STOCK_ARTICLES
    return stock


@dataclasses.dataclass(frozen=True)
class SentenceIndex:
    """Every article's sentences as sets of content stems, in flat arrays, for batch seeding.

    Attributes:
        articles: Number of articles in the corpus (more than the articles indexed here when
            only some of a larger corpus, an on-disk index or a Spark partition, are aligned).
        hashes: Each sentence's distinct stems (sorted), sentence after sentence, article after article.
            Stems here are uint32 ranks in the vocabulary (``Vocabulary.ranks``): half a hash's
            bytes, with the hashes' order and equality, which is all alignment asks of them.
        sentence_offsets: Sentence ``k``'s stems are ``hashes[sentence_offsets[k]:sentence_offsets[k + 1]]``.
        article_sentences: Article ``a``'s sentences are ``article_sentences[a]`` to ``article_sentences[a + 1]``.
        sorted_hashes: Within each article's range of entries, its stems sorted ...
        sorted_sentences: ... and the (article-local) sentence each came from.
        sorted_weights: Evidence weight of each sorted entry: 1, or ``ENTITY_WEIGHT`` for a
            name or number.
        sentence_weights: Per sentence, the sum of its stems' weights.
        plain: Per entry of ``hashes``, whether it is a plain word (not a name or a number).
        plain_stems: Each article's distinct plain stems, sorted, article after article ...
        plain_offsets: ... article ``a``'s are ``plain_stems[plain_offsets[a]:plain_offsets[a + 1]]``.
        stock: Per sentence, whether ``STOCK_ARTICLES`` or more articles hold a sentence of
            exactly its stems: a stock phrase ("As many readers will already understand ..."),
            which is no sign that two of them copied each other.
    """

    articles: int
    hashes: np.ndarray
    sentence_offsets: np.ndarray
    article_sentences: np.ndarray
    sorted_hashes: np.ndarray
    sorted_sentences: np.ndarray
    sorted_weights: np.ndarray
    sentence_weights: np.ndarray
    plain: np.ndarray
    plain_stems: np.ndarray
    plain_offsets: np.ndarray
    stock: np.ndarray

    @classmethod
    def build(cls, shingled: Sequence[Shingled], vocabulary: Vocabulary) -> "SentenceIndex":
        """Index the sentences of ``shingled`` (``vocabulary.articles`` counts the whole corpus)."""
        if not shingled:
            empty_u, empty_i = np.zeros(0, np.uint32), np.zeros(0, np.int32)
            return cls(vocabulary.articles, empty_u, np.zeros(1, np.int64), np.zeros(1, np.int64), empty_u, empty_i,
                       np.zeros(0), np.zeros(0), np.zeros(0, bool), empty_u, np.zeros(1, np.int64), np.zeros(0, bool))
        flat = FlatShingles.join(shingled)
        flat_h, flat_e, sentence_offsets, article_sentences, sorted_h, sorted_s, sorted_w = _index_sentences(
            vocabulary.ranks(flat.hashes), flat.entity, flat.offsets, flat.sentence_starts, flat.sentence_offsets, ENTITY_WEIGHT
        )
        # A view of the first entries: the slack past them is the words a sentence repeats, a few in a hundred.
        flat_h, flat_e = flat_h[: sentence_offsets[-1]], flat_e[: sentence_offsets[-1]]
        plain_stems, plain_offsets = _plain_stems(sorted_h, sorted_w, sentence_offsets[article_sentences])
        return cls(vocabulary.articles, flat_h, sentence_offsets, article_sentences, sorted_h, sorted_s, sorted_w,
                   _sentence_weights(flat_e, sentence_offsets), plain=~flat_e, plain_stems=plain_stems, plain_offsets=plain_offsets,
                   stock=_stock_sentences(vocabulary.stems, flat_h, sentence_offsets, article_sentences))

    def sentences(self, article: int) -> int:
        """Number of sentences of an article."""
        return int(self.article_sentences[article + 1] - self.article_sentences[article])


# Context seeds (Sanchez-Perez et al., PAN 2014, extend with a lower threshold near what they
# found): a sentence pair under the seeding threshold but at least this similar is a seed when
# it lies within CONTEXT_REACH sentences of a seed in both articles. Random obfuscation leaves
# some sentences of a copied run under the threshold; the passage picks them up from its
# neighbours. A pair with no seed gains none, so no new pair is claimed on them alone.
# (PAN 2013 training: random plagdet +0.008, none -0.002; reach 2: random +0.014, none -0.007.)
CONTEXT_SIMILARITY = 0.2
CONTEXT_REACH = 1
# A passage too small or too faint for the evidence floors still shows a derivation when its
# shared stems gather in it far beyond chance (see ``concentration``): -log10 of the corrected
# chance, so 6 is one in a million. It rescues short copies: on PAN 2013 training (context
# seeds on) random pair recall 0.854 -> 0.861, summary 0.773 -> 0.874, false pairs 9 -> 8;
# at 5: random 0.869, summary 0.895, 9 false pairs.
MIN_SURPRISE = 6.0
# ... unless it rests on stock sentences only: a sentence whose exact stems this many articles
# hold (a spinner's filler, a stock phrase) gathers in any two of them. (Synthetic news 10k:
# 7 false pairs of spun articles sharing one filler sentence.)
STOCK_ARTICLES = 3

# Evidence weight of a name or a number: independent reports of one event share those by
# necessity; copies share the wording around them.
ENTITY_WEIGHT = 0.3


@numba.njit(cache=True)
def _plain_stems(sorted_h, sorted_w, article_entries):  # pragma: no cover - compiled
    """Each article's distinct plain (weight 1: not a name or number) stems, from its stem-sorted
    entries, concatenated; and where each article's begin."""
    n = article_entries.shape[0] - 1
    keep = np.zeros(sorted_h.shape[0], dtype=np.bool_)
    offsets = np.zeros(n + 1, dtype=np.int64)
    for a in range(n):
        previous_found = False
        previous = np.uint64(0)
        for t in range(article_entries[a], article_entries[a + 1]):
            if sorted_w[t] == 1.0 and (not previous_found or sorted_h[t] != previous):
                keep[t] = True
                previous, previous_found = sorted_h[t], True
                offsets[a + 1] += 1
        offsets[a + 1] += offsets[a]
    return sorted_h[keep], offsets


@numba.njit(cache=True, parallel=True)
def _index_sentences(hashes, entity, offsets, units, unit_offsets, entity_weight):  # pragma: no cover - compiled
    """``SentenceIndex``'s arrays for articles given as flat shingle arrays (see ``SentenceIndex.build``).

    Per sentence, its distinct stems sorted, each with whether it is a name or number (from
    its first use in the sentence); per article, those entries again sorted by stem (ties in
    sentence order), with their sentence and weight. The per-sentence arrays may run past
    their last entry (by the words repeated within a sentence): slice them to
    ``sentence_offsets[-1]``.
    """
    n = offsets.shape[0] - 1
    # Pass 1, per article: each sentence's distinct stems, written from the article's word offset.
    flat_h = np.empty(hashes.shape[0], dtype=hashes.dtype)
    flat_e = np.empty(hashes.shape[0], dtype=np.bool_)
    flat_s = np.empty(hashes.shape[0], dtype=np.int32)
    sizes = np.zeros(units.shape[0], dtype=np.int64)  # per unit slot; the last slot of each article stays 0
    counts = np.zeros(n, dtype=np.int64)
    for a in numba.prange(n):
        base = offsets[a]
        out = base
        first_unit = unit_offsets[a]
        # One buffer per article: sentence units are short (MAX_SENTENCE_WORDS), and an
        # allocation per sentence cost more than the sort.
        order = np.empty(offsets[a + 1] - base, dtype=np.int64)
        for u in range(unit_offsets[a + 1] - first_unit - 1):
            lo, hi = base + units[first_unit + u], base + units[first_unit + u + 1]
            # Insertion sort by stem, stable: a stem's first use comes first.
            for x in range(hi - lo):
                y = x
                while y > 0 and hashes[lo + order[y - 1]] > hashes[lo + x]:
                    order[y] = order[y - 1]
                    y -= 1
                order[y] = x
            for k in range(hi - lo):
                t = lo + order[k]
                if k == 0 or hashes[t] != hashes[lo + order[k - 1]]:
                    flat_h[out] = hashes[t]
                    flat_e[out] = entity[t]
                    flat_s[out] = u
                    out += 1
                    sizes[first_unit + u] += 1
        counts[a] = out - base
    # Pass 2: compact in place, in article order (an article's entries only ever move down,
    # onto slots already moved) ...
    starts = np.zeros(n + 1, dtype=np.int64)
    sentence_counts = np.zeros(n + 1, dtype=np.int64)
    for a in range(n):
        starts[a + 1] = starts[a] + counts[a]
        sentence_counts[a + 1] = sentence_counts[a] + (unit_offsets[a + 1] - unit_offsets[a] - 1)
        src, dst = offsets[a], starts[a]
        if src != dst:
            for k in range(counts[a]):
                flat_h[dst + k], flat_e[dst + k], flat_s[dst + k] = flat_h[src + k], flat_e[src + k], flat_s[src + k]
    # ... and sort each article's entries by stem.
    sorted_h = np.empty(starts[n], dtype=hashes.dtype)
    sorted_s = np.empty(starts[n], dtype=np.int32)
    sorted_w = np.empty(starts[n], dtype=np.float64)
    sentence_sizes = np.empty(sentence_counts[n], dtype=np.int64)
    for a in numba.prange(n):
        dst, c = starts[a], counts[a]
        by_stem = np.argsort(flat_h[dst : dst + c], kind="mergesort")
        for k in range(c):
            sorted_h[dst + k] = flat_h[dst + by_stem[k]]
            sorted_s[dst + k] = flat_s[dst + by_stem[k]]
            sorted_w[dst + k] = entity_weight if flat_e[dst + by_stem[k]] else 1.0
        m = unit_offsets[a + 1] - unit_offsets[a] - 1
        sentence_sizes[sentence_counts[a] : sentence_counts[a] + m] = sizes[unit_offsets[a] : unit_offsets[a] + m]
    sentence_offsets = np.zeros(sentence_sizes.shape[0] + 1, dtype=np.int64)
    for k in range(sentence_sizes.shape[0]):
        sentence_offsets[k + 1] = sentence_offsets[k] + sentence_sizes[k]
    return flat_h, flat_e, sentence_offsets, sentence_counts, sorted_h, sorted_s, sorted_w


@numba.njit(cache=True)
def _seeds_of_pair(
    a, b, sentence_offsets, article_sentences, sorted_hashes, sorted_sentences,
    sorted_weights, sentence_weights, threshold, context_threshold, out_i, out_j, out_s, out_strong, write_at,
    runs, per_sentence, fill, entry_of, run_of, shared, weight, touched,
):  # pragma: no cover - compiled
    """Seed sentence pairs of articles ``a`` and ``b``; written from ``write_at`` if ``write_at >= 0``.

    ``runs`` to ``touched`` are scratch arrays large enough for the pair (see ``_batch_seeds``);
    ``shared`` and ``weight`` must be zero, and are left zero.

    Seeds reach ``threshold`` (or are contained: a merge or split); context seeds reach only
    ``context_threshold`` and are written with ``out_strong`` 0. Returns both counts: seeds,
    and seeds plus context seeds.

    A merge of the two articles' sorted stems finds the shared ones; each shared stem
    adds to the score of every (sentence of a, sentence of b) holding it.
    """
    a_first, a_last = article_sentences[a], article_sentences[a + 1]
    b_first, b_last = article_sentences[b], article_sentences[b + 1]
    a_lo, a_hi = sentence_offsets[a_first], sentence_offsets[a_last]
    b_lo, b_hi = sentence_offsets[b_first], sentence_offsets[b_last]
    n_a, n_b = a_last - a_first, b_last - b_first
    if n_a == 0 or n_b == 0:
        return 0, 0
    # Merge: runs of one shared stem, [run_a_lo, run_a_hi) and [run_b_lo, run_b_hi) in sorted order.
    n_runs = 0
    x, y = a_lo, b_lo
    while x < a_hi and y < b_hi:
        if sorted_hashes[x] < sorted_hashes[y]:
            x += 1
        elif sorted_hashes[x] > sorted_hashes[y]:
            y += 1
        else:
            h = sorted_hashes[x]
            x_end, y_end = x, y
            while x_end < a_hi and sorted_hashes[x_end] == h:
                x_end += 1
            while y_end < b_hi and sorted_hashes[y_end] == h:
                y_end += 1
            runs[n_runs, 0], runs[n_runs, 1], runs[n_runs, 2], runs[n_runs, 3] = x, x_end, y, y_end
            n_runs += 1
            x, y = x_end, y_end
    if n_runs < MIN_SHARED_STEMS:
        return 0, 0
    total_a = sentence_weights[a_first:a_last]
    total_b = sentence_weights[b_first:b_last]
    # Shared A entries grouped by their A sentence (counting sort), each with its run.
    per_sentence[: n_a + 1] = 0
    for r in range(n_runs):
        for t in range(runs[r, 0], runs[r, 1]):
            per_sentence[sorted_sentences[t] + 1] += 1
    for i in range(n_a):
        per_sentence[i + 1] += per_sentence[i]
    fill[:n_a] = per_sentence[:n_a]
    for r in range(n_runs):
        for t in range(runs[r, 0], runs[r, 1]):
            i = sorted_sentences[t]
            entry_of[fill[i]] = t
            run_of[fill[i]] = r
            fill[i] += 1
    # Per A sentence, accumulate shared stems with every B sentence it touches.
    found = 0
    strong_found = 0
    for i in range(n_a):
        n_touched = 0
        for x in range(per_sentence[i], per_sentence[i + 1]):
            t, r = entry_of[x], run_of[x]
            for u in range(runs[r, 2], runs[r, 3]):
                j = sorted_sentences[u]
                if shared[j] == 0:
                    touched[n_touched] = j
                    n_touched += 1
                shared[j] += 1
                # A name on one side and a plain word on the other: the lighter weight counts.
                weight[j] += min(sorted_weights[t], sorted_weights[u])
        for y in range(n_touched):
            j = touched[y]
            if shared[j] >= MIN_SHARED_STEMS:
                total = total_a[i] + total_b[j]
                smaller = min(total_a[i], total_b[j])
                dice = 2.0 * weight[j] / total if total > 0 else 0.0
                contained = weight[j] / smaller if smaller > 0 else 0.0
                strong = dice >= threshold or (contained >= MIN_CONTAINMENT and shared[j] >= MIN_CONTAINED_STEMS)
                if strong or dice >= context_threshold:
                    if write_at >= 0:
                        out_i[write_at + found] = i
                        out_j[write_at + found] = j
                        out_s[write_at + found] = int(max(dice, contained) * 1_000_000)
                        out_strong[write_at + found] = 1 if strong else 0
                    found += 1
                    strong_found += 1 if strong else 0
            shared[j] = 0
            weight[j] = 0.0
    return strong_found, found


@numba.njit(cache=True, parallel=True)
def _batch_seeds(
    pairs, sentence_offsets, article_sentences, sorted_hashes, sorted_sentences, sorted_weights, sentence_weights, threshold,
    context_threshold,
):  # pragma: no cover - compiled
    n = pairs.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    # Pairs go in chunks, each with scratch arrays sized for its largest articles: one
    # allocation per chunk rather than eight per pair.
    chunks = min(n, 256)
    offsets = np.zeros(n + 1, dtype=np.int64)
    out_i = np.empty(0, dtype=np.int64)
    out_j = np.empty(0, dtype=np.int64)
    out_s = np.empty(0, dtype=np.int64)
    out_strong = np.empty(0, dtype=np.int64)
    for write in range(2):  # count, then write where the counts say
        if write:
            for p in range(n):
                offsets[p + 1] = offsets[p] + counts[p]
            out_i = np.empty(offsets[n], dtype=np.int64)
            out_j = np.empty(offsets[n], dtype=np.int64)
            out_s = np.empty(offsets[n], dtype=np.int64)
            out_strong = np.empty(offsets[n], dtype=np.int64)
        for c in numba.prange(chunks):
            first, last = n * c // chunks, n * (c + 1) // chunks
            most_sentences, most_entries = 1, 1
            for p in range(first, last):
                for article in (pairs[p, 0], pairs[p, 1]):
                    lo, hi = article_sentences[article], article_sentences[article + 1]
                    most_sentences = max(most_sentences, hi - lo)
                    most_entries = max(most_entries, sentence_offsets[hi] - sentence_offsets[lo])
            runs = np.empty((most_entries, 4), dtype=np.int64)
            per_sentence = np.empty(most_sentences + 1, dtype=np.int64)
            fill = np.empty(most_sentences, dtype=np.int64)
            entry_of = np.empty(most_entries, dtype=np.int64)
            run_of = np.empty(most_entries, dtype=np.int64)
            shared = np.zeros(most_sentences, dtype=np.int64)
            weight = np.zeros(most_sentences, dtype=np.float64)
            touched = np.empty(most_sentences, dtype=np.int64)
            for p in range(first, last):
                if write and not counts[p]:
                    continue
                strong, total = _seeds_of_pair(
                    pairs[p, 0], pairs[p, 1], sentence_offsets, article_sentences, sorted_hashes, sorted_sentences,
                    sorted_weights, sentence_weights, threshold, context_threshold, out_i, out_j, out_s, out_strong,
                    offsets[p] if write else -1, runs, per_sentence, fill, entry_of, run_of, shared, weight, touched,
                )
                if not write:
                    counts[p] = total if strong else 0  # context seeds only matter next to a seed
    return offsets, out_i, out_j, out_s, out_strong


def batch_seeds(index: SentenceIndex, pairs: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Seed sentence pairs of many article pairs at once, in parallel compiled code.

    A seed is a sentence pair whose weighted Dice similarity (names and numbers count
    ``ENTITY_WEIGHT``) reaches ``threshold``,
    or where most of the shorter sentence's stems are in the longer one (a merge or split).
    Pairs with a seed also get their context seeds (Dice at least ``CONTEXT_SIMILARITY``),
    which ``extend`` keeps only next to a seed.

    Args:
        index: The corpus's sentence index.
        pairs: int64 ``(n, 2)`` article pairs.
        threshold: Least weighted Dice for a seed.

    Returns:
        ``offsets`` (pair ``p``'s seeds are rows ``offsets[p]:offsets[p + 1]``; none for a pair
        without a seed) and the seeds, an int64 ``(m, 4)`` array: article-local sentence
        numbers ``(i, j)``, the seed's score (weighted Dice or containment) in millionths, and
        1 for a seed or 0 for a context seed.
    """
    if len(pairs) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros((0, 4), dtype=np.int64)
    offsets, out_i, out_j, out_s, out_strong = _batch_seeds(
        np.ascontiguousarray(pairs, dtype=np.int64), index.sentence_offsets, index.article_sentences,
        index.sorted_hashes, index.sorted_sentences, index.sorted_weights, index.sentence_weights, float(threshold),
        float(min(CONTEXT_SIMILARITY, threshold)),
    )
    return offsets, np.stack([out_i, out_j, out_s, out_strong], axis=1)


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
    surprise: float = 0.0
    """How far the shared stems are concentrated in this passage, as ``-log10`` of the chance
    that they would gather there by luck (see ``concentration``); 0 when unknown."""

    @property
    def evidence(self) -> float:
        """Roughly the weighted stems the two sides share; a lone seed sentence counts half.

        A lone seed is often a shared quote or a shared lede, not a copy.
        """
        return self.similarity * self.size * (1.0 if self.seeds > 1 else LONE_SEED_DISCOUNT)


@numba.njit(cache=True)
def _root(parent, x):  # pragma: no cover - compiled
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True)
def _cluster_roots(i_col, j_col, reach, far):  # pragma: no cover - compiled
    """Union-find over seeds sorted by ``i``: each seed's group, named by its root seed."""
    n = i_col.shape[0]
    parent = np.arange(n)
    lo = 0
    for k in range(n):
        while i_col[lo] < i_col[k] - far:
            lo += 1
        for m in range(lo, k):
            di, dj = i_col[k] - i_col[m], abs(j_col[k] - j_col[m])
            if (di <= reach and dj <= far) or (dj <= reach and di <= far):
                parent[_root(parent, m)] = _root(parent, k)
    roots = np.empty(n, dtype=np.int64)
    for k in range(n):
        roots[k] = _root(parent, k)
    return roots


def _cluster(found: np.ndarray, max_gap: int) -> list[np.ndarray]:
    """Group seeds that lie within ``max_gap`` unmatched sentences of each other in both articles.

    Order is not required: spinners reorder sentences (on PAN, requiring seeds to follow
    each other lost 0.04 plagdet on random obfuscation for 0.01 gained on verbatim).
    Seeds must be sorted by ``i``; groups come in the order of their root seed, members in
    seed order.
    """
    reach = max_gap + 1
    # A condensed rewrite (a summary) skips source sentences: on one side at a time, seeds
    # may lie CONDENSED_GAP_FACTOR times further apart.
    far = reach * CONDENSED_GAP_FACTOR
    roots = _cluster_roots(np.ascontiguousarray(found[:, 0]), np.ascontiguousarray(found[:, 1]), reach, far)
    order = np.argsort(roots, kind="stable")
    bounds = np.flatnonzero(np.diff(roots[order])) + 1
    return [found[members] for members in np.split(order, bounds)] if len(found) else []


@numba.njit(cache=True)
def _sorted_unique(values):  # pragma: no cover - compiled
    if values.shape[0] == 0:
        return values
    ordered = np.sort(values)
    keep = np.ones(ordered.shape[0], dtype=np.bool_)
    for k in range(1, ordered.shape[0]):
        keep[k] = ordered[k] != ordered[k - 1]
    return ordered[keep]


@numba.njit(cache=True)
def _span_score(hashes, sorted_weights, sentence_offsets, article_sentences, sorted_hashes, a, b, a0, a1, b0, b1):  # pragma: no cover
    """Weighted Dice of two sentence spans' stem sets (weights as in seeding), and both set sizes."""
    a_base, b_base = article_sentences[a], article_sentences[b]
    set_a = _sorted_unique(hashes[sentence_offsets[a_base + a0] : sentence_offsets[a_base + a1]])
    set_b = _sorted_unique(hashes[sentence_offsets[b_base + b0] : sentence_offsets[b_base + b1]])
    total, shared_weight = 0.0, 0.0
    for side in range(2):
        own = set_a if side == 0 else set_b
        other_set = set_b if side == 0 else set_a
        lo = sentence_offsets[a_base if side == 0 else b_base]
        hi = sentence_offsets[article_sentences[(a if side == 0 else b) + 1]]
        own_doc = sorted_hashes[lo:hi]
        for h in own:
            # A stem's weight, looked up where it occurs in its own article.
            w = sorted_weights[lo + np.searchsorted(own_doc, h)]
            total += w
            k = np.searchsorted(other_set, h)
            if k < other_set.shape[0] and other_set[k] == h:
                # Each side adds its own weight; the pair counts as much as its lighter side,
                # as in seeding, so a name on one side and a plain word on the other cannot
                # make the score pass 1.
                shared_weight += w
                other_lo = sentence_offsets[b_base if side == 0 else a_base]
                other_hi = sentence_offsets[article_sentences[(b if side == 0 else a) + 1]]
                w_other = sorted_weights[other_lo + np.searchsorted(sorted_hashes[other_lo:other_hi], h)]
                if w_other < w:
                    shared_weight -= w - w_other
    score = shared_weight / total if total > 0 else 0.0
    return score, set_a.shape[0], set_b.shape[0]


def span_similarity(index: SentenceIndex, a: int, b: int, a_span: tuple[int, int], b_span: tuple[int, int]) -> tuple[float, int, int]:
    """Rarity-weighted Dice of two sentence spans' stem sets, and the size of each set."""
    score, size_a, size_b = _span_score(
        index.hashes, index.sorted_weights, index.sentence_offsets, index.article_sentences, index.sorted_hashes,
        a, b, a_span[0], a_span[1], b_span[0], b_span[1],
    )
    return float(score), int(size_a), int(size_b)


@numba.njit(cache=True)
def _log10_tail(total, marked, drawn, hits):  # pragma: no cover - compiled
    """``log10 P(X >= hits)`` for ``X`` hypergeometric: ``drawn`` of ``total`` items, ``marked`` of them marked."""
    top = min(marked, drawn)
    if hits <= 0 or hits <= drawn - (total - marked):
        return 0.0
    if hits > top:
        return -math.inf
    base = math.lgamma(total + 1) - math.lgamma(drawn + 1) - math.lgamma(total - drawn + 1)
    terms = np.empty(top - hits + 1)
    for x in range(hits, top + 1):
        terms[x - hits] = (
            math.lgamma(marked + 1) - math.lgamma(x + 1) - math.lgamma(marked - x + 1)
            + math.lgamma(total - marked + 1) - math.lgamma(drawn - x + 1) - math.lgamma(total - marked - drawn + x + 1)
            - base
        )
    peak = terms.max()
    return min(0.0, (peak + math.log(np.exp(terms - peak).sum())) / math.log(10.0))


def _article_stems(index: SentenceIndex, article: int) -> np.ndarray:
    return index.plain_stems[index.plain_offsets[article] : index.plain_offsets[article + 1]]


def _span_stems(index: SentenceIndex, article: int, span: tuple[int, int]) -> np.ndarray:
    base = index.article_sentences[article]
    lo, hi = index.sentence_offsets[base + span[0]], index.sentence_offsets[base + span[1]]
    stems = index.hashes[lo:hi]
    stems = stems[index.plain[lo:hi]]
    return np.unique(stems)


def concentration(
    index: SentenceIndex, a: int, b: int, a_span: tuple[int, int], b_span: tuple[int, int],
    stems_a: np.ndarray | None = None, stems_b: np.ndarray | None = None,
) -> float:
    """How surprising it is that the two spans share the stems they share, given their articles.

    Two articles on one subject share many stems, spread over both. A copied passage gathers
    them: of the stems of one span that occur anywhere in the other article, most lie in its
    partner span. Under the null hypothesis that they could lie anywhere in that article, the
    count inside the partner span is hypergeometric; its upper tail is the chance of a
    gathering at least this tight. The more concentrated of the two sides counts, and the
    chance is multiplied by the number of sentence pairs that could have been chosen
    (Bonferroni), so a long pair of articles does not find one by looking everywhere.

    A span that covers its whole article cannot be concentrated in it (the tail is 1): a
    whole-article copy has no surprise, and is judged by its evidence instead.

    Returns:
        ``-log10`` of the corrected chance; 0 or less is no surprise.
    """
    stems_a = _article_stems(index, a) if stems_a is None else stems_a
    stems_b = _article_stems(index, b) if stems_b is None else stems_b
    span_a, span_b = _span_stems(index, a, a_span), _span_stems(index, b, b_span)
    shared = len(np.intersect1d(span_a, span_b, assume_unique=True))
    # Stems of each span found anywhere in the other article.
    a_in_b = len(np.intersect1d(span_a, stems_b, assume_unique=True))
    b_in_a = len(np.intersect1d(span_b, stems_a, assume_unique=True))
    tail_a = _log10_tail(len(stems_a), len(span_a), b_in_a, shared)
    tail_b = _log10_tail(len(stems_b), len(span_b), a_in_b, shared)
    return -min(tail_a, tail_b) - math.log10(max(1, index.sentences(a) * index.sentences(b)))


def _overlaps(x: SentencePassage, y: SentencePassage) -> bool:
    return (x.a_start < y.a_end and y.a_start < x.a_end) or (x.b_start < y.b_end and y.b_start < x.b_end)


def _top_ranked(keys: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Mask of rows among the ``k`` best-scored of their key."""
    order = np.lexsort((-scores, keys))
    sorted_keys = keys[order]
    first = np.searchsorted(sorted_keys, sorted_keys, side="left")
    rank = np.arange(len(keys)) - first
    mask = np.zeros(len(keys), dtype=bool)
    mask[order[rank < k]] = True
    return mask


def _best_partners(found: np.ndarray) -> np.ndarray:
    """Keep a seed only if each of its sentences is among the other's few best partners.

    A merged or split sentence has two or three partners; a sentence of a list page that
    repeats one pattern hundreds of times has hundreds, and would stretch a passage over
    the whole page.
    """
    keep = _top_ranked(found[:, 0], found[:, 2], MAX_PARTNERS) & _top_ranked(found[:, 1], found[:, 2], MAX_PARTNERS)
    return found[keep]


def _trim_weak_ends(group: np.ndarray) -> np.ndarray:
    """Drop seeds at either end of a passage (in either article's order) that score far below its middle.

    A verbatim passage's seeds score near 1; a stray seed of 0.4 next to it is a sentence on
    the same subject, and would stretch the passage past the reuse.
    """
    if len(group) < 3:
        return group
    floor = TRIM_RATIO * float(np.median(group[:, 2]))
    for column in (0, 1):
        ordered = group[np.argsort(group[:, column], kind="stable")]
        first, last = 0, len(ordered)
        while last - first > 2 and ordered[first, 2] < floor:
            first += 1
        while last - first > 2 and ordered[last - 1, 2] < floor:
            last -= 1
        group = ordered[first:last]
    return group[np.lexsort((group[:, 1], group[:, 0]))]


def _member(keys: np.ndarray, sorted_keys: np.ndarray, shifts: np.ndarray | None = None) -> np.ndarray:
    """Whether each of ``keys`` (each shifted by each of ``shifts``, one column per shift) is in ``sorted_keys``."""
    query = keys if shifts is None else keys[:, None] + shifts[None, :]
    where = np.minimum(np.searchsorted(sorted_keys, query), len(sorted_keys) - 1)
    return sorted_keys[where] == query


def _stock_only(index: SentenceIndex, a: int, b: int, group: np.ndarray) -> bool:
    """Whether every seed of ``group`` pairs a stock sentence with something."""
    stock_a = index.stock[index.article_sentences[a] + group[:, 0]]
    stock_b = index.stock[index.article_sentences[b] + group[:, 1]]
    return bool((stock_a | stock_b).all())


def extend(index: SentenceIndex, a: int, b: int, found: np.ndarray, max_gap: int, min_words: int) -> list[SentencePassage]:
    """Aligned passages of articles ``a`` and ``b`` from their seeds, in sentence units.

    Args:
        index: The corpus's sentence index.
        a: One article.
        b: The other.
        found: Their seeds and context seeds, rows ``(i, j, score, seed or not)`` (as ``batch_seeds`` gives them).
        max_gap: Most unmatched sentences between two seeds of one passage.
        min_words: Fewest distinct content stems a passage must hold on its longer side
            (and half as many on the shorter).

    Returns:
        Passages that overlap in neither article, sorted by position in ``a``.
    """
    if len(found) == 0 or not found[:, 3].any():
        return []
    # Sentence pair (i, j) as one sortable key; column ``width - 1`` is never a sentence, so
    # a neighbour key ``j - 1`` of ``j = 0`` cannot alias a real pair.
    width = index.sentences(b) + 1
    context = found[found[:, 3] == 0, :3]
    found = found[found[:, 3] == 1, :3]
    strong = np.sort(found[:, 0] * width + found[:, 1])
    steps = np.arange(-CONTEXT_REACH, CONTEXT_REACH + 1)
    around = (steps[:, None] * width + steps[None, :]).ravel()
    keys = context[:, 0] * width + context[:, 1]
    context = context[_member(keys, strong, around).any(axis=1)]
    found = np.concatenate((found, context))
    found = found[np.lexsort((found[:, 1], found[:, 0]))]
    found = _best_partners(found)
    stems_a, stems_b = _article_stems(index, a), _article_stems(index, b)
    passages, surprising = [], []
    for group in _cluster(found, max_gap):
        group = _trim_weak_ends(group)
        seeds = int(_member(group[:, 0] * width + group[:, 1], strong).sum())
        if seeds == 0:
            continue  # context seeds alone are no passage
        a_span = (int(group[:, 0].min()), int(group[:, 0].max()) + 1)
        b_span = (int(group[:, 1].min()), int(group[:, 1].max()) + 1)
        similarity, size_a, size_b = span_similarity(index, a, b, a_span, b_span)
        # Obfuscation shortens the copy, so only the longer side must reach min_words.
        if max(size_a, size_b) < min_words or min(size_a, size_b) < min_words // 2:
            continue
        surprise = concentration(index, a, b, a_span, b_span, stems_a, stems_b)
        passage = SentencePassage(*a_span, *b_span, seeds, similarity, min(size_a, size_b), surprise)
        if passage.evidence >= MIN_PASSAGE_EVIDENCE and similarity >= MIN_PASSAGE_SIMILARITY:
            passages.append(passage)
        elif surprise >= MIN_SURPRISE and not _stock_only(index, a, b, group):
            surprising.append(passage)
    # A pair with a passage of evidence is told by it; only a pair without one is rescued
    # by its surprising passages (added to one, they were mostly topic: PAN none precision -0.02).
    passages = passages or surprising
    # Overlapping passages: the one with more seeds (then the more similar) wins.
    passages.sort(key=lambda p: (-p.seeds, -p.similarity, p.a_start, p.b_start))
    kept: list[SentencePassage] = []
    for passage in passages:
        if not any(_overlaps(passage, other) for other in kept):
            kept.append(passage)
    kept.sort(key=lambda p: (p.a_start, p.b_start))
    return _merge_condensed(index, a, b, kept, max_gap)


def _merge_condensed(index: SentenceIndex, a: int, b: int, passages: list[SentencePassage], max_gap: int) -> list[SentencePassage]:
    """Merge passages that follow each other closely in one article and in the same order, further apart, in the other.

    That is the shape of a summary: consecutive sentences of the copy draw on paragraphs of
    the source that lie far apart, and the summary stands for all of them.
    """
    reach, far = max_gap + 1, (max_gap + 1) * SUMMARY_FACTOR
    merged = list(passages)
    changed = True
    while changed and len(merged) > 1:
        changed = False
        for k in range(len(merged) - 1):
            x, y = merged[k], merged[k + 1]  # sorted by a_start, disjoint in both articles
            gap_a, gap_b = y.a_start - x.a_end, y.b_start - x.b_end
            if gap_b < 0 or not ((gap_a <= reach and gap_b <= far) or (gap_b <= reach and gap_a <= far)):
                continue
            a_span, b_span = (x.a_start, y.a_end), (x.b_start, y.b_end)
            longer, shorter = sorted((a_span[1] - a_span[0], b_span[1] - b_span[0]), reverse=True)
            if longer < SUMMARY_RATIO * shorter:
                # Not a summary: a rewrite that dropped paragraphs keeps them out of the reuse.
                continue
            similarity, size_a, size_b = span_similarity(index, a, b, a_span, b_span)
            merged[k : k + 2] = [
                SentencePassage(*a_span, *b_span, x.seeds + y.seeds, similarity, min(size_a, size_b), max(x.surprise, y.surprise))
            ]
            changed = True
            break
    return merged


def align_pair(index: SentenceIndex, a: int, b: int, threshold: float, max_gap: int, min_words: int) -> list[SentencePassage]:
    """Seed and extend one pair (what ``batch_seeds`` + ``extend`` do for many)."""
    offsets, found = batch_seeds(index, np.array([[a, b]], dtype=np.int64), threshold)
    return extend(index, a, b, found, max_gap, min_words)
