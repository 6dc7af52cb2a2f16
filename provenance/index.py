"""Index: the on-disk store of signed articles, for incremental scans and audits (SQLite + segment files).

Owns ``Index``: adding articles in transactional batches (signing them with the index's
per-stem document frequencies, inserting their rows, replacing changed ones, updating the
metadata of unchanged texts, and storing another file's article of an indexed id under its
path as given), the signature
blocks and the log-structured set of band-key segment files next to the SQLite file
(registering them, deleting orphans, merging ``MERGE_FANIN`` of one level, deleting
merged-away files), and LSH lookups of query signatures against those files, so that
matching new articles against a million indexed ones never loads the archive into memory.
It builds on ``index_store`` (the SQLite file: schema, format version, settings key,
transactions, snapshots, df counts, reading rows) and ``segments`` (the segment file
format); scanning a corpus against an index is ``index_scan``'s. Nothing here parses
command lines or renders reports.

Signatures and texts live in files, two blocks per batch (``signatures-*.u32``, uint32
``(windows, num_perm)``; ``texts-*.utf8``, the texts end to end): as SQLite blobs and rows they
were half of a batch's write time. A block is written like a segment (on a thread, beside the
batch's rows and segment: most of a batch's bytes) and never rewritten; a replaced article's
signatures and text stay in their blocks unused.

Segments and crash safety: each batch's band keys are written as one segment file (under a
temporary name, fsynced, renamed) and registered in ``segments`` inside the batch's
transaction, so a killed writer leaves either a complete registered file or an unregistered
orphan, which the next writer deletes. When ``MERGE_FANIN`` segments of one level exist they
are merged into one of the next level, in a transaction of its own (write the merged file,
then register it and retire the inputs in one commit). A retired file is deleted only when no
reader holds a snapshot (readers hold a shared ``flock`` on ``readers.lock`` for the length
of a snapshot; the deleting writer takes it exclusively without waiting, and otherwise leaves
the file for a later writer), so a reader always finds every file its snapshot lists.

Removal leaves tombstones: a replaced article's number goes to ``dead`` (numbers are never
reused) and its entries are skipped at lookup and dropped by the next merge that reads them.
Bucket sizes count live entries only, exactly as if the entries had been deleted.

Determinism: document frequencies are counts, so after any sequence of adds the
``df`` table equals the union's, and verification against the index gives exactly
a plain scan's numbers. A signature, though, leaves out the
stems that were too common (above ``max_df``) *when its batch was added*; the
index never re-signs old articles. An index built in one batch has a plain
scan's signatures; one grown batch by batch can differ for stems whose document
frequency crossed the cutoff since, which can add or lose a candidate pair
(never change a verified pair's scores). Same batches in the same order give
the same index. Boilerplate is learned per ``add`` from the articles given it and
stored as their masks: an index grown over several adds can mask a site's lines
otherwise than a scan of the union, and then verified pairs' scores differ too
(README, "Persistent index").
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import fcntl
import hashlib
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from provenance import segments
from provenance.boilerplate import mask_site_boilerplate
from provenance.candidates import band_keys, collision_weight, crowd_weight, links_crowds, weight_threshold
from provenance.errors import WriteError, write_error
from provenance.index_store import METADATA, IndexStore, IndexStoreError
from provenance.ingest import named_by_path
from provenance.model import Article
from provenance.pipeline import shingle_articles, signature_inputs
from provenance.settings import Settings
from provenance.shingle import FlatShingles, Shingled, Vocabulary, shingle_text
from provenance.signatures import sign_ranges
from provenance.workers import no_cycle_collection

# This many segments of one level are merged into one of the next level. Building is bound by
# the disk's writes, and each merge rewrites its inputs: at 1M articles of 25 windows in 10k
# batches, 16 rewrites each band key about once, 8 about 1.6 times (9,205 against 7,600
# articles/s here). An audit then probes up to 15 segments a level instead of 7.
MERGE_FANIN = 16
# Articles per transaction of ``add`` by default: a batch's work is lost if the process dies, so
# not too many; but each batch is one segment of band keys, and fewer, larger ones are rewritten
# less. ``provenance index build`` of 100k synthetic news: 35.0 s at 1,000 (1.07 GB), 20.3 s at
# 10,000 (1.47 GB).
BATCH_SIZE = 10_000


@dataclasses.dataclass(frozen=True)
class AddResult:
    """What one ``Index.add`` did: article ids added, updated (a new text, or new masked spans: replaced
    and signed again), unchanged, ``metadata`` (the same text and masks, other metadata: the row
    updated in place), and ``renamed``: articles stored under their path as given (``Index.add``)."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    batches: int
    metadata: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()  # (id read, id stored): another file's article had the id


