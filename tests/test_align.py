"""align: seeding, extension and filtering of passages, tolerant of spinning."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from provenance.align import MIN_SURPRISE, IndexArrays, align_pair, held_weights
from provenance.surprise import _log10_tail, concentration
from provenance.sentences import ENTITY_WEIGHT, SentenceIndex, batch_seeds
from provenance.shingle import Vocabulary, shingle_text

STORY = (
    "Engineers restored the northern railway bridge after flooding damaged its foundations. "
    "The regional transport authority reopened freight traffic on Tuesday morning. "
    "Local farmers welcomed the decision because grain shipments had stalled for weeks. "
    "Inspectors measured vibration levels along every span before approving the reopening. "
    "Passenger services will resume gradually once signalling equipment is replaced. "
)
SPUN = (
    "Technicians repaired the northern railway bridge after floods harmed its foundations. "
    "On Tuesday morning the regional transport authority reopened cargo traffic. "
    "Local farmers applauded the decision since grain shipments had stalled for weeks. "
    "Inspectors checked vibration levels along each span prior to approving the reopening. "
)
OTHER = (
    "The orchestra announced a new season of chamber concerts featuring young composers. "
    "Tickets go on sale next month through the box office and the website. "
    "The conductor praised the acoustics of the renovated hall during rehearsals. "
)


def _index(*texts):
    shingled = [shingle_text(t) for t in texts]
    return SentenceIndex.build(shingled, Vocabulary.build(shingled))


def test_spun_copy_is_aligned_sentence_by_sentence():
    index = _index(STORY, SPUN, OTHER)
    passages = align_pair(index, 0, 1, threshold=0.35, max_gap=3, min_words=15)
    assert len(passages) == 1
    p = passages[0]
    assert (p.a_start, p.a_end, p.b_start, p.b_end) == (0, 4, 0, 4)
    assert p.seeds >= 3 and 0.3 < p.similarity < 1.0


def test_unrelated_articles_have_no_passage():
    index = _index(STORY, SPUN, OTHER)
    assert align_pair(index, 0, 2, 0.35, 3, 15) == []


def test_copy_inside_long_article_is_found():
    filler = " ".join(f"Paragraph {k} talks about gardening tips and seasonal vegetables number {k}." for k in range(20))
    index = _index(STORY, filler + " " + STORY + " " + filler, OTHER)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    assert len(passages) == 1 and passages[0].a_end - passages[0].a_start == 5


NOTICE = "Please contact the instrumental music director about placement auditions and schedules. "
COURSES = [
    "The beginning strings class teaches violin viola cello and bass fundamentals to fifth graders. "
    "Pupils borrow instruments from the school and practise bowing every afternoon. "
    "A winter recital closes the first trimester in the auditorium. "
    "Parents volunteer to tune instruments before concerts. ",
    "Students in the wind ensemble rehearse flute oboe clarinet and bassoon repertoire weekly. "
    "Members prepare etudes chosen by the regional festival committee. "
    "Sectionals with visiting professionals happen twice each semester. "
    "Reed making workshops run on Saturday mornings. ",
    "Percussionists learn marimba timpani snare technique and drum set grooves in small groups. "
    "Rudiments are graded through recorded playing tests before spring break. "
    "Advanced players accompany the musical theatre production in May. "
    "Cymbal crashes require careful listening and patience. ",
]


# A newsletter that copied the third course of the catalogue and the notice after it.
NEWSLETTER_WITH_COURSE = (
    "Our town newsletter reports on the library renovation and the new reading garden. "
    "Volunteers planted tulips along the walkway during the spring cleanup weekend. "
    + COURSES[2] + NOTICE
    + "The mayor thanked everyone who donated books to the summer fundraising drive. "
)


def test_sentence_repeated_in_its_own_article_does_not_stretch_the_passage():
    # A catalogue repeats one notice after each course; a copy of the last course with its
    # notice is that course and notice alone, not everything back to the first notice.
    catalogue = "".join(course + NOTICE for course in COURSES)
    index = _index(catalogue, NEWSLETTER_WITH_COURSE, OTHER)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end, p.seeds) for p in passages] == [(10, 15, 2, 7, 5)]


def test_sentence_repeated_more_often_than_its_partners_keeps_the_one_in_line():
    # The notice follows six courses: its copy has six partners, all verbatim, more than a
    # sentence keeps. The one kept is the notice after the copied course, not the first ones,
    # or the passage loses it and reaches back to the notice before the course.
    courses = [_filler(f"c{k}q", 0, 3) + " " for k in range(5)] + [COURSES[2]]
    catalogue = "".join(course + NOTICE for course in courses)
    index = _index(catalogue, NEWSLETTER_WITH_COURSE, OTHER)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end, p.seeds) for p in passages] == [(20, 25, 2, 7, 5)]


def test_copied_sentence_does_not_reach_back_to_a_phrase_its_source_used_before():
    # The source names its regulation in a long sentence, then heads the copied paragraph with
    # it. The copied heading is contained in the long sentence too, but it is a copy of the
    # heading: the passage starts there, not back at the long sentence.
    heading = "Regulation 882 on official feed controls and hygiene. "
    source = (
        "Farm unions spent the winter arguing that regulation 882 and its official feed controls burden "
        "small dairies, cheese makers, beekeepers and orchard cooperatives across mountain valleys far more "
        "than supermarket suppliers. "
        + _filler("alpha", 0, 5) + " " + heading + STORY
    )
    copy = (
        "Our county bulletin covers harvest prices, school sports and the weather. "
        + heading + STORY
        + "Next week the bulletin turns to the autumn fair and its pumpkin contest. "
    )
    index = _index(source, copy, OTHER)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages] == [(6, 12, 1, 7)]


def test_copied_sentence_is_not_also_taken_from_the_next_source_sentence():
    # The source follows the copied story with a sentence that holds every word of its last one
    # and more. The copy's last sentence is identical to the story's: the next source sentence
    # contains it too, but gave it nothing, and the passage ends with the story.
    after = (
        "Passenger services and signalling equipment will resume gradually, the authority said, "
        "once engineers have replaced the old relays. "
    )
    source = _filler("alpha", 0, 5) + " " + STORY + after + _filler("beta", 0, 5)
    copy = _filler("gamma", 0, 3) + " " + STORY + _filler("delta", 0, 3)
    index = _index(source, copy, OTHER)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end, p.seeds) for p in passages] == [(5, 10, 3, 8, 5)]


def test_grown_span_leaves_out_an_end_sentence_that_adds_nothing_to_the_fit():
    # The copy puts a line of numbers (names and numbers are no plain stems: the fit does not
    # see them) before the copied story. Dropping it leaves the fit as it is: it goes.
    from provenance.surprise import grow

    source = _filler("alpha", 0, 6) + " " + STORY + _filler("beta", 0, 6)
    copy = _filler("gamma", 0, 6) + " 1866 3685463 27412 22701 90210. " + STORY + _filler("delta", 0, 6)
    index = _index(source, copy, OTHER)
    assert grow(IndexArrays.of(index), 0, 1, 6, 11, 7, 12, 4)[:4] == (6, 11, 7, 12)


def test_grown_span_leaves_out_unshared_sentences_behind_one_shared_stem():
    # Two sentences before the copy, the copier set one of its words ("foundations") in a
    # sentence of its own. Narrowing one end sentence at a time stopped there: dropping that
    # sentence alone loses a shared stem, and the two unshared sentences inside it stayed in
    # the span. One side's span chosen whole for the other's leaves all three out: together,
    # they fit worse than the copy alone.
    from provenance.surprise import grow

    stray = "Gammaqqx gammaqrx foundations gammaqsx gammaqtx gammaqux gammaqvx gammaqwx."
    source = _filler("alpha", 0, 6) + " " + STORY + _filler("beta", 0, 6)
    copy = (_filler("gamma", 0, 3) + " " + stray + " " + _filler("delta", 0, 2) + " "
            + STORY.replace(" damaged its foundations.", " damaged it.") + _filler("epsilon", 0, 6))
    index = _index(source, copy, OTHER)
    assert grow(IndexArrays.of(index), 0, 1, 6, 11, 6, 11, 4)[:4] == (6, 11, 6, 11)
    assert _grow_reference(index, 0, 1, (6, 11), (6, 11), 4)[:2] == ((6, 11), (6, 11))


def test_log10_tail_is_the_hypergeometric_upper_tail():
    # 2 of 4 items marked, 2 drawn: both marked with chance 1/6.
    assert math.isclose(_log10_tail(4, 2, 2, 2), math.log10(1 / 6))
    # At least one marked: 1 - 1/6 (neither marked: C(2,2)/C(4,2)).
    assert math.isclose(_log10_tail(4, 2, 2, 1), math.log10(5 / 6))
    assert _log10_tail(4, 2, 2, 0) == 0.0
    assert _log10_tail(4, 2, 2, 3) == -math.inf
    # Drawing everything finds every marked item for sure.
    assert _log10_tail(10, 3, 10, 3) == 0.0


ORIGINAL = (
    "Engineers restored the northern railway bridge after flooding damaged its stone foundations "
    "near the old grain market and river port."
)
# Dice 0.4 with ORIGINAL: a seed, but one sentence of it is too little evidence on its own.
REWORDED = (
    "Technicians repaired the northern railway viaduct when floods harmed its stone footings "
    "close to the former wheat market and river harbour."
)


def _filler(prefix: str, first: int, sentences: int) -> str:
    """Sentences of eight made-up words each, none shared with another prefix or range."""
    def word(k: int) -> str:
        return f"{prefix}{chr(97 + (k // 26) % 26)}{chr(97 + k % 26)}x"

    return " ".join(" ".join(word(8 * s + w) for w in range(8)).capitalize() + "." for s in range(first, first + sentences))


def test_short_rewrite_inside_long_articles_is_rescued_by_its_concentration():
    around = 60
    a = f"{_filler('alp', 0, around)} {ORIGINAL} {_filler('alp', around, around)}"
    b = f"{_filler('bet', 0, around)} {REWORDED} {_filler('bet', around, around)}"
    index = _index(a, b)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages] == [(around, around + 1, around, around + 1)]
    assert passages[0].evidence < 4 and passages[0].surprise >= MIN_SURPRISE


def test_copy_spun_into_fragments_is_grown_from_its_one_seed():
    # Three copied sentences of eight words; the copy drops three of their words and spreads
    # the rest over five fragments, of which only the first holds three or more stems of one
    # source sentence: one seed, of too few words. Growth finds the whole run on both sides,
    # and none of the filler.
    around = 40
    words = _filler("cop", 0, 3).replace(".", "").lower().split()
    fragments = [[0, 1, 2, 3, 4], [5, 6, 8, 9], [7, 10, 16, 17], [11, 12, 18, 19], [13, 14, 20, 21]]
    copy = " ".join(" ".join(words[k] for k in fragment).capitalize() + "." for fragment in fragments)
    a = f"{_filler('alp', 0, around)} {_filler('cop', 0, 3)} {_filler('alp', around, around)}"
    b = f"{_filler('bet', 0, around)} {copy} {_filler('bet', around, around)}"
    index = _index(a, b)
    offsets, found = batch_seeds(index, np.array([[0, 1]]), 0.35)
    assert found[found[:, 3] == 1, :2].tolist() == [[around, around]]
    (passage,) = align_pair(index, 0, 1, 0.35, 3, 15)
    assert (passage.a_start, passage.a_end, passage.b_start, passage.b_end) == (around, around + 3, around, around + 5)
    assert passage.surprise >= MIN_SURPRISE and passage.seeds == 1


def test_evident_copy_takes_its_outer_fragments_when_they_fit_it_better():
    # Six copied sentences of eight words; the four inside are copied whole (seeds), the two
    # outside keep four of their words among twelve new ones (under the seeding threshold,
    # and trimmed as weak ends). Grown over them, the span fits the copy better than the
    # seeds' span, though not by the correction ``grow`` takes for the spans it chose among:
    # that is for deciding a pair on a span found by looking, and this passage is evidence
    # already, so it takes the span that fits it best.
    import math

    from provenance.surprise import grow_correction

    around = 40

    def words(prefix, sentence):
        return _filler(prefix, sentence, 1).replace(".", "").lower().split()

    def sentence(ws):
        return " ".join(ws).capitalize() + "."

    source = [words("cop", s) for s in range(6)]
    copy = [source[0][:4] + words("new", 0) + words("new", 50)[:4], *source[1:5],
            source[5][:4] + words("new", 5) + words("new", 55)[:4]]
    a = f"{_filler('alp', 0, around)} {' '.join(map(sentence, source))} {_filler('alp', around, around)}"
    b = f"{_filler('bet', 0, around)} {' '.join(map(sentence, copy))} {_filler('bet', around, around)}"
    index = _index(a, b)
    (passage,) = align_pair(index, 0, 1, 0.35, 3, 15)
    assert (passage.a_start, passage.a_end, passage.b_start, passage.b_end) == (around, around + 6, around, around + 6)
    assert passage.seeds == 4
    seeds_span = concentration(IndexArrays.of(index), 0, 1, around + 1, around + 5, around + 1, around + 5)
    assert passage.surprise < seeds_span < passage.surprise + grow_correction(4)
    assert math.isclose(grow_correction(4), 4 * math.log10(5))


def test_copy_of_too_few_words_as_its_seeds_lie_is_grown_beside_another_passage():
    # A pair with a verbatim copy, and a second copy elsewhere: two short sentences copied
    # whole between two fragments that keep three words of theirs. Its two seeds hold too few
    # words to judge, but are evidence; grown over the fragments, the span is surprising, so
    # it is a passage too, though its pair has one of evidence already.
    around = 30

    def sentence(ws):
        return " ".join(ws).capitalize() + "."

    w = _filler("cop", 0, 4).replace(".", "").lower().split()
    new = _filler("new", 0, 2).replace(".", "").lower().split()
    source = [w[0:8], w[8:14], w[14:20], w[20:28]]
    copy = [w[0:3] + new[0:8], w[8:14], w[14:20], w[20:23] + new[8:16]]
    verbatim = _filler("ver", 0, 4)
    a = (f"{_filler('alp', 0, around)} {verbatim} {_filler('alp', around, around)} "
         f"{' '.join(map(sentence, source))} {_filler('alp', 2 * around, around)}")
    b = (f"{_filler('bet', 0, around)} {verbatim} {_filler('bet', around, around)} "
         f"{' '.join(map(sentence, copy))} {_filler('bet', 2 * around, around)}")
    index = _index(a, b)
    passages = align_pair(index, 0, 1, 0.35, 3, 15)
    spans = [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages]
    first = 2 * around + 4
    assert spans == [(around, around + 4, around, around + 4), (first, first + 4, first, first + 4)]
    assert passages[1].seeds == 2 and passages[1].surprise >= MIN_SURPRISE


def stock_phrase_texts(around: int = 60) -> list[str]:
    """ORIGINAL after ``around`` filler sentences of one article, REWORDED after as many of another,
    and REWORDED in two short articles more: a stock phrase, three articles hold it."""
    return [f"{_filler('alp', 0, around)} {ORIGINAL} {_filler('alp', around, around)}",
            f"{_filler('bet', 0, around)} {REWORDED} {_filler('bet', around, around)}",
            f"{_filler('gam', 0, 3)} {REWORDED}", f"{REWORDED} {_filler('del', 0, 3)}"]


def test_stock_sentence_is_no_surprise():
    # REWORDED also stands in two more articles: a stock phrase, which any two of them share.
    around = 60
    index = _index(*stock_phrase_texts(around))
    assert index.stock[index.article_sentences[1] + around] and not index.stock[around]
    assert align_pair(index, 0, 1, 0.35, 3, 15) == []


def test_a_part_of_the_corpus_told_its_stock_sentences_aligns_as_the_whole_does():
    # Verifying a pair among only some of the corpus's articles (a Spark partition's), REWORDED
    # would be held by one article there, not three: a surprise, and a passage the whole corpus
    # does not give. Given the keys counted over the corpus (held_sentence_keys), the part flags
    # it stock as the whole does.
    from collections import Counter

    from provenance.sentences import STOCK_ARTICLES, held_sentence_keys

    shingled = [shingle_text(t) for t in stock_phrase_texts()]
    vocabulary = Vocabulary.build(shingled)
    whole = SentenceIndex.build(shingled, vocabulary)
    part = SentenceIndex.build(shingled[:2], vocabulary)
    assert align_pair(whole, 0, 1, 0.35, 3, 15) == [] and align_pair(part, 0, 1, 0.35, 3, 15) != []
    held = Counter(held_sentence_keys(shingled[:1], vocabulary).tolist() + held_sentence_keys(shingled[1:], vocabulary).tolist())
    stock = np.array(sorted(key for key, articles in held.items() if articles >= STOCK_ARTICLES), dtype=np.uint64)
    told = SentenceIndex.build(shingled[:2], vocabulary, stock)
    assert np.array_equal(told.stock, whole.stock[: len(told.stock)]) and told.stock.any()
    assert align_pair(told, 0, 1, 0.35, 3, 15) == []


def test_same_sentences_in_short_articles_are_no_surprise():
    # Two filler sentences each side: sharing six stems is no feat when there are few to share.
    a = f"{_filler('alp', 0, 2)} {ORIGINAL} {_filler('alp', 2, 2)}"
    b = f"{_filler('bet', 0, 2)} {REWORDED} {_filler('bet', 2, 2)}"
    index = _index(a, b)
    assert concentration(IndexArrays.of(index), 0, 1, 2, 3, 2, 3) < MIN_SURPRISE
    assert align_pair(index, 0, 1, 0.35, 3, 15) == []


def test_whole_article_copy_has_no_surprise_but_its_evidence():
    index = _index(STORY, STORY)
    assert concentration(IndexArrays.of(index), 0, 1, 0, 5, 0, 5) <= 0
    (passage,) = align_pair(index, 0, 1, 0.35, 3, 15)
    assert (passage.a_start, passage.a_end) == (0, 5) and passage.evidence > 8


def test_context_seed_next_to_a_seed_joins_its_passage():
    first = "Engineers restored the northern railway bridge after flooding damaged its foundations near the river port. "
    # Dice 0.27 with its partner: under the seeding threshold, over the context threshold.
    a = first + "Inspectors measured vibration levels along every span before approving the reopening of freight traffic."
    b = first + "Inspectors recorded vibration on each span prior to allowing cargo trains back onto the bridge."
    index = _index(a, b, OTHER)
    (passage,) = align_pair(index, 0, 1, 0.35, 3, 15)
    assert (passage.a_start, passage.a_end, passage.b_start, passage.b_end, passage.seeds) == (0, 2, 0, 2, 1)
    # Alone, the faint pair is no seed and no passage.
    alone = _index(a.split(". ")[1], b.split(". ")[1], OTHER)
    assert align_pair(alone, 0, 1, 0.35, 3, 3) == []


def test_name_on_one_side_only_keeps_similarity_at_most_one():
    plain = "Engineers restored the northern railway bridge after flooding damaged its foundations near the port."
    named = "Engineers restored the Northern Railway Bridge after flooding damaged its foundations near the Port."
    index = _index(plain, named, OTHER)
    (passage,) = align_pair(index, 0, 1, 0.35, 3, 5)
    # Ten shared stems, four of them names on one side: each counts its lighter weight (0.3).
    assert math.isclose(passage.similarity, 2 * (6 + 4 * 0.3) / (10 + 6 + 4 * 0.3))


def test_held_weights_weigh_the_stems_a_span_shares_by_their_rarity():
    shingled = [shingle_text(t) for t in (STORY, SPUN, OTHER, STORY[:170])]
    vocabulary = Vocabulary.build(shingled)
    index = SentenceIndex.build(shingled, vocabulary)
    rarity = dict(zip(vocabulary.stems.tolist(), np.log1p(4 / vocabulary.df).tolist()))

    def stems(article: int, start: int, end: int) -> set[int]:
        s = shingled[article]
        return set(s.hashes[s.sentence_starts[start] : s.sentence_starts[end]].tolist())

    rows = np.array([(1, 0, 4, 0, 0, 5), (0, 0, 5, 1, 0, 4), (0, 1, 3, 1, 0, 1), (2, 0, 3, 0, 0, 5)], dtype=np.int64)
    got = held_weights(IndexArrays.of(index), rows)
    for (a, a0, a1, b, b0, b1), (held, total) in zip(rows.tolist(), got.tolist()):
        mine, theirs = stems(a, a0, a1), stems(b, b0, b1)
        assert math.isclose(total, sum(rarity[t] for t in mine))
        assert math.isclose(held, sum(rarity[t] for t in mine & theirs), abs_tol=1e-12)
    assert 0 < got[0, 0] < got[0, 1] and got[3, 0] == 0  # the spun copy holds some of the story; the other none


words = st.sampled_from("bridge railway grain farmers span vibration concert ticket hall season flood train".split())
sentences = st.lists(words, min_size=3, max_size=9).map(lambda ws: " ".join(ws).capitalize() + ".")
texts = st.lists(sentences, min_size=1, max_size=12).map(" ".join)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(texts, texts)
def test_passages_inside_both_texts_sorted_and_disjoint(a, b):
    index = _index(a, b)
    passages = align_pair(index, 0, 1, 0.35, 3, 3)
    for p in passages:
        assert 0 <= p.a_start < p.a_end <= index.sentences(0)
        assert 0 <= p.b_start < p.b_end <= index.sentences(1)
        assert 0.0 <= p.similarity <= 1.0 + 1e-9
    assert passages == sorted(passages, key=lambda p: (p.a_start, p.b_start))
    for x, y in zip(passages, passages[1:]):
        assert x.a_end <= y.a_start
    spans_b = sorted((p.b_start, p.b_end) for p in passages)
    for (s1, e1), (s2, e2) in zip(spans_b, spans_b[1:]):
        assert e1 <= s2


def _cluster_reference(found, max_gap):
    """The union-find ``_cluster`` runs compiled, in plain Python."""
    from provenance.align import CONDENSED_GAP_FACTOR

    parent = list(range(len(found)))

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    reach = max_gap + 1
    far = reach * CONDENSED_GAP_FACTOR
    rows = found.tolist()
    lo = 0
    for k, (i, j, _) in enumerate(rows):
        while rows[lo][0] < i - far:
            lo += 1
        for m in range(lo, k):
            di, dj = i - rows[m][0], abs(j - rows[m][1])
            if (di <= reach and dj <= far) or (dj <= reach and di <= far):
                parent[root(m)] = root(k)
    groups = {}
    for k in range(len(rows)):
        groups.setdefault(root(k), []).append(k)
    return [found[members] for _, members in sorted(groups.items())]


def test_cluster_roots_group_as_the_python_union_find():
    from provenance.align import _cluster_roots

    rng = np.random.default_rng(4)
    for _ in range(200):
        n = int(rng.integers(0, 40))
        found = np.stack([rng.integers(0, 60, n), rng.integers(0, 60, n), rng.integers(0, 10**6, n)], axis=1).astype(np.int64)
        found = found[np.lexsort((found[:, 1], found[:, 0]))]
        roots = _cluster_roots(found[:, 0].copy(), found[:, 1].copy(), 4, 8)
        order = np.argsort(roots, kind="stable")
        got = [found[members] for members in np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)] if n else []
        want = _cluster_reference(found, 3)
        assert len(got) == len(want) and all(np.array_equal(g, w) for g, w in zip(got, want))


# --- the passage extension compiled code replaces, written plainly --------------------------------


def _span_similarity_reference(index, a, b, a_span, b_span):
    """Weighted Dice of two spans' stem sets; a stem weighs what it does where it first occurs in its article."""
    def stems(article, span):
        base = index.article_sentences[article]
        lo, hi = index.sentence_offsets[base + span[0]], index.sentence_offsets[base + span[1]]
        doc = slice(index.sentence_offsets[base], index.sentence_offsets[index.article_sentences[article + 1]])
        unique = np.unique(index.hashes[lo:hi])
        weights = np.where(index.sorted_plain[doc][np.searchsorted(index.sorted_hashes[doc], unique)], 1.0, ENTITY_WEIGHT)
        return unique, weights

    (set_a, w_a), (set_b, w_b) = stems(a, a_span), stems(b, b_span)
    total, shared = 0.0, 0.0
    for own, own_w, other, other_w in ((set_a, w_a, set_b, w_b), (set_b, w_b, set_a, w_a)):
        for h, w in zip(own.tolist(), own_w.tolist()):
            total += w
            k = int(np.searchsorted(other, np.uint64(h)))
            if k < len(other) and other[k] == h:
                shared += w
                if other_w[k] < w:
                    shared -= w - other_w[k]
    return (shared / total if total > 0 else 0.0), len(set_a), len(set_b)


