"""align: seeding, extension and filtering of passages, tolerant of spinning."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings, strategies as st

from provenance.align import MIN_SURPRISE, SentenceIndex, _log10_tail, align_pair, concentration
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


def test_stock_sentence_is_no_surprise():
    # REWORDED also stands in two more articles: a stock phrase, which any two of them share.
    around = 60
    a = f"{_filler('alp', 0, around)} {ORIGINAL} {_filler('alp', around, around)}"
    b = f"{_filler('bet', 0, around)} {REWORDED} {_filler('bet', around, around)}"
    index = _index(a, b, f"{_filler('gam', 0, 3)} {REWORDED}", f"{REWORDED} {_filler('del', 0, 3)}")
    assert index.stock[index.article_sentences[1] + around] and not index.stock[around]
    assert align_pair(index, 0, 1, 0.35, 3, 15) == []


def test_same_sentences_in_short_articles_are_no_surprise():
    # Two filler sentences each side: sharing six stems is no feat when there are few to share.
    a = f"{_filler('alp', 0, 2)} {ORIGINAL} {_filler('alp', 2, 2)}"
    b = f"{_filler('bet', 0, 2)} {REWORDED} {_filler('bet', 2, 2)}"
    index = _index(a, b)
    assert concentration(index, 0, 1, (2, 3), (2, 3)) < MIN_SURPRISE
    assert align_pair(index, 0, 1, 0.35, 3, 15) == []


def test_whole_article_copy_has_no_surprise_but_its_evidence():
    index = _index(STORY, STORY)
    assert concentration(index, 0, 1, (0, 5), (0, 5)) <= 0
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


def _stock_reference(hashes, sentence_sizes):
    from provenance.align import STOCK_ARTICLES

    keys = []
    for h, sizes in zip(hashes, sentence_sizes):
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        sums = np.add.reduceat(h, np.minimum(starts, max(len(h) - 1, 0))) if len(h) else np.zeros(len(sizes), np.uint64)
        sums = np.where(sizes > 0, sums, 0).astype(np.uint64)
        keys.append(sums ^ (sizes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)))
    distinct, counts = np.unique(np.concatenate([np.unique(k) for k in keys]), return_counts=True)
    return counts[np.searchsorted(distinct, np.concatenate(keys))] >= STOCK_ARTICLES


def _index_reference(shingled, vocabulary):
    """The per-article loop ``SentenceIndex.build`` replaces, written plainly (stems as vocabulary ranks)."""
    from provenance.align import ENTITY_WEIGHT

    hashes, weights, sizes, sorted_hashes, sorted_sentences, sorted_weights, per_article, plain_stems = [], [], [], [], [], [], [], []
    for item in shingled:
        counts = np.diff(item.sentence_starts)
        sentence_of = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        order = np.lexsort((item.hashes, sentence_of))
        h, sent, entity = item.hashes[order], sentence_of[order], item.entity[order]
        distinct = np.ones(len(h), dtype=bool)
        distinct[1:] = (h[1:] != h[:-1]) | (sent[1:] != sent[:-1])
        h, sent, w = h[distinct], sent[distinct], np.where(entity[distinct], ENTITY_WEIGHT, 1.0)
        by_stem = np.argsort(h, kind="stable")
        hashes.append(h)
        weights.append(w)
        sizes.append(np.bincount(sent, minlength=len(counts)))
        per_article.append(len(counts))
        sorted_hashes.append(h[by_stem])
        sorted_sentences.append(sent[by_stem])
        sorted_weights.append(w[by_stem])
        plain = h[by_stem][w[by_stem] == 1.0]
        plain_stems.append(plain[np.concatenate(([True], plain[1:] != plain[:-1]))] if len(plain) else plain)
    sentence_offsets = np.concatenate(([0], np.cumsum(np.concatenate(sizes)))).astype(np.int64)
    flat_weights = np.concatenate(weights)
    return SentenceIndex(
        vocabulary.articles, vocabulary.ranks(np.concatenate(hashes)), sentence_offsets, np.concatenate(([0], np.cumsum(per_article))).astype(np.int64),
        vocabulary.ranks(np.concatenate(sorted_hashes)), np.concatenate(sorted_sentences).astype(np.int32), np.concatenate(sorted_weights),
        np.add.reduceat(flat_weights, sentence_offsets[:-1]), flat_weights == 1.0, vocabulary.ranks(np.concatenate(plain_stems)),
        np.concatenate(([0], np.cumsum([len(x) for x in plain_stems]))).astype(np.int64), _stock_reference(hashes, sizes),
    )


def test_sentence_index_equals_the_per_article_loop(seeds_dir):
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    texts += ["", "Only stopwords: the and of.", "Kim met Kim. Kim met Putin, Putin met Kim! 2023 2023 2023."]
    texts += ["As many readers will already understand, markets moved. Prices rose."] * 4  # a stock sentence
    shingled = [shingle_text(t) for t in texts]
    vocabulary = Vocabulary.build(shingled)
    got = SentenceIndex.build(shingled, vocabulary)
    want = _index_reference(shingled, vocabulary)
    assert got.stock.any()
    for field in ("hashes", "sentence_offsets", "article_sentences", "sorted_hashes", "sorted_sentences", "sorted_weights",
                  "sentence_weights", "plain", "plain_stems", "plain_offsets", "stock"):
        g, w = getattr(got, field), getattr(want, field)
        assert g.dtype == w.dtype and np.array_equal(g, w), field


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


def test_cluster_equals_the_python_union_find():
    from provenance.align import _cluster

    rng = np.random.default_rng(4)
    for _ in range(200):
        n = int(rng.integers(0, 40))
        found = np.stack([rng.integers(0, 60, n), rng.integers(0, 60, n), rng.integers(0, 10**6, n)], axis=1).astype(np.int64)
        found = found[np.lexsort((found[:, 1], found[:, 0]))]
        got, want = _cluster(found, 3), _cluster_reference(found, 3)
        assert len(got) == len(want) and all(np.array_equal(g, w) for g, w in zip(got, want))
