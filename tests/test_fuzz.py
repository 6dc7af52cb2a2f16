"""Fuzzing (hypothesis, derandomized): random and half-formed bytes through decoding and every reader,
and random small corpora through the whole pipeline.

Readers must turn any bytes into ``Article`` or ``Skipped`` records and never raise; an
article's text must be valid Unicode (encodable as UTF-8) and within the size cap. The
pipeline's passages must lie inside both texts, be sorted and never overlap. The
normaliser's offset map, ``align_pair`` and the tree have their own property tests
(``test_normalise``, ``test_align``, ``test_tree``). ``FUZZ_EXAMPLES`` sets the number
of inputs per reader (CI: a few hundred, a few seconds); ``bench/fuzz.py`` runs the same
checks for a given number of seconds and reports how many inputs it tried.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from provenance.ingest import READERS, read_corpus
from provenance.ingest.decode import NotText, bounded_lines, decode_text, open_text, repair_line
from provenance.model import Article, Skipped
from provenance.pipeline import scan_articles
from provenance.settings import Settings

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
TRIED: dict[str, int] = {}

# Openings that steer random bytes into each format's parser, not just its "not this format" exit.
PREFIXES = (
    b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b'{"id": "x", "text": "', b'{"id": "x", "text": "\\ud800', b"id,text\n1,",
    b"<!doctype html><html><body><p>", b"<html><head><meta charset=utf-16>", b"WARC/1.0\r\nWARC-Type: response\r\n",
    b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://x/\r\nContent-Length: 40\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>",
)
fuzz_bytes = st.one_of(
    st.binary(max_size=2048),
    st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=1024)).map(lambda t: t[0] + t[1]),
    st.tuples(st.sampled_from(PREFIXES), st.text(max_size=400), st.sampled_from(("utf-8", "utf-16", "utf-16-le", "cp1252", "latin-1")))
    .map(lambda t: t[0] + t[1].encode(t[2], "replace")),
    st.tuples(st.sampled_from(PREFIXES), st.binary(max_size=600), st.booleans())
    .map(lambda t: (gzip.compress(t[0] + t[1]) if t[2] else gzip.compress(t[0] + t[1])[: len(t[1]) // 2])),
)


def check_item(item: object, max_chars: int) -> None:
    assert isinstance(item, (Article, Skipped)), item
    if isinstance(item, Article):
        item.text.encode("utf-8")  # no lone surrogates
        item.id.encode("utf-8")
        assert item.text.strip() and len(item.text) <= max_chars
        for start, end in item.masked:
            assert 0 <= start <= end <= len(item.text)
    else:
        assert "\n" not in str(item)


@pytest.fixture(scope="module")
def scratch() -> Path:
    with tempfile.TemporaryDirectory(prefix="provenance-fuzz-") as folder:
        yield Path(folder)


@settings(derandomize=True, max_examples=FUZZ_EXAMPLES * 2, deadline=None)
@given(fuzz_bytes)
def test_decode_text_returns_text_or_says_not_text(data):
    TRIED["decode_text"] = TRIED.get("decode_text", 0) + 1
    try:
        text = decode_text(data)
    except NotText as error:
        assert str(error)
        return
    assert isinstance(text, str) and not text.startswith("\ufeff")
    text.encode("utf-8")


@pytest.mark.parametrize("name", sorted(READERS))
def test_every_reader_survives_random_bytes(name, scratch):
    reader = READERS[name]
    path = scratch / f"input{reader.extensions[0]}"

    @settings(derandomize=True, max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(fuzz_bytes, st.sampled_from((50, 5_000_000)))
    def run(data: bytes, max_chars: int) -> None:
        TRIED[name] = TRIED.get(name, 0) + 1
        path.write_bytes(data)
        kwargs = {"max_chars": max_chars}
        items = list(reader.read(path, "input", **kwargs))  # type: ignore[arg-type]
        for item in items:
            check_item(item, 5_000_000)
        # The same bytes through read_corpus (forced format, then by extension or sniffing).
        for forced in (name, None):
            articles, skipped = read_corpus([path], input_format=forced, max_chars=max_chars)
            for item in [*articles, *skipped]:
                check_item(item, max_chars)

    run()


@settings(derandomize=True, max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(fuzz_bytes, st.integers(1, 64))
def test_streamed_lines_are_bounded_and_complete(data, cap):
    TRIED["stream"] = TRIED.get("stream", 0) + 1
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as handle:
        handle.write(data)
        handle.flush()
        try:
            stream = open_text(handle.name)
        except NotText:
            return
        with stream:
            numbers = []
            for number, line in bounded_lines(stream, cap):
                numbers.append(number)
                if line is not None:
                    assert len(line) <= cap or (len(line) == cap + 1 and line[-1] in "\r\n")
                    try:
                        repair_line(line).encode("utf-8")
                    except NotText:
                        pass
        assert numbers == list(range(1, len(numbers) + 1))


# --- the whole pipeline on random small corpora ---------------------------------------------

WORDS = ("bridge railway grain farmers span vibration concert ticket hall season flood train minister harbour "
         "storm cranes union wages inquiry council").split()
sentence = st.lists(st.sampled_from(WORDS), min_size=4, max_size=12).map(lambda ws: " ".join(ws).capitalize() + ".")
article_text = st.lists(sentence, min_size=2, max_size=10).map(" ".join)


@st.composite
def corpora(draw: st.DrawFn) -> list[Article]:
    """A few originals and copies of parts of them, some edited: pairs for the pipeline to find."""
    originals = draw(st.lists(article_text, min_size=1, max_size=4))
    texts = list(originals)
    for _ in range(draw(st.integers(0, 4))):
        source = draw(st.sampled_from(originals)).split(". ")
        start = draw(st.integers(0, len(source) - 1))
        taken = ". ".join(source[start:]) + " " + draw(article_text)
        if draw(st.booleans()):
            taken = taken.replace(draw(st.sampled_from(WORDS)), draw(st.sampled_from(WORDS)))
        texts.append(taken)
    return [Article(id=f"a{k:02d}", text=text, path=f"gen/{k}") for k, text in enumerate(texts)]


@settings(derandomize=True, max_examples=40, deadline=None)
@given(corpora())
def test_pipeline_passages_inside_both_texts_sorted_and_disjoint(articles):
    TRIED["pipeline"] = TRIED.get("pipeline", 0) + 1
    report = scan_articles(articles, Settings(min_confidence=0.05), workers=1)
    texts = {a.id: a.text for a in report.articles}
    for match in report.matches:
        assert match.source != match.derived and 0.0 <= match.overlap <= 1.0 and 0.0 <= match.source_overlap <= 1.0
        passages = match.passages
        for p in passages:
            assert 0 <= p.source_start < p.source_end <= len(texts[match.source])
            assert 0 <= p.derived_start < p.derived_end <= len(texts[match.derived])
            assert 0.0 <= p.similarity <= 1.0 + 1e-9
        assert list(passages) == sorted(passages, key=lambda p: (p.derived_start, p.source_start))
        for x, y in zip(passages, passages[1:]):
            assert x.derived_end <= y.derived_start
        spans = sorted((p.source_start, p.source_end) for p in passages)
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end <= start
    # Trees: one parent each, roots have none.
    parents: dict[str, str] = {}
    for tree in report.trees:
        for edge in tree.edges:
            assert edge.derived not in parents
            parents[edge.derived] = edge.source
        assert tree.root not in parents


def test_report_inputs_tried(capsys):
    """Runs last in this module: prints how many inputs each fuzz target tried (``pytest -s`` shows it)."""
    with capsys.disabled():
        print(f"\nfuzz inputs tried: {sum(TRIED.values())} ({', '.join(f'{k} {v}' for k, v in sorted(TRIED.items()))})")
