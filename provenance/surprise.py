"""Surprise: how far beyond chance two spans' shared stems gather, and where they gather most.

Owns the concentration test (``concentration``: the hypergeometric tail of the stems two
sentence spans share, corrected for the span pairs an article pair offers) and growth
(``grow``: the span around a faint seed group where the shared stems gather most, found by
narrowing a widened span one end sentence at a time), with the span arithmetic they share
(``span_stems``, ``shared_count``). ``align`` decides what passes; nothing here keeps or drops
a passage. All of it runs compiled.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from provenance.sentences import entry_weight

# A span's stems are sorted out of its own entries when the article has this many times more
# (a search each beats a walk over the whole article); otherwise read off the article's walk.
SHORT_SPAN_FACTOR = 16
# Most rounds of ``grow``'s choice of one side's span for the other's (it settles in two or three).
MAX_ROUNDS = 8


@numba.njit(cache=True)
def shared_count(x, y):  # pragma: no cover - compiled
    """How many values two sorted, distinct arrays share."""
    shared, s, t = 0, 0, 0
    while s < x.shape[0] and t < y.shape[0]:
        if x[s] < y[t]:
            s += 1
        elif x[s] > y[t]:
            t += 1
        else:
            shared += 1
            s += 1
            t += 1
    return shared


@numba.njit(cache=True)
def plain_stems(ix, article):  # pragma: no cover - compiled
    """An article's distinct plain stems (each a plain word somewhere in it), sorted.

    Read off its stem-sorted entries when needed: stored, they would take 3 bytes an entry
    (900 MB at a million articles) for the few articles whose passages are tested.
    """
    lo, hi = ix.sentence_offsets[ix.article_sentences[article]], ix.sentence_offsets[ix.article_sentences[article + 1]]
    out = np.empty(hi - lo, dtype=ix.sorted_hashes.dtype)
    n = 0
    for t in range(lo, hi):
        if ix.sorted_plain[t] and (n == 0 or ix.sorted_hashes[t] != out[n - 1]):
            out[n] = ix.sorted_hashes[t]
            n += 1
    return out[:n]


@numba.njit(cache=True)
def span_stems(ix, article, start, end):  # pragma: no cover - compiled
    """The distinct stems of sentences ``[start, end)`` of an article, sorted; each one's weight in the
    article (where it first occurs: names and numbers weigh less); and whether it is a plain word
    somewhere in the span.
    """
    base = ix.article_sentences[article]
    lo, hi = ix.sentence_offsets[base], ix.sentence_offsets[ix.article_sentences[article + 1]]
    span_lo, span_hi = ix.sentence_offsets[base + start], ix.sentence_offsets[base + end]
    stems = np.empty(span_hi - span_lo, dtype=np.uint64)
    weights = np.empty(span_hi - span_lo)
    plain = np.zeros(span_hi - span_lo, dtype=np.bool_)
    n = 0
    if (span_hi - span_lo) * SHORT_SPAN_FACTOR < hi - lo:
        # A short span of a long article (PAN's web pages): sort the span's own entries, and
        # look each stem's weight up in the article.
        entries = ix.hashes[span_lo:span_hi]
        order = np.argsort(entries)
        for k in range(order.shape[0]):
            stem = entries[order[k]]
            if n == 0 or stems[n - 1] != stem:
                stems[n] = stem
                weights[n] = entry_weight(ix.sorted_plain[lo + np.searchsorted(ix.sorted_hashes[lo:hi], stem)])
                n += 1
            plain[n - 1] |= ix.plain[span_lo + order[k]]
        return stems[:n], weights[:n], plain[:n]
    # Otherwise one walk over the article's stem-sorted entries: no sort, no search.
    t = lo
    while t < hi:
        stem, weight, inside = ix.sorted_hashes[t], entry_weight(ix.sorted_plain[t]), False
        while t < hi and ix.sorted_hashes[t] == stem:
            if start <= ix.sorted_sentences[t] < end:
                if not inside:
                    stems[n], weights[n], inside = stem, weight, True
                    n += 1
                plain[n - 1] |= ix.sorted_plain[t]
            t += 1
    return stems[:n], weights[:n], plain[:n]


@numba.njit(cache=True)
def _log10_tail(total, marked, drawn, hits):  # pragma: no cover - compiled
    """``log10 P(X >= hits)`` for ``X`` hypergeometric: ``drawn`` of ``total`` items, ``marked`` of them marked."""
    top = min(marked, drawn)
    if hits <= 0 or hits <= drawn - (total - marked):
        return 0.0
    if hits > top:
        return -math.inf
    base = math.lgamma(total + 1) - math.lgamma(drawn + 1) - math.lgamma(total - drawn + 1)
    # The first term's log, then each next one from the ratio of neighbours, summed relative to
    # the largest so far. The terms rise to the mode and then fall (the distribution is
    # log-concave), so once one is e^-40 under the largest, the rest add under 1e-14 of the sum.
    term = (
        math.lgamma(marked + 1) - math.lgamma(hits + 1) - math.lgamma(marked - hits + 1)
        + math.lgamma(total - marked + 1) - math.lgamma(drawn - hits + 1) - math.lgamma(total - marked - drawn + hits + 1)
        - base
    )
    peak, relative = term, 1.0
    for x in range(hits, top):
        term += math.log((marked - x) * (drawn - x) / ((x + 1.0) * (total - marked - drawn + x + 1.0)))
        if term > peak:
            relative, peak = relative * math.exp(peak - term) + 1.0, term
        else:
            relative += math.exp(term - peak)
            if term < peak - 40.0:
                break
    return min(0.0, (peak + math.log(relative)) / math.log(10.0))


@numba.njit(cache=True)
def concentration(ix, a, b, a0, a1, b0, b1):  # pragma: no cover - compiled
    """How surprising it is that spans ``[a0, a1)`` of ``a`` and ``[b0, b1)`` of ``b`` share the stems
    they share, given their articles. ``ix``: the index's ``IndexArrays``.

    Two articles on one subject share many stems, spread over both. A copied passage gathers
    them: of the stems of one span that occur anywhere in the other article, most lie in its
    partner span. Under the null hypothesis that they could lie anywhere in that article, the
    count inside the partner span is hypergeometric; its upper tail is the chance of a
    gathering at least this tight. The more concentrated of the two sides counts, and the
    chance is multiplied by the number of sentence pairs that could have been chosen
    (Bonferroni), so a long pair of articles does not find one by looking everywhere.

    A span that covers its whole article cannot be concentrated in it (the tail is 1): a
    whole-article copy has no surprise, and is judged by its evidence instead.

    Returns ``-log10`` of the corrected chance; 0 or less is no surprise.
    """
    stems_a, stems_b = plain_stems(ix, a), plain_stems(ix, b)
    stems, _, plain = span_stems(ix, a, a0, a1)
    span_a = stems[plain]
    stems, _, plain = span_stems(ix, b, b0, b1)
    span_b = stems[plain]
    shared = shared_count(span_a, span_b)
    # Stems of each span found anywhere in the other article.
    a_in_b, b_in_a = shared_count(span_a, stems_b), shared_count(span_b, stems_a)
    sentences_a = ix.article_sentences[a + 1] - ix.article_sentences[a]
    sentences_b = ix.article_sentences[b + 1] - ix.article_sentences[b]
    return _surprise(stems_a.shape[0], stems_b.shape[0], span_a.shape[0], span_b.shape[0], shared, a_in_b, b_in_a,
                     math.log10(max(1, sentences_a * sentences_b)))


@numba.njit(cache=True)
def _fit(stems_a, stems_b, span_a, span_b, shared, a_in_b, b_in_a):  # pragma: no cover - compiled
    """``-log10`` of the product of ``_surprise``'s two tails: how unlikely it is that both sides gather
    their shared stems this tightly, were they independent."""
    tail_a = _log10_tail(stems_a, span_a, b_in_a, shared)
    tail_b = _log10_tail(stems_b, span_b, a_in_b, shared)
    return -(tail_a + tail_b)


@numba.njit(cache=True)
def _surprise(stems_a, stems_b, span_a, span_b, shared, a_in_b, b_in_a, chances):  # pragma: no cover - compiled
    """``concentration`` from its counts: each article's plain stems, each span's, the spans' shared
    ones, each span's found anywhere in the other article; ``chances`` is ``log10`` of the places tried."""
    tail_a = _log10_tail(stems_a, span_a, b_in_a, shared)
    tail_b = _log10_tail(stems_b, span_b, a_in_b, shared)
    return -(tail_b if tail_b < tail_a else tail_a) - chances


