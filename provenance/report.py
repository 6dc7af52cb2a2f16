"""Report: a ``Report`` in, JSON, CSV or a terminal table out.

Owns the JSON contract (``schema_version`` 1: the keys and their order are
documented in the README and read by later tools), the row model that feeds
both the table and the CSV, and rendering fractions as percentages for people.
JSON is canonical: sorted lists, fixed key order, no timings, so the same input
and settings give byte-identical output; it is written a piece at a time
(``json_pieces``), so a large report is never whole in memory; ``write_file`` writes
a rendered report to a file whole or not at all (``output_clash`` refuses a path that
is an input). Scraped text stays inert wherever it is shown: ``safe_cell`` in a
spreadsheet, ``terminal_safe`` in a terminal. Nothing here computes a score.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import json.encoder
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

from tabulate import tabulate

from provenance import __version__
from provenance.errors import write_error
from provenance.model import Edge, Passage, Report

SCHEMA_VERSION = 1

PAIR_COLUMNS = (
    ("source", "source"),
    ("derived", "derived"),
    ("relation", "relation"),
    ("overlap", "overlap %"),
    ("source_overlap", "source reused %"),
    ("jaccard", "jaccard"),
    ("confidence", "confidence"),
    ("passages", "passages"),
    ("direction_from", "direction from"),
    ("date_conflict", "date conflict"),
)


def report_dict(report: Report) -> dict[str, Any]:
    """The report as the JSON contract's plain dict."""
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in _contract(report)}


def _contract(report: Report) -> list[tuple[str, Any]]:
    """The contract's keys in order, each with its value; a list's items come from an iterator, made one at a time."""
    return [
        ("schema_version", SCHEMA_VERSION),
        ("provenance_version", __version__),
        ("settings_key", report.settings_key),
        ("settings", report.settings),
        ("articles", (
            {"id": a.id, "path": a.path, "title": a.title, "published": a.published, "published_from": a.published_from,
             "chars": a.length}
            for a in report.articles
        )),
        ("pairs", (
            {
                "source": m.source,
                "derived": m.derived,
                "relation": m.relation,
                "overlap": m.overlap,
                "source_overlap": m.source_overlap,
                "jaccard": m.jaccard,
                "confidence": m.confidence,
                "direction_from": m.direction_from,
                "date_conflict": m.date_conflict,
                "passages": [_flat(p) for p in m.passages],
            }
            for m in report.matches
        )),
        ("trees", (
            {"root": t.root, "articles": list(t.articles), "edges": [_flat(e) for e in t.edges]}
            for t in report.trees
        )),
        ("stories", ({"articles": list(story)} for story in report.stories)),
        ("skipped", ({"path": s.path, "reason": s.reason} for s in report.skipped)),
    ]


def _flat(record: Passage | Edge) -> dict[str, Any]:
    """A passage's or an edge's fields as a dict (``dataclasses.asdict`` without its deep copies: their values are immutable)."""
    return {name: getattr(record, name) for name in _FIELD_NAMES[type(record)]}


_FIELD_NAMES = {kind: tuple(field.name for field in dataclasses.fields(kind)) for kind in (Passage, Edge)}


def to_json(report: Report) -> str:
    """Canonical JSON text of the report (ends with a newline)."""
    return "".join(json_pieces(report))


def json_pieces(report: Report) -> Iterator[str]:
    """``to_json``'s text, a piece at a time: exactly ``json.dumps(report_dict(report), ensure_ascii=False,
    indent=2)`` and a newline, but with one article, pair or tree made at a time. A million articles'
    report is ~650 MB of JSON and several GB as dicts; written this way, neither is ever whole in memory.
    """
    entries = _contract(report)
    yield "{"
    for k, (key, value) in enumerate(entries):
        yield ("\n  " if k == 0 else ",\n  ") + _dumps(key, 1) + ": "
        if not isinstance(value, Iterator):
            yield _dumps(value, 1)
            continue
        # A list, as json.dumps lays it out one level deeper: each item on its own line, "[]" if none.
        first = True
        for item in value:
            yield ("[\n    " if first else ",\n    ") + _dumps(item, 2)
            first = False
        yield "[]" if first else "\n  ]"
    yield "\n}\n"