def _concentration_reference(index, a, b, a_span, b_span):
    tail_a, tail_b = _tails_reference(index, a, b, a_span, b_span)
    return -min(tail_a, tail_b) - math.log10(max(1, index.sentences(a) * index.sentences(b)))


def _tails_reference(index, a, b, a_span, b_span):
    """The hypergeometric tails ``concentration`` takes the smaller of, side ``a``'s and side ``b``'s."""
    def article_stems(article):
        base, last = index.article_sentences[article], index.article_sentences[article + 1]
        lo, hi = index.sentence_offsets[base], index.sentence_offsets[last]
        return np.unique(index.hashes[lo:hi][index.plain[lo:hi]])

    def span_stems(article, span):
        base = index.article_sentences[article]
        lo, hi = index.sentence_offsets[base + span[0]], index.sentence_offsets[base + span[1]]
        return np.unique(index.hashes[lo:hi][index.plain[lo:hi]])

    stems_a, stems_b = article_stems(a), article_stems(b)
    span_a, span_b = span_stems(a, a_span), span_stems(b, b_span)
    shared = len(np.intersect1d(span_a, span_b, assume_unique=True))
    a_in_b = len(np.intersect1d(span_a, stems_b, assume_unique=True))
    b_in_a = len(np.intersect1d(span_b, stems_a, assume_unique=True))
    return _log10_tail(len(stems_a), len(span_a), b_in_a, shared), _log10_tail(len(stems_b), len(span_b), a_in_b, shared)


