"""shingle: content words, stems, sentences, windows, document frequencies."""

from __future__ import annotations


import numpy as np
import pytest

from provenance.model import Article
from provenance.pipeline import shingle_articles
from provenance.shingle import FlatShingles, Shingled, Vocabulary, shingle_text, stem_hash

FIELDS = ("hashes", "starts", "ends", "sentence_starts", "entity")
# (Greek takes the Python path, the rest the compiled one: ``shingle_articles`` mixes them.)
TEXTS = ["Kim met Putin in Hanoi. They talked about trade.", "", "Caf\u00e9 owners met. Prices rose in 2023.",
         "Only stopwords: the and of.", "\u039a\u03b1\u03c6\u03ad owners met in Athens. Prices rose.",
         "One more sentence here, by Mr. Smith. And a second one!"]


def assert_same(got: Shingled, want: Shingled) -> None:
    for field in FIELDS:
        assert getattr(got, field).dtype == getattr(want, field).dtype, field
        assert np.array_equal(getattr(got, field), getattr(want, field)), field


def test_stopwords_and_stems():
    assert stem_hash("the") == 0 and stem_hash("said") == 0 and stem_hash("x") == 0
    assert stem_hash("discussions") == stem_hash("discussion") != 0
    assert stem_hash("2023") != 0


def test_content_words_keep_original_offsets():
    text = "The Leaders MET in Vostochny.  Mr. Kim arrived by train!"
    s = shingle_text(text)
    words = [text[a:b] for a, b in zip(s.starts.tolist(), s.ends.tolist())]
    assert words == ["Leaders", "MET", "Vostochny", "Kim", "arrived", "train"]


def test_sentences_ignore_abbreviations():
    s = shingle_text("Mr. Kim met Mr. Putin in the U.S. today. Then he left by train.")
    assert s.sentences == 2


def test_line_breaks_end_sentences():
    s = shingle_text("A long title line\nThe body starts here and goes on")
    assert s.sentences == 2


def test_sentences_too_short_to_seed_run_on_into_the_next():
    # Hard-wrapped lines: "The attack of" alone holds one content word, and could never seed.
    text = "The attack of\nSeptember\n11, 2001, the August\npower in the\nNortheast and the power\noutages."
    s = shingle_text(text)
    words = [[text[a:b] for a, b in zip(s.starts[lo:hi], s.ends[lo:hi])] for lo, hi in zip(s.sentence_starts, s.sentence_starts[1:])]
    assert words == [["attack", "September", "11", "2001", "August"], ["power", "Northeast", "power"], ["outages"]]


def test_masked_spans_drop_words():
    text = "Alpha beta gamma. Leave a reply comment form."
    s = shingle_text(text, masked=((18, len(text)),))
    assert [text[a:b] for a, b in zip(s.starts, s.ends)] == ["Alpha", "beta", "gamma"]


def test_vocabulary_document_frequency():
    a, b = shingle_text("apple banana apple"), shingle_text("banana cherry")
    v = Vocabulary.build([a, b])
    assert v.frequency(np.array([stem_hash("banana"), stem_hash("apple"), 12345], dtype=np.uint64)).tolist() == [2, 1, 0]


@pytest.mark.parametrize("parts", [1, 2, 8])
def test_document_frequencies_counted_in_parts_equal_counting_each_article_once(parts):
    from provenance.shingle import _document_frequencies

    rng = np.random.default_rng(parts)
    words = rng.integers(0, 2**64, size=3000, dtype=np.uint64)
    hashes = rng.choice(words, size=50_000)  # articles repeat stems, within and across
    offsets = np.concatenate(([0], np.sort(rng.integers(0, len(hashes), size=400)), [len(hashes)])).astype(np.int64)
    stems, df = _document_frequencies(hashes, offsets, parts)
    expected: dict[int, int] = {}
    for a in range(len(offsets) - 1):
        for h in set(hashes[offsets[a] : offsets[a + 1]].tolist()):
            expected[h] = expected.get(h, 0) + 1
    assert stems.tolist() == sorted(expected) and df.tolist() == [expected[h] for h in sorted(expected)]


