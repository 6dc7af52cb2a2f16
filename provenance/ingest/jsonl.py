"""JSON Lines exports: one article per line with an id, a text and optional metadata.

Field names follow the ``Fields`` mapping (``--text-field``, ``--id-field``, ...;
defaults ``id``, ``text``, ``title``, ``published``, ``url``). A line that is not
JSON, or lacks the id or text, is skipped with its line number and the fix; the
other lines are still read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from provenance.ingest.base import Item, Reader, register
from provenance.ingest.decode import NotText, decode_text
from provenance.ingest.fields import DEFAULT_FIELDS, Fields, article_from_record
from provenance.model import Skipped


class JsonlReader(Reader):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    mapped = True

    def sniff(self, head: bytes) -> bool:
        return head.lstrip().startswith(b"{")

    def read(self, path: Path, article_id: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Item]:
        try:
            content = decode_text(path.read_bytes())
        except NotText as error:
            yield Skipped(str(path), str(error))
            return
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                yield Skipped(where, f"not valid JSON ({error.msg}); each line must be one JSON object")
                continue
            if not isinstance(record, dict):
                yield Skipped(where, "not a JSON object; each line must be one JSON object")
                continue
            yield article_from_record(record, fields, where)


register(JsonlReader())
