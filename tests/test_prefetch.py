import numba
import numpy as np
import pytest

from provenance.prefetch import prefetch


@numba.njit
def _gathered(values, order, ahead):
    total = 0
    for k in range(order.shape[0]):
        if k + ahead < order.shape[0]:
            prefetch(values, order[k + ahead])
        total += values[order[k]]
    return total


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint64, np.float64])
def test_a_prefetch_hint_changes_no_result(dtype):
    values = np.arange(10_000).astype(dtype)
    order = np.random.default_rng(0).integers(0, len(values), 5_000).astype(np.int32)
    assert _gathered(values, order, 8) == _gathered(values, order, 0) == values[order].sum()
    assert _gathered(values[::3], order // 3, 4) == values[::3][order // 3].sum()  # strided views too


def test_prefetch_takes_a_one_dimensional_array_and_an_integer():
    @numba.njit
    def two_dimensional(values):
        prefetch(values, 0)

    with pytest.raises(numba.core.errors.TypingError):
        two_dimensional(np.zeros((2, 2)))
