"""score: coverage, Jaccard, relation, direction from dates or text, conflicts."""

from __future__ import annotations

import numpy as np

from provenance.align import MIN_SURPRISE, SentencePassage
from provenance.model import Article, Match, Passage
from provenance.score import PackedMatches, build_match, confidence, coverage, jaccard, relation, snap_to_sentence
from provenance.shingle import shingle_text


def test_coverage_unions_spans():
    assert coverage([(0, 10), (5, 20), (30, 40)], 100) == 0.3
    assert coverage([], 10) == 0.0 and coverage([(0, 5)], 0) == 0.0


def test_jaccard_exact_and_symmetric():
    a, b = np.array([1, 2, 3, 4], np.uint64), np.array([3, 4, 5], np.uint64)
    assert jaccard(a, b) == jaccard(b, a) == 2 / 5
    assert jaccard(a[:0], b[:0]) == 0.0
    rng = np.random.default_rng(3)
    for dtype in (np.uint32, np.uint64):  # vocabulary ranks, stem hashes: unsorted, with repeats
        for _ in range(50):
            x, y = (rng.integers(0, 60, size=rng.integers(0, 80)).astype(dtype) for _ in range(2))
            union = np.union1d(x, y)
            want = len(np.intersect1d(x, y)) / len(union) if len(union) else 0.0
            assert jaccard(x, y) == want


def test_relations():
    assert relation(0.95, 0.95, 0.99) == "copy"
    assert relation(0.85, 0.5, 0.85) == "near-copy"
    assert relation(0.6, 0.4, 0.5) == "rewrite"
    assert relation(0.1, 0.05, 0.9) == "partial"


LONG = "One two three alpha. Beta gamma delta epsilon. Zeta eta theta iota. Kappa lambda mu nu."
SHORT = "Alpha beta gamma delta. Epsilon zeta eta theta."


def _match(a_date=None, b_date=None):
    a = Article("a", LONG, "a", published=a_date, published_from="metadata" if a_date else None)
    b = Article("b", SHORT, "b", published=b_date, published_from="metadata" if b_date else None)
    passage = SentencePassage(0, 3, 0, 2, seeds=3, similarity=0.9, size=30)
    return build_match(a, b, shingle_text(LONG), shingle_text(SHORT), [passage], 0.5, LONG, SHORT)


def test_condensed_copy_is_derived_without_dates():
    m = _match()
    assert (m.source, m.derived, m.direction_from, m.date_conflict) == ("a", "b", "text", False)
    assert m.overlap > m.source_overlap


def test_lengths_a_few_words_apart_do_not_decide_direction():
    # Two light edits of one story: equally covered, one a character longer (under 1%). The length
    # is no evidence of which came first: the pair is a tie, ordered by id.
    story = " ".join(f"Sentence {k} tells alpha beta gamma delta epsilon zeta of the story." for k in range(6))
    edited = story.replace("Sentence 3 tells", "Sentence 3 tellz", 1).replace("of the story.", "of the storys.", 1)
    passage = SentencePassage(0, 6, 0, 6, seeds=6, similarity=0.95, size=60)

    def match(first: str, second: str) -> Match:
        a, b = Article("first", first, "first"), Article("second", second, "second")
        return build_match(a, b, shingle_text(first), shingle_text(second), [passage], 0.5, first, second)

    assert len(edited) - len(story) == 1 and 100 * 1 < len(story)
    assert (match(story, edited).source, match(story, edited).direction_from) == ("first", "id")
    assert (match(edited, story).source, match(edited, story).direction_from) == ("first", "id")
    # Past 1% (every sentence a word longer), the longer one is the source, as before.
    longer = story.replace("of the story.", "of the whole story.")
    assert (match(story, longer).source, match(story, longer).direction_from) == ("second", "text")


def test_dates_decide_direction_and_conflict_is_flagged():
    m = _match(a_date="2023-09-20", b_date="2023-09-13")
    assert (m.source, m.derived, m.direction_from) == ("b", "a", "dates")
    assert m.date_conflict is True
    p = m.passages[0]
    assert LONG[p.derived_start : p.derived_end].startswith("alpha") and SHORT[p.source_start : p.source_end].startswith("Alpha")


# A source of eight sentences and, inside a longer article of four, one sentence summarising
# them (aligned with six): the summary's side is over three times shorter, so it summarises the whole source.
SOURCE = " ".join(f"The {topic} committee approved a new {topic} budget on Monday after a long debate."
                  for topic in ("river", "market", "council", "school", "harbor", "festival", "bridge", "library"))
SUMMARY_HOLDER = ("Residents gathered downtown for the weekly farmers fair. Vendors sold apples and bread all morning. "
                  "The river committee and the library committee approved budgets after debate. "
                  "Organisers thanked volunteers before closing.")


def _summary_match(source_date=None, holder_date=None):
    source = Article("src", SOURCE, "src", published=source_date, published_from="metadata" if source_date else None)
    holder = Article("sum", SUMMARY_HOLDER, "sum", published=holder_date, published_from="metadata" if holder_date else None)
    passage = SentencePassage(1, 7, 2, 3, seeds=2, similarity=0.7, size=8)  # source sentences 1-6 of 0-7
    return build_match(source, holder, shingle_text(SOURCE), shingle_text(SUMMARY_HOLDER), [passage], 0.5, SOURCE, SUMMARY_HOLDER)


