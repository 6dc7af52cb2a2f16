"""What a sentence-embedding check would add on PAN 2013: measured, not built into the package.

Issue #3 asks whether a small sentence-embedding model that ships inside a PyPI package
earns its cost as an optional semantic check. WordLlama (``pip install wordllama``) ships
its 256-dimension token embeddings (16 MB) and tokenizer inside the wheel, so it runs
with no download. This script runs the PAN discovery benchmark twice in one process:
as provenance does it, and with *semantic seeds*: a sentence pair that shares some content
stems (weighted Dice at least ``--lexical``) but too few to seed, whose embeddings'
cosine reaches ``--cosine``, counts as a seed. Everything else (context seeds, extension,
floors, scoring) is unchanged, so the difference is what the embeddings buy. Usage::

    pip install wordllama
    python bench/semantic.py ../shared/data/pan13-text-alignment-training --cosine 0.8

Prints both tables, the sentences embedded and the seconds the embeddings cost.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pan  # noqa: E402  (bench/pan.py: the corpus reader and PAN's measures)

from provenance import pipeline  # noqa: E402
from provenance.ingest import read_corpus  # noqa: E402
from provenance.report import report_dict  # noqa: E402
from provenance.shingle import shingle_text  # noqa: E402


def load_model():  # type: ignore[no-untyped-def]
    """WordLlama's bundled model, never downloaded.

    Its own lookup for the bundled tokenizer points at a ``tokenizer/`` folder while the
    wheel ships ``tokenizers/``; handing it the package folder as its cache finds both files.
    """
    import wordllama

    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


class SemanticSeeds:
    """A ``batch_seeds`` that adds embedding-confirmed seeds to the lexical ones.

    The scan calls ``batch_seeds`` once, with every candidate pair; the scan's articles (sorted,
    boilerplate masked) are caught as ``mask_site_boilerplate`` hands them on, and a sentence's
    text is cut from its article's text by shingling it again (the Python path gives the same
    sentences as the scan's compiled one).
    """

    def __init__(self, model, lexical: float, cosine: float) -> None:  # type: ignore[no-untyped-def]
        self.model, self.lexical, self.cosine = model, lexical, cosine
        self.articles: list = []
        self.embedded = 0
        self.seconds = 0.0
        self.added = 0

    def numbered(self, articles):  # type: ignore[no-untyped-def]
        """``mask_site_boilerplate``, keeping the masked articles in the scan's order."""
        self.articles = list(MASK(articles))
        return self.articles

    def _sentence_texts(self, number: int, sentences: np.ndarray) -> list[str]:
        article = self.articles[number]
        shingled = shingle_text(article.text, article.masked)
        starts, ends, bounds = shingled.starts, shingled.ends, shingled.sentence_starts
        return [article.text[int(starts[bounds[k]]) : int(ends[bounds[k + 1] - 1])] for k in sentences.tolist()]

    def __call__(self, index, pairs: np.ndarray, threshold: float):  # type: ignore[no-untyped-def]
        offsets, found = SEEDS(index, pairs, threshold)
        low_offsets, low = SEEDS(index, pairs, self.lexical)
        began = time.perf_counter()
        # Rows the lexical pass alone would not make: candidates for a semantic seed.
        rows: list[np.ndarray] = []
        for p in range(len(pairs)):
            extra = low[low_offsets[p] : low_offsets[p + 1]]
            have = found[offsets[p] : offsets[p + 1]]
            if not len(extra):
                rows.append(have)
                continue
            known = set(map(tuple, have[:, :2].tolist()))
            extra = extra[[tuple(r) not in known for r in extra[:, :2].tolist()]]
            extra = extra[extra[:, 2] < threshold * 1_000_000]
            if len(extra):
                a, b = int(pairs[p, 0]), int(pairs[p, 1])
                left_ids, left_at = np.unique(extra[:, 0], return_inverse=True)
                right_ids, right_at = np.unique(extra[:, 1], return_inverse=True)
                left = self.model.embed(self._sentence_texts(a, left_ids), norm=True)
                right = self.model.embed(self._sentence_texts(b, right_ids), norm=True)
                self.embedded += len(left_ids) + len(right_ids)
                cos = np.einsum("ij,ij->i", left[left_at], right[right_at])
                extra = extra[cos >= self.cosine].copy()
                extra[:, 3] = 1
                self.added += len(extra)
            merged = np.concatenate([have, extra]) if len(extra) else have
            rows.append(merged[np.lexsort((merged[:, 1], merged[:, 0]))] if len(merged) else merged)
        self.seconds += time.perf_counter() - began
        counts = np.array([len(r) for r in rows], dtype=np.int64)
        new_offsets = np.zeros(len(pairs) + 1, dtype=np.int64)
        np.cumsum(counts, out=new_offsets[1:])
        return new_offsets, (np.concatenate(rows) if rows else found)


# The scan's own functions, which the hook wraps.
MASK, SEEDS = pipeline.mask_site_boilerplate, pipeline.batch_seeds


def run(root: Path, workers: int, hook: Optional[SemanticSeeds]) -> tuple[dict, float]:
    if hook:
        pipeline.mask_site_boilerplate, pipeline.batch_seeds = hook.numbered, hook
    try:
        articles, skipped = read_corpus([root / "src", root / "susp"])
        began = time.perf_counter()
        report = pipeline.scan_articles(articles, workers=workers, skipped=skipped)
        return pan.evaluate(root, report_dict(report)["pairs"]), time.perf_counter() - began
    finally:
        pipeline.mask_site_boilerplate, pipeline.batch_seeds = MASK, SEEDS


def show(title: str, result: dict, seconds: float) -> None:
    print(f"{title}: {seconds:.1f} s")
    for kind, m in [*result["types"].items(), ("overall", result["overall"])]:
        extra = f"  pair recall {m['pair_recall']:.3f}" if "pair_recall" in m else ""
        print(f"  {kind:<12} plagdet {m['plagdet']:.3f}  recall {m['recall']:.3f}  precision {m['precision']:.3f}{extra}")
    print(f"  false pairs among the 1,000 no-plagiarism pairs: {result['false_pairs_no_plagiarism']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the PAN 2013 training corpus folder")
    parser.add_argument("--workers", type=int, default=pipeline.default_workers())
    parser.add_argument("--lexical", type=float, default=0.1, help="least weighted Dice for a semantic seed")
    parser.add_argument("--cosine", type=float, default=0.8, help="least embedding cosine for a semantic seed")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without semantic seeds")
    args = parser.parse_args()
    began = time.perf_counter()
    model = load_model()
    load_seconds = time.perf_counter() - began
    if not args.no_baseline:
        show("provenance", *run(args.root, args.workers, None))
    hook = SemanticSeeds(model, args.lexical, args.cosine)
    show(f"with semantic seeds (Dice >= {args.lexical}, cosine >= {args.cosine})", *run(args.root, args.workers, hook))
    print(f"model load {load_seconds:.1f} s; {hook.embedded:,} sentences embedded in {hook.seconds:.1f} s "
          f"(selection included); {hook.added:,} semantic seeds added")
    return 0


if __name__ == "__main__":
    sys.exit(main())
