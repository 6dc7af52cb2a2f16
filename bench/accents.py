"""Shingling speed of news with accented names: the compiled path against the Python path, side by side.

English news names people and places with accented letters ("José", "Müller", "Zürich"), and
French, German or Spanish news has them in every sentence. Such text goes through
``fast_shingle``'s compiled pass when each accented letter folds to one ASCII letter; before,
one such letter sent its article down ``shingle.shingle_text`` (Python). This script takes the
first ``--articles`` of a generated corpus (``bench/generate.py``; their text is ASCII), gives
each article accented names (``--names`` of them, swapped in for names it has), and times, in
one process, the median of ``--repeat`` runs of:

- the ASCII articles as generated (``shingle_articles``),
- the accented articles, the way a scan shingles them (``shingle_articles``: the compiled path),
- the accented articles through the Python path (``shingle_text`` on ``--workers`` processes, as
  ``shingle_articles`` hands the text it cannot compile): the baseline,

checks that both paths give identical arrays, and prints articles/s and the ratios::

    python bench/accents.py /tmp/news-10k --articles 10000 --workers 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import load_articles  # noqa: E402  (bench/ is not a package)

from provenance.model import Article  # noqa: E402
from provenance.pipeline import shingle_articles  # noqa: E402
from provenance.shingle import FlatShingles, shingle_text  # noqa: E402
from provenance.workers import map_ranges, shared  # noqa: E402

# Accented names as they appear in English news; each article gets some in place of words it has.
NAMES = ("José", "Müller", "Zürich", "François", "Nicolás", "Søren", "Björk", "Gdańsk", "Łódź", "Erdoğan",
         "Nguyễn", "São", "Médecins", "Pokémon", "café", "Montréal", "Dvořák", "Ibrahimović", "Citroën", "Fiancée")


def accented(articles: list[Article], names: int) -> list[Article]:
    """Each article with ``names`` of its words (every 40th word from its 10th) replaced by accented names."""
    out = []
    for number, article in enumerate(articles):
        words = article.text.split(" ")
        for k in range(names):
            at = 10 + 40 * k
            if at < len(words):
                words[at] = NAMES[(number + k) % len(NAMES)]
        out.append(Article(id=article.id, text=" ".join(words), path=article.path))
    return out


def _python_range(start: int, end: int) -> list:
    texts: list[str] = shared["texts"]  # type: ignore[assignment]
    return [shingle_text(text) for text in texts[start:end]]


def python_path(articles: list[Article], workers: int) -> FlatShingles:
    """The Python path on every article, ``workers`` processes, as ``shingle_articles`` runs it for text it cannot compile."""
    shared.clear()
    shared["texts"] = [article.text for article in articles]
    try:
        return FlatShingles.join([one for part in map_ranges(_python_range, len(articles), workers) for one in part])
    finally:
        shared.clear()


def timed(function: Callable[[], FlatShingles], repeat: int) -> tuple[FlatShingles, float]:
    seconds = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - began)
    return result, statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder made by bench/generate.py")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--names", type=int, default=3, help="accented names given to each article")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plain = load_articles(args.corpus, args.articles, dates=False)
    names = accented(plain, args.names)
    shingle_articles(plain[:100], args.workers)  # compile and learn the common words outside the timing
    shingle_articles(names[:100], args.workers)
    rows = []
    _, ascii_seconds = timed(lambda: shingle_articles(plain, args.workers), args.repeat)
    compiled, compiled_seconds = timed(lambda: shingle_articles(names, args.workers), args.repeat)
    python, python_seconds = timed(lambda: python_path(names, args.workers), args.repeat)
    for field in ("hashes", "starts", "ends", "entity", "sentence_starts", "offsets"):
        if not np.array_equal(getattr(compiled, field), getattr(python, field)):
            print(f"accents: the two paths differ in {field}", file=sys.stderr)
            return 1
    rows = [("ASCII, as generated (compiled)", ascii_seconds), ("accented names (compiled)", compiled_seconds),
            ("accented names (Python path: the baseline)", python_seconds)]
    print(f"shingling {len(plain):,} articles, {args.names} accented names each, {args.workers} workers, median of {args.repeat}:")
    for what, seconds in rows:
        print(f"  {what:<44}{seconds:>8.3f} s{len(plain) / seconds:>12,.0f} articles/s")
    print(f"compiled / Python path on accented text: {python_seconds / compiled_seconds:.1f}x faster; "
          f"accented / ASCII (compiled): {compiled_seconds / ascii_seconds:.2f}x the time; identical arrays")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
