"""The seed corpus result the project promises: 000 → 002, and nothing else claimed."""

from __future__ import annotations

from tests.conftest import SEED_000, SEED_002


def test_only_derivation_is_000_to_002(seed_report):
    pairs = [(m.source, m.derived) for m in seed_report.matches]
    assert pairs == [(SEED_000, SEED_002)]


def test_000_to_002_overlap_and_direction(seed_report):
    match = seed_report.matches[0]
    assert match.overlap >= 0.5
    assert match.source == SEED_000 and match.derived == SEED_002
    assert match.relation in {"rewrite", "near-copy"}
    assert 0.0 <= match.jaccard <= 1.0
    # 002 is condensed: 000 keeps material 002 dropped, and is not credited as reused.
    assert 0.5 <= match.source_overlap < 0.85 < match.overlap


def test_one_tree_rooted_at_000(seed_report):
    assert len(seed_report.trees) == 1
    tree = seed_report.trees[0]
    assert tree.root == SEED_000
    assert tree.articles == (SEED_000, SEED_002)
    assert [(e.source, e.derived) for e in tree.edges] == [(SEED_000, SEED_002)]


def test_passages_point_into_original_text(seed_report):
    texts = {a.id: a.text for a in seed_report.articles}
    match = seed_report.matches[0]
    for passage in match.passages:
        assert 0 <= passage.source_start < passage.source_end <= len(texts[match.source])
        assert 0 <= passage.derived_start < passage.derived_end <= len(texts[match.derived])
    # The first passage of 002 starts on its story, after the date line.
    first = match.passages[0]
    assert not texts[SEED_002][first.derived_start : first.derived_end].startswith("Sat.")
