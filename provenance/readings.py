"""Readings: which of two versions of one text an article follows, word by word.

Owns the comparison of variant readings, the method of textual criticism for telling which
manuscript a copy descends from (Lachmann's common readings). Two sources of one article
are often versions of one text: a light edit and the text it edits, say. Where a sentence of
one is nearly the same sentence of the other, the stems in which the two differ are
variants, and the article's matching sentence follows one source's reading or the other's.
The tree (``tree._not_followed``) asks, for an article's best source and a rival of nearly
the same evidence, how many readings of each the article follows. This module reads the
articles' shingled sentences; it decides nothing.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numba
import numpy as np

from provenance.shingle import Shingled

# Two sentences are versions of one sentence from this Jaccard of their stems on (and below 1:
# equal sentences have no variants). A spun sentence keeps about half of its stems.
VERSION_JACCARD = 0.5
# The article's sentence that matches a pair of versions must hold this share of their stems.
MATCHING_SHARE = 0.3


def followed_readings(triples: np.ndarray, shingled_of: Callable[[int], Shingled]) -> np.ndarray:
    """Per ``(article, source, rival)`` row of article numbers: how many of the source's readings the
    article follows, and how many of the rival's (int64 ``(rows, 2)``).

    ``shingled_of(k)`` gives article ``k``'s shingles (its sentences' stems; hashes or
    vocabulary ranks, as long as all are alike).
    """
    triples = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
    numbers = np.unique(triples)
    stems, sentence_offsets, article_sentences = _sentence_sets([shingled_of(int(k)) for k in numbers.tolist()])
    return _followed(stems, sentence_offsets, article_sentences, np.searchsorted(numbers, triples),
                     VERSION_JACCARD, MATCHING_SHARE)


def _sentence_sets(shingled: Sequence[Shingled]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The articles' sentences as sorted distinct stems, flat: sentence ``s``'s stems are
    ``stems[sentence_offsets[s]:sentence_offsets[s + 1]]``, article ``a``'s sentences
    ``article_sentences[a]`` to ``article_sentences[a + 1]``."""
    hashes = [np.asarray(s.hashes, dtype=np.uint64) for s in shingled]
    starts = [np.asarray(s.sentence_starts, dtype=np.int64) for s in shingled]
    counts = np.array([len(s) - 1 for s in starts], dtype=np.int64)
    article_sentences = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    word_base = np.concatenate(([0], np.cumsum([len(h) for h in hashes]))).astype(np.int64)
    bounds = np.concatenate([s[:-1] + base for s, base in zip(starts, word_base[:-1])] + [np.array([len(flat)], np.int64)])
    return _distinct_per_sentence(flat, bounds) + (article_sentences,)


@numba.njit(cache=True)
def _distinct_per_sentence(hashes, bounds):  # pragma: no cover - compiled
    """Each sentence ``[bounds[s], bounds[s + 1])`` of ``hashes`` sorted with repeats dropped."""
    out = np.empty(hashes.shape[0], dtype=np.uint64)
    offsets = np.zeros(bounds.shape[0], dtype=np.int64)
    n = 0
    for s in range(bounds.shape[0] - 1):
        words = np.sort(hashes[bounds[s] : bounds[s + 1]])
        for k in range(words.shape[0]):
            if k == 0 or words[k] != words[k - 1]:
                out[n] = words[k]
                n += 1
        offsets[s + 1] = n
    return out[:n], offsets


@numba.njit(cache=True)
def _held(stems, d0, d1, a0, a1, b0, b1):  # pragma: no cover - compiled
    """How many stems of run ``[d0, d1)`` are in run ``[a0, a1)`` and not in run ``[b0, b1)``."""
    held, t, u = 0, a0, b0
    for s in range(d0, d1):
        while t < a1 and stems[t] < stems[s]:
            t += 1
        while u < b1 and stems[u] < stems[s]:
            u += 1
        if t < a1 and stems[t] == stems[s] and not (u < b1 and stems[u] == stems[s]):
            held += 1
    return held