# How an article given to ``add`` differs from the indexed one of its id (``_change``).
_NEW, _TEXT, _METADATA, _SAME = "new", "text", "metadata", "same"


def content_hash(text: str) -> str:
    """sha256 of the article text (UTF-8, a lone surrogate as its text block holds it), hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _spans_json(spans: Sequence[tuple[int, int]]) -> str:
    """``json.dumps`` of masked spans as lists (``[[0, 120], [300, 340]]``), made directly: it is a row of every article."""
    return "[" + ", ".join(f"[{start}, {end}]" for start, end in spans) + "]"


def _metadata(article: Article) -> tuple[Optional[str], ...]:
    """``article``'s values of ``index_store.METADATA``, as the index stores them."""
    return (article.path, article.url, article.title, article.published, article.published_from, article.author,
            article.site, _spans_json(article.masked))


def _change(known: Optional[tuple[int, str, tuple[Optional[str], ...]]], article: Article, digest: str) -> str:
    """How ``article`` (its text's sha256 ``digest``) differs from its id's indexed row ``known`` (``_known``):
    ``_NEW`` (none), ``_TEXT`` (another text, or other masked spans: it must be signed again),
    ``_METADATA`` (only its path, title, date ...) or ``_SAME``."""
    if known is None:
        return _NEW
    stored = known[2]
    mine = _metadata(article)
    if known[1] != digest or stored[-1] != mine[-1]:  # (masked is the last column)
        return _TEXT
    return _SAME if stored == mine else _METADATA


def _same_file(stored: str, given: str) -> bool:
    """Whether an indexed article's path and a path just read name one file: equal, or, where both
    exist from here, the same file (``site/a.txt`` and ``/home/me/site/a.txt``, ``./site//a.txt``).
    An indexed path relative to where the index was built, and no longer found from here, is
    another file unless equal."""
    if stored == given:
        return True
    try:
        return os.path.samefile(stored, given)
    except (OSError, ValueError):  # (missing, unreadable, or a path with a NUL)
        return False


def _named_by_path(article: Article) -> bool:
    """Whether ``article``'s id is its file's path (relative to the folder given, or as given): a
    file's, not a record's own id (a JSONL or CSV column, a URL)."""
    path = Path(article.path).as_posix()
    return path == article.id or path.endswith("/" + article.id)


def _segment_name(number: int) -> str:
    """A segment file's name: ``segment-000003.seg``."""
    return f"segment-{number:06d}.seg"


def _block_name(kind: str, block: int) -> str:
    """A block file's name: ``signatures-000001.u32`` (uint32 signature rows), ``texts-000002.utf8`` (texts end to end)."""
    return f"{kind}-{block:06d}." + ("u32" if kind == "signatures" else "utf8")


