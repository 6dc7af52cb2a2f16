"""JSON Lines exports: one article per line with ``id``, ``text`` and optional metadata.

A line that is not JSON, or lacks ``id`` or ``text``, is skipped with its line
number; the other lines are still read. A ``published`` field is real metadata;
without it, a date line in the text is used and marked as such.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from provenance.ingest.base import Item, Reader, register
from provenance.ingest.dates import find_date_line, parse_date
from provenance.ingest.decode import NotText, decode_text
from provenance.model import Article, Skipped


def _optional_str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return str(value) if value not in (None, "") else None


class JsonlReader(Reader):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().startswith(b"{")

    def read(self, path: Path, article_id: str) -> Iterator[Item]:
        try:
            content = decode_text(path.read_bytes())
        except NotText as error:
            yield Skipped(str(path), str(error))
            return
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                yield parse_line(line, f"{path}:{number}")


def parse_line(line: str, where: str) -> Item:
    """One JSONL line as an article, or why it was skipped (``where`` is ``path:line``)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return Skipped(where, f"not valid JSON ({error.msg}); each line must be one JSON object")
    if not isinstance(record, dict):
        return Skipped(where, "not a JSON object; each line must be one JSON object")
    return parse_record(record, where)


def parse_record(record: dict[str, Any], where: str) -> Item:
    """One record (a JSON object, a Parquet row) with ``id``, ``text`` and optional metadata, as an article."""
    record_id, text = record.get("id"), record.get("text")
    if isinstance(record_id, bool) or not isinstance(record_id, (str, int)) or str(record_id) == "":
        return Skipped(where, "missing 'id' (a string or number)")
    if not isinstance(text, str) or not text.strip():
        return Skipped(where, "missing or empty 'text'")
    published, published_from = None, None
    if _optional_str(record, "published"):
        published = parse_date(str(record["published"]))
        published_from = "metadata" if published else None
    if published is None:
        published = find_date_line(text)
        published_from = "date-line" if published else None
    return Article(
        id=str(record_id),
        text=text,
        path=where,
        title=_optional_str(record, "title"),
        published=published,
        published_from=published_from,
        url=_optional_str(record, "url"),
    )


register(JsonlReader())
