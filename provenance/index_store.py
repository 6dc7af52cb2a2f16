"""Index store: the SQLite file of an index (schema, format version, settings key, transactions, rows).

Owns ``IndexStore``, the base of ``index.Index``: opening an index file (refusing another
format, or settings other than the key stamped into it: an index is only ever read or
extended with the settings it was built with), creating its schema, write transactions and
read snapshots, the counters in ``meta``, the per-stem document frequencies in ``df``, and
reading rows back (articles with their texts by number, numbers by id, counts for ``info``) and
byte ranges of the block files those rows point into (``_block_reader``).
It must not sign, insert or remove articles, write segment, signature or text files, or look up
band keys (all ``index``'s), nor scan (``index_scan``'s): it imports no pipeline stage.

Files: ``news.db`` (SQLite, WAL) and ``news.db.bands/`` (segment files, signature and text
blocks, ``readers.lock``); a snapshot holds a shared lock on ``readers.lock`` so that no writer
deletes a segment file the snapshot lists (``index`` explains the segment files' life).
Tables (format 4; format 3 kept the texts in a table, format 2 had 64-bit band keys, format 1
band keys in a table)::

    meta(key TEXT PRIMARY KEY, value TEXT)        format, settings_key, settings, articles,
                                                  next_article, next_segment, deaths
    articles(article INTEGER PRIMARY KEY, id TEXT UNIQUE, path, url, title, published,
             published_from, author, site, masked (JSON), chars, sha256, windows)
    texts(article INTEGER PRIMARY KEY, block, start, bytes)  where the text exactly as read is (UTF-8)
    signatures(article INTEGER PRIMARY KEY, block, row)  where the article's window signatures are
    blocks(block INTEGER PRIMARY KEY, name TEXT)  files of a batch each: its signatures, uint32
                                                  (windows, num_perm), and its texts end to end
    segments(segment, name, level, entries, clean)  the band-key files that are part of the index
    retired(name)                                 files merged away, deleted once no reader can hold them
    dead(article, windows, death)                 removed articles whose entries some segment still holds
    df(stem INTEGER PRIMARY KEY, df INTEGER)      articles holding each stem
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Self, Sequence

import numpy as np

from provenance.errors import ProvenanceError, SettingsError, WriteError, write_error
from provenance.model import Article
from provenance.settings import INDEX_READABLE_SINCE, Settings
from provenance.shingle import Vocabulary

FORMAT_VERSION = 4
# The columns of ``articles`` an article's record fills besides its text (``Article``'s fields of
# the same names; ``masked`` as JSON): what ``index.add`` compares to tell new metadata from none.
METADATA = ("path", "url", "title", "published", "published_from", "author", "site", "masked")
BUSY_TIMEOUT_S = 60.0  # a second writer waits this long for the first one's batch
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles(
    article INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, url TEXT, title TEXT,
    published TEXT, published_from TEXT, author TEXT, site TEXT, masked TEXT NOT NULL,
    chars INTEGER NOT NULL, sha256 TEXT NOT NULL, windows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS texts(article INTEGER PRIMARY KEY, block INTEGER NOT NULL, start INTEGER NOT NULL,
    bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signatures(article INTEGER PRIMARY KEY, block INTEGER NOT NULL, row INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blocks(block INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS segments(segment INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, level INTEGER NOT NULL,
    entries INTEGER NOT NULL, clean INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS retired(name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS dead(article INTEGER PRIMARY KEY, windows INTEGER NOT NULL, death INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS df(stem INTEGER PRIMARY KEY, df INTEGER NOT NULL);
"""


class IndexStoreError(ProvenanceError):
    """The index cannot be used: missing, corrupt, locked, or built with other settings."""


# How to replace an index this version cannot read (an old format, old settings, damage).
_REBUILD = "`provenance index build CORPUS --index NEW.db`, then replace the old file with NEW.db"

# SQLite's primary result codes for a disk that refused: I/O error, full, cannot open.
_SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_BUSY = 10, 13, 14, 5
# ... and for a file it cannot use: one it may not write (SQLite writes its -wal and -shm files
# beside an index even to read it), one whose pages are damaged, one that is no database.
_SQLITE_READONLY, _SQLITE_CORRUPT, _SQLITE_NOTADB = 8, 11, 26
_DISK_ERRNO = {_SQLITE_IOERR: errno.EIO, _SQLITE_FULL: errno.ENOSPC, _SQLITE_CANTOPEN: errno.ENOENT}


