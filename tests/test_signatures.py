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


def test_empty_range_is_empty_signature():
    signatures = sign_ranges(np.zeros(3, np.uint32), np.array([[1, 1]]), 16, 1)
    assert (signatures == EMPTY).all()


def test_jaccard_estimate():
    a = np.arange(0, 200, dtype=np.uint32)
    b = np.arange(100, 300, dtype=np.uint32)  # true Jaccard 1/3
    values = np.concatenate([a, b])
    s = sign_ranges(values, np.array([[0, 200], [200, 400]]), 256, 1)
    assert abs((s[0] == s[1]).mean() - 1 / 3) < 0.08
