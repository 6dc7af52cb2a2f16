"""spill: texts and shingles in temporary files read back as they went."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from provenance.fast_shingle import fast_path
from provenance.model import Article
from provenance.pipeline import _shingle_to_disk
from provenance.shingle import FlatShingles, Vocabulary, shingle_text
from provenance.spill import AsciiTexts, SpilledTexts
from test_shingle import TEXTS, assert_same


def test_texts_spilled_in_chunks_come_back_whatever_their_characters(monkeypatch):
    import provenance.spill as spill

    monkeypatch.setattr(spill, "TEXTS_AT_ONCE", 3)  # chunks all ASCII, all not, and mixed
    texts = ["plain", "", "also plain", "café", "lone \ud800 surrogate", "ascii", "x" * 5000, "naïve", "end"]
    articles = [Article(id=str(k), text=t, path=str(k)) for k, t in enumerate(texts)]
    spilled = SpilledTexts(articles)
    assert [spilled.read(k) for k in range(len(texts))] == texts
    assert spilled.read_many(np.arange(len(texts))) == texts
    ascii = spilled.read_batch(np.arange(3))  # all ASCII: left as the bytes read, decoded when asked for
    assert isinstance(ascii, AsciiTexts) and list(ascii) == texts[:3] and ascii[-1] == texts[2] and ascii[1:] == texts[1:3]
    assert spilled.read_batch(np.arange(len(texts))) == texts and spilled.read_batch(np.array([5, 0])) == [texts[5], texts[0]]
    assert list(spilled.all()) == texts and spilled.file.closed


def test_a_record_without_its_text_keeps_every_other_field():
    article = Article(id="a", text="some text", path="p", title="t", published="2024-01-02", published_from="url", url="u",
                      author="w", site="s", masked=((0, 4),), crawled="2024-01-03")
    bare = article.without_text()
    assert bare == dataclasses.replace(article, text="", chars=9) and bare.length == 9
    assert bare.without_text() == bare  # its length stays
    assert bare.with_text("some text") == article


@pytest.mark.parametrize("texts", [TEXTS, TEXTS[::-1], [t for t in TEXTS if t.isascii()], [t for t in TEXTS if not t.isascii()]])
def test_texts_and_offsets_spilled_to_files_read_back_the_same_articles(texts):
    articles = [Article(id=str(k), text=t, path=str(k)) for k, t in enumerate(texts)]
    spilled_texts = SpilledTexts(articles)
    fast = np.array([fast_path(t) for t in texts])
    bare = [Article(id=a.id, text="", path=a.path, chars=len(a.text)) for a in articles]  # shingled from the file alone
    spilled = _shingle_to_disk(bare, spilled_texts, fast, workers=1)
    assert len(spilled.starts) == len(spilled.ends) == 0  # out of memory ...
    assert len(spilled) == len(texts) and FlatShingles.join(spilled) is spilled
    for got, text in zip(spilled, texts):  # ... and back, article by article, in order whichever path shingled it
        assert_same(got, shingle_text(text))
    assert spilled_texts.read_many(np.arange(len(texts))) == texts
    # The stems (as ranks) and entity flags go to a file too, once the windows are cut.
    vocabulary = Vocabulary.build(spilled)
    with pytest.raises(ValueError, match="rank"):
        spilled.words_to_disk()
    words = dataclasses.replace(spilled, hashes=vocabulary.ranks(spilled.hashes)).words_to_disk()
    assert len(words.hashes) == len(words.entity) == 0
    for size in (1, 7, 1 << 20):  # parts of whole articles, however small or large
        back = FlatShingles.concat(vars(part).copy() for part in words.words_in_parts(size))
        assert back.hashes.tolist() == vocabulary.ranks(spilled.hashes).tolist() and back.entity.tolist() == spilled.entity.tolist()
        assert back.offsets.tolist() == spilled.offsets.tolist() and back.sentence_starts.tolist() == spilled.sentence_starts.tolist()
    for got, text in zip(words, texts):
        want = shingle_text(text)
        assert got.hashes.tolist() == vocabulary.ranks(want.hashes).tolist() if len(want.hashes) else len(got.hashes) == 0
        assert got.entity.tolist() == want.entity.tolist() and got.starts.tolist() == want.starts.tolist()
    # What the readings read: the stems and sentences alone, in memory or from the file.
    for held in (spilled, words):
        for k in range(len(texts)):
            stems, whole = held.sentence_stems(k), held[k]
            assert stems.hashes.tolist() == whole.hashes.tolist() and stems.sentence_starts.tolist() == whole.sentence_starts.tolist()
    assert spilled_texts.read_many(np.arange(len(texts))[::-1]) == texts[::-1]
