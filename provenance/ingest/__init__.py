"""Ingest: files and folders in, ``Article`` records out (one reader per format).

Owns walking the paths the user gave (recursively, symlink loops and
unreadable entries reported, never fatal; a file reached twice read once),
choosing a reader per file, giving each article a stable id, and ordering the
result so that input order never changes the output; also reading the two
articles ``compare`` takes (``read_pair``). Readers live beside this module, one
per format.

A reader is chosen by ``--input-format``, else by file extension (``.warc.gz``
counts as one), else by sniffing the first bytes: ``<!doctype html`` or
``<html`` for HTML, ``WARC/1.`` (plain, or inside gzip) for WARC, ``{`` for JSONL.

Nothing is lost silently: every file, line, row or record that gives no article
comes back as a ``Skipped`` with a one-line reason, and an article over
``max_chars`` is skipped, never truncated. Names that are not valid UTF-8 or
hold control characters (a newline in a file name) are shown escaped
(``\xff``, ``\n``) in ids and messages, so each message stays one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
from pathlib import Path
from typing import Iterable, Iterator, Optional, Sequence

from provenance.errors import InputError
from provenance.ingest import delimited as _delimited  # noqa: F401  (registers the reader)
from provenance.ingest import html as _html  # noqa: F401  (registers the reader)
from provenance.ingest import jsonl as _jsonl  # noqa: F401  (registers the reader)
from provenance.ingest import text as _text  # noqa: F401  (registers the reader)
from provenance.ingest import warc as _warc  # noqa: F401  (registers the reader)
from provenance.ingest.base import LONGEST_ARTICLE_CHARS, MAX_ARTICLE_CHARS, READERS, Item, Reader, check_size_limit, too_long
from provenance.ingest.fields import DEFAULT_FIELDS, Fields
from provenance.model import Article, Skipped
from provenance.workers import no_cycle_collection

__all__ = ["read_corpus", "READERS", "Reader", "Fields", "DEFAULT_FIELDS", "MAX_ARTICLE_CHARS", "LONGEST_ARTICLE_CHARS", "safe_name"]

_SNIFF_BYTES = 512
# A skipped line or record: ``FILE:LINE`` (JSONL, CSV) or ``FILE#RECORD`` (WARC).
_NUMBERED = re.compile(r"(.*)([:#])([0-9]+)")


def _skip_order(item: Skipped) -> tuple[str, str, int, str]:
    """Skipped inputs by path, a file's lines and records by number (``a.jsonl:3`` before ``a.jsonl:10``)."""
    numbered = _NUMBERED.fullmatch(item.path)
    if numbered is None:
        return item.path, "", -1, item.reason
    return numbered[1], numbered[2], int(numbered[3]), item.reason


def safe_name(name: str) -> str:
    """``name`` with undecodable bytes (surrogate escapes) and control characters escaped, one printable line."""
    if name.isascii() and name.isprintable():  # most names: nothing to escape, and no encoding to try
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name)


def _clean(item: Item) -> Item:
    """An item with its id, path and reason made safe to print and to encode as UTF-8."""
    if isinstance(item, Skipped):
        path, reason = safe_name(item.path), safe_name(item.reason)
        return item if (path, reason) == (item.path, item.reason) else Skipped(path, reason)
    article_id, path = safe_name(item.id), safe_name(item.path)
    return item if (article_id, path) == (item.id, item.path) else dataclasses.replace(item, id=article_id, path=path)


def _pick_reader(path: Path, input_format: Optional[str]) -> Optional[Reader]:
    if input_format:
        return READERS[input_format]
    suffixes = "".join(path.suffixes[-2:]).lower()
    for reader in READERS.values():
        if path.suffix.lower() in reader.extensions or suffixes in reader.extensions:
            return reader
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return None
    for reader in READERS.values():
        if reader.sniff(head):
            return reader
    return None


