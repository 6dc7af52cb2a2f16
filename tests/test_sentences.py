"""sentences: the sentence index against a plain per-article loop (seeding is tested through ``align``)."""

from __future__ import annotations

import dataclasses

import numpy as np

from provenance.sentences import ENTITY_WEIGHT, STOCK_ARTICLES, SentenceIndex, sentence_number_type
from provenance.shingle import FlatShingles, Vocabulary, shingle_text


def _stock_reference(hashes, sentence_sizes):
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
    hashes, weights, sizes, sorted_hashes, sorted_sentences, sorted_plain, per_article = [], [], [], [], [], [], []
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
        sorted_plain.append(w[by_stem] == 1.0)
    sentence_offsets = np.concatenate(([0], np.cumsum(np.concatenate(sizes)))).astype(np.int64)
    flat_weights = np.concatenate(weights)
    return SentenceIndex(
        vocabulary.articles, vocabulary.ranks(np.concatenate(hashes)), sentence_offsets, np.concatenate(([0], np.cumsum(per_article))).astype(np.int64),
        vocabulary.ranks(np.concatenate(sorted_hashes)), np.concatenate(sorted_sentences).astype(sentence_number_type(max(per_article, default=0) - 1)), np.concatenate(sorted_plain),
        np.add.reduceat(flat_weights, sentence_offsets[:-1]), flat_weights == 1.0, _stock_reference(hashes, sizes),
        np.log(vocabulary.articles / np.maximum(vocabulary.df, 1)),
    )


def test_sentence_numbers_past_two_bytes_are_kept_whole():
    # 70,000 sentences in one article: more than two bytes count, so sentence numbers are int32.
    texts = ["Kim met Putin in Hanoi. " * 70_000, "Putin met Kim in Hanoi. Trade talks resumed."]
    shingled = [shingle_text(t) for t in texts]
    vocabulary = Vocabulary.build(shingled)
    got, want = SentenceIndex.build(shingled, vocabulary), _index_reference(shingled, vocabulary)
    assert got.sorted_sentences.dtype == np.int32 and got.sentences(0) == 70_000
    assert np.array_equal(got.sorted_sentences, want.sorted_sentences) and np.array_equal(got.sorted_hashes, want.sorted_hashes)


def test_sentence_index_built_in_parts_equals_one_build(seeds_dir):
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    texts += ["", "As many readers will already understand, markets moved. Prices rose."] * 3
    texts.insert(4, "Kim met Putin in Hanoi. " * 70_000)  # one part's sentence numbers need int32: the joined ones widen
    shingled = [shingle_text(t) for t in texts]
    vocabulary = Vocabulary.build(shingled)
    whole = SentenceIndex.build(shingled, vocabulary)
    flat = FlatShingles.join(shingled)
    for cuts in ([0, len(texts)], [0, 1, len(texts)], [0, 3, 3, 5, 9, len(texts)], list(range(len(texts) + 1))):
        parts = [flat.take(np.arange(lo, hi)) for lo, hi in zip(cuts, cuts[1:])]
        sized = dict(words=len(flat.hashes), sentences=len(flat.sentence_starts) - len(flat), articles=len(flat))
        for got in (SentenceIndex.build_in_parts(iter(parts), vocabulary), SentenceIndex.build_in_parts(iter(parts), vocabulary, **sized)):
            for field in dataclasses.fields(SentenceIndex):
                g, w = getattr(got, field.name), getattr(whole, field.name)
                assert (g == w) if field.name == "articles" else (g.dtype == w.dtype and np.array_equal(g, w)), (cuts, field.name)


def test_sentence_index_equals_the_per_article_loop(seeds_dir):
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    texts += ["", "Only stopwords: the and of.", "Kim met Kim. Kim met Putin, Putin met Kim! 2023 2023 2023."]
    texts += ["As many readers will already understand, markets moved. Prices rose."] * 4  # a stock sentence
    shingled = [shingle_text(t) for t in texts]
    vocabulary = Vocabulary.build(shingled)
    got = SentenceIndex.build(shingled, vocabulary)
    want = _index_reference(shingled, vocabulary)
    assert got.stock.any()
    for field in ("hashes", "sentence_offsets", "article_sentences", "sorted_hashes", "sorted_sentences", "sorted_plain",
                  "sentence_weights", "plain", "stock"):
        g, w = getattr(got, field), getattr(want, field)
        assert g.dtype == w.dtype and np.array_equal(g, w), field
    # Shingles already ranked (as a scan holds them once its windows are cut): the same index.
    flat = FlatShingles.join(shingled)
    from_ranks = SentenceIndex.build(dataclasses.replace(flat, hashes=vocabulary.ranks(flat.hashes)), vocabulary)
    for field in dataclasses.fields(SentenceIndex):
        g, w = getattr(from_ranks, field.name), getattr(got, field.name)
        assert (g == w) if field.name == "articles" else (g.dtype == w.dtype and np.array_equal(g, w)), field.name
