"""Segment files: both band layouts (whole keys, and a prefix directory) round-trip, look up and merge exactly."""

from __future__ import annotations

import numpy as np
import pytest

from provenance import segments
from provenance.keysort import KEY_BITS

# Band sizes either side of the directory threshold, and an empty band.
SIZES = (0, 5, segments.DIRECTORY_MIN - 1, segments.DIRECTORY_MIN, segments.DIRECTORY_MIN + 4_321)


def batch(seed: int, windows: int, bands: int = len(SIZES)) -> tuple[np.ndarray, np.ndarray]:
    """Random 48-bit keys with repeats (buckets of several windows, one of 500) and an article per window."""
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 1 << KEY_BITS, size=(bands, windows), dtype=np.uint64)
    keys[:, 1::3] = keys[:, 0:-1:3][:, : keys[:, 1::3].shape[1]]  # pairs of equal keys
    keys[:, 10:510] = keys[:, 9:10]  # one bucket of 501
    keys[:, 600] = 0  # the extremes of the key space
    keys[:, 601] = (1 << KEY_BITS) - 1
    return keys, rng.integers(0, 50_000, size=windows)


def write_bands(path, keys_per_band: list[np.ndarray], articles_per_band: list[np.ndarray]) -> None:
    """A segment whose bands have different sizes (``segments.write`` makes equal ones): sorted with the module's sort."""
    writer = segments._Writer(path, len(keys_per_band))
    for keys, articles in zip(keys_per_band, articles_per_band):
        order = np.lexsort((articles, keys))
        writer.band_entries(keys[order], articles[order].astype(np.uint32))
    writer.finish()


