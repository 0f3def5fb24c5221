"""lib.studies.jump_detection.baseline against plain loops (thesis §3.2)."""

import numpy as np
import pytest

from lib import data
from lib.jump_errors import ErrorMeasures, accuracy_within, error_measures, lowest_fraction
from lib.studies.jump_detection.baseline import (
    detect_jumps,
    detector_weights_at,
    gaussian_window,
    log_mismatch,
    smooth,
    width_study,
)


def smooth_loop(x, g):
    """s_i = Σ_u g(u) x(i - u) with x extended by its end values (thesis eq. 3.2)."""
    n, half = len(x), len(g) // 2
    out = np.zeros(n)
    for i in range(n):
        for k in range(len(g)):
            j = min(max(i - (k - half), 0), n - 1)
            out[i] += g[k] * x[j]
    return out


def detect_loop(x, width, tau, lo, hi):
    """argmax over lo..hi (1-based) of s_t - s_{t-1}."""
    s = smooth_loop(x, gaussian_window(width, tau))
    best, where = -np.inf, None
    for t in range(lo, hi + 1):
        if s[t - 1] - s[t - 2] > best:
            best, where = s[t - 1] - s[t - 2], t
    return where


def test_gaussian_window_is_normalised_symmetric_and_peaked():
    g = gaussian_window(19, 2.9)
    assert g.shape == (19,) and np.isclose(g.sum(), 1.0)
    assert np.allclose(g, g[::-1]) and g.argmax() == 9
    assert np.isclose(g[9 + 3] / g[9], np.exp(-0.5 * (3 / 2.9) ** 2))


@pytest.mark.parametrize("width, tau", [(19, 2.9), (5, 0.7), (1, 1.0)])
def test_smooth_matches_loop(width, tau):
    x = np.random.default_rng(0).normal(size=(4, 30))
    g = gaussian_window(width, tau)
    expected = np.stack([smooth_loop(row, g) for row in x])
    assert np.allclose(smooth(x, g), expected)


def test_detect_jumps_matches_loop_on_random_signals():
    signals = data.jump_signals(40, sigma=1.2, seed=3)
    expected = [detect_loop(x, 19, 2.9, 21, 80) for x in signals.x.astype(np.float64)]
    assert np.array_equal(detect_jumps(signals.x), expected)


def test_clean_steps_are_found_exactly():
    signals = data.jump_signals(60, sigma=0.0, balanced=True, seed=1)
    assert np.array_equal(detect_jumps(signals.x), signals.positions)


def test_detector_weights_reproduce_the_filter_response():
    x = np.random.default_rng(2).normal(size=(3, 100))
    d = smooth(x, gaussian_window(19, 2.9))
    w = detector_weights_at(50)
    assert np.allclose(x @ w, d[:, 49] - d[:, 48])
    assert np.isclose(w.sum(), 0.0, atol=1e-12)  # a constant signal gives no response away from the edges


def test_error_measures_match_loops():
    rng = np.random.default_rng(4)
    true = rng.integers(21, 81, 501)
    pred = true + rng.integers(-3, 4, 501) * (rng.random(501) < 0.4) + 40 * (rng.random(501) < 0.02)
    e = [abs(int(p) - int(t)) for p, t in zip(pred, true)]
    kept = sorted(e)[: round(0.99 * len(e))]
    m = error_measures(pred, true)
    assert np.isclose(m.l1, sum(e) / len(e)) and np.isclose(m.l2, np.sqrt(sum(v * v for v in e) / len(e)))
    assert np.isclose(m.l1_99, sum(kept) / len(kept))
    assert np.isclose(m.l2_99, np.sqrt(sum(v * v for v in kept) / len(kept)))
    assert len(lowest_fraction(np.array(e))) == 496


def test_accuracy_within_and_width_study():
    assert accuracy_within(np.array([1, 5, 9]), np.array([2, 5, 7])) == pytest.approx(2 / 3)
    low = data.jump_signals(120, theta=1.0, sigma=0.1, seed=0)
    high = data.jump_signals(120, theta=1.0, sigma=0.6, seed=0)
    taus = np.array([0.5, 2.0])
    table = width_study({0.1: (low.x, low.positions), 0.6: (high.x, high.positions)}, taus)
    assert table.shape == (2, 2) and np.all((table >= 0) & (table <= 1))
    assert table[0, 0] > table[1, 0]  # less noise, more accurate
    assert table[1, 0] == accuracy_within(detect_jumps(high.x, 19, 0.5), high.positions)


def test_log_mismatch():
    a = ErrorMeasures(1.0, 2.0, 0.5, 1.0)
    assert log_mismatch(a, a) == 0.0
    b = ErrorMeasures(2.0, 2.0, 0.5, 0.5)
    assert log_mismatch(b, a) == pytest.approx((np.log(2) + np.log(2)) / 4)
