"""Align: seed sentence pairs in, aligned passages (span pairs with a similarity) out.

Owns what the seeds of a candidate pair (``sentences.batch_seeds``) add up to. It works
the way the strongest PAN text-alignment systems do, but on stems rather than surface
words: after **seeding**, **extension** (seeds that lie within ``max_gap`` sentences of
each other in both articles join one passage, which survives reordering, insertions and
deletions; a sentence its own article repeats joins once, where it lines up with the rest)
and **filtering** (passages that overlap are resolved, passages too small or
too faint to be evidence are dropped, unless their shared stems gather in them far beyond
chance: ``surprise.concentration``, as they lie or once **grown** over the sentences around
their seeds, ``surprise.grow``). Passages are in sentence units; ``score`` maps them to
character spans of the original texts. All of it runs compiled, a range of pairs per call.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numba
import numpy as np

from provenance.sentences import SentenceIndex, batch_seeds
from provenance.surprise import concentration, grow, grow_correction, shared_count, span_stems

# A condensed rewrite skips source sentences: seeds may lie this many times further apart
# on one side (PAN 2013 training: overall plagdet 0.805 -> 0.823, summary 0.27 -> 0.39).
CONDENSED_GAP_FACTOR = 2
# Seeds at a passage's ends scoring under this fraction of its median seed (context seeds left
# out) are trimmed.
TRIM_RATIO = 0.6
# Passages consecutive in one article may lie this many gaps apart in the other (summaries).
SUMMARY_FACTOR = 10
# ... but only when the merged passage is this many times longer on one side: a summary. A
# rewrite that kept most paragraphs and dropped some must not be credited with the dropped ones.
SUMMARY_RATIO = 3
# Most partner sentences one sentence keeps (a merge or split makes two or three).
MAX_PARTNERS = 3
# A sentence this similar to a partner is a copy of it (seed scores are in millionths). Its
# weaker partners far from it are dropped (``_copied_partners``): on PAN 2013 training, none
# plagdet 0.929 -> 0.938 (precision 0.919 -> 0.928), overall 0.858 -> 0.862.
VERBATIM_SCORE = 900_000
# A pair's passages less similar than this fraction of its most similar one are dropped (``_drop_faint``).
FAINT_RATIO = 0.5
# A lone seed sentence (a shared quote, a shared lede) is half the evidence of a run of them.
LONE_SEED_DISCOUNT = 0.5
# Passages with less evidence than this are dropped. On PAN 2013 training, 95% of passages
# that matched no reuse case scored below 4, and 90-95% of those that matched one above it.
MIN_PASSAGE_EVIDENCE = 4.0
# Passages less similar than this, over their whole span, are topic, not reuse. On PAN 2013
# training, passages that matched no reuse case had a median similarity of 0.31; 95% of
# those that matched one were above 0.45 (summaries: 0.33).
MIN_PASSAGE_SIMILARITY = 0.3

# Context seeds (``sentences.CONTEXT_SIMILARITY``) count only this many sentences from a seed
# in both articles.
CONTEXT_REACH = 1
# A passage too small or too faint for the evidence floors still shows a derivation when its
# shared stems gather in it far beyond chance (see ``concentration``): -log10 of the corrected
# chance, so 6 is one in a million. It rescues short copies: on PAN 2013 training (context
# seeds on) random pair recall 0.854 -> 0.861, summary 0.773 -> 0.874, false pairs 9 -> 8;
# at 5: random 0.869, summary 0.895, 9 false pairs.
MIN_SURPRISE = 6.0


def passage_evidence(similarity: float, size: int, seeds: int) -> float:
    """Roughly the weighted stems a passage's two sides share; a lone seed sentence counts half.

    A lone seed is often a shared quote or a shared lede, not a copy.
    """
    return similarity * size * (1.0 if seeds > 1 else LONE_SEED_DISCOUNT)


# The same arithmetic for compiled extension (a compiled call from Python costs more than it).
_passage_evidence = numba.njit(cache=True)(passage_evidence)


@numba.njit(cache=True, inline="always")
def _too_small(size_a, size_b, min_words):  # pragma: no cover - compiled
    """Whether a span of ``size_a`` and ``size_b`` distinct stems is too small to judge: obfuscation
    shortens the copy, so only the longer side must reach ``min_words``, the shorter half of it."""
    return max(size_a, size_b) < min_words or min(size_a, size_b) < min_words // 2


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
        """Roughly the weighted stems the two sides share (``passage_evidence``)."""
        return passage_evidence(self.similarity, self.size, self.seeds)


class IndexArrays(NamedTuple):
    """The ``SentenceIndex`` arrays extension reads, as the one argument compiled code takes."""

    hashes: np.ndarray
    sentence_offsets: np.ndarray
    article_sentences: np.ndarray
    sorted_hashes: np.ndarray
    sorted_sentences: np.ndarray
    sorted_plain: np.ndarray
    plain: np.ndarray
    stock: np.ndarray
    rarity: np.ndarray

    @classmethod
    def of(cls, index: SentenceIndex) -> "IndexArrays":
        """The arrays of ``index`` (the fields above are named as its attributes)."""
        return cls(*(getattr(index, name) for name in cls._fields))


@numba.njit(cache=True)
def _root(parent, x):  # pragma: no cover - compiled
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@numba.njit(cache=True)
def _cluster_roots(i_col, j_col, reach, far):  # pragma: no cover - compiled
    """Union-find over seeds sorted by ``i``: each seed's group, named by its root seed.

    Seeds join when they lie within ``reach`` of each other in both articles, or on one side
    at a time within ``far``. Order is not required: spinners reorder sentences (on PAN,
    requiring seeds to follow each other lost 0.04 plagdet on random obfuscation for 0.01
    gained on verbatim).
    """
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


@numba.njit(cache=True)
def _weighted_dice(stems_a, weights_a, stems_b, weights_b):  # pragma: no cover - compiled
    """Weighted Dice of two sorted stem sets, each stem with its weight in its own article."""
    total, shared_weight = 0.0, 0.0
    for side in range(2):
        own, own_weights = (stems_a, weights_a) if side == 0 else (stems_b, weights_b)
        other, other_weights = (stems_b, weights_b) if side == 0 else (stems_a, weights_a)
        t = 0
        for s in range(own.shape[0]):
            w = own_weights[s]
            total += w
            while t < other.shape[0] and other[t] < own[s]:
                t += 1
            if t < other.shape[0] and other[t] == own[s]:
                # Each side adds its own weight; the pair counts as much as its lighter side,
                # as in seeding, so a name on one side and a plain word on the other cannot
                # make the score pass 1.
                shared_weight += w
                if other_weights[t] < w:
                    shared_weight -= w - other_weights[t]
    return shared_weight / total if total > 0 else 0.0


@numba.njit(cache=True)
def span_similarity(ix, a, b, a0, a1, b0, b1):  # pragma: no cover - compiled
    """Weighted Dice of the stem sets of sentence spans ``[a0, a1)`` of ``a`` and ``[b0, b1)`` of ``b``
    (weights as in seeding), and the size of each set. ``ix``: the index's ``IndexArrays``."""
    stems_a, weights_a, _ = span_stems(ix, a, a0, a1)
    stems_b, weights_b, _ = span_stems(ix, b, b0, b1)
    return _weighted_dice(stems_a, weights_a, stems_b, weights_b), stems_a.shape[0], stems_b.shape[0]


