"""Index benchmark: build speed, and auditing new articles against a large index.

Two modes, both deterministic (seeded generators written here, no data to download):

``store``: signatures made directly (random windows, ``--windows`` per article, 25 by
default: a news article has about one window per sentence), so the run measures the index
alone: ``write_signed`` in batches plus the segment merges ``add`` would do (articles/s of
that work, not of making up the random signatures; and bytes), then, in a fresh process, ``--queries`` new articles, half of them sharing a window
with an indexed article, matched with ``Index.candidates`` (seconds, candidate pairs found,
peak RSS of that process)::

    python bench/index_bench.py store --articles 1000000 --queries 1000 --db /tmp/idx.db

``text``: synthetic short articles through ``Index.add`` end to end (shingling, df,
signing, storing) and then ``scan_with_index`` of ``--queries`` of them, spun::

    python bench/index_bench.py text --articles 20000 --queries 1000 --db /tmp/idx-text.db
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from provenance.index import Index, content_hash
from provenance.index_scan import scan_with_index
from provenance.index_store import bands_folder
from provenance.model import Article
from provenance.settings import Settings

_SYLLABLES = [f"{a}{b}{c}" for a in "bcdfghklmnprstvz" for b in "aeiou" for c in "lmnrst"]
WORDS = [a + b for a in _SYLLABLES[:200] for b in _SYLLABLES[:200]]  # 40,000 made-up words: none too common


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_text(rng: random.Random, sentences: int = 8) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "." for _ in range(sentences))


def remove_index(db: Path) -> None:
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(bands_folder(db), ignore_errors=True)


def index_bytes(db: Path) -> int:
    files = [db, Path(f"{db}-wal"), *bands_folder(db).glob("segment-*"), *bands_folder(db).glob("signatures-*")]
    return sum(p.stat().st_size for p in files if p.exists())


def bench_store(db: Path, articles: int, queries: int, windows: int, batch: int) -> None:
    settings = Settings()
    rng = np.random.default_rng(1)
    remove_index(db)
    index = Index.open(db, create=True, settings=settings)
    began = time.perf_counter()
    build = 0.0  # the index's own work; making up the signatures (a signing stage's output) is not timed
    for start in range(0, articles, batch):
        count = min(batch, articles - start)
        signatures = rng.integers(0, 1 << 32, size=(count * windows, settings.num_perm), dtype=np.uint32)
        owners = np.repeat(np.arange(count, dtype=np.int64), windows)
        batch_articles = [Article(id=f"s{start + k:08d}", text=f"article {start + k}", path=f"gen/{start + k}") for k in range(count)]
        hashes = [content_hash(a.text) for a in batch_articles]
        batch_began = time.perf_counter()
        with index.transaction():
            index.write_signed(batch_articles, hashes, signatures, owners)
            index._set_size(start + count)
        index.merge_segments()  # as Index.add does after each batch
        build += time.perf_counter() - batch_began
    wall = time.perf_counter() - began
    segments = index.info().segments
    print(f"store build: {articles} articles x {windows} windows in {build:.1f} s = {articles / build:,.0f} articles/s "
          f"(index work; {wall:.1f} s = {articles / wall:,.0f}/s with making up the signatures); "
          f"{index_bytes(db) / 1e6:,.0f} MB, {segments} segments; peak RSS {peak_rss_mb():.0f} MB", flush=True)
    index.close()
    # Audit in a fresh process, as a user's audit would run, so its peak RSS is its own.
    subprocess.run([sys.executable, __file__, "audit", "--db", str(db), "--articles", str(articles), "--queries", str(queries),
                    "--windows", str(windows)], check=True)


def bench_audit(db: Path, articles: int, queries: int, windows: int) -> None:
    index = Index.open(db)
    settings = index.settings
    query_rng = np.random.default_rng(2)
    signatures = query_rng.integers(0, 1 << 32, size=(queries * windows, settings.num_perm), dtype=np.uint32)
    owners = np.repeat(np.arange(queries, dtype=np.int64), windows)
    # Half the queries reuse one window of an indexed article (a copied paragraph).
    planted = {}
    for q in range(0, queries, 2):
        target = int(query_rng.integers(1, articles + 1))
        planted[q] = target
        signatures[q * windows] = index.signatures([target])[0][0]
    began = time.perf_counter()
    found = index.candidates(signatures, owners)
    seconds = time.perf_counter() - began
    hits = sum(1 for q, n in found.tolist() if planted.get(q) == n)
    print(f"store audit: {queries} queries x {windows} windows against {articles} in {seconds:.2f} s; "
          f"{len(found)} candidate pairs, {hits}/{len(planted)} planted copies found; peak RSS {peak_rss_mb():.0f} MB")


def bench_text(db: Path, articles: int, queries: int, batch: int, workers: int) -> None:
    rng = random.Random(3)
    corpus = [Article(id=f"t{k:07d}", text=synthetic_text(rng), path=f"gen/{k}") for k in range(articles)]
    remove_index(db)
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
    parser.add_argument("mode", choices=("store", "audit", "text"), help="audit: the second half of store, on its index")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--windows", type=int, default=25, help="windows per article (store mode)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--db", type=Path, default=Path("/tmp/provenance-index-bench.db"))
    args = parser.parse_args()
    if args.mode == "store":
        bench_store(args.db, args.articles, args.queries, args.windows, args.batch_size)
    elif args.mode == "audit":
        bench_audit(args.db, args.articles, args.queries, args.windows)
    else:
        bench_text(args.db, args.articles, args.queries, args.batch_size, args.workers)


if __name__ == "__main__":
    main()
