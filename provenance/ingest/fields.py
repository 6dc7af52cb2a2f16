"""Column mapping for tabular exports (JSONL, CSV): which field holds the id, text, title, date and URL.

Owns ``Fields`` (the mapping, defaults ``id``/``text``/``title``/``published``/``url``,
set from ``--id-field`` and friends) and ``article_from_record``, the one place a
record of an export becomes an ``Article`` — so JSONL and CSV treat a missing
text, a bad id or a date the same way. A ``published`` value is real metadata;
without one, a date line in the text is used and marked ``date-line``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Mapping, Optional

from provenance.ingest.dates import find_date_line, parse_date
from provenance.model import Article, Skipped

_OPTIONS = {"id": "--id-field", "text": "--text-field", "title": "--title-field", "published": "--date-field", "url": "--url-field"}


@dataclasses.dataclass(frozen=True)
class Fields:
    """Names of the fields (JSONL keys, CSV columns) that hold each part of an article."""

    id: str = "id"
    text: str = "text"
    title: str = "title"
    published: str = "published"
    url: str = "url"

    def option(self, part: str) -> str:
        """The command-line option that renames ``part`` ("text" → "--text-field")."""
        return _OPTIONS[part]


DEFAULT_FIELDS = Fields()


# A JSON ``\ud800`` escape without its partner decodes to a lone surrogate, which no UTF-8
# output can hold (and the normaliser cannot encode): each becomes U+FFFD, one character for one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid(value: str) -> str:
    """``value`` with every lone surrogate replaced by U+FFFD (an ASCII string is returned as is)."""
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)


def _optional_str(record: Mapping[str, Any], key: str) -> Optional[str]:
    """A title, date or URL field as text; a number as its digits (a date in seconds since 1970); a
    field with no text in it (NaN, which JSON exports of pandas frames hold for "missing", infinity,
    true, a list) as none, never as "nan"."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return _valid(str(value).strip()) or None


def _shown(value: Any) -> str:
    """A short form of a wrong value and its JSON type, for a message ("a number (1.5)")."""
    kind = {bool: "a boolean", float: "a number", int: "a number", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
    shown = repr(value)
    return f"{kind} ({shown if len(shown) <= 40 else shown[:37] + '...'})"


def article_from_record(record: Mapping[str, Any], fields: Fields, where: str, fallback_id: Optional[str] = None) -> Article | Skipped:
    """One export record as an article, or a one-line reason naming ``where`` and the fix.

    Args:
        record: The record's fields.
        fields: Which field is which.
        where: ``file:line`` (JSONL) or ``file:row`` (CSV), for messages and ``Article.path``.
        fallback_id: Id to use when the record has no id (CSV rows: ``file:row``); ``None`` makes an id required.
    """
    record_id, text = record.get(fields.id), record.get(fields.text)
    article_id = str(record_id).strip() if isinstance(record_id, (str, int)) and not isinstance(record_id, bool) else ""
    if not article_id:
        if fallback_id is None:
            if record_id is not None and not (isinstance(record_id, str) and not record_id.strip()):
                # (a float, a boolean, a list: ids are compared as text, and 1.5 or true is no name)
                return Skipped(where, f"{fields.id!r} is {_shown(record_id)}, not a string or a whole number; give the record such an id")
            return Skipped(where, f"missing {fields.id!r} (a string or number); name the id field with {fields.option('id')}")
        article_id = str(fallback_id).strip()
    if text is not None and not isinstance(text, str):
        return Skipped(where, f"{fields.text!r} is {_shown(text)}, not a string; the article's text must be one")
    if not isinstance(text, str) or not text or text.isspace():  # (strip() would copy the whole text)
        return Skipped(where, f"missing or empty {fields.text!r}; name the field holding the article text with {fields.option('text')}")
    published, published_from = None, None
    given = _optional_str(record, fields.published)
    if given:
        published = parse_date(given)
        published_from = "metadata" if published else None
    if published is None:
        published = find_date_line(text)
        published_from = "date-line" if published else None
    return Article(
        id=_valid(article_id),
        text=_valid(text),
        path=where,
        title=_optional_str(record, fields.title),
        published=published,
        published_from=published_from,
        url=_optional_str(record, fields.url),
    )