def _dumps(value: Any, level: int) -> str:
    """``value`` exactly as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it, nested ``level`` deep.

    For the JSON values a report holds (dicts with string keys, lists and tuples, strings,
    numbers, booleans, None). json's own indenting encoder is written in Python and yields a
    token at a time; this makes each value's text in one piece (the 100k synthetic corpus's
    report, 65 MB: 1.3 s, where ``json.dumps`` of ``report_dict`` takes 2.5 s).
    """
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    inner = "\n" + "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return ("{" + inner + ("," + inner).join(_string(key) + ": " + _dumps(item, level + 1) for key, item in value.items())
                + "\n" + "  " * level + "}")
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(_dumps(item, level + 1) for item in value) + "\n" + "  " * level + "]"
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _float(value: float) -> str:
    # As json writes floats (allow_nan: the JavaScript names for the values JSON lacks).
    if math.isnan(value):
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


# json's string encoder for ensure_ascii=False (its C version where there is one).
_string = json.encoder.encode_basestring


# Characters a terminal acts on instead of showing (C0 and C1 controls but the newline and the tab,
# DEL, bidirectional overrides): ESC starts sequences that set the window title, or (OSC 52) write
# the user's clipboard, which a later paste would run.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """Scraped ``text`` as a terminal may print it: each control character shown as its escape (``\\x1b``)."""
    return _TERMINAL_UNSAFE.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def counted(count: int, noun: str, plural: str = "") -> str:
    """``1 tree``, ``2 trees``, ``0 stories`` (with ``plural`` given): a count for people."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def percent(fraction: float) -> str:
    """A fraction in [0, 1] as a percentage with one decimal, for people."""
    return f"{fraction * 100:.1f}"


def pair_rows(report: Report) -> list[dict[str, Any]]:
    """One row per asserted derivation, with human column names; feeds the table and the CSV."""
    rows = []
    for m in report.matches:
        values = {
            "source": m.source,
            "derived": m.derived,
            "relation": m.relation,
            "overlap": percent(m.overlap),
            "source_overlap": percent(m.source_overlap),
            "jaccard": f"{m.jaccard:.3f}",
            "confidence": f"{m.confidence:.2f}",
            "passages": len(m.passages),
            "direction_from": m.direction_from,
            "date_conflict": "yes" if m.date_conflict else "no",
        }
        rows.append({label: values[key] for key, label in PAIR_COLUMNS})
    return rows


# A spreadsheet runs a cell that starts with one of these as a formula (``=HYPERLINK(...)`` in a
# scraped file name or URL id would be a link an editor's click follows).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (leading apostrophe if needed)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(report: Report) -> str:
    """The pairs as CSV (UTF-8, header row, one row per derivation); ids, which come from the
    scraped input, cannot start a formula (``safe_cell``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[label for _, label in PAIR_COLUMNS], lineterminator="\r\n")
    writer.writeheader()
    for row in pair_rows(report):
        writer.writerow({**row, "source": safe_cell(row["source"]), "derived": safe_cell(row["derived"])})
    return buffer.getvalue()


def _tree_lines(report: Report) -> list[list[str]]:
    dates = {a.id: a.published or "" for a in report.articles}
    rows = []
    for tree in report.trees:
        children: dict[str, list[Any]] = {}
        for edge in tree.edges:
            children.setdefault(edge.source, []).append(edge)

        def walk(node: str, depth: int, edge: Any) -> None:
            label = ("    " * (depth - 1) + "└── " if depth else "") + node
            rows.append(
                [
                    label,
                    dates[node],
                    percent(edge.overlap) if edge else "",
                    f"{edge.confidence:.2f}" if edge else "",
                    "; ".join(
                        note
                        for note in (
                            "date conflict" if edge and edge.date_conflict else "",
                            f"or {', '.join(edge.alternatives)}" if edge and edge.alternatives else "",
                        )
                        if note
                    ),
                ]
            )
            for child in children.get(node, []):
                walk(child.derived, depth + 1, child)

        walk(tree.root, 0, None)
    return rows


