"""lib.studies.jump_detection.sigma: the σ scan against Table 3.1 and the Bayes classifier, against loops."""

import numpy as np
import pytest

from lib import data
from lib.jump_errors import error_measures
from lib.studies.jump_detection.baseline import detect_jumps
from lib.studies.jump_detection.sigma import (
    FIT_MEASURES,
    bayes_positions,
    crossing,
    l1_optimal_risk,
    posterior_median_positions,
    scan_grid,
    scan_sigma,
)


def test_crossing_interpolates_and_is_nan_outside():
    grid = np.array([1.0, 2.0, 3.0])
    assert crossing(grid, np.array([0.0, 1.0, 2.0]), 1.5) == pytest.approx(2.5)
    assert crossing(grid, np.array([0.0, 1.0, 2.0]), 1.0) == pytest.approx(2.0)
    assert np.isnan(crossing(grid, np.array([0.0, 1.0, 2.0]), 5.0))
    assert np.isnan(crossing(grid, np.array([3.0, 4.0, 5.0]), 1.0))


def test_bayes_positions_match_a_log_likelihood_loop():
    signals = data.jump_signals(40, theta=3.0, sigma=1.3, seed=3)
    got = bayes_positions(signals.x, 3.0)
    for x, t_hat in zip(signals.x.astype(np.float64), got):
        loglik = [-(x[:t - 1] ** 2).sum() - ((x[t - 1:] - 3.0) ** 2).sum() for t in range(21, 81)]
        assert t_hat == 21 + int(np.argmax(loglik))


def test_posterior_median_matches_a_loop_over_the_likelihood():
    signals = data.jump_signals(40, theta=3.0, sigma=1.3, seed=3)
    got = posterior_median_positions(signals.x, 3.0, 1.3)
    for x, t_hat in zip(signals.x.astype(np.float64), got):
        loglik = np.array([(-(x[:t - 1] ** 2).sum() - ((x[t - 1:] - 3.0) ** 2).sum()) / (2 * 1.3 ** 2)
                           for t in range(21, 81)])
        post = np.exp(loglik - loglik.max())
        post /= post.sum()
        median = next(t for t in range(21, 81) if post[:t - 20].sum() >= 0.5)
        assert t_hat == median


def test_the_posterior_median_has_a_lower_l1_than_the_mode_and_its_risk_grows_with_sigma():
    signals = data.jump_signals(3000, theta=3.0, sigma=1.0, seed=8)
    median = np.abs(posterior_median_positions(signals.x, 3.0, 1.0) - signals.positions).mean()
    mode = np.abs(bayes_positions(signals.x, 3.0) - signals.positions).mean()
    assert median < mode
    risks = [l1_optimal_risk(2000, 3.0, s, seed=1) for s in (0.8, 1.0, 1.2)]
    assert risks[0] < risks[1] < risks[2]


def test_bayes_classifier_finds_exact_positions_at_least_as_often_as_the_baseline():
    signals = data.jump_signals(3000, theta=3.0, sigma=1.0, seed=4)
    bayes = np.mean(bayes_positions(signals.x, 3.0) == signals.positions)
    baseline = np.mean(detect_jumps(signals.x) == signals.positions)
    assert bayes >= baseline


def test_scan_matches_direct_draws_and_estimates_between_the_grid_ends():
    grid = scan_grid(0.8, 1.3, 0.1, 1.03)
    assert 1.03 in grid and grid[0] == pytest.approx(0.8) and grid[-1] == pytest.approx(1.3)
    scan = scan_sigma(grid, 2000, 3, 3.0, 0)
    assert scan.measures["l1"].shape == (len(grid), 3) and scan.crossings.shape == (3, len(FIT_MEASURES))
    unit = data.jump_signals(2000, theta=0.0, sigma=1.0, seed=1000 + 1)  # draw 1, at grid point 2
    x = data.step_signals(unit.positions, 100, 3.0) + grid[2] * unit.x
    assert scan.measures["l1"][2, 1] == pytest.approx(error_measures(detect_jumps(x), unit.positions).l1)
    assert np.all(np.diff(scan.measures["l1"].mean(axis=1)) > 0)  # errors grow with σ
    assert 0.8 < scan.estimate < 1.3 and scan.spread >= 0
    assert 0.0 <= scan.share_within_2(1.03) <= 1.0
