"""Verify: candidate pairs in, each seeded pair's match (or none) out.

Owns the verification stage: the sentence index of the shingled articles, seeding every
candidate pair at once (``sentences``), dropping the pairs without a seed, then extending
and scoring the seeded pairs (``align``, ``score``), with what each match's passages hold of
each other (``Match.held``, ``Match.used``), on forked workers that read what they
need from flat arrays (``spill.ArticleFacts``) and hand their matches back packed
(``score.PackedMatches``); and which seeded pairs without a match are one story written
twice. A scan (``pipeline``) builds the index a part at a time and calls ``verify_packed``;
callers verifying a few articles (an index audit, a Spark partition) call ``verify_pairs``.
Nothing here reads files, shingles text or builds trees.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Sequence

import numpy as np

from provenance.align import IndexArrays, extend, held_weights
from provenance.model import Article, Match
from provenance.score import PackedMatches, build_match
from provenance.sentences import SentenceIndex, batch_seeds
from provenance.settings import Settings
from provenance.shingle import Shingled, Vocabulary
from provenance.spill import ArticleFacts
from provenance.workers import map_ranges, shared

# Seed sentences two articles must share, short of a derivation, to be grouped as one story.
STORY_SEEDS = 2


def half_of(advance: Optional[Callable[[int, int], None]], half: int) -> Optional[Callable[[int, int], None]]:
    """``advance`` for one half of verification's work (0: seeding the candidate pairs, 1: extending and
    scoring the seeded ones), told in thousandths of the whole: two counts of different things,
    each about half the time."""
    if advance is None:
        return None
    return lambda done, total: advance(1000 * half + 1000 * done // max(total, 1), 2000)


def _held_shares(index: SentenceIndex, rows: list[tuple[int, ...]], owners: list[int], count: int) -> np.ndarray:
    """Per match, ``Match.held`` and ``Match.used``: of its passages' stem weight on one side, the share
    the other side holds, pooled over its passages. ``rows``: per passage, ``(derived, start, end,
    source, start, end)`` in sentences, then the reverse; ``owners``: per passage, its match."""
    weights = held_weights(IndexArrays.of(index), np.array(rows, dtype=np.int64).reshape(-1, 6)).reshape(-1, 4)
    sums = np.zeros((count, 4))
    np.add.at(sums, np.array(owners, dtype=np.int64), weights)
    totals = np.maximum(sums[:, [1, 3]], np.finfo(np.float64).tiny)  # a passage holds stems: never 0 but in theory
    return sums[:, [0, 2]] / totals


def _verify_range(start: int, end: int) -> PackedMatches:
    """Extend and score seeded pairs ``[start, end)``: their matches, packed."""
    articles: Sequence[Article] = shared["articles"]  # type: ignore[assignment]
    shingled: Sequence[Shingled] = shared["shingled"]  # type: ignore[assignment]
    index: SentenceIndex = shared["index"]  # type: ignore[assignment]
    pairs: np.ndarray = shared["pairs"]  # type: ignore[assignment]
    ranges: np.ndarray = shared["ranges"]  # type: ignore[assignment]  # (pairs, 2) ranges into found
    found: np.ndarray = shared["found"]  # type: ignore[assignment]
    settings: Settings = shared["settings"]  # type: ignore[assignment]
    text: Callable[[int], str] = shared["text"]  # type: ignore[assignment]
    passages = extend(index, pairs[start:end], ranges[start:end], found, settings.max_gap, settings.min_passage_words,
                      settings.sentence_similarity)
    matches: list[Optional[Match]] = []
    firsts: list[str] = []
    made = 0  # matches made so far
    rows: list[tuple[int, ...]] = []  # per passage of a match: its derived side in its source side, then the reverse
    owners: list[int] = []  # per passage, its match among those made
    for (i, j), pair_passages in zip(pairs[start:end].tolist(), passages):
        match, first = None, ""
        if pair_passages:  # most seeded pairs align no passage: their articles are not looked up
            a = articles[i]
            match, first = build_match(a, articles[j], shingled[i], shingled[j], pair_passages, settings.min_confidence,
                                       text(i), text(j)), a.id
            if match is not None:
                for p in pair_passages:
                    in_a, in_b = (i, p.a_start, p.a_end), (j, p.b_start, p.b_end)
                    rows += [in_b + in_a, in_a + in_b] if match.source == a.id else [in_a + in_b, in_b + in_a]
                    owners.append(made)
                made += 1
        matches.append(match)
        firsts.append(first)
    shares = iter(_held_shares(index, rows, owners, made).tolist())
    for k, match in enumerate(matches):
        if match is not None:
            held, used = next(shares)
            matches[k] = dataclasses.replace(match, held=held, used=used)
    return PackedMatches.pack(matches, firsts)


def verify_pairs(
    articles: Sequence[Article],
    shingled: Sequence[Shingled],
    vocabulary: Vocabulary,
    pairs: np.ndarray,
    settings: Settings,
    workers: int = 1,
    text: Optional[Callable[[int], str]] = None,
    advance: Optional[Callable[[int, int], None]] = None,
    stock_keys: Optional[np.ndarray] = None,
) -> tuple[np.ndarray, list[tuple[Optional[Match], bool]]]:
    """Seed, extend and score candidate pairs.

    ``articles`` may be only part of the corpus (the ends of some candidate pairs, say,
    read back from an index); ``vocabulary`` describes the whole corpus. Articles must be
    sorted by id and pairs ``(i, j)`` have ``i < j``. ``text(k)`` gives article ``k``'s
    text, when the articles do not hold it. ``advance(done, total)`` hears of the work as it
    goes (``half_of``). ``stock_keys``: the whole corpus's stock sentences (``held_sentence_keys``),
    where ``articles`` are only part of it and its stock sentences were counted (a Spark partition).

    Returns:
        The pairs that had at least one seed, and for each its match (or ``None`` when
        it scored too low) with whether they share ``STORY_SEEDS`` seed sentences (a story).
    """
    index = SentenceIndex.build(shingled, vocabulary, stock_keys)
    offsets, found = batch_seeds(index, pairs, settings.sentence_similarity, half_of(advance, 0))
    verified_pairs, offsets = seeded_pairs(pairs, offsets)
    packed, stories = verify_packed(articles, shingled, index, verified_pairs, offsets, found, settings, workers, text,
                                    half_of(advance, 1))
    return verified_pairs, unpacked([a.id for a in articles], verified_pairs, packed, stories)


def verify_packed(
    articles: Sequence[Article],
    shingled: Sequence[Shingled],
    index: SentenceIndex,
    pairs: np.ndarray,
    offsets: np.ndarray,
    found: np.ndarray,
    settings: Settings,
    workers: int = 1,
    text: Optional[Callable[[int], str]] = None,
    advance: Optional[Callable[[int, int], None]] = None,
) -> tuple[PackedMatches, np.ndarray]:
    """Extend and score seeded pairs: their matches (packed), and which are stories.

    ``pairs`` and ``offsets`` are as ``seeded_pairs`` gives them (pair ``p``'s seeds are rows
    ``found[offsets[p]:offsets[p + 1]]`` of ``batch_seeds``'s ``found``, at least one). A scan
    makes the match objects (``unpacked``) only once the sentence index is gone.
    ``advance(done, total)`` hears of the seeded pairs done as they are.
    """
    seed_ranges = np.stack([offsets[:-1], offsets[1:]], axis=1)
    # Sentences in common without a derivation: the same story, written independently. The
    # seeded pairs' rows follow each other in ``found``, so one reduceat counts each pair's seeds.
    seeds = np.add.reduceat(found[:, 3], offsets[:-1]) if len(pairs) else np.zeros(0, dtype=np.int64)
    shared.clear()
    facts = articles if isinstance(articles, ArticleFacts) else ArticleFacts(articles)
    shared.update(articles=facts, settings=settings, shingled=shingled, index=index, pairs=pairs,
                  ranges=seed_ranges, found=found, text=text or (lambda k: articles[k].text))
    try:
        if workers > 1:
            # The compiled code of extension and scoring, loaded here once before the workers
            # fork, is shared; each worker would otherwise load its own (100k articles: 43 MB a worker).
            _verify_range(0, min(len(pairs), WARM_UP_PAIRS))
        packed = PackedMatches.join(map_ranges(_verify_range, len(pairs), workers, advance))
        return packed, seeds >= STORY_SEEDS
    finally:
        shared.clear()


def unpacked(
    ids: Sequence[str], verified_pairs: np.ndarray, packed: PackedMatches, stories: np.ndarray
) -> list[tuple[Optional[Match], bool]]:
    """Each seeded pair's match (or ``None``) and whether it is a story, as ``verify_pairs`` gives them
    (``ids``: the articles' ids, in the order the pairs number them)."""
    return list(zip(packed.unpack(verified_pairs, ids), stories.tolist()))


# Seeded pairs verified before the workers start, to load the compiled code they run.
WARM_UP_PAIRS = 16


def seeded_pairs(pairs: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs with at least one seed, and where each one's seeds are (``batch_seeds``'s offsets, for them only).

    Most candidate pairs have no seed: only the seeded go on to extension and scoring.
    """
    seeded = np.flatnonzero(np.diff(offsets) > 0)
    kept = pairs[seeded] if len(pairs) else np.zeros((0, 2), dtype=np.int64)
    # A pair without a seed has no rows, so each seeded pair's rows start where the one before ended.
    return kept, np.concatenate((offsets[:1], offsets[seeded + 1]))