# The first 16 bytes of every SQLite 3 file.
_SQLITE_HEADER = b"SQLite format 3\x00"


def _other_than_sqlite(path: Path) -> bool:
    """Whether ``path`` is a file with bytes that do not start as every SQLite file does (a corpus)."""
    if not path.is_file() or not path.stat().st_size:
        return False
    with open(path, "rb") as file:
        return file.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER


def _not_sqlite(path: Path) -> IndexStoreError:
    """The error for a file that is no SQLite file at all: most likely a corpus given as ``--index``,
    which must not be told to rebuild (that is, overwrite) it."""
    return IndexStoreError(f"{path}: not a provenance index (not an SQLite file); give the index's path "
                           "(the file `provenance index build` made)")


def _damage(path: Path, error: BaseException) -> Optional[IndexStoreError]:
    """An ``IndexStoreError`` saying the index is damaged, if SQLite found its pages so (or that the file
    is no SQLite file, if SQLite says so), else ``None``."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF if isinstance(error, sqlite3.DatabaseError) else None
    if code == _SQLITE_NOTADB:
        return _not_sqlite(path)
    if code != _SQLITE_CORRUPT:
        return None
    return IndexStoreError(f"{path}: the index is damaged ({error}); rebuild it: {_REBUILD}")


def _disk_error(path: Path, error: sqlite3.Error) -> Optional[WriteError]:
    """A ``WriteError`` naming the index if SQLite failed for want of disk (full, I/O error, no folder), else ``None``."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None or code & 0xFF not in _DISK_ERRNO:
        return None
    return write_error(f"the index {path}", OSError(_DISK_ERRNO[code & 0xFF], str(error)))


@dataclasses.dataclass(frozen=True)
class IndexInfo:
    """A summary of an index, for ``provenance index info``."""

    path: str
    format: int
    settings_key: str
    settings: dict[str, object]
    articles: int
    windows: int
    stems: int
    bytes: int
    segments: int


def _signed(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.uint64).view(np.int64)


def _settings_difference(stored: dict[str, object], wanted: dict[str, object]) -> str:
    changed = [f"{k}={wanted.get(k)!r} (index: {stored.get(k)!r})" for k in sorted(set(stored) | set(wanted)) if stored.get(k) != wanted.get(k)]
    return ", ".join(changed) or "the algorithm version"


def _as_option(name: str, value: object) -> str:
    return f"--{name.replace('_', '-')} {value}"


def bands_folder(path: str | os.PathLike[str]) -> Path:
    """The folder of an index's segment files: ``news.db`` → ``news.db.bands``."""
    path = Path(path)
    return path.with_name(path.name + ".bands")


def _remove_unmade(path: Path) -> None:
    """Delete what a failed creation of the index ``path`` left (its file, journal and folder), if it never became one.

    Checked, not assumed: another process may have created the index meanwhile, and that one stays.
    """
    try:
        if not _never_made(path):
            return
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        folder = bands_folder(path)
        if folder.is_dir() and {p.name for p in folder.iterdir()} <= {"readers.lock"}:
            (folder / "readers.lock").unlink(missing_ok=True)
            folder.rmdir()
    except (OSError, sqlite3.Error):
        pass  # best effort: the error being reported is the one that matters


def _remove_empty(path: Path) -> None:
    """Delete an index that holds no article (its file, journal, and folder with whatever files a
    rolled-back batch left in it); best effort, as ``_remove_unmade``."""
    try:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        folder = bands_folder(path)
        if folder.is_dir():
            for pattern in ("readers.lock", "segment-*", "signatures-*", "texts-*"):
                for made in folder.glob(pattern):
                    made.unlink(missing_ok=True)
            folder.rmdir()  # (only if nothing else is in it)
    except OSError:
        pass