def _walk(root: Path) -> Iterable[tuple[Path, str] | Skipped]:
    """Files under ``root`` with their ids (path relative to ``root``), in sorted order."""
    seen_dirs: set[tuple[int, int]] = set()

    def visit(folder: Path) -> Iterable[tuple[Path, str] | Skipped]:
        try:
            stat = folder.stat()
        except OSError as error:
            yield Skipped(str(folder), f"cannot open folder ({error.strerror})")
            return
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            yield Skipped(str(folder), "symlink loop; folder already visited")
            return
        seen_dirs.add((stat.st_dev, stat.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as error:
            yield Skipped(str(folder), f"cannot list folder ({error.strerror}); check its permissions")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError as error:
                loop = "symlink loop; " if error.errno == errno.ELOOP else ""
                yield Skipped(str(path), f"{loop}cannot stat ({error.strerror})")
                continue
            if is_dir:
                yield from visit(path)
            elif is_file:
                yield path, path.relative_to(root).as_posix()
            elif entry.is_symlink():
                yield Skipped(str(path), "broken symlink, or a symlink loop")
            else:
                # A FIFO would block the run forever; a device or socket holds no article.
                yield Skipped(str(path), "not a regular file (a FIFO, socket or device)")

    yield from visit(root)


def named_by_path(article: Article) -> Article:
    """``article`` with its path as given (``x/a.txt``) for its id: how a file's article is told apart from
    another file's of the same id (ids are paths relative to the path given: both ``a.txt``)."""
    return dataclasses.replace(article, id=safe_name(Path(article.path).as_posix()))


def _named_apart(found: list[tuple[int, Article, bool]], paths: Sequence[str | os.PathLike[str]]) -> Iterator[Article]:
    """The articles read, in order; where files under two of the paths given have one id (``x/a.txt`` and
    ``y/a.txt``, or ``siteA/`` and ``siteB/`` each with an ``index.html``: ids are paths relative to the
    path given), each of those takes its path as given instead (``x/a.txt``), whatever the order of the
    paths: the second was skipped as a duplicate, and which one depended on that order."""
    roots = [Path(given).resolve() for given in paths]  # (one path given twice is one path: its files are duplicates of themselves)
    given_in: dict[str, set[Path]] = {}
    for number, article, by_path in found:
        if by_path:
            given_in.setdefault(article.id, set()).add(roots[number])
    if all(len(roots_of_id) == 1 for roots_of_id in given_in.values()):
        yield from (article for _, article, _ in found)
        return
    for number, article, by_path in found:
        yield named_by_path(article) if by_path and len(given_in[article.id]) > 1 else article


def _files_once(paths: Sequence[str | os.PathLike[str]], skipped: list[Skipped]) -> list[tuple[int, Path, str]]:
    """Each file under the paths given, once: ``(the path given's number, its path, its id)``.

    A file reached from two paths given (``seeds/ seeds/``, ``seeds/ ./seeds``, ``seeds/a.txt seeds/``) or
    through a symlink is one article: it is read once, under its own name rather than a link's, then the
    smallest of its ids, so which path came first never shows. What cannot be listed goes to ``skipped``.
    """
    chosen: dict[tuple[int, int] | Path, tuple[bool, str, int, Path]] = {}
    for number, given in enumerate(paths):
        root = Path(given)
        if not root.exists() and not root.is_symlink():
            raise InputError(f"{root}: no such file or folder")
        listing: Iterable[tuple[Path, str] | Skipped]
        if root.is_dir():
            listing = _walk(root)
        elif root.is_file():
            listing = [(root, root.name)]
        elif root.is_symlink() and not root.exists():
            listing = [Skipped(str(root), "broken symlink, or a symlink loop")]
        else:
            listing = [Skipped(str(root), "not a regular file (a FIFO, socket or device)")]
        for entry in listing:
            if isinstance(entry, Skipped):
                skipped.append(entry)
                continue
            path, article_id = entry
            try:
                stat = path.stat()
                identity: tuple[int, int] | Path = (stat.st_dev, stat.st_ino)
            except OSError:
                identity = path  # reading it will say what is wrong
            named = (path.is_symlink(), article_id, number, path)
            if identity not in chosen or named[:3] < chosen[identity][:3]:
                chosen[identity] = named
    # In the order first met (where a later path named a file anew, it keeps its place).
    return [(number, path, article_id) for _, article_id, number, path in chosen.values()]


def read_corpus(
    paths: Sequence[str | os.PathLike[str]], input_format: Optional[str] = None, fields: Fields = DEFAULT_FIELDS,
    max_chars: int = MAX_ARTICLE_CHARS,
) -> tuple[list[Article], list[Skipped]]:
    """Read every article under the given files and folders.

    Args:
        paths: Files and folders; folders are walked recursively (hidden entries skipped).
        input_format: Force one reader (``txt``, ``jsonl``, ...) instead of choosing per file.
        fields: Column mapping for JSONL and CSV exports (``--text-field`` and friends).
        max_chars: Longest article kept, in characters (``--max-article-chars``); longer ones are skipped.

    Returns:
        The articles sorted by id, and what was skipped (each with a reason), sorted by path.

    Raises:
        InputError: if a path does not exist or ``input_format`` is unknown.
    """
    check_size_limit(max_chars)
    if input_format is not None and input_format not in READERS:
        raise InputError(f"unknown input format {input_format!r}; choose one of {', '.join(sorted(READERS))}")
    found: list[tuple[int, Article, bool]] = []  # (the path given, an article, whether its id is its file's path)
    skipped: list[Skipped] = []
    for number, path, article_id in _files_once(paths, skipped):
        reader = _pick_reader(path, input_format)
        if reader is None:
            skipped.append(Skipped(str(path), "unknown format; use --input-format to say what it is"))
            continue
        items: Iterable[Item]
        try:
            # Only tabular readers take a column mapping; the others keep the two-argument interface.
            read = (reader.read(path, article_id, fields=fields, max_chars=max_chars) if reader.mapped  # type: ignore[call-arg]
                    else reader.read(path, article_id, max_chars=max_chars))
            # An export's records make plain objects only (an HTML parser's trees hold cycles):
            # the cycle collector would walk every article already read, again and again.
            with no_cycle_collection() if reader.mapped else contextlib.nullcontext():
                items = list(read)
        except OSError as error:
            items = [Skipped(str(path), f"cannot read ({error.strerror or error}); check its permissions")]
        for item in items:
            by_path = isinstance(item, Article) and item.id == article_id
            item = _clean(item)
            if isinstance(item, Article) and len(item.text) > max_chars:
                skipped.append(too_long(item.path, len(item.text), max_chars))
            elif isinstance(item, Skipped):
                skipped.append(item)
            else:
                found.append((number, item, by_path))
    articles: dict[str, Article] = {}
    for article in _named_apart(found, paths):
        if article.id in articles:
            skipped.append(Skipped(article.path, f"duplicate id {article.id!r} (also in {articles[article.id].path})"))
        else:
            articles[article.id] = article
    # Sorted like the articles, so the order the paths were given in never shows in the output.
    cleaned = sorted((_clean(item) for item in skipped), key=_skip_order)
    return [articles[key] for key in sorted(articles)], cleaned  # type: ignore[misc]


def read_pair(first: str | os.PathLike[str], second: str | os.PathLike[str],
              max_chars: int = MAX_ARTICLE_CHARS) -> tuple[list[Article], list[Skipped]]:
    """The one article of each of two files, for ``provenance compare``, in the order given.

    Where both files have one id (``x/a.txt`` and ``y/a.txt``), each takes its path as given.

    Raises:
        InputError: if the two are one file, or a file holds no readable article or several (a JSONL
            export: compare would otherwise have taken two of its records and ignored the other file).
    """
    if Path(first).exists() and Path(second).exists() and os.path.samefile(first, second):
        raise InputError(f"{first} and {second} are the same file; compare takes two different articles")
    read = [read_corpus([path], max_chars=max_chars) for path in (first, second)]
    for path, (articles, skipped) in zip((first, second), read):
        if not articles:  # (what was skipped, and why, is listed before the message)
            raise InputError(f"{path}: no readable article; compare takes one from each file", skipped=skipped)
        if len(articles) > 1:
            raise InputError(f"{path} holds {len(articles)} articles; compare takes one from each file: give one text, "
                             "page or record, or scan them all with `provenance scan`", skipped=skipped)
    (one,), (other,) = (articles for articles, _ in read)
    if one.id == other.id:  # (by the paths given: a one-record export's path is "FILE:1")
        one, other = (dataclasses.replace(a, id=safe_name(Path(path).as_posix())) for a, path in ((one, first), (other, second)))
    return [one, other], [item for _, skipped in read for item in skipped]
