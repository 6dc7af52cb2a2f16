"""The reader interface every input format implements, and the reader registry.

A reader turns one file into articles (and ``Skipped`` entries for parts it
could not use). Formats slot in by subclassing ``Reader`` and calling
``register``; ``ingest.read_corpus`` picks a reader by ``--input-format``, by
file extension, or by sniffing the first bytes.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import ClassVar, Iterator, Union

from provenance.model import Article, Skipped

Item = Union[Article, Skipped]


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
    def read(self, path: Path, article_id: str) -> Iterator[Item]:
        """Yield the articles of ``path``; ``article_id`` is the file's id (relative path)."""


READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Add a reader to the registry (by its ``name``)."""
    READERS[reader.name] = reader
    return reader
