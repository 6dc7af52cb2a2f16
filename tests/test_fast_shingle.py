"""fast_shingle: the compiled batch path gives exactly ``shingle_text``'s arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from provenance import fast_shingle
from provenance.fast_shingle import StemTable, fast_path, shingle_texts
from provenance.normalise import ASCII_FOLDS, normalise
from provenance.shingle import Shingled, shingle_text, stem_hash

FIELDS = ("hashes", "starts", "ends", "sentence_starts", "entity")

# Pieces that exercise every rule: abbreviations, initials, closers, line breaks of every kind,
# runs of stops, digits inside words, stopwords, typographic punctuation, control characters.
PIECES = [
    "Mr", "mr", "U", "S", "Dr", "Jan", "etc", "Kim", "Putin", "said", "the", "The", "2023", "x", "a3b", "3",
    "running", "Runs", "discussions", "Vostochny", "I", "ok", "NATO",
    ".", "..", "...", "!", "?", "?!", ".\"", ".)", ".')", "]", "'", '"', ",", ";", "-", "(", "_", "#",
    " ", "  ", "\n", "\n\n", "\t", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x00",
    *ASCII_FOLDS,
]
texts = st.lists(st.sampled_from(PIECES), max_size=80).map("".join)


def assert_same(fast: Shingled, slow: Shingled) -> None:
    for field in FIELDS:
        got, want = getattr(fast, field), getattr(slow, field)
        assert got.dtype == want.dtype, field
        assert np.array_equal(got, want), (field, got, want)


def test_one_to_one_characters_normalise_to_their_ascii_in_place():
    for char, ascii in ASCII_FOLDS.items():
        n = normalise(f"Ab{char}{char}cd")
        assert n.text == f"ab{ascii}{ascii}cd" if ascii != " " else n.text == "ab cd"
        assert n.starts.tolist()[:3] == [0, 1, 2]


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4), st.data())
def test_fast_equals_slow(batch, data):
    masked = []
    for text in batch:
        cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
        masked.append(tuple((a, b) for a, b in zip(cuts[::2], cuts[1::2]) if a < b))
    # (Pieces of ASCII_FOLDS alone, but two accented letters may make mojibake the slow path repairs: "Ã" "Š".)
    assume(all(fast_path(t) for t in batch))
    for fast, text, spans in zip(shingle_texts(batch, masked), batch, masked):
        assert_same(fast, shingle_text(text, spans))


def test_seed_articles(seeds_dir):
    seed_texts = [path.read_text(encoding="utf-8") for path in sorted(seeds_dir.glob("*.txt"))]
    # Seed 003 holds mojibake ("Russia‚Äôs", UTF-8 read as Mac Roman), which only the slow path repairs.
    assert [fast_path(text) for text in seed_texts] == [True, True, True, False, True]
    seed_texts.pop(3)
    fast = shingle_texts(seed_texts, [()] * len(seed_texts))
    assert len(fast) == 4
    for item, text in zip(fast, seed_texts):
        assert_same(item, shingle_text(text))


def test_which_path():
    assert fast_path("It\u2019s the \u201cend\u201d \u2014 so.") and fast_path("Caf\u00e9 M\u00fcller, Nicol\u00e1s, \u00c9mile.")
    # Mojibake is the slow path's to repair, accented letters and all ("Ã©" is UTF-8's "é" read as Windows-1252).
    assert not fast_path("Russia\u201a\u00c4\u00f4s") and not fast_path("caf\u00c3\u00a9") and not fast_path("\u00c3\u0160")
    assert not fast_path("\u0645\u0631\u062d\u0628\u0627") and not fast_path("cafe\u0301") and not fast_path("\u0111\u00e0\u0302")


def test_accented_latin_text_takes_the_fast_path_and_reads_as_the_slow_path():
    # Before, one accented letter (a name: "José", "Müller", "Søren"; German ß) sent an article down
    # the slow path, about eight times slower: most European text, and much English news.
    texts = ["The mayor of Zürich, Élodie Müller, said «the café» would reopen. José Núñez agreed.",
             "ÉCOLE élève Ŝtono Đuro ệ Ǆ Ærø, Søren of Łódź, Straße in Gießen ß. Œuvre, Þór. Next one.",
             "Vinh Quang Nguyễn đã nói."]
    assert all(fast_path(text) for text in texts)
    for fast, text in zip(shingle_texts(texts, [()] * 3), texts):
        assert_same(fast, shingle_text(text))
    fast = shingle_texts(texts[:1], [()])[0]
    words = [texts[0][start:end] for start, end in zip(fast.starts, fast.ends)]
    assert words == ["mayor", "Zürich", "Élodie", "Müller", "café", "reopen", "José", "Núñez", "agreed"]
    assert fast.entity.tolist() == [False, True, True, True, False, False, False, True, False]  # (José opens a sentence)


def test_long_sentences_are_cut_and_batches_split(monkeypatch):
    monkeypatch.setattr(fast_shingle, "BATCH_CHARS", 50)
    text = " ".join(f"word{k}" for k in range(95)) + ". Next one here."
    batch = [text, "Short one. Two.", text]
    for fast, item in zip(shingle_texts(batch, [(), (), ()]), batch):
        assert_same(fast, shingle_text(item))
    assert shingle_texts([text], [()])[0].sentence_starts.tolist() == [0, 40, 80, 95, 97]
    # Many short texts of odd length: each needs a token slot more than half its length.
    many = [f"W{k}." for k in range(100)]
    for fast, item in zip(shingle_texts(many, [()] * 100), many):
        assert_same(fast, shingle_text(item))


def test_stem_table_grows_and_resets():
    table = StemTable()
    table.LIMIT = 50_000
    words = [f"w{k}x" for k in range(60_000)]
    keys = np.arange(1, len(words) + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for start in range(0, len(words), 20_000):
        chunk = slice(start, start + 20_000)
        table.learn(keys[chunk], lambda positions, c=chunk: [words[c][p] for p in positions])
        assert table.stems(keys[chunk]).tolist() == [stem_hash(w) for w in words[chunk]]
    assert table.size == 20_000  # emptied when the third chunk would have passed the limit
    table.learn(keys[:30_000], lambda positions: [words[p] for p in positions], may_empty=False)
    assert table.size == 50_000 and table.stems(keys[:1]).tolist() == [stem_hash(words[0])]


def test_a_batch_with_more_words_than_the_stem_table_keeps(monkeypatch):
    # The table empties itself for room, losing words the batch's articles had found: they are scanned
    # until every word is found, and the table is not emptied again meanwhile (which could go on forever).
    monkeypatch.setattr(fast_shingle, "_table", StemTable())
    monkeypatch.setattr(fast_shingle._table, "LIMIT", 40)
    common = " ".join(f"c{k}x" for k in range(30))
    fast_shingle.shingle_texts([common], [()])  # 30 words kept; the batch brings 90 new ones, and needs the 30 too
    batch = [common + ". " + " ".join(f"w{a}x{k}" for k in range(30)) for a in range(3)]
    for fast, text in zip(shingle_texts(batch, [()] * 3), batch):
        assert_same(fast, shingle_text(text))
    assert fast_shingle._table.size == 120
