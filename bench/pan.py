"""PAN 2013 text-alignment benchmark in discovery mode: the whole corpus in, no pairs given.

Reads PAN's own layout (``src/``, ``susp/``, one folder per obfuscation type with a
``pairs`` file and one XML of reuse cases per pair), runs provenance over ``src/``
and ``susp/`` together, and scores what it found with PAN's character-level
measures (Potthast et al., COLING 2010): macro recall and precision counting
both the suspicious and the source side, granularity, and
plagdet = F1 / log2(1 + granularity); plus pair recall per type and false pairs
among the no-plagiarism pairs. Usage::

    python bench/pan.py ../shared/data/pan13-text-alignment-training [--workers 2] [--json out.json] [--pairs-given]
        [--misses misses.jsonl]

``--misses`` says, for every listed pair of reuse that was not reported, the first step that lost
it (``diagnose_misses``), with a count per type and step.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import resource
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from provenance.pipeline import default_workers, scan
from provenance.settings import Settings

TYPES = {
    "02-no-obfuscation": "none",
    "03-random-obfuscation": "random",
    "04-translation-obfuscation": "translation",
    "05-summary-obfuscation": "summary",
}
NEGATIVE_FOLDER = "01-no-plagiarism"


@dataclasses.dataclass(frozen=True)
class Case:
    """A reuse case or a detection: a span in the suspicious and in the source document."""

    susp: str
    src: str
    this_start: int
    this_end: int
    src_start: int
    src_end: int


def load_truth(root: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[Case]]]:
    """Pairs per folder, and true cases per obfuscation type."""
    pairs: dict[str, list[tuple[str, str]]] = {}
    cases: dict[str, list[Case]] = defaultdict(list)
    for folder in [NEGATIVE_FOLDER, *TYPES]:
        listed = [tuple(line.split()) for line in (root / folder / "pairs").read_text().splitlines() if line.strip()]
        pairs[folder] = listed  # type: ignore[assignment]
        for susp, src in listed:
            tree = ET.parse(root / folder / f"{susp[:-4]}-{src[:-4]}.xml")
            for feature in tree.getroot().iter("feature"):
                if feature.get("name") != "plagiarism":
                    continue
                this_offset, this_length = int(feature.get("this_offset")), int(feature.get("this_length"))
                src_offset, src_length = int(feature.get("source_offset")), int(feature.get("source_length"))
                # Artificial cases name their obfuscation; translation chains and summaries only a type.
                kind = feature.get("obfuscation") or feature.get("type", "none")
                kind = {"translation-chain": "translation", "artificial": "none"}.get(kind, kind)
                cases[kind].append(Case(susp, src, this_offset, this_offset + this_length, src_offset, src_offset + src_length))
    return pairs, cases


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if end > start else None


def _union_length(spans: list[tuple[int, int]]) -> int:
    total, reach = 0, -1
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def _size(case: Case) -> int:
    return (case.this_end - case.this_start) + (case.src_end - case.src_start)


def _covered(target: Case, others: list[Case]) -> int:
    """Characters of ``target`` (both sides) inside any of ``others``."""
    this, src = [], []
    for other in others:
        a = _overlap((target.this_start, target.this_end), (other.this_start, other.this_end))
        b = _overlap((target.src_start, target.src_end), (other.src_start, other.src_end))
        if a and b:
            this.append(a)
            src.append(b)
    return _union_length(this) + _union_length(src)


def _detects(case: Case, detection: Case) -> bool:
    return (
        case.susp == detection.susp
        and case.src == detection.src
        and _overlap((case.this_start, case.this_end), (detection.this_start, detection.this_end)) is not None
        and _overlap((case.src_start, case.src_end), (detection.src_start, detection.src_end)) is not None
    )


def pan_measures(cases: list[Case], detections: list[Case]) -> dict[str, float]:
    """PAN's macro character recall, precision, granularity and plagdet."""
    by_pair: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for detection in detections:
        by_pair[(detection.susp, detection.src)].append(detection)
    cases_by_pair: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for case in cases:
        cases_by_pair[(case.susp, case.src)].append(case)
    recall_sum, detected, granularity_sum = 0.0, 0, 0
    for case in cases:
        hits = [d for d in by_pair[(case.susp, case.src)] if _detects(case, d)]
        recall_sum += _covered(case, hits) / _size(case)
        if hits:
            detected += 1
            granularity_sum += len(hits)
    precision_sum = 0.0
    for detection in detections:
        hits = [c for c in cases_by_pair[(detection.susp, detection.src)] if _detects(c, detection)]
        precision_sum += _covered(detection, hits) / max(1, _size(detection))
    recall = recall_sum / len(cases) if cases else 0.0
    precision = precision_sum / len(detections) if detections else 0.0
    granularity = granularity_sum / detected if detected else 1.0
    f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
    return {
        "recall": round(recall, 4),
        "precision": round(precision, 4),
        "granularity": round(granularity, 4),
        "plagdet": round(f1 / math.log2(1 + granularity), 4),
    }


