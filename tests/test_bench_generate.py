"""The synthetic corpus generator (bench/generate.py) and the benchmark runner (bench/run.py).

bench/ is not part of the package; these tests only check that the benchmark's
ground truth can be trusted (deterministic, the promised kinds, sources dated
before their derived articles) and that the runner works end to end.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("news")
    generate.generate(300, out, seed=7, workers=1, progress=False, block_size=150)
    return out


def test_same_seed_gives_identical_bytes_whatever_the_workers(corpus: Path, tmp_path: Path) -> None:
    generate.generate(300, tmp_path, seed=7, workers=2, progress=False, block_size=150)
    assert (tmp_path / "articles.jsonl").read_bytes() == (corpus / "articles.jsonl").read_bytes()
    assert (tmp_path / "truth.json").read_bytes() == (corpus / "truth.json").read_bytes()


def test_another_seed_gives_another_corpus(corpus: Path, tmp_path: Path) -> None:
    generate.generate(300, tmp_path, seed=8, workers=1, progress=False, block_size=150)
    assert (tmp_path / "articles.jsonl").read_bytes() != (corpus / "articles.jsonl").read_bytes()


def test_count_ids_and_fields(corpus: Path) -> None:
    records = [json.loads(line) for line in (corpus / "articles.jsonl").read_text().splitlines()]
    assert len(records) == 300
    assert len({r["id"] for r in records}) == 300
    assert all(set(r) == {"id", "text", "title", "published"} for r in records)
    assert 300 < sum(len(r["text"].split()) for r in records) / 300 < 700


def test_families_have_every_kind_and_sources_come_first(corpus: Path) -> None:
    truth = json.loads((corpus / "truth.json").read_text())
    published = {json.loads(line)["id"]: json.loads(line)["published"] for line in (corpus / "articles.jsonl").read_text().splitlines()}
    assert {e["kind"] for e in truth["edges"]} == set(generate.KINDS)
    assert all(published[e["source"]] < published[e["derived"]] for e in truth["edges"])
    assert all(0.0 < e["overlap"] <= 1.0 for e in truth["edges"])
    assert all(e["overlap"] == 1.0 for e in truth["edges"] if e["kind"] == "copy")
    # One parent each, and each family a tree with its planted root.
    derived = [e["derived"] for e in truth["edges"]]
    assert len(derived) == len(set(derived))
    for family in truth["families"]:
        assert family["root"] not in derived
        assert sum(1 for a in family["articles"] if a not in derived) == 1
    # Multi-generation: some derived article is itself a source.
    assert set(derived) & {e["source"] for e in truth["edges"]}


def test_copies_are_verbatim(corpus: Path) -> None:
    text = {json.loads(line)["id"]: json.loads(line)["text"] for line in (corpus / "articles.jsonl").read_text().splitlines()}
    truth = json.loads((corpus / "truth.json").read_text())
    copies = [e for e in truth["edges"] if e["kind"] == "copy"]
    assert copies and all(text[e["source"]] == text[e["derived"]] for e in copies)


def test_syndicated_stories_are_added_after_the_corpus_and_found_whole(corpus: Path, tmp_path: Path) -> None:
    # A story copied on 70 sites (more than max_bucket, 64): the corpus before it is unchanged, and
    # a scan finds every copy with the story as its source.
    from provenance.pipeline import scan

    generate.generate(300, tmp_path, seed=7, workers=1, progress=False, block_size=150, syndicated=1, copies=70)
    lines = (tmp_path / "articles.jsonl").read_text().splitlines()
    assert "\n".join(lines[:300]) + "\n" == (corpus / "articles.jsonl").read_text()
    records = [json.loads(line) for line in lines[300:]]
    assert len(records) == 71 and len({r["url"] for r in records}) == 71  # each on a site of its own
    truth = json.loads((tmp_path / "truth.json").read_text())
    syndicated = [e for e in truth["edges"] if e["kind"] == generate.SYNDICATED]
    assert len(syndicated) == 70 and {e["source"] for e in syndicated} == {records[0]["id"]}
    assert truth["articles"] == 371 and truth["kinds"][generate.SYNDICATED] == 70
    found = {(m.source, m.derived) for m in scan([tmp_path / "articles.jsonl"], workers=1).matches}
    assert {(e["source"], e["derived"]) for e in syndicated} <= found


def test_run_end_to_end(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), str(corpus), "--dates", "both", "--workers", "1", "--baseline-sample", "60", "--json", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.read_text())
    assert set(result["scans"]) == {"with_dates", "without_dates"}
    quality = result["scans"]["with_dates"]["quality"]
    assert set(quality["by_kind"]) == set(generate.KINDS)
    assert quality["recall"] > 0.5
    stages = result["scans"]["with_dates"]["stages"]
    assert set(stages) == {"boilerplate", "shingle", "windows", "candidates", "verify", "trees"}
    # Each stage's own peak, none above the whole scan's (sampled with psutil, of the bench extra: 0 without it).
    peaks = [s["peak_memory_mib"] for s in stages.values()]
    assert max(peaks) <= result["scans"]["with_dates"]["peak_memory_mib"]
    assert (min(peaks) > 0) == (importlib.util.find_spec("psutil") is not None)
    assert {"provenance", "datasketch (usual)", "datasketch (tuned)"} <= set(result["baselines"]["tools"])
    assert result["baselines"]["permutations"] == 128  # issue 6's baselines: one 128-permutation signature an article
    assert "pairs reported" in done.stdout


def test_accents_bench_runs_and_finds_both_paths_equal(corpus: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH / "accents.py"), str(corpus), "--articles", "100", "--workers", "1",
                           "--repeat", "1"], capture_output=True, text=True, check=True)
    assert "identical arrays" in done.stdout and "Python path: the baseline" in done.stdout


def test_scan_json_is_identical_whatever_the_string_hash_seed(corpus: Path, tmp_path: Path) -> None:
    """Families of copies tie in the tree; ties must not be broken by hash-seeded set order."""
    outputs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"report-{seed}.json"
        subprocess.run(
            [sys.executable, "-m", "provenance.cli", "scan", str(corpus), "--format", "json", "-o", str(out), "--workers", "1"],
            check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_numpy_word_shingles_are_the_regex_word_5grams() -> None:
    """The numpy-fed rensa baseline hashes the same 5-grams the other baselines take as strings."""
    import run

    texts = [
        "The quick brown fox jumps over the lazy dog, and THE QUICK brown fox jumps over the lazy dog again.",
        "Short text.",
        "",
        "Café au lait — naïve coöperation in São Paulo, 2024: the café reopened; the café reopened.",
        "one two three four five",
        "snake_case words and digits 42 count as words, as \\w says",
    ]
    hashes, offsets = run.numpy_word_shingles(texts * 30)  # several batches of NUMPY_BATCH
    assert len(offsets) == len(texts) * 30 + 1
    by_gram: dict[str, int] = {}
    for k, text in enumerate(texts * 30):
        tokens = run._TOKEN.findall(text.lower())
        grams = [" ".join(tokens[i : i + 5]) for i in range(len(tokens) - 4)]
        mine = hashes[int(offsets[k]) : int(offsets[k + 1])].tolist()
        assert len(mine) == len(grams)  # one hash per 5-gram position
        for gram, value in zip(grams, mine):
            assert by_gram.setdefault(gram, value) == value  # a 5-gram always hashes alike
    assert len(set(by_gram.values())) == len(by_gram)  # and distinct 5-grams apart


def test_banded_pairs_match_rows_equal_in_a_band() -> None:
    import numpy as np
    import run

    digests = np.arange(5 * 8, dtype=np.uint32).reshape(5, 8)
    digests[3, 4:6] = digests[1, 4:6]  # rows 1 and 3 agree in band 2 of 4
    digests[4] = digests[0]
    assert run.banded_pairs(digests, 4) == {(0, 4), (1, 3)}
