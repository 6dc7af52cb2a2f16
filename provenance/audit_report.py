"""Audit report: an ``AuditReport`` in, the editors' CSV, JSON, an HTML page or a terminal table out.

Owns how audit rows look to people and machines:

- **CSV** (for editors): one row per audited article — its best source first,
  further sources in extra rows marked "further source" — human column names
  (``AUDIT_COLUMNS``), percentages with one decimal, UTF-8 *with a byte-order
  mark* so that Excel opens it as UTF-8 (other tools skip the BOM), CRLF line
  ends and the csv module's quoting. A cell from scraped text that starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
  apostrophe, so a spreadsheet never runs it as a formula, and its control
  characters are shown escaped (``report.terminal_safe``), so printing it never
  drives a terminal.
- **JSON**: the scan report's contract (``report.report_dict``) plus an
  ``"audit"`` list of the rows (fractions, not percentages), sorted by article
  then rank; deterministic like the rest of the contract.
- **HTML**: the scan's page (``html.render_html``) with the audit's verdicts first.
- **table**: the rows for a terminal.

Nothing here computes a score or reads input.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from typing import Any, Optional

from tabulate import tabulate

from provenance.audit import DERIVED, AuditReport, AuditRow
from provenance.html import render_html
from provenance.report import counted, percent, report_dict, safe_cell, terminal_safe

# (row field, CSV column) in column order.
AUDIT_COLUMNS = (
    ("article", "article"),
    ("url", "url"),
    ("title", "title"),
    ("status", "status"),
    ("rank", "source rank"),
    ("source", "source"),
    ("source_kind", "source is"),
    ("overlap", "overlap %"),
    ("source_overlap", "source reused %"),
    ("passages", "passages"),
    ("relation", "relation"),
    ("confidence", "confidence"),
    ("published", "published"),
    ("published_from", "published from"),
    ("source_published", "source published"),
    ("source_published_from", "source published from"),
    ("date_conflict", "date conflict"),
    ("crawled", "crawled"),
    ("evidence", "evidence"),
)
BOM = "\ufeff"


def _rank_label(row: AuditRow) -> str:
    return {0: "", 1: "best source"}.get(row.rank, "further source")


def _text(value: Optional[str]) -> str:
    return value if value is not None else ""


def display_row(row: AuditRow) -> dict[str, Any]:
    """One row with human values (percentages, yes/no), keyed by CSV column name."""
    derived = row.status == DERIVED
    values: dict[str, Any] = {
        "article": row.article,
        "url": _text(row.url),
        "title": _text(row.title),
        "status": row.status,
        "rank": _rank_label(row),
        "source": _text(row.source),
        "source_kind": {"site": "same site", "reference": "reference"}.get(row.source_kind or "", ""),
        "overlap": percent(row.overlap) if derived else "",
        "source_overlap": percent(row.source_overlap) if derived else "",
        "passages": row.passages if derived else "",
        "relation": _text(row.relation),
        "confidence": f"{row.confidence:.2f}" if derived else "",
        "published": _text(row.published),
        "published_from": _text(row.published_from),
        "source_published": _text(row.source_published),
        "source_published_from": _text(row.source_published_from),
        "date_conflict": ("yes" if row.date_conflict else "no") if derived else "",
        "crawled": _text(row.crawled),
        "evidence": row.evidence,
    }
    for key, value in values.items():
        # Printed as it is (to a terminal, or a spreadsheet): no control sequence, no formula. Every
        # text cell, not a list of those that came from the pages: a crawl date was left off one.
        if isinstance(value, str):
            values[key] = safe_cell(terminal_safe(value))
    return {label: values[key] for key, label in AUDIT_COLUMNS}


def to_audit_csv(result: AuditReport) -> str:
    """The editors' CSV: BOM, header, one row per (audited article, source)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[label for _, label in AUDIT_COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(display_row(row) for row in result.rows)
    return BOM + buffer.getvalue()


def audit_dict(result: AuditReport) -> dict[str, Any]:
    """The JSON contract: the scan report plus the ``audit`` rows (fractions, sorted by article then rank)."""
    return {**report_dict(result.report), "audit": [dataclasses.asdict(row) for row in result.rows]}


def to_audit_json(result: AuditReport) -> str:
    """Canonical JSON text of the audit (ends with a newline)."""
    return json.dumps(audit_dict(result), ensure_ascii=False, indent=2) + "\n"


def to_audit_html(result: AuditReport) -> str:
    """The HTML report of the scan over site and reference, with the audit's verdicts first, each linked
    to its pair shown side by side."""
    return render_html(result.report, audit=[dataclasses.asdict(row) for row in result.rows])


def to_audit_table(result: AuditReport) -> str:
    """A terminal table: status, source, overlap and dates per audited article."""
    rows = []
    for row in result.rows:
        shown = display_row(row)
        dated = terminal_safe(f"{row.published} ({row.published_from})") if row.published else ""
        rows.append([
            shown["article"], shown["status"], shown["source"], shown["overlap %"], shown["source reused %"],
            shown["passages"], shown["relation"], shown["confidence"], dated, shown["date conflict"],
        ])
    headers = ["article", "status", "source", "overlap %", "source reused %", "passages", "relation", "confidence", "published", "date conflict"]
    # Numbers stay as rendered ("1.00", not 1): the table shows what the CSV holds.
    return "Audit\n" + tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True) + "\n"


def audit_summary_line(result: AuditReport) -> str:
    """The one-line summary printed on stderr."""
    derived = set(result.derived)
    from_reference = {row.article for row in result.rows if row.source_kind == "reference"}
    from_site = {row.article for row in result.rows if row.source_kind == "site"}
    seconds = sum(t for _, t in result.report.timings)
    return (
        f"provenance audit: {counted(len(result.site), 'site article')}, {len(derived)} derived "
        f"({len(from_reference)} from the reference, {len(from_site)} from the same site), "
        f"{counted(result.references, 'reference article')}, {len(result.report.skipped)} skipped ({seconds:.1f} s)"
    )
