"""signatures: bit-for-bit agreement with datasketch, batch over ranges."""

from __future__ import annotations

import numpy as np
import xxhash
from datasketch import MinHash

from provenance.signatures import EMPTY, shingle_hash32, sign_ranges


def _datasketch(words: list[bytes], num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda w: xxhash.xxh3_64_intdigest(w) & 0xFFFFFFFF)
    m.update_batch(words)
    return m.hashvalues


def test_matches_datasketch_bit_for_bit():
    words = [f"word{i}".encode() for i in range(50)]
    hashes = np.array([xxhash.xxh3_64_intdigest(w) for w in words], dtype=np.uint64)
    ranges = np.array([[0, 50], [10, 20], [49, 50]])
    for num_perm, seed in ((128, 1), (64, 7)):
        signatures = sign_ranges(shingle_hash32(hashes), ranges, num_perm, seed)
        assert signatures.dtype == np.uint32 and signatures.shape == (3, num_perm)
        for row, (start, end) in zip(signatures, ranges.tolist()):
            assert np.array_equal(row, _datasketch(words[start:end], num_perm, seed))


def test_a_few_columns_are_the_whole_signature_s_columns():
    # A few columns are the whole signature's, column for column.
    rng = np.random.default_rng(3)
    values = rng.integers(0, 2**32, 500, dtype=np.uint32)
    ranges = np.array([[0, 40], [30, 90], [90, 90], [100, 500], [499, 500]])
    whole = sign_ranges(values, ranges, 128, 1)
    for columns in (slice(0, 3), slice(6, 12), slice(120, 128), slice(0, 23), slice(3, 27)):
        assert np.array_equal(sign_ranges(values, ranges, 128, 1, columns), whole[:, columns])


def test_empty_range_is_empty_signature():
    signatures = sign_ranges(np.zeros(3, np.uint32), np.array([[1, 1]]), 16, 1)
    assert (signatures == EMPTY).all()


def test_jaccard_estimate():
    a = np.arange(0, 200, dtype=np.uint32)
    b = np.arange(100, 300, dtype=np.uint32)  # true Jaccard 1/3
    values = np.concatenate([a, b])
    s = sign_ranges(values, np.array([[0, 200], [200, 400]]), 256, 1)
    assert abs((s[0] == s[1]).mean() - 1 / 3) < 0.08


def windows(sentence_starts, window_words):
    """Passage windows of one article, in plain numpy: the reference for ``window_inputs``."""
    total = int(sentence_starts[-1])
    if total == 0:
        return np.zeros((0, 2), dtype=np.int64)
    starts = sentence_starts[:-1]
    targets = starts + window_words
    ends = sentence_starts[np.minimum(np.searchsorted(sentence_starts, targets, side="left"), len(sentence_starts) - 1)]
    reaches_end = ends >= total
    keep = ~reaches_end
    keep[np.argmax(reaches_end)] = True if reaches_end.any() else keep[np.argmax(reaches_end)]
    return np.stack([starts[keep], ends[keep]], axis=1).astype(np.int64)


def _windows_of(sentence_starts, window_words):
    """``window_inputs``'s windows of one article whose shingles are all kept."""
    from provenance.signatures import window_inputs

    n = int(sentence_starts[-1])
    _, ranges, _ = window_inputs(np.arange(n, dtype=np.uint32), np.array([0, n], np.int64), np.ones(n, np.int64),
                                 np.arange(1, n + 1, dtype=np.uint32), 10, np.asarray(sentence_starts, np.int64),
                                 np.array([0, len(sentence_starts)], np.int64), window_words)
    return ranges


def test_windows_cover_whole_sentences():
    sentence_starts = np.array([0, 3, 9, 12, 20])
    for cut in (windows, _windows_of):
        w = cut(sentence_starts, 8)
        assert w.tolist() == [[0, 9], [3, 12], [9, 20]]
        assert cut(np.array([0, 5]), 8).tolist() == [[0, 5]]
        assert cut(np.array([0]), 8).shape == (0, 2)