@numba.njit(cache=True)
def _stem_index(stems, sentence_offsets, first, last):  # pragma: no cover - compiled
    """Sentences ``[first, last)``'s stems sorted, each with its sentence (counted from ``first``): which
    of them hold a stem is one search away, where comparing every sentence took a merge each."""
    lo, hi = sentence_offsets[first], sentence_offsets[last]
    owner = np.empty(hi - lo, dtype=np.int64)
    for s in range(first, last):
        owner[sentence_offsets[s] - lo : sentence_offsets[s + 1] - lo] = s - first
    order = np.argsort(stems[lo:hi], kind="mergesort")
    return stems[lo:hi][order], owner[order]


@numba.njit(cache=True, inline="always")
def _count_holders(query, indexed, owner, counts):  # pragma: no cover - compiled
    """Add one to ``counts[sentence]`` for each stem of ``query`` an indexed sentence holds (``_stem_index``)."""
    for stem in query:
        for e in range(np.searchsorted(indexed, stem, side="left"), np.searchsorted(indexed, stem, side="right")):
            counts[owner[e]] += 1


@numba.njit(cache=True)
def _followed(stems, sentence_offsets, article_sentences, triples, version_jaccard, matching_share):  # pragma: no cover - compiled
    """``followed_readings`` on flat sentence sets; ``triples`` are positions among their articles."""
    out = np.zeros((triples.shape[0], 2), dtype=np.int64)
    for r in range(triples.shape[0]):
        article, source, rival = triples[r, 0], triples[r, 1], triples[r, 2]
        r0, a0 = article_sentences[rival], article_sentences[article]
        rival_stems, rival_owner = _stem_index(stems, sentence_offsets, r0, article_sentences[rival + 1])
        article_stems, article_owner = _stem_index(stems, sentence_offsets, a0, article_sentences[article + 1])
        shared = np.zeros(article_sentences[rival + 1] - r0, dtype=np.int64)
        holds = np.zeros(article_sentences[article + 1] - a0, dtype=np.int64)
        for x in range(article_sentences[source], article_sentences[source + 1]):
            x0, x1 = sentence_offsets[x], sentence_offsets[x + 1]
            # The rival's sentence most like this one (the first of equals).
            _count_holders(stems[x0:x1], rival_stems, rival_owner, shared)
            best, best_jaccard, best_union = -1, 0.0, 0
            for k in range(shared.shape[0]):
                if shared[k] > 0:
                    y = r0 + k
                    union = (x1 - x0) + (sentence_offsets[y + 1] - sentence_offsets[y]) - shared[k]
                    jaccard = shared[k] / union
                    if jaccard > best_jaccard:
                        best, best_jaccard, best_union = y, jaccard, union
                    shared[k] = 0
            if best < 0 or best_jaccard < version_jaccard or best_jaccard == 1.0:
                continue
            y0, y1 = sentence_offsets[best], sentence_offsets[best + 1]
            # The article's sentence holding most of the two versions' stems (the first of equals):
            # those of one, and those of the other it lacks.
            _count_holders(stems[x0:x1], article_stems, article_owner, holds)
            for t in range(y0, y1):
                at = np.searchsorted(stems[x0:x1], stems[t])
                if at == x1 - x0 or stems[x0 + at] != stems[t]:
                    _count_holders(stems[t : t + 1], article_stems, article_owner, holds)
            match, most = -1, 0
            for k in range(holds.shape[0]):
                if holds[k] > most:
                    match, most = a0 + k, holds[k]
                holds[k] = 0
            if match < 0 or most < matching_share * best_union:
                continue
            d0, d1 = sentence_offsets[match], sentence_offsets[match + 1]
            out[r, 0] += _held(stems, d0, d1, x0, x1, y0, y1)
            out[r, 1] += _held(stems, d0, d1, y0, y1, x0, x1)
    return out
