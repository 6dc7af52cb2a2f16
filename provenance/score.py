"""Score: aligned passages in, a directed, scored ``Match`` (or nothing) out.

Owns the numbers a user reads about a pair: character spans of each passage in
both original texts, ``overlap`` and ``source_overlap``, exact ``jaccard`` of
the two shingle sets, the ``confidence`` that this is a derivation rather than
two articles on one story, the ``relation`` label, and the direction: which end
is the source. Dates decide direction when both are known; otherwise the text
does (a condensed copy is contained in its source). Where strong textual
evidence contradicts the dates, the match is flagged ``date_conflict``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Optional, Sequence

import numba
import numpy as np

from provenance.align import MIN_SURPRISE, SUMMARY_RATIO, SentencePassage
from provenance.model import Article, Match, Passage
from provenance.normalise import visible_length
from provenance.shingle import Shingled, is_function_word

# Evidence (weighted shared stems, see align) at which confidence reaches 1 - 1/e.
EVIDENCE_SCALE = 8.0
# Coverage asymmetry below this says nothing about direction.
DIRECTION_MARGIN = 0.05
# Coverage asymmetry above this contradicts dates that say otherwise.
CONFLICT_MARGIN = 0.2
# Lengths this close (a fraction of the shorter) say nothing about direction: a few substituted
# words, as light edits of one story differ, leave them within it. Read as evidence, they sent
# 121 of 499 same-day edited copies of a syndicated story the wrong way round and split it into
# 38 trees (bench/README, Quality notes, "Viral copies"); as a tie, the id orders them.
LENGTH_MARGIN = 0.01


# Characters that close a sentence or a quotation after its last word, and that open one
# before its first word.
_CLOSERS = frozenset('.!?…:;)]}"\'”’»')
_OPENERS = frozenset('([{"\'“‘«¿¡')
# Spaces inside a line (a line break ends a sentence, so a span never grows across one).
_INLINE_SPACE = frozenset(" \t\xa0")


def snap_to_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` grown over what its first and last sentence hold besides content words.

    A passage's character span runs from content word to content word, which leaves out the
    function words that open its first sentence ("The", "It is") and those and the punctuation
    that close its last ("with you!", ``)."``). A copied sentence is claimed whole: the span
    takes the function words before its first word, back to the sentence's start or to a
    content word, with their opening quotes or brackets; and after its last word, function
    words only if the sentence's closing punctuation follows them, and that punctuation.
    """
    return _snap_start(text, start), _snap_end(text, end)


def _word_before(text: str, at: int) -> tuple[int, int]:
    """The letters-only word ending at ``at`` past inline spaces: ``(start, end)``, empty if none."""
    end = at
    while end > 0 and text[end - 1] in _INLINE_SPACE:
        end -= 1
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    # A whole word: what precedes it is the line's start, a space or an opening mark.
    if end == at or (start > 0 and not (text[start - 1] in _INLINE_SPACE or text[start - 1] in _OPENERS or text[start - 1] in "\r\n")):
        return at, at
    return start, end


def _snap_start(text: str, start: int) -> int:
    while True:
        first = start
        while first > 0 and text[first - 1] in _OPENERS:
            first -= 1
        word_start, word_end = _word_before(text, first)
        if word_start == word_end or not is_function_word(text[word_start:word_end].lower()):
            return first
        start = word_start


def _snap_end(text: str, end: int) -> int:
    at = end
    while True:
        after = at
        while after < len(text) and text[after] in _INLINE_SPACE:
            after += 1
        if after < len(text) and text[after] in _CLOSERS:
            at = after
            while at < len(text) and text[at] in _CLOSERS:
                at += 1
            return at
        word_end = after
        while word_end < len(text) and text[word_end].isalpha():
            word_end += 1
        if word_end == after or not is_function_word(text[after:word_end].lower()):
            return end  # the sentence goes on past content words (or ends without punctuation)
        at = word_end


@numba.njit(cache=True)
def _contains(ordered, value):  # pragma: no cover - compiled
    k = np.searchsorted(ordered, value)
    return k < ordered.shape[0] and ordered[k] == value