def to_table(report: Report) -> str:
    """Terminal tables: the derivation trees, the pairs, and the stories."""
    parts = []
    if report.trees:
        parts.append("Derivation trees\n" + tabulate(_tree_lines(report), headers=["article", "published", "overlap %", "confidence", "notes"], tablefmt="simple"))
    else:
        parts.append("No derivations found.")
    if report.matches:
        parts.append("Pairs\n" + tabulate(pair_rows(report), headers="keys", tablefmt="simple"))
    if report.stories:
        parts.append(
            "Same story, no derivation claimed\n"
            + tabulate([[", ".join(story)] for story in report.stories], headers=["articles"], tablefmt="simple")
        )
    return "\n\n".join(parts) + "\n"


def summary_line(report: Report) -> str:
    """The one-line summary printed on stderr."""
    seconds = sum(t for _, t in report.timings)
    return (
        f"provenance: {counted(len(report.articles), 'article')}, {counted(len(report.matches), 'derivation')} in "
        f"{counted(len(report.trees), 'tree')}, {counted(len(report.stories), 'story', 'stories')}, {len(report.skipped)} skipped "
        f"({seconds:.1f} s)"
    )


def output_clash(output: Optional[str | os.PathLike[str]], inputs: Iterable[str | os.PathLike[str]]) -> Optional[str]:
    """Why ``output`` must not be written (it is an input file, or a file inside an input folder), or ``None``.

    ``write_file`` renames the report over its path whole: given an article's name by a slip, it
    would replace the article.
    """
    if output is None or not Path(output).exists():
        return None
    target = Path(output).resolve()
    for given in inputs:
        source = Path(given).resolve()
        # (samefile: a hard link to an input is that input under another name)
        if target == source or (source.is_dir() and target.is_relative_to(source)) or (source.is_file() and os.path.samefile(target, source)):
            return f"-o {output} is one of the inputs ({given}); write the report somewhere else"
    return None


def _written_through(output: Path) -> bool:
    return output.is_symlink() or (output.exists() and not output.is_file())


def _temporary_beside(output: Path) -> tuple[int, str]:
    """A new temporary file in ``output``'s folder: (its descriptor, its path)."""
    try:
        return tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent if str(output.parent) else Path("."))
    except OSError as error:  # (its file name would be the temporary one: the report's is what the user gave)
        raise write_error(f"the report {output}", OSError(error.errno, error.strerror)) from error


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise the ``WriteError`` that ``write_file`` would, now, where ``path``'s folder is missing or
    refuses new files: before a scan of a million articles, not after it.
    """
    output = Path(path)
    if not _written_through(output):  # (opening a named pipe to try it would wait for a reader)
        handle, temporary = _temporary_beside(output)
        os.close(handle)
        os.unlink(temporary)


def write_file(pieces: Iterable[str], path: str | os.PathLike[str]) -> None:
    """Write a rendered report's pieces, in order, to ``path``: a temporary file beside it, then a rename.

    Where ``path`` is a symbolic link or not a regular file (``/dev/null``, ``/dev/stdout``, a
    named pipe), the pieces are written through it instead: a rename would put a regular file
    in its place (``/dev/null`` itself, run as root) and the reader of a pipe would get nothing.

    Raises:
        WriteError: the file could not be written (naming ``path``, not the temporary file); no part
            of it is left (except where written through, as above).
    """
    output = Path(path)
    if _written_through(output):
        try:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.writelines(pieces)
        except OSError as error:
            raise write_error(f"the report {output}", OSError(error.errno, error.strerror)) from error
        return
    handle, temporary = _temporary_beside(output)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.writelines(pieces)
        # mkstemp makes the file private (0600); a report gets the permissions a plain open would give.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, output)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise write_error(f"the report {output}", OSError(error.errno, error.strerror), "no part of it was left") from error
        raise
