"""Soak test: audits run again and again against a growing index while another process reads it.

Deterministic generators inside (nothing to download). Each round:

1. **grow**: ``--batch`` new reference articles are added to the index (``Index.add``, one transaction);
2. **audit**: ``--audit`` new site articles — half of them spun copies of random indexed articles
   (planted), half fresh — go through ``scan_with_index`` (added, matched against everything
   indexed) and ``audit.audit_rows``; every audited article must get exactly one
   "derived" (rank 1) or "not derived" (rank 0) row;
3. **sample** the process's resident memory.

Meanwhile a reader process opens the same index and, in a loop, reads ``info()`` and runs LSH
probes for a random stored article inside one snapshot, checking the counts agree and that the
article finds itself. The run stops after ``--seconds`` and prints a table; it exits 1 if any
audited article is unaccounted for, the reader saw an inconsistent index or failed, the index
fails ``PRAGMA integrity_check``, or memory kept growing (last sample more than 1.5x the sample
after the warm-up rounds *and* more than 200 MB above it)::

    python bench/soak.py --seconds 90
    python bench/soak.py --seconds 90 --cache-mb 16    # memory with a small SQLite page cache
"""

from __future__ import annotations

import argparse
import multiprocessing
import multiprocessing.synchronize
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from provenance.audit import DERIVED, NOT_DERIVED, audit_rows
from provenance.index import Index
from provenance.index_scan import scan_with_index
from provenance.model import Article

_SYLLABLES = [f"{a}{b}{c}" for a in "bcdfghklmnprstvz" for b in "aeiou" for c in "lmnrst"]
WORDS = [a + b for a in _SYLLABLES[:120] for b in _SYLLABLES[:120]]  # 14,400 made-up words
WARM_UP_ROUNDS = 3


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def text(rng: random.Random, sentences: int = 8) -> str:
    return " ".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "." for _ in range(sentences))


def spin(rng: random.Random, original: str) -> str:
    """A rewrite: most sentences kept with a word or two swapped, one dropped, one added."""
    sentences = original.split(". ")
    kept = [s for k, s in enumerate(sentences) if k != 2]
    out = []
    for sentence in kept:
        words = sentence.split()
        if len(words) > 4:
            words[rng.randrange(len(words))] = rng.choice(WORDS)
        out.append(" ".join(words))
    return ". ".join(out) + " " + text(rng, 1)


def reader(db: str, done: "multiprocessing.synchronize.Event", results: "multiprocessing.Queue[tuple[int, int, list[str]]]") -> None:
    """Query the index until ``done`` is set: info and LSH probes, each inside one snapshot."""
    rng = random.Random(99)
    queries = inconsistent = 0
    errors: list[str] = []
    try:
        with Index.open(db) as index:
            while not done.is_set():
                try:
                    with index.snapshot() as c:
                        info = index.info()
                        count, windows = c.execute("SELECT count(*), coalesce(sum(windows), 0) FROM articles").fetchone()
                        if info.articles != count or info.windows != windows:
                            inconsistent += 1
                        if count:
                            number = c.execute("SELECT article FROM articles LIMIT 1 OFFSET ?", (rng.randrange(count),)).fetchone()[0]
                            signatures, owners = index.signatures([number])
                            found = index.candidates(signatures, owners).tolist()
                            if len(signatures) and [0, number] not in found:
                                inconsistent += 1
                    queries += 1
                except Exception as error:  # noqa: BLE001  counted and reported, the soak goes on
                    errors.append(f"{type(error).__name__}: {error}")
                time.sleep(0.01)
    finally:
        results.put((queries, inconsistent, errors[:5] + ([f"... {len(errors) - 5} more"] if len(errors) > 5 else [])))


