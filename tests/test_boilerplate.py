"""Per-site boilerplate: a footer shared by a site's pages never links them; known page furniture is masked."""

from __future__ import annotations

import provenance.pipeline as pipeline
from provenance.boilerplate import MIN_PAGES, known_spans, mask_site_boilerplate, merge_spans, site_boilerplate, site_of
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
        monkeypatch.setattr(pipeline, "mask_site_boilerplate", list)
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