def _grow_reference(index, a, b, a_span, b_span, reach):
    """``surprise.grow`` written plainly: widen by ``reach``, then take one side's best fitting span for the
    other side's, in turn, until neither changes (of equal fits the narrower, then the first)."""
    n_a, n_b = index.sentences(a), index.sentences(b)
    choices = [[(c0, c1) for c0 in range(max(0, span[0] - reach), span[0] + 1) for c1 in range(span[1], min(n, span[1] + reach) + 1)]
               for span, n in ((a_span, n_a), (b_span, n_b))]
    box = [choices[0][min(n_a, a_span[1] + reach) - a_span[1]], choices[1][min(n_b, b_span[1] + reach) - b_span[1]]]
    assert box == [(max(0, a_span[0] - reach), min(n_a, a_span[1] + reach)), (max(0, b_span[0] - reach), min(n_b, b_span[1] + reach))]
    for _ in range(8):
        before = list(box)
        for side in (0, 1):
            def fit(span):
                spans = (span, box[1]) if side == 0 else (box[0], span)
                return -sum(_tails_reference(index, a, b, *spans)), -(span[1] - span[0])
            box[side] = max(choices[side], key=fit)  # max keeps the first of equals
        if box == before:
            break
    return box[0], box[1], _concentration_reference(index, a, b, box[0], box[1]) - 4 * math.log10(reach + 1)


