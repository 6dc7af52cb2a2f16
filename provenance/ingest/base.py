"""The reader interface every input format implements, the reader registry, and the article size cap.

A reader turns one file into articles (and ``Skipped`` entries for parts it
could not use). Formats slot in by subclassing ``Reader`` and calling
``register``; ``ingest.read_corpus`` picks a reader by ``--input-format``, by
file extension, or by sniffing the first bytes.

Every reader honours ``max_chars`` (``--max-article-chars``): an article longer
than that is skipped with a message, never truncated (offsets into a cut text
would no longer be the article's), and a reader never holds much more than the
cap in memory for one article — whole-file formats check the file's size before
reading it, line formats read lines with a length cap.
"""

from __future__ import annotations

import abc
import io
import os
from pathlib import Path
from typing import ClassVar, Iterator, Optional, Union

from provenance.errors import InputError
from provenance.ingest.decode import NotText, open_text
from provenance.model import Article, Skipped

Item = Union[Article, Skipped]

MAX_ARTICLE_CHARS = 5_000_000
"""Default cap on one article's length in characters (about 1,000 pages of prose)."""

LONGEST_ARTICLE_CHARS = 2**31 - 1
"""The highest cap there can be: shingles hold offsets into an article as int32."""

# A character is at most 4 bytes in UTF-8, UTF-16 and UTF-32: a file above this many bytes
# per allowed character cannot hold an article under the cap, so it is refused unread.
MAX_BYTES_PER_CHAR = 4


def line_cap(max_chars: int) -> int:
    """Longest line of a JSONL or CSV export worth reading for articles of ``max_chars``.

    A line holds the text plus its escapes (``\\uXXXX`` is 6 characters) and the other fields.
    """
    return max_chars * MAX_BYTES_PER_CHAR + 65536


def open_export(path: Path, max_chars: int) -> Union[tuple[io.TextIOWrapper, int], Skipped]:
    """A JSONL or CSV export opened as text (``decode.open_text``) with its ``line_cap``; or why it can't be."""
    try:
        return open_text(path), line_cap(max_chars)
    except NotText as error:
        return Skipped(str(path), str(error))


class Reader(abc.ABC):
    """Reads one file into articles.

    Attributes:
        name: The ``--input-format`` name.
        extensions: Lower-case file suffixes this reader claims (".txt").
        mapped: Whether ``read`` takes a ``fields`` keyword (a ``Fields`` column mapping):
            readers of tabular exports (JSONL, CSV) do.
    """

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    mapped: ClassVar[bool] = False

    def sniff(self, head: bytes) -> bool:
        """Whether a file starting with ``head`` is in this format (extension unknown)."""
        return False

    @abc.abstractmethod
    def read(self, path: Path, article_id: str, *, max_chars: int = MAX_ARTICLE_CHARS) -> Iterator[Item]:
        """Yield the articles of ``path``; ``article_id`` is the file's id (relative path).

        Articles longer than ``max_chars`` characters are yielded as ``Skipped``.
        """


def check_size_limit(max_chars: int) -> None:
    """Refuse an article size limit outside ``[1, LONGEST_ARTICLE_CHARS]`` (both engines' readers).

    Raises:
        InputError: naming the range.
    """
    if not 1 <= max_chars <= LONGEST_ARTICLE_CHARS:
        raise InputError(f"the article size limit must be from 1 to {LONGEST_ARTICLE_CHARS:,} characters, got {max_chars:,}")


def too_long(where: str, chars: int, max_chars: int) -> Skipped:
    """The one message for an article over the cap."""
    return Skipped(where, f"article of {chars:,} characters is over the limit of {max_chars:,}; "
                          "raise it with --max-article-chars if it is real")


def file_too_big(path: Path, max_chars: int) -> Optional[Skipped]:
    """``Skipped`` if a one-article file is too big to hold an article under the cap (checked unread)."""
    size = os.stat(path).st_size
    if size > max_chars * MAX_BYTES_PER_CHAR:
        return Skipped(str(path), f"file of {size:,} bytes is too big for one article (limit {max_chars:,} characters); "
                                  "raise it with --max-article-chars if it is real")
    return None


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a reader to the registry (by its ``name``)."""
    READERS[reader.name] = reader
    return reader