def detections_from_report(report_pairs: list[dict]) -> tuple[list[Case], set[tuple[str, str]]]:
    """PAN detections (suspicious side first) and the set of pairs reported."""
    detections, found = [], set()
    for pair in report_pairs:
        source, derived = pair["source"], pair["derived"]
        if derived.startswith("susp") and source.startswith("source"):
            susp, src, flip = derived, source, False
        elif source.startswith("susp") and derived.startswith("source"):
            susp, src, flip = source, derived, True
        else:
            continue
        found.add((susp, src))
        for p in pair["passages"]:
            if flip:
                detections.append(Case(susp, src, p["source_start"], p["source_end"], p["derived_start"], p["derived_end"]))
            else:
                detections.append(Case(susp, src, p["derived_start"], p["derived_end"], p["source_start"], p["source_end"]))
    return detections, found


def evaluate(root: Path, report_pairs: list[dict]) -> dict:
    """Every figure of the benchmark for one report."""
    pairs, cases = load_truth(root)
    detections, found = detections_from_report(report_pairs)
    listed = {pair for folder_pairs in pairs.values() for pair in folder_pairs}
    result: dict = {"types": {}}
    all_cases: list[Case] = []
    for folder, kind in TYPES.items():
        positive = {(c.susp, c.src) for c in cases[kind]}
        folder_pairs = set(pairs[folder])
        type_cases = [c for c in cases[kind] if (c.susp, c.src) in folder_pairs]
        all_cases += type_cases
        type_detections = [d for d in detections if (d.susp, d.src) in folder_pairs]
        measures = pan_measures(type_cases, type_detections)
        measures["pair_recall"] = round(len(positive & found) / len(positive), 4) if positive else 0.0
        measures["pairs"] = len(positive)
        measures["negatives_claimed"] = len((folder_pairs - positive) & found)
        result["types"][kind] = measures
    listed_detections = [d for d in detections if (d.susp, d.src) in listed]
    result["overall"] = pan_measures(all_cases, listed_detections)
    result["false_pairs_no_plagiarism"] = len(set(pairs[NEGATIVE_FOLDER]) & found)
    result["unlisted_pairs_reported"] = len(found - listed)
    return result


def _give_pairs(root: Path) -> None:
    """Make the scan verify PAN's listed pairs as well as its own candidates.

    The scan's articles are numbered in the order ``mask_site_boilerplate`` first sees them
    (sorted by id); the listed pairs join the candidates ``find_candidates_signing`` gives.
    """
    import dataclasses

    import numpy as np

    from provenance import pipeline

    pairs, _ = load_truth(root)
    listed = sorted({pair for folder_pairs in pairs.values() for pair in folder_pairs})
    mask, find = pipeline.mask_site_boilerplate, pipeline.find_candidates_signing
    position: dict[str, int] = {}

    def numbered(articles, *rest):  # type: ignore[no-untyped-def]
        position.update((article.id, k) for k, article in enumerate(articles))
        return mask(articles, *rest)

    def with_listed(*args, **kwargs):  # type: ignore[no-untyped-def]
        candidates = find(*args, **kwargs)
        given = np.array([sorted((position[a], position[b])) for a, b in listed if a in position and b in position],
                         dtype=np.int64).reshape(-1, 2)
        both = np.unique(np.concatenate([candidates.pairs, given]), axis=0)
        nothing = np.zeros(len(both), dtype=np.int64)
        return dataclasses.replace(candidates, pairs=both, hits=nothing, weights=nothing)

    pipeline.mask_site_boilerplate, pipeline.find_candidates_signing = numbered, with_listed


