"""Per-site boilerplate: a footer shared by a site's pages never links them; known page furniture is masked."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import provenance.boilerplate as boilerplate
import provenance.pipeline as pipeline
from provenance.boilerplate import (
    MIN_CONTEXT_SHARE,
    MIN_CONTEXTS,
    MIN_LINE_CHARS,
    MIN_PAGES,
    MIN_SHARE,
    REPUBLISHED_PAGES,
    REPUBLISHED_SHARE,
    _char_tables,
    _find_units,
    _find_units_in_parts,
    _lines,
    _site_units,
    known_spans,
    mask_article,
    mask_site_boilerplate,
    merge_spans,
    site_boilerplate,
    site_of,
)
from provenance.ingest import read_corpus
from provenance.model import Article
from tests.conftest import SEEDS
from tests.fixtures import SITE_FOOTER, UNRELATED_STORIES


def _site_pages() -> list[Article]:
    return [
        Article(id=f"local/{n}.txt", text=story + "\n\n" + SITE_FOOTER + "\n", path=f"/crawl/local/{n}.txt")
        for n, story in enumerate(UNRELATED_STORIES)
    ]


def _site_pairs(monkeypatch, mask: bool) -> list[tuple[str, str]]:
    if not mask:
        monkeypatch.setattr(pipeline, "mask_site_boilerplate", lambda articles, advance=None: list(articles))
    seeds, _ = read_corpus([SEEDS])
    report = pipeline.scan_articles(_site_pages() + seeds, workers=1)
    return [(m.source, m.derived) for m in report.matches if m.derived.startswith("local/")]


def test_shared_footer_links_unrelated_articles_without_masking(monkeypatch):
    # The control: the footer alone is enough for the pipeline to claim derivations.
    assert len(_site_pairs(monkeypatch, mask=False)) == 3


def test_shared_footer_does_not_link_them_with_masking(monkeypatch):
    assert _site_pairs(monkeypatch, mask=True) == []


def test_footer_spans_are_masked_exactly():
    pages = mask_site_boilerplate(_site_pages())
    for page, story in zip(pages, UNRELATED_STORIES):
        assert [page.text[s:e] for s, e in page.masked] == SITE_FOOTER.split("\n\n")
        assert page.masked[0][0] > len(story)  # the story itself is untouched


def test_thresholds_pages_and_share():
    def page(n: int, site: str, extra: str = "") -> Article:
        return Article(id=f"{site}{n}", text=f"Story number {n} of the site, all its own.\n{extra}", path=f"{site}/{n}.txt")

    line = "Follow us on every social network there is"
    # In 2 of 2 pages: fewer than MIN_PAGES, nothing learned.
    assert site_boilerplate([page(n, "a", line) for n in range(2)]) == {}
    # In 3 of 8 pages: under half a small site.
    eight = [page(n, "b", line if n < 3 else "") for n in range(8)]
    assert site_boilerplate(eight) == {}
    # In 4 of 8: half the site, after four different stories.
    eight = [page(n, "b", line if n < 4 else "") for n in range(8)]
    assert site_boilerplate(eight) == {"b": frozenset({line.casefold()})}
    # On a site of 1,000 pages a rotating footer on 30 of them is furniture; on 15, it could
    # be a story a family of articles copied.
    big = [page(n, "c", line if n < 30 else "") for n in range(1000)]
    assert site_boilerplate(big) == {"c": frozenset({line.casefold()})}
    big = [page(n, "c", line if n < 15 else "") for n in range(1000)]
    assert site_boilerplate(big) == {}
    assert MIN_PAGES == 3


def test_a_story_republished_on_one_site_is_not_boilerplate():
    story = ["The council approved the new harbour budget after a long debate.",
             "Fishermen had asked for repairs to the northern pier for years.",
             "Work is expected to start in the spring and last eighteen months."]
    pages = [Article(id=f"r{n}", text="\n".join(["Harbour budget approved at last", *story]), path=f"r/{n}.txt") for n in range(3)]
    pages += [Article(id=f"o{n}", text=f"A different story, number {n}, of this site.", path=f"r/o{n}.txt") for n in range(5)]
    # Same neighbours on every page: the paragraphs travel together, so they stay.
    learned = site_boilerplate(pages).get("r", frozenset())
    assert not learned & {line.casefold() for line in story}


def test_sites_are_kept_apart_and_order_does_not_matter():
    line = "Subscribe to our newsletter for the latest headlines"
    one = [Article(id=f"x{n}", text=f"Own story {n}.\n{line}", path=f"x{n}", url=f"https://www.one.example/{n}") for n in range(3)]
    two = [Article(id=f"y{n}", text=f"Own story {n}.\n{line}", path=f"y{n}", url=f"https://two.example/{n}") for n in range(2)]
    masked = mask_site_boilerplate(one + two)
    assert [bool(a.masked) for a in masked] == [True, True, True, False, False]
    assert mask_site_boilerplate(list(reversed(one + two))) == list(reversed(masked))
    assert site_of(one[0]) == "one.example"


def test_known_spans_are_whole_lines_only():
    text = "Leave a Reply\nShe said she would leave a reply later.\n  Share this:\nSat. Sep 30th, 2023\n"
    from provenance.ingest.dates import looks_like_date

    assert [text[s:e] for s, e in known_spans(text, looks_like_date)] == ["Leave a Reply", "Share this:", "Sat. Sep 30th, 2023"]


def test_merge_spans():
    assert merge_spans([(5, 8), (0, 3), (2, 4), (8, 9), (10, 10)]) == ((0, 4), (5, 9))


def test_stock_sentence_pasted_into_paragraphs_is_masked():
    stock = "Stay tuned for further updates as the story unfolds."
    topics = ["harbour", "orchestra", "railway", "vaccine", "election", "drought", "museum", "satellite", "bakery",
              "glacier", "stadium", "library", "refinery", "vineyard", "airport"]
    pages = [
        Article(id=f"s{n}", path=f"farm/{n}.txt",
                text=f"The {topic} report opened the week with figures nobody expected. {stock} Officials of the {topic} "
                     f"office declined to comment on the {topic} numbers.\nA second paragraph about the {topic} follows.")
        for n, topic in enumerate(topics)
    ]
    masked = mask_site_boilerplate(pages)
    for page in masked:
        assert [page.text[s:e] for s, e in page.masked] == [stock]


# --- the compiled unit finder and learner against the definitions they replace ----------------

# Words, and characters where units are easy to get wrong: sentence ends, closers, every kind
# of blank, and letters whose case folding changes length or leaves ASCII.
_TRICKY = list(".!?\"'”’)] \x00\n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u2028\u3000ßİﬁΣσςKkſsΐ€😀\ud800")
_WORDS = ["Stay", "tuned", "STAY", "straße", "STRASSE", "İstanbul", "ﬁnal", "ΣΟΦΟΣ", "σοφος", "for", "updates"]
_ENDINGS = [end + closers for end in ".!?" for closers in ["", "’", "”", ")", "]", "'", '"', "’”)", "’x"]]
_unit_texts = st.lists(st.sampled_from(_WORDS + _ENDINGS + [" "] * 8 + _TRICKY), max_size=120).map("".join)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(_unit_texts, min_size=1, max_size=4))
def test_site_units_are_the_units_of_the_unit_pattern(texts):
    chunks = _site_units(texts)
    expected = [(page, start, end, key) for page, text in enumerate(texts) for key, start, end in _lines(text)]
    found = [(page, start, end, key) for chunk in chunks
             for page, start, end, key in zip(chunk.pages(np.arange(len(chunk.key))).tolist(), chunk.start.tolist(),
                                              chunk.end.tolist(), chunk.key.tolist())]
    assert [f[:3] for f in found] == [e[:3] for e in expected]
    assert [f[3] for f in found] == [_fnv1a(e[3]) for e in expected]


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.lists(_unit_texts, min_size=1, max_size=9), st.integers(1, 12))
def test_unit_finder_in_parts_equals_one_pass(texts, parts):
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    offsets = np.cumsum([0] + [len(text) + 1 for text in texts])
    room = len(codes) // MIN_LINE_CHARS + parts

    def found(finder, *extra):
        starts, ends, keys = np.zeros(room, np.int64), np.zeros(room, np.int64), np.zeros(room, np.uint64)
        units = np.zeros(len(texts), np.int64)
        n = finder(codes, offsets, *_char_tables(codes), MIN_LINE_CHARS, starts, ends, keys, units, *extra)
        return starts[:n].tolist(), ends[:n].tolist(), keys[:n].tolist(), units.tolist()

    assert found(_find_units_in_parts, parts) == found(_find_units)


def _fnv1a(key: str) -> int:
    """64-bit FNV-1a over the key's code points, as ``_find_units`` hashes keys."""
    value = 0xCBF29CE484222325
    for c in key:
        value = ((value ^ ord(c)) * 0x100000001B3) % 2**64
    return value