def holds_no_article(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an index no article was ever committed to, or an SQLite file a creation left
    with no table: what a build killed (``kill -9``) before its first batch leaves. ``False`` for
    anything else, a file that is no SQLite file (a corpus) included. Reads, never writes."""
    path = Path(path)
    try:
        if _other_than_sqlite(path):
            return False
        if _never_made(path):
            return True
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in probe.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {"meta", "articles"} <= tables:
                return False
            meta = dict(probe.execute("SELECT key, value FROM meta").fetchall())
            return meta.get("next_article") == "1" and not probe.execute("SELECT 1 FROM articles LIMIT 1").fetchone()
        finally:
            probe.close()
    except (OSError, sqlite3.Error):
        return False


def _never_made(path: Path) -> bool:
    """Whether the SQLite file ``path`` holds no table (so no index): missing, headerless, or one page and no journal."""
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return not probe.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
        finally:
            probe.close()
    if not path.exists():
        return True
    with open(path, "rb") as file:
        header = file.read(100)
    if len(header) < 100:
        return True
    page = int.from_bytes(header[16:18], "big")
    # Page 1 holds the schema alone; every table has a page of its own after it.
    return path.stat().st_size <= (65536 if page == 1 else page)


def _refusal(path: Path, tables: set[str], meta: dict[str, str], create: bool) -> Optional[IndexStoreError]:
    """Why the SQLite file ``path`` (its ``tables``, its ``meta`` rows) cannot be opened as an index, or ``None``."""
    if not tables:
        if create:  # a new file (or an empty one: a creation that never began)
            return None
        return IndexStoreError(f"{path}: not a provenance index (an empty file); delete it, then build one with "
                               f"`provenance index build CORPUS --index {path}`")
    if "meta" not in tables or not meta.get("format", "").isdigit():
        return IndexStoreError(f"{path}: not a provenance index (another program's database: tables {', '.join(sorted(tables))}); "
                               "give the index a file name of its own")
    if int(meta["format"]) != FORMAT_VERSION:
        return IndexStoreError(
            f"{path}: index format {meta['format']} is not {FORMAT_VERSION} (format 4 keeps the texts in files in "
            f"{bands_folder(path).name}/, beside the band keys and signatures); this version cannot read it. Rebuild it: "
            f"{_REBUILD}"
        )
    try:
        settings = json.loads(meta.get("settings", ""))
    except ValueError:
        settings = None
    if not isinstance(settings, dict) or "settings_key" not in meta:
        return IndexStoreError(f"{path}: a damaged index (its settings are missing from its meta table); rebuild it: {_REBUILD}")
    return None


class IndexStore:
    """The SQLite file of an open index; ``index.Index`` adds signing, segment files and lookups.

    Open it with ``Index.open`` (an ``IndexStore`` alone cannot add or look up anything).
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, settings: Settings) -> None:
        self.path = path
        self.connection = connection
        self.settings = settings
        self.folder = bands_folder(path)
        self.folder.mkdir(exist_ok=True)
        self._readers_lock = os.open(self.folder / "readers.lock", os.O_RDWR | os.O_CREAT, 0o644)
        self._created = False  # made by this ``open``: removed by ``__exit__`` if it ends in an error holding nothing

    # --- opening ----------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike[str], settings: Optional[Settings] = None, create: bool = False,
             options: Optional[dict[str, object]] = None) -> Self:
        """Open (or create) an index.

        Args:
            path: The index file.
            settings: Settings the caller means to use; ``None`` takes the index's own.
            create: Create the file if it does not exist (with ``settings`` or defaults).
            options: Settings given explicitly (field → value), layered on the index's own;
                the result must still name the index's settings.

        Raises:
            IndexStoreError: missing file, not an index, another format, or other settings
                (the message names the differing settings and how to fix it).
            SettingsError: ``bigram_windows`` asked for (a local scan's alone).
        """
        if (settings is not None and settings.bigram_windows) or (options or {}).get("bigram_windows"):
            # An index stores one kind of band key, and its segments' buckets would need the second kind's too.
            raise SettingsError("bigram_windows is for a local scan only: an index signs passage windows alone; "
                                "leave it off, or scan the corpus without an index")
        path = Path(path)
        exists = path.exists()
        if not exists and not create:
            raise IndexStoreError(f"{path}: no such index; create it with `provenance index build CORPUS --index {path}`")
        if exists and _other_than_sqlite(path):
            raise _not_sqlite(path)
        try:
            return cls._open(path, exists, settings, create, options)
        except BaseException:
            if not exists:
                _remove_unmade(path)
            raise

    @classmethod
    def _open(cls, path: Path, exists: bool, settings: Optional[Settings], create: bool, options: Optional[dict[str, object]]) -> Self:
        """``open``'s work, once it is known whether the file existed."""
        connection: Optional[sqlite3.Connection] = None
        try:
            connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            # Looked at before anything is set: a file that is not an index is left exactly as it was.
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall()) if "meta" in tables else {}
            refusal = _refusal(path, tables, meta, create)
            if refusal is None:
                connection.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a killed process never loses or tears a committed batch;
                # only a power cut can lose the last batches (the file stays consistent).
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache
                connection.execute("PRAGMA temp_store=MEMORY")
        except sqlite3.DatabaseError as error:
            if connection is not None:
                connection.close()
            if getattr(error, "sqlite_errorcode", 0) & 0xFF == _SQLITE_READONLY:
                raise IndexStoreError(
                    f"{path}: cannot be opened in a folder it may not write to (SQLite writes its -wal and -shm files "
                    f"beside an index even to read it); copy {path.name} and {bands_folder(path).name}/ to a writable folder"
                ) from error
            raise _disk_error(path, error) or _damage(path, error) or IndexStoreError(f"{path}: not a provenance index ({error})") from error
        if refusal is not None:
            connection.close()
            raise refusal
        if not tables:
            chosen = settings or Settings().replace(**(options or {}))
            index = cls(path, connection, chosen)
            index._created = not exists
            try:
                index._create()
            except BaseException:
                index.close()
                raise
            return index
        if not bands_folder(path).is_dir():
            connection.close()
            raise IndexStoreError(f"{path}: its folder {bands_folder(path).name}/ is missing (it holds the signatures, texts and "
                                  f"band keys: copy it with the file), or rebuild the index: {_REBUILD}")
        stored_dict = json.loads(meta["settings"])
        known = set(Settings().as_dict())
        retired, added = sorted(set(stored_dict) - known), sorted(known - set(stored_dict))
        if retired or added:
            # Settings were renamed or added: what the index was built for cannot be put in today's terms.
            connection.close()
            changes = "; ".join(f"{what} ({', '.join(names)})" for what, names in
                                (("this version no longer has", retired), ("it lacks", added)) if names)
            raise IndexStoreError(
                f"{path} was built by an older provenance, with settings that differ in name: {changes}; "
                f"rebuild it: {_REBUILD}"
            )
        stored = Settings().replace(**stored_dict)
        wanted = settings if settings is not None else stored.replace(**(options or {}))
        if meta["settings_key"] not in wanted.readable_keys():
            connection.close()
            if stored_dict == wanted.as_dict():
                raise IndexStoreError(
                    f"{path} was built by an older provenance (key {meta['settings_key']}; this one reads "
                    f"p{INDEX_READABLE_SINCE} and later); rebuild it: {_REBUILD}"
                )
            differences = _settings_difference(stored_dict, wanted.as_dict())
            original = " ".join(_as_option(k, v) for k, v in stored_dict.items() if wanted.as_dict().get(k) != v)
            raise IndexStoreError(
                f"{path} was built with other settings (key {meta['settings_key']}, asked for {wanted.key()}): {differences}. "
                f"Pass the index's settings ({original}) or leave them out, or rebuild the index with the new ones "
                f"(`provenance index build CORPUS --index NEW.db` plus your options)"
            )
        return cls(path, connection, stored)

    def _create(self) -> None:
        with self.transaction():
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    self.connection.execute(statement)
            rows = [("format", str(FORMAT_VERSION)), ("settings_key", self.settings.key()),
                    ("settings", json.dumps(self.settings.as_dict(), sort_keys=True)), ("articles", "0"),
                    ("next_article", "1"), ("next_segment", "1"), ("deaths", "0")]
            self.connection.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", rows)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
        if self._readers_lock >= 0:
            os.close(self._readers_lock)
            self._readers_lock = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, error: Optional[BaseException], trace: object) -> None:
        # A build that ends (an error, Ctrl-C) before its first batch commits leaves no empty index
        # behind: it would refuse the next `index build` ("already exists") and hold nothing.
        unmade = error is not None and self._created and self._holds_nothing()
        self.close()
        if unmade:
            _remove_empty(self.path)
        damage = _damage(self.path, error) if error is not None else None
        if damage is not None:  # a damaged page found by any query made inside ``with``
            raise damage from error

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: ``BEGIN IMMEDIATE`` takes the write lock up front (so two
        writers queue on the busy timeout instead of deadlocking), COMMIT or ROLLBACK at the end."""
        try:
            self.connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorcode", _SQLITE_BUSY) & 0xFF != _SQLITE_BUSY:
                raise _disk_error(self.path, error) or error
            raise IndexStoreError(
                f"{self.path}: another process has been writing to this index for over {BUSY_TIMEOUT_S:.0f} s ({error}); "
                "wait for it to finish, then run again"
            ) from error
        try:
            yield self.connection
            self.connection.execute("COMMIT")
        except BaseException as error:
            if self.connection.in_transaction:  # (a COMMIT that failed, on a full disk, leaves it open)
                self.connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise _disk_error(self.path, error) or error
            raise

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same committed state of the index,
        even while another process commits batches (WAL readers never block, nor see a half batch).
        Inside ``transaction`` (or another snapshot) it simply joins the open transaction."""
        if self.connection.in_transaction:
            yield self.connection
            return
        # The shared lock keeps writers from deleting merged-away segment files this snapshot lists.
        fcntl.flock(self._readers_lock, fcntl.LOCK_SH)
        try:
            self.connection.execute("BEGIN DEFERRED")
            try:
                yield self.connection
            finally:
                self.connection.execute("COMMIT")
        finally:
            fcntl.flock(self._readers_lock, fcntl.LOCK_UN)

    def _holds_nothing(self) -> bool:
        """Whether no article was ever committed (``False`` if that cannot be told)."""
        try:
            return not self.connection.execute("SELECT 1 FROM articles LIMIT 1").fetchone() and self._meta("next_article") == 1
        except sqlite3.Error:
            return False

    def _meta(self, key: str) -> int:
        return int(self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    def _set_meta(self, key: str, value: int) -> None:
        self.connection.execute("UPDATE meta SET value = ? WHERE key = ?", (str(value), key))

    # --- reading ----------------------------------------------------------
    @property
    def size(self) -> int:
        """Number of indexed articles."""
        return int(self.connection.execute("SELECT value FROM meta WHERE key='articles'").fetchone()[0])

    def info(self) -> IndexInfo:
        """Counts and settings of the index (one consistent snapshot, even during a write)."""
        with self.snapshot():
            meta = dict(self.connection.execute("SELECT key, value FROM meta").fetchall())
            windows = self.connection.execute("SELECT coalesce(sum(windows), 0) FROM articles").fetchone()[0]
            stems = self.connection.execute("SELECT count(*) FROM df").fetchone()[0]
            names = [row[0] for row in self.connection.execute("SELECT name FROM segments")]
            blocks = [row[0] for row in self.connection.execute("SELECT name FROM blocks")]
            size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
            size += sum((self.folder / name).stat().st_size for name in names + blocks)
        return IndexInfo(str(self.path), int(meta["format"]), meta["settings_key"], json.loads(meta["settings"]),
                         int(meta["articles"]), int(windows), int(stems), size, len(names))

    def numbers(self, ids: Iterable[str]) -> dict[str, int]:
        """Index article numbers of the given ids (ids not indexed are left out)."""
        out: dict[str, int] = {}
        ids = list(ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = f"SELECT id, article FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update(self.connection.execute(query, chunk).fetchall())
        return out

    def articles(self, numbers: Sequence[int]) -> list[Article]:
        """The articles with these index numbers, text included, in the order asked."""
        found: dict[int, Article] = {}
        numbers = [int(n) for n in numbers]
        with self._block_reader() as read:
            for start in range(0, len(numbers), 500):
                chunk = numbers[start : start + 500]
                query = (
                    "SELECT a.article, id, path, url, title, published, published_from, author, site, masked, b.name, t.start, t.bytes "
                    "FROM articles a JOIN texts t ON t.article = a.article JOIN blocks b ON b.block = t.block "
                    f"WHERE a.article IN ({','.join('?' * len(chunk))})"
                )
                for row in self.connection.execute(query, chunk):
                    found[row[0]] = Article(
                        id=row[1], path=row[2], url=row[3], title=row[4], published=row[5], published_from=row[6],
                        author=row[7], site=row[8], masked=tuple(tuple(span) for span in json.loads(row[9])),
                        text=read(row[10], row[11], row[12]).decode("utf-8", "surrogatepass"),
                    )
        return [found[n] for n in numbers]

    @contextlib.contextmanager
    def _block_reader(self) -> Iterator[Callable[[str, int, int], bytes]]:
        """``read(name, start, size)``: bytes of a block file beside the index, each file opened once.
        A missing or short file raises ``IndexStoreError``: the index is damaged."""
        files: dict[str, int] = {}

        def read(name: str, start: int, size: int) -> bytes:
            if name not in files:
                files[name] = os.open(self.folder / name, os.O_RDONLY)
            data = os.pread(files[name], size, start)
            if len(data) != size:
                raise IndexStoreError(f"{self.path}: {name} is truncated; the index is damaged, rebuild it")
            return data

        try:
            yield read
        except FileNotFoundError as error:
            raise IndexStoreError(f"{self.path}: {error.filename} is missing; the index is damaged, rebuild it") from error
        finally:
            for descriptor in files.values():
                os.close(descriptor)

    def vocabulary(self, stems: np.ndarray, extra_articles: int = 0) -> Vocabulary:
        """The index's document frequencies of ``stems`` (uint64), as a ``Vocabulary`` over all indexed articles."""
        stems = np.unique(np.asarray(stems, dtype=np.uint64))
        found = self._stem_df(stems)
        return Vocabulary(stems=stems, df=found, articles=self.size + extra_articles)

    def _stem_df(self, stems: np.ndarray) -> np.ndarray:
        """df of each of the sorted distinct ``stems`` (0 where unknown), by SQL probes of ``df``."""
        if len(stems) == 0:
            return np.zeros(0, dtype=np.int64)
        # IN lists of 500 (under SQLite's oldest variable limit): twice as fast as filling a
        # temporary table to join, which was a third of a text build's time.
        probes = _signed(stems).tolist()
        rows = []
        for start in range(0, len(probes), 500):
            chunk = probes[start : start + 500]
            rows += self.connection.execute(f"SELECT stem, df FROM df WHERE stem IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        out = np.zeros(len(stems), dtype=np.int64)
        if rows:
            found = np.array(rows, dtype=np.int64)
            out[np.searchsorted(stems, found[:, 0].view(np.uint64))] = found[:, 1]
        return out

    def _known(self, ids: list[str]) -> dict[str, tuple[int, str, tuple[Optional[str], ...]]]:
        """The indexed ones of ``ids``: each one's article number, sha256 and stored metadata
        (``METADATA``'s columns, in that order)."""
        out: dict[str, tuple[int, str, tuple[Optional[str], ...]]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = f"SELECT id, article, sha256, {', '.join(METADATA)} FROM articles WHERE id IN ({','.join('?' * len(chunk))})"
            out.update((row[0], (row[1], row[2], tuple(row[3:]))) for row in self.connection.execute(query, chunk))
        return out

    # --- counts (inside the caller's write transaction) --------------------
    def _adjust_df(self, stems: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """Add ``delta`` to the df of each distinct stem (inside the caller's transaction); returns the new df."""
        if len(stems) == 0:
            return np.zeros(0, dtype=np.int64)
        new = self._stem_df(stems) + delta
        c = self.connection
        c.executemany("INSERT OR REPLACE INTO df VALUES (?, ?)", zip(_signed(stems[new > 0]).tolist(), new[new > 0].tolist()))
        c.executemany("DELETE FROM df WHERE stem = ?", zip(_signed(stems[new <= 0]).tolist()))
        return new

    def _set_size(self, size: int) -> None:
        self.connection.execute("UPDATE meta SET value = ? WHERE key = 'articles'", (str(size),))