class Index(IndexStore):
    """An open index file. Use ``Index.open``; close it (or use ``with``) when done.

    Library API for scans and audits:

    - ``add(articles)``: store and sign articles, one transaction per batch.
    - ``candidates(signatures, owners)``: LSH probes of query window signatures
      against the index → ``(query, article)`` pairs (``article`` = index article number).
    - ``sign(shingled)``: window signatures of articles not in the index, signed with
      the index's settings and document frequencies (what ``candidates`` takes); nothing is added.
    - ``articles(numbers)`` / ``numbers(ids)``: read articles back (text included).
    - ``vocabulary(stems)``: the index's document frequencies of some stems.
    """

    def __init__(self, path: Path, connection: sqlite3.Connection, settings: Settings) -> None:
        super().__init__(path, connection, settings)
        self._orphans_checked = False

    # --- reading ----------------------------------------------------------
    def signatures(self, numbers: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Stored window signatures of some articles: uint32 ``(windows, num_perm)`` and each row's position in ``numbers``."""
        width = self.settings.num_perm
        parts, owners = [np.zeros((0, width), np.uint32)], [np.zeros(0, np.int64)]
        query = "SELECT b.name, s.row, a.windows FROM signatures s JOIN blocks b ON b.block = s.block JOIN articles a ON a.article = s.article WHERE s.article = ?"
        with self.snapshot() as c, self._block_reader() as read:
            for position, number in enumerate(numbers):
                row = c.execute(query, (int(number),)).fetchone()
                if row is None:
                    raise IndexStoreError(f"{self.path}: article {number} has no signatures; the index is damaged, rebuild it")
                name, first, windows = row
                data = read(name, first * width * 4, windows * width * 4)
                parts.append(np.frombuffer(data, dtype=np.uint32).reshape(windows, width))
                owners.append(np.full(windows, position, dtype=np.int64))
        return np.concatenate(parts), np.concatenate(owners)

    def candidates(self, signatures: np.ndarray, owners: np.ndarray, numbers: Optional[Sequence[int]] = None) -> np.ndarray:
        """LSH candidates of query windows among the indexed articles, by lookups in the segment files.

        A query article and an indexed article are a candidate when their windows' band keys
        agree at least ``min_hits`` times, the agreements weighing at least ``min_weight``,
        exactly as ``candidates.find_candidates`` buckets a corpus: the query articles are
        indexed too, so a bucket here holds what the union's bucket would. In a bucket (indexed
        windows with one key) of at most ``max_bucket`` windows each window meets every other
        (``candidates.collision_weight``); a crowded one's meet its centre only, its earliest
        article, in the bands that link crowds (``candidates.links_crowds``, ``crowd_weight``):
        dated before undated, then by date, then by id, as ``candidates.earliest_first`` ranks a
        scan's articles.

        Args:
            signatures: uint32 ``(windows, num_perm)`` query window signatures (``sign`` makes them).
            owners: The query article (an int64 label) of each window.
            numbers: The index number of each label's article, where the queries are indexed
                (``signatures`` gives such): a query that is a crowded bucket's centre meets
                the whole crowd. ``None``: the queries are not indexed (``sign``).

        Returns:
            int64 ``(n, 2)`` rows ``(owner, index article number)``, unique and sorted. A query
            article that is itself indexed is paired with itself too; drop those rows.
        """
        if len(signatures) == 0:
            return np.zeros((0, 2), dtype=np.int64)
        max_bucket = self.settings.max_bucket
        keys = band_keys(signatures, self.settings.lsh_rows)
        labels, owner_of = np.unique(np.asarray(owners, dtype=np.int64), return_inverse=True)
        label_numbers = np.asarray(numbers, dtype=np.int64)[labels] if numbers is not None else np.full(len(labels), -1, np.int64)
        owner_number = label_numbers[owner_of]  # each window's article in the index (-1: not indexed)
        label_of = np.argsort(label_numbers, kind="stable")  # labels by their index number
        probes, inverses = zip(*(np.unique(band, return_inverse=True) for band in keys))
        with self.snapshot() as c:
            paths = [self.folder / row[0] for row in c.execute("SELECT name FROM segments ORDER BY segment")]
            dead = np.array(c.execute("SELECT article, windows FROM dead ORDER BY article").fetchall(), dtype=np.int64).reshape(-1, 2)
            # A bucket holds at most one entry per removed window: gathering buckets of up to
            # max_bucket + that many entries is enough to count every bucket's live entries exactly.
            slack = int(dead[:, 1].sum())
            try:
                sizes, positions, articles, centres = segments.lookup(paths, probes, max_bucket + slack, self._earliest_first(c),
                                                                     links_crowds)
                live = [_live_entries(*found, dead[:, 0]) for found in zip(sizes, positions, articles)]
                # A query that is a crowd's centre meets all of it: those crowds' entries, gathered whole.
                indexed = label_numbers[label_numbers >= 0]
                led = [np.flatnonzero((size > max_bucket) & np.isin(centre, indexed) & links_crowds(band))
                       for band, ((size, _, _), centre) in enumerate(zip(live, centres))]
                nothing = [np.zeros(0, np.int64)] * len(led)
                crowd_positions, crowd_articles = (
                    segments.lookup(paths, [probe[lead] for probe, lead in zip(probes, led)], np.iinfo(np.int64).max)[1:3]
                    if any(len(lead) for lead in led) else (nothing, nothing))
            except (segments.SegmentError, FileNotFoundError) as error:
                raise IndexStoreError(f"{self.path}: {error}; the index is damaged (or {self.folder.name}/ was not copied with it): rebuild it") from error
        crowd_weight_ = crowd_weight(max_bucket, self.settings.bands)
        codes, weights = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for band, ((size, position, article), inverse, centre, lead, crowd_position, crowd_article) in enumerate(
                zip(live, inverses, centres, led, crowd_positions, crowd_articles)):
            crowded = size > max_bucket
            # A crowd, in a band that links crowds: each query window of another article meets its centre ...
            meets = crowded[inverse] & (centre[inverse] != owner_number) & links_crowds(band)
            codes.append((owner_of[meets] << 32) | centre[inverse][meets])
            weights.append(np.full(int(meets.sum()), crowd_weight_, dtype=np.int64))
            # ... and a centre that is a query meets every live window of another article in it.
            crowd_position, crowd_article = _live_entries(None, crowd_position, crowd_article, dead[:, 0])[1:]
            leader = centre[lead][crowd_position]
            others = crowd_article != leader
            if others.any():
                codes.append((label_of[np.searchsorted(label_numbers[label_of], leader[others])] << 32) | crowd_article[others])
                weights.append(np.full(int(others.sum()), crowd_weight_, dtype=np.int64))
            keep = ~crowded[position]
            position, article = position[keep], article[keep]
            if len(position) == 0:
                continue
            # Join: each query window meets every gathered entry of its key (one per indexed window).
            order = np.argsort(position, kind="stable")
            position, article = position[order], article[order]
            count = np.bincount(position, minlength=len(crowded))
            first = np.cumsum(count) - count
            met = count[inverse]
            total = int(met.sum())
            if total == 0:
                continue
            offsets = np.arange(total) - np.repeat(np.cumsum(met) - met, met)
            codes.append((np.repeat(owner_of, met) << 32) | article[np.repeat(first[inverse], met) + offsets])
            # A bucket of one holds the query window alone (queries are indexed): its only pair is
            # the query with itself, which the caller drops.
            weights.append(np.repeat(collision_weight(np.maximum(size[inverse], 2).astype(np.int64)), met))
        unique, which, hits = np.unique(np.concatenate(codes), return_inverse=True, return_counts=True)
        # Float sums of integer weights are exact below 2**53: the same totals as the scan's.
        summed = np.bincount(which, weights=np.concatenate(weights), minlength=len(unique)) if len(unique) else np.zeros(0)
        unique = unique[(hits >= self.settings.min_hits) & (summed >= weight_threshold(self.settings.min_weight))]
        return np.stack([labels[unique >> 32], unique & 0xFFFFFFFF], axis=1).astype(np.int64).reshape(-1, 2)

    @staticmethod
    def _earliest_first(c: sqlite3.Connection) -> np.ndarray:
        """Each article number's rank as ``candidates.earliest_first`` ranks a scan's articles (by id there);
        numbers with no article (removed) rank last."""
        # The query reads every article's row once: kept in the page cache, they would take its
        # 256 MiB (a 1M index: audit peak 0.8 -> 1.1 GB); a small cache meanwhile keeps them out.
        (cache,) = c.execute("PRAGMA cache_size").fetchone()
        c.execute("PRAGMA cache_size=-8192")
        try:
            order = np.fromiter((row[0] for row in c.execute(
                "SELECT article FROM articles ORDER BY published IS NULL, published, id")), dtype=np.int64)
        finally:
            c.execute(f"PRAGMA cache_size={int(cache)}")
        highest = c.execute("SELECT max(article) FROM (SELECT article FROM articles UNION ALL SELECT article FROM dead)").fetchone()[0]
        rank = np.full((highest or 0) + 1, np.iinfo(np.int64).max, dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank

    def sign(self, shingled: Sequence[Shingled], batch_vocabulary: Optional[Vocabulary] = None) -> tuple[np.ndarray, np.ndarray]:
        """Window signatures of articles, with the index's df (plus ``batch_vocabulary``'s counts, if given).

        Returns:
            uint32 ``(windows, num_perm)`` signatures and each window's position in ``shingled``.
        """
        stems = Vocabulary.build(shingled).stems  # the distinct stems, counted in one compiled pass
        df = self._stem_df(stems)
        extra = 0
        if batch_vocabulary is not None:
            df = df + batch_vocabulary.frequency(stems)
            extra = batch_vocabulary.articles
        return self._sign_with(shingled, Vocabulary(stems=stems, df=df, articles=self.size + extra))

    def _sign_with(self, shingled: Sequence[Shingled], vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
        values, ranges, owners = signature_inputs(shingled, vocabulary, self.settings)
        return sign_ranges(values, ranges, self.settings.num_perm, self.settings.seed), owners

    # --- writing ----------------------------------------------------------
    def add(self, articles: Sequence[Article], batch_size: int = BATCH_SIZE, workers: int = 1,
            progress: Optional[Callable[[int, int], None]] = None) -> AddResult:
        """Store and sign articles, one transaction per batch of ``batch_size`` (in id order).

        An article already indexed with the same text, masks and metadata is left as it is; one
        whose text (or masked spans) changed is replaced (its df counts removed, its band keys left
        as a tombstone); one whose metadata alone changed (a corrected date or title, a record moved
        to another file) has its row updated: the candidates' ranking reads the dates from the rows,
        so the new date counts at once. A batch is committed whole or not at all: a process killed
        mid-batch leaves the index as after the previous batch.

        Args:
            articles: Articles to add (ids unique).
            batch_size: Articles per transaction.
            workers: Processes for shingling.
            progress: Called with (articles done, total) after each batch.
        """
        if batch_size < 1:
            raise IndexStoreError(f"batch size must be at least 1, got {batch_size}")
        articles, renamed = self._named_apart(articles)
        # Boilerplate is learned from everything given to this call (as a scan would), and the
        # masked spans are stored with each article. The masked articles are plain objects: the
        # cycle collector would walk them all again and again (0.4 s of a 100k build).
        with no_cycle_collection():
            ordered = sorted(mask_site_boilerplate(articles), key=lambda a: a.id)
        added: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        metadata: list[str] = []
        batches = 0
        try:
            for start in range(0, len(ordered), batch_size):
                batch = ordered[start : start + batch_size]
                hashes = [content_hash(a.text) for a in batch]
                known = self._known([a.id for a in batch])
                changes = [_change(known.get(a.id), a, hashes[k]) for k, a in enumerate(batch)]
                todo = [k for k, change in enumerate(changes) if change in (_NEW, _TEXT)]
                # Shingle before taking the write lock: it is the slow part, and needs no index state.
                shingled = shingle_articles([batch[k] for k in todo], workers, offsets=False)
                batches += 1
                if all(change == _SAME for change in changes):
                    unchanged.extend(a.id for a in batch)
                    if progress:
                        progress(min(start + batch_size, len(ordered)), len(ordered))
                    continue
                with self.transaction():
                    known = self._known([a.id for a in batch])  # again, under the lock: another writer may have been first
                    changes = [_change(known.get(a.id), a, hashes[k]) for k, a in enumerate(batch)]
                    # Positions in ``todo`` (and ``shingled``) of the articles still to store.
                    fresh = [p for p, k in enumerate(todo) if changes[k] in (_NEW, _TEXT)]
                    relabelled = [k for k, change in enumerate(changes) if change == _METADATA]
                    # (One that another writer changed since the first look was not shingled: its version stays.)
                    taken = {todo[p] for p in fresh}
                    unchanged.extend(a.id for k, a in enumerate(batch) if k not in taken and changes[k] != _METADATA)
                    replaced = [known[batch[todo[p]].id][0] for p in fresh if batch[todo[p]].id in known]
                    self._remove(replaced)
                    self._store([batch[todo[p]] for p in fresh], [hashes[todo[p]] for p in fresh],
                                shingled.take(np.array(fresh, dtype=np.int64)))
                    self._relabel([batch[k] for k in relabelled], [known[batch[k].id][0] for k in relabelled])
                for p in fresh:
                    (updated if batch[todo[p]].id in known else added).append(batch[todo[p]].id)
                metadata.extend(batch[k].id for k in relabelled)
                self.merge_segments()
                if progress:
                    progress(min(start + batch_size, len(ordered)), len(ordered))
        except (OSError, WriteError) as error:
            # A disk that fills up, a folder made read-only: the transaction being written rolled
            # back, and the batches before it stay committed.
            done = len(added) + len(updated)
            kept = f"the {done} articles stored before it are kept" if done else "nothing was stored"
            failed = error if isinstance(error, WriteError) else write_error(f"the index {self.path}", error)
            raise WriteError(f"{failed}; {kept}: add the same articles again to finish (`provenance index add`: "
                             "what is stored is skipped)") from error
        return AddResult(tuple(added), tuple(updated), tuple(unchanged), batches, tuple(metadata), renamed)

    def _named_apart(self, articles: Sequence[Article]) -> tuple[list[Article], tuple[tuple[str, str], ...]]:
        """The articles, those that are another file's than the indexed one of their id renamed, and
        the renamings (id read, id stored), sorted.

        A file's id is its path relative to the folder given (``ingest``), so ``siteA/story.txt`` and
        ``siteB/story.txt`` both read as ``story.txt``: one indexed from another path with another
        text is another article, not a new version of it, and takes its path as given as its id
        (as ``ingest`` names apart such files read together). The same file with a new text, however
        its path is spelled (``_same_file``), is a new version (it replaces the indexed one); the same
        text from another path is the article moved (its path is updated); a record's own id (JSONL,
        CSV, WARC) is the article whatever its file.
        """
        if not self.size:  # (a new index: a build need not look up its million ids)
            return list(articles), ()
        known = self._known([a.id for a in articles])
        out: list[Article] = []
        renamed: list[tuple[str, str]] = []
        for article in articles:
            row = known.get(article.id)
            if (row is not None and _named_by_path(article) and row[1] != content_hash(article.text)
                    and not _same_file(row[2][0], article.path)):
                named = named_by_path(article)
                renamed.append((article.id, named.id))
                article = named
            out.append(article)
        if renamed:
            twice = sorted(i for i, count in collections.Counter(a.id for a in out).items() if count > 1)
            if twice:
                raise IndexStoreError(f"{twice[0]!r} is the id of two of the articles given once those indexed from "
                                      "another file are named by their path; rename one of them")
        return out, tuple(sorted(renamed))

    def changed(self, articles: Sequence[Article]) -> list[str]:
        """Ids of ``articles`` that the index already holds with a different text, sorted."""
        known = self._known([a.id for a in articles])
        return sorted(a.id for a in articles if a.id in known and known[a.id][1] != content_hash(a.text))

    def _relabel(self, batch: list[Article], numbers: list[int]) -> None:
        """Write the metadata of articles whose text and masks the index holds already (rows ``numbers``),
        inside a transaction: nothing signed or counted changes."""
        columns = ", ".join(f"{column} = ?" for column in METADATA)
        self.connection.executemany(f"UPDATE articles SET {columns} WHERE article = ?",
                                    [(*_metadata(a), number) for a, number in zip(batch, numbers)])

    def _remove(self, numbers: list[int]) -> None:
        """Delete articles (their text, signatures and df counts), inside a transaction.

        Their band-key entries stay in the segment files: the numbers go to ``dead``, lookups skip
        them, and merges drop them.
        """
        if not numbers:
            return
        old = self.articles(numbers)
        stems = [shingle_text(a.text, a.masked).stems for a in old]
        distinct, counts = np.unique(np.concatenate(stems), return_counts=True)
        self._adjust_df(distinct, -counts.astype(np.int64))
        c = self.connection
        death = self._meta("deaths") + 1
        self._set_meta("deaths", death)
        for number in numbers:
            windows = c.execute("SELECT windows FROM articles WHERE article = ?", (number,)).fetchone()[0]
            c.execute("INSERT INTO dead VALUES (?, ?, ?)", (number, windows, death))
            for table in ("texts", "signatures", "articles"):
                c.execute(f"DELETE FROM {table} WHERE article = ?", (number,))
        self._set_size(self.size - len(numbers))

    def _store(self, batch: list[Article], hashes: list[str], shingled: FlatShingles) -> None:
        """Count, sign and insert a batch, inside the caller's transaction."""
        if not batch:
            return
        counted = Vocabulary.build(shingled)
        df = self._adjust_df(counted.stems, counted.df)
        self._set_size(self.size + len(batch))
        # Signed with the df of the index *including* this batch: a one-batch build equals a plain scan.
        signatures, owners = self._sign_with(shingled, Vocabulary(stems=counted.stems, df=df, articles=self.size))
        self.write_signed(batch, hashes, signatures, owners)

    def write_signed(self, batch: Sequence[Article], hashes: Sequence[str], signatures: np.ndarray, owners: np.ndarray) -> list[int]:
        """Insert already-signed articles and write their band keys as a segment (inside the caller's transaction).

        The df table and the article count are the caller's business (``add`` keeps them), and so is
        calling ``merge_segments`` after the commit; benchmarks that make signatures directly call
        this to measure the store alone.

        Returns:
            The new articles' index numbers.
        """
        self._remove_orphans()
        if np.any(owners[1:] < owners[:-1]):  # sign() returns them in order: no 100 MB copy then
            order = np.argsort(owners, kind="stable")
            signatures, owners = signatures[order], owners[order]
        signatures = np.ascontiguousarray(signatures, dtype=np.uint32)
        block = self._meta("next_segment")  # the signature block's number; the text block's is the next
        self._set_meta("next_segment", block + 2)
        # surrogatepass: a text may hold a lone surrogate, which must come back as it went.
        texts = [a.text.encode("utf-8", "surrogatepass") for a in batch]
        # The signature block (256 bytes a window) and the text block (most of a batch's bytes
        # otherwise) are written and fsynced on a thread while this one inserts the rows and
        # writes the segment: a file write waits on the kernel and the disk, not the interpreter.
        # (Texts as SQLite rows went through its log and then its file: 1.9 of 10 s of a 100k build.)
        # Registered in this same transaction, which the caller commits only once this returns, the writes done.
        blocks = ((_block_name("signatures", block), signatures),
                  (_block_name("texts", block + 1), np.frombuffer(b"".join(texts), dtype=np.uint8)))
        with ThreadPoolExecutor(max_workers=1) as writer:
            written = [writer.submit(segments.write_array, self.folder / name, data) for name, data in blocks]
            try:
                text_bytes = np.array([len(t) for t in texts], dtype=np.int64)
                numbers = self._insert_signed(batch, hashes, signatures, owners, block, text_bytes)
                for write in written:
                    write.result()  # its error, if it failed
            except BaseException:
                # The transaction will roll back: this batch's blocks and segment are nobody's.
                # Deleted now (a later writer would, as orphans), since the disk may be the full one
                # that failed. Its files: signatures ``block``, texts ``block + 1``, segment ``block + 2``.
                concurrent.futures.wait(written)
                for name in (*(name for name, _ in blocks), _segment_name(block + 2)):
                    (self.folder / name).unlink(missing_ok=True)
                raise
        return numbers

    def _insert_signed(
        self, batch: Sequence[Article], hashes: Sequence[str], signatures: np.ndarray, owners: np.ndarray, block: int,
        text_bytes: np.ndarray,
    ) -> list[int]:
        """``write_signed``'s rows and segment, while its signature block ``block`` and text block ``block + 1``
        (texts of ``text_bytes`` bytes each, end to end) are being written."""
        c = self.connection
        first = self._meta("next_article")
        numbers = np.arange(first, first + len(batch), dtype=np.int64)
        if len(batch) and numbers[-1] > segments.MAX_ARTICLE:
            raise IndexStoreError(f"{self.path}: article numbers are used up ({segments.MAX_ARTICLE}); rebuild the index")
        self._set_meta("next_article", first + len(batch))
        windows = np.bincount(owners, minlength=len(batch)) if len(owners) else np.zeros(len(batch), np.int64)
        c.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (int(n), a.id, a.path, a.url, a.title, a.published, a.published_from, a.author, a.site,
                 _spans_json(a.masked), len(a.text), h, int(w))
                for n, a, h, w in zip(numbers, batch, hashes, windows)
            ],
        )
        c.executemany("INSERT INTO blocks VALUES (?, ?)",
                      [(block, _block_name("signatures", block)), (block + 1, _block_name("texts", block + 1))])
        text_starts = np.cumsum(text_bytes) - text_bytes
        c.executemany("INSERT INTO texts VALUES (?, ?, ?, ?)",
                      zip(numbers.tolist(), [block + 1] * len(numbers), text_starts.tolist(), text_bytes.tolist()))
        bounds = np.concatenate(([0], np.cumsum(windows)))
        c.executemany("INSERT INTO signatures VALUES (?, ?, ?)", zip(numbers.tolist(), [block] * len(numbers), bounds[:-1].tolist()))
        if len(signatures):
            keys = band_keys(signatures, self.settings.lsh_rows)
            self._add_segment(0, lambda path: segments.write(path, keys, numbers[owners]))
        return numbers.tolist()

    # --- segments ---------------------------------------------------------
    def _add_segment(self, level: int, make: Callable[[Path], int]) -> int:
        """Write a segment file with ``make`` and register it (inside the caller's write transaction)."""
        number = self._meta("next_segment")
        self._set_meta("next_segment", number + 1)
        name = _segment_name(number)
        entries = make(self.folder / name)
        self.connection.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?)", (number, name, level, entries, self._meta("deaths")))
        return number

    def _remove_orphans(self) -> None:
        """Delete segment files no transaction registered (left by a killed writer); under the write lock."""
        if self._orphans_checked:
            return
        known = {row[0] for row in self.connection.execute("SELECT name FROM segments UNION SELECT name FROM retired UNION SELECT name FROM blocks")}
        for path in [*self.folder.glob("segment-*"), *self.folder.glob("signatures-*"), *self.folder.glob("texts-*")]:
            if path.name not in known:
                path.unlink(missing_ok=True)
        self._orphans_checked = True

    def merge_segments(self) -> int:
        """Merge segments while ``MERGE_FANIN`` of one level exist (``add`` calls it after each batch).

        Each merge is a transaction of its own: the merged file is written and registered, and its
        inputs retired, in one commit; a killed merge leaves an orphan file and the inputs as they were.
        Entries of removed articles are dropped. Returns the number of merges done.
        """
        merges = 0
        while True:
            with self.transaction() as c:
                self._remove_orphans()
                row = c.execute("SELECT level FROM segments GROUP BY level HAVING count(*) >= ? ORDER BY level LIMIT 1",
                                (MERGE_FANIN,)).fetchone()
                if row is None:
                    break
                level = row[0]
                inputs = c.execute("SELECT segment, name FROM segments WHERE level = ? ORDER BY segment LIMIT ?",
                                   (level, MERGE_FANIN)).fetchall()
                dead = np.array([r[0] for r in c.execute("SELECT article FROM dead")], dtype=np.int64)
                paths = [self.folder / name for _, name in inputs]
                self._add_segment(level + 1, lambda path: segments.merge(paths, path, dead))
                c.executemany("DELETE FROM segments WHERE segment = ?", [(number,) for number, _ in inputs])
                c.executemany("INSERT INTO retired VALUES (?)", [(name,) for _, name in inputs])
                # A tombstone is needed while some segment may hold the article's entries.
                c.execute("DELETE FROM dead WHERE death <= coalesce((SELECT min(clean) FROM segments), death)")
            merges += 1
        self._delete_retired()
        return merges

    def _delete_retired(self) -> None:
        """Delete merged-away files if no reader holds a snapshot now (else a later writer will)."""
        names = [row[0] for row in self.connection.execute("SELECT name FROM retired")]
        if not names:
            return
        try:
            fcntl.flock(self._readers_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        try:
            for name in names:
                (self.folder / name).unlink(missing_ok=True)
        finally:
            fcntl.flock(self._readers_lock, fcntl.LOCK_UN)
        with self.transaction() as c:
            c.executemany("DELETE FROM retired WHERE name = ?", [(name,) for name in names])


def _live_entries(size: Optional[np.ndarray], position: np.ndarray, article: np.ndarray, dead: np.ndarray
                  ) -> tuple[Optional[np.ndarray], np.ndarray, np.ndarray]:
    """Gathered bucket entries (``segments.lookup``) without those of ``dead`` article numbers, and the
    bucket sizes less the removed entries gathered (a bucket too large to gather stays too large)."""
    if not len(dead):
        return size, position, article
    removed = np.isin(article, dead)
    if size is not None:
        size = size - np.bincount(position[removed], minlength=len(size))
    return size, position[~removed], article[~removed]
