"""Publication dates found in text: parsing date strings and spotting date lines.

Owns turning "Sep 13, 2023", "Fri. Sep 29th, 2023" or "2023-09-13" into an ISO
date, and finding a site's date line near the top of an article. A date line is
weak evidence (themes often print the scrape or display date), so callers mark
it ``date-line`` rather than ``metadata``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Optional

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday|sday)?\.?,?\s+)?"

# "Sep 13, 2023", "Fri. Sep 29th, 2023", "September 13 2023"
_MONTH_FIRST = re.compile(_WEEKDAY + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR, re.IGNORECASE)
# "13 September 2023", "Wednesday, 13 September 2023"
_DAY_FIRST = re.compile(_WEEKDAY + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR, re.IGNORECASE)
# "2023-09-13", optionally with a time and zone ("2023-09-13T10:00:00.5+02:00"), which are read only
# to be checked: a timestamp at hour 25 is a broken or forged field, not a date to order articles by.
_ISO = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)(?!\d)"
    r"(?:[T ](?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d)(?:[.,]\d+)?)?"
    r"(?:Z|[+-](?P<zone_hour>\d\d):?(?P<zone_minute>\d\d)(?!\d))?)?"
)
# Metadata only (a CMS export's date field): "14/09/2023", "14.09.2023", "09/14/2023" ...
_NUMERIC = re.compile(r"(?<!\d)(?P<first>\d{1,2})[./-](?P<second>\d{1,2})[./-](?P<year>(?:19|20)\d\d)(?!\d)")
# ... and seconds (10 digits) or milliseconds (13 digits) since 1970.
_EPOCH = re.compile(r"(?P<seconds>\d{10})(?:\.\d*)?|(?P<millis>\d{13})")

# A date line is a short line that is mostly a date, perhaps with a label.
_LABEL = re.compile(r"^\s*(?:published|posted|updated|date)?\s*(?:on)?\s*:?\s*", re.IGNORECASE)
_LABEL_ONLY = re.compile(r"(?:published|posted|updated|date)\s*(?:on)?\s*:", re.IGNORECASE)
_YEARLESS = re.compile(
    _WEEKDAY + r"(?:" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH.replace("?P<month>", "?:") + r")",
    re.IGNORECASE,
)
_DATE_LINE_MAX_CHARS = 60
_DATE_LINE_SEARCH_LINES = 6


def _valid_time(found: re.Match[str]) -> bool:
    """Whether the time and zone after an ISO date, where there are any, can be."""
    if found.re is not _ISO or found["hour"] is None:
        return True
    hour, minute, second = int(found["hour"]), int(found["minute"]), int(found["second"] or 0)
    # 24:00 is ISO 8601's end of the day; 60 seconds is a leap second.
    clock = (hour < 24 or (hour == 24 and minute == second == 0)) and minute < 60 and second <= 60
    zone = found["zone_hour"] is None or (int(found["zone_hour"]) < 24 and int(found["zone_minute"]) < 60)
    return clock and zone


def _build(year: str, month: str, day: str) -> Optional[str]:
    month_number = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
    if month_number is None:
        return None
    try:
        return dt.date(int(year), month_number, int(day)).isoformat()
    except ValueError:
        return None


# Cached: a corpus's metadata dates repeat (a 100k export holds ~3,300 distinct ones), and three
# patterns tried in turn cost more than a lookup (reading 100k JSONL records: 1.11 -> 1.03 s,
# with repair_line's ASCII test).
@functools.lru_cache(maxsize=4096)
def parse_date(value: str) -> Optional[str]:
    """Parse a date string in a common news format into ``YYYY-MM-DD``.

    Args:
        value: Text such as ``"2023-09-13T10:00Z"``, ``"Sep 13, 2023"`` or ``"13 September 2023"``;
            as a metadata value also ``"14/09/2023"`` or ``"14.09.2023"`` (day and month told apart
            only when one is over 12), or seconds or milliseconds since 1970 (``"1694649600"``).

    Returns:
        The ISO date, or ``None`` if no complete, valid date is found.
    """
    for pattern in (_ISO, _MONTH_FIRST, _DAY_FIRST):
        found = pattern.search(value)
        if found:
            return _build(found["year"], found["month"], found["day"]) if _valid_time(found) else None
    found = _EPOCH.fullmatch(value.strip())
    if found:
        seconds = int(found["seconds"]) if found["seconds"] else int(found["millis"]) // 1000
        day = dt.datetime.fromtimestamp(seconds, dt.timezone.utc).date()
        return day.isoformat() if day.year < 2100 else None
    found = _NUMERIC.search(value)
    if found:
        first, second = int(found["first"]), int(found["second"])
        if first == second or (first > 12) != (second > 12):
            day, month = (first, second) if first > 12 else (second, first)
            return _build(found["year"], str(month), str(day))
        # 03/04/2023 is 3 April or March 4: a guess would be wrong for half the world. No date is
        # better than a wrong one, which would turn a derivation around.
    return None


def parse_timestamp(value: str) -> Optional[str]:
    """``value`` if it is one ISO 8601 date or timestamp that can be (a WARC-Date:
    ``2023-09-14T10:00:00Z``), stripped; else ``None``. Nothing else from a header is kept: a crawl
    can send anything there, and the crawl date goes into reports (a formula, terminal escapes)."""
    found = _ISO.fullmatch(value.strip())
    if not found or not _valid_time(found) or _build(found["year"], found["month"], found["day"]) is None:
        return None
    return found.group()


def _line_date(line: str) -> Optional[str]:
    line = line.strip()
    if len(line) > _DATE_LINE_MAX_CHARS:
        return None
    rest = _LABEL.sub("", line, count=1)
    for pattern in (_MONTH_FIRST, _DAY_FIRST, _ISO):
        found = pattern.match(rest)
        if found and len(rest) - found.end() <= 8:
            return _build(found["year"], found["month"], found["day"]) if _valid_time(found) else None
    return None


def looks_like_date(line: str) -> bool:
    """Whether a short line is a date, even one without a year ("Wednesday, October 4")."""
    line = line.strip()
    return len(line) <= _DATE_LINE_MAX_CHARS and bool(_YEARLESS.fullmatch(line) or _line_date(line))


def find_date_line(text: str) -> Optional[str]:
    """Find a site's date line near the top or the bottom of an article.

    Only short lines that are essentially a date count ("Published On: Sep 13, 2023",
    "Fri. Sep 29th, 2023", or a "Published On:" label with the date on the next line);
    a date inside a sentence of the story does not.

    Returns:
        The ISO date of the first such line, or ``None``.
    """
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines() if line.strip()]
    edge = _DATE_LINE_SEARCH_LINES
    window = lines if len(lines) <= 3 * edge else lines[:edge] + lines[-3 * edge :]
    for index, line in enumerate(window):
        found = _line_date(line)
        if found is None and _LABEL_ONLY.fullmatch(line) and index + 1 < len(window):
            found = _line_date(window[index + 1])
        if found:
            return found
    return None
