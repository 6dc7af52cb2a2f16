"""Extraction and audit speed on generated WordPress pages (pages per second).

Writes a WARC of N pages (the four spun seed pages, then filler pages of seeded
random words drawn from the seeds' vocabulary, so no two pages share text), then times
``read_corpus`` on it (HTML extraction: trafilatura + htmldate + masking) and
``audit`` of it against seeds/000. Run from the repository root:

    python bench/audit_speed.py --pages 200
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provenance.audit import audit  # noqa: E402
from provenance.ingest import read_corpus  # noqa: E402
from tests.fixtures import HOST, SEEDS, Page, seed_pages, write_warc  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    pages = seed_pages()[: args.pages]
    vocabulary = sorted({w for path in SEEDS.glob("*.txt") for w in re.findall(r"[A-Za-z]{3,}", path.read_text(encoding="utf-8"))})
    rng = random.Random(1)
    for n in range(len(pages), args.pages):
        paragraphs = tuple(
            " ".join(" ".join(rng.choices(vocabulary, k=12)).capitalize() + "." for _ in range(5)) for _ in range(6)
        )
        pages.append(Page(seed=f"filler-{n}.txt", url=f"https://{HOST}/filler/{n}/", title=f"Filler {n}", paragraphs=paragraphs))
    with tempfile.TemporaryDirectory() as folder:
        crawl = Path(folder) / "bench.warc.gz"
        write_warc(crawl, pages, truncate=False)
        began = time.perf_counter()
        articles, _ = read_corpus([crawl])
        extract = time.perf_counter() - began
        began = time.perf_counter()
        result = audit([crawl], [SEEDS / "000_943f27995bdec5c1.txt"], workers=args.workers)
        total = time.perf_counter() - began
    print(f"{len(articles)} pages: extraction {len(articles) / extract:.1f} pages/s ({extract:.2f} s); "
          f"audit (extraction included) {len(articles) / total:.1f} pages/s ({total:.2f} s), "
          f"{len(result.derived)} derived; workers={args.workers}")


if __name__ == "__main__":
    main()
