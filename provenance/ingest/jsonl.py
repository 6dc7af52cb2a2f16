"""JSON Lines exports: one article per line with an id, a text and optional metadata.

Field names follow the ``Fields`` mapping (``--text-field``, ``--id-field``, ...;
defaults ``id``, ``text``, ``title``, ``published``, ``url``). A line that is not
JSON, or lacks the id or text, is skipped with its line number and the fix; the
other lines are still read. ``parse_line`` and ``parse_record`` are shared with
the Spark engine so both engines read a record the same way. Lines are parsed by
orjson (a third of the standard parser's time, most of reading a large export);
the standard parser has the last word wherever the two could differ.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import orjson

from provenance.ingest.base import MAX_ARTICLE_CHARS, Item, Reader, open_export, register
from provenance.ingest.decode import NotText, bounded_lines, repair_line
from provenance.ingest.fields import DEFAULT_FIELDS, Fields, article_from_record
from provenance.model import Skipped


# Values orjson may read otherwise than ``json``: an integer past 64 bits becomes a float
# (``json`` keeps it exact), at any depth.
_UNSURE = (float, list, dict)


def _loads(line: str, fields: Fields) -> Any:
    """``json.loads(line)`` as far as an article's fields go, by orjson where it agrees.

    orjson refuses what ``json`` takes beyond strict JSON (``NaN``, a lone surrogate escape) and
    reads a huge integer as a float: such a line, or a record with a float or a container in a
    field an article is made of, is parsed again by ``json``, whose errors are the ones reported.
    """
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)
    if isinstance(record, dict):
        get = record.get  # (spelled out: a generator here cost more than orjson saved on a short record)
        if (isinstance(get(fields.id), _UNSURE) or isinstance(get(fields.text), _UNSURE) or isinstance(get(fields.title), _UNSURE)
                or isinstance(get(fields.published), _UNSURE) or isinstance(get(fields.url), _UNSURE)):
            return json.loads(line)
    return record


def parse_line(line: str, where: str, fields: Fields = DEFAULT_FIELDS) -> Item:
    """One JSONL line as an article, or why it was skipped (``where`` is ``path:line``)."""
    try:
        record = _loads(line, fields)
    except json.JSONDecodeError as error:
        return Skipped(where, f"not valid JSON ({error.msg}); each line must be one JSON object")
    except RecursionError:  # ``json`` recurses per level: [[[[... a few thousand deep
        return Skipped(where, "not valid JSON (nested too deep to read); each line must be one JSON object")
    except ValueError:  # ``json`` refuses an integer of over 4,300 digits (``sys.get_int_max_str_digits``)
        return Skipped(where, "not readable JSON (a number of thousands of digits); each line must be one JSON object")
    if not isinstance(record, dict):
        return Skipped(where, "not a JSON object; each line must be one JSON object")
    return parse_record(record, where, fields)


def parse_record(record: dict[str, Any], where: str, fields: Fields = DEFAULT_FIELDS) -> Item:
    """One record (a JSON object, a Parquet row) as an article, or why it was skipped."""
    return article_from_record(record, fields, where)


class JsonlReader(Reader):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    mapped = True

    def sniff(self, head: bytes) -> bool:
        # A record a line: the first line opens an object and goes on. A "{" alone on it is one
        # JSON document spread over lines (a .json report left in a folder), not JSON Lines.
        first = head.lstrip().split(b"\n", 1)[0].strip()
        return first.startswith(b"{") and first != b"{"

    def read(self, path: Path, article_id: str, fields: Fields = DEFAULT_FIELDS, *,
             max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        opened = open_export(path, max_chars)
        if isinstance(opened, Skipped):
            yield opened
            return
        stream, cap = opened
        with stream:
            for number, line in bounded_lines(stream, cap):
                where = f"{path}:{number}"
                if line is None:
                    yield Skipped(where, f"line over {cap:,} characters, not read; an article may hold at most "
                                         f"{max_chars:,} (raise it with --max-article-chars if it is real)")
                    continue
                try:
                    line = repair_line(line)
                except NotText as error:
                    yield Skipped(where, str(error))
                    continue
                if line.strip():
                    yield parse_line(line, where, fields)


register(JsonlReader())