@numba.njit(cache=True)
def _char_spans(hashes, sentence_starts, starts, ends, partner_hashes, partner_sentence_starts, spans):  # pragma: no cover - compiled
    """Original-text span of each passage's sentences ``[spans[k, 0], spans[k, 1])``: first content word
    to last, the first and last sentences trimmed to their first and last word the partner passage
    (sentences ``[spans[k, 2], spans[k, 3])`` of the partner) shares: reuse rarely starts and ends on a
    sentence boundary. A sentence with no shared word is kept whole."""
    out = np.empty((spans.shape[0], 2), dtype=np.int64)
    for k in range(spans.shape[0]):
        start, end = spans[k, 0], spans[k, 1]
        first, last = sentence_starts[start], sentence_starts[end] - 1
        other = np.sort(partner_hashes[partner_sentence_starts[spans[k, 2]] : partner_sentence_starts[spans[k, 3]]])
        if other.shape[0]:
            first, last = _trim_to_shared(hashes, other, first, sentence_starts[start + 1], sentence_starts[end - 1], last)
        out[k, 0], out[k, 1] = starts[first], ends[last]
    return out


@numba.njit(cache=True)
def _trim_to_shared(hashes, other, first, first_end, last_start, last):  # pragma: no cover - compiled
    """``first`` moved to the first word of ``[first, first_end)`` in ``other`` (sorted), ``last`` back to
    the last word of ``[max(first, last_start), last]`` in it; each stays where it is if none is."""
    for k in range(first, first_end):
        if _contains(other, hashes[k]):
            first = k
            break
    for k in range(last, max(first, last_start) - 1, -1):
        if _contains(other, hashes[k]):
            return first, k
    return first, last


def char_spans(shingled: Shingled, partner: Shingled, spans: np.ndarray) -> list[tuple[int, int]]:
    """Original-text spans of passages in one article (see ``_char_spans``).

    Args:
        shingled: The article.
        partner: The other article.
        spans: int64 ``(n, 4)``: per passage, its sentences ``[start, end)`` here, then in the partner.
    """
    out = _char_spans(shingled.hashes, shingled.sentence_starts, shingled.starts, shingled.ends, partner.hashes,
                      partner.sentence_starts, spans)
    return [tuple(span) for span in out.tolist()]


def coverage(spans: list[tuple[int, int]], length: int) -> float:
    """Fraction of ``length`` characters covered by the union of ``spans``."""
    if length <= 0:
        return 0.0
    covered, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            covered += end - start
            reach = end
    return min(1.0, covered / length)


