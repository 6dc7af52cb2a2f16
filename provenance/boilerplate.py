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
  times under three different headlines would be taken for furniture.) Lines are
  compared after collapsing whitespace and case. A site is the host of an article's
  URL, or else the folder its file is in.

Speed: a site's units are found once, by one compiled pass over its texts' code points
(``_find_units``, the units of the ``_UNIT`` pattern), each with a 64-bit hash of its
key; pages, blocks and contexts are then counted over arrays of hashes, and key strings
are made only for the lines learned. ``mask_article`` (one article, learned keys given)
keeps the pattern.

Memory: a site's texts are never joined whole (a chunk of pages at a time is encoded), and
its units cost 16 bytes each (hash, and int32 start and end), written straight into large
segments that are given back whole. Most keys are on one page: a count-min sketch of the
hashes (two bytes per unit) rules them out, and only the units of keys that may be on
``MIN_PAGES`` pages are counted exactly, so nothing sorts every unit. The units are freed
before the masked articles are made: 1M news articles (3.4 GB of text) need about 0.6 GiB
on top of their texts.

Deterministic: the result depends only on the articles, not on their order.
Nothing here reads files or decides what is a derivation.
"""

from __future__ import annotations

import dataclasses
import itertools
import posixpath
import re
from collections import defaultdict
from typing import Callable, Iterable, Iterator, Optional, Sequence
from urllib.parse import urlsplit

import numba
import numpy as np

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
    """(key, start, end) of each non-trivial unit (a sentence of a line), stripped of blanks.

    The definition of a unit; ``_find_units`` finds the same units, faster, for whole sites.
    """
    for found in _UNIT.finditer(text):
        line = found.group()
        stripped = line.strip()
        if len(stripped) < MIN_LINE_CHARS:
            continue
        start = found.start() + (len(line) - len(line.lstrip()))
        yield _key(stripped), start, start + len(stripped)


# --- the same units, found in one compiled pass over a site's code points -----------------

# A site's texts are encoded (UTF-32, or bytes when ASCII) and scanned this many characters at a time.
CHUNK_CHARS = 1 << 23
# A site's units are kept in arrays of this many (32 MiB of hashes a segment).
SEGMENT_UNITS = 1 << 22
_NEWLINE = 10
_SPACE = 32
_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_ENDS = tuple(ord(c) for c in ".!?")
_CLOSERS = tuple(ord(c) for c in "\"'”’)]")


@dataclasses.dataclass(frozen=True)
class _Units:
    """The units of a run of consecutive pages of a site, in page and text order (units shorter
    than ``MIN_LINE_CHARS`` left out): 16 bytes a unit.

    Attributes:
        first_page: Index of the run's first page among the site's pages.
        bounds: The units of the run's ``p``-th page are ``bounds[p]:bounds[p + 1]``.
        start: Stripped start offset in its page's text (int32 unless a text is longer).
        end: Stripped end offset.
        key: 64-bit FNV-1a hash of the unit's key (whitespace collapsed, case folded): equal
            keys, equal hashes; two different keys of one site sharing a hash is a 2**-64 chance.
    """

    first_page: int
    bounds: np.ndarray
    start: np.ndarray
    end: np.ndarray
    key: np.ndarray

    def pages(self, units: np.ndarray) -> np.ndarray:
        """The site's page index of each of ``units`` (positions in this run)."""
        return self.first_page + np.searchsorted(self.bounds, units, side="right") - 1


