"""Records passed between pipeline stages: plain, frozen and typed.

Owns ``Article`` (what ingest produces), ``Passage`` and ``Match`` (what
verification and scoring produce), ``Edge`` and ``Tree`` (what the tree stage
produces), ``Skipped`` (an input that could not be used) and ``Report`` (the
whole result). Heavy numeric data never lives here; it stays in numpy arrays
inside the stages. The records a large corpus has millions of keep their fields in
slots, not a dict per object (168 bytes an article). Imports nothing of ours.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Optional

# Where a publication date came from, strongest evidence first.
DATE_ORIGINS = ("metadata", "url", "date-line")


@dataclasses.dataclass(frozen=True, slots=True)
class Article:
    """One unit of input.

    Attributes:
        id: Stable readable id: path relative to the scanned folder, or the record's id.
        text: The text exactly as read (decoded), never normalised; offsets point into it.
        path: The file (or URL) it was read from.
        title: Title if the format carried one.
        published: Publication date as ``YYYY-MM-DD`` if known.
        published_from: Where ``published`` came from: one of ``DATE_ORIGINS``.
        url: The article's URL if known.
        author: Author if the format carried one.
        site: The site (host name, or the folder a file came from) for per-site boilerplate.
        masked: Half-open spans of ``text`` excluded from matching (boilerplate, navigation);
            they stay in ``text`` so offsets remain true to the original.
        crawled: When the page was fetched (a WARC record's WARC-Date, ISO 8601) if known;
            a crawl date, never a publication date.
        chars: The text's length, when ``text`` was left out of this copy (a Spark driver keeps
            only the texts a report shows); ``None`` when ``text`` is the whole text.
        reference: An audit's reference article: where the dates do not order it and an audited
            article, it is the source (the text cannot tell a padded copy from a condensed source).
    """

    id: str
    text: str
    path: str
    title: Optional[str] = None
    published: Optional[str] = None
    published_from: Optional[str] = None
    url: Optional[str] = None
    author: Optional[str] = None
    site: Optional[str] = None
    masked: tuple[tuple[int, int], ...] = ()
    crawled: Optional[str] = None
    chars: Optional[int] = None
    reference: bool = False

    @property
    def length(self) -> int:
        """Characters in the article's text (also when this copy left the text out)."""
        return len(self.text) if self.chars is None else self.chars

    def without_text(self) -> "Article":
        """This record without its text, which its length (``chars``) stands for."""
        return self.with_text("", self.length)

    def with_text(self, text: str, chars: Optional[int] = None) -> "Article":
        """This record with ``text`` as its text (and ``chars``: see the attribute)."""
        return self._with(text, self.masked, chars)

    def with_masked(self, masked: tuple[tuple[int, int], ...]) -> "Article":
        """This record with ``masked`` as its masked spans."""
        return self._with(self.text, masked, self.chars)

    def _with(self, text: str, masked: tuple[tuple[int, int], ...], chars: Optional[int]) -> "Article":
        # Spelled out rather than ``dataclasses.replace`` (which looks the fields up on every
        # call): a scan makes three for most articles, 3.6 s each at a million.
        return Article(id=self.id, text=text, path=self.path, title=self.title, published=self.published,
                       published_from=self.published_from, url=self.url, author=self.author, site=self.site,
                       masked=masked, crawled=self.crawled, chars=chars, reference=self.reference)


@dataclasses.dataclass(frozen=True, slots=True)
class Skipped:
    """An input that was not used, and why (one line for stderr)."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.path}: {self.reason}"


@dataclasses.dataclass(frozen=True, slots=True)
class Passage:
    """An aligned span pair: half-open character offsets into both original texts."""

    source_start: int
    source_end: int
    derived_start: int
    derived_end: int
    similarity: float


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    """A verified derivation: ``derived`` reuses text of ``source``.

    ``overlap`` is the fraction of the derived article's characters covered by
    passages; ``source_overlap`` the fraction of the source reused.
    ``direction_from`` says what decided which end is the source: ``dates``
    (publication dates), ``text`` (containment asymmetry) or ``id`` (a tie).
    """

    source: str
    derived: str
    relation: str
    overlap: float
    source_overlap: float
    jaccard: float
    confidence: float
    passages: tuple[Passage, ...]
    direction_from: str = "text"
    date_conflict: bool = False
    held: float = 0.0
    """The share of the stems of the derived article's passages that the source's passages hold,
    each stem weighing its rarity (0: not known): what the tree compares between two candidate
    sources of one article (``tree._closeness``). Not part of the report, as ``used``."""
    used: float = 0.0
    """The share of the stems of the source's passages that the derived article's passages hold."""


@dataclasses.dataclass(frozen=True, slots=True)
class Edge:
    """A match placed in a derivation tree.

    ``alternatives`` are other sources of ``derived`` with exactly as much evidence
    (copies of one another: the text cannot tell which was used); the edge then
    credits the earliest published of them, unless its gap in dates is far less usual
    than another's (``tree.build_trees``).
    """

    source: str
    derived: str
    overlap: float
    confidence: float
    date_conflict: bool = False
    alternatives: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Tree:
    """One family: a rooted tree of derivations (``articles`` sorted, root first)."""

    root: str
    articles: tuple[str, ...]
    edges: tuple[Edge, ...]


@dataclasses.dataclass(frozen=True)
class Report:
    """Everything a scan found, in the order the JSON report lists it."""

    settings: dict[str, Any]
    settings_key: str
    articles: tuple[Article, ...]
    matches: tuple[Match, ...]
    trees: tuple[Tree, ...]
    skipped: tuple[Skipped, ...] = ()
    stories: tuple[tuple[str, ...], ...] = ()
    timings: tuple[tuple[str, float], ...] = ()

    @classmethod
    def assemble(
        cls,
        settings: Any,
        articles: Iterable[Article],
        matches: Iterable[Match],
        trees: Iterable[Tree],
        stories: Iterable[tuple[str, ...]],
        skipped: Iterable[Skipped] = (),
        timings: Iterable[tuple[str, float]] = (),
    ) -> "Report":
        """A report from a stage's results; ``settings`` is a ``Settings`` (anything with ``as_dict`` and ``key``)."""
        return cls(
            settings=settings.as_dict(),
            settings_key=settings.key(),
            articles=tuple(articles),
            matches=tuple(matches),
            trees=tuple(trees),
            skipped=tuple(skipped),
            stories=tuple(stories),
            timings=tuple(timings),
        )
