"""Pipeline: the stages in order, each timed — the one function a caller needs.

Owns stage order and orchestration: ingest → per-site boilerplate masking →
normalise and shingle → document
frequencies → passage windows → MinHash signatures and LSH candidates (a group
of bands at a time) → verify, align and score (``verify``) → trees and stories → ``Report``.
Parallel stages hand worker processes index ranges (``workers``: the corpus is inherited by
fork, never pickled) and gather results in index order, so the report is byte-identical
whatever the worker count. Memory is handled here too: what waits in temporary files between
stages (``spill``: the texts, the words' offsets, then their stems) goes there and
comes back when a stage needs it, and what a stage frees goes back to the system.
Nothing here parses command lines or renders output.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import math
import os
import tempfile
import time
from typing import IO, Callable, Iterable, Iterator, Optional, Sequence, TypeVar

import numpy as np

from provenance.boilerplate import mask_site_boilerplate
from provenance.candidates import Candidates, earliest_first, either, find_candidates_signing
from provenance.errors import InputError
from provenance.fast_shingle import fast_path, shingle_batches
from provenance.ingest import DEFAULT_FIELDS, LONGEST_ARTICLE_CHARS, MAX_ARTICLE_CHARS, Fields, read_corpus
from provenance.model import Article, Match, Report, Skipped, Tree
from provenance.readings import followed_readings
from provenance.sentences import SentenceIndex, batch_seeds, ranked
from provenance.settings import Settings
from provenance.shingle import FlatShingles, Shingled, Vocabulary, shingle_text
from provenance.signatures import bigram_window_inputs, shingle_hash32, window_inputs
from provenance.spill import NO_OFFSETS, SpilledRecords, SpilledShingles, SpilledTexts
from provenance.tree import build_stories, build_trees
from provenance.verify import half_of, seeded_pairs, unpacked, verify_packed
from provenance.workers import map_ranges, no_cycle_collection, shared

T = TypeVar("T")

# Stems in fewer articles than this are never dropped as too common, however small the corpus.
MIN_DF_CUTOFF = 10


def _malloc_trim() -> Optional[Callable[[int], int]]:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc: nothing to hand back
        return None


_trim = _malloc_trim()


def _return_freed_memory() -> None:
    """Hand the heap memory freed by a stage back to the system.

    glibc keeps freed heap blocks for reuse. A stage's batch buffers (tens of megabytes
    each: under glibc's mmap threshold, which grows to 32 MB) leave holes that the next
    stages' arrays, too big for the heap, never reuse: 5 KB an article after shingling.
    """
    if _trim is not None:
        _trim(0)


def _shingle_range(start: int, end: int) -> list[Shingled]:
    """Shingle articles ``numbers[start:end]`` on the Python path."""
    articles: Sequence[Article] = shared["articles"]  # type: ignore[assignment]
    numbers: np.ndarray = shared["numbers"]  # type: ignore[assignment]
    read: Callable[[np.ndarray], list[str]] = shared["read"]  # type: ignore[assignment]
    chosen = numbers[start:end]
    return [shingle_text(text, articles[k].masked) for k, text in zip(chosen.tolist(), read(chosen))]


def signature_inputs(shingled: Sequence[Shingled], vocabulary: Vocabulary, settings: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat shingle values, window ranges into them, and each window's article.

    Stems in more than ``max_df`` of the articles are left out of signatures: they
    are the vocabulary of the whole corpus, and would make every window collide. But an
    article always keeps at least its rarer half: in a corpus where every article covers
    one story, the story's words pass the cutoff, and an article stripped of them would
    have no signature left.
    """
    cutoff = max(math.ceil(settings.max_df * vocabulary.articles), MIN_DF_CUTOFF)
    flat = FlatShingles.join(shingled)
    return window_inputs(ranked(flat.hashes, vocabulary), flat.offsets, vocabulary.df, shingle_hash32(vocabulary.stems), cutoff,
                         flat.sentence_starts, flat.sentence_offsets, settings.window_words)