def _diagonal_distance_reference(found):
    single = np.ones(len(found), dtype=bool)
    for column in (0, 1):
        _, inverse, counts = np.unique(found[:, column], return_inverse=True, return_counts=True)
        single &= counts[inverse] == 1
    offset = found[:, 1] - found[:, 0]
    if not single.any():
        return np.abs(offset - np.median(offset))
    anchors = np.flatnonzero(single)
    anchors = anchors[np.argsort(found[anchors, 0], kind="stable")]
    at = found[anchors, 0]
    x = np.searchsorted(at, found[:, 0])
    lo, hi = np.clip(x - 1, 0, len(at) - 1), np.clip(x, 0, len(at) - 1)
    gap_lo = np.where(x >= 1, np.abs(at[lo] - found[:, 0]), np.inf)
    gap_hi = np.where(x < len(at), np.abs(at[hi] - found[:, 0]), np.inf)
    nearest = anchors[np.where(gap_hi < gap_lo, hi, lo)]
    return np.abs(offset - offset[nearest]).astype(float)


def _top_ranked_reference(keys, scores, k, distance):
    order = np.lexsort((distance, -scores, keys))
    sorted_keys = keys[order]
    rank = np.arange(len(keys)) - np.searchsorted(sorted_keys, sorted_keys, side="left")
    mask = np.zeros(len(keys), dtype=bool)
    mask[order[rank < k]] = True
    return mask