@numba.njit(cache=True)
def _plain_starts(ix, article, first, last):  # pragma: no cover - compiled
    """Where each of sentences ``[first, last)`` of an article begins among the span's plain entries (and where they end)."""
    base = ix.article_sentences[article]
    starts = np.zeros(last - first + 1, dtype=np.int64)
    for k in range(first, last):
        n = 0
        for t in range(ix.sentence_offsets[base + k], ix.sentence_offsets[base + k + 1]):
            n += ix.plain[t]
        starts[k - first + 1] = starts[k - first] + n
    return starts


@numba.njit(cache=True)
def _distinct_ids(pool):  # pragma: no cover - compiled
    """The distinct values of ``pool``, sorted, and each entry's position among them (one sort)."""
    order = np.argsort(pool)
    distinct = np.empty(pool.shape[0], dtype=pool.dtype)
    ids = np.empty(pool.shape[0], dtype=np.int64)
    n = 0
    for r in range(order.shape[0]):
        if n == 0 or distinct[n - 1] != pool[order[r]]:
            distinct[n] = pool[order[r]]
            n += 1
        ids[order[r]] = n - 1
    return distinct[:n], ids


@numba.njit(cache=True)
def _members(values, within):  # pragma: no cover - compiled
    """Whether each of ``values`` is in ``within`` (both sorted and distinct): one merge."""
    found = np.zeros(values.shape[0], dtype=np.bool_)
    t = 0
    for k in range(values.shape[0]):
        while t < within.shape[0] and within[t] < values[k]:
            t += 1
        found[k] = t < within.shape[0] and within[t] == values[k]
    return found