# Most span pairs ``_case_surprise`` tries inside one reuse case; a larger case is judged as a whole.
CASE_SPANS = 100_000


def _case_sentences(shingled, article: int, first: int, end: int) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    """The sentences ``[s0, s1)`` of an article that hold the words of its characters ``[first, end)``
    (``None`` if no word lies there)."""
    import numpy as np

    words = shingled[article]
    w0, w1 = int(np.searchsorted(words.ends, first, side="right")), int(np.searchsorted(words.starts, end, side="left")) - 1
    if w0 > w1:
        return None
    first_sentence, last_sentence = np.searchsorted(words.sentence_starts, [w0, w1], side="right") - 1
    return int(first_sentence), int(last_sentence) + 1


def _sub_spans(first: int, end: int) -> list[tuple[int, int]]:
    """Every span ``[x, y)`` of sentences inside ``[first, end)``."""
    return [(x, y) for x in range(first, end) for y in range(x + 1, end + 1)]


def _case_surprise(ix, shingled, a: int, b: int, spans: list[tuple[tuple[int, int], tuple[int, int]]],  # type: ignore[no-untyped-def]
                   min_words: int) -> float | None:
    """The most surprising span pair inside a pair's true reuse cases that passes a passage's floors.

    For each case (characters ``spans[k] = (in a, in b)``), every pair of sentence spans inside it
    on both sides (all of them, up to ``CASE_SPANS``; past that the case as a whole) that holds
    ``min_words`` and is as similar as a passage must be, scored by ``surprise.concentration``:
    how far the pair is from ``align.MIN_SURPRISE`` even when told where the copy lies, with no
    correction for looking (``None``: no such span).
    """
    from provenance.align import MIN_PASSAGE_SIMILARITY, _too_small, span_similarity
    from provenance.surprise import concentration

    best = None
    for in_a, in_b in spans:
        sentences_a, sentences_b = _case_sentences(shingled, a, *in_a), _case_sentences(shingled, b, *in_b)
        if sentences_a is None or sentences_b is None:
            continue
        (a0, a1), (b0, b1) = sentences_a, sentences_b
        spans_a, spans_b = _sub_spans(a0, a1), _sub_spans(b0, b1)
        if len(spans_a) * len(spans_b) > CASE_SPANS:
            spans_a, spans_b = [(a0, a1)], [(b0, b1)]
        for x0, x1 in spans_a:
            for y0, y1 in spans_b:
                surprising = concentration(ix, a, b, x0, x1, y0, y1)
                if best is not None and surprising <= best:
                    continue
                similarity, size_a, size_b = span_similarity(ix, a, b, x0, x1, y0, y1)
                if not _too_small(size_a, size_b, min_words) and similarity >= MIN_PASSAGE_SIMILARITY:
                    best = surprising
    return best


# The steps a listed pair of reuse can be lost at, in the order the pipeline takes them.
MISS_STEPS = ("not read", "not a candidate", "no seed", "no passage", "below confidence", "not lost here")