def _copied_partners_reference(found, reach):
    from provenance.align import VERBATIM_SCORE

    keep = np.ones(len(found), dtype=bool)
    copied = found[:, 2] >= VERBATIM_SCORE
    for column in range(2):
        same = found[:, column][:, None] == found[:, column][None, :]
        near = np.abs(found[:, 1 - column][:, None] - found[:, 1 - column][None, :]) <= reach
        has_copy = (same & copied[None, :]).any(axis=1)
        near_copy = (same & near & copied[None, :]).any(axis=1)
        keep &= copied | ~has_copy | near_copy
    return found[keep]


def _identical_partners_reference(index, a, b, found, reach):
    from provenance.align import VERBATIM_SCORE

    def stems(article, sentence):
        lo = index.sentence_offsets[index.article_sentences[article] + sentence]
        hi = index.sentence_offsets[index.article_sentences[article] + sentence + 1]
        return set(index.hashes[lo:hi].tolist())

    identical = np.zeros(len(found), dtype=bool)
    for r, (i, j, score) in enumerate(found[:, :3].tolist()):
        if score >= VERBATIM_SCORE:
            x, y = stems(a, i), stems(b, j)
            identical[r] = 2 * len(x & y) * 1_000_000 >= VERBATIM_SCORE * (len(x) + len(y))
    keep = np.ones(len(found), dtype=bool)
    for column in range(2):
        same = found[:, column][:, None] == found[:, column][None, :]
        near = np.abs(found[:, 1 - column][:, None] - found[:, 1 - column][None, :]) <= reach
        keep &= identical | ~(same & near & identical[None, :]).any(axis=1)
    return found[keep]


