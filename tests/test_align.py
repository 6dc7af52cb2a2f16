"""align: seeding, extension and filtering of passages, tolerant of spinning."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from provenance.align import SentenceIndex, align_pair
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


def _index_reference(shingled, articles):
    """The per-article loop ``SentenceIndex.build`` replaces, written plainly."""
    from provenance.align import ENTITY_WEIGHT

    hashes, weights, sizes, sorted_hashes, sorted_sentences, sorted_weights, per_article = [], [], [], [], [], [], []
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
    sentence_offsets = np.concatenate(([0], np.cumsum(np.concatenate(sizes)))).astype(np.int64)
    flat_weights = np.concatenate(weights)
    return SentenceIndex(
        articles, np.concatenate(hashes), sentence_offsets, np.concatenate(([0], np.cumsum(per_article))).astype(np.int64),
        np.concatenate(sorted_hashes), np.concatenate(sorted_sentences).astype(np.int64), np.concatenate(sorted_weights),
        np.add.reduceat(flat_weights, sentence_offsets[:-1]),
    )


def test_sentence_index_equals_the_per_article_loop(seeds_dir):
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    texts += ["", "Only stopwords: the and of.", "Kim met Kim. Kim met Putin, Putin met Kim! 2023 2023 2023."]
    shingled = [shingle_text(t) for t in texts]
    got = SentenceIndex.build(shingled, Vocabulary.build(shingled))
    want = _index_reference(shingled, len(texts))
    for field in ("hashes", "sentence_offsets", "article_sentences", "sorted_hashes", "sorted_sentences", "sorted_weights", "sentence_weights"):
        g, w = getattr(got, field), getattr(want, field)
        assert g.dtype == w.dtype and np.array_equal(g, w), field
