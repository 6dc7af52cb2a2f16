"""CSV exports: one article per row, columns named by the ``Fields`` mapping.

Owns reading a CSV file with a header row (delimiter sniffed among comma,
semicolon and tab; UTF-8 with or without BOM, other encodings detected). The
text column is required: a file whose header lacks it is skipped as a whole,
naming the columns it has; a row with an empty text is skipped as
``FILE:ROW`` (the header is row 1) with the fix. A row without an id gets
``FILE:ROW`` as its id (the path relative to the folder given), stable as long
as the file is.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Iterator

from provenance.ingest.base import Item, Reader, register
from provenance.ingest.decode import NotText, decode_text
from provenance.ingest.fields import DEFAULT_FIELDS, Fields, article_from_record
from provenance.model import Skipped

_DELIMITERS = ",;\t"


class CsvReader(Reader):
    name = "csv"
    extensions = (".csv", ".tsv")
    mapped = True

    def read(self, path: Path, article_id: str, fields: Fields = DEFAULT_FIELDS) -> Iterator[Item]:
        try:
            content = decode_text(path.read_bytes()).lstrip("\ufeff")
        except NotText as error:
            yield Skipped(str(path), str(error))
            return
        # Article texts are longer than the csv module's default 128 KiB field limit.
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        try:
            dialect: type[csv.Dialect] | str = csv.Sniffer().sniff(content[:4096], delimiters=_DELIMITERS)
        except csv.Error:
            dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
        rows = csv.DictReader(io.StringIO(content, newline=""), dialect=dialect)
        header = rows.fieldnames or []
        if fields.text not in header:
            columns = ", ".join(repr(name) for name in header) or "none"
            yield Skipped(str(path), f"no {fields.text!r} column (columns: {columns}); name the text column with {fields.option('text')}")
            return
        try:
            for number, row in enumerate(rows, start=2):
                where = f"{path}:{number}"
                if None in row:
                    yield Skipped(where, f"row {number} has more cells than the header; check its quoting")
                    continue
                yield article_from_record(row, fields, where, fallback_id=f"{article_id}:{number}")
        except csv.Error as error:
            yield Skipped(f"{path}:{rows.line_num}", f"not valid CSV ({error}); rest of the file not read")


register(CsvReader())