def bigram_inputs(shingled: Sequence[Shingled], vocabulary: Vocabulary, settings: Settings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``signature_inputs`` of the second kind of signature, content-word bigrams (``settings.bigram_windows``)."""
    flat = FlatShingles.join(shingled)
    return bigram_window_inputs(ranked(flat.hashes, vocabulary), flat.offsets, shingle_hash32(vocabulary.stems),
                                flat.sentence_starts, flat.sentence_offsets, settings.window_words)


def signature_kinds(shingled: Sequence[Shingled], vocabulary: Vocabulary, settings: Settings) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The windows of every kind of signature the settings ask for: passage windows (``signature_inputs``),
    and content-word bigrams (``bigram_inputs``) if ``settings.bigram_windows``; ``candidates_of`` takes them."""
    kinds = [signature_inputs(shingled, vocabulary, settings)]
    if settings.bigram_windows:
        kinds.append(bigram_inputs(shingled, vocabulary, settings))
    return kinds


def candidates_of(inputs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], articles: int, settings: Settings,
                  priority: np.ndarray, advance: Optional[Callable[[int, int], None]] = None) -> Candidates:
    """The pairs any kind of signature proposes (``signature_inputs``, then ``bigram_inputs`` if asked
    for), each kind's windows under the same rule (``min_hits``, ``min_weight``).

    ``inputs`` is emptied on the way: a kind's windows leave memory once its candidates are found.
    ``advance(done, total)`` hears of each kind's work as it goes.
    """
    joined: Optional[Candidates] = None
    kinds = len(inputs)
    while inputs:
        values, ranges, owners = inputs.pop(0)

        # (``before``, the kinds done before this one, is bound as the function is made.)
        def told(steps: int, total: int, before: int = kinds - len(inputs) - 1) -> None:
            if advance:
                advance(before * total + steps, kinds * total)

        found = find_candidates_signing(values, ranges, owners, articles, settings.num_perm, settings.seed, settings.lsh_rows,
                                        settings.max_bucket, settings.min_hits, settings.min_weight, priority, told)
        del values, ranges, owners
        joined = found if joined is None else either(joined, found)
    if joined is None:
        raise ValueError("candidates_of needs at least one kind of signature's windows")
    return joined


def shingle_articles(articles: Sequence[Article], workers: int = 1, offsets: bool = True) -> FlatShingles:
    """Shingle every article, in input order.

    Most text (ASCII and typographic punctuation) goes through the compiled batch path,
    which uses the cores by itself; the rest through ``shingle_text`` on ``workers`` processes.
    Without ``offsets`` the shingles hold no word offsets (``starts``/``ends`` empty): only
    aligning needs them, and an index signs and stores without (a tenth of its shingling).
    """
    fast = np.array([fast_path(article.text) for article in articles], dtype=bool)
    shingled, _ = _shingle(articles, lambda numbers: [articles[k].text for k in numbers.tolist()], fast, workers,
                           keep_offsets=offsets)
    return shingled


class _Batch(Sequence[str]):
    """The texts of some articles, read (``read(numbers)``) only when a slice of them is asked for."""

    def __init__(self, numbers: np.ndarray, read: Callable[[np.ndarray], list[str]]) -> None:
        self.numbers, self.read = numbers, read

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, item):  # type: ignore[no-untyped-def, override]
        if not isinstance(item, slice):
            return self.read(self.numbers[item : item + 1])[0]
        return self.read(self.numbers[item])