@numba.njit(cache=True)
def held_weights(ix, rows):  # pragma: no cover - compiled
    """Per row ``(a, a0, a1, b, b0, b1)``: the weight of the stems of sentences ``[a0, a1)`` of ``a``
    that ``[b0, b1)`` of ``b`` holds too, and the weight of them all, each stem weighing its rarity
    in the corpus (``SentenceIndex.rarity``): a common word is held by any source."""
    out = np.zeros((rows.shape[0], 2))
    for r in range(rows.shape[0]):
        stems_a = span_stems(ix, rows[r, 0], rows[r, 1], rows[r, 2])[0]
        stems_b = span_stems(ix, rows[r, 3], rows[r, 4], rows[r, 5])[0]
        t = 0
        for s in range(stems_a.shape[0]):
            weight = ix.rarity[stems_a[s]]
            out[r, 1] += weight
            while t < stems_b.shape[0] and stems_b[t] < stems_a[s]:
                t += 1
            if t < stems_b.shape[0] and stems_b[t] == stems_a[s]:
                out[r, 0] += weight
    return out


@numba.njit(cache=True)
def _top_ranked(seeds, column, k, distance):  # pragma: no cover - compiled
    """Mask of seeds among the ``k`` best-scored of those with their sentence in ``column``
    (ties: the seed nearer its passage's diagonal, ``distance``, then the earlier seed)."""
    keep = np.zeros(seeds.shape[0], dtype=np.bool_)
    by_sentence, bounds = _sentence_runs(seeds, column)
    for r in range(bounds.shape[0] - 1):
        run = by_sentence[bounds[r] : bounds[r + 1]]
        run = run[np.argsort(distance[run], kind="mergesort")]
        best = run[np.argsort(-seeds[run, 2], kind="mergesort")]
        keep[best[:k]] = True
    return keep


@numba.njit(cache=True)
def _sentence_runs(seeds, column):  # pragma: no cover - compiled
    """Seeds in the order of their sentence in ``column`` (stable), and where each sentence's run begins (then the end)."""
    n = seeds.shape[0]
    by_sentence = np.argsort(seeds[:, column], kind="mergesort")
    bounds = np.zeros(n + 1, dtype=np.int64)
    runs = 0
    for x in range(1, n + 1):
        if x == n or seeds[by_sentence[x], column] != seeds[by_sentence[x - 1], column]:
            runs += 1
            bounds[runs] = x
    return by_sentence, bounds[: runs + 1]


@numba.njit(cache=True)
def _best_partners(seeds):  # pragma: no cover - compiled
    """Keep a seed only if each of its sentences is among the other's few best partners.

    A merged or split sentence has two or three partners; a sentence of a list page that
    repeats one pattern hundreds of times has hundreds, and would stretch a passage over
    the whole page.
    """
    # A sentence repeated word for word has many partners of one score; the one in line with
    # the rest of the passage is its source, where the earliest would stretch the passage over
    # the repeats between them (suspicious-document01389 / source-document00268).
    distance = _diagonal_distance(seeds)
    return seeds[_top_ranked(seeds, 0, MAX_PARTNERS, distance) & _top_ranked(seeds, 1, MAX_PARTNERS, distance)]


