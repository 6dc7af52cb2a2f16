"""candidates: sort-based LSH banding over window signatures."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from provenance.candidates import (
    COUNT_CAP, CROWD_BANDS_EVERY, WEIGHT_SCALE, _band_buckets, _column_keys, band_keys, crowd_weight, earliest_first,
    find_candidates,
)
from provenance.signatures import sign_ranges


def _signatures(sets: list[list[int]], num_perm: int = 64) -> np.ndarray:
    values = np.concatenate([np.array(s, dtype=np.uint32) for s in sets])
    bounds = np.cumsum([0] + [len(s) for s in sets])
    return sign_ranges(values, np.stack([bounds[:-1], bounds[1:]], axis=1), num_perm, 1)


def test_identical_windows_collide_unrelated_do_not():
    sets = [list(range(0, 20)), list(range(100, 120)), list(range(0, 20)), list(range(200, 220))]
    found = find_candidates(_signatures(sets), np.array([0, 1, 2, 3]), 4, rows=4, max_bucket=10)
    assert found.pairs.tolist() == [[0, 2]]
    # 16 bands, each a bucket of the two windows alone: a whole collision's weight each.
    assert found.weights.tolist() == [16 * WEIGHT_SCALE]


def test_windows_of_one_article_do_not_pair_with_themselves():
    sets = [list(range(20)), list(range(20))]
    found = find_candidates(_signatures(sets), np.array([5, 5]), 6, rows=4, max_bucket=10)
    assert found.pairs.shape == (0, 2)


def test_a_crowded_bucket_pairs_its_windows_with_its_earliest_article_only():
    # Five copies of one window, in buckets of four at most: each of the 16 bands' buckets is a
    # crowd. In one band of four (bands 0, 4, 8, 12), its windows meet its centre alone (4 pairs,
    # not 10), each at a bucket of four's weight times four: what all 16 bands would weigh.
    sets = [list(range(20))] * 5
    found = find_candidates(_signatures(sets), np.arange(5), 5, rows=4, max_bucket=4)
    assert found.pairs.tolist() == [[0, 1], [0, 2], [0, 3], [0, 4]] and found.crowded_buckets == 16
    assert crowd_weight(4, 16) == 4 * WEIGHT_SCALE // 3
    assert found.hits.tolist() == [4] * 4 and found.weights.tolist() == [4 * crowd_weight(4, 16)] * 4
    # The centre is the earliest article: here article 3.
    dated = earliest_first(["2023-05-02", None, "2023-05-02", "2023-05-01", "2023-05-03"])
    assert dated.tolist() == [1, 4, 2, 0, 3]
    found = find_candidates(_signatures(sets), np.arange(5), 5, rows=4, max_bucket=4, priority=dated)
    assert found.pairs.tolist() == [[0, 3], [1, 3], [2, 3], [3, 4]]


def test_seventy_copies_of_a_story_are_found_and_seventy_of_a_footer_are_not():
    # The default bands (32 of 2 rows) and bucket (64): a story's three windows, copied 70 times,
    # pass min_weight with the crowds' centre; a footer's one window on 70 pages does not.
    story = [list(range(100 * w, 100 * w + 20)) for w in range(3)]
    sets = [window for _ in range(70) for window in story]
    found = find_candidates(_signatures(sets), np.repeat(np.arange(70), 3), 70, rows=2, max_bucket=64, min_hits=5, min_weight=1.0)
    assert found.pairs.tolist() == [[0, k] for k in range(1, 70)] and found.crowded_buckets == 96
    assert found.weights.tolist() == [24 * crowd_weight(64, 32)] * 69  # 3 windows in 8 linking bands
    sets = [window for k in range(70) for window in (list(range(20)), list(range(1000 + 20 * k, 1020 + 20 * k)))]
    found = find_candidates(_signatures(sets), np.repeat(np.arange(70), 2), 70, rows=2, max_bucket=64, min_hits=5, min_weight=1.0)
    assert found.pairs.shape == (0, 2) and found.crowded_buckets == 32


def _reference(signatures: np.ndarray, window_article: np.ndarray, rows: int, max_bucket: int, min_hits: int, min_weight: float,
               priority: list[int]):
    """find_candidates in plain Python: a dict of buckets per band, Counters of pairs' collisions and weights."""
    hits: Counter[tuple[int, int]] = Counter()
    weights: Counter[tuple[int, int]] = Counter()
    crowded = 0
    bands = signatures.shape[1] // rows
    linking = len(range(0, bands, CROWD_BANDS_EVERY))
    for band, band_row in enumerate(band_keys(signatures, rows)):
        buckets: dict[int, list[int]] = defaultdict(list)
        for window, key in enumerate(band_row.tolist()):
            buckets[key].append(int(window_article[window]))
        for members in buckets.values():
            if len(members) > max_bucket:
                crowded += 1
                if band % CROWD_BANDS_EVERY:
                    continue
                centre = min(members, key=priority.__getitem__)
                for j in members:
                    if j != centre:
                        hits[min(centre, j), max(centre, j)] += 1
                        weights[min(centre, j), max(centre, j)] += WEIGHT_SCALE * bands // (linking * max(max_bucket - 1, 1))
                continue
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if i != j:
                        hits[min(i, j), max(i, j)] += 1
                        weights[min(i, j), max(i, j)] += WEIGHT_SCALE // (len(members) - 1)
    threshold = max(1, round(min_weight * WEIGHT_SCALE))
    kept = sorted(pair for pair, weight in weights.items() if weight >= threshold and hits[pair] >= min_hits)
    return [list(pair) for pair in kept], [min(hits[pair], COUNT_CAP) for pair in kept], [weights[pair] for pair in kept], crowded


