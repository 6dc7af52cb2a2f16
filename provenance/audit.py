"""Audit: which articles of one site are derived, from what, and how much.

Owns ``audit``: read an audited site (files, folders or WARC crawls) and a
reference corpus, run the pipeline over both together, and turn the matches into
one ``AuditRow`` per (site article, source) — the best source first (rank 1),
further sources after it, and a single "not derived" row for an article with no
source. Sources may be reference articles or other articles of the same site.

Ids: site and reference ids must not collide in one run. If any site id equals a
reference id, *every* site id is prefixed with ``SITE_PREFIX`` ("site:"), so the
audited article ``a.txt`` becomes ``site:a.txt`` in the rows and the report.

Only the derivations the pipeline asserts count: an article the pipeline judged
to be the *source* of a reference article (its date is the earlier) is "not derived".
Where dates do not order a site article and a reference one, the reference is the
source (``Article.reference``; the text alone cannot tell a copy padded with the
site's own sentences from a condensed source). Nothing here renders output (see
``audit_report``).
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Optional, Sequence

from provenance.errors import InputError
from provenance.ingest import DEFAULT_FIELDS, MAX_ARTICLE_CHARS, Fields, read_corpus
from provenance.model import Article, Match, Report
from provenance.pipeline import Advance, Progress, no_articles_message, scan_articles
from provenance.settings import Settings

SITE_PREFIX = "site:"
# Characters of the longest passage quoted as evidence.
EVIDENCE_CHARS = 160

DERIVED = "derived"
NOT_DERIVED = "not derived"


@dataclasses.dataclass(frozen=True)
class AuditRow:
    """One audited article and one of its sources (or none).

    ``rank`` is 1 for the best source (highest overlap, then confidence, then id),
    2 and up for further sources, 0 for an article with no source. Fractions are
    in [0, 1]; source fields are ``None`` when not derived.
    """

    article: str
    status: str
    rank: int
    url: Optional[str]
    title: Optional[str]
    published: Optional[str]
    published_from: Optional[str]
    crawled: Optional[str]
    source: Optional[str] = None
    source_kind: Optional[str] = None  # "reference" or "site"
    overlap: float = 0.0
    source_overlap: float = 0.0
    passages: int = 0
    relation: Optional[str] = None
    confidence: float = 0.0
    source_published: Optional[str] = None
    source_published_from: Optional[str] = None
    date_conflict: bool = False
    evidence: str = ""


@dataclasses.dataclass(frozen=True)
class AuditReport:
    """The scan over site ∪ reference, and the audit rows of the site's articles (sorted).

    ``references``: how many reference articles the site was checked against (with an index, every
    indexed article but the site's own, not only those the report shows).
    """

    report: Report
    rows: tuple[AuditRow, ...]
    site: tuple[str, ...]
    references: int
    prefixed: bool = False

    @property
    def derived(self) -> tuple[str, ...]:
        """Ids of the audited articles with at least one source."""
        return tuple(row.article for row in self.rows if row.rank == 1)

    def most_derived(self) -> Optional[AuditRow]:
        """The row of the audited article most covered by one reference article (``None`` if none is)."""
        taken = [row for row in self.rows if row.source_kind == "reference"]
        return max(taken, key=lambda row: (row.overlap, row.article), default=None)

    def gate_row(self, threshold: float) -> Optional[AuditRow]:
        """The row that trips ``--fail-above threshold`` (the most derived, if it is at least ``threshold``
        derived from the reference), or ``None``.

        A site's copies of its own pages (a print or AMP version) are reported, but do not trip it:
        the gate asks what the site took from others.
        """
        most = self.most_derived()
        return most if most is not None and most.overlap >= threshold else None

    def gate_tripped(self, threshold: float) -> bool:
        """Whether any audited article is at least ``threshold`` derived from the reference (``gate_row``)."""
        return self.gate_row(threshold) is not None


def evidence(text: str, match: Match) -> str:
    """The first ``EVIDENCE_CHARS`` characters of the longest passage in the derived article, whitespace collapsed."""
    if not match.passages:
        return ""
    longest = max(match.passages, key=lambda p: (p.derived_end - p.derived_start, -p.derived_start))
    quoted = " ".join(text[longest.derived_start : longest.derived_end].split())
    return quoted if len(quoted) <= EVIDENCE_CHARS else quoted[: EVIDENCE_CHARS - 1].rstrip() + "…"


def _rows_for(article: Article, matches: list[Match], by_id: dict[str, Article], site_ids: set[str]) -> list[AuditRow]:
    base = dict(
        article=article.id, url=article.url, title=article.title, published=article.published,
        published_from=article.published_from, crawled=article.crawled,
    )
    if not matches:
        return [AuditRow(status=NOT_DERIVED, rank=0, **base)]  # type: ignore[arg-type]
    ordered = sorted(matches, key=lambda m: (-m.overlap, -m.confidence, m.source))
    rows = []
    for rank, match in enumerate(ordered, start=1):
        source = by_id[match.source]
        rows.append(
            AuditRow(
                status=DERIVED, rank=rank, source=match.source,
                source_kind="site" if match.source in site_ids else "reference",
                overlap=match.overlap, source_overlap=match.source_overlap, passages=len(match.passages),
                relation=match.relation, confidence=match.confidence,
                source_published=source.published, source_published_from=source.published_from,
                date_conflict=match.date_conflict, evidence=evidence(article.text, match),
                **base,  # type: ignore[arg-type]
            )
        )
    return rows


def audit_rows(report: Report, site_ids: Sequence[str]) -> list[AuditRow]:
    """The audit rows of ``site_ids`` from a scan report, sorted by article then rank."""
    by_id = {a.id: a for a in report.articles}
    wanted = set(site_ids)
    sources: dict[str, list[Match]] = {article_id: [] for article_id in wanted}
    for match in report.matches:
        if match.derived in wanted:
            sources[match.derived].append(match)
    rows = []
    for article_id in sorted(wanted):
        rows.extend(_rows_for(by_id[article_id], sources[article_id], by_id, wanted))
    return rows


def _audit_report(report: Report, read_seconds: float, site: Sequence[Article], references: int, prefixed: bool) -> AuditReport:
    """The audit of ``site`` from a report that covers it and its references."""
    report = dataclasses.replace(report, timings=(("ingest", read_seconds), *report.timings))
    site_ids = tuple(sorted(a.id for a in site))
    return AuditReport(
        report=report,
        rows=tuple(audit_rows(report, site_ids)),
        site=site_ids,
        references=references,
        prefixed=prefixed,
    )


def audit(
    site_paths: Sequence[str | os.PathLike[str]],
    reference_paths: Sequence[str | os.PathLike[str]],
    settings: Settings | None = None,
    workers: int = 1,
    input_format: Optional[str] = None,
    fields: Fields = DEFAULT_FIELDS,
    max_article_chars: int = MAX_ARTICLE_CHARS,
    progress: Optional[Progress] = None,
    advance: Optional[Advance] = None,
) -> AuditReport:
    """Audit a site against a reference corpus.

    Args:
        site_paths: The audited site: files, folders, WARC crawls.
        reference_paths: The reference corpus (wire stories, an archive).
        settings: Pipeline settings; defaults if ``None``.
        workers: Processes for the parallel stages (results do not depend on it).
        input_format: Force one reader for every file, as ``scan --input-format``.
        fields: Column mapping for JSONL and CSV exports.
        max_article_chars: Longest article kept (``--max-article-chars``); longer ones are skipped.
        progress: Called with each stage's name and seconds as it ends (``scan_articles``).
        advance: Called within the long stages as their work gets done (``scan_articles``).

    Returns:
        The report over site ∪ reference and one or more rows per site article.

    Raises:
        InputError: if a path is missing, or the site or the reference has no readable article.
    """
    began = time.perf_counter()
    site, site_skipped = read_corpus(site_paths, input_format, fields, max_article_chars)
    reference, reference_skipped = read_corpus(reference_paths, input_format, fields, max_article_chars)
    read_seconds = round(time.perf_counter() - began, 4)
    if progress:
        progress("ingest", read_seconds)
    if not site:
        raise InputError("audited site: " + no_articles_message(site_paths, site_skipped), [*site_skipped, *reference_skipped])
    if not reference:
        raise InputError("reference (--against): " + no_articles_message(reference_paths, reference_skipped),
                         [*site_skipped, *reference_skipped])
    reference_ids = {a.id for a in reference}
    prefixed = any(a.id in reference_ids for a in site)
    if prefixed:
        site = [dataclasses.replace(a, id=SITE_PREFIX + a.id) for a in site]
        clash = sorted(a.id for a in site if a.id in reference_ids)
        if clash:
            raise InputError(f"site id {clash[0]!r} is also a reference id even with the {SITE_PREFIX!r} prefix; rename one of them")
    reference = [dataclasses.replace(a, reference=True) for a in reference]
    report = scan_articles([*site, *reference], settings, workers, [*site_skipped, *reference_skipped], progress, advance=advance)
    return _audit_report(report, read_seconds, site, len(reference_ids), prefixed)


def audit_index(
    site_paths: Sequence[str | os.PathLike[str]],
    index_path: str | os.PathLike[str],
    options: Optional[dict[str, object]] = None,
    workers: int = 1,
    input_format: Optional[str] = None,
    fields: Fields = DEFAULT_FIELDS,
    max_article_chars: int = MAX_ARTICLE_CHARS,
    progress: Optional[Progress] = None,
    advance: Optional[Advance] = None,
) -> AuditReport:
    """Audit a site against an on-disk index (``provenance index build``) instead of a folder.

    The site's articles are added to the index, as ``scan --index`` does: today's crawl is
    part of the archive tomorrow's is audited against. A site article whose id the index
    already holds with another text is not allowed to replace it: every site id then gets
    the ``site:`` prefix, as ``audit`` does on a clash.

    Args:
        site_paths: The audited site: files, folders, WARC crawls.
        index_path: The index file.
        options: Settings given on the command line (layered on the index's own settings).
        workers: Processes for the parallel stages.
        input_format: Force one reader for every file.
        fields: Column mapping for JSONL and CSV exports.
        max_article_chars: Longest article kept; longer ones are skipped.
        progress: Called with each stage's name and seconds as it ends.
        advance: Called within the long stages as their work gets done.

    Raises:
        InputError: if the site has no readable article.
        IndexStoreError: if the index is missing, damaged, or built with other settings.
    """
    from provenance.index import Index
    from provenance.index_scan import scan_with_index

    began = time.perf_counter()
    site, skipped = read_corpus(site_paths, input_format, fields, max_article_chars)
    read_seconds = round(time.perf_counter() - began, 4)
    if progress:
        progress("ingest", read_seconds)
    if not site:
        raise InputError("audited site: " + no_articles_message(site_paths, skipped), list(skipped))
    with Index.open(index_path, options=dict(options or {})) as index:
        prefixed = bool(index.changed(site))
        if prefixed:
            site = [dataclasses.replace(a, id=SITE_PREFIX + a.id) for a in site]
            clash = index.changed(site)
            if clash:
                raise InputError(f"site id {clash[0]!r} is in the index with another text even with the {SITE_PREFIX!r} prefix; rename it")
        report = scan_with_index(index, site, workers=workers, skipped=skipped, references=True, progress=progress, advance=advance)
        references = index.size - len(site)  # (the site's articles are in it now)
    return _audit_report(report, read_seconds, site, references, prefixed)
