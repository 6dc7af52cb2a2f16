"""The HTML report without a browser: escaping, self-containment, exact highlighting, layout, CLI."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import main
from provenance.html import content_security_policy, highlight, render_html
from provenance.model import Article, Edge, Match, Passage, Report, Skipped, Tree
from provenance.report import percent, report_dict
from provenance.svg import draw_histogram, layout
from tests.conftest import SEED_000, SEED_002
from tests.hostile import PAYLOADS, SCRIPT, hostile_text, write_hostile_corpus

# Every element the page is allowed to contain: no img, iframe, link, object, form, base, …
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "code", "nav", "a",
    "main", "section", "div", "span", "svg", "line", "text", "rect", "path", "g", "figure", "figcaption", "ul",
    "li", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "article", "script",
}
URL_ATTRIBUTES = {"src", "srcset", "action", "formaction", "xlink:href", "poster", "background", "ping", "style"}


class Page(HTMLParser):
    """Collects tags, attributes, script and style bodies, and the text of every passage piece."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self.text_parts: list[str] = []
        self.pane_text: dict[tuple[int, str], str] = {}  # (pair, "source"/"derived") -> whole pane text
        self.passage_text: dict[tuple[int, str, int], str] = {}  # (pair, role, passage) -> highlighted text
        self.ids: list[str] = []
        self._raw_tag: str | None = None
        self._pair = -1
        self._role: str | None = None
        self._in_text = False
        self._passages: list[int] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"] or "")
        classes = (attributes.get("class") or "").split()
        if tag in self.raw:
            self._raw_tag = tag
            self.raw[tag].append("")
        if tag == "section" and "pair" in classes:
            self._pair = int((attributes["id"] or "").split("-")[1])
        if tag == "article" and "side" in classes:
            self._role = classes[1]
        if tag == "div" and "text" in classes:
            self._in_text = True
            self.pane_text[(self._pair, self._role or "")] = ""
        if tag == "a" and "psg" in classes and self._in_text:
            self._passages = [int(n) for n in (attributes.get("data-passages") or "").split()]

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_tag:
            self._raw_tag = None
        if tag == "div" and self._in_text:
            self._in_text = False
        if tag == "a":
            self._passages = []

    def handle_data(self, data: str) -> None:
        if self._raw_tag:
            self.raw[self._raw_tag][-1] += data
            return
        self.text_parts.append(data)
        if self._in_text:
            key = (self._pair, self._role or "")
            self.pane_text[key] += data
            for number in self._passages:
                passage_key = (self._pair, self._role or "", number)
                self.passage_text[passage_key] = self.passage_text.get(passage_key, "") + data

    @property
    def text(self) -> str:
        return "".join(self.text_parts)


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def assert_inert(page: str) -> Page:
    """The page can run only its own script and load nothing, whatever the report contained."""
    parsed = Page(page)
    assert {tag for tag, _ in parsed.tags} <= ALLOWED_TAGS
    assert [tag for tag, _ in parsed.tags].count("script") == 1
    for tag, attributes in parsed.tags:
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name not in URL_ATTRIBUTES, (tag, name, value)
            assert "http:" not in (value or "") and "https:" not in (value or ""), (tag, name, value)
            if name == "href":
                assert re.fullmatch(r"#[a-z0-9-]+", value or ""), (tag, value)
            if name == "id":
                assert re.fullmatch(r"[a-z0-9-]+", value or ""), (tag, value)
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids"
    # Every fragment link lands on an element of the page.
    targets = {value[1:] for _, attributes in parsed.tags for name, value in attributes.items() if name == "href"}
    assert targets <= set(parsed.ids)
    metas = [a for tag, a in parsed.tags if tag == "meta" and a.get("http-equiv")]
    assert [m["http-equiv"] for m in metas] == ["Content-Security-Policy"]
    style, script = parsed.raw["style"], parsed.raw["script"]
    assert len(style) == 1 and len(script) == 1
    assert metas[0]["content"] == (
        f"default-src 'none'; style-src {_sha256(style[0])}; script-src {_sha256(script[0])}; "
        "base-uri 'none'; form-action 'none'"
    )
    assert "url(" not in style[0] and "@import" not in style[0]
    return parsed


@pytest.fixture(scope="module")
def seed_page(seed_report) -> str:
    return render_html(seed_report)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    from provenance.pipeline import scan

    return scan([write_hostile_corpus(tmp_path_factory.mktemp("hostile"))], workers=1)