def _trim_reference(group, strong):
    """``_trim_weak_ends``; ``strong``: whether each row of ``group`` is a seed (not a context seed)."""
    from provenance.align import TRIM_RATIO

    if len(group) < 3:
        return group
    floor = TRIM_RATIO * float(np.median(group[strong, 2] if strong.any() else group[:, 2]))
    for column in (0, 1):
        ordered = group[np.argsort(group[:, column], kind="stable")]
        first, last = 0, len(ordered)
        while last - first > 2 and ordered[first, 2] < floor:
            first += 1
        while last - first > 2 and ordered[last - 1, 2] < floor:
            last -= 1
        group = ordered[first:last]
    return group


def _trim_skipped_reference(group, reach):
    from provenance.align import CONDENSED_GAP_FACTOR

    changed = True
    while changed and len(group) > 2:
        changed = False
        longer, shorter = sorted((int(np.ptp(group[:, 0])) + 1, int(np.ptp(group[:, 1])) + 1), reverse=True)
        if longer >= CONDENSED_GAP_FACTOR * shorter:
            break
        for column in (0, 1):
            ordered = group[np.argsort(group[:, column], kind="stable")]
            values = ordered[:, column]
            first_value, last_value = values[0], values[-1]
            inner = values[(values != first_value) & (values != last_value)]
            if len(inner) < 2 or (np.diff(np.concatenate(([inner[0]], inner))) > reach).any():
                continue
            if inner[0] - first_value > reach:
                group, changed = ordered[values != first_value], True
            elif last_value - inner[-1] > reach:
                group, changed = ordered[values != last_value], True
            if changed:
                break
    return group


def _drop_repeats_reference(index, a, b, group, reach, threshold):
    """``_drop_repeats`` as first written, in numpy."""
    if len(group) < 3:
        return group
    offset = group[:, 1] - group[:, 0]
    single = np.ones(len(group), dtype=bool)
    for column in (0, 1):
        _, inverse, counts = np.unique(group[:, column], return_inverse=True, return_counts=True)
        single &= counts[inverse] == 1
    distance = np.abs(offset - np.median(offset[single] if single.any() else offset))
    keep = np.ones(len(group), dtype=bool)
    for column, article in ((0, a), (1, b)):
        other = group[:, 1 - column]
        order = np.lexsort((distance, other))
        first = np.searchsorted(other[order], other[order], side="left")
        anchor = np.empty(len(group), dtype=group.dtype)
        anchor[order] = group[order[first], column]
        for r in np.flatnonzero(np.abs(group[:, column] - anchor) > reach):
            mine, line = int(group[r, column]), int(anchor[r])
            if _span_similarity_reference(index, article, article, (mine, mine + 1), (line, line + 1))[0] >= threshold:
                keep[r] = False
    return group[keep]


