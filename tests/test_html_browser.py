"""The HTML report in a real browser: headless Chromium driven by Playwright, from file://, offline.

Proves what a parser cannot: the tree is drawn 000 → 002 with its overlap, a click
on a passage brings its partner into view and focus, the layout stacks on a phone,
and a hostile corpus runs no script, opens no dialog, keeps the page's structure
and makes no request beyond the document itself. Screenshots go to tests/artifacts/.
Skipped (with the reason) only when Chromium is not installed; .ci/run installs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from provenance.html import render_html
from provenance.report import percent
from tests.conftest import SEED_000, SEED_002
from tests.hostile import SCRIPT, write_hostile_corpus

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("PROVENANCE_CHROMIUM", "/usr/bin/chromium"))
# No sandbox (CI runs as root in a container), and nothing that phones home on its own.
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Runs before the page's own code: records CSP violations (an attempt to load or run anything blocked).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@dataclass
class Log:
    """What a page did beyond rendering."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (.ci/run does), "
                    "or set PROVENANCE_CHROMIUM, or deselect with -m 'not browser'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def open_report(browser: Any, path: Path, viewport: dict[str, int], javascript: bool = True) -> tuple[Any, Log]:
    """Open ``path`` from file:// with every request recorded and anything but the document aborted."""
    url = path.resolve().as_uri()
    log = Log()
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, offline=True)

    def route(request_route: Any) -> None:
        if request_route.request.url == url:
            request_route.continue_()
        else:
            log.blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.on("request", lambda request: log.requests.append(request.url))
    page.on("websocket", lambda socket: log.websockets.append(socket.url))
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.on("console", lambda message: log.errors.append(message.text) if message.type == "error" else None)

    def dialog(opened: Any) -> None:
        log.dialogs.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    page.goto(url)
    page.wait_for_load_state("load")
    return page, log