def _shingle(
    articles: Sequence[Article], read: Callable[[np.ndarray], list[str]], fast: np.ndarray, workers: int,
    offsets: Optional[IO[bytes]] = None, keep_offsets: bool = True, advance: Optional[Callable[[int, int], None]] = None,
) -> tuple[FlatShingles, np.ndarray]:
    """``shingle_articles``, reading texts a batch at a time with ``read(numbers)``.

    ``fast[k]`` says whether article ``k`` takes the compiled path (``fast_path``). With
    ``offsets``, each batch's word offsets go to that file as they are made (``SpilledShingles``
    reads them back) and the shingles returned hold none; without ``keep_offsets`` they go nowhere.
    ``advance(done, total)`` hears of the articles shingled as each batch is.

    Returns:
        The shingles, and per article where its words' offsets begin in ``offsets`` (in words).
    """
    longest = max((article.length for article in articles), default=0)
    if longest > LONGEST_ARTICLE_CHARS:
        raise InputError(f"an article of {longest:,} characters is over the most a scan takes, {LONGEST_ARTICLE_CHARS:,}")

    def told(done: int) -> None:
        if advance:
            advance(done, len(articles))

    def counted(parts: Iterable[dict[str, np.ndarray]]) -> Iterator[dict[str, np.ndarray]]:
        done = 0
        for part in parts:
            done += len(part["offsets"]) - 1
            told(done)
            yield part

    def kept(parts: Iterable[dict[str, np.ndarray]]) -> Iterator[dict[str, np.ndarray]]:
        for part in parts:
            if offsets is not None:
                offsets.write(np.stack([part["starts"], part["ends"]], axis=1).astype(np.int32, copy=False).data)
            if offsets is not None or not keep_offsets:
                part = {**part, "starts": NO_OFFSETS, "ends": NO_OFFSETS}
            yield part

    quick = np.flatnonzero(fast)
    lengths = [articles[k].length for k in quick.tolist()]
    # Room for the words made at once, so that the arrays are not grown (zero-filled) a quarter at a time:
    # a content word takes more than six characters of text (in English news, ten). Past that, they grow.
    words = sum(lengths) // 6
    room = {"hashes": words, "entity": words, "sentence_starts": words + len(quick), "offsets": len(quick) + 1,
            "sentence_offsets": len(quick) + 1, **({"starts": words, "ends": words} if offsets is None and keep_offsets else {})}
    shingled = FlatShingles.concat(kept(counted(shingle_batches(
        _Batch(quick, read), [articles[k].masked for k in quick.tolist()], lengths
    ))), room)
    if fast.all():
        return shingled, shingled.offsets[:-1]
    slow = np.flatnonzero(~fast)
    shared.clear()
    shared.update(articles=articles, numbers=slow, read=read)
    try:
        parts = map_ranges(_shingle_range, len(slow), workers, (lambda ended, _: told(len(quick) + ended)) if advance else None)
        rest = FlatShingles.concat(kept([vars(FlatShingles.join([one for part in parts for one in part])).copy()]))
    finally:
        shared.clear()
    if not fast.any():
        return rest, rest.offsets[:-1]
    # Fast articles first, then the rest: put each back in its place (and where its offsets went with it).
    back = np.argsort(np.concatenate((quick, slow)))
    written = np.concatenate((shingled.offsets[:-1], len(shingled.hashes) + rest.offsets[:-1]))
    return FlatShingles.concat([vars(shingled).copy(), vars(rest).copy()]).take(back), written[back]


def _shingle_to_disk(articles: Sequence[Article], texts: SpilledTexts, fast: np.ndarray, workers: int,
                     advance: Optional[Callable[[int, int], None]] = None) -> SpilledShingles:
    """``shingle_articles`` of articles whose texts wait in ``texts``, read back a batch at a time,
    their words' offsets written to a file as each batch is shingled (``advance``: as ``_shingle``'s)."""
    file = tempfile.TemporaryFile()
    shingled, at = _shingle(articles, texts.read_batch, fast, workers, file, advance=advance)
    file.flush()
    return SpilledShingles(**{field.name: getattr(shingled, field.name) for field in dataclasses.fields(FlatShingles)},
                           file=file, at=at)


def conclude(
    ids: Sequence[str], dates: Sequence[Optional[str]], verified_pairs: np.ndarray, verified: Sequence[tuple[Optional[Match], bool]],
    followed: Optional[Callable[[np.ndarray], np.ndarray]] = None,
) -> tuple[list[Match], list[Tree], list[tuple[str, ...]]]:
    """Sorted matches, their trees, and the stories of pairs that share seeds but are not derivations.

    ``ids`` and ``dates`` are the articles' ids and ``published`` dates, in the order ``verified_pairs`` number them.
    ``followed(triples)``: ``readings.followed_readings`` of rows ``(article, source, rival)`` of
    those numbers, from the articles' shingles (every engine gives it: the trees need it).
    """
    matches = sorted((m for m, _ in verified if m is not None), key=lambda m: (m.source, m.derived))
    weak_links = [(ids[i], ids[j]) for (i, j), (m, story) in zip(verified_pairs.tolist(), verified) if story and m is None]
    readings = None
    if followed is not None:
        number = {article: k for k, article in enumerate(ids)}

        def readings(triples: list[tuple[str, str, str]]) -> list[tuple[int, int]]:
            return followed(np.array([[number[a] for a in row] for row in triples], dtype=np.int64)).tolist()

    return matches, build_trees(matches, dict(zip(ids, dates)), readings), build_stories(weak_links, matches)