def _extend_reference(index, a, b, found, max_gap, min_words, threshold):
    """``extend`` for one pair, as it was written in numpy and Python before it was compiled."""
    from provenance.align import (
        CONTEXT_REACH, FAINT_RATIO, MAX_PARTNERS, MIN_PASSAGE_EVIDENCE, MIN_PASSAGE_SIMILARITY, SUMMARY_FACTOR,
        SUMMARY_RATIO, SentencePassage,
    )

    if len(found) == 0 or not found[:, 3].any():
        return []
    width = index.sentences(b) + 1
    strong_rows = found[found[:, 3] == 1, :3]
    context = found[found[:, 3] == 0, :3]
    strong = np.sort(strong_rows[:, 0] * width + strong_rows[:, 1])
    steps = np.arange(-CONTEXT_REACH, CONTEXT_REACH + 1)
    query = (context[:, 0] * width + context[:, 1])[:, None] + (steps[:, None] * width + steps[None, :]).ravel()[None, :]
    near = strong[np.minimum(np.searchsorted(strong, query), len(strong) - 1)] == query
    found = np.concatenate((strong_rows, context[near.any(axis=1)]))
    found = found[np.lexsort((found[:, 1], found[:, 0]))]
    distance = _diagonal_distance_reference(found)
    partners = _top_ranked_reference(found[:, 0], found[:, 2], MAX_PARTNERS, distance)
    found = found[partners & _top_ranked_reference(found[:, 1], found[:, 2], MAX_PARTNERS, distance)]
    found = _copied_partners_reference(found, max_gap + 1)
    found = _identical_partners_reference(index, a, b, found, max_gap + 1)
    passages, surprising, faint = [], [], []
    group_of = {}  # id of an evident passage -> its seed group
    # Each group less its repeats, grouped again.
    groups = [
        part
        for whole in _cluster_reference(found, max_gap)
        for part in _cluster_reference(_drop_repeats_reference(index, a, b, whole, max_gap + 1, threshold), max_gap)
    ]
    for group in groups:
        group = _trim_skipped_reference(_trim_reference(group, np.isin(group[:, 0] * width + group[:, 1], strong)), max_gap + 1)
        seeds = int(np.isin(group[:, 0] * width + group[:, 1], strong).sum())
        if seeds == 0:
            continue
        a_span = (int(group[:, 0].min()), int(group[:, 0].max()) + 1)
        b_span = (int(group[:, 1].min()), int(group[:, 1].max()) + 1)
        similarity, size_a, size_b = _span_similarity_reference(index, a, b, a_span, b_span)
        small = max(size_a, size_b) < min_words or min(size_a, size_b) < min_words // 2
        surprise = -math.inf if small else _concentration_reference(index, a, b, a_span, b_span)
        passage = SentencePassage(*a_span, *b_span, seeds, similarity, min(size_a, size_b), surprise)
        stock = index.stock[index.article_sentences[a] + group[:, 0]] | index.stock[index.article_sentences[b] + group[:, 1]]
        regrown = False
        if small and passage.evidence >= MIN_PASSAGE_EVIDENCE and similarity >= MIN_PASSAGE_SIMILARITY and not stock.all():
            # Evidence of too few words: its grown span is judged instead, as a rescue's is.
            grown_a, grown_b, grown = _grow_reference(index, a, b, a_span, b_span, max_gap + 1)
            grown_similarity, grown_size_a, grown_size_b = _span_similarity_reference(index, a, b, grown_a, grown_b)
            if (grown >= MIN_SURPRISE and grown_similarity >= MIN_PASSAGE_SIMILARITY
                    and max(grown_size_a, grown_size_b) >= min_words and min(grown_size_a, grown_size_b) >= min_words // 2):
                a_span, b_span, surprise, small, regrown = grown_a, grown_b, grown, False, True
                similarity, size_a, size_b = grown_similarity, grown_size_a, grown_size_b
                passage = SentencePassage(*a_span, *b_span, seeds, similarity, min(size_a, size_b), surprise)
        if not small and passage.evidence >= MIN_PASSAGE_EVIDENCE and similarity >= MIN_PASSAGE_SIMILARITY:
            # An evident passage takes the span its growth finds, if that is more surprising (before
            # growth's correction for the spans it chose among) and still as similar as a passage must be.
            grown_a, grown_b, grown = _grow_reference(index, a, b, a_span, b_span, max_gap + 1) if not regrown else (a_span, b_span, -math.inf)
            if grown + 4 * math.log10(max_gap + 2) > surprise:
                grown_similarity, size_a, size_b = _span_similarity_reference(index, a, b, grown_a, grown_b)
                if grown_similarity >= MIN_PASSAGE_SIMILARITY:  # a lone seed's passage keeps its size
                    similarity = grown_similarity
                    size = min(size_a, size_b) if seeds > 1 else passage.size
                    passage = SentencePassage(*grown_a, *grown_b, seeds, similarity, size, grown)
            passages.append(passage)
            group_of[id(passage)] = group
        elif stock.all():
            continue
        elif not small and surprise >= MIN_SURPRISE:
            surprising.append(passage)
        else:
            faint.append((a_span, b_span, seeds))
    if not passages:
        # Faint groups, grown, rescue a pair without a passage of evidence.
        for a_span, b_span, seeds in faint:
            a_span, b_span, surprise = _grow_reference(index, a, b, a_span, b_span, max_gap + 1)
            similarity, size_a, size_b = _span_similarity_reference(index, a, b, a_span, b_span)
            if surprise >= MIN_SURPRISE and max(size_a, size_b) >= min_words and min(size_a, size_b) >= min_words // 2:
                surprising.append(SentencePassage(*a_span, *b_span, seeds, similarity, min(size_a, size_b), surprise))
    passages = passages or surprising
    passages.sort(key=lambda p: (-p.seeds, -p.similarity, p.a_start, p.b_start))
    def overlaps(p, q):
        return (p.a_start < q.a_end and q.a_start < p.a_end) or (p.b_start < q.b_end and q.b_start < p.b_end)

    kept = []
    for p in passages:
        if not any(overlaps(p, q) for q in kept):
            kept.append(p)
            continue
        if id(p) not in group_of:
            continue
        # An evident passage that overlaps a kept one is still one on its seeds outside every kept passage.
        group = group_of[id(p)]
        rest = group[[not any(q.a_start <= i < q.a_end or q.b_start <= j < q.b_end for q in kept) for i, j in group[:, :2].tolist()]]
        seeds = int(np.isin(rest[:, 0] * width + rest[:, 1], strong).sum())
        if seeds == 0:
            continue
        a_span = (int(rest[:, 0].min()), int(rest[:, 0].max()) + 1)
        b_span = (int(rest[:, 1].min()), int(rest[:, 1].max()) + 1)
        similarity, size_a, size_b = _span_similarity_reference(index, a, b, a_span, b_span)
        if max(size_a, size_b) < min_words or min(size_a, size_b) < min_words // 2:
            continue
        rest_passage = SentencePassage(*a_span, *b_span, seeds, similarity, min(size_a, size_b),
                                       _concentration_reference(index, a, b, a_span, b_span))
        if rest_passage.evidence >= MIN_PASSAGE_EVIDENCE and similarity >= MIN_PASSAGE_SIMILARITY and not any(
            overlaps(rest_passage, q) for q in kept
        ):
            kept.append(rest_passage)
    merged = sorted(kept, key=lambda p: (p.a_start, p.b_start))
    far = (max_gap + 1) * SUMMARY_FACTOR
    changed = True
    while changed and len(merged) > 1:
        changed = False
        for k in range(len(merged) - 1):
            x, y = merged[k], merged[k + 1]
            gap_a, gap_b = y.a_start - x.a_end, y.b_start - x.b_end
            if gap_b < 0 or not ((gap_a == 0 and gap_b <= far) or (gap_b == 0 and gap_a <= far)):
                continue
            a_span, b_span = (x.a_start, y.a_end), (x.b_start, y.b_end)
            longer, shorter = sorted((a_span[1] - a_span[0], b_span[1] - b_span[0]), reverse=True)
            if longer < SUMMARY_RATIO * shorter:
                continue
            similarity, size_a, size_b = _span_similarity_reference(index, a, b, a_span, b_span)
            merged[k : k + 2] = [
                SentencePassage(*a_span, *b_span, x.seeds + y.seeds, similarity, min(size_a, size_b), max(x.surprise, y.surprise))
            ]
            changed = True
            break
    strongest = max((p.similarity for p in merged), default=0.0)
    return [p for p in merged if p.similarity >= FAINT_RATIO * strongest]


def test_weak_ends_are_judged_against_the_seeds_not_their_context():
    from provenance.align import _trim_weak_ends

    # Four sentences copied word for word, a weaker seed past their end in both articles, and
    # context seeds pairing the copied sentences with the sentence after the copy's source.
    # Counted in, the context seeds would pull the middle down to where both ends stay.
    copied = [(k, k + 4, 1_000_000, 1) for k in range(4)]
    context = [(k, 8, 400_000 + 50_000 * (k % 2), 0) for k in range(4)]
    group = np.array(copied + [(4, 3, 500_000, 1)] + context, dtype=np.int64)
    group = group[np.lexsort((group[:, 1], group[:, 0]))]
    kept = _trim_weak_ends(group)
    assert sorted(map(tuple, kept[:, :2].tolist())) == [(0, 4), (1, 5), (2, 6), (3, 7)]


def test_a_seed_past_a_skip_at_a_copys_end_is_dropped_but_not_a_summarys():
    from provenance.align import _trim_skipped_ends

    # Sentences 156-161 copied as 6-10, and sentence 154 on the same subject as the title, 0:
    # it lies six sentences before the rest in the source, which otherwise follow each other.
    copy = np.array([(154, 0, 750_000, 1), (156, 6, 430_000, 1), (158, 7, 1_000_000, 1), (159, 8, 1_000_000, 1),
                     (160, 9, 1_000_000, 1), (161, 10, 1_000_000, 1)], dtype=np.int64)
    assert _trim_skipped_ends(copy, 4)[:, :2].tolist() == copy[1:, :2].tolist()
    # A summary's three sentences drawn from all over eleven of its source: it skips by nature.
    summary = np.array([(0, 0, 400_000, 1), (1, 5, 400_000, 1), (2, 7, 400_000, 1), (2, 10, 400_000, 1)], dtype=np.int64)
    assert _trim_skipped_ends(summary, 4).tolist() == summary.tolist()


def test_a_passage_far_fainter_than_its_pairs_closest_is_dropped():
    from provenance.align import FAINT_RATIO, _drop_faint

    # Three passages of one pair after two of another's (which stay as they are).
    spans = np.arange(30, dtype=np.int64).reshape(5, 6)
    similarity = np.array([0.2, 0.95, 0.9, 0.9 * FAINT_RATIO - 0.01, 0.9 * FAINT_RATIO + 0.01])
    surprise = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert _drop_faint(spans, similarity, surprise, 2, 3) == 2
    assert similarity[:4].tolist() == [0.2, 0.95, 0.9, 0.9 * FAINT_RATIO + 0.01]
    assert surprise[:4].tolist() == [1.0, 2.0, 3.0, 5.0] and spans[3].tolist() == list(range(24, 30))
    # A lone passage is never faint beside itself.
    assert _drop_faint(spans, similarity, surprise, 0, 1) == 1


def test_copies_of_neighbouring_paragraphs_set_apart_are_two_passages_not_a_summary():
    # Two paragraphs two sentences apart in the source, copied thirty sentences apart: long on
    # one side, short on the other, like a summary, but the copies are not consecutive.
    first, second = _filler("gam", 0, 5), _filler("gam", 7, 5)
    source = f"{_filler('alp', 0, 40)} {first} {_filler('gam', 5, 2)} {second} {_filler('alp', 40, 40)}"
    copier = f"{_filler('bet', 0, 40)} {first} {_filler('bet', 40, 30)} {second} {_filler('bet', 70, 40)}"
    passages = align_pair(_index(source, copier), 0, 1, 0.35, 3, 15)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in passages] == [(40, 45, 40, 45), (47, 52, 75, 80)]


