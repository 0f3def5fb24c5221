"""lib.studies.bottleneck.embedding against the thesis's equations (§4.3, eq. 4.1-4.2) and slow per-trial references."""

import numpy as np
import pytest
from scipy import stats

from lib.studies.bottleneck import embedding as mp


def points(seed: int, n: int, p: int) -> np.ndarray:
    return np.random.default_rng(seed).random((n, p))


def test_toy_centred_map_is_the_projection_of_e_k_on_the_plane_orthogonal_to_the_diagonal():
    """§4.3.2: F^+(w_k) = e_k - <e_k, k> k with k = (1, 1, 1)/sqrt(3), i.e. e_k - 1/3."""
    v = points(0, 3, 2)
    A = mp.centred_map(v)
    m = v.mean(axis=0)
    F = (v - m).T  # (2, 3) columns w_k
    assert np.allclose(F.sum(axis=1), 0)  # w_1 + w_2 + w_3 = 0: the kernel of F is the diagonal
    assert np.allclose(F @ np.ones(3), 0)
    diag = np.ones(3) / np.sqrt(3)
    expected = np.eye(3) - np.outer(diag, diag)  # column k: e_k - <e_k, k> k
    assert np.allclose(A.W @ (v - m).T, expected)
    assert np.allclose(A(v).T, expected)  # A(x) = F^+(x - m) = W x + b
    assert np.allclose(A.b, -A.W @ m)
    assert (mp.hard_max(A(v)) == np.eye(3)).all()


def test_least_squares_affine_solves_the_normal_equations_of_eq_4_1():
    """(W b) = V~ (V~^T V~)^{-1} minimises ||V~ (W b)^T - I_n|| and the images are eq. 4.2."""
    v = points(1, 9, 3)
    A = mp.least_squares_affine(v)
    design = np.hstack([v, np.ones((9, 1))])
    reference, *_ = np.linalg.lstsq(design, np.eye(9), rcond=None)  # (p + 1, n)
    assert np.allclose(np.hstack([A.W, A.b[:, None]]), reference.T)
    assert np.allclose(A(v).T, design @ np.linalg.inv(design.T @ design) @ design.T)  # eq. 4.2
    assert np.allclose(mp.hat_matrix(v, "affine"), A(v).T)
    assert np.allclose(mp.least_squares_fit(v, np.eye(9)).W, A.W)


def test_exact_inverse_when_n_is_p_plus_one():
    """§4.3.3: with n = p + 1 the system of eq. 4.1 is square and every v_k goes exactly to e_k."""
    v = points(2, 4, 3)
    assert np.allclose(mp.least_squares_affine(v)(v), np.eye(4))


def test_linear_map_is_the_pseudo_inverse_of_the_map_sending_e_k_to_v_k():
    """§4.3.4: F e_k = v_k, L = F^+, L v_k = F^+ F e_k; the images are V (V^T V)^{-1} V^T."""
    v = points(3, 7, 2)
    L = mp.linear_map(v)
    F = v.T
    assert np.allclose(F @ np.eye(7), v.T)
    assert np.allclose(L.W, np.linalg.pinv(F))
    assert np.allclose(L(v).T, v @ np.linalg.inv(v.T @ v) @ v.T)
    assert np.allclose(mp.hat_matrix(v, "linear"), L(v).T)


def test_centred_images_are_affine_images_minus_one_over_n():
    """The centred map (§4.3.2) and the affine least squares (§4.3.3) differ by the constant 1/n."""
    v = points(4, 11, 3)
    assert np.allclose(mp.least_squares_affine(v)(v) - mp.centred_map(v)(v), 1 / 11)


def test_hard_max_example_of_the_thesis():
    assert mp.hard_max(np.array([3, -2, 1.2, 5, -2])).tolist() == [0, 0, 0, 1, 0]


@pytest.mark.parametrize("construction", mp.CONSTRUCTIONS)
@pytest.mark.parametrize("n, p", [(4, 2), (6, 2), (8, 3), (12, 4)])
def test_batched_success_equals_a_loop_over_trials_with_pinv(construction, n, p):
    """The QR and whitened (torch) kernels agree with hard-max of the explicit pinv maps, trial by trial."""
    trials = np.random.default_rng(n * p).random((300, n, p))
    build = mp.linear_map if construction == "linear" else mp.centred_map
    loop = np.array([(mp.hard_max(build(v)(v)) == np.eye(n)).all() for v in trials])
    assert (mp.embedded(mp.hat_matrix(trials, construction)) == loop).all()
    assert (mp.embedded_batch(trials, construction) == loop).all()