def _window_inputs_reference(articles, df_of, cutoff, window_words):
    """The per-article loop ``window_inputs`` replaces, written plainly."""
    values, ranges, owners, offset = [], [], [], 0
    for index, (hashes, sentence_starts) in enumerate(articles):
        df = df_of[index]
        keep = df <= (max(cutoff, int(np.median(df))) if len(df) else cutoff)
        kept_before = np.concatenate(([0], np.cumsum(keep)))
        spans = windows(np.unique(kept_before[sentence_starts]), window_words)
        values.append(shingle_hash32(hashes[keep]))
        ranges.append(spans + offset)
        owners.append(np.full(len(spans), index, dtype=np.int32))
        offset += int(keep.sum())
    return np.concatenate(values), np.concatenate(ranges), np.concatenate(owners)


def test_window_inputs_equal_the_per_article_loop():
    from provenance.signatures import window_inputs

    rng = np.random.default_rng(3)
    for window_words in (1, 3, 8):
        articles, dfs = [], []
        for _ in range(300):
            n = int(rng.integers(0, 60))
            cuts = np.unique(rng.integers(0, max(n, 1), size=int(rng.integers(1, 8))))
            sentence_starts = np.unique(np.concatenate(([0], cuts[cuts < n], [n]))).astype(np.int64)
            articles.append((rng.integers(0, 1 << 63, size=n, dtype=np.uint64), sentence_starts))
            dfs.append(rng.integers(1, 40, size=n))
        offsets = np.concatenate(([0], np.cumsum([len(h) for h, _ in articles]))).astype(np.int64)
        unit_offsets = np.concatenate(([0], np.cumsum([len(s) for _, s in articles]))).astype(np.int64)
        # Each word its own stem here: the per-stem tables are the per-word values.
        hashes = np.concatenate([h for h, _ in articles])
        got = window_inputs(np.arange(len(hashes), dtype=np.uint32), offsets, np.concatenate(dfs), shingle_hash32(hashes), 20,
                            np.concatenate([s for _, s in articles]), unit_offsets, window_words)
        want = _window_inputs_reference(articles, dfs, 20, window_words)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and np.array_equal(g, w)


def test_some_permutations_are_those_columns():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 1 << 32, size=300, dtype=np.uint64).astype(np.uint32)
    ranges = np.array([[0, 300], [5, 40], [7, 7]])
    full = sign_ranges(values, ranges, 128, 1)
    assert np.array_equal(sign_ranges(values, ranges, 128, 1, slice(12, 30)), full[:, 12:30])


def _pair_value(first: int, second: int) -> int:
    """``signatures._pair_value`` in plain Python: SplitMix64's finaliser of the two values, smaller first, low half."""
    mask = (1 << 64) - 1
    x = (min(first, second) << 32) | max(first, second)
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & mask
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & mask
    x ^= x >> 31
    return x & 0xFFFFFFFF


def test_bigram_windows_pair_each_word_with_the_next_in_either_order():
    from provenance.signatures import bigram_window_inputs

    stem_values = np.array([11, 22, 33, 44], dtype=np.uint32)
    # Article 0: stems 0 1 2 1 0 in sentence units starting at words 0 and 2; article 1: stem 3 alone.
    stems = np.array([0, 1, 2, 1, 0, 3], dtype=np.uint32)
    values, ranges, owners = bigram_window_inputs(stems, np.array([0, 5, 6], np.int64), stem_values,
                                                  np.array([0, 2, 5, 0, 1], np.int64), np.array([0, 3, 5], np.int64), 2)
    assert values.tolist() == [_pair_value(11, 22), _pair_value(22, 33), _pair_value(33, 22), _pair_value(22, 11), 11, 44]
    assert values[0] == values[3] and values[1] == values[2]  # a bigram in either order is one shingle
    # Every word kept: the windows are those of the words themselves (``windows``).
    assert ranges.tolist() == [[0, 2], [2, 5], [5, 6]] and owners.tolist() == [0, 0, 1]
    assert windows(np.array([0, 2, 5]), 2).tolist() == [[0, 2], [2, 5]]