# Called with each stage's name and seconds as it ends (the CLI's --progress).
Progress = Callable[[str, float], None]
# Called within the long stages with the stage's name and how much of its work is done, of how
# much (boilerplate and shingle: articles; candidates: steps of the bands' bucketing and
# counting; verify: thousandths, half for seeding the candidate pairs and half for the seeded
# ones): what a progress bar shows.
Advance = Callable[[str, int, int], None]


def for_stage(advance: Optional[Advance], stage: str) -> Optional[Callable[[int, int], None]]:
    """``advance`` as one stage's ``(done, total)`` callback (``None`` when nobody follows the progress)."""
    return (lambda done, total: advance(stage, done, total)) if advance else None


class _Timer:
    def __init__(self, progress: Optional[Progress] = None) -> None:
        self.stages: list[tuple[str, float]] = []
        self.progress = progress

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        self.stages.append((name, round(time.perf_counter() - began, 4)))
        if self.progress:
            self.progress(name, self.stages[-1][1])


def scan_articles(
    articles: Iterable[Article], settings: Settings | None = None, workers: int = 1, skipped: Sequence[Skipped] = (),
    progress: Optional[Progress] = None, keep_texts: bool = True, advance: Optional[Advance] = None,
) -> Report:
    """Find derivations among already-read articles.

    Lines that repeat across many pages of one site (footers, disclaimers) are
    masked first (``boilerplate.mask_site_boilerplate``), so a shared footer never
    links two articles.

    From shingling until the report is assembled, the texts wait in a temporary file
    (``spill.SpilledTexts``): shingling reads them back a batch at a time, scoring a pair's two.
    The words' character offsets go to another as they are made, and their stems once the
    windows are cut, until the sentence index and scoring read them (``spill.SpilledShingles``).
    The texts leave memory only if the caller holds none of them, as when ``articles`` is
    ``handed_over(a_list)`` (what ``scan`` passes).

    Args:
        articles: The corpus (ids must be unique).
        settings: Pipeline settings; defaults if ``None``.
        workers: Processes for the parallel stages (results do not depend on it).
        skipped: Inputs ingest skipped, carried into the report.
        progress: Called with each stage's name and seconds as it ends.
        keep_texts: Whether the report's articles carry their texts (the HTML report shows
            them); without, they carry only their lengths, which is all JSON, CSV and the table
            need, and the texts never come back into memory.
        advance: Called within the long stages as their work gets done (``Advance``).

    Returns:
        The report: articles, matches, trees and stories, all sorted.
    """
    settings = settings or Settings()
    articles = sorted(articles, key=lambda a: a.id)
    if len({a.id for a in articles}) != len(articles):
        raise InputError("article ids must be unique")
    timer = _Timer(progress)
    with timer.stage("boilerplate"):
        with no_cycle_collection():
            articles = mask_site_boilerplate(articles, for_stage(advance, "boilerplate"))
        _return_freed_memory()
    with timer.stage("shingle"):
        # The texts go to a file first, and shingling reads them back a batch at a time: the
        # corpus's texts and its shingles are never in memory together.
        texts = SpilledTexts(articles)
        fast = np.array([fast_path(a.text) for a in articles], dtype=bool)
        with no_cycle_collection():
            articles = [a.without_text() for a in articles]
        _return_freed_memory()
        shingled = _shingle_to_disk(articles, texts, fast, workers, for_stage(advance, "shingle"))
        vocabulary = Vocabulary.build(shingled)
        # Until the report, the scan reads only each article's id, date and length: the
        # records wait in a file too, and the heap their reading fragmented goes back.
        with no_cycle_collection():
            records = SpilledRecords(articles)
        articles = records.facts
        _return_freed_memory()
    with timer.stage("windows"):
        # Stems are only looked up (windows) and compared (sentence index, scoring) from here on:
        # uint32 vocabulary ranks do that as the uint64 hashes did, in half the bytes.
        shingled = dataclasses.replace(shingled, hashes=vocabulary.ranks(shingled.hashes))
        inputs = signature_kinds(shingled, vocabulary, settings)
        shingled = shingled.words_to_disk()  # until the sentence index is built
        _return_freed_memory()
    with timer.stage("candidates"):
        # MinHash and LSH a group of bands at a time: the whole signature matrix is never held.
        candidates = candidates_of(inputs, len(articles), settings, earliest_first(articles.publication_dates()),
                                   for_stage(advance, "candidates"))
        candidate_pairs = candidates.pairs  # the collision counts are not needed past here
        del inputs, candidates
        _return_freed_memory()
    with timer.stage("verify"):
        # verify_pairs, with the words read back a part at a time to build the sentence index.
        index = SentenceIndex.build_in_parts(shingled.words_in_parts(), vocabulary, words=int(shingled.offsets[-1]),
                                             sentences=len(shingled.sentence_starts) - len(shingled), articles=len(shingled))
        _return_freed_memory()
        offsets, found = batch_seeds(index, candidate_pairs, settings.sentence_similarity, half_of(for_stage(advance, "verify"), 0))
        # The pairs without a seed (most candidates) leave memory before the workers start.
        pairs, offsets = seeded_pairs(candidate_pairs, offsets)
        del candidate_pairs
        _return_freed_memory()
        packed, same_story = verify_packed(articles, shingled, index, pairs, offsets, found, settings, workers, texts.read,
                                           half_of(for_stage(advance, "verify"), 1))
        del vocabulary, index, offsets, found  # the shingles wait on disk for the trees' readings
        _return_freed_memory()
        ids = articles.identifiers()
        with no_cycle_collection():
            verified = unpacked(ids, pairs, packed, same_story)  # the match objects, once the index is gone
        del packed
    with no_cycle_collection():
        with timer.stage("trees"):
            matches, trees, stories = conclude(ids, articles.publication_dates(), pairs, verified,
                                               lambda triples: followed_readings(triples, shingled.sentence_stems))
            del pairs, verified, shingled  # a tuple per seeded pair: gone before the texts come back
            if keep_texts:
                articles = list(records.restore(texts.all()))
            else:
                texts.close()
                articles = list(records.restore())
        return Report.assemble(settings, articles, matches, trees, stories, skipped, timer.stages)