def assert_quiet(page: Any, log: Log, path: Path) -> None:
    """Nothing ran but our script, nothing was asked of the network, nothing was blocked or failed."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert log.dialogs == []
    assert log.requests == [path.resolve().as_uri()]
    assert log.blocked == [] and log.websockets == []
    assert page.evaluate("window.__violations") == []
    assert log.errors == []


@pytest.fixture(scope="module")
def seed_html(seed_report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html") / "seeds.html"
    path.write_text(render_html(seed_report), encoding="utf-8")
    return path


def test_tree_is_drawn_000_to_002_with_overlap(browser, seed_report, seed_html):
    page, log = open_report(browser, seed_html, LAPTOP)
    tree = page.locator("svg.tree").first
    source = tree.locator(".node", has_text=SEED_000)
    derived = tree.locator(".node", has_text=SEED_002)
    edge = tree.locator("g.edge")
    assert edge.count() == 1
    assert edge.locator(".edge-label").text_content() == f"{percent(seed_report.matches[0].overlap)}%"
    assert edge.locator("title").text_content().startswith(f"{SEED_000} → {SEED_002}")
    # Drawn left to right: the edge leaves 000's right side and arrives at 002's left side.
    box = "e => { const b = e.getBBox(); return [b.x, b.x + b.width]; }"  # geometry in SVG units, no stroke
    source_box, derived_box = source.locator("rect").evaluate(box), derived.locator("rect").evaluate(box)
    assert edge.locator("path").evaluate(box) == [source_box[1], derived_box[0]]
    assert source_box[1] < derived_box[0]
    assert "2023-09-30" in derived.text_content() and "date unknown" in source.text_content()
    # The inline style ran (its CSP hash matched): passages are coloured, the root is framed.
    colour = page.locator("#p-0-0-s").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(255, 224, 138)"
    assert page.locator(".histogram .bar").count() == 1
    assert page.locator("#count-pairs .number").text_content() == "1"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-seeds-laptop.png"), full_page=True)
    assert_quiet(page, log, seed_html)
    page.context.close()


def test_click_on_passage_jumps_to_its_partner_on_a_phone(browser, seed_report, seed_html):
    page, log = open_report(browser, seed_html, PHONE)
    # A phone stacks the two texts, so the partner starts out of view.
    source_pane = page.locator(".pair .side.source").bounding_box()
    derived_pane = page.locator(".pair .side.derived").bounding_box()
    assert derived_pane["y"] >= source_pane["y"] + source_pane["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    last = len(seed_report.matches[0].passages) - 1
    passage, partner = page.locator(f"#p-0-{last}-s"), page.locator(f"#p-0-{last}-d")
    passage.scroll_into_view_if_needed()
    assert not _in_viewport(partner)
    passage.click()
    _wait_for_jump(page, f"p-0-{last}-d")
    assert _in_viewport(partner)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-seeds-phone-after-click.png"))
    # And back again.
    partner.click()
    _wait_for_jump(page, f"p-0-{last}-s")
    assert_quiet(page, log, seed_html)
    page.context.close()


def test_passage_links_work_without_javascript(browser, seed_html):
    page, log = open_report(browser, seed_html, PHONE, javascript=False)
    passage, partner = page.locator("#p-0-0-s"), page.locator("#p-0-0-d")
    passage.scroll_into_view_if_needed()
    assert not _in_viewport(partner)
    passage.click()
    assert page.url.endswith("#p-0-0-d")
    # The browser's own (smooth) jump to the fragment, no script involved: poll until it lands.
    for _ in range(50):
        if _in_viewport(partner):
            break
        page.wait_for_timeout(100)
    assert _in_viewport(partner)
    assert log.requests == [seed_html.resolve().as_uri()] and log.dialogs == [] and log.errors == []
    page.context.close()


# Whether an element's first line box is inside the viewport (scrolling is smooth: poll it).
_VISIBLE_JS = """e => { const r = e.getClientRects()[0];
  return !!r && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth; }"""


def _in_viewport(locator: Any) -> bool:
    return bool(locator.evaluate(_VISIBLE_JS))


def _wait_for_jump(page: Any, target: str) -> None:
    """Wait until the URL names ``target``, it has focus, and (scrolling smoothly) it is in view.

    Functions, not expression strings: the page's CSP forbids eval, which string predicates need.
    """
    page.wait_for_function("id => location.hash === '#' + id", arg=target)
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=target)
    page.wait_for_function(f"id => ({_VISIBLE_JS})(document.getElementById(id))", arg=target)


def test_hostile_corpus_runs_nothing_and_loads_nothing(browser, tmp_path):
    from provenance.pipeline import scan

    report = scan([write_hostile_corpus(tmp_path / "corpus")], workers=1)
    assert report.matches, "the hostile corpus must render at least one pair section"
    path = tmp_path / "hostile.html"
    path.write_text(render_html(report), encoding="utf-8")
    page, log = open_report(browser, path, LAPTOP)
    # Give any payload every chance: hover and click things, follow a passage.
    for selector in (".node", ".edge-label", ".chip a", ".articles td", ".text", "h3 a"):
        for element in page.locator(selector).all()[:6]:
            element.hover()
    page.locator("#p-0-0-s").click()
    _wait_for_jump(page, "p-0-0-d")
    page.mouse.move(5, 5)

    assert page.title() == "provenance report"
    structure = page.evaluate(
        """() => ({
          sections: [...document.querySelectorAll('body > main > section')].map(s => s.id),
          scripts: document.scripts.length,
          foreign: document.querySelectorAll('img, iframe, link, object, embed, form, base, style:not(head > style), meta[http-equiv="refresh"], body script:not(body > script:last-of-type)').length,
          handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on')).length,
          pairs: document.querySelectorAll('section.pair').length,
          rows: document.querySelectorAll('table.articles tbody tr').length,
          hrefs: [...document.querySelectorAll('[href]')].map(e => e.getAttribute('href')).filter(h => !/^#[a-z0-9-]+$/.test(h)),
        })"""
    )
    assert structure == {
        "sections": ["overview", "trees", "stories", "pairs", "articles", "skipped"],
        "scripts": 1,
        "foreign": 0,
        "handlers": 0,
        "pairs": len(report.matches),
        "rows": len(report.articles),
        "hrefs": [],
    }
    # The payloads are shown as text, exactly.
    assert SCRIPT in page.locator("#pair-0 .side.source .text").inner_text()
    assert SCRIPT in page.locator("table.articles").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)
    assert_quiet(page, log, path)
    page.context.close()