@numba.njit(cache=True)
def grow(ix, a, b, a0, a1, b0, b1, reach):  # pragma: no cover - compiled
    """The span around ``[a0, a1) x [b0, b1)`` where the two articles' shared stems gather most, and its surprise.

    Random obfuscation moves words across sentence boundaries: a copied run's sentences
    become fragments, and few of them (often one) reach the seeding threshold. Its seeds
    then stand for a span too small to be evidence, though the sentences around them
    share the rest of its words. So the span is widened by ``reach`` sentences at each
    end of each side, where it holds all of a short copy on both sides at once, and the
    span that fits the copy best is chosen among those that hold the seeds' sentences and
    lie in the widened one: one side's span at a time, the best of its ``(reach + 1) ** 2``
    for the other side's as it stands, until neither changes. The fit
    (``_fit``) is how unlikely both sides' gathering is together, not ``concentration``'s
    more concentrated side alone, which a span padded with unrelated sentences on its
    other side would leave as it is. (PAN 2013 training, listed pairs given: overall
    plagdet 0.875 with this fit, 0.869 on the less concentrated side, 0.872 on
    ``concentration``.) Of spans that fit equally, the shorter is taken: a sentence whose
    going leaves the fit as it is (no plain stem of its own: an address line, a caption of
    names) has nothing that says it belongs to the copy (PAN 2013 training: overall plagdet
    0.9001 -> 0.9018).

    Choosing a whole side's span at once, not narrowing one end sentence at a time as
    before: a narrowing stopped where an end sentence held one shared stem, though it and
    the unshared sentences inside it did not belong to the copy, and the fit it kept
    stretched the passage over them (PAN 2013 training: overall plagdet 0.906 -> 0.914,
    random 0.880 -> 0.893 with precision 0.926 -> 0.939 and pair recall 0.929 -> 0.932,
    translation 0.906 -> 0.912, summary 0.694 -> 0.716; 0.9135 once a lone seed's grown
    passage keeps its seed's size, ``align``; all ``(reach + 1) ** 4`` spans tried: 0.913,
    and verification took twice as long).

    The span is chosen among the ``(reach + 1) ** 4`` spans, so its surprise is lowered by
    ``log10`` of their number (Bonferroni): the best of many spans is less of a surprise
    than one. Each span is scored from counts (the integers ``concentration`` counts, so
    the same values), from bitsets of each side's sentences' plain stems. The surprise
    returned is ``concentration``'s of the span found, less the correction.
    """
    n_a = ix.article_sentences[a + 1] - ix.article_sentences[a]
    n_b = ix.article_sentences[b + 1] - ix.article_sentences[b]
    c0, c1, d0, d1 = max(0, a0 - reach), min(n_a, a1 + reach), max(0, b0 - reach), min(n_b, b1 + reach)
    stems_a, stems_b = plain_stems(ix, a), plain_stems(ix, b)
    base_a, base_b = ix.article_sentences[a], ix.article_sentences[b]
    lo_a, hi_a = ix.sentence_offsets[base_a + c0], ix.sentence_offsets[base_a + c1]
    lo_b, hi_b = ix.sentence_offsets[base_b + d0], ix.sentence_offsets[base_b + d1]
    from_a = ix.hashes[lo_a:hi_a][ix.plain[lo_a:hi_a]]
    stems, ids = _distinct_ids(np.concatenate((from_a, ix.hashes[lo_b:hi_b][ix.plain[lo_b:hi_b]])))
    words = max(1, (stems.shape[0] + 63) // 64)
    sets_a, spans_a = _span_sets(_sentence_bits(ids[: from_a.shape[0]], _plain_starts(ix, a, c0, c1), words), a0, a1, c0, c1)
    sets_b, spans_b = _span_sets(_sentence_bits(ids[from_a.shape[0] :], _plain_starts(ix, b, d0, d1), words), b0, b1, d0, d1)
    # Per span of a side: its distinct plain stems, and how many of them the other article has.
    size_a, a_in_b = _span_counts(sets_a, _bitset(_members(stems, stems_b), words))
    size_b, b_in_a = _span_counts(sets_b, _bitset(_members(stems, stems_a), words))
    # From the widened span (each side's row of its first start and last end), one side's best
    # span for the other's as it stands, until neither changes.
    r, s = c1 - a1, d1 - b1
    for _ in range(MAX_ROUNDS):
        moved = False
        for side in range(2):
            best, best_k, best_width = -math.inf, 0, 0
            for k in range(sets_a.shape[0] if side == 0 else sets_b.shape[0]):
                x, y = (k, s) if side == 0 else (r, k)
                fit = _fit(stems_a.shape[0], stems_b.shape[0], size_a[x], size_b[y], _shared_bits(sets_a[x], sets_b[y]),
                           a_in_b[x], b_in_a[y])
                width = spans_a[x, 1] - spans_a[x, 0] if side == 0 else spans_b[y, 1] - spans_b[y, 0]
                # Of equal fits, the shorter span: what a sentence adds nothing to is not in the copy.
                if fit > best or fit == best and width < best_width:
                    best, best_k, best_width = fit, k, width
            moved = moved or best_k != (r if side == 0 else s)
            r, s = (best_k, s) if side == 0 else (r, best_k)
        if not moved:
            break
    chances = math.log10(max(1, n_a * n_b))
    found = _surprise(stems_a.shape[0], stems_b.shape[0], size_a[r], size_b[s], _shared_bits(sets_a[r], sets_b[s]),
                      a_in_b[r], b_in_a[s], chances)
    return spans_a[r, 0], spans_a[r, 1], spans_b[s, 0], spans_b[s, 1], found - grow_correction(reach)


@numba.njit(cache=True)
def grow_correction(reach):  # pragma: no cover - compiled
    """What ``grow`` takes off the surprise of the span it finds: ``log10`` of the ``(reach + 1) ** 4``
    spans it chose among."""
    return 4 * math.log10(reach + 1)


@numba.njit(cache=True)
def _sentence_bits(ids, starts, words):  # pragma: no cover - compiled
    """Per sentence, its stems' local ids (sentence ``k``'s are ``ids[starts[k]:starts[k + 1]]``) as a bitset of ``words`` words."""
    bits = np.zeros((starts.shape[0] - 1, words), dtype=np.uint64)
    for k in range(starts.shape[0] - 1):
        for t in range(starts[k], starts[k + 1]):
            bits[k, ids[t] >> 6] |= np.uint64(1) << np.uint64(ids[t] & 63)
    return bits


@numba.njit(cache=True)
def _bitset(mask, words):  # pragma: no cover - compiled
    """The positions where ``mask`` is true, as a bitset of ``words`` words."""
    bits = np.zeros(words, dtype=np.uint64)
    for k in range(mask.shape[0]):
        if mask[k]:
            bits[k >> 6] |= np.uint64(1) << np.uint64(k & 63)
    return bits


@numba.njit(cache=True, inline="always")
def _popcount(x):  # pragma: no cover - compiled
    n = 0
    while x:
        x &= x - np.uint64(1)
        n += 1
    return n


@numba.njit(cache=True)
def _shared_bits(x, y):  # pragma: no cover - compiled
    """How many members two bitsets share."""
    n = 0
    for w in range(x.shape[0]):
        n += _popcount(x[w] & y[w])
    return n


@numba.njit(cache=True)
def _span_counts(sets, other):  # pragma: no cover - compiled
    """Per span's bitset: its members, and how many of them are in ``other``."""
    size = np.zeros(sets.shape[0], dtype=np.int64)
    inside = np.zeros(sets.shape[0], dtype=np.int64)
    for r in range(sets.shape[0]):
        for w in range(sets.shape[1]):
            size[r] += _popcount(sets[r, w])
        inside[r] = _shared_bits(sets[r], other)
    return size, inside


@numba.njit(cache=True)
def _span_sets(bits, lo, hi, first, last):  # pragma: no cover - compiled
    """The stem bitsets of every span ``[c0, c1)`` with ``first <= c0 <= lo`` and ``hi <= c1 <= last``
    (``bits``: per sentence from ``first``), and the spans, ``c0`` then ``c1`` ascending: the widest,
    ``[first, last)``, is row ``last - hi``."""
    n = (lo - first + 1) * (last - hi + 1)
    sets = np.zeros((n, bits.shape[1]), dtype=np.uint64)
    spans = np.empty((n, 2), dtype=np.int64)
    r = 0
    for c0 in range(first, lo + 1):
        core = np.zeros(bits.shape[1], dtype=np.uint64)
        for k in range(c0, hi):
            core |= bits[k - first]
        for c1 in range(hi, last + 1):
            if c1 > hi:
                core |= bits[c1 - 1 - first]
            sets[r] = core
            spans[r, 0], spans[r, 1] = c0, c1
            r += 1
    return sets, spans
