"""lib.studies.data.measures: the posterior of the jump position, easy and hard signals (thesis Fig. 3.1), noise."""

import numpy as np
import pytest

from lib import data, embedding
from lib.studies.data import measures


def brute_posterior(x: np.ndarray, theta: float, sigma: float) -> np.ndarray:
    """p(t0 | x) by the Gaussian likelihood of eq. 3.1 at every t0 = 21..80, uniform prior."""
    log_l = np.array([-((x - data.step_signals(np.array([t]), len(x), theta)[0]) ** 2).sum() / (2 * sigma ** 2)
                      for t in range(21, 81)])
    p = np.exp(log_l - log_l.max())
    return p / p.sum()


def test_position_posterior_is_the_likelihood_of_eq_3_1_under_a_uniform_prior():
    signals = data.jump_signals(4, sigma=1.3, seed=2)
    posterior = measures.position_posterior(signals, 3.0)
    assert posterior.shape == (4, 60)
    for row, x in zip(posterior, signals.x.astype(np.float64)):
        assert np.allclose(row, brute_posterior(x, 3.0, 1.3), atol=1e-9)


def test_each_signal_uses_its_own_sigma_and_a_noise_free_step_is_certain():
    signals = data.jump_signals(6, sigma=(0.5, 2.0), seed=3)
    posterior = measures.position_posterior(signals, 3.0)
    for k in range(6):
        assert np.allclose(posterior[k], brute_posterior(signals.x[k].astype(np.float64), 3.0,
                                                         float(signals.sigma[k])), atol=1e-9)
    clean = data.jump_signals(5, sigma=0.0, seed=4)
    assert np.array_equal(measures.position_posterior(clean, 3.0).argmax(axis=1), clean.y)


def test_mass_near_sums_the_posterior_within_the_window():
    p = np.full((2, 60), 1 / 60)
    assert np.allclose(measures.mass_near(p, np.array([0, 30]), 5), [6 / 60, 11 / 60])


def test_difficulty_clear_hard_and_both_exist():
    labels = np.array([10, 30, 30])
    p = np.zeros((3, 60))
    p[0, 10] = 1.0  # clear
    p[1, 26:35] = 1 / 9  # spread over ±4: hard
    p[2, :] = 1 / 60  # spread over everything: neither
    found = measures.difficulty(p, labels)
    assert found.clear.tolist() == [True, False, False] and found.hard.tolist() == [False, True, False]
    assert found.shares() == pytest.approx((1 / 3, 1 / 3)) and found.counts() == (1, 1) and found.both_exist()
    assert not measures.difficulty(p[[0, 2]], labels[[0, 2]]).both_exist()


@pytest.mark.parametrize("sigma, exist", [(0.4, False), (data.jumps.SIGMA_ESTIMATE, True), (3.0, False)])
def test_easy_and_hard_signals_both_exist_only_away_from_the_extremes(sigma, exist):
    signals = data.jump_signals(3000, sigma=sigma, seed=0)
    assert measures.difficulty(measures.position_posterior(signals, 3.0), signals.y).both_exist() is exist


def test_figure_3_1_examples_pick_a_clear_signal_at_21_and_a_hard_one_at_50():
    signals = data.jump_signals(6000, sigma=data.jumps.SIGMA_ESTIMATE, seed=0)
    posterior = measures.position_posterior(signals, 3.0)
    easy, hard = measures.figure_3_1_examples(signals, posterior)
    assert signals.positions[easy] == 21 and signals.positions[hard] == 50
    at_21 = np.flatnonzero(signals.positions == 21)
    assert posterior[easy, 0] == posterior[at_21, 0].max()
    assert measures.difficulty(posterior, signals.y).hard[hard]


def test_figure_3_1_examples_fall_back_to_the_nearest_position_and_to_any_signal_there():
    signals = data.jump_signals(3, positions=(30, 31), sigma=0.1, seed=0)  # no 21, no 50, none hard
    posterior = np.zeros((3, 60))
    posterior[np.arange(3), signals.y] = 1.0
    easy, hard = measures.figure_3_1_examples(signals, posterior)
    assert signals.positions[easy] == signals.positions.min() and signals.positions[hard] == signals.positions.max()


def test_standardised_noise_has_unit_spread_for_one_sigma_and_a_range():
    for sigma in (1.03, (0.5, 2.0)):
        signals = data.jump_signals(2000, sigma=sigma, seed=1)
        assert measures.standardised_noise_std(signals, 3.0) == pytest.approx(1.0, abs=0.01)


def test_noise_within_sampling_is_one_up_to_the_standard_error():
    assert measures.noise_within_sampling(1.0 + 3.0 / np.sqrt(2 * 10000), 10000)
    assert not measures.noise_within_sampling(1.0 + 3.5 / np.sqrt(2 * 10000), 10000)
    rng = np.random.default_rng(0)
    stds = [rng.standard_normal(2000).std() for _ in range(2000)]
    assert np.mean([measures.noise_within_sampling(s, 2000) for s in stds]) > 0.99


def test_order_test_against_a_slow_permutation_count():
    rng = np.random.default_rng(1)
    positions = rng.integers(21, 81, 120).astype(float)
    ordered = np.stack([positions, rng.normal(0, 0.5, 120)], axis=1)  # a map laid out by position
    assert measures.order_test(ordered, positions, permutations=99) == pytest.approx(1 / 100)
    scattered = rng.normal(size=(120, 2))
    p = measures.order_test(scattered, positions, permutations=199, seed=3)
    gap = embedding.neighbour_gap(scattered, positions, k=5)
    shuffles = np.random.default_rng(3)
    slow = sum(embedding.neighbour_gap(scattered, shuffles.permutation(positions), k=5) <= gap for _ in range(199))
    assert p == pytest.approx((1 + slow) / 200) and p > 0.01