def _planted(seed: int, windows: int, articles: int, num_perm: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Random signatures with collisions planted: shared passages, same-article echoes, a boilerplate band."""
    rng = np.random.default_rng(seed)
    # Few distinct values, so some band keys also collide by chance.
    signatures = rng.integers(0, 6, size=(windows, num_perm), dtype=np.uint32)
    owners = np.sort(rng.integers(0, articles, size=windows))
    bands = num_perm // rows
    for _ in range(windows // 2):  # a window copies a few bands of another (a reused passage)
        source, target = rng.integers(0, windows, size=2)
        for band in rng.choice(bands, size=rng.integers(1, bands + 1), replace=False):
            signatures[target, band * rows : (band + 1) * rows] = signatures[source, band * rows : (band + 1) * rows]
    for window in range(1, windows, 7):  # a window echoes the one before it, often in its own article
        signatures[window, :rows] = signatures[window - 1, :rows]
    crowd = rng.choice(windows, size=windows // 3, replace=False)  # one band's bucket holds a third of all windows
    signatures[crowd, rows : 2 * rows] = 7
    return signatures, owners


@pytest.mark.parametrize("seed", range(6))
def test_find_candidates_matches_the_plain_python_reference(seed):
    rng = np.random.default_rng(100 + seed)
    rows = int(rng.integers(1, 5))
    num_perm = int(rng.choice([8, 16, 30]))
    windows = int(rng.integers(50, 400))
    articles = int(rng.integers(2, 60))
    signatures, owners = _planted(seed, windows, articles, num_perm, rows)
    shuffled = rng.permutation(articles).astype(np.int32)  # crowds centred on other articles than the first
    for priority in (None, shuffled):
        for max_bucket in (1, 2, 5, 64):
            for min_hits, min_weight in ((1, 0.0), (2, 0.0), (1, 1.0), (4, 1.0), (1, 2.5), (3, 0.5)):
                found = find_candidates(signatures, owners, articles, rows, max_bucket, min_hits, min_weight, priority)
                pairs, hits, weights, crowded = _reference(signatures, owners, rows, max_bucket, min_hits, min_weight,
                                                           list(range(articles)) if priority is None else priority.tolist())
                assert found.pairs.tolist() == pairs
                assert found.hits.tolist() == hits
                assert found.weights.tolist() == weights
                assert found.crowded_buckets == crowded
            assert found.pairs.dtype == np.int64 and found.hits.dtype == np.int64 and found.weights.dtype == np.int64


def test_bucket_members_do_not_depend_on_threads_band_groups_or_sub_bucket_bits():
    # One sub-bucket bit leaves long runs of mixed keys (sorted by argsort); sixteen, runs of a few.
    signatures, owners = _planted(7, 3000, 20, 30, 3)
    bands = signatures.shape[1] // 3
    runs = []
    for bits, group, threads in ((16, 1, 1), (16, 3, 1), (16, 4, 2), (16, 10, 3), (16, 16, 16), (1, 4, 2), (2, 10, 3)):
        members, links_start, crowded = _band_buckets(lambda keys, low: _column_keys(signatures, 3, low, keys), bands,
                                                     owners.astype(np.int32), 8, np.arange(20, dtype=np.int32), bits,
                                                     min(group, bands), threads)
        runs.append((members.tolist(), links_start, crowded))
    assert len(runs[0][0]) > runs[0][1] > 0 and runs[0][2]  # buckets, then crowds' links
    for run in runs[1:]:
        assert run == runs[0]


def test_pairs_are_counted_a_range_of_first_articles_at_a_time(monkeypatch):
    from provenance import candidates

    signatures, owners = _planted(8, 2000, 40, 30, 3)
    whole = find_candidates(signatures, owners, 40, 3, 8, 2, 0.5)
    assert len(whole.pairs) > 40
    for partition_bytes in (1, 24 * 100, 24 * 1000):  # an article at a time, a few, most
        monkeypatch.setattr(candidates, "PARTITION_BYTES", partition_bytes)
        got = find_candidates(signatures, owners, 40, 3, 8, 2, 0.5)
        assert np.array_equal(got.pairs, whole.pairs) and np.array_equal(got.hits, whole.hits)
        assert np.array_equal(got.weights, whole.weights)
        assert got.crowded_buckets == whole.crowded_buckets


def test_pairs_do_not_depend_on_the_threads_that_count_them(monkeypatch):
    from provenance import candidates

    signatures, owners = _planted(9, 3000, 50, 30, 3)
    bands = signatures.shape[1] // 3
    members, links_start, _ = _band_buckets(lambda keys, low: _column_keys(signatures, 3, low, keys), bands,
                                           owners.astype(np.int32), 8, np.arange(50, dtype=np.int32), 16, bands, 1)
    half = WEIGHT_SCALE // 2
    whole = candidates._joined(candidates._pairs_by_partition(members, 50, 2, half, links_start, crowd_weight(8, 10), threads=1), 0)
    assert len(whole.pairs) > 50
    for partition_bytes in (24 * 50, 1 << 28):  # several ranges of first articles, and one
        monkeypatch.setattr(candidates, "PARTITION_BYTES", partition_bytes)
        for threads in (1, 2, 3, 7, 64):  # pieces of the buckets and parts of a range, some empty
            got = candidates._joined(candidates._pairs_by_partition(members, 50, 2, half, links_start, crowd_weight(8, 10), threads=threads), 0)
            assert np.array_equal(got.pairs, whole.pairs) and np.array_equal(got.hits, whole.hits)
            assert np.array_equal(got.weights, whole.weights)


def test_collisions_held_in_32_or_64_bits_count_the_same(monkeypatch):
    from provenance import candidates

    signatures, owners = _planted(10, 3000, 50, 30, 3)
    bands = signatures.shape[1] // 3
    members, links_start, _ = _band_buckets(lambda keys, low: _column_keys(signatures, 3, low, keys), bands,
                                           owners.astype(np.int32), 8, np.arange(50, dtype=np.int32), 16, bands, 1)
    assert candidates._collision_entry(50, 8) == (6, np.uint32)
    assert candidates._collision_entry(2**28, 64) == (28, np.int64)  # 28 bits of article, 7 of bucket size: past 32
    found = {}
    for bits in (32, 8):  # 6 bits of article and 4 of bucket size fit in 32, not in 8
        monkeypatch.setattr(candidates, "NARROW_BITS", bits)
        found[bits] = candidates._joined(candidates._pairs_by_partition(members, 50, 2, WEIGHT_SCALE // 2, links_start,
                                                                        crowd_weight(8, 10), threads=2), 0)
    assert len(found[32].pairs) > 50 and links_start < len(members)  # buckets and crowds' links both weigh in
    assert np.array_equal(found[32].pairs, found[8].pairs) and np.array_equal(found[32].hits, found[8].hits)
    assert np.array_equal(found[32].weights, found[8].weights)


def test_counts_saturate_and_weights_stay_exact():
    # Two articles of 40 identical windows: each window meets its twin in all 16 bands, 640
    # collisions, each a bucket of two (its weight whole). Counts stop at COUNT_CAP; a min_hits
    # they cannot hold is refused rather than never met.
    sets = [list(range(20 * w, 20 * w + 20)) for w in range(40)] * 2
    found = find_candidates(_signatures(sets), np.repeat([0, 1], 40), 2, rows=4, max_bucket=10, min_hits=COUNT_CAP)
    assert found.pairs.tolist() == [[0, 1]]
    assert found.hits.tolist() == [COUNT_CAP] and found.weights.tolist() == [640 * WEIGHT_SCALE]
    with pytest.raises(ValueError, match="min_hits is at most"):
        find_candidates(_signatures(sets), np.repeat([0, 1], 40), 2, rows=4, max_bucket=10, min_hits=COUNT_CAP + 1)


def test_no_windows_no_candidates():
    found = find_candidates(np.zeros((0, 16), dtype=np.uint32), np.zeros(0, dtype=np.int64), 3, rows=4, max_bucket=4)
    assert found.pairs.shape == (0, 2) and found.hits.tolist() == found.weights.tolist() == [] and found.crowded_buckets == 0


def test_window_articles_out_of_range_are_refused():
    with pytest.raises(ValueError, match="n_articles"):
        find_candidates(_signatures([list(range(20))]), np.array([3]), 3, rows=4, max_bucket=4)


def test_signing_a_group_of_bands_at_a_time_gives_the_same_candidates(monkeypatch):
    from provenance import candidates
    from provenance.candidates import find_candidates_signing
    from provenance.signatures import sign_ranges

    rng = np.random.default_rng(11)
    # 60 articles of 6 windows over a small alphabet, so that windows collide often.
    values = rng.integers(0, 40, size=3000, dtype=np.uint64).astype(np.uint32)
    starts = rng.integers(0, 2990, size=360)
    ranges = np.stack([starts, starts + rng.integers(1, 10, size=360)], axis=1).astype(np.int64)
    owners = np.repeat(np.arange(60, dtype=np.int64), 6)
    whole = find_candidates(sign_ranges(values, ranges, 128, 1), owners, 60, 3, 8, 2, 0.5)
    assert len(whole.pairs) and whole.crowded_buckets
    for key_bytes in (1, 360 * 12 * 8, 1 << 29):  # the threads' bands (the least a group holds), a few, all
        monkeypatch.setattr(candidates, "KEY_BYTES", key_bytes)
        got = find_candidates_signing(values, ranges, owners, 60, 128, 1, 3, 8, 2, 0.5)
        assert np.array_equal(got.pairs, whole.pairs) and np.array_equal(got.hits, whole.hits)
        assert np.array_equal(got.weights, whole.weights)
        assert got.crowded_buckets == whole.crowded_buckets


def test_settings_refuse_a_min_hits_counts_cannot_reach():
    from provenance.errors import SettingsError
    from provenance.settings import Settings

    assert Settings(min_hits=COUNT_CAP).min_hits == COUNT_CAP
    for wrong in (0, COUNT_CAP + 1):
        with pytest.raises(SettingsError, match="min_hits"):
            Settings(min_hits=wrong)


def test_either_kind_of_signature_proposes_a_pair():
    from provenance.candidates import Candidates, either

    windows = Candidates(pairs=np.array([[0, 1], [2, 5]]), hits=np.array([5, 9]), weights=np.array([3, 4]), crowded_buckets=1)
    bigrams = Candidates(pairs=np.array([[1, 3], [2, 5]]), hits=np.array([6, COUNT_CAP]), weights=np.array([7, 1]), crowded_buckets=2)
    joined = either(windows, bigrams)
    assert joined.pairs.tolist() == [[0, 1], [1, 3], [2, 5]]
    assert joined.hits.tolist() == [5, 6, COUNT_CAP] and joined.weights.tolist() == [3, 7, 5] and joined.crowded_buckets == 3
    nothing = Candidates(pairs=np.zeros((0, 2), np.int64), hits=np.zeros(0, np.int64), weights=np.zeros(0, np.int64), crowded_buckets=0)
    assert either(nothing, nothing).pairs.shape == (0, 2)