def soak(db: Path, seconds: float, batch: int, audited: int, workers: int, cache_mb: int | None = None) -> int:
    rng = random.Random(2024)
    Index.open(db, create=True).close()
    began = time.time()
    stop_at = began + seconds
    context = multiprocessing.get_context("fork")
    results: "multiprocessing.Queue[tuple[int, int, list[str]]]" = context.Queue()
    done = context.Event()
    process = context.Process(target=reader, args=(str(db), done, results))
    process.start()
    indexed: list[Article] = []
    samples: list[float] = []
    rounds = audited_total = derived_total = planted_total = planted_found = unaccounted = failures = 0
    with Index.open(db) as index:
        if cache_mb is not None:
            # The index's SQLite page cache (256 MiB by default) is most of the memory that grows
            # as the index does; a smaller cap shows whether anything else grows.
            index.connection.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")
        while time.time() < stop_at:
            # Dates as a real archive has them: the reference first, the site's copies later.
            fresh = [Article(id=f"ref-{len(indexed) + k:07d}", text=text(rng), path="gen", published="2023-01-01",
                             published_from="metadata") for k in range(batch)]
            index.add(fresh, batch_size=batch, workers=workers)
            indexed.extend(fresh)
            site, planted = [], {}
            for k in range(audited):
                article_id = f"site-{rounds:05d}-{k:03d}"
                if k % 2 == 0:
                    source = rng.choice([a for a in indexed[-5 * batch :] if a.id.startswith("ref-")])
                    planted[article_id] = source.id
                    site.append(Article(id=article_id, text=spin(rng, source.text), path="gen", published="2023-06-01",
                                        published_from="metadata"))
                else:
                    site.append(Article(id=article_id, text=text(rng), path="gen", published="2023-06-01", published_from="metadata"))
            try:
                report = scan_with_index(index, site, workers=workers, batch_size=batch)
                rows = audit_rows(report, [a.id for a in site])
            except Exception as error:  # noqa: BLE001  a failure is counted, not fatal to the soak
                failures += 1
                print(f"round {rounds}: {type(error).__name__}: {error}", file=sys.stderr)
                rounds += 1
                continue
            heads = {row.article: row for row in rows if row.rank in (0, 1)}
            unaccounted += sum(1 for a in site if a.id not in heads or heads[a.id].status not in (DERIVED, NOT_DERIVED))
            unaccounted += sum(1 for row in rows if row.rank in (0, 1)) - len(heads)
            derived_total += sum(1 for row in heads.values() if row.status == DERIVED)
            planted_found += sum(1 for article_id, source in planted.items()
                                 if any(r.article == article_id and r.source == source for r in rows))
            planted_total += len(planted)
            audited_total += len(site)
            rounds += 1
            samples.append(rss_mb())
            indexed.extend(site)  # scan_with_index added them (so the index grows by both)
    done.set()
    try:
        queries, inconsistent, errors = results.get(timeout=30)
    except Exception:  # noqa: BLE001  queue.Empty: the reader died
        queries, inconsistent, errors = 0, 0, ["reader gave no result"]
    process.join(timeout=30)
    connection = sqlite3.connect(str(db))
    integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    stored = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    connection.close()
    index_mb = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists()) / 1e6
    elapsed = time.time() - began
    warm = samples[min(WARM_UP_ROUNDS, len(samples) - 1)] if samples else float("nan")
    growing = bool(samples) and samples[-1] > 1.5 * warm and samples[-1] - warm > 200
    rows_out = [
        ("seconds", f"{elapsed:.0f}"),
        ("rounds (index batches + audits)", f"{rounds}"),
        ("articles indexed (reference + audited)", f"{stored:,} (expected {len(indexed):,})"),
        ("articles audited", f"{audited_total:,}"),
        ("audited articles accounted for (one derived / not-derived row)", f"{audited_total - unaccounted:,} of {audited_total:,}"),
        ("derived", f"{derived_total:,}"),
        ("planted copies found with their source", f"{planted_found:,} of {planted_total:,}"),
        ("reader queries (info + LSH probe, one snapshot each)", f"{queries:,}"),
        ("reader inconsistencies / errors", f"{inconsistent} / {len(errors)}"),
        ("RSS MB: first / after warm-up / last / peak", f"{samples[0]:.0f} / {warm:.0f} / {samples[-1]:.0f} / {max(samples):.0f}" if samples else "-"),
        ("index on disk MB / SQLite page cache cap MB", f"{index_mb:.0f} / {cache_mb if cache_mb is not None else 256}"),
        ("integrity_check", integrity),
        ("failures", f"{failures + unaccounted + inconsistent + len(errors) + (integrity != 'ok') + (stored != len(indexed)) + growing}"),
    ]
    width = max(len(name) for name, _ in rows_out)
    print(f"| {'figure'.ljust(width)} | value |\n|{'-' * (width + 2)}|---|")
    for name, value in rows_out:
        print(f"| {name.ljust(width)} | {value} |")
    for error in errors:
        print(f"reader: {error}", file=sys.stderr)
    return int(rows_out[-1][1] != "0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=90.0, help="how long to run [90]")
    parser.add_argument("--batch", type=int, default=200, help="reference articles added per round [200]")
    parser.add_argument("--audit", type=int, default=40, help="site articles audited per round [40]")
    parser.add_argument("--workers", type=int, default=1, help="worker processes [1]")
    parser.add_argument("--cache-mb", type=int, default=None, help="cap the index's SQLite page cache [the index's 256]")
    parser.add_argument("--db", type=Path, default=None, help="index file [a temporary one]")
    args = parser.parse_args()
    if args.db is not None:
        args.db.unlink(missing_ok=True)
        return soak(args.db, args.seconds, args.batch, args.audit, args.workers, args.cache_mb)
    with tempfile.TemporaryDirectory(prefix="provenance-soak-") as folder:
        return soak(Path(folder) / "soak.db", args.seconds, args.batch, args.audit, args.workers, args.cache_mb)


if __name__ == "__main__":
    sys.exit(main())