def _reference_site_boilerplate(articles: list[Article]) -> dict[str, frozenset[str]]:
    """site_boilerplate as first written: keys as strings, a Counter and sets of contexts."""
    pages: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        pages[site_of(article)].append(article)
    learned = {}
    for site, members in pages.items():
        if len(members) < MIN_PAGES:
            continue
        pages_lines = [[key for key, _, _ in _lines(article.text)] for article in members]
        counts: Counter[str] = Counter()
        for keys in pages_lines:
            counts.update(set(keys))
        contexts: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for keys in pages_lines:
            position = 0
            while position < len(keys):
                if counts[keys[position]] < MIN_PAGES:
                    position += 1
                    continue
                end = position
                while end < len(keys) and counts[keys[end]] >= MIN_PAGES:
                    end += 1
                context = (keys[position - 1] if position else "", keys[end] if end < len(keys) else "")
                for key in keys[position:end]:
                    contexts[key].add(context)
                position = end
        least = max(MIN_PAGES, min(MIN_SHARE * len(members), REPUBLISHED_PAGES + REPUBLISHED_SHARE * len(members)))
        lines = frozenset(
            key for key, count in counts.items() if count >= least and len(contexts[key]) >= max(MIN_CONTEXTS, MIN_CONTEXT_SHARE * count)
        )
        if lines:
            learned[site] = lines
    return learned