@numba.njit(cache=True)
def _diagonal_distance(seeds):  # pragma: no cover - compiled
    """How far each seed's offset (``j - i``) lies from its passage's diagonal: the offset of the
    nearest (in ``i``) seed whose sentences have a single partner (a repeat has many). Nearest,
    not the pair's median: a pair with several passages has several diagonals (PAN 2013
    training: none plagdet 0.9598 with the median, 0.9603 with the nearest)."""
    n = seeds.shape[0]
    if n == 0:
        return np.zeros(0)
    single = _single_partner(seeds)
    offset = seeds[:, 1] - seeds[:, 0]
    if not single.any():
        return np.abs(offset - _median(offset))
    anchors = np.flatnonzero(single)
    anchors = anchors[np.argsort(seeds[anchors, 0], kind="mergesort")]
    at = seeds[anchors, 0]
    out = np.empty(n)
    for r in range(n):
        x = np.searchsorted(at, seeds[r, 0])
        best = -1.0
        for y in (x - 1, x):
            if 0 <= y < at.shape[0]:
                gap = abs(at[y] - seeds[r, 0])
                if best < 0 or gap < best:
                    best = gap
                    out[r] = abs(offset[r] - offset[anchors[y]])
    return out


@numba.njit(cache=True)
def _single_partner(seeds):  # pragma: no cover - compiled
    """Mask of the seeds whose two sentences have no other seed: the diagonal lies where they do
    (a repeated sentence has many partners, and would pull the diagonal to itself)."""
    single = np.ones(seeds.shape[0], dtype=np.bool_)
    for column in range(2):
        by_sentence, bounds = _sentence_runs(seeds, column)
        for r in range(bounds.shape[0] - 1):
            if bounds[r + 1] - bounds[r] > 1:
                single[by_sentence[bounds[r] : bounds[r + 1]]] = False
    return single


@numba.njit(cache=True)
def _copied_partners(seeds, reach):  # pragma: no cover - compiled
    """Drop the weaker partners of a copied sentence that lie beyond ``reach`` of every copy of it.

    A sentence copied word for word (``VERBATIM_SCORE``) has found its source. Its other
    partners far from the copy are sentences that share a phrase with it (a title the source
    repeats, a name), and would stretch the passage over everything between them. Partners
    within ``reach`` stay: a split or merged sentence, a passage's own neighbours. A summary
    sentence has no verbatim partner, so its partners far apart all stay.
    """
    n = seeds.shape[0]
    keep = np.ones(n, dtype=np.bool_)
    for column in range(2):
        by_sentence, bounds = _sentence_runs(seeds, column)
        for run in range(bounds.shape[0] - 1):
            # One sentence's partners: few (``_best_partners`` keeps MAX_PARTNERS).
            for x in range(bounds[run], bounds[run + 1]):
                r = by_sentence[x]
                if seeds[r, 2] >= VERBATIM_SCORE:
                    continue
                copied, near = False, False
                for y in range(bounds[run], bounds[run + 1]):
                    q = by_sentence[y]
                    if seeds[q, 2] >= VERBATIM_SCORE:
                        copied = True
                        near = near or abs(seeds[q, 1 - column] - seeds[r, 1 - column]) <= reach
                if copied and not near:
                    keep[r] = False
    return seeds[keep]


@numba.njit(cache=True)
def _identical_partners(ix, a, b, seeds, reach):  # pragma: no cover - compiled
    """Drop the other partners of a sentence that lie within ``reach`` of an identical partner of it.

    A sentence whose partner has the same stems, both ways (Dice of the stem sets, each stem
    counted once, at least ``VERBATIM_SCORE``: not containment, and not the seeding weights,
    under which a title's names barely count), is that sentence copied whole: nothing of it is
    left for a neighbour of its copy to have given. Such a neighbour seeds it only by sharing
    the copy's words (suspicious-document01292 / source-document02723: a copied sentence on the
    "shark fin" seeds the two source sentences after its copy, and the passage ran over them).
    A sentence that merges two (a verbatim score by containment) keeps all its partners, and
    partners far from the copy are ``_copied_partners``' to judge: a sentence set twice in an
    article, once verbatim and once spun (a page footer), has a partner at each. (PAN 2013
    training: overall plagdet 0.8981 -> 0.9001, none 0.9625 -> 0.9669, translation 0.8995 ->
    0.9013; every partner of such a sentence dropped, however far: 0.8998.)
    """
    identical = np.zeros(seeds.shape[0], dtype=np.bool_)
    for r in range(seeds.shape[0]):
        if seeds[r, 2] >= VERBATIM_SCORE:
            i, j = seeds[r, 0], seeds[r, 1]
            stems_a, stems_b = span_stems(ix, a, i, i + 1)[0], span_stems(ix, b, j, j + 1)[0]
            shared = shared_count(stems_a, stems_b)
            identical[r] = 2 * shared * 1_000_000 >= VERBATIM_SCORE * (stems_a.shape[0] + stems_b.shape[0])
    keep = np.ones(seeds.shape[0], dtype=np.bool_)
    for column in range(2):
        by_sentence, bounds = _sentence_runs(seeds, column)
        for run in range(bounds.shape[0] - 1):
            for x in range(bounds[run], bounds[run + 1]):
                r = by_sentence[x]
                if identical[r]:
                    continue
                for y in range(bounds[run], bounds[run + 1]):
                    q = by_sentence[y]
                    if identical[q] and abs(seeds[q, 1 - column] - seeds[r, 1 - column]) <= reach:
                        keep[r] = False
    return seeds[keep]


