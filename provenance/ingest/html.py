"""HTML pages: main text and metadata with trafilatura, publication dates with htmldate.

Owns turning one HTML document (a file, or a WARC record's payload) into an
``Article``: the extracted main text (offsets refer to it), title, author, the
page's URL (given, or its canonical / ``og:url`` link) and site (the URL's host,
else the file's folder), and the publication date with where it came from.

Date precedence, strongest first (``Article.published_from``):

1. ``metadata`` — the page's own markup: ``<meta>`` tags (``article:published_time``,
   ``date``, ...), JSON-LD, ``<time datetime>`` elements. Read by htmldate from
   those elements only, so a visible header cannot pass for metadata.
2. ``url`` — a date in the URL path (``/2023/09/14/slug/``).
3. ``date-line`` — a short visible line that is just a date ("Sat. Sep 30th, 2023"),
   anywhere on the page. Often a theme's display or scrape date: weak evidence.

Boilerplate trafilatura leaves in the text (comment-form lines, share bars, the
date line) is masked, not removed (``boilerplate.known_spans``). Nothing here
walks folders or decides what is a derivation.
"""

from __future__ import annotations

import logging
import posixpath
from pathlib import Path
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

import htmldate
import lxml.etree
import lxml.html
import trafilatura

from provenance.boilerplate import known_spans, merge_spans
from provenance.ingest.base import MAX_ARTICLE_CHARS, Item, Reader, file_too_big, register
from provenance.ingest.dates import find_date_line, looks_like_date
from provenance.model import Article, Skipped