def test_vocabulary_frequency_many_lookups_equal_binary_search():
    rng = np.random.default_rng(2)
    stems = np.unique(rng.integers(0, 1 << 63, size=500, dtype=np.uint64))
    v = Vocabulary(stems=stems, df=rng.integers(1, 50, size=len(stems)), articles=100)
    queries = np.concatenate([rng.choice(stems, 3000), rng.integers(0, 1 << 63, size=1000, dtype=np.uint64)])
    where = np.minimum(np.searchsorted(stems, queries), len(stems) - 1)
    expected = np.where(stems[where] == queries, v.df[where], 0)
    assert len(queries) >= 4 * len(stems) and np.array_equal(v.frequency(queries), expected)


def test_flat_shingles_join_index_take_and_concat():
    items = [shingle_text(t) for t in TEXTS]
    flat = FlatShingles.join(items)
    assert len(flat) == len(items) and FlatShingles.join(flat) is flat
    for got, want in zip(flat, items):
        assert_same(got, want)
    with pytest.raises(IndexError):
        flat[len(items)]
    order = np.array([2, 0, 4, 1, 3])
    for got, k in zip(flat.take(order), order.tolist()):
        assert_same(got, items[k])
    halves = FlatShingles.concat([vars(FlatShingles.join(items[:2])).copy(), vars(FlatShingles.join(items[2:])).copy()])
    for got, want in zip(halves, items):
        assert_same(got, want)
    assert len(FlatShingles.join([])) == 0


def test_shingle_articles_puts_fast_and_slow_paths_back_in_order():
    articles = [Article(id=str(k), text=t, path=str(k)) for k, t in enumerate(TEXTS)]
    for got, text in zip(shingle_articles(articles), TEXTS):
        assert_same(got, shingle_text(text))


def test_shingle_articles_without_offsets_holds_the_rest_alike():
    articles = [Article(id=str(k), text=t, path=str(k)) for k, t in enumerate(TEXTS)]  # both paths, as above
    full, bare = shingle_articles(articles), shingle_articles(articles, offsets=False)
    assert len(bare.starts) == len(bare.ends) == 0 < len(full.starts)
    for field in ("hashes", "entity", "offsets", "sentence_starts", "sentence_offsets"):
        np.testing.assert_array_equal(getattr(bare, field), getattr(full, field))


def test_vocabulary_ranks_keep_order_and_refuse_unknown_stems():
    items = [shingle_text(t) for t in TEXTS]
    vocabulary = Vocabulary.build(items)
    hashes = FlatShingles.join(items).hashes
    ranks = vocabulary.ranks(hashes)
    assert ranks.dtype == np.uint32 and vocabulary.stems[ranks].tolist() == hashes.tolist()
    with pytest.raises(ValueError, match="missing"):
        vocabulary.ranks(np.array([12345], dtype=np.uint64))


def test_each_chinese_or_japanese_character_is_a_word_and_their_full_stops_end_sentences():
    text = "中国经济增长GDP达到5%。日本のニュース、今日は晴れ。Hello world!"
    shingled = shingle_text(text)
    words = [text[start:end] for start, end in zip(shingled.starts, shingled.ends)]
    assert words == ["中", "国", "经", "济", "增", "长", "GDP", "达", "到", "5", "日", "本", "の", "ニ", "ュ", "ー", "ス",
                     "今", "日", "は", "晴", "れ", "Hello", "world"]
    assert shingled.sentence_starts.tolist() == [0, 10, 22, 24]


def test_combining_marks_stay_in_their_words_and_indic_full_stops_end_sentences():
    # A vowel sign or virama (a combining mark) was a word break: "प्रधानमंत्री" was read as five one-letter
    # words, and the danda (।) ended no sentence.
    text = "भारत के प्रधानमंत्री ने आज बैठक की। विपक्ष ने आलोचना की और कहा कि बेरोजगारी बढ़ रही है। मौसम अच्छा रहा।"
    shingled = shingle_text(text)
    words = [text[start:end] for start, end in zip(shingled.starts, shingled.ends)]
    assert words == ["भारत", "के", "प्रधानमंत्री", "ने", "आज", "बैठक", "की", "विपक्ष", "ने", "आलोचना", "की", "और", "कहा", "कि",
                     "बेरोजगारी", "बढ़", "रही", "है", "मौसम", "अच्छा", "रहा"]
    assert shingled.sentence_starts.tolist() == [0, 7, 18, 21]
