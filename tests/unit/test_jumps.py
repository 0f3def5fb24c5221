"""lib.data.jumps: thesis eq. 3.1 signals — shapes, determinism, levels, balance and argument checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.data import jump_signals, jump_splits


def test_jump_signals_shapes_and_dtypes():
    signals = jump_signals(50)
    assert signals.x.shape == (50, 100) and signals.x.dtype == np.float32
    assert signals.y.dtype == signals.positions.dtype == np.int64 and signals.sigma.dtype == np.float32
    assert signals.positions.min() >= 21 and signals.positions.max() <= 80
    np.testing.assert_array_equal(signals.y, signals.positions - 21)


def test_jump_signals_are_deterministic_for_a_seed():
    first, second, other = jump_signals(30, seed=7), jump_signals(30, seed=7), jump_signals(30, seed=8)
    for name in ("x", "y", "positions", "sigma"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert not np.array_equal(first.x, other.x)


@settings(max_examples=30, deadline=None)
@given(length=st.integers(3, 60), data_=st.data())
def test_noise_free_step_sits_where_the_label_says(length, data_):
    lo = data_.draw(st.integers(2, length - 1))
    hi = data_.draw(st.integers(lo, length - 1))
    signals = jump_signals(20, length=length, positions=(lo, hi), theta=2.5, sigma=0.0, seed=3)
    sample_number = np.arange(1, length + 1)  # thesis numbering x_1..x_n
    expected = np.where(sample_number[None, :] >= (signals.y + lo)[:, None], 2.5, 0.0)
    np.testing.assert_array_equal(signals.x, expected)
    rows = np.arange(20)
    assert (signals.x[rows, signals.jump_index] == 2.5).all()
    assert (signals.x[rows, signals.jump_index - 1] == 0.0).all()


def test_noise_has_the_requested_standard_deviation():
    signals = jump_signals(400, theta=3.0, sigma=1.5, seed=4)
    residual = signals.x - np.where(np.arange(1, 101) >= signals.positions[:, None], 3.0, 0.0)
    assert abs(residual.std() - 1.5) < 0.03
    assert (signals.sigma == np.float32(1.5)).all()


def test_sigma_range_is_drawn_per_signal_within_bounds():
    signals = jump_signals(500, sigma=(0.5, 2.0), seed=5)
    assert signals.sigma.min() >= 0.5 and signals.sigma.max() <= 2.0
    assert signals.sigma.std() > 0.3
    assert jump_signals(5, sigma=(1.0, 1.0)).sigma.tolist() == [1.0] * 5


def test_balanced_positions_use_each_position_equally_often():
    signals = jump_signals(120, balanced=True, seed=6)
    assert np.bincount(signals.y, minlength=60).tolist() == [2] * 60
    with pytest.raises(ValueError, match="multiple of 60"):
        jump_signals(100, balanced=True)


@pytest.mark.parametrize("kwargs, name", [
    ({"count": 0}, "count"), ({"count": 2.5}, "count"), ({"length": 2}, "length"),
    ({"positions": (1, 80)}, "positions"), ({"positions": (21, 100)}, "positions"),
    ({"positions": (50, 40)}, "positions"), ({"theta": -1}, "theta"),
    ({"sigma": -0.1}, "sigma"), ({"sigma": (2.0, 1.0)}, "sigma"), ({"sigma": (-1.0, 1.0)}, "sigma"),
    ({"sigma": "big"}, "sigma"),
])
def test_bad_jump_arguments_name_the_parameter(kwargs, name):
    kwargs = {"count": 10, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name} "):
        jump_signals(kwargs.pop("count"), **kwargs)


def test_jump_splits_are_independent_deterministic_and_forward_parameters():
    splits = jump_splits(n_train=40, n_val=20, n_test=30, seed=1, theta=2.0, sigma=0.0)
    assert (len(splits.train.x), len(splits.val.x), len(splits.test.x)) == (40, 20, 30)
    assert set(np.unique(splits.train.x)) == {0.0, 2.0}
    again = jump_splits(n_train=40, n_val=20, n_test=30, seed=1, theta=2.0, sigma=0.0)
    np.testing.assert_array_equal(again.test.x, splits.test.x)
    noisy = jump_splits(n_train=20, n_val=20, n_test=20, seed=1)
    assert not np.array_equal(noisy.train.x, noisy.val.x)
    assert not np.array_equal(noisy.val.x, noisy.test.x)
