"""Index benchmark: build speed, and auditing new articles against a large index.

Two modes, both deterministic (seeded generators written here, no data to download):

``store``: signatures made directly (random windows, ``--windows`` per article), so the
run measures the index alone: ``write_signed`` in batches (articles/s, bytes), then
``--queries`` new articles, half of them sharing a window with an indexed article,
matched with ``Index.candidates`` (seconds, candidate pairs found, peak RSS)::

    python bench/index_bench.py store --articles 1000000 --queries 1000 --db /tmp/idx.db

``text``: synthetic short articles through ``Index.add`` end to end (shingling, df,
signing, storing) and then ``scan_with_index`` of ``--queries`` of them, spun::

    python bench/index_bench.py text --articles 20000 --queries 1000 --db /tmp/idx-text.db
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

import numpy as np

from provenance.index import Index, content_hash, scan_with_index
from provenance.model import Article
from provenance.settings import Settings

_SYLLABLES = [f"{a}{b}{c}" for a in "bcdfghklmnprstvz" for b in "aeiou" for c in "lmnrst"]
WORDS = [a + b for a in _SYLLABLES[:200] for b in _SYLLABLES[:200]]  # 40,000 made-up words: none too common


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_text(rng: random.Random, sentences: int = 8) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "." for _ in range(sentences))


def bench_store(db: Path, articles: int, queries: int, windows: int, batch: int) -> None:
    settings = Settings()
    rng = np.random.default_rng(1)
    db.unlink(missing_ok=True)
    index = Index.open(db, create=True, settings=settings)
    began = time.perf_counter()
    for start in range(0, articles, batch):
        count = min(batch, articles - start)
        signatures = rng.integers(0, 1 << 32, size=(count * windows, settings.num_perm), dtype=np.uint32)
        owners = np.repeat(np.arange(count, dtype=np.int64), windows)
        batch_articles = [Article(id=f"s{start + k:08d}", text=f"article {start + k}", path=f"gen/{start + k}") for k in range(count)]
        with index.transaction():
            index.write_signed(batch_articles, [content_hash(a.text) for a in batch_articles], signatures, owners)
            index._set_size(start + count)
    build = time.perf_counter() - began
    size = db.stat().st_size + (Path(f"{db}-wal").stat().st_size if Path(f"{db}-wal").exists() else 0)
    print(f"store build: {articles} articles x {windows} windows in {build:.1f} s = {articles / build:,.0f} articles/s; {size / 1e6:,.0f} MB")
    index.close()
    # Audit: a fresh process would reopen; reopening here drops nothing but the page cache's warmth.
    index = Index.open(db)
    query_rng = np.random.default_rng(2)
    signatures = query_rng.integers(0, 1 << 32, size=(queries * windows, settings.num_perm), dtype=np.uint32)
    owners = np.repeat(np.arange(queries, dtype=np.int64), windows)
    # Half the queries reuse one window of an indexed article (a copied paragraph).
    planted = {}
    for q in range(0, queries, 2):
        target = int(query_rng.integers(1, articles + 1))
        planted[q] = target
        signatures[q * windows] = np.frombuffer(
            index.connection.execute("SELECT data FROM signatures WHERE article=?", (target,)).fetchone()[0], dtype=np.uint32
        )[: settings.num_perm]
    began = time.perf_counter()
    found = index.candidates(signatures, owners)
    seconds = time.perf_counter() - began
    hits = sum(1 for q, n in found.tolist() if planted.get(q) == n)
    print(f"store audit: {queries} queries x {windows} windows against {articles} in {seconds:.2f} s; "
          f"{len(found)} candidate pairs, {hits}/{len(planted)} planted copies found; peak RSS {peak_rss_mb():.0f} MB")


def bench_text(db: Path, articles: int, queries: int, batch: int, workers: int) -> None:
    rng = random.Random(3)
    corpus = [Article(id=f"t{k:07d}", text=synthetic_text(rng), path=f"gen/{k}") for k in range(articles)]
    db.unlink(missing_ok=True)
    with Index.open(db, create=True) as index:
        began = time.perf_counter()
        index.add(corpus, batch_size=batch, workers=workers)
        build = time.perf_counter() - began
        print(f"text build: {articles} articles in {build:.1f} s = {articles / build:,.0f} articles/s")
        spun = []
        for k in range(queries):
            source = corpus[rng.randrange(articles)]
            words = source.text.split(" ")
            for _ in range(len(words) // 10):
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            spun.append(Article(id=f"q{k:05d}", text=" ".join(words), path=f"query/{k}"))
        began = time.perf_counter()
        report = scan_with_index(index, spun, workers=workers, batch_size=batch)
        seconds = time.perf_counter() - began
        print(f"text audit: {queries} spun articles against {articles} in {seconds:.1f} s "
              f"({dict(report.timings)}); {len(report.matches)} matches; peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("store", "text"))
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--windows", type=int, default=4, help="windows per article (store mode)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", type=Path, default=Path("/tmp/provenance-index-bench.db"))
    args = parser.parse_args()
    if args.mode == "store":
        bench_store(args.db, args.articles, args.queries, args.windows, args.batch_size)
    else:
        bench_text(args.db, args.articles, args.queries, args.batch_size, args.workers)


if __name__ == "__main__":
    main()
