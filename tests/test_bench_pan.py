"""The PAN 2013 benchmark script (bench/pan.py): its measures, and a run on a corpus in PAN's layout.

bench/ is not part of the package. PAN's data is not in the project (its path is an argument),
so the end-to-end test lays out the seeds as PAN would: the figures bench/README quotes are
only as good as the scoring that makes them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from provenance.align import MIN_SURPRISE
from provenance.settings import Settings
from tests.conftest import SEED_000, SEED_002, SEEDS

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import pan  # noqa: E402


def test_plagdet_of_exact_partial_and_split_detections():
    case = pan.Case("s", "r", 100, 200, 0, 100)
    exact = pan.pan_measures([case], [case])
    assert exact == {"recall": 1.0, "precision": 1.0, "granularity": 1.0, "plagdet": 1.0}
    # Half of each side found, nothing more: recall 0.5, precision 1.
    half = pan.pan_measures([case], [pan.Case("s", "r", 100, 150, 0, 50)])
    assert half["recall"] == 0.5 and half["precision"] == 1.0 and half["plagdet"] == pytest.approx(2 / 3, abs=1e-4)
    # The case found whole in two pieces: granularity 2 halves plagdet (log2(1 + 2) = 1.585).
    split = pan.pan_measures([case], [pan.Case("s", "r", 100, 150, 0, 50), pan.Case("s", "r", 150, 200, 50, 100)])
    assert split["recall"] == 1.0 and split["granularity"] == 2.0 and split["plagdet"] == pytest.approx(1 / 1.585, abs=1e-3)
    # A detection of another pair finds nothing, and counts against precision.
    elsewhere = pan.pan_measures([case], [pan.Case("s", "other", 100, 200, 0, 100)])
    assert elsewhere["recall"] == 0.0 and elsewhere["precision"] == 0.0 and elsewhere["plagdet"] == 0.0


def _feature(susp: str, src: str, this: str, source: str) -> str:
    return (f'<document reference="{susp}">\n<feature name="plagiarism" obfuscation="random" source_length="{len(source)}" '
            f'source_offset="0" source_reference="{src}" this_length="{len(this)}" this_offset="0" type="artificial" />\n</document>\n')


@pytest.fixture(scope="module")
def pan_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds in PAN's layout: seed 002 (a spin of 000) listed as random obfuscation of 000;
    seeds 001 and 003 (two stories) listed as a reuse that is not there; 004 and 000 as no plagiarism."""
    root = tmp_path_factory.mktemp("pan")
    text = {name[:3]: (SEEDS / name).read_text(encoding="utf-8") for name in (p.name for p in SEEDS.glob("*.txt"))}
    for folder in ("src", "susp", *pan.TYPES, pan.NEGATIVE_FOLDER):
        (root / folder).mkdir()
    sources = {"000": "source-document00000.txt", "001": "source-document00001.txt", "004": "source-document00004.txt"}
    suspects = {"002": "suspicious-document00002.txt", "003": "suspicious-document00003.txt", "000": "suspicious-document00000.txt"}
    for seed, name in sources.items():
        (root / "src" / name).write_text(text[seed], encoding="utf-8")
    for seed, name in suspects.items():
        (root / "susp" / name).write_text(text[seed], encoding="utf-8")
    listed = {"03-random-obfuscation": [("002", "000"), ("003", "001")], pan.NEGATIVE_FOLDER: [("000", "004")]}
    for folder in (*pan.TYPES, pan.NEGATIVE_FOLDER):
        rows = listed.get(folder, [])
        (root / folder / "pairs").write_text("".join(f"{suspects[s]} {sources[r]}\n" for s, r in rows))
        for s, r in rows:
            xml = _feature(suspects[s], sources[r], text[s], text[r]) if folder != pan.NEGATIVE_FOLDER else \
                f'<document reference="{suspects[s]}">\n</document>\n'
            (root / folder / f"{suspects[s][:-4]}-{sources[r][:-4]}.xml").write_text(xml)
    return root


def test_a_run_scores_what_it_found_and_says_where_it_lost_the_rest(pan_corpus, tmp_path):
    figures, misses = tmp_path / "figures.json", tmp_path / "misses.jsonl"
    done = subprocess.run([sys.executable, str(BENCH / "pan.py"), str(pan_corpus), "--workers", "1", "--json", str(figures),
                           "--misses", str(misses)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(figures.read_text())
    random = result["types"]["random"]
    assert random["pairs"] == 2 and random["pair_recall"] == 0.5  # the spin found, the two stories not
    # Macro recall over the two cases: the spin's passages cover most of it (not all of both texts), the stories' none.
    assert 0.25 < random["recall"] < 0.5 and random["precision"] > 0.5
    assert result["false_pairs_no_plagiarism"] == 0
    [row] = [json.loads(line) for line in misses.read_text().splitlines()]
    assert (row["type"], row["susp"], row["src"]) == ("random", "suspicious-document00003.txt", "source-document00001.txt")
    # Two stories of one event, written apart (seeds/ABOUT.md): what they share seeds them, but makes no passage.
    assert row["lost at"] == "no passage" and row["seeds"] >= 1 and row["passages"] == []
    assert result["misses"]["random"][row["lost at"]] == 1 and sum(result["misses"]["random"].values()) == 1
    assert "missed at" in done.stdout
    # Told where the "copy" lies (both whole texts), no span of the two stories is surprising enough to be one.
    assert row["case surprise"] is None or row["case surprise"] < MIN_SURPRISE
    assert result["misses_with_a_surprising_case"]["random"] == 0


def test_a_copy_told_where_it_lies_is_surprising_and_topic_is_not(tmp_path):
    # Two paragraphs of 000 inside another story of the same event (001): told where they lie, the best
    # span of the copy is far past the surprise a passage needs; told of a "copy" in 001's own
    # paragraphs, which 000 does not hold, it is not.
    source = (SEEDS / SEED_000).read_text(encoding="utf-8")
    story = (SEEDS / "001_71f3c18bbb394e61.txt").read_text(encoding="utf-8")
    paragraphs = source.split("\n\n")
    taken = "\n\n".join(paragraphs[3:5])
    half = story.index("\n\n", len(story) // 2)
    suspect = story[:half] + "\n\n" + taken + story[half:]
    for folder in ("src", "susp", *pan.TYPES, pan.NEGATIVE_FOLDER):
        (tmp_path / folder).mkdir()
    (tmp_path / "src" / "source-document00000.txt").write_text(source, encoding="utf-8")
    (tmp_path / "susp" / "suspicious-document00001.txt").write_text(suspect, encoding="utf-8")
    for folder in (*pan.TYPES, pan.NEGATIVE_FOLDER):
        (tmp_path / folder / "pairs").write_text("")
    pair = ("suspicious-document00001.txt", "source-document00000.txt")
    copy = pan.Case(*pair, half + 2, half + 2 + len(taken), source.index(taken), source.index(taken) + len(taken))
    elsewhere = pan.Case(*pair, 0, half, copy.src_start, copy.src_end)
    for case, surprising in ((copy, True), (elsewhere, False)):
        [row] = pan.diagnose_misses(tmp_path, Settings(), {"random": [pair]}, True, 1, {"random": [case]})
        assert (row["case surprise"] is not None and row["case surprise"] >= MIN_SURPRISE) is surprising, row
