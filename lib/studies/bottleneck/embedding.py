"""Thesis §4.3: maps from a p-dim bottleneck to n one-hot outputs built with the Moore-Penrose inverse.

Three constructions send n points v_k (rows of V, shape (n, p)) towards the unit vectors e_k of R^n:

- linear (§4.3.4): F = (v_1 ... v_n) maps e_k to v_k; L = F^+; images L v_k = columns of V (V^T V)^{-1} V^T;
- centred (§4.3.2): w_k = v_k - m, F = (w_1 ... w_n), A(x) = F^+ (x - m), i.e. W = F^+, b = -F^+ m;
- affine least squares (§4.3.3, eq. 4.1-4.2): (W b) = V~ (V~^T V~)^{-1} with V~ = (V 1);
  images V~ (V~^T V~)^{-1} V~^T.

The images under the centred map equal the affine ones minus 1/n in every entry (the column space of V~ is
span(1) plus the orthogonal column space of the centred points), so hard-max sends the same points to the same
unit vectors under both: one "centred/affine" construction for the Monte-Carlo study.
"""

from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats

CONSTRUCTIONS = ("linear", "affine")


@dataclass(frozen=True)
class AffineMap:
    """x ↦ W x + b from R^p to R^n: W (n, p), b (n,)."""

    W: np.ndarray
    b: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Images of points x (m, p) as rows (m, n)."""
        return x @ self.W.T + self.b


def linear_map(v: np.ndarray) -> AffineMap:
    """Thesis §4.3.4: L = F^+ for F = (v_1 ... v_n) (p, n), no bias; v (n, p)."""
    return AffineMap(np.linalg.pinv(v.T), np.zeros(len(v)))


def centred_map(v: np.ndarray) -> AffineMap:
    """Thesis §4.3.2: m = mean of the v_k, F = (v_1 - m ... v_n - m), W = F^+, b = -F^+ m; v (n, p)."""
    m = v.mean(axis=0)  # (p,)
    pinv = np.linalg.pinv((v - m).T)  # (n, p)
    return AffineMap(pinv, -pinv @ m)


def design_matrix(v: np.ndarray) -> np.ndarray:
    """Thesis eq. 4.1: V~ with rows (v_k^T, 1), shape (..., n, p + 1)."""
    ones = np.ones(v.shape[:-1] + (1,), dtype=v.dtype)
    return np.concatenate([v, ones], axis=-1)


def least_squares_affine(v: np.ndarray) -> AffineMap:
    """Thesis eq. 4.1: (W b) = V~ (V~^T V~)^{-1}, the least-squares solution of V~ (W b)^T = I_n; v (n, p)."""
    design = design_matrix(v)  # (n, p + 1)
    wb = design @ np.linalg.inv(design.T @ design)  # (n, p + 1)
    return AffineMap(wb[:, :-1], wb[:, -1])


def least_squares_fit(codes: np.ndarray, targets: np.ndarray) -> AffineMap:
    """The affine map minimising sum_s ||W a_s + b - t_s||² (eq. 4.1 with many samples per class); codes (m, p)."""
    solution, *_ = np.linalg.lstsq(design_matrix(codes), targets, rcond=None)  # (p + 1, n)
    return AffineMap(solution[:-1].T, solution[-1])


def hat_matrix(v: np.ndarray, construction: str) -> np.ndarray:
    """Thesis eq. 4.2: images of the v_k as columns, V (V^T V)^{-1} V^T via QR; v (..., n, p) → (..., n, n).

    'linear' uses V itself (§4.3.4), 'affine' the design matrix (V 1) (eq. 4.1-4.2).
    """
    if construction not in CONSTRUCTIONS:
        raise ValueError(f"construction: expected one of {CONSTRUCTIONS}, got {construction!r}")
    design = v if construction == "linear" else design_matrix(v)
    q, _ = np.linalg.qr(design)  # (..., n, q) orthonormal basis of the column space
    return q @ np.swapaxes(q, -1, -2)


def hard_max(x: np.ndarray) -> np.ndarray:
    """Thesis §4.3.4: h(x) = the unit vector at the position of the maximum, over the last axis."""
    return np.eye(x.shape[-1], dtype=np.int64)[x.argmax(axis=-1)]


def embedded(images: np.ndarray) -> np.ndarray:
    """Whether hard-max sends every v_k to e_k: column k of images (..., n, n) peaks at row k; (...,) bool."""
    n = images.shape[-1]
    return (images.argmax(axis=-2) == np.arange(n)).all(axis=-1)


def uniform_points(rng: np.random.Generator, trials: int, n: int, p: int) -> np.ndarray:
    """Thesis §4.3.4 scheme 1: n points uniform on [0, 1]^p per trial, (trials, n, p)."""
    return rng.random((trials, n, p))


DISTRIBUTIONS = ("unit_cube", "centred_cube", "gaussian")


def random_points(rng: np.random.Generator, trials: int, n: int, p: int, distribution: str = "unit_cube") -> np.ndarray:
    """n points per trial, (trials, n, p): uniform on [0, 1]^p (the thesis's Fig. 4.15 law), uniform on
    [-1, 1]^p (zero mean), or standard Gaussian. The thesis states the law only for Fig. 4.15."""
    if distribution == "unit_cube":
        return uniform_points(rng, trials, n, p)
    if distribution == "centred_cube":
        return 2.0 * rng.random((trials, n, p)) - 1.0
    if distribution == "gaussian":
        return rng.standard_normal((trials, n, p))
    raise ValueError(f"distribution: expected one of {DISTRIBUTIONS}, got {distribution!r}")


def min_separation(points: np.ndarray) -> np.ndarray:
    """Smallest pairwise Euclidean distance within each set of points (..., n, p) → (...,)."""
    diff = points[..., :, None, :] - points[..., None, :, :]  # (..., n, n, p)
    dist = np.sqrt((diff ** 2).sum(-1))  # (..., n, n)
    n = points.shape[-2]
    dist[..., np.arange(n), np.arange(n)] = np.inf
    return dist.min(axis=(-2, -1))


def separated_points(rng: np.random.Generator, trials: int, n: int, p: int, r: float,
                     batch: int = 4096) -> np.ndarray:
    """Thesis §4.3.4 schemes 2-3: uniform sets conditioned on min distance >= r, by whole-set rejection.

    Whole sets are drawn uniformly and kept only when no pair is closer than r, so a kept set is exactly
    uniform on the allowed configurations (unlike sequential placement). Returns (trials, n, p).
    """
    kept, count = [], 0
    while count < trials:
        draw = uniform_points(rng, batch, n, p)  # (batch, n, p)
        good = draw[min_separation(draw) >= r]
        kept.append(good)
        count += len(good)
    return np.concatenate(kept)[:trials]


def whitened(points: torch.Tensor, construction: str) -> torch.Tensor:
    """Rows c_k of an orthonormal basis of the span used by eq. 4.2, so that V (V^T V)^{-1} V^T = C C^T.

    'linear': C = V L^{-T} with V^T V = L L^T; 'affine': the same for the centred points, which drops the
    constant 1/n of eq. 4.2 and does not change any argmax. points (T, n, p) float64 → (T, n, p).
    """
    if construction not in CONSTRUCTIONS:
        raise ValueError(f"construction: expected one of {CONSTRUCTIONS}, got {construction!r}")
    v = points if construction == "linear" else points - points.mean(dim=1, keepdim=True)
    chol = torch.linalg.cholesky(v.transpose(1, 2) @ v)  # (T, p, p)
    return torch.linalg.solve_triangular(chol, v.transpose(1, 2), upper=False).transpose(1, 2)


def embedded_batch(points: np.ndarray, construction: str) -> np.ndarray:
    """embedded(hat_matrix(points)) for many trials at once, in torch: points (T, n, p) → (T,) bool."""
    c = whitened(torch.from_numpy(points), construction)  # (T, n, p)
    images = c @ c.transpose(1, 2)  # (T, n, n), symmetric: column k = images of v_k
    n = images.shape[-1]
    return (images.argmax(dim=1) == torch.arange(n)).all(dim=1).numpy()


CHUNK = 65536  # trials drawn at once; a separated draw (r > 0) depends on it, through its rejection batches


def success_count(p: int, n: int, trials: int, construction: str, r: float = 0.0, seed: int = 0,
                  chunk: int = CHUNK, distribution: str = "unit_cube") -> int:
    """Monte-Carlo successes of hard-max ∘ map sending n random points to their own e_k (§4.3.4).

    Points follow `distribution` (random_points; r = 0), or are uniform on [0, 1]^p conditioned on a minimum
    separation r (whole-set rejection; r > 0 needs the unit cube).
    """
    if r > 0 and distribution != "unit_cube":
        raise ValueError("success_count: a minimum separation r > 0 is defined for the unit cube only")
    rng = np.random.default_rng(seed)
    successes = 0
    for start in range(0, trials, chunk):
        size = min(chunk, trials - start)
        points = (random_points(rng, size, n, p, distribution) if r == 0
                  else separated_points(rng, size, n, p, r))
        successes += int(embedded_batch(points, construction).sum())
    return successes


@dataclass(frozen=True)
class Interval:
    """A binomial proportion k/N with a two-sided confidence interval [low, high]."""

    successes: int
    trials: int
    low: float
    high: float

    @property
    def estimate(self) -> float:
        """k / N."""
        return self.successes / self.trials


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Exact binomial interval: low/high are the α/2 and 1-α/2 quantiles of Beta(k, N-k+1) / Beta(k+1, N-k)."""
    alpha = 1.0 - level
    low = 0.0 if successes == 0 else float(stats.beta.ppf(alpha / 2, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    return Interval(successes, trials, low, high)


def wilson(successes: int, trials: int, level: float = 0.95) -> Interval:
    """Wilson score interval: the p with |k/N - p| <= z sqrt(p (1 - p) / N)."""
    z = float(stats.norm.ppf(0.5 + level / 2))
    phat, z2 = successes / trials, z * z / trials
    centre = (phat + z2 / 2) / (1 + z2)
    half = z * np.sqrt(phat * (1 - phat) / trials + z2 / (4 * trials)) / (1 + z2)
    return Interval(successes, trials, max(0.0, float(centre - half)), min(1.0, float(centre + half)))