@numba.njit(cache=True)
def _distinct_counts(a, b):  # pragma: no cover - compiled
    """How many distinct values ``a`` has, ``b`` has, and they share (any order, repeats allowed)."""
    x, y = np.sort(a), np.sort(b)
    in_a = in_b = shared = 0
    s = t = 0
    while s < x.shape[0] or t < y.shape[0]:
        if t == y.shape[0] or (s < x.shape[0] and x[s] < y[t]):
            value, in_a = x[s], in_a + 1
        elif s == x.shape[0] or y[t] < x[s]:
            value, in_b = y[t], in_b + 1
        else:
            value, in_a, in_b, shared = x[s], in_a + 1, in_b + 1, shared + 1
        while s < x.shape[0] and x[s] == value:
            s += 1
        while t < y.shape[0] and y[t] == value:
            t += 1
    return in_a, in_b, shared


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two articles' shingle sets, given their shingle hashes (any order, repeats allowed).

    One compiled sort and merge: ``np.unique`` of both took a sixth of a verify worker's time.
    """
    in_a, in_b, shared = _distinct_counts(a, b)
    if in_a + in_b == 0:
        return 0.0
    return shared / (in_a + in_b - shared)


def confidence(passages: list[SentencePassage]) -> float:
    """How sure we are the pair is a derivation: from the weight of its aligned evidence, or
    from its most surprising passage (``surprise.concentration``), whichever says more.

    A passage exactly ``MIN_SURPRISE`` surprising gives 0.5, the default ``min_confidence``;
    each further ``MIN_SURPRISE`` halves the doubt.
    """
    evidence = sum(passage.evidence for passage in passages)
    surprise = max((passage.surprise for passage in passages), default=0.0)
    return max(1.0 - math.exp(-evidence / EVIDENCE_SCALE), 1.0 - 0.5 ** (max(0.0, surprise) / MIN_SURPRISE))


def relation(overlap: float, source_overlap: float, similarity: float) -> str:
    """The kind of derivation, from how much was taken and how faithfully."""
    if overlap >= 0.9 and source_overlap >= 0.9 and similarity >= 0.95:
        return "copy"
    if overlap >= 0.8 and similarity >= 0.8:
        return "near-copy"
    if overlap >= 0.5:
        return "rewrite"
    return "partial"


def _date_order(a: Article, b: Article) -> int:
    """-1 if ``a`` is dated earlier, 1 if later, 0 if unknown or equal."""
    if not a.published or not b.published or a.published == b.published:
        return 0
    return -1 if a.published < b.published else 1


def _text_order(a_length: int, b_length: int, a_cover: float, b_cover: float, a_summarised: bool, b_summarised: bool) -> int:
    """-1 if the text says ``a`` is the source, 1 if ``b`` is, 0 if it cannot tell.

    ``a_length``: the characters of ``a`` a reader sees (``normalise.visible_length``).
    ``a_summarised``: some passage of ``b`` is a summary of its span in ``a`` (``_summaries``).
    """
    if a_summarised != b_summarised:
        # A summary is the copy, whatever else the two articles hold: a summary set inside a
        # longer article leaves that article the less covered of the two.
        return -1 if a_summarised else 1
    if abs(a_cover - b_cover) >= DIRECTION_MARGIN:
        # The more-contained article is the copy: a condensed rewrite is inside its source.
        return -1 if a_cover < b_cover else 1
    if abs(a_length - b_length) > LENGTH_MARGIN * min(a_length, b_length):
        return -1 if a_length > b_length else 1
    return 0


def _summaries(long_spans: list[tuple[int, int]], short_spans: list[tuple[int, int]]) -> list[bool]:
    """Per passage, whether its side in ``short_spans`` summarises its side in ``long_spans``:
    ``SUMMARY_RATIO`` times shorter in characters (``align`` merges a summary's passages on the same ratio)."""
    return [long_end - long_start >= SUMMARY_RATIO * (short_end - short_start)
            for (long_start, long_end), (short_start, short_end) in zip(long_spans, short_spans)]


def _whole_sources(spans: list[tuple[int, int]], summaries: list[bool], length: int) -> list[tuple[int, int]]:
    """Source-side spans, each summary's grown over its whole source: to the passages beside it, or the text's ends.

    A summary condenses an article as a whole; the source sentences it was aligned with are only
    the few it paraphrases closely enough to seed, scattered over the source (on PAN 2013
    training, a summary case's source is always the whole source document, and alignment
    found a median 37% of it). Only a passage that is a summary in the direction found, its
    source side ``SUMMARY_RATIO`` times longer in characters, is grown; the derived side stays
    what was aligned.
    """
    out = list(spans)
    for k, (start, end) in enumerate(spans):
        if summaries[k]:
            before = [e for j, (_, e) in enumerate(spans) if j != k and e <= start]
            after = [s for j, (s, _) in enumerate(spans) if j != k and s >= end]
            out[k] = (max(before, default=0), min(after, default=length))
    return out


def build_match(
    a: Article,
    b: Article,
    a_shingled: Shingled,
    b_shingled: Shingled,
    passages: list[SentencePassage],
    min_confidence: float,
    a_text: str,
    b_text: str,
) -> Optional[Match]:
    """Turn the aligned passages of ``a`` and ``b`` into a directed match.

    ``a_text`` and ``b_text`` are the articles' texts (a scan keeps them out of its articles
    while it verifies).

    Returns:
        The match, or ``None`` if the evidence is below ``min_confidence``.
    """
    if not passages:
        return None
    sure = confidence(passages)
    if sure < min_confidence:
        return None
    sentences = np.array([(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages], dtype=np.int64)
    a_spans = [snap_to_sentence(a_text, *span) for span in char_spans(a_shingled, b_shingled, sentences)]
    b_spans = [snap_to_sentence(b_text, *span)
               for span in char_spans(b_shingled, a_shingled, np.ascontiguousarray(sentences[:, [2, 3, 0, 1]]))]
    a_cover, b_cover = coverage(a_spans, a.length), coverage(b_spans, b.length)
    a_summarised, b_summarised = _summaries(a_spans, b_spans), _summaries(b_spans, a_spans)
    by_dates = _date_order(a, b)
    by_text = _text_order(visible_length(a_text), visible_length(b_text), a_cover, b_cover, any(a_summarised), any(b_summarised))
    conflict = by_dates != 0 and by_text != 0 and by_dates != by_text and abs(a_cover - b_cover) >= CONFLICT_MARGIN
    if by_dates:
        order, direction_from = by_dates, "dates"
    elif a.reference != b.reference:
        # An audit asks whether the site took from its reference corpus: undated, the text cannot
        # tell a copy padded with the site's own sentences from a condensed source (which is which
        # by text alone would turn on a few sentences, or on file names where the two are alike).
        order, direction_from = (-1 if a.reference else 1), "reference"
    elif by_text:
        order, direction_from = by_text, "text"
    else:
        order, direction_from = (-1 if a.id < b.id else 1), "id"
    weights = [max(1, e - s) for s, e in b_spans]
    # np.average's own arithmetic, without its checks (a third of the time of a match).
    mean_similarity = float(
        np.multiply([p.similarity for p in passages], weights, dtype=np.float64).sum() / np.sum(weights, dtype=np.float64)
    )
    if order < 0:  # a is the source
        source, derived, source_spans, derived_spans, summarised, overlap = a, b, a_spans, b_spans, a_summarised, b_cover
    else:
        source, derived, source_spans, derived_spans, summarised, overlap = b, a, b_spans, a_spans, b_summarised, a_cover
    # Direction is told by the aligned spans; then a summary is credited with its whole source.
    source_spans = _whole_sources(source_spans, summarised, source.length)
    source_overlap = coverage(source_spans, source.length)
    records = [Passage(ss, se, ds, de, round(p.similarity, 4)) for (ss, se), (ds, de), p in zip(source_spans, derived_spans, passages)]
    return Match(
        source=source.id,
        derived=derived.id,
        relation=relation(overlap, source_overlap, mean_similarity),
        overlap=round(overlap, 4),
        source_overlap=round(source_overlap, 4),
        jaccard=round(jaccard(a_shingled.hashes, b_shingled.hashes), 4),
        confidence=round(sure, 4),
        passages=tuple(sorted(records, key=lambda p: (p.derived_start, p.source_start))),
        direction_from=direction_from,
        date_conflict=conflict,
    )


# Every value of ``Match.relation`` and ``Match.direction_from``, for ``PackedMatches``' one-byte codes.
_LABELS = ("copy", "near-copy", "rewrite", "partial", "dates", "text", "id", "reference")


@dataclasses.dataclass(frozen=True)
class PackedMatches:
    """The matches (or ``None``) of a run of pairs, in flat arrays: how workers hand them back.

    A ``Match`` with its passages, ids and boxed floats takes ~1 KB as Python objects; here a
    match takes ~60 bytes and a passage 40, and nothing needs pickling object by object. A
    scan keeps its matches packed until the sentence index is gone, and only then makes the
    objects (at 1M articles, 690k matches: ~0.6 GB that verification's peak no longer holds).
    ``unpack`` gives back exactly what was packed.

    Attributes:
        matched: Per pair, whether it has a match.
        source_first: Per match, whether the pair's first article is the source.
        numbers: float64 ``(matches, 4)``: overlap, source overlap, Jaccard, confidence.
        labels: uint8 ``(matches, 2)``: codes of relation and direction_from (``_LABELS``).
        conflict: Per match, ``date_conflict``.
        passage_offsets: Match ``m``'s passages are rows ``passage_offsets[m]:passage_offsets[m + 1]``.
        spans: int64 ``(passages, 4)``: source start and end, derived start and end.
        similarity: Per passage, its similarity.
        shares: float64 ``(matches, 2)``: ``Match.held`` and ``Match.used``.
    """

    matched: np.ndarray
    source_first: np.ndarray
    numbers: np.ndarray
    labels: np.ndarray
    conflict: np.ndarray
    passage_offsets: np.ndarray
    spans: np.ndarray
    similarity: np.ndarray
    shares: np.ndarray

    @classmethod
    def pack(cls, matches: Sequence[Optional[Match]], first_ids: Sequence[str]) -> "PackedMatches":
        """Pack ``matches[k]``, a match of a pair whose first article's id is ``first_ids[k]`` (or ``None``)."""
        found = [(m, m.source == first) for m, first in zip(matches, first_ids) if m is not None]
        passages = [p for m, _ in found for p in m.passages]
        counts = np.array([len(m.passages) for m, _ in found], dtype=np.int64)
        return cls(
            matched=np.array([m is not None for m in matches], dtype=bool),
            source_first=np.array([first for _, first in found], dtype=bool),
            numbers=np.array([(m.overlap, m.source_overlap, m.jaccard, m.confidence) for m, _ in found],
                             dtype=np.float64).reshape(-1, 4),
            labels=np.array([(_LABELS.index(m.relation), _LABELS.index(m.direction_from)) for m, _ in found],
                            dtype=np.uint8).reshape(-1, 2),
            conflict=np.array([m.date_conflict for m, _ in found], dtype=bool),
            passage_offsets=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
            spans=np.array([(p.source_start, p.source_end, p.derived_start, p.derived_end) for p in passages],
                           dtype=np.int64).reshape(-1, 4),
            similarity=np.array([p.similarity for p in passages], dtype=np.float64),
            shares=np.array([(m.held, m.used) for m, _ in found], dtype=np.float64).reshape(-1, 2),
        )

    @classmethod
    def join(cls, parts: Sequence["PackedMatches"]) -> "PackedMatches":
        """The packs of consecutive runs of pairs, as one."""
        shifts = np.cumsum([0] + [len(p.spans) for p in parts[:-1]])
        offsets = [p.passage_offsets[:-1] + shift for p, shift in zip(parts, shifts)]
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(cls)
               if f.name != "passage_offsets"},
            passage_offsets=np.concatenate(offsets + [np.array([sum(len(p.spans) for p in parts)], dtype=np.int64)]),
        )

    def unpack(self, pairs: np.ndarray, ids: Sequence[str]) -> list[Optional[Match]]:
        """The matches as packed: pair ``k`` is ``pairs[k]``, articles numbered into ``ids``."""
        out: list[Optional[Match]] = [None] * len(self.matched)
        spans, similarity = self.spans.tolist(), self.similarity.tolist()
        ends = self.passage_offsets.tolist()
        matched = np.flatnonzero(self.matched)
        rows = zip(matched.tolist(), pairs[matched].tolist(), self.source_first.tolist(), self.numbers.tolist(),
                   self.labels.tolist(), self.conflict.tolist(), self.shares.tolist())
        for m, (k, (i, j), first, (overlap, source_overlap, jaccard, sure), (kind, decided), conflict,
                (held, used)) in enumerate(rows):
            source, derived = (ids[i], ids[j]) if first else (ids[j], ids[i])
            passages = tuple(Passage(*spans[t], similarity[t]) for t in range(ends[m], ends[m + 1]))
            out[k] = Match(source=source, derived=derived, relation=_LABELS[kind], overlap=overlap,
                           source_overlap=source_overlap, jaccard=jaccard, confidence=sure, passages=passages,
                           direction_from=_LABELS[decided], date_conflict=conflict, held=held, used=used)
        return out
