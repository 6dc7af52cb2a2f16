"""Plain-text articles: one article per file, the date taken from a date line if present."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from provenance.ingest.base import MAX_ARTICLE_CHARS, Item, Reader, file_too_big, register, too_long
from provenance.ingest.dates import find_date_line, looks_like_date
from provenance.ingest.decode import NotText, decode_text
from provenance.model import Article, Skipped


def _title(text: str) -> str | None:
    # The first non-empty line that is not itself the date line reads as a title.
    for line in text.splitlines()[:6]:
        line = line.strip()
        if line and not looks_like_date(line):
            return line[:300]
    return None


class TextReader(Reader):
    name = "txt"
    extensions = (".txt", ".text", ".md")

    def read(self, path: Path, article_id: str, *, max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        big = file_too_big(path, max_chars)
        if big is not None:
            yield big
            return
        try:
            text = decode_text(path.read_bytes())
        except NotText as error:
            yield Skipped(str(path), str(error))
            return
        if len(text) > max_chars:
            yield too_long(str(path), len(text), max_chars)
            return
        if not text.strip():
            yield Skipped(str(path), "empty article (no text)")
            return
        published = find_date_line(text)
        yield Article(
            id=article_id,
            text=text,
            path=str(path),
            title=_title(text),
            published=published,
            published_from="date-line" if published else None,
        )


register(TextReader())