def diagnose_misses(root: Path, settings: Settings, missed: dict[str, list[tuple[str, str]]], pairs_given: bool,
                    workers: int, cases: dict[str, list[Case]] | None = None) -> list[dict]:
    """Where each missed pair (per type, ``(susp, src)``) was lost: the first of ``MISS_STEPS`` it failed.

    Runs the scan's steps again on the pairs alone, with the library's own functions in the
    scan's order: ingest, per-site boilerplate, shingles and vocabulary, the LSH candidates (not
    asked of ``pairs_given`` runs, which verify every listed pair), then the sentence index,
    seeding (``batch_seeds``), extension (``extend``) and the confidence a match needs.
    "not lost here" would mean this account and the scan disagree. With the true ``cases`` (per
    type), each row also says how surprising the best span inside them is (``_case_surprise``).
    """
    import numpy as np

    from provenance.align import IndexArrays, extend
    from provenance.boilerplate import mask_site_boilerplate
    from provenance.candidates import earliest_first
    from provenance.ingest import read_corpus
    from provenance.pipeline import candidates_of, shingle_articles, signature_kinds
    from provenance.score import confidence
    from provenance.sentences import SentenceIndex, batch_seeds
    from provenance.shingle import Vocabulary

    articles, _ = read_corpus([root / "src", root / "susp"])
    articles = mask_site_boilerplate(sorted(articles, key=lambda a: a.id))
    position = {a.id: k for k, a in enumerate(articles)}
    shingled = shingle_articles(articles, workers)
    vocabulary = Vocabulary.build(shingled)
    shingled = dataclasses.replace(shingled, hashes=vocabulary.ranks(shingled.hashes))
    candidates: set[tuple[int, int]] = set()
    if not pairs_given:
        found = candidates_of(signature_kinds(shingled, vocabulary, settings), len(articles), settings,
                              earliest_first([a.published for a in articles]))
        candidates = set(map(tuple, found.pairs.tolist()))
    index = SentenceIndex.build(shingled, vocabulary)
    arrays = IndexArrays.of(index)
    rows = [(kind, susp, src) for kind, listed in missed.items() for susp, src in listed]
    read = [(kind, susp, src) for kind, susp, src in rows if susp in position and src in position]
    numbers = np.array([sorted((position[susp], position[src])) for _, susp, src in read], dtype=np.int64).reshape(-1, 2)
    offsets, seeds = batch_seeds(index, numbers, settings.sentence_similarity)
    ranges = np.stack([offsets[:-1], offsets[1:]], axis=1)
    passages = extend(index, numbers, ranges, seeds, settings.max_gap, settings.min_passage_words, settings.sentence_similarity)
    out = [{"type": kind, "susp": susp, "src": src, "lost at": MISS_STEPS[0]} for kind, susp, src in rows if (kind, susp, src) not in read]
    for (kind, susp, src), pair, (first, last), found_passages in zip(read, numbers.tolist(), ranges.tolist(), passages):
        strong = seeds[first:last][seeds[first:last, 3] == 1]
        sure = confidence(found_passages) if found_passages else 0.0
        if not pairs_given and tuple(pair) not in candidates:
            step = "not a candidate"
        elif len(strong) == 0:
            step = "no seed"
        elif not found_passages:
            step = "no passage"
        elif sure < settings.min_confidence:
            step = "below confidence"
        else:
            step = "not lost here"
        out.append({
            "type": kind, "susp": susp, "src": src, "lost at": step, "seeds": len(strong),
            "best seed": round(int(strong[:, 2].max()) / 1e6, 3) if len(strong) else None,
            "passages": [{"evidence": round(p.evidence, 2), "surprise": round(p.surprise, 2), "similarity": round(p.similarity, 3)}
                         for p in found_passages],
            "confidence": round(sure, 3),
        })
        if cases is not None:
            a, b = pair
            spans = [((c.this_start, c.this_end), (c.src_start, c.src_end)) if articles[a].id == susp else
                     ((c.src_start, c.src_end), (c.this_start, c.this_end)) for c in cases[kind] if (c.susp, c.src) == (susp, src)]
            surprising = _case_surprise(arrays, shingled, a, b, spans, settings.min_passage_words)
            out[-1]["case surprise"] = None if surprising is None else round(surprising, 2)
    return sorted(out, key=lambda row: (row["type"], row["susp"], row["src"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the PAN 2013 training corpus folder")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--report", type=Path, help="also write provenance's JSON report here")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a setting")
    parser.add_argument("--pairs-given", action="store_true",
                        help="add PAN's listed pairs to the LSH candidates (PAN's own task): the candidate stage's upper bound")
    parser.add_argument("--misses", type=Path, help="write where each missed pair was lost here (JSON lines), and count them")
    args = parser.parse_args()
    from provenance.report import report_dict, to_json

    began = time.perf_counter()
    overrides = {}
    for item in args.set:
        name, _, value = item.partition("=")
        overrides[name] = type(getattr(Settings(), name))(value)
    settings = Settings().replace(**overrides)
    if args.pairs_given:
        _give_pairs(args.root)
    report = scan([args.root / "src", args.root / "susp"], settings, workers=args.workers)
    wall = time.perf_counter() - began
    data = report_dict(report)
    if args.report:
        args.report.write_text(to_json(report))
    peak_mib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024
    result = evaluate(args.root, data["pairs"])
    result.update(
        articles=len(report.articles),
        pairs_reported=len(report.matches),
        wall_seconds=round(wall, 2),
        peak_memory_mib=round(peak_mib),
        workers=args.workers,
        stages=dict(report.timings),
        settings=settings.as_dict(),
        pairs_given=args.pairs_given,
    )
    mode = "listed pairs given" if args.pairs_given else "discovery mode"
    print(f"PAN 2013 training, {mode}: {result['articles']} articles, {result['pairs_reported']} pairs reported")
    header = f"{'type':<12}{'plagdet':>9}{'recall':>8}{'prec':>8}{'gran':>7}{'pairRec':>9}{'negPairs':>10}"
    print(header)
    for kind, m in result["types"].items():
        print(f"{kind:<12}{m['plagdet']:>9.3f}{m['recall']:>8.3f}{m['precision']:>8.3f}{m['granularity']:>7.3f}{m['pair_recall']:>9.3f}{m['negatives_claimed']:>10}")
    o = result["overall"]
    print(f"{'overall':<12}{o['plagdet']:>9.3f}{o['recall']:>8.3f}{o['precision']:>8.3f}{o['granularity']:>7.3f}")
    print(f"false pairs among the 1,000 no-plagiarism pairs: {result['false_pairs_no_plagiarism']}")
    print(f"pairs reported outside PAN's lists: {result['unlisted_pairs_reported']}")
    print(f"wall {result['wall_seconds']} s, peak memory {result['peak_memory_mib']} MiB, {args.workers} workers; stages {result['stages']}")
    if args.misses:
        _, cases = load_truth(args.root)
        _, found = detections_from_report(data["pairs"])
        missed = {kind: sorted({(c.susp, c.src) for c in cases[kind]} - found) for kind in TYPES.values()}
        rows = diagnose_misses(args.root, settings, missed, args.pairs_given, args.workers, cases)
        args.misses.write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))
        counts = {kind: {step: sum(1 for r in rows if r["type"] == kind and r["lost at"] == step) for step in MISS_STEPS}
                  for kind in TYPES.values()}
        result["misses"] = counts
        print(f"{'missed at':<12}" + "".join(f"{step:>18}" for step in MISS_STEPS))
        for kind, by_step in counts.items():
            print(f"{kind:<12}" + "".join(f"{by_step[step]:>18}" for step in MISS_STEPS))
        from provenance.align import MIN_SURPRISE

        # How many missed pairs a passage judged by its surprise could rescue, were it told where the copy lies.
        reachable = {kind: sum(1 for r in rows if r["type"] == kind and r.get("case surprise") is not None
                               and r["case surprise"] >= MIN_SURPRISE) for kind in TYPES.values()}
        result["misses_with_a_surprising_case"] = reachable
        print(f"missed pairs whose true cases hold a span of surprise >= {MIN_SURPRISE:g} (as told where the copy lies): "
              + ", ".join(f"{kind} {n}" for kind, n in reachable.items()))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
