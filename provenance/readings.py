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
from provenance.surprise import shared_count

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
def _followed(stems, sentence_offsets, article_sentences, triples, version_jaccard, matching_share):  # pragma: no cover - compiled
    """``followed_readings`` on flat sentence sets; ``triples`` are positions among their articles."""
    out = np.zeros((triples.shape[0], 2), dtype=np.int64)
    for r in range(triples.shape[0]):
        article, source, rival = triples[r, 0], triples[r, 1], triples[r, 2]
        for x in range(article_sentences[source], article_sentences[source + 1]):
            x0, x1 = sentence_offsets[x], sentence_offsets[x + 1]
            # The rival's sentence most like this one (the first of equals).
            best, best_jaccard = -1, 0.0
            for y in range(article_sentences[rival], article_sentences[rival + 1]):
                y0, y1 = sentence_offsets[y], sentence_offsets[y + 1]
                if min(x1 - x0, y1 - y0) <= best_jaccard * max(x1 - x0, y1 - y0):
                    continue  # the smaller over the larger bounds their Jaccard: no better than the best
                shared = shared_count(stems[x0:x1], stems[y0:y1])
                if shared > 0:
                    jaccard = shared / ((x1 - x0) + (y1 - y0) - shared)
                    if jaccard > best_jaccard:
                        best, best_jaccard = y, jaccard
                        if jaccard == 1.0:
                            break  # the same sentence: nothing can be better (versions mostly share theirs)
            if best < 0 or best_jaccard < version_jaccard or best_jaccard == 1.0:
                continue
            y0, y1 = sentence_offsets[best], sentence_offsets[best + 1]
            union = (x1 - x0) + (y1 - y0) - shared_count(stems[x0:x1], stems[y0:y1])
            # The article's sentence holding most of the two versions' stems (the first of equals).
            match, most = -1, 0
            for d in range(article_sentences[article], article_sentences[article + 1]):
                d0, d1 = sentence_offsets[d], sentence_offsets[d + 1]
                holds = shared_count(stems[d0:d1], stems[x0:x1]) + _held(stems, d0, d1, y0, y1, x0, x1)
                if holds > most:
                    match, most = d, holds
            if match < 0 or most < matching_share * union:
                continue
            d0, d1 = sentence_offsets[match], sentence_offsets[match + 1]
            out[r, 0] += _held(stems, d0, d1, x0, x1, y0, y1)
            out[r, 1] += _held(stems, d0, d1, y0, y1, x0, x1)
    return out