def test_seed_page_is_inert_and_self_contained(seed_page):
    assert seed_page.startswith("<!DOCTYPE html>")
    assert_inert(seed_page)


def test_seed_page_shows_the_json_report(seed_report, seed_page):
    data = report_dict(seed_report)
    text = Page(seed_page).text
    assert data["settings_key"] in text
    for article in data["articles"]:
        assert article["id"] in text and article["title"] in text
    for name in ("articles", "pairs", "trees", "stories", "skipped"):
        assert re.search(rf'id="count-{name}"><span class="number">{len(data[name])}<', seed_page)
    for key, value in data["settings"].items():
        assert f"<tr><th>{key}</th><td>{value}</td></tr>" in seed_page
    match = seed_report.matches[0]
    assert f">{percent(match.overlap)}%</text>" in seed_page  # the tree's edge label
    assert f"{percent(match.source_overlap)}% of the source" in seed_page
    assert seed_page.count('<section class="pair"') == len(data["pairs"]) == 1


def test_seed_passages_highlight_exactly_their_text(seed_report, seed_page):
    parsed = Page(seed_page)
    texts = {a.id: a.text for a in seed_report.articles}
    match = seed_report.matches[0]
    assert parsed.pane_text[(0, "source")] == texts[SEED_000]
    assert parsed.pane_text[(0, "derived")] == texts[SEED_002]
    for number, passage in enumerate(match.passages):
        assert parsed.passage_text[(0, "source", number)] == texts[SEED_000][passage.source_start : passage.source_end]
        assert parsed.passage_text[(0, "derived", number)] == texts[SEED_002][passage.derived_start : passage.derived_end]
        # Each end links to the other.
        assert f'href="#p-0-{number}-d" data-passages="{number}" id="p-0-{number}-s"' in seed_page
        assert f'href="#p-0-{number}-s" data-passages="{number}" id="p-0-{number}-d"' in seed_page


def test_overlapping_empty_and_edge_spans_each_get_one_anchor():
    text = "ab<cd>\r\nef&gh\x00ij"
    spans = [(0, 4), (2, 8), (3, 5), (9, 9), (10, len(text)), (-5, 100)]
    fragment = highlight(text, spans, pair=7, side="s")
    parsed = Page(f'<section class="pair" id="pair-7"><article class="side source"><div class="text">{fragment}</div></article></section>')
    assert parsed.pane_text[(7, "source")] == text.replace("\x00", "\ufffd")  # one for one: offsets hold
    for number, (start, end) in enumerate(spans):
        start, end = max(start, 0), min(end, len(text))
        assert parsed.passage_text.get((7, "source", number), "") == text[start:end].replace("\x00", "\ufffd")
        assert fragment.count(f'id="p-7-{number}-s"') == 1
        assert f'href="#p-7-{number}-d"' in fragment or 'class="anchor"' in fragment


def test_hostile_corpus_is_escaped(hostile_report):
    assert len(hostile_report.matches) >= 1  # so a pair section, with texts, is rendered
    page = render_html(hostile_report)
    parsed = assert_inert(page)
    text = parsed.text
    for payload in PAYLOADS:
        assert payload in text  # shown as the text it is
    for article in hostile_report.articles:
        assert article.id in text
    assert "${style}" in text and "$csp" in text  # the template did not substitute inside article text
    assert hostile_report.skipped and hostile_report.skipped[0].path in text


def test_hostile_settings_titles_and_skipped_are_escaped():
    hostile = '"><script>window.__pwned=1</script><a href="javascript:alert(1)">'
    text = hostile_text()
    report = Report(
        settings={hostile: hostile},
        settings_key=hostile,
        articles=(
            Article(id=hostile, text=text, path=hostile, title=hostile, published=hostile, published_from=hostile),
            Article(id=hostile + "2", text=text, path=hostile, title=None),
        ),
        matches=(Match(hostile, hostile + "2", hostile, 0.5, 0.5, 0.5, 0.3,
                       (Passage(0, 40, 0, 40, 1.0),), direction_from=hostile, date_conflict=True),),
        trees=(Tree(hostile, (hostile, hostile + "2"), (Edge(hostile, hostile + "2", 0.5, 0.3, True),)),),
        skipped=(Skipped(hostile, hostile),),
        stories=((hostile, hostile + "2"),),
    )
    page = render_html(report)
    parsed = assert_inert(page)
    assert parsed.text.count(hostile) >= 8
    assert SCRIPT in parsed.text
    assert '<g class="edge conflict weak">' in page  # styled as both a date conflict and low confidence


