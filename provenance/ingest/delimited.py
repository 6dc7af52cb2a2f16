"""CSV exports: one article per row, columns named by the ``Fields`` mapping.

Owns reading a CSV file with a header row (delimiter sniffed among comma,
semicolon and tab; UTF-8 with or without BOM, other encodings detected). The
text column is required: a file whose header lacks it is skipped as a whole,
naming the columns it has; a row with an empty text is skipped as
``FILE:ROW`` (the header is row 1) with the fix. A row without an id gets
``FILE:ROW`` as its id (the path relative to the folder given), stable as long
as the file is. The file is streamed row by row; a physical line longer than the
article cap stops the file there (rows before it kept), since a CSV parser
cannot find the next row reliably after skipping part of a quoted field. So does
a quote that never closes: the parser would keep the rest of the file as one
field, and the rows in it would vanish into one article's text; that row is
skipped instead, saying so.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path
from typing import Iterator

from provenance.ingest.base import MAX_ARTICLE_CHARS, Item, Reader, open_export, register
from provenance.ingest.decode import NotText, bounded_lines, repair_line
from provenance.ingest.fields import DEFAULT_FIELDS, Fields, article_from_record
from provenance.model import Skipped

_DELIMITERS = ",;\t"


def _sniffed(head: list[str]) -> type[csv.Dialect] | None:
    """The dialect of a file's first lines; or, when those do not tell, Excel's with the delimiter of
    the header line (a first row of several kilobytes of quoted text with commas in it, in a file
    separated by semicolons: the sniffer reads 4 KB, and fell back to commas); or ``None``."""
    try:
        return csv.Sniffer().sniff("".join(head)[:4096], delimiters=_DELIMITERS)
    except csv.Error:
        pass
    try:  # (only the delimiter: a header line says nothing of how quotes are escaped)
        delimiter = csv.Sniffer().sniff(head[0] if head else "", delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return None
    return type("header_delimited", (csv.excel,), {"delimiter": delimiter})


class CsvReader(Reader):
    name = "csv"
    extensions = (".csv", ".tsv")
    mapped = True

    def read(self, path: Path, article_id: str, fields: Fields = DEFAULT_FIELDS, *,
             max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        opened = open_export(path, max_chars)
        if isinstance(opened, Skipped):
            yield opened
            return
        stream, cap = opened
        with stream:
            yield from self._rows(path, article_id, fields, stream, cap)

    def _rows(self, path: Path, article_id: str, fields: Fields, stream: io.TextIOBase,
              cap: int) -> Iterator[Item]:
        too_long: list[int] = []
        record: list[str] = []  # the physical lines of the row being parsed

        def lines() -> Iterator[str]:
            for number, line in bounded_lines(stream, cap):
                if line is None:
                    too_long.append(number)
                    return
                yield repair_line(line).lstrip("\ufeff") if number == 1 else repair_line(line)

        def recorded(lines: Iterator[str]) -> Iterator[str]:
            for line in lines:
                record.append(line)  # (the list ``record`` names when the line is read)
                yield line

        source = lines()
        try:
            head = list(itertools.islice(source, 20))
        except NotText as error:
            yield Skipped(str(path), str(error))
            return
        # Article texts are longer than the csv module's default 128 KiB field limit.
        csv.field_size_limit(min(cap, 2**31 - 1))
        dialect = _sniffed(head) or ("excel-tab" if path.suffix.lower() == ".tsv" else "excel")
        rows = csv.DictReader(recorded(itertools.chain(head, source)), dialect=dialect)
        # Each row is held back until the next one is read: only the file's end can leave a quote
        # open, and then the last row (its lines in ``row_lines``) is reported instead.
        last: Item | None = None
        try:
            header = rows.fieldnames or []
            if fields.text not in header:
                columns = ", ".join(repr(name) for name in header) or "none"
                yield Skipped(str(path), f"no {fields.text!r} column (columns: {columns}); name the text column with {fields.option('text')}")
                return
            record = []  # (the header's lines)
            number, row_lines = 1, []
            for number, row in enumerate(rows, start=2):
                if last is not None:
                    yield last
                    last = None
                where = f"{path}:{number}"
                if None in row:
                    last = Skipped(where, f"row {number} has more cells than the header; check its quoting")
                else:
                    last = article_from_record(row, fields, where, fallback_id=f"{article_id}:{number}")
                row_lines, record = record, []
            if last is not None and not too_long and _quote_left_open(row_lines, dialect):
                # The parser reached the end of the file inside a quoted field and kept the rest of the
                # file as that field: the rows after it would be lost inside one article's text.
                first = rows.line_num - len(row_lines) + 1
                last = Skipped(f"{path}:{number}", f"row {number} opens a quote that never closes (lines {first}-{rows.line_num} "
                                                   "read as one field); close the quote: rest of the file not read")
            if last is not None:
                yield last
        except csv.Error as error:
            if last is not None:
                yield last
            yield Skipped(f"{path}:{rows.line_num}", f"not valid CSV ({error}); rest of the file not read")
        except NotText as error:
            if last is not None:
                yield last
            yield Skipped(f"{path}:{rows.line_num + 1}", f"{error}; rest of the file not read")
        if too_long:
            yield Skipped(f"{path}:{too_long[0]}", f"line {too_long[0]} is over {cap:,} characters; rest of the file not read "
                                                   "(raise --max-article-chars if it is real)")


def _quote_left_open(lines: list[str], dialect: type[csv.Dialect] | str) -> bool:
    """Whether the file's last row, made of ``lines``, ends inside a quoted field.

    The lenient parser keeps such a field to the end of the file; the strict one says so. Only a
    row of several lines with an odd number of quote characters is parsed again.
    """
    if len(lines) < 2:
        return False
    quote = csv.get_dialect(dialect).quotechar if isinstance(dialect, str) else dialect.quotechar
    if not quote or sum(line.count(quote) for line in lines) % 2 == 0:
        return False
    try:
        list(csv.reader(lines, dialect=dialect, strict=True))
    except csv.Error:
        return True
    return False


register(CsvReader())