def _char_tables(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each code point up to the largest in ``codes``: whether it is a space (``str.isspace``,
    which regex ``\\s`` follows), and its case folding as ``[length, code points...]``."""
    top = max(int(codes.max(initial=0)) + 1, 128)
    others = codes[codes >= 128]
    chars = [*range(128), *(np.flatnonzero(np.bincount(others)) if len(others) else [])]
    space = np.zeros(top, dtype=np.bool_)
    fold = np.zeros((top, 4), dtype=np.uint32)
    for c in chars:
        folded = [ord(f) for f in chr(c).casefold()]
        space[c] = chr(c).isspace()
        fold[c, 0] = len(folded)
        fold[c, 1 : 1 + len(folded)] = folded
    return space, fold


@numba.njit(cache=True)
def _find_units(codes, offsets, space, fold, min_chars, starts, ends, keys, units):  # pragma: no cover - compiled
    """Stripped start, end and key hash of each unit of ``codes`` at least ``min_chars`` long,
    written to ``starts``, ``ends`` and ``keys`` (room for ``len(codes) // min_chars + 1``);
    returns how many. ``codes`` are pages, the ``p``-th at ``offsets[p]``: offsets are made
    relative to the unit's page, and each page's units counted in ``units[p]``.

    A unit, as ``_UNIT`` matches it: from its first character (not a newline) up to the
    first newline, the end of the text, or a sentence end after that first character: one
    of ``.!?``, then closing quotes and brackets, then a space (left to the next unit). One
    pass: the key hash is built as the unit is read (blanks inside as one space, none at
    either end; other characters case folded).
    """
    n = codes.shape[0]
    count = 0
    page = 0
    position = 0
    while position < n:
        if codes[position] == _NEWLINE:
            position += 1
            continue
        first = -1  # the unit stripped: [first, last)
        last = -1
        key = np.uint64(_FNV_OFFSET)
        blank = False
        closing = False  # after a sentence end and its closers so far: a space here ends the unit
        at = position
        while True:
            c = codes[at]
            if space[c]:
                if closing:
                    break
                blank = True
            else:
                if first < 0:
                    first = at
                elif blank:
                    key = (key ^ np.uint64(_SPACE)) * np.uint64(_FNV_PRIME)
                blank = False
                if fold[c, 0] == 1:  # most characters: one folds to one
                    key = (key ^ np.uint64(fold[c, 1])) * np.uint64(_FNV_PRIME)
                else:
                    for f in range(1, 1 + fold[c, 0]):
                        key = (key ^ np.uint64(fold[c, f])) * np.uint64(_FNV_PRIME)
                last = at + 1
                if at > position and (c == _ENDS[0] or c == _ENDS[1] or c == _ENDS[2]):
                    closing = True
                elif not (c == _CLOSERS[0] or c == _CLOSERS[1] or c == _CLOSERS[2]
                          or c == _CLOSERS[3] or c == _CLOSERS[4] or c == _CLOSERS[5]):
                    closing = False
            at += 1
            if at == n or codes[at] == _NEWLINE:
                break
        position = at
        if first >= 0 and last - first >= min_chars:
            while offsets[page + 1] <= first:
                page += 1
            starts[count] = first - offsets[page]
            ends[count] = last - offsets[page]
            keys[count] = key
            units[page] += 1
            count += 1
    return count


@numba.njit(cache=True, parallel=True)
def _find_units_in_parts(codes, offsets, space, fold, min_chars, starts, ends, keys, units, parts):  # pragma: no cover - compiled
    """``_find_units`` on ``parts`` runs of pages at once (the threads), with the same result: each run's
    units are written into room of its own, then moved down behind the run before. Needs room for
    ``len(codes) // min_chars + parts`` units."""
    pages = offsets.shape[0] - 1
    parts = max(1, min(parts, pages))
    first_page = np.empty(parts + 1, dtype=np.int64)
    room = np.zeros(parts + 1, dtype=np.int64)
    for k in range(parts + 1):
        first_page[k] = pages * k // parts
    for k in range(parts):
        room[k + 1] = room[k] + (offsets[first_page[k + 1]] - offsets[first_page[k]]) // min_chars + 1
    found = np.zeros(parts, dtype=np.int64)
    for k in numba.prange(parts):
        lo, hi = first_page[k], first_page[k + 1]
        at = room[k]
        found[k] = _find_units(codes[offsets[lo] : offsets[hi]], offsets[lo : hi + 1] - offsets[lo], space, fold, min_chars,
                               starts[at:], ends[at:], keys[at:], units[lo:hi])
    count = found[0]
    for k in range(1, parts):
        for i in range(found[k]):  # forward: the room moved from lies at or after the room moved to
            starts[count + i] = starts[room[k] + i]
            ends[count + i] = ends[room[k] + i]
            keys[count + i] = keys[room[k] + i]
        count += found[k]
    return count


def _site_units(texts: Sequence[str]) -> list[_Units]:
    """The units of each text, found a chunk of texts at a time (and kept in those chunks)."""
    chunks = []
    offset = np.int32 if max(map(len, texts), default=0) < 2**31 else np.int64
    keys, spans, used = np.zeros(0, dtype=np.uint64), np.zeros((0, 2), dtype=offset), 0  # a segment: hashes, (start, end)
    first = 0
    while first < len(texts):
        last, size = first, 0
        while last < len(texts) and (last == first or size + len(texts[last]) < CHUNK_CHARS):
            size += len(texts[last]) + 1
            last += 1
        # Pages joined by newlines: a unit never crosses a line, so never a page.
        joined = "\n".join(texts[first:last])
        if joined.isascii():
            codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        else:
            codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        del joined
        parts = numba.get_num_threads()
        most = len(codes) // MIN_LINE_CHARS + parts
        if used + most > len(keys):
            # Units are written straight into segments of SEGMENT_UNITS: arrays over glibc's
            # largest mmap threshold (32 MB) are mapped apart and given back whole once freed,
            # and the room no chunk reached is never touched, so never resident.
            rest = sum(len(text) for text in texts[first:]) // MIN_LINE_CHARS + len(texts) - first
            room = max(most, min(SEGMENT_UNITS, rest))
            keys, spans, used = np.empty(room, dtype=np.uint64), np.empty((room, 2), dtype=offset), 0
        units = np.zeros(last - first, dtype=np.int64)
        offsets = np.cumsum([0] + [len(text) + 1 for text in texts[first:last]])
        count = _find_units_in_parts(codes, offsets, *_char_tables(codes), MIN_LINE_CHARS,
                                     spans[used:, 0], spans[used:, 1], keys[used:], units, parts)
        chunks.append(_Units(first, np.concatenate(([0], np.cumsum(units))), spans[used : used + count, 0],
                             spans[used : used + count, 1], keys[used : used + count]))
        used += count
        first = last
    return chunks


# Multipliers (odd, well mixed) spreading a key's hash over the two rows of the page sketch.
_ROW_0 = 0x9E3779B97F4A7C15
_ROW_1 = 0xC2B2AE3D27D4EB4F


@numba.njit(cache=True)
def _sketch_count(key, sketch, shift):  # pragma: no cover - compiled
    """Count each key in both rows of ``sketch`` (a count-min sketch), up to ``MIN_PAGES``."""
    for u in range(key.shape[0]):
        slot = (key[u] * np.uint64(_ROW_0)) >> np.uint64(shift)
        if sketch[0, slot] < MIN_PAGES:
            sketch[0, slot] += 1
        slot = (key[u] * np.uint64(_ROW_1)) >> np.uint64(shift)
        if sketch[1, slot] < MIN_PAGES:
            sketch[1, slot] += 1


@numba.njit(cache=True)
def _sketch_reaches(key, sketch, shift):  # pragma: no cover - compiled
    """For each key, whether both its counts in ``sketch`` reached ``MIN_PAGES``."""
    reaches = np.empty(key.shape[0], dtype=np.bool_)
    for u in range(key.shape[0]):
        reaches[u] = (sketch[0, (key[u] * np.uint64(_ROW_0)) >> np.uint64(shift)] >= MIN_PAGES
                      and sketch[1, (key[u] * np.uint64(_ROW_1)) >> np.uint64(shift)] >= MIN_PAGES)
    return reaches


@numba.njit(cache=True)
def _dense_ids(sorted_keys, order):  # pragma: no cover - compiled
    """Each key's index among the distinct keys (``sorted_keys`` is ``keys[order]``), in the keys'
    order, and how many there are: ``np.unique``'s inverse, without its copies of the keys."""
    ids = np.empty(order.shape[0], dtype=np.int32)
    n = 0
    for i in range(order.shape[0]):
        if i > 0 and sorted_keys[i] != sorted_keys[i - 1]:
            n += 1
        ids[order[i]] = n
    return ids, n + 1 if order.shape[0] else 0


@numba.njit(cache=True)
def _pages(page, key_id, keys):  # pragma: no cover - compiled
    """How many pages each key is on (units in page order)."""
    pages = np.zeros(keys, dtype=np.int64)
    last_page = np.full(keys, -1, dtype=np.int64)
    for u in range(page.shape[0]):
        if last_page[key_id[u]] != page[u]:
            last_page[key_id[u]] = page[u]
            pages[key_id[u]] += 1
    return pages


# A page's edge, as a block's neighbour: a key's hash is this by a 2**-64 chance.
_EDGE = 0
_MIX_0 = 0xBF58476D1CE4E5B9
_MIX_1 = 0x94D049BB133111EB


@numba.njit(cache=True)
def _mix(x):  # pragma: no cover - compiled
    """SplitMix64's finaliser: a bijection of 64-bit values that scatters their bits."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(_MIX_0)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(_MIX_1)
    return x ^ (x >> np.uint64(31))


@numba.njit(cache=True)
def _block_contexts(bounds, key, repeated):  # pragma: no cover - compiled
    """Each member of a repeated block of a run of pages, and its block's neighbours as one hash.

    A block is a run of consecutive units of a page whose keys are each on ``MIN_PAGES``
    pages or more (``repeated``: the key's index among those keys, -1 for the others: a
    footer of three lines moves as one block); its neighbours are the keys just before and
    after it on the page (``_EDGE`` at either end), hashed together: two different pairs
    sharing a hash is, as for keys, a 2**-64 chance.
    """
    n = key.shape[0]
    members = np.empty(n, dtype=np.int32)
    contexts = np.empty(n, dtype=np.uint64)
    count = 0
    for p in range(bounds.shape[0] - 1):
        u = bounds[p]
        while u < bounds[p + 1]:
            if repeated[u] < 0:
                u += 1
                continue
            end = u
            while end < bounds[p + 1] and repeated[end] >= 0:
                end += 1
            before = key[u - 1] if u > bounds[p] else np.uint64(_EDGE)
            after = key[end] if end < bounds[p + 1] else np.uint64(_EDGE)
            context = _mix(_mix(before) ^ after)
            for m in range(u, end):
                members[count] = repeated[m]
                contexts[count] = context
                count += 1
            u = end
    return members[:count].copy(), contexts[:count].copy()


def _learn(chunks: Sequence[_Units], n_pages: int) -> list[np.ndarray]:
    """The site's boilerplate: for each chunk, the positions of its units whose key is."""
    total = sum(len(chunk.key) for chunk in chunks)
    # A key on MIN_PAGES pages is counted that often in both rows of the sketch, and most keys
    # (a story's own sentences) are not: only the units of the few that may be are looked at again.
    bits = max(total - 1, 1).bit_length()
    sketch = np.zeros((2, 1 << bits), dtype=np.uint8)
    for chunk in chunks:
        _sketch_count(chunk.key, sketch, 64 - bits)
    maybe = [np.flatnonzero(_sketch_reaches(chunk.key, sketch, 64 - bits)).astype(np.int32) for chunk in chunks]
    del sketch
    keys = np.concatenate([chunk.key[m] for chunk, m in zip(chunks, maybe)])
    order = np.argsort(keys)
    key_id, n_keys = _dense_ids(keys[order], order)
    del keys, order
    pages = _pages(np.concatenate([chunk.pages(m).astype(np.int32) for chunk, m in zip(chunks, maybe)]), key_id, n_keys)
    repeated = np.where(pages[key_id] >= MIN_PAGES, key_id, -1)
    starts = np.cumsum([0] + [len(m) for m in maybe]).tolist()  # where each chunk's are in key_id
    blocks = []
    for chunk, m, at in zip(chunks, maybe, starts):
        ids = np.full(len(chunk.key), -1, dtype=np.int32)
        ids[m] = repeated[at : at + len(m)]
        blocks.append(_block_contexts(chunk.bounds, chunk.key, ids))
    del repeated
    members, contexts = (np.concatenate(column) for column in zip(*blocks))
    del blocks
    order = np.lexsort((contexts, members))
    members, contexts = members[order], contexts[order]
    first = np.ones(len(members), dtype=np.bool_)
    first[1:] = (members[1:] != members[:-1]) | (contexts[1:] != contexts[:-1])
    distinct_contexts = np.bincount(members[first], minlength=n_keys)
    least = max(MIN_PAGES, min(MIN_SHARE * n_pages, REPUBLISHED_PAGES + REPUBLISHED_SHARE * n_pages))
    learned = ((pages >= least) & (distinct_contexts >= np.maximum(MIN_CONTEXTS, MIN_CONTEXT_SHARE * pages)))[key_id]
    return [m[learned[at : at + len(m)]] for m, at in zip(maybe, starts)]


def _learned_units(texts: Sequence[str]) -> Iterator[tuple[int, int, int]]:
    """(page, start, end) of each unit of a site's pages that is its boilerplate, in page and text order."""
    chunks = _site_units(texts)
    found = [(chunk.pages(f), chunk.start[f], chunk.end[f]) for chunk, f in zip(chunks, _learn(chunks, len(texts)))]
    del chunks  # the site's units are freed before the caller makes its masked articles
    for pages, starts, ends in found:
        yield from zip(pages.tolist(), starts.tolist(), ends.tolist())


def _sites(articles: Sequence[Article]) -> dict[str, list[int]]:
    """Positions of the articles of each site with enough pages to tell, in input order."""
    pages: dict[str, list[int]] = defaultdict(list)
    for position, article in enumerate(articles):
        pages[site_of(article)].append(position)
    return {site: members for site, members in pages.items() if len(members) >= MIN_PAGES}


def site_boilerplate(articles: Sequence[Article]) -> dict[str, frozenset[str]]:
    """The boilerplate lines (normalised keys) of each site with enough pages to tell."""
    learned: dict[str, frozenset[str]] = {}
    for site, members in _sites(articles).items():
        lines = frozenset(_key(articles[members[p]].text[s:e]) for p, s, e in _learned_units([articles[m].text for m in members]))
        if lines:
            learned[site] = lines
    return learned


def mask_site_boilerplate(articles: Sequence[Article], advance: Optional[Callable[[int, int], None]] = None) -> list[Article]:
    """The articles, each with its site's repeated lines added to ``masked`` (same order).

    Articles whose site has fewer than ``MIN_PAGES`` pages are returned unchanged.
    ``advance(done, total)`` hears of the articles done as each site's are.
    """
    out = list(articles)
    sites = _sites(articles)
    done = len(articles) - sum(len(members) for members in sites.values())  # those of small sites: nothing to do
    for members in sites.values():
        found = _learned_units([articles[m].text for m in members])
        for page, spans in itertools.groupby(found, key=lambda unit: unit[0]):
            position = members[page]
            out[position] = _masked(articles[position], ((start, end) for _, start, end in spans))
        done += len(members)
        if advance:
            advance(done, len(articles))
    return out


def mask_article(article: Article, learned: dict[str, frozenset[str]] | dict[str, set[str]]) -> Article:
    """One article with its site's learned boilerplate lines (from ``site_boilerplate``) masked."""
    lines = learned.get(site_of(article))
    if not lines:
        return article
    return _masked(article, ((start, end) for key, start, end in _lines(article.text) if key in lines))


def _masked(article: Article, units: Iterable[tuple[int, int]]) -> Article:
    """The article with its boilerplate units (in text order) masked, the sentences of one line as one span."""
    spans: list[tuple[int, int]] = []
    for start, end in units:
        gap = article.text[spans[-1][1] : start] if spans else "\n"
        if gap.isspace() and "\n" not in gap or gap == "":
            spans[-1] = (spans[-1][0], end)  # sentences of one masked line make one span
        else:
            spans.append((start, end))
    if not spans:
        return article
    # The spans are in order and apart already: only masks the article had need merging.
    return article.with_masked(merge_spans([*article.masked, *spans]) if article.masked else tuple(spans))