def sample(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    keys, articles = batch(seed, max(SIZES))
    return [keys[b, :size] for b, size in enumerate(SIZES)], [articles[:size] for size in SIZES]


def rows(keys: np.ndarray, articles: np.ndarray) -> np.ndarray:
    out = np.stack([keys.astype(np.int64), np.asarray(articles, dtype=np.int64)], axis=1)
    return out[np.lexsort(out.T[::-1])].reshape(-1, 2)


def test_both_layouts_round_trip(tmp_path):
    keys, articles = sample(1)
    write_bands(tmp_path / "a.seg", keys, articles)
    with segments.Segment(tmp_path / "a.seg") as segment:
        assert [place.directory for place in segment.layout] == [size >= segments.DIRECTORY_MIN for size in SIZES]
    found = list(segments.entries(tmp_path / "a.seg"))
    assert [band for band, _, _ in found] == list(range(len(SIZES)))
    for (_, stored_keys, stored_articles), k, a in zip(found, keys, articles):
        assert np.all(stored_keys[1:] >= stored_keys[:-1])
        np.testing.assert_array_equal(rows(stored_keys, stored_articles), rows(k, a))
    # A directory band takes 8 bytes an entry and its directory; a band of whole keys 12 and padding.
    size = (tmp_path / "a.seg").stat().st_size
    assert size == 16 + 8 * len(SIZES) + sum(4 * segments.PREFIXES + 8 * n if n >= segments.DIRECTORY_MIN else 8 * n + 8 * ((n + 1) // 2)
                                             for n in SIZES)


def test_write_sorts_a_batch_like_a_plain_sort(tmp_path):
    keys, articles = batch(2, segments.DIRECTORY_MIN + 1_000, bands=3)
    entries = segments.write(tmp_path / "b.seg", keys.copy(), articles)  # (write sorts the keys it is given)
    assert entries == keys.size
    for band, stored_keys, stored_articles in segments.entries(tmp_path / "b.seg"):
        np.testing.assert_array_equal(stored_keys, np.sort(keys[band]))
        np.testing.assert_array_equal(rows(stored_keys, stored_articles), rows(keys[band], articles))


def test_keys_wider_than_key_bits_are_refused(tmp_path):
    keys = np.full((1, segments.DIRECTORY_MIN), 1 << KEY_BITS, dtype=np.uint64)
    with pytest.raises(ValueError, match="48 bits"):
        segments.write(tmp_path / "c.seg", keys, np.zeros(segments.DIRECTORY_MIN, dtype=np.int64))
    assert not list(tmp_path.iterdir())  # the temporary file is removed


@pytest.mark.parametrize("limit", [1, 3, 1_000])
def test_lookup_equals_brute_force_over_segments_of_both_layouts(tmp_path, limit):
    first, second = sample(3), sample(4)
    write_bands(tmp_path / "1.seg", *first)
    write_bands(tmp_path / "2.seg", *second)
    rng = np.random.default_rng(5)
    probes = []
    for band in range(len(SIZES)):
        present = np.concatenate([first[0][band][:200], second[0][band][::997]])
        absent = rng.integers(0, 1 << KEY_BITS, size=300, dtype=np.uint64)
        near = present[:50] + np.uint64(1)  # same prefix, next low value
        probes.append(np.unique(np.concatenate([present, absent, near, np.array([0, (1 << KEY_BITS) - 1], np.uint64)])))
    highest = max(int(owner.max()) for owners in (first[1], second[1]) for owner in owners if len(owner))
    priority = rng.permutation(highest + 1)  # the bucket's least-ranked article, whatever its size or segment
    sizes, positions, articles, least = segments.lookup([tmp_path / "1.seg", tmp_path / "2.seg"], probes, limit, priority)
    for band, probe in enumerate(probes):
        keys = np.concatenate([first[0][band], second[0][band]])
        owners = np.concatenate([first[1][band], second[1][band]]).astype(np.int64)
        expected_sizes = np.array([np.count_nonzero(keys == p) for p in probe.tolist()], dtype=np.int64)
        np.testing.assert_array_equal(sizes[band], expected_sizes)
        expected = [(i, int(a)) for i, p in enumerate(probe.tolist()) if expected_sizes[i] <= limit for a in owners[keys == p]]
        assert sorted(zip(positions[band].tolist(), articles[band].tolist())) == sorted(expected)
        expected_least = [min(owners[keys == p].tolist(), key=priority.__getitem__, default=-1) for p in probe.tolist()]
        assert least[band].tolist() == expected_least
    # Only the bands asked for are ranked.
    busiest = max(range(len(probes)), key=lambda band: int((sizes[band] > 0).sum()))
    least = segments.lookup([tmp_path / "1.seg", tmp_path / "2.seg"], probes, limit, priority, lambda band: band == busiest)[3]
    assert all((ranks >= 0).any() if band == busiest else (ranks == -1).all() for band, ranks in enumerate(least))
    # Numbers past the ranks given rank last (and are never read from beyond them).
    short = priority[: highest // 2]
    least = segments.lookup([tmp_path / "1.seg", tmp_path / "2.seg"], probes, limit, short)[3]
    for band, probe in enumerate(probes):
        keys = np.concatenate([first[0][band], second[0][band]])
        owners = np.concatenate([first[1][band], second[1][band]]).astype(np.int64)
        for p, got in zip(probe.tolist(), least[band].tolist()):
            members = owners[keys == p].tolist()
            ranked = [a for a in members if a < len(short)]
            if ranked:
                assert got == min(ranked, key=short.__getitem__)
            else:
                assert got in members if members else got == -1


def test_merge_of_both_layouts_keeps_every_live_entry_sorted(tmp_path):
    first, second = sample(6), sample(7)
    write_bands(tmp_path / "1.seg", *first)
    write_bands(tmp_path / "2.seg", *second)
    dead = np.array([3, 77, 4_000], dtype=np.int64)
    total = segments.merge([tmp_path / "1.seg", tmp_path / "2.seg"], tmp_path / "m.seg", dead)
    merged = list(segments.entries(tmp_path / "m.seg"))
    expected_total = 0
    for band, stored_keys, stored_articles in merged:
        keys = np.concatenate([first[0][band], second[0][band]])
        owners = np.concatenate([first[1][band], second[1][band]])
        live = ~np.isin(owners, dead)
        expected_total += int(live.sum())
        assert np.all(stored_keys[1:] >= stored_keys[:-1])
        np.testing.assert_array_equal(rows(stored_keys, stored_articles), rows(keys[live], owners[live]))
    assert total == expected_total


@pytest.mark.parametrize("parts", [1, 3, 8, 64])
def test_merged_runs_do_not_depend_on_the_number_of_parts(parts):
    keys, articles = batch(8, 3_000, bands=4)
    runs = [np.sort(band) for band in keys]  # four sorted runs, with repeated keys and both extremes
    starts = np.array([0, *np.cumsum([len(r) for r in runs])], dtype=np.int64)
    numbers = np.tile(articles, 4).astype(np.uint32)
    merged_keys, merged_articles = segments._merge_runs(np.concatenate(runs), numbers, starts, parts)
    np.testing.assert_array_equal(merged_keys, np.sort(keys.ravel()))
    np.testing.assert_array_equal(rows(merged_keys, merged_articles), rows(np.concatenate(runs), numbers))


@pytest.mark.parametrize("prefix_bits", [segments.KEY_BITS - segments.LOW_BITS, 2])
def test_directory_merge_equals_a_merge_of_whole_keys(prefix_bits):
    """Bands kept with a directory merge in that form exactly as whole keys merge: equal keys in run order, the dead left out.
    With 2 prefix bits, each prefix holds thousands of entries: more than the merge has buckets to spread them over."""
    runs, numbers = [], []
    for seed in range(3):
        keys, articles = batch(seed, segments.DIRECTORY_MIN + 1_000 * seed, bands=1)
        keys &= np.uint64((1 << (segments.LOW_BITS + prefix_bits)) - 1)
        keys[0, -300:] = keys[0, 9]  # the bucket of 501 in every run: equal keys across runs
        order = np.argsort(keys[0], kind="stable")
        runs.append(keys[0][order])
        numbers.append(articles[order].astype(np.uint32))
    starts = np.array([0, *np.cumsum([len(r) for r in runs])], dtype=np.int64)
    numbers_joined = np.concatenate(numbers)
    merged_keys, merged_articles = segments._merge_runs(np.concatenate(runs), numbers_joined, starts, 4)
    encoded = [segments._encoded(r) for r in runs]
    for dead in (np.zeros(0, np.uint32), np.unique(numbers_joined[::7])):
        ends, low, articles = segments._merge_directories(np.stack([e for e, _ in encoded]), np.concatenate([lw for _, lw in encoded]),
                                                          numbers_joined, starts, dead)
        live = ~np.isin(merged_articles, dead)
        np.testing.assert_array_equal(segments._decoded(ends, low), merged_keys[live])
        np.testing.assert_array_equal(articles, merged_articles[live])


def test_a_merged_band_that_loses_its_dead_below_the_directory_size_keeps_whole_keys(tmp_path):
    size = segments.DIRECTORY_MIN
    keys, articles = batch(3, size, bands=1)
    write_bands(tmp_path / "1.seg", [keys[0]], [np.full(size, 7)])  # every entry of article 7, which dies
    write_bands(tmp_path / "2.seg", [keys[0][::-1].copy()], [np.arange(size) % 100])  # articles 0-99; 7 dies here too
    segments.merge([tmp_path / "1.seg", tmp_path / "2.seg"], tmp_path / "m.seg", np.array([7]))
    with segments.Segment(tmp_path / "m.seg") as merged:
        assert not merged.layout[0].directory and merged.layout[0].entries == size - size // 100 - (7 < size % 100)
    ((_, stored_keys, stored_articles),) = segments.entries(tmp_path / "m.seg")
    live = np.arange(size) % 100 != 7
    np.testing.assert_array_equal(rows(stored_keys, stored_articles), rows(keys[0][::-1][live], (np.arange(size) % 100)[live]))


def test_a_write_failing_on_the_writer_thread_fails_the_merge_and_leaves_no_file(tmp_path, monkeypatch):
    keys, articles = sample(4)
    write_bands(tmp_path / "1.seg", keys, articles)
    write_bands(tmp_path / "2.seg", keys, articles)
    real_write, written = segments._SyncedFile.write, []

    def disk_full_on_the_third_write(self, data):
        written.append(len(memoryview(data)))
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        real_write(self, data)

    monkeypatch.setattr(segments._SyncedFile, "write", disk_full_on_the_third_write)
    with pytest.raises(OSError, match="No space left"):
        segments.merge([tmp_path / "1.seg", tmp_path / "2.seg"], tmp_path / "m.seg", np.zeros(0, np.int64))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.seg", "2.seg"]