def _random_sites(seed: int) -> list[Article]:
    """Pages of three sites: stories, footers in rotation, stock sentences pasted into paragraphs, republished stories."""
    rng = random.Random(seed)
    words = "harbour council budget orchestra railway vaccine election drought museum satellite bakery glacier".split()
    footers = ["Follow us on every social network there is.", "Copyright the Daily Example, all of it.",
               "Subscribe to our newsletter for the latest headlines!", "Stay tuned for further updates as the story unfolds."]
    articles = []
    for site in ("a.example", "b.example", "c.example"):
        republished = " ".join(rng.choice(words) for _ in range(30)) + "."
        for n in range(rng.randrange(2, 40)):
            sentences = [" ".join(rng.choice(words) for _ in range(rng.randrange(3, 12))).capitalize() + rng.choice(".!?") for _ in range(8)]
            if rng.random() < 0.5:
                sentences.insert(rng.randrange(len(sentences)), rng.choice(footers))
            paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
            if rng.random() < 0.2:
                paragraphs.append(republished)
            paragraphs += rng.sample(footers, rng.randrange(0, 3))
            text = rng.choice(["\n", "\n\n", "\n \n"]).join(paragraphs)
            articles.append(Article(id=f"{site}/{n}", text=text, path=f"{site}/{n}.txt", url=f"https://{site}/{n}"))
    rng.shuffle(articles)
    return articles


@pytest.mark.parametrize("seed", range(8))
def test_site_boilerplate_and_masks_match_the_reference(seed):
    articles = _random_sites(seed)
    learned = _reference_site_boilerplate(articles)
    assert site_boilerplate(articles) == learned
    assert mask_site_boilerplate(articles) == [mask_article(article, learned) for article in articles]


def test_sites_are_scanned_in_chunks(monkeypatch):
    articles = _random_sites(3)
    whole = mask_site_boilerplate(articles)
    monkeypatch.setattr(boilerplate, "CHUNK_CHARS", 200)
    assert mask_site_boilerplate(articles) == whole
    monkeypatch.setattr(boilerplate, "SEGMENT_UNITS", 10)  # a segment of units for every chunk
    assert mask_site_boilerplate(articles) == whole
