"""Boilerplate: spans of an article's text that are a site's furniture, not its story.

Owns two ways of finding them, both adding half-open spans to ``Article.masked``
(the text itself is never changed, so offsets stay true to the original):

- **known lines**: lines any scraped page may carry that are never a story —
  comment forms ("Leave a Reply"), share bars ("Share this:"), post navigation,
  "Related Posts", a theme's date line — matched by pattern (``known_spans``);
- **per-site lines**: a sentence of a line that repeats across pages of one site
  (bylines, disclaimers, footers, a spinner's stock sentences pasted into
  paragraphs: "Stay tuned for further updates.") is learned from the site itself
  (``mask_site_boilerplate``). A line is the site's boilerplate when it appears
  on many pages — half of a small site, or more pages than one story is ever
  republished on (``REPUBLISHED_PAGES`` plus 1% of a large site; a rotating footer
  on a tenth of a big site qualifies, a paragraph copied by a family of articles
  does not) — *in different company*: the block of repeated
  lines it belongs to has different neighbouring lines in at least
  ``MIN_CONTEXTS`` of them (and in most of its occurrences). A footer follows a
  different story on every page; a story the site republished whole, headline and
  all, has the same company every time and stays. (A story republished three
  times under three different headlines would be taken for furniture.) Lines are compared after collapsing whitespace and case. A site is
  the host of an article's URL, or else the folder its file is in.

Deterministic: the result depends only on the articles, not on their order.
Nothing here reads files or decides what is a derivation.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections import Counter, defaultdict
from typing import Callable, Iterable, Iterator, Optional, Sequence
from urllib.parse import urlsplit

from provenance.model import Article

# A line repeated in at least this many pages of a site ...
MIN_PAGES = 3
# ... and in half of a small site's pages, or in more pages than a story is ever republished on
# one site (REPUBLISHED_PAGES, plus 1% of a large site) ...
MIN_SHARE = 0.5
REPUBLISHED_PAGES = 10
REPUBLISHED_SHARE = 0.01
# ... with at least this many different (previous line, next line) neighbourhoods, and
MIN_CONTEXTS = 3
# ... different neighbours in at least this fraction of its pages, is the site's boilerplate.
MIN_CONTEXT_SHARE = 0.5
# Shorter lines ("Home", "0") carry no shingles worth masking and are too often real content.
MIN_LINE_CHARS = 12

_LINE = re.compile(r"[^\n]+")
# A unit is a sentence of a line: a footer line is one or two sentences, and a stock sentence a
# spinner pastes into paragraphs ("Stay tuned for further updates.") is one.
_UNIT = re.compile(r"[^\n]+?(?:[.!?][\"'”’)\]]*(?=\s)|$)", re.MULTILINE)

# Lines a page's furniture leaves in extracted text; whole-line matches only, so a story that
# quotes "leave a reply" in a sentence keeps it.
_KNOWN = re.compile(
    r"""(?:leave\ a\ (?:reply|comment)(?:\ cancel\ reply)?
    | your\ email\ address\ will\ not\ be\ published\.?(?:\ required\ fields\ are\ marked\ \*)?
    | required\ fields\ are\ marked\ \*
    | please\ enter\ your\ (?:comment|name\ here|email\ address\ here)!?
    | you\ have\ entered\ an\ incorrect\ email\ address!?
    | save\ my\ name,\ email,\ and\ website\ in\ this\ browser\ for\ the\ next\ time\ i\ comment\.?
    | (?:post\ comment|submit\ comment|cancel\ reply)
    | (?:share\ this|like\ this|share\ on\ \w+|share|tweet|print|email|facebook|twitter|whatsapp|telegram|linkedin|pinterest|reddit)\ ?:?
    | click\ to\ (?:share|print|email)\b.*
    | (?:related(?:\ posts?|\ articles?|\ stories)?|you\ may\ (?:also\ )?like|more\ stories|recent\ posts|read\ more|continue\ reading|source\ link|post\ navigation|advertisement)\ ?:?
    | (?:previous|next)\ (?:post|article|story)?\ ?:.*
    | (?:copyright\ )?(?:©|\(c\))\ ?.{0,80}
    | copyright\ (?:©\ )?(?:19|20)\d\d\b.{0,80}
    | all\ rights\ reserved\.?
    | loading\.\.\.
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def known_spans(text: str, is_date_line: Optional[Callable[[str], bool]] = None) -> list[tuple[int, int]]:
    """Spans of whole lines of ``text`` that are known page furniture.

    Args:
        text: Extracted article text.
        is_date_line: Optional test for a theme's date line ("Sat. Sep 30th, 2023"), masked too.

    Returns:
        Half-open spans (stripped lines), in text order.
    """
    spans = []
    for found in _LINE.finditer(text):
        line = found.group()
        stripped = line.strip()
        if not stripped:
            continue
        if _KNOWN.fullmatch(stripped) or (is_date_line is not None and is_date_line(stripped)):
            start = found.start() + (len(line) - len(line.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


def merge_spans(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sorted, non-overlapping union of half-open spans (empty spans dropped)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def site_of(article: Article) -> str:
    """The site an article belongs to: its ``site``, its URL's host, or the folder of its file."""
    if article.site:
        return article.site
    if article.url:
        host = urlsplit(article.url).hostname
        if host:
            return host.removeprefix("www.")
    # JSONL and CSV paths carry ":line" / ":row" and WARC ids "#n": the folder is what counts.
    return posixpath.dirname(article.path.replace("\\", "/")) or "."


def _key(line: str) -> str:
    return " ".join(line.split()).casefold()


def _lines(text: str) -> Iterator[tuple[str, int, int]]:
    """(key, start, end) of each non-trivial unit (a sentence of a line), stripped of blanks."""
    for found in _UNIT.finditer(text):
        line = found.group()
        stripped = line.strip()
        if len(stripped) < MIN_LINE_CHARS:
            continue
        start = found.start() + (len(line) - len(line.lstrip()))
        yield _key(stripped), start, start + len(stripped)


def _repeated_blocks(keys: list[str], counts: Counter[str]) -> Iterator[tuple[int, int]]:
    """Runs of consecutive lines that repeat on other pages.

    A footer of three lines moves as one block; its company is the story before it.
    """
    position = 0
    while position < len(keys):
        if counts[keys[position]] < MIN_PAGES:
            position += 1
            continue
        end = position
        while end < len(keys) and counts[keys[end]] >= MIN_PAGES:
            end += 1
        yield position, end
        position = end


def site_boilerplate(articles: Sequence[Article]) -> dict[str, frozenset[str]]:
    """The boilerplate lines (normalised keys) of each site with enough pages to tell."""
    pages: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        pages[site_of(article)].append(article)
    learned: dict[str, frozenset[str]] = {}
    for site, members in pages.items():
        if len(members) < MIN_PAGES:
            continue
        pages_lines = [[key for key, _, _ in _lines(article.text)] for article in members]
        counts: Counter[str] = Counter()
        for keys in pages_lines:
            counts.update(set(keys))
        contexts: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for keys in pages_lines:
            for block_start, block_end in _repeated_blocks(keys, counts):
                context = (keys[block_start - 1] if block_start else "", keys[block_end] if block_end < len(keys) else "")
                for key in keys[block_start:block_end]:
                    contexts[key].add(context)
        least = max(MIN_PAGES, min(MIN_SHARE * len(members), REPUBLISHED_PAGES + REPUBLISHED_SHARE * len(members)))
        lines = frozenset(
            key
            for key, count in counts.items()
            if count >= least and len(contexts[key]) >= max(MIN_CONTEXTS, MIN_CONTEXT_SHARE * count)
        )
        if lines:
            learned[site] = lines
    return learned


def mask_site_boilerplate(articles: Sequence[Article]) -> list[Article]:
    """The articles, each with its site's repeated lines added to ``masked`` (same order).

    Articles whose site has fewer than ``MIN_PAGES`` pages are returned unchanged.
    """
    learned = site_boilerplate(articles)
    return [mask_article(article, learned) for article in articles]


def mask_article(article: Article, learned: dict[str, frozenset[str]] | dict[str, set[str]]) -> Article:
    """One article with its site's learned boilerplate lines (from ``site_boilerplate``) masked."""
    lines = learned.get(site_of(article))
    if not lines:
        return article
    spans: list[tuple[int, int]] = []
    for key, start, end in _lines(article.text):
        if key not in lines:
            continue
        gap = article.text[spans[-1][1] : start] if spans else "\n"
        if gap.isspace() and "\n" not in gap or gap == "":
            spans[-1] = (spans[-1][0], end)  # sentences of one masked line make one span
        else:
            spans.append((start, end))
    if not spans:
        return article
    return dataclasses.replace(article, masked=merge_spans([*article.masked, *spans]))