@numba.njit(cache=True)
def _median(values):  # pragma: no cover - compiled
    """The median as numpy takes it: the mean of the middle two of an even count."""
    ordered = np.sort(values)
    n = ordered.shape[0]
    return float(ordered[n // 2]) if n % 2 else (float(ordered[n // 2 - 1]) + float(ordered[n // 2])) / 2.0


@numba.njit(cache=True)
def _drop_repeats(ix, a, b, group, reach, threshold):  # pragma: no cover - compiled
    """Drop a seed whose sentence repeats, in its own article, a partner nearer the group's diagonal.

    A page that says one thing several times (a catalogue's "contact the director" after
    each course) offers each repeat as a partner of the copied sentence; all but the one in
    line with the rest of the passage are the same sentence again, and would stretch the
    passage over the repeats. Two sentences of one article that would seed each other
    across articles (``threshold``) are repeats; a summary sentence's partners far apart in
    its source are different sentences, and stay. ``group``'s seeds stay in their order.
    """
    n = group.shape[0]
    if n < 3:
        return group
    single = _single_partner(group)
    offset = group[:, 1] - group[:, 0]
    diagonal = _median(offset[single]) if single.any() else _median(offset)
    distance = np.abs(offset - diagonal)
    keep = np.ones(n, dtype=np.bool_)
    for column in range(2):
        article = a if column == 0 else b
        for r in range(n):
            # The anchor: of the seeds that share this seed's other-side sentence, the one
            # nearest the diagonal (the first such, on equal distance).
            anchor = -1
            for q in range(n):
                if group[q, 1 - column] == group[r, 1 - column] and (anchor < 0 or distance[q] < distance[anchor]):
                    anchor = q
            mine, line = group[r, column], group[anchor, column]
            if abs(mine - line) > reach and span_similarity(ix, article, article, mine, mine + 1, line, line + 1)[0] >= threshold:
                keep[r] = False
    return group[keep]

@numba.njit(cache=True)
def _passage_groups(ix, a, b, seeds, reach, threshold):  # pragma: no cover - compiled
    """Seeds (in ``(i, j)`` order) grouped into would-be passages: the groups, one after another, and their bounds.

    Seeds join when they lie within ``reach`` of each other in both articles, or on one side
    at a time within ``reach * CONDENSED_GAP_FACTOR`` (a condensed rewrite, a summary, skips
    source sentences). Each group's repeats are dropped (``_drop_repeats``), which can split
    it, so what remains is grouped again. Groups come in the order of their root seed.
    """
    far = reach * CONDENSED_GAP_FACTOR
    grouped = np.empty_like(seeds)
    bounds = np.zeros(seeds.shape[0] + 1, dtype=np.int64)
    n_groups, n_rows = 0, 0
    roots = _cluster_roots(seeds[:, 0].copy(), seeds[:, 1].copy(), reach, far)
    by_root = np.argsort(roots, kind="mergesort")
    first = 0
    while first < seeds.shape[0]:
        last = first + 1
        while last < seeds.shape[0] and roots[by_root[last]] == roots[by_root[first]]:
            last += 1
        kept = _drop_repeats(ix, a, b, seeds[by_root[first:last]], reach, threshold)
        first = last
        sub_roots = _cluster_roots(kept[:, 0].copy(), kept[:, 1].copy(), reach, far)
        by_sub_root = np.argsort(sub_roots, kind="mergesort")
        for k in range(kept.shape[0]):
            grouped[n_rows] = kept[by_sub_root[k]]
            n_rows += 1
            if k == kept.shape[0] - 1 or sub_roots[by_sub_root[k + 1]] != sub_roots[by_sub_root[k]]:
                n_groups += 1
                bounds[n_groups] = n_rows
    return grouped, bounds[: n_groups + 1]


@numba.njit(cache=True)
def _trim_weak_ends(group):  # pragma: no cover - compiled
    """Drop seeds at either end of a passage (in either article's order) that score far below its middle.

    A verbatim passage's seeds score near 1; a stray seed of 0.4 next to it is a sentence on
    the same subject, and would stretch the passage past the reuse. The middle is its seeds'
    alone: context seeds are admitted under the seeding threshold, and where a passage held
    several they pulled its middle down until nothing was trimmed (PAN 2013 training: overall
    plagdet 0.8955 -> 0.8963, none precision 0.943 -> 0.946, translation 0.910 -> 0.915).
    """
    n = group.shape[0]
    if n < 3:
        return group
    strong = group[:, 3] == 1
    floor = TRIM_RATIO * _median(group[strong, 2] if strong.any() else group[:, 2])
    for column in range(2):
        ordered = group[np.argsort(group[:, column], kind="mergesort")]
        first, last = 0, ordered.shape[0]
        while last - first > 2 and ordered[first, 2] < floor:
            first += 1
        while last - first > 2 and ordered[last - 1, 2] < floor:
            last -= 1
        group = ordered[first:last]
    return group


@numba.njit(cache=True)
def _trim_skipped_ends(group, reach):  # pragma: no cover - compiled
    """Drop the seeds of an end sentence (in either article's order) that lies more than ``reach``
    sentences past the rest of a passage whose sentences otherwise follow each other within it.

    Seeds join across such a skip on one side (``CONDENSED_GAP_FACTOR``) because a summary
    skips source sentences. A passage about as long on both sides (under
    ``CONDENSED_GAP_FACTOR`` times longer on one) whose other seeds follow each other is no
    summary: a seed that lies past a skip at its end is a sentence on the same subject (a
    title, a lede), and would stretch the passage over the skip (PAN 2013 training: overall
    plagdet 0.8963 -> 0.8976, translation precision 0.915 -> 0.919, none 0.946 -> 0.949;
    summary plagdet 0.711 -> 0.709, random 0.865 either way, false pairs 8 -> 9). A passage
    keeps at least two rows.
    """
    changed = True
    while changed and group.shape[0] > 2:
        changed = False
        span_a = group[:, 0].max() - group[:, 0].min() + 1
        span_b = group[:, 1].max() - group[:, 1].min() + 1
        if max(span_a, span_b) >= CONDENSED_GAP_FACTOR * min(span_a, span_b):
            break  # condensed: its long side skips by nature
        for column in range(2):
            ordered = group[np.argsort(group[:, column], kind="mergesort")]
            n = ordered.shape[0]
            # Where the first sentence's rows end, and where the last's begin.
            head = 1
            while head < n and ordered[head, column] == ordered[0, column]:
                head += 1
            tail = n - 1
            while tail > 0 and ordered[tail - 1, column] == ordered[n - 1, column]:
                tail -= 1
            if head >= tail:
                continue
            wide = 0  # skips between the other sentences
            for r in range(head + 1, tail):
                wide += ordered[r, column] - ordered[r - 1, column] > reach
            if wide > 0 or tail - head < 2:
                continue
            first = 0
            last = n
            if ordered[head, column] - ordered[0, column] > reach:
                first = head
            elif ordered[n - 1, column] - ordered[tail - 1, column] > reach:
                last = tail
            if first > 0 or last < n:
                group = ordered[first:last]
                changed = True
                break
    return group


@numba.njit(cache=True)
def _trim_ends(group, reach):  # pragma: no cover - compiled
    """A seed group less its weak ends (``_trim_weak_ends``), then less an end past a skip (``_trim_skipped_ends``)."""
    return _trim_skipped_ends(_trim_weak_ends(group), reach)


@numba.njit(cache=True)
def _near_a_seed(rows, width):  # pragma: no cover - compiled
    """Mask of rows that are seeds, or context seeds within ``CONTEXT_REACH`` of a seed in both articles.

    Sentence pair ``(i, j)`` is the key ``i * width + j``; column ``width - 1`` is never a
    sentence, so a neighbour key ``j - 1`` of ``j = 0`` cannot alias a real pair.
    """
    n = rows.shape[0]
    strong = np.sort(rows[rows[:, 3] == 1, 0] * width + rows[rows[:, 3] == 1, 1])
    keep = rows[:, 3] == 1
    for r in range(n):
        if keep[r]:
            continue
        key = rows[r, 0] * width + rows[r, 1]
        for di in range(-CONTEXT_REACH, CONTEXT_REACH + 1):
            for dj in range(-CONTEXT_REACH, CONTEXT_REACH + 1):
                near = key + di * width + dj
                k = np.searchsorted(strong, near)
                if k < strong.shape[0] and strong[k] == near:
                    keep[r] = True
    return keep


@numba.njit(cache=True)
def _stock_only(ix, a, b, group):  # pragma: no cover - compiled
    """Whether every seed of ``group`` pairs a stock sentence with something."""
    a_base, b_base = ix.article_sentences[a], ix.article_sentences[b]
    for r in range(group.shape[0]):
        if not (ix.stock[a_base + group[r, 0]] or ix.stock[b_base + group[r, 1]]):
            return False
    return True


@numba.njit(cache=True)
def _overlaps(spans, x, y):  # pragma: no cover - compiled
    """Whether passages ``x`` and ``y`` (rows of ``spans``) overlap in either article."""
    in_a = spans[x, 0] < spans[y, 1] and spans[y, 0] < spans[x, 1]
    return in_a or (spans[x, 2] < spans[y, 3] and spans[y, 2] < spans[x, 3])


@numba.njit(cache=True)
def _extend_pair(ix, a, b, rows, max_gap, min_words, threshold, spans, similarity, surprise, write_at):  # pragma: no cover - compiled
    """Passages of articles ``a`` and ``b`` from their seeds ``rows``; see ``extend``.

    Writes them from ``write_at`` into ``spans`` (rows ``a_start, a_end, b_start, b_end,
    seeds, size``), ``similarity`` and ``surprise``, sorted by position in ``a``, and returns
    how many. Needs room for as many passages as ``rows`` has rows.
    """
    if rows.shape[0] == 0 or not (rows[:, 3] == 1).any():
        return 0
    width = ix.article_sentences[b + 1] - ix.article_sentences[b] + 1
    seeds = rows[_near_a_seed(rows, width)]
    # In (i, j) order, which partner ranking breaks ties by and clustering needs.
    seeds = _copied_partners(_best_partners(seeds[np.argsort(seeds[:, 0] * width + seeds[:, 1])]), max_gap + 1)
    seeds = _identical_partners(ix, a, b, seeds, max_gap + 1)
    grouped, bounds = _passage_groups(ix, a, b, seeds, max_gap + 1, threshold)
    # Candidate passages (at most one per group), in the order of their group's root seed.
    found = np.empty((seeds.shape[0], 6), dtype=np.int64)
    found_similarity = np.empty(seeds.shape[0])
    found_surprise = np.empty(seeds.shape[0])
    evident = np.zeros(seeds.shape[0], dtype=np.bool_)
    from_group = np.full(seeds.shape[0], -1, dtype=np.int64)  # an evident passage's seed group
    faint = np.empty((seeds.shape[0], 5), dtype=np.int64)
    count, evident_count, n_faint = 0, 0, 0
    for g in range(bounds.shape[0] - 1):
        group = _trim_ends(grouped[bounds[g] : bounds[g + 1]], max_gap + 1)
        strong = int((group[:, 3] == 1).sum())
        if strong == 0:
            continue  # context seeds alone are no passage
        a0, a1 = group[:, 0].min(), group[:, 0].max() + 1
        b0, b1 = group[:, 1].min(), group[:, 1].max() + 1
        score, size_a, size_b = span_similarity(ix, a, b, a0, a1, b0, b1)
        small = _too_small(size_a, size_b, min_words)
        surprising = -math.inf if small else concentration(ix, a, b, a0, a1, b0, b1)
        size = min(size_a, size_b)
        regrown = False
        if (small and _passage_evidence(score, size, strong) >= MIN_PASSAGE_EVIDENCE and score >= MIN_PASSAGE_SIMILARITY
                and not _stock_only(ix, a, b, group)):
            # Evidence, but too few words to judge as its seeds lie (a spun copy's fragments): the
            # span grown around them is judged instead, as a faint group's is when it rescues a
            # pair (surprising, ``MIN_SURPRISE`` after ``grow``'s correction, and of ``min_words``),
            # and as similar as a passage must be. It is then evident as it stands, and is not grown
            # again. In a pair that has another passage of evidence it was lost (PAN 2013 training:
            # translation plagdet 0.9031 -> 0.9039, random pair recall 0.926 -> 0.927, overall
            # 0.9051 -> 0.9054; none, summary and random plagdet as they were).
            g0, g1, h0, h1, grown = grow(ix, a, b, a0, a1, b0, b1, max_gap + 1)
            grown_score, grown_a, grown_b = span_similarity(ix, a, b, g0, g1, h0, h1)
            if grown >= MIN_SURPRISE and grown_score >= MIN_PASSAGE_SIMILARITY and not _too_small(grown_a, grown_b, min_words):
                a0, a1, b0, b1, surprising, small, regrown = g0, g1, h0, h1, grown, False, True
                score, size_a, size_b = grown_score, grown_a, grown_b
                size = min(size_a, size_b)
        if not small and _passage_evidence(score, size, strong) >= MIN_PASSAGE_EVIDENCE and score >= MIN_PASSAGE_SIMILARITY:
            evident[count] = True
            from_group[count] = g
            evident_count += 1
            # Its seeds may not reach its ends (a spun copy's outer fragments): the span grown
            # around them, if more surprising (PAN 2013 training, pairs given, growing on
            # ``concentration``: random plagdet 0.842 -> 0.853, char recall 0.763 -> 0.796).
            # More surprising as a span, before ``grow``'s correction for the spans it chose
            # among: that correction is for deciding a pair on a span found by looking, and this
            # passage is evidence already; the choice is only where it lies. The grown span must
            # still be as similar as a passage must be: spread over sentences the copy left, it is
            # topic around the copy (PAN 2013 training: random plagdet 0.8775 -> 0.8793, char
            # recall 0.826 -> 0.841, pair recall 0.924 -> 0.926; summary pair recall 0.903 ->
            # 0.908; overall 0.9045 -> 0.9051; corrected as before but with the similarity floor:
            # random 0.8779; uncorrected without the floor: translation 0.9033 -> 0.9021).
            # A lone seed's passage keeps its seed span's size: where it lies is growth's to say,
            # how much evidence it is, its seed's. Articles on one story share a lede and the
            # sentences around it, and the span grown over them added evidence no seed gave
            # (seeds: 000_943f27 and 004_6ee2fd, one lede seed, a pair once its span was grown;
            # PAN 2013 training, with ``grow`` choosing whole spans: overall plagdet 0.9137 ->
            # 0.9135, random pair recall 0.932 -> 0.930, summary 0.912 -> 0.903; every passage
            # keeping its size: 0.9131, random pair recall 0.927).
            g0, g1, h0, h1, grown = grow(ix, a, b, a0, a1, b0, b1, max_gap + 1) if not regrown else (a0, a1, b0, b1, -math.inf)
            if grown + grow_correction(max_gap + 1) > surprising:
                grown_score, grown_a, grown_b = span_similarity(ix, a, b, g0, g1, h0, h1)
                if grown_score >= MIN_PASSAGE_SIMILARITY:
                    a0, a1, b0, b1, surprising = g0, g1, h0, h1, grown
                    score = grown_score
                    if strong > 1:
                        size = min(grown_a, grown_b)
        elif _stock_only(ix, a, b, group):
            continue
        elif small or surprising < MIN_SURPRISE:
            # Too small or too faint as its seeds lie: grown later, if the pair needs it.
            faint[n_faint, 0], faint[n_faint, 1], faint[n_faint, 2], faint[n_faint, 3] = a0, a1, b0, b1
            faint[n_faint, 4] = strong
            n_faint += 1
            continue
        found[count, 0], found[count, 1], found[count, 2], found[count, 3] = a0, a1, b0, b1
        found[count, 4], found[count, 5] = strong, size
        found_similarity[count], found_surprise[count] = score, surprising
        count += 1
    if evident_count == 0:
        # A pair without a passage of evidence: its faint seed groups, grown over the
        # sentences around them (``surprise.grow``), are passages where that makes them surprising.
        for f in range(n_faint):
            a0, a1, b0, b1, surprising = grow(ix, a, b, faint[f, 0], faint[f, 1], faint[f, 2], faint[f, 3], max_gap + 1)
            if surprising < MIN_SURPRISE:
                continue
            score, size_a, size_b = span_similarity(ix, a, b, a0, a1, b0, b1)
            if _too_small(size_a, size_b, min_words):
                continue
            found[count, 0], found[count, 1], found[count, 2], found[count, 3] = a0, a1, b0, b1
            found[count, 4], found[count, 5] = faint[f, 4], min(size_a, size_b)
            found_similarity[count], found_surprise[count] = score, surprising
            count += 1
    # A pair with a passage of evidence is told by it; only a pair without one is rescued
    # by its surprising passages (added to one, they were mostly topic: PAN none precision -0.02).
    chosen = np.flatnonzero(evident[:count]) if evident_count else np.arange(count)
    # Overlapping passages: the one with more seeds (then the more similar) wins. Insertion
    # sort: stable, and a pair has few passages.
    for x in range(1, chosen.shape[0]):
        p, y = chosen[x], x
        while y > 0 and _ranks_before(found, found_similarity, p, chosen[y - 1]):
            chosen[y] = chosen[y - 1]
            y -= 1
        chosen[y] = p
    kept = np.empty(chosen.shape[0], dtype=np.int64)
    n_kept = 0
    for p in chosen:
        clear = True
        for q in kept[:n_kept]:
            clear = clear and not _overlaps(found, p, q)
        if not clear and from_group[p] >= 0:
            clear = _outside_kept(ix, a, b, grouped[bounds[from_group[p]] : bounds[from_group[p] + 1]], found, found_similarity,
                                  found_surprise, p, kept[:n_kept], min_words, max_gap + 1)
        if clear:
            kept[n_kept] = p
            n_kept += 1
    # Disjoint in a: sorting by a_start alone orders them.
    kept = kept[:n_kept][np.argsort(found[kept[:n_kept], 0])]
    for k in range(n_kept):
        spans[write_at + k] = found[kept[k]]
        similarity[write_at + k] = found_similarity[kept[k]]
        surprise[write_at + k] = found_surprise[kept[k]]
    count = _merge_condensed(ix, a, b, max_gap, spans, similarity, surprise, write_at, n_kept)
    return _drop_faint(spans, similarity, surprise, write_at, count)


@numba.njit(cache=True)
def _drop_faint(spans, similarity, surprise, first, count):  # pragma: no cover - compiled
    """Drop the passages, of the ``count`` from ``first``, under ``FAINT_RATIO`` of the most similar one; returns how many remain.

    A pair's copied passages share its copier's way of copying. One less than half as
    similar as the closest is the subject the copy shares with what surrounds it, not more
    of the copy (PAN 2013 training: 29 of the 37 verbatim-copy detections that matched no
    reuse case, and 1 of the 1,202 that matched one).
    """
    if count < 2:
        return count
    floor = FAINT_RATIO * similarity[first : first + count].max()
    n = 0
    for k in range(first, first + count):
        if similarity[k] >= floor:
            spans[first + n], similarity[first + n], surprise[first + n] = spans[k], similarity[k], surprise[k]
            n += 1
    return n


@numba.njit(cache=True)
def _outside_kept(ix, a, b, group, found, found_similarity, found_surprise, p, kept, min_words, reach):  # pragma: no cover - compiled
    """Whether passage ``p``, which overlaps passages ``kept`` already, is still one on the seeds of its
    ``group`` that lie outside them (in neither article's sentences of a kept passage); if so, ``p``
    becomes that passage.

    A sentence may seed two places of the other article (a summary's sentence, two paragraphs
    of its source): the passage it joins at its weaker place then overlaps the one it joins at
    its stronger, and was lost whole, with the other sentences that aligned only there. What
    those sentences align is kept when it is evidence on its own, and overlaps nothing kept.
    """
    group = _trim_ends(group, reach)
    outside = np.ones(group.shape[0], dtype=np.bool_)
    for r in range(group.shape[0]):
        for q in kept:
            if found[q, 0] <= group[r, 0] < found[q, 1] or found[q, 2] <= group[r, 1] < found[q, 3]:
                outside[r] = False
    rest = group[outside]
    strong = int((rest[:, 3] == 1).sum())
    if strong == 0:
        return False
    a0, a1 = rest[:, 0].min(), rest[:, 0].max() + 1
    b0, b1 = rest[:, 1].min(), rest[:, 1].max() + 1
    score, size_a, size_b = span_similarity(ix, a, b, a0, a1, b0, b1)
    size = min(size_a, size_b)
    if _too_small(size_a, size_b, min_words):
        return False
    if _passage_evidence(score, size, strong) < MIN_PASSAGE_EVIDENCE or score < MIN_PASSAGE_SIMILARITY:
        return False
    found[p, 0], found[p, 1], found[p, 2], found[p, 3], found[p, 4], found[p, 5] = a0, a1, b0, b1, strong, size
    found_similarity[p] = score
    found_surprise[p] = concentration(ix, a, b, a0, a1, b0, b1)
    for q in kept:
        if _overlaps(found, p, q):
            return False
    return True


@numba.njit(cache=True)
def _ranks_before(found, found_similarity, p, q):  # pragma: no cover - compiled
    """Whether passage ``p`` goes before ``q``: more seeds, then more similar, then earlier in ``a``, then in ``b``."""
    if found[p, 4] != found[q, 4]:
        return found[p, 4] > found[q, 4]
    if found_similarity[p] != found_similarity[q]:
        return found_similarity[p] > found_similarity[q]
    if found[p, 0] != found[q, 0]:
        return found[p, 0] < found[q, 0]
    return found[p, 2] < found[q, 2]


@numba.njit(cache=True)
def _merge_condensed(ix, a, b, max_gap, spans, similarity, surprise, first, count):  # pragma: no cover - compiled
    """Merge passages that follow each other directly in one article and in the same order, further apart, in the other.

    That is the shape of a summary: consecutive sentences of the copy draw on paragraphs of
    the source that lie far apart, and the summary stands for all of them. Consecutive: two
    copies of neighbouring source paragraphs set apart in the copying article, with a sentence
    or more between them in the source too, are two reuses, not one summary of everything
    between them in the copying article (PAN 2013 training, merging across up to ``max_gap + 1``
    sentences: overall plagdet 0.8980, none 0.9603, random 0.8651, translation 0.8989, summary
    0.7088; consecutive only: 0.8981, 0.9625, 0.8676, 0.8995, 0.6837). The ``count`` passages
    from ``first`` are sorted by ``a_start`` and disjoint in both articles; returns how many remain.
    """
    far = (max_gap + 1) * SUMMARY_FACTOR
    changed = True
    while changed and count > 1:
        changed = False
        for k in range(first, first + count - 1):
            x, y = k, k + 1
            gap_a, gap_b = spans[y, 0] - spans[x, 1], spans[y, 2] - spans[x, 3]
            if gap_b < 0 or not ((gap_a == 0 and gap_b <= far) or (gap_b == 0 and gap_a <= far)):
                continue
            a0, a1, b0, b1 = spans[x, 0], spans[y, 1], spans[x, 2], spans[y, 3]
            if max(a1 - a0, b1 - b0) < SUMMARY_RATIO * min(a1 - a0, b1 - b0):
                # Not a summary: a rewrite that dropped paragraphs keeps them out of the reuse.
                continue
            score, size_a, size_b = span_similarity(ix, a, b, a0, a1, b0, b1)
            spans[x, 1], spans[x, 3], spans[x, 4], spans[x, 5] = a1, b1, spans[x, 4] + spans[y, 4], min(size_a, size_b)
            similarity[x] = score
            surprise[x] = surprise[y] if surprise[y] > surprise[x] else surprise[x]
            spans[y : first + count - 1] = spans[y + 1 : first + count]
            similarity[y : first + count - 1] = similarity[y + 1 : first + count]
            surprise[y : first + count - 1] = surprise[y + 1 : first + count]
            count -= 1
            changed = True
            break
    return count


@numba.njit(cache=True)
def _extend_batch(ix, pairs, ranges, found, max_gap, min_words, threshold):  # pragma: no cover - compiled
    """``extend``'s passages of each pair, written one pair after another: offsets, then the passages' arrays."""
    n = pairs.shape[0]
    room = 0
    for p in range(n):
        room += ranges[p, 1] - ranges[p, 0]
    offsets = np.zeros(n + 1, dtype=np.int64)
    spans = np.empty((room, 6), dtype=np.int64)
    similarity = np.empty(room)
    surprise = np.empty(room)
    for p in range(n):
        # Seeds are stored as int32 (``batch_seeds``); a pair's few are widened, so every sum
        # and product below is the int64 arithmetic it always was.
        rows = found[ranges[p, 0] : ranges[p, 1]].astype(np.int64)
        offsets[p + 1] = offsets[p] + _extend_pair(
            ix, pairs[p, 0], pairs[p, 1], rows, max_gap, min_words, threshold, spans, similarity, surprise, offsets[p]
        )
    return offsets, spans[: offsets[n]], similarity[: offsets[n]], surprise[: offsets[n]]


def extend(
    index: SentenceIndex, pairs: np.ndarray, ranges: np.ndarray, found: np.ndarray, max_gap: int, min_words: int,
    threshold: float,
) -> list[list[SentencePassage]]:
    """Aligned passages of many article pairs from their seeds, in sentence units, in one compiled call.

    Per pair: context seeds are kept only next to a seed; a sentence keeps only its
    ``MAX_PARTNERS`` best partners, and none near an identical partner of it
    (``_identical_partners``); seeds group into passages (``_passage_groups``), less
    a repeated sentence's far copies (``_drop_repeats``), and their weak ends are trimmed, and
    a copy's ends past a skip (``_trim_skipped_ends``); a passage needs ``min_words`` stems, and enough evidence and
    similarity or, failing those, ``concentration``; a passage of evidence takes the span
    ``surprise.grow`` finds around it when that is more surprising, and in a pair without one, the
    groups too small or too faint are grown and kept when that makes them surprising;
    overlapping passages are resolved, and a summary's passages merged (``_merge_condensed``).

    Args:
        index: The corpus's sentence index.
        pairs: int64 ``(n, 2)`` article pairs ``(a, b)``.
        ranges: int64 ``(n, 2)``: pair ``p``'s seeds are rows ``ranges[p, 0]:ranges[p, 1]`` of ``found``.
        found: Seeds and context seeds, rows ``(i, j, score, seed or not)`` (as ``batch_seeds`` gives them).
        max_gap: Most unmatched sentences between two seeds of one passage.
        min_words: Fewest distinct content stems a passage must hold on its longer side
            (and half as many on the shorter).
        threshold: Seeding's least sentence similarity; two sentences of one article this
            similar are one sentence repeated.

    Returns:
        Per pair, passages that overlap in neither article, sorted by position in ``a``.
    """
    offsets, spans, similarity, surprise = _extend_batch(
        IndexArrays.of(index), np.ascontiguousarray(pairs, dtype=np.int64), np.ascontiguousarray(ranges, dtype=np.int64),
        found, max_gap, min_words, float(threshold),
    )
    # Python numbers, as the passages' fields promise (a numpy float would reach the report).
    owners = np.repeat(np.arange(len(pairs)), np.diff(offsets)).tolist()
    out: list[list[SentencePassage]] = [[] for _ in range(len(pairs))]
    for owner, span, score, surprising in zip(owners, spans.tolist(), similarity.tolist(), surprise.tolist()):
        out[owner].append(SentencePassage(*span[:4], span[4], score, span[5], surprising))
    return out


def align_pair(index: SentenceIndex, a: int, b: int, threshold: float, max_gap: int, min_words: int) -> list[SentencePassage]:
    """Seed and extend one pair (what ``batch_seeds`` + ``extend`` do for many)."""
    offsets, found = batch_seeds(index, np.array([[a, b]], dtype=np.int64), threshold)
    pair = np.array([[a, b]], dtype=np.int64)
    return extend(index, pair, np.array([[offsets[0], offsets[1]]]), found, max_gap, min_words, threshold)[0]
