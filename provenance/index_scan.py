"""Index scan: a corpus scanned against an on-disk index (``scan --index``, ``audit --index``).

Owns ``scan_with_index`` (add articles to an index, then find their derivations among
everything indexed, reading from one snapshot) and ``scan_paths_with_index`` (the same,
reading files and folders first). Candidates come from the index's LSH lookups; verification
and the trees are the pipeline's stages, run on the articles involved. It must not touch the
index's tables or files except through ``Index``'s methods, and parses no command lines.
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Callable, Optional, Sequence

import numpy as np

from provenance.errors import InputError
from provenance.index import BATCH_SIZE, AddResult, Index
from provenance.ingest import DEFAULT_FIELDS, MAX_ARTICLE_CHARS, Fields, read_corpus
from provenance.model import Article, Report, Skipped
from provenance.pipeline import Advance, Progress, conclude, for_stage, no_articles_message, shingle_articles
from provenance.readings import followed_readings
from provenance.verify import verify_pairs
from provenance.shingle import Vocabulary


def scan_with_index(
    index: Index, articles: Sequence[Article], workers: int = 1, batch_size: int = BATCH_SIZE, skipped: Sequence[Skipped] = (),
    added: Optional[Callable[[AddResult], None]] = None, references: bool = False,
    progress: Optional[Progress] = None, advance: Optional[Advance] = None,
) -> Report:
    """Add ``articles`` to the index, then find their derivations among everything indexed.

    Reports the matches with at least one end among ``articles`` (pairs of two indexed
    articles were reported when the later of them was scanned). The report's articles are
    ``articles`` plus the indexed articles they match or share a story with. Scores use the
    index's document frequencies, which after the add count exactly the union. An article that
    ``Index.add`` stored under its path as given (another file's article had its id) is
    reported under that id. ``added``, if given, is called with what the add did. With
    ``references`` (an audit), the indexed articles are its reference corpus (``Article.reference``).
    ``progress`` and ``advance`` hear of the stages (index, candidates, verify) as ``scan_articles``' do.
    """
    timings: list[tuple[str, float]] = []
    began = time.perf_counter()
    result = index.add(articles, batch_size=batch_size, workers=workers, progress=for_stage(advance, "index"))
    _ended(timings, "index", began, progress)
    if added is not None:
        added(result)
    if result.renamed:
        named = dict(result.renamed)
        articles = [dataclasses.replace(a, id=named[a.id]) if a.id in named else a for a in articles]
    # Read everything from one snapshot: another process adding or replacing articles
    # meanwhile cannot make a candidate's number point at a row that has gone.
    with index.snapshot():
        return _match_indexed(index, articles, skipped, timings, workers, references, progress, advance)


def _ended(timings: list[tuple[str, float]], stage: str, began: float, progress: Optional[Progress]) -> None:
    """Note a stage's seconds since ``began`` in ``timings`` (the report's), and tell ``progress``."""
    timings.append((stage, round(time.perf_counter() - began, 4)))
    if progress:
        progress(*timings[-1])


def _match_indexed(index: Index, articles: Sequence[Article], skipped: Sequence[Skipped], timings: list[tuple[str, float]],
                   workers: int, references: bool, progress: Optional[Progress], advance: Optional[Advance]) -> Report:
    """The candidates, verification and report half of ``scan_with_index`` (inside a snapshot)."""
    settings = index.settings
    began = time.perf_counter()
    numbers = index.numbers(a.id for a in articles)
    query = sorted(numbers[a.id] for a in articles)
    signatures, owners = index.signatures(query)
    found = index.candidates(signatures, owners, query)
    pairs = {(query[int(q)], int(n)) for q, n in found.tolist() if query[int(q)] != int(n)}
    pairs = {(min(p), max(p)) for p in pairs}
    _ended(timings, "candidates", began, progress)
    began = time.perf_counter()
    involved = sorted({n for p in pairs for n in p} | set(query))
    loaded = sorted(zip(index.articles(involved), involved), key=lambda item: item[0].id)
    position = {number: k for k, (_, number) in enumerate(loaded)}
    new = {a.id for a in articles}
    corpus = [dataclasses.replace(a, reference=True) if references and a.id not in new else a for a, _ in loaded]
    local = np.array(sorted(tuple(sorted((position[a], position[b]))) for a, b in pairs), dtype=np.int64).reshape(-1, 2)
    shingled = shingle_articles(corpus, workers)
    vocabulary = index.vocabulary(Vocabulary.build(shingled).stems)
    verified_pairs, verified = verify_pairs(corpus, shingled, vocabulary, local, settings, workers,
                                            advance=for_stage(advance, "verify"))
    matches, trees, stories = conclude([a.id for a in corpus], [a.published for a in corpus], verified_pairs, verified,
                                       lambda triples: followed_readings(triples, shingled.__getitem__))
    _ended(timings, "verify", began, progress)
    shown = {a.id for a in articles} | {m.source for m in matches} | {m.derived for m in matches} | {i for s in stories for i in s}
    return Report.assemble(settings, (a for a in corpus if a.id in shown), matches, trees, stories, skipped, timings)


def scan_paths_with_index(
    paths: Sequence[str | os.PathLike[str]],
    index_path: str | os.PathLike[str],
    options: Optional[dict[str, object]] = None,
    workers: int = 1,
    batch_size: int = BATCH_SIZE,
    input_format: Optional[str] = None,
    fields: Fields = DEFAULT_FIELDS,
    max_article_chars: int = MAX_ARTICLE_CHARS,
    added: Optional[Callable[[AddResult], None]] = None,
    progress: Optional[Progress] = None,
    advance: Optional[Advance] = None,
) -> Report:
    """``scan --index``: read ``paths``, add them to the index (created if missing), report their derivations
    (``added``, ``progress`` and ``advance``: as ``scan_with_index``'s; ``progress`` also hears of the ingest).

    Raises:
        InputError: if no readable article remains.
        IndexStoreError: if the index is damaged or built with other settings.
    """
    began = time.perf_counter()
    articles, skipped = read_corpus(paths, input_format, fields, max_article_chars)
    if progress:
        progress("ingest", round(time.perf_counter() - began, 4))
    if not articles:
        raise InputError(no_articles_message(paths, skipped), skipped)
    with Index.open(index_path, create=True, options=dict(options or {})) as index:
        return scan_with_index(index, articles, workers=workers, batch_size=batch_size, skipped=skipped, added=added,
                               progress=progress, advance=advance)