def test_bidi_controls_cannot_reorder_what_the_page_shows():
    # An override reverses what follows it ("invoice\u202egnp.exe" reads "invoiceexe.png") and one left
    # open runs on over its line: each is shown as U+FFFD, one for one, so highlighted offsets hold.
    controls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    text = hostile_text() + "Quoted: \u202eevil\u202c and \u2067isolated\u2069. " + controls
    spoofed = "invoice\u202egnp.exe"
    report = Report(
        settings={"num_perm": 64},
        settings_key="k",
        articles=(Article(id=spoofed, text=text, path=spoofed, title="title \u202eesrever", published="2023-09-13"),
                  Article(id="b", text=text, path="b", title=None)),
        matches=(Match(spoofed, "b", "copy", 1.0, 1.0, 1.0, 0.9,
                       (Passage(0, len(text), 0, len(text), 1.0),), direction_from="dates"),),
        trees=(Tree(spoofed, (spoofed, "b"), (Edge(spoofed, "b", 1.0, 0.9, False),)),),
        skipped=(Skipped("x\u202ey", "why \u2066"),),
        stories=(),
    )
    page = render_html(report)
    assert not any(control in page for control in controls)
    parsed = Page(page)
    assert parsed.pane_text[(0, "source")] == text.translate({ord(c): "\ufffd" for c in controls})
    assert "invoice\ufffdgnp.exe" in parsed.text and "title \ufffdesrever" in parsed.text
    # Right-to-left scripts need no controls and are shown as they are.
    assert "\u05e9\u05dc\u05d5\u05dd" in render_html(dataclasses.replace(report, articles=(
        dataclasses.replace(report.articles[0], title="\u05e9\u05dc\u05d5\u05dd"), report.articles[1])))


def test_render_is_deterministic(seed_report, seed_page):
    assert render_html(seed_report) == seed_page


def test_csp_hashes_our_own_style_and_script():
    assert content_security_policy("a", "b") == (
        f"default-src 'none'; style-src {_sha256('a')}; script-src {_sha256('b')}; base-uri 'none'; form-action 'none'"
    )


def test_tree_layout_left_to_right_parents_centred():
    tree = {
        "root": "r",
        "articles": ["a", "b", "c", "r"],
        "edges": [{"source": "r", "derived": "b"}, {"source": "r", "derived": "a"}, {"source": "a", "derived": "c"}],
    }
    assert layout(tree) == {"c": (2, 0.0), "a": (1, 0.0), "b": (1, 1.0), "r": (0, 0.5)}


def test_tree_layout_survives_a_long_chain():
    chain = [str(n) for n in range(5000)]
    tree = {"root": "0", "articles": chain, "edges": [{"source": a, "derived": b} for a, b in zip(chain, chain[1:])]}
    assert layout(tree)["4999"] == (4999, 0.0)


def test_histogram_counts_pairs_per_band():
    svg = draw_histogram([0.0, 0.04, 0.05, 0.762, 1.0, 1.0])
    bars = re.findall(r"<title>(\d+)–(\d+)% overlap: (\d+) pairs</title>", svg)
    assert bars == [("0", "5", "2"), ("5", "10", "1"), ("75", "80", "1"), ("95", "100", "2")]
    assert "<rect" not in draw_histogram([])


def test_cli_scan_and_compare_write_html(tmp_path, seeds_dir):
    runner = CliRunner()
    result = runner.invoke(main, ["scan", str(seeds_dir), "--workers", "1", "--format", "html", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert_inert(page)
    assert page.count('<section class="pair"') == 1
    result = runner.invoke(main, ["compare", str(seeds_dir / SEED_000), str(seeds_dir / SEED_002), "--format", "html",
                                  "-o", str(tmp_path / "c.html")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert_inert(page)
    assert page.count('<section class="pair"') == 1 and 'id="count-articles"><span class="number">2<' in page


def test_template_is_package_data():
    import importlib.resources

    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"provenance.templates" = ["*.html", "*.css", "*.js"]' in pyproject and '"provenance.templates"]' in pyproject
    # Where the package is installed (CI installs it, not in place), the files came along.
    for name in ("report.html", "report.css", "report.js"):
        assert (importlib.resources.files("provenance") / "templates" / name).is_file()
