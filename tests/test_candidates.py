"""candidates: sort-based LSH banding over window signatures."""

from __future__ import annotations

import numpy as np

from provenance.candidates import find_candidates
from provenance.signatures import sign_ranges


def _signatures(sets: list[list[int]], num_perm: int = 64) -> np.ndarray:
    values = np.concatenate([np.array(s, dtype=np.uint32) for s in sets])
    bounds = np.cumsum([0] + [len(s) for s in sets])
    return sign_ranges(values, np.stack([bounds[:-1], bounds[1:]], axis=1), num_perm, 1)


def test_identical_windows_collide_unrelated_do_not():
    sets = [list(range(0, 20)), list(range(100, 120)), list(range(0, 20)), list(range(200, 220))]
    found = find_candidates(_signatures(sets), np.array([0, 1, 2, 3]), 4, rows=4, max_bucket=10)
    assert found.pairs.tolist() == [[0, 2]]
    assert found.hits.tolist() == [16]


def test_windows_of_one_article_do_not_pair_with_themselves():
    sets = [list(range(20)), list(range(20))]
    found = find_candidates(_signatures(sets), np.array([5, 5]), 6, rows=4, max_bucket=10)
    assert found.pairs.shape == (0, 2)


def test_oversized_buckets_are_skipped():
    sets = [list(range(20))] * 5
    found = find_candidates(_signatures(sets), np.arange(5), 5, rows=4, max_bucket=4)
    assert found.pairs.shape == (0, 2) and found.skipped_buckets == 16