def scan(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings | None = None,
    workers: int = 1,
    input_format: str | None = None,
    fields: Fields = DEFAULT_FIELDS,
    max_article_chars: int = MAX_ARTICLE_CHARS,
    progress: Optional[Progress] = None,
    keep_texts: bool = True,
    advance: Optional[Advance] = None,
) -> Report:
    """Read the corpus under ``paths`` and find its derivations.

    ``fields`` maps JSONL keys and CSV columns to article parts (``--text-field``, ...);
    articles longer than ``max_article_chars`` are skipped (``--max-article-chars``);
    ``progress`` hears of each stage as it ends and ``advance`` of the work within the long
    ones, and ``keep_texts`` says whether the report holds the texts (``scan_articles``).

    Raises:
        InputError: if a path is missing or no readable article remains.
    """
    began = time.perf_counter()
    articles, skipped = read_corpus(paths, input_format, fields, max_article_chars)
    read_seconds = round(time.perf_counter() - began, 4)
    if progress:
        progress("ingest", read_seconds)
    if not articles:
        raise InputError(no_articles_message(paths, skipped), skipped)
    # Handed over one by one, so that the texts can leave memory while the scan runs.
    report = scan_articles(handed_over(articles), settings, workers, skipped, progress, keep_texts, advance)
    return Report(**{**report.__dict__, "timings": (("ingest", read_seconds), *report.timings)})


def handed_over(items: list[T]) -> Iterator[T]:
    """The items of ``items``, each removed from it as it is yielded (see ``scan_articles``)."""
    items.reverse()
    while items:
        yield items.pop()


def no_articles_message(paths: Sequence[str | os.PathLike[str]], skipped: Sequence[Skipped]) -> str:
    """Why a corpus gave nothing to scan, and what to give instead."""
    detail = f" ({len(skipped)} input(s) skipped)" if skipped else ""
    return (
        f"no readable article in {', '.join(map(str, paths))}{detail}; "
        "give .txt, .jsonl, .csv, .html or .warc(.gz) files, or say the format with --input-format"
    )


def default_workers() -> int:
    """One worker per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