# trafilatura and htmldate log every page they find no date or text in; the Skipped reason says it once.
for _name in ("trafilatura", "htmldate"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_EMPTY_PAGE = "<html><body></body></html>"
# Text nodes longer than this are sentences, not date lines.
_DATE_NODE_MAX_CHARS = 60
_INVISIBLE = ("script", "style", "noscript", "template", "head")
# Fewer words than this is what trafilatura's fallbacks return for a menu or a media page, not a story.
MIN_TEXT_WORDS = 10
# libxml2's HTML parser stops descending here: whatever a page nests deeper (hostile or generated
# markup) never reaches the tree, and its text is lost.
PARSER_DEPTH = 255


def looks_like_html(head: bytes) -> bool:
    """Whether bytes start (after a BOM, blanks and comments) like an HTML document."""
    start = head.lstrip(b"\xef\xbb\xbf").lstrip()[:256].lower()
    while start.startswith(b"<!--"):
        end = start.find(b"-->")
        if end < 0:
            return False
        start = start[end + 3 :].lstrip()
    if start.startswith(b"<?xml"):
        start = start[start.find(b"?>") + 2 :].lstrip()
    return start.startswith((b"<!doctype html", b"<html"))


def _parse(content: bytes | str) -> Optional[lxml.html.HtmlElement]:
    try:
        if isinstance(content, str):
            # lxml refuses str with an XML encoding declaration; bytes let it read <meta charset>.
            content = content.encode("utf-8")
        return lxml.html.document_fromstring(content)
    except (lxml.etree.ParserError, ValueError):
        return None


def _metadata_date(tree: lxml.html.HtmlElement) -> Optional[str]:
    """The date in the page's markup only: meta tags, JSON-LD and <time datetime> elements."""
    head = lxml.html.Element("head")
    body = lxml.html.Element("body")
    for meta in tree.iter("meta"):
        head.append(lxml.html.Element("meta", dict(meta.attrib)))
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        copy = lxml.html.Element("script", {"type": "application/ld+json"})
        copy.text = script.text
        head.append(copy)
    for time in tree.xpath("//time[@datetime]"):
        body.append(lxml.html.Element("time", {"datetime": time.get("datetime", "")}))
    if not len(head) and not len(body):
        return None
    page = lxml.html.Element("html")
    page.extend([head, body])
    return htmldate.find_date(page, extensive_search=False, original_date=True)


def url_date(url: Optional[str]) -> Optional[str]:
    """A date in the URL's path (``/2023/09/14/...``), or ``None``."""
    if not url:
        return None
    return htmldate.find_date(_EMPTY_PAGE, url=url, extensive_search=False)


def _depth(tree: lxml.html.HtmlElement) -> int:
    """How many levels the parsed tree holds below its root."""
    deepest, level = 0, 0
    for event, _ in lxml.etree.iterwalk(tree, events=("start", "end")):
        level += 1 if event == "start" else -1
        deepest = max(deepest, level)
    return deepest - 1


def _date_line(tree: lxml.html.HtmlElement) -> Optional[str]:
    """The first visible text node on the page that is just a date (or a label and a date)."""
    nodes = []
    for text in tree.xpath("//body//text()"):
        parent = text.getparent()
        if parent is None or any(ancestor.tag in _INVISIBLE for ancestor in parent.iterancestors()) or parent.tag in _INVISIBLE:
            continue
        stripped = " ".join(str(text).split())
        if stripped:
            nodes.append(stripped)
    for index, node in enumerate(nodes):
        if len(node) <= _DATE_NODE_MAX_CHARS:
            # Two nodes at a time: "Published On:" and its date are often separate elements.
            found = find_date_line("\n".join(nodes[index : index + 2]))
            if found:
                return found
    return None


def _canonical_url(tree: lxml.html.HtmlElement) -> Optional[str]:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        found = [value.strip() for value in tree.xpath(xpath) if value.strip().startswith(("http://", "https://"))]
        if found:
            return found[0]
    return None


def site_from(url: Optional[str], path: str) -> str:
    """The URL's host (without ``www.``), else the folder of ``path``."""
    host = urlsplit(url).hostname if url else None
    if host:
        return host.removeprefix("www.")
    return posixpath.dirname(path.replace("\\", "/")) or "."


def extract_article(content: bytes | str, article_id: str, path: str, url: Optional[str] = None,
                    crawled: Optional[str] = None) -> Article | Skipped:
    """One HTML document as an article (or why it cannot be one).

    Args:
        content: The HTML (bytes are decoded by the page's own charset, else detected).
        article_id: The id to give the article.
        path: Where it was read from (file, or ``file#record``).
        url: The page's URL if known (a WARC record's target); else the page's canonical link.
        crawled: When it was fetched (a WARC-Date), kept as is; never a publication date.

    Returns:
        The article, or ``Skipped`` with a one-line reason.
    """
    tree = _parse(content)
    if tree is None:
        return Skipped(path, "not parseable as HTML")
    url = url or _canonical_url(tree)
    document = trafilatura.bare_extraction(
        content, url=url, with_metadata=True, include_comments=False, include_tables=True, deduplicate=False
    )
    # trafilatura returns a Document (or a dict, with as_dict); read it as a dict either way.
    found: dict[str, Any] = document if isinstance(document, dict) else (document.as_dict() if document is not None else {})
    text = found.get("text") or ""
    words = len(text.split())
    if words < MIN_TEXT_WORDS:
        if _depth(tree) >= PARSER_DEPTH:
            return Skipped(path, f"no main text found in the page ({words} words): its elements nest deeper than the "
                                 f"{PARSER_DEPTH} levels the HTML parser reads; give its text as a .txt file")
        return Skipped(path, f"no main text found in the page ({words} words; navigation or media only?)")
    published, published_from = _metadata_date(tree), "metadata"
    if published is None:
        published, published_from = url_date(url), "url"
    if published is None:
        published, published_from = _date_line(tree), "date-line"
    masked = merge_spans(known_spans(text, looks_like_date))
    return Article(
        id=article_id,
        text=text,
        path=path,
        title=found.get("title") or None,
        published=published,
        published_from=published_from if published else None,
        url=url or found.get("url") or None,
        author=found.get("author") or None,
        site=site_from(url, path),
        masked=masked,
        crawled=crawled,
    )


# The mark of provenance's own HTML report (``templates/report.html``).
OUR_REPORT = b'<meta name="generator" content="provenance">'


class HtmlReader(Reader):
    name = "html"
    extensions = (".html", ".htm", ".xhtml")

    def sniff(self, head: bytes) -> bool:
        return looks_like_html(head)

    def read(self, path: Path, article_id: str, *, max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        # Markup is never read past the cap; the extracted text is checked by read_corpus.
        big = file_too_big(path, max_chars)
        if big is not None:
            yield big
            return
        data = path.read_bytes()
        if OUR_REPORT in data[:2048]:
            # A report written into the corpus folder (`scan dir -o dir/report.html`) would be read
            # back next time as an article holding every text it shows, and root every tree.
            yield Skipped(str(path), "a provenance report, not an article; write reports outside the corpus")
            return
        yield extract_article(data, article_id, str(path))


register(HtmlReader())