def test_a_summary_is_derived_and_credited_with_its_whole_source():
    m = _summary_match()
    # The holder is the less covered article, yet the summary in it is the copy.
    assert (m.source, m.derived, m.direction_from) == ("src", "sum", "text")
    (p,) = m.passages
    assert (p.source_start, p.source_end) == (0, len(SOURCE)) and m.source_overlap == 1.0
    assert SUMMARY_HOLDER[p.derived_start : p.derived_end] == "committee and the library committee approved budgets after debate."


def test_a_summary_dated_first_is_the_source_and_nothing_is_grown():
    m = _summary_match(source_date="2023-09-20", holder_date="2023-09-13")
    assert (m.source, m.derived, m.direction_from, m.date_conflict) == ("sum", "src", "dates", True)
    (p,) = m.passages
    # Both sides are what was aligned (from shared word to shared word): not the whole long side.
    assert SOURCE[p.derived_start : p.derived_end].startswith("committee approved a new market") and p.derived_end < len(SOURCE)
    assert SUMMARY_HOLDER[p.source_start : p.source_end] == "committee and the library committee approved budgets after debate."


def test_low_evidence_is_not_a_match():
    a, b = Article("a", LONG, "a"), Article("b", SHORT, "b")
    weak = SentencePassage(0, 1, 0, 1, seeds=1, similarity=0.4, size=5)
    assert build_match(a, b, shingle_text(LONG), shingle_text(SHORT), [weak], 0.5, LONG, SHORT) is None


def test_confidence_from_evidence_or_surprise():
    faint = SentencePassage(0, 1, 0, 1, seeds=1, similarity=0.4, size=15)
    assert round(confidence([faint]), 4) == round(1 - np.exp(-3 / 8), 4)
    # As surprising as MIN_SURPRISE: even odds; twice as surprising: doubt halved again.
    assert confidence([SentencePassage(0, 1, 0, 1, 1, 0.4, 15, surprise=MIN_SURPRISE)]) == 0.5
    assert confidence([SentencePassage(0, 1, 0, 1, 1, 0.4, 15, surprise=2 * MIN_SURPRISE)]) == 0.75
    # A whole-article copy: no surprise (negative), its evidence decides.
    assert confidence([SentencePassage(0, 5, 0, 5, 5, 1.0, 40, surprise=-1.4)]) > 0.99


def _snapped(text: str, first: str, last: str) -> str:
    start, end = text.index(first), text.index(last) + len(last)
    return text[slice(*snap_to_sentence(text, start, end))]


def test_snap_takes_the_function_words_and_punctuation_of_a_whole_sentence():
    text = "Intro here. The doctors said it works for you. Next one."
    assert _snapped(text, "doctors", "works") == "The doctors said it works for you."


def test_snap_takes_quotes_and_brackets_around_the_sentence():
    text = 'He said: "The cure works well" (with the trial results). Then more.'
    assert _snapped(text, "cure", "well") == '"The cure works well"'
    assert _snapped(text, "trial", "results") == "(with the trial results)."


def test_snap_stops_at_content_words_and_sentence_bounds():
    # Not back past a content word ("inspected"), nor forward to punctuation behind one ("today").
    text = "Officials inspected the bridge and reopened it today. A new line."
    assert _snapped(text, "bridge", "reopened") == "the bridge and reopened"
    # Not back across a sentence end or a line break, nor into a glued abbreviation.
    assert _snapped("Stop.\nThe plan is set.", "plan", "set") == "The plan is set."
    assert _snapped("U.S.The best plan", "best", "plan") == "best plan"
    assert _snapped("x", "x", "x") == "x"


def test_packed_matches_give_back_exactly_what_was_packed():
    ids = ["a", "b", "c", "d"]
    pairs = np.array([[0, 1], [0, 2], [1, 3], [2, 3], [0, 3]], dtype=np.int64)
    one = Match("a", "b", "copy", 0.9731, 0.95, 0.8812, 0.99, (Passage(0, 10, 3, 14, 1.0), Passage(20, 31, 25, 40, 0.8765)),
                "dates", False, 0.8123456789, 0.7)
    flipped = Match("d", "b", "partial", 0.1, 0.0501, 0.02, 0.5123, (Passage(5, 6, 7, 8, 0.3333),), "id", True, 1)
    last = Match("a", "d", "rewrite", 0.6, 0.7, 0.3, 0.75, (Passage(1, 2, 3, 4, 0.5),), "text", False)
    matches = [one, None, flipped, None, last]
    firsts = [ids[i] for i in pairs[:, 0]]
    whole = PackedMatches.pack(matches, firsts)
    assert whole.unpack(pairs, ids) == matches
    # Packed in runs (some with no match, one with no pair at all) and joined, as workers hand them back.
    runs = [(0, 1), (1, 1), (1, 2), (2, 4), (4, 5)]
    parts = [PackedMatches.pack(matches[s:e], firsts[s:e]) for s, e in runs]
    assert PackedMatches.join(parts).unpack(pairs, ids) == matches
    assert [type(m.overlap) for m in whole.unpack(pairs, ids) if m] == [float] * 3