def _assert_extend_equals_reference(index, pairs, threshold=0.35, max_gap=3, min_words=15):
    from provenance.align import extend
    from provenance.sentences import batch_seeds

    offsets, found = batch_seeds(index, pairs, threshold)
    ranges = np.stack([offsets[:-1], offsets[1:]], axis=1)
    got = extend(index, pairs, ranges, found, max_gap, min_words, threshold)
    for (a, b), (first, last), passages in zip(pairs.tolist(), ranges.tolist(), got):
        want = _extend_reference(index, a, b, found[first:last], max_gap, min_words, threshold)
        # Exact: same spans, same floats, Python types.
        assert passages == want
        assert all(type(p.similarity) is float and type(p.a_start) is int for p in passages)
    return got


def test_extend_equals_the_numpy_reference_on_the_seed_corpus(seeds_dir):
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    texts += [STORY, SPUN, OTHER, STORY + " " + SPUN, SPUN + " " + OTHER + " " + STORY]
    # Long articles, so that short spans' stems are sorted out of their own entries (SHORT_SPAN_FACTOR).
    texts += [f"{_filler('alp', 0, 60)} {STORY} {_filler('alp', 60, 60)}", f"{_filler('bet', 0, 80)} {SPUN} {ORIGINAL}"]
    index = _index(*texts)
    pairs = np.array([(a, b) for a in range(len(texts)) for b in range(len(texts)) if a != b], dtype=np.int64)
    got = _assert_extend_equals_reference(index, pairs, min_words=5)
    assert sum(map(len, got)) > 10


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(texts, min_size=2, max_size=5))
def test_extend_equals_the_numpy_reference_on_random_articles(articles):
    index = _index(*articles)
    pairs = np.array([(a, b) for a in range(len(articles)) for b in range(a + 1, len(articles))], dtype=np.int64)
    for min_words, max_gap in ((3, 3), (6, 1)):
        _assert_extend_equals_reference(index, pairs, 0.3, max_gap, min_words)
