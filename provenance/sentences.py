"""Sentences: shingled articles in, their sentence index and seed sentence pairs out.

Owns the first step of verifying a candidate pair, done for many pairs at once in
parallel compiled code: every article's sentences as sets of content stems in flat
arrays (``SentenceIndex``, with the stock sentences many articles share), and
**seeding** (``batch_seeds``): pairs of sentences whose content-stem sets are similar
enough (weighted Dice, or containment for a sentence a spinner merged or split), and
next to them, under a lower threshold, context seeds. What the seeds add up to, the
passages, is ``align``'s.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Optional

import numba
import numpy as np

from provenance.shingle import FlatShingles, Shingled, Vocabulary, grown

# Seeds need at least this many shared stems: one or two shared names are a topic, not a copy.
MIN_SHARED_STEMS = 3
# A merged or split sentence: most of the shorter one's stems are in the longer one.
MIN_CONTAINMENT = 0.7
MIN_CONTAINED_STEMS = 5
# Context seeds (Sanchez-Perez et al., PAN 2014, extend with a lower threshold near what they
# found): a sentence pair under the seeding threshold but at least this similar is a seed when
# it lies next to a seed in both articles (``align.CONTEXT_REACH``). Random obfuscation leaves
# some sentences of a copied run under the threshold; the passage picks them up from its
# neighbours. A pair with no seed gains none, so no new pair is claimed on them alone.
# (PAN 2013 training: random plagdet +0.008, none -0.002; reach 2: random +0.014, none -0.007.)
CONTEXT_SIMILARITY = 0.2
# A sentence whose exact stems this many articles hold (a spinner's filler, a stock phrase) is
# stock: it gathers in any two of them, so a passage resting on stock sentences only is no
# surprise (``align.MIN_SURPRISE``). (Synthetic news 10k: 7 false pairs of spun articles sharing
# one filler sentence.)
STOCK_ARTICLES = 3
# Slices of the pairs ``batch_seeds`` seeds one after another when its caller follows the progress
# (a scan's --progress): one compiled call each, so the work can be told as it goes.
SEEDING_SLICES = 16
# Evidence weight of a name or a number: independent reports of one event share those by
# necessity; copies share the wording around them.
ENTITY_WEIGHT = 0.3


@numba.njit(cache=True, inline="always")
def entry_weight(plain):  # pragma: no cover - compiled
    """Evidence weight of an index entry: 1 for a plain word, ``ENTITY_WEIGHT`` for a name or number.

    The index keeps one byte an entry (``plain``, ``sorted_plain``) and weighs it here: the
    same float64 as a stored weight, for an eighth of the memory.
    """
    return 1.0 if plain else ENTITY_WEIGHT


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
def _set_keys(stems, ranks, sentence_offsets):  # pragma: no cover - compiled
    """Per sentence, a key of its stem set: the wrapping sum of its stems' hashes (``ranks`` into
    ``stems``), mixed with its size."""
    keys = np.zeros(sentence_offsets.shape[0] - 1, dtype=np.uint64)
    for k in range(keys.shape[0]):
        total = np.uint64(0)
        for t in range(sentence_offsets[k], sentence_offsets[k + 1]):
            total += stems[ranks[t]]
        keys[k] = total ^ (np.uint64(sentence_offsets[k + 1] - sentence_offsets[k]) * np.uint64(0x9E3779B97F4A7C15))
    return keys


@numba.njit(cache=True)
def _held_widely(keys, order, sentence_article, least_articles):  # pragma: no cover - compiled
    """Per sentence, whether ``least_articles`` or more articles hold a sentence of its key.

    ``order`` sorts ``keys`` stably: each key's sentences come in article order, so the
    article changes along a key's run count its articles.
    """
    stock = np.zeros(order.shape[0], dtype=np.bool_)
    t = 0
    while t < order.shape[0]:
        key, articles, last, u = keys[order[t]], 0, -1, t
        while u < order.shape[0] and keys[order[u]] == key:
            if sentence_article[order[u]] != last:
                articles += 1
                last = sentence_article[order[u]]
            u += 1
        if articles >= least_articles:
            for v in range(t, u):
                stock[order[v]] = True
        t = u
    return stock


def _stock_sentences(stems: np.ndarray, hashes: np.ndarray, sentence_offsets: np.ndarray, article_sentences: np.ndarray,
                     stock_keys: Optional[np.ndarray] = None) -> np.ndarray:
    """Per sentence of every article, whether ``STOCK_ARTICLES`` or more articles hold its stem set.

    Args:
        stems: The vocabulary's stems (``Vocabulary.stems``).
        hashes: Each sentence's distinct stems as ranks into ``stems``, sentence after sentence (``SentenceIndex.hashes``).
        sentence_offsets: Where each sentence's stems begin, then their count.
        article_sentences: Where each article's sentences begin, then their count.
        stock_keys: The stem-set keys that many articles hold, counted in the whole corpus
            (``held_sentence_keys``), when these articles are only part of it (a Spark
            partition's); ``None``: these articles are the corpus, and are counted here.
    """
    # Compiled passes, not numpy expressions: those made up to 35 bytes of temporaries a sentence
    # (1M articles: 22M sentences) while the whole sentence index was held.
    keys = _set_keys(stems, hashes, sentence_offsets)
    if stock_keys is not None:
        return np.isin(keys, stock_keys)
    order = np.argsort(keys, kind="stable")
    sentence_article = np.repeat(np.arange(len(article_sentences) - 1, dtype=np.int32), np.diff(article_sentences))
    return _held_widely(keys, order, sentence_article, STOCK_ARTICLES)


def held_sentence_keys(shingled: Sequence[Shingled], vocabulary: Vocabulary) -> np.ndarray:
    """The stem-set keys of the articles' sentences (``_set_keys``), each article's distinct ones, article
    after article: a key listed by ``STOCK_ARTICLES`` or more articles of a corpus is a stock sentence's.

    Counted over a corpus cut into parts (Spark's partitions), they give the flags a whole
    corpus's index gives (``SentenceIndex.build``'s ``stock_keys``).
    """
    arrays = next(_indexed_parts([FlatShingles.join(shingled)], vocabulary))
    keys = _set_keys(vocabulary.stems, arrays["hashes"], arrays["sentence_offsets"])
    article = np.repeat(np.arange(len(arrays["article_sentences"]) - 1), np.diff(arrays["article_sentences"]))
    order = np.lexsort((keys, article))
    keys, article = keys[order], article[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (article[1:] != article[:-1])
    return keys[first]


def ranked(stems: np.ndarray, vocabulary: Vocabulary) -> np.ndarray:
    """Stems as uint32 vocabulary ranks: uint64 hashes ranked, uint32 ones taken as ranks already
    (a scan ranks its corpus's shingles once the windows are cut, ``pipeline.scan_articles``)."""
    return stems if stems.dtype == np.uint32 else vocabulary.ranks(stems)


# The arrays ``SentenceIndex.build_in_parts`` joins, with their first types (``entity`` becomes ``plain``).
_INDEX_DTYPES = {"hashes": np.uint32, "entity": np.bool_, "sentence_offsets": np.int64, "article_sentences": np.int64,
                 "sorted_hashes": np.uint32, "sorted_sentences": np.uint8, "sorted_plain": np.bool_}


def sentence_number_type(last_sentence: int) -> type:
    """The narrowest integer type that holds sentence numbers up to ``last_sentence``: an entry's
    sentence number is one of the index's largest arrays (one byte an entry, 300 MB at a million news articles)."""
    for candidate in (np.uint8, np.uint16):
        if last_sentence <= np.iinfo(candidate).max:
            return candidate
    return np.int32


def _indexed_parts(parts: Iterable[FlatShingles], vocabulary: Vocabulary) -> Iterator[dict[str, np.ndarray]]:
    """Each part's sentence index arrays (``_index_sentences``), its offsets starting at 0."""
    for part in parts:
        # (An article's sentence_starts hold one more entry than it has sentences.)
        last_sentence = int(np.diff(part.sentence_offsets).max(initial=1)) - 2
        sentence_type = np.zeros(0, sentence_number_type(last_sentence))
        flat_h, flat_e, sentence_offsets, article_sentences, sorted_h, sorted_s, sorted_p = _index_sentences(
            ranked(part.hashes, vocabulary), part.entity, part.offsets, part.sentence_starts, part.sentence_offsets, sentence_type
        )
        entries = sentence_offsets[-1]  # past them, the slack of the words a sentence repeats
        yield {"hashes": flat_h[:entries], "entity": flat_e[:entries], "sentence_offsets": sentence_offsets,
               "article_sentences": article_sentences, "sorted_hashes": sorted_h, "sorted_sentences": sorted_s,
               "sorted_plain": sorted_p}


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
        sorted_sentences: ... and the (article-local) sentence each came from, in the fewest
            bytes that hold the longest article's (``sentence_number_type``): one for news.
        sorted_plain: Per sorted entry, whether it is a plain word (weight 1) rather than a
            name or number (weight ``ENTITY_WEIGHT``; see ``entry_weight``).
        sentence_weights: Per sentence, the sum of its stems' weights.
        plain: Per entry of ``hashes``, whether it is a plain word (not a name or a number).
        stock: Per sentence, whether ``STOCK_ARTICLES`` or more articles hold a sentence of
            exactly its stems: a stock phrase ("As many readers will already understand ..."),
            which is no sign that two of them copied each other.
        rarity: Per vocabulary rank, ``log(1 + articles / document frequency)``: how rare each
            stem is in the corpus (``align.held_weights`` weighs the stems a source holds by it;
            the 1 keeps a stem of every article worth something in a corpus of a few).
    """

    articles: int
    hashes: np.ndarray
    sentence_offsets: np.ndarray
    article_sentences: np.ndarray
    sorted_hashes: np.ndarray
    sorted_sentences: np.ndarray
    sorted_plain: np.ndarray
    sentence_weights: np.ndarray
    plain: np.ndarray
    stock: np.ndarray
    rarity: np.ndarray

    @classmethod
    def build(cls, shingled: Sequence[Shingled], vocabulary: Vocabulary, stock_keys: Optional[np.ndarray] = None) -> "SentenceIndex":
        """Index the sentences of ``shingled`` (``vocabulary.articles`` counts the whole corpus; ``stock_keys``,
        when they are only part of it, its stock sentences' keys: see ``_stock_sentences``)."""
        return cls.build_in_parts([FlatShingles.join(shingled)], vocabulary, stock_keys=stock_keys)

    @classmethod
    def build_in_parts(cls, parts: Iterable[FlatShingles], vocabulary: Vocabulary, words: int = 0, sentences: int = 0,
                       articles: int = 0, stock_keys: Optional[np.ndarray] = None) -> "SentenceIndex":
        """``build`` of the articles of ``parts``, part after part.

        Each part's words are indexed and let go before the next is asked for: a scan reads
        its corpus's words back from a file a part at a time (``spill.SpilledShingles``),
        so that they and the index are never whole in memory together. ``words``,
        ``sentences`` and ``articles``, the parts' totals when known, let the index's arrays
        be made at their most at once (``shingle.grown``): an article has at most as many
        entries as words.
        """
        pieces = _indexed_parts(parts, vocabulary)
        if isinstance(parts, Sequence) and len(parts) == 1:
            joined = next(pieces)  # one part: its arrays as they are, not copied
        else:
            per_entry, per_sentence = ("hashes", "entity", "sorted_hashes", "sorted_sentences", "sorted_plain"), ("sentence_offsets",)
            capacity = {**dict.fromkeys(per_entry, words), **dict.fromkeys(per_sentence, sentences + 1), "article_sentences": articles + 1}
            joined = grown(pieces, _INDEX_DTYPES, ("sentence_offsets", "article_sentences"), capacity)
        entity, sentence_offsets = joined.pop("entity"), joined["sentence_offsets"]
        weights = _sentence_weights(entity, sentence_offsets)
        plain = np.logical_not(entity, out=entity)  # in place: one byte an entry, not two
        return cls(vocabulary.articles, **joined, sentence_weights=weights, plain=plain,
                   stock=_stock_sentences(vocabulary.stems, joined["hashes"], sentence_offsets, joined["article_sentences"],
                                          stock_keys),
                   rarity=np.log1p(max(vocabulary.articles, 1) / np.maximum(vocabulary.df, 1)))

    def sentences(self, article: int) -> int:
        """Number of sentences of an article."""
        return int(self.article_sentences[article + 1] - self.article_sentences[article])



@numba.njit(cache=True, parallel=True)
def _index_sentences(hashes, entity, offsets, units, unit_offsets, sentence_type):  # pragma: no cover - compiled
    """``SentenceIndex``'s arrays for articles given as flat shingle arrays (see ``SentenceIndex.build``).

    Per sentence, its distinct stems sorted, each with whether it is a name or number (from
    its first use in the sentence); per article, those entries again sorted by stem (ties in
    sentence order), with their sentence and whether each is plain. The per-sentence arrays may run past
    their last entry (by the words repeated within a sentence): slice them to
    ``sentence_offsets[-1]``. Sentence numbers have ``sentence_type``'s dtype.
    """
    n = offsets.shape[0] - 1
    # Pass 1, per article: each sentence's distinct stems, written from the article's word offset.
    flat_h = np.empty(hashes.shape[0], dtype=hashes.dtype)
    flat_e = np.empty(hashes.shape[0], dtype=np.bool_)
    flat_s = np.empty(hashes.shape[0], dtype=sentence_type.dtype)
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
    sorted_s = np.empty(starts[n], dtype=sentence_type.dtype)
    sorted_p = np.empty(starts[n], dtype=np.bool_)
    sentence_sizes = np.empty(sentence_counts[n], dtype=np.int64)
    for a in numba.prange(n):
        dst, c = starts[a], counts[a]
        by_stem = np.argsort(flat_h[dst : dst + c], kind="mergesort")
        for k in range(c):
            sorted_h[dst + k] = flat_h[dst + by_stem[k]]
            sorted_s[dst + k] = flat_s[dst + by_stem[k]]
            sorted_p[dst + k] = not flat_e[dst + by_stem[k]]
        m = unit_offsets[a + 1] - unit_offsets[a] - 1
        sentence_sizes[sentence_counts[a] : sentence_counts[a] + m] = sizes[unit_offsets[a] : unit_offsets[a] + m]
    sentence_offsets = np.zeros(sentence_sizes.shape[0] + 1, dtype=np.int64)
    for k in range(sentence_sizes.shape[0]):
        sentence_offsets[k + 1] = sentence_offsets[k] + sentence_sizes[k]
    return flat_h, flat_e, sentence_offsets, sentence_counts, sorted_h, sorted_s, sorted_p


@numba.njit(cache=True)
def _seeds_of_pair(
    a, b, sentence_offsets, article_sentences, sorted_hashes, sorted_sentences,
    sorted_plain, sentence_weights, threshold, context_threshold, out_i, out_j, out_s, out_strong, write_at,
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
        hx, hy = sorted_hashes[x], sorted_hashes[y]
        if hx != hy:
            # Most steps: the smaller side moves on, without a branch to mispredict.
            x += hx < hy
            y += hy < hx
        else:
            h = hx
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
                weight[j] += min(entry_weight(sorted_plain[t]), entry_weight(sorted_plain[u]))
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
    pairs, sentence_offsets, article_sentences, sorted_hashes, sorted_sentences, sorted_plain, sentence_weights, threshold,
    context_threshold,
):  # pragma: no cover - compiled
    n = pairs.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    # Pairs go in chunks, each with scratch arrays sized for its largest articles: one
    # allocation per chunk rather than eight per pair.
    chunks = min(n, 256)
    offsets = np.zeros(n + 1, dtype=np.int64)
    # int32: sentence numbers, millionths and flags all fit, in half the memory (a 1M-article
    # scan holds ~10M seeds through verification).
    out_i = np.empty(0, dtype=np.int32)
    out_j = np.empty(0, dtype=np.int32)
    out_s = np.empty(0, dtype=np.int32)
    out_strong = np.empty(0, dtype=np.int32)
    for write in range(2):  # count, then write where the counts say
        if write:
            for p in range(n):
                offsets[p + 1] = offsets[p] + counts[p]
            out_i = np.empty(offsets[n], dtype=np.int32)
            out_j = np.empty(offsets[n], dtype=np.int32)
            out_s = np.empty(offsets[n], dtype=np.int32)
            out_strong = np.empty(offsets[n], dtype=np.int32)
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
                    sorted_plain, sentence_weights, threshold, context_threshold, out_i, out_j, out_s, out_strong,
                    offsets[p] if write else -1, runs, per_sentence, fill, entry_of, run_of, shared, weight, touched,
                )
                if not write:
                    counts[p] = total if strong else 0  # context seeds only matter next to a seed
    return offsets, out_i, out_j, out_s, out_strong


def batch_seeds(index: SentenceIndex, pairs: np.ndarray, threshold: float,
                advance: Optional[Callable[[int, int], None]] = None) -> tuple[np.ndarray, np.ndarray]:
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
        advance: Called with ``(done, total)`` pairs as the work goes; the pairs are then seeded
            in ``SEEDING_SLICES`` slices, one compiled call each (the same seeds).

    Returns:
        ``offsets`` (pair ``p``'s seeds are rows ``offsets[p]:offsets[p + 1]``; none for a pair
        without a seed) and the seeds, an int32 ``(m, 4)`` array: article-local sentence
        numbers ``(i, j)``, the seed's score (weighted Dice or containment) in millionths, and
        1 for a seed or 0 for a context seed.
    """
    if len(pairs) == 0:
        return np.zeros(1, dtype=np.int64), np.zeros((0, 4), dtype=np.int32)
    pairs = np.ascontiguousarray(pairs, dtype=np.int64)
    slices = SEEDING_SLICES if advance else 1
    bounds = [len(pairs) * k // slices for k in range(slices + 1)]
    parts = []
    for first, last in zip(bounds, bounds[1:]):
        part_offsets, *columns = _batch_seeds(
            pairs[first:last], index.sentence_offsets, index.article_sentences, index.sorted_hashes, index.sorted_sentences,
            index.sorted_plain, index.sentence_weights, float(threshold), float(min(CONTEXT_SIMILARITY, threshold)),
        )
        parts.append((part_offsets, np.stack(columns, axis=1)))
        del columns
        if advance:
            advance(last, len(pairs))
    if len(parts) == 1:
        return parts[0]  # as the compiled call gave them: not copied
    offsets, seeds = [np.zeros(1, dtype=np.int64)], 0
    for part_offsets, found in parts:
        offsets.append(part_offsets[1:] + seeds)  # a slice's offsets start at 0: past the seeds of those before
        seeds += len(found)
    return np.concatenate(offsets), np.concatenate([found for _, found in parts])