def test_success_count_is_chunk_independent_and_deterministic():
    a = mp.success_count(2, 4, 5000, "affine", seed=3, chunk=5000)
    b = mp.success_count(2, 4, 5000, "affine", seed=3, chunk=1000)
    assert a == b == mp.success_count(2, 4, 5000, "affine", seed=3)
    assert 0.4 < a / 5000 < 0.56  # measured ≈ 0.48 for four points in the plane


@pytest.mark.parametrize("distribution", mp.DISTRIBUTIONS)
def test_point_distributions_have_their_stated_support_and_moments(distribution):
    x = mp.random_points(np.random.default_rng(5), 4000, 5, 3, distribution)
    assert x.shape == (4000, 5, 3)
    mean, low, high = {"unit_cube": (0.5, 0, 1), "centred_cube": (0.0, -1, 1),
                       "gaussian": (0.0, -np.inf, np.inf)}[distribution]
    assert abs(x.mean() - mean) < 0.02 and x.min() >= low and x.max() <= high
    if distribution == "gaussian":
        assert abs(x.std() - 1) < 0.02


def test_success_count_with_a_distribution_equals_a_loop_over_its_draws():
    """success_count on a named law counts exactly what hard-max of the explicit pinv map gives on the same draws."""
    draws = mp.random_points(np.random.default_rng(11), 400, 6, 2, "gaussian")
    loop = sum(bool((mp.hard_max(mp.linear_map(v)(v)) == np.eye(6)).all()) for v in draws)
    assert mp.success_count(2, 6, 400, "linear", seed=11, distribution="gaussian") == loop
    with pytest.raises(ValueError):
        mp.success_count(2, 6, 10, "linear", r=0.1, distribution="gaussian")


def test_separated_points_match_one_at_a_time_rejection():
    """Whole-set rejection, batched, keeps exactly the sets a one-set-at-a-time loop keeps, in order."""
    n, p, r, trials = 5, 2, 0.2, 40
    fast = mp.separated_points(np.random.default_rng(7), trials, n, p, r, batch=16)
    rng, slow = np.random.default_rng(7), []
    while len(slow) < trials:
        candidate = rng.random((n, p))
        close = [np.linalg.norm(candidate[i] - candidate[j]) < r for i in range(n) for j in range(i + 1, n)]
        if not any(close):
            slow.append(candidate)
    assert np.array_equal(fast, np.array(slow))
    assert (mp.min_separation(fast) >= r).all()


def brute_clopper_pearson(k: int, N: int, level: float) -> tuple[float, float]:
    """Bisection on the binomial tails: P(X >= k | low) = α/2 and P(X <= k | high) = α/2."""
    alpha = 1 - level

    def root(f):
        lo, hi = 0.0, 1.0
        for _ in range(100):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
        return (lo + hi) / 2
    low = 0.0 if k == 0 else root(lambda q: stats.binom.sf(k - 1, N, q) - alpha / 2)
    high = 1.0 if k == N else root(lambda q: alpha / 2 - stats.binom.cdf(k, N, q))
    return low, high


def brute_wilson(k: int, N: int, level: float) -> tuple[float, float]:
    """The smallest and largest q on a fine grid with |k/N - q| <= z sqrt(q (1 - q) / N)."""
    z = stats.norm.ppf(0.5 + level / 2)
    q = np.linspace(0, 1, 2_000_001)
    inside = q[np.abs(k / N - q) <= z * np.sqrt(q * (1 - q) / N)]
    return inside.min(), inside.max()


@pytest.mark.parametrize("k, N", [(0, 10), (1, 10), (5, 10), (10, 10), (3, 1000), (0, 100000), (37, 200)])
def test_intervals_against_brute_force(k, N):
    low, high = brute_clopper_pearson(k, N, 0.95)
    cp = mp.clopper_pearson(k, N)
    assert cp.low == pytest.approx(low, abs=1e-9) and cp.high == pytest.approx(high, abs=1e-9)
    low, high = brute_wilson(k, N, 0.95)
    w = mp.wilson(k, N)
    assert w.low == pytest.approx(low, abs=1e-6) and w.high == pytest.approx(high, abs=1e-6)
    assert cp.low <= k / N <= cp.high and cp.estimate == k / N
