"""Which noise σ the thesis's tables were computed at (it does not say): estimated from many draws of the
signal-processing baseline's test errors against thesis Table 3.1, and the Bayes-optimal yardstick."""

from dataclasses import dataclass

import numpy as np

from lib import data
from lib.jump_errors import ErrorMeasures, error_measures, lowest_fraction
from lib.studies.jump_detection.baseline import argmax_position, smoothed_difference

PAPER_BASELINE = ErrorMeasures(0.5532, 1.4946, 0.4917, 0.7443)  # thesis Table 3.1
# The measures σ is estimated from: L2 is left out, a handful of outliers (errors up to ~60) dominate it.
FIT_MEASURES = ("l1", "l1_99", "l2_99")


@dataclass(frozen=True)
class SigmaScan:
    """The baseline's error measures on `draws` independent test sets at every σ of a grid."""

    grid: np.ndarray  # (S,) noise levels
    measures: dict[str, np.ndarray]  # l1, l2, l1_99, l2_99: (S, D)
    max_99: np.ndarray  # (S, D) largest error of the 99 % subset
    crossings: np.ndarray  # (D, M) per draw and fit measure, the σ at which the draw's curve meets Table 3.1

    @property
    def per_draw(self) -> np.ndarray:
        """σ estimated from each draw: the mean of its crossings over the fit measures, (D,)."""
        return self.crossings.mean(axis=1)

    @property
    def estimate(self) -> float:
        """σ̂: the mean of the per-draw estimates."""
        return float(np.nanmean(self.per_draw))

    @property
    def spread(self) -> float:
        """Standard deviation of the per-draw estimates (ddof 1)."""
        return float(np.nanstd(self.per_draw, ddof=1)) if np.isfinite(self.per_draw).sum() > 1 else 0.0

    def share_below(self, key: str, sigma: float, value: float) -> float:
        """At the grid point nearest σ: the share of draws whose measure `key` lies below `value`."""
        row = int(np.argmin(np.abs(self.grid - sigma)))
        return float(np.mean(self.measures[key][row] < value))

    def share_within_2(self, sigma: float) -> float:
        """At the grid point nearest σ: the share of draws whose 99 % subset has errors ≤ 2 (thesis Fig. 3.7)."""
        row = int(np.argmin(np.abs(self.grid - sigma)))
        return float(np.mean(self.max_99[row] <= 2))


def crossing(grid: np.ndarray, values: np.ndarray, target: float) -> float:
    """σ where a curve increasing along the grid first reaches `target`, linearly interpolated; NaN outside."""
    above = np.nonzero(values >= target)[0]
    if len(above) == 0 or above[0] == 0:
        return float("nan")
    i = above[0]
    fraction = (target - values[i - 1]) / (values[i] - values[i - 1])
    return float(grid[i - 1] + fraction * (grid[i] - grid[i - 1]))


def scan_sigma(grid: np.ndarray, n_test: int, draws: int, theta: float, seed: int) -> SigmaScan:
    """Baseline errors on `draws` test sets of n_test signals at every σ of the grid (draw d uses seed + 1000 + d,
    the same noise pattern scaled at every σ, so each draw's curve is smooth in σ). The detector's curve is linear
    in the signal, so it is computed once for the steps and once for the noise of a draw and combined per σ."""
    measures = {k: np.empty((len(grid), draws)) for k in PAPER_BASELINE.as_dict()}
    max_99 = np.empty((len(grid), draws))
    for d in range(draws):
        unit = data.jump_signals(n_test, theta=0.0, sigma=1.0, seed=seed + 1000 + d)  # θ = 0: x is unit noise
        positions = unit.positions
        step_curve = smoothed_difference(data.step_signals(positions, unit.x.shape[1], theta))
        noise_curve = smoothed_difference(unit.x)
        for row, s in enumerate(grid):
            predicted = argmax_position(step_curve + float(s) * noise_curve)
            for k, v in error_measures(predicted, positions).as_dict().items():
                measures[k][row, d] = v
            max_99[row, d] = lowest_fraction(predicted - positions).max()
    paper = PAPER_BASELINE.as_dict()
    crossings = np.array([[crossing(grid, measures[k][:, d], paper[k]) for k in FIT_MEASURES]
                          for d in range(draws)])
    return SigmaScan(np.asarray(grid, dtype=float), measures, max_99, crossings)


def bayes_positions(x: np.ndarray, theta: float, positions: tuple[int, int] = (21, 80)) -> np.ndarray:
    """The most probable t0 given x for known θ and σ and a uniform prior (1-based): (N,).

    log p(x | t0) = const + Σ_{i ≥ t0} (θ x_i − θ²/2) / σ², so the argmax over t0 needs neither σ nor a model: it
    is the position where the tail sum of x_i − θ/2 is largest. Linear in x, so a 1-layer softmax can represent it.
    """
    x = np.asarray(x, dtype=np.float64)
    tail = np.cumsum((x - theta / 2)[:, ::-1], axis=1)[:, ::-1]  # (N, n): tail[:, i-1] = Σ_{j ≥ i}
    lo, hi = positions
    return lo + np.argmax(tail[:, lo - 1:hi], axis=1)


def scan_grid(low: float, high: float, step: float, sigma: float) -> np.ndarray:
    """The σ grid low, low + step, ..., high, with the run's own σ added: (S,)."""
    return np.union1d(np.round(np.arange(low, high + 1e-9, step), 6), [sigma])


def posterior_median_positions(x: np.ndarray, theta: float, sigma: float,
                               positions: tuple[int, int] = (21, 80)) -> np.ndarray:
    """The median of the posterior of t0 given x for known θ and σ and a uniform prior (1-based): (N,). It minimises
    the expected |t̂ − t0|, so its L1 is the lowest any detector reaches in expectation (cf. bayes_positions, the
    mode, which maximises the exact share). log p(t0 | x) = const + Σ_{i ≥ t0} θ (x_i − θ/2) / σ²."""
    x = np.asarray(x, dtype=np.float64)
    tail = np.cumsum((x - theta / 2)[:, ::-1], axis=1)[:, ::-1]  # (N, n)
    lo, hi = positions
    log_post = theta * tail[:, lo - 1:hi] / sigma ** 2  # (N, positions)
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    cdf = np.cumsum(post, axis=1) / post.sum(axis=1, keepdims=True)
    return lo + np.argmax(cdf >= 0.5, axis=1)


def l1_optimal_risk(n: int, theta: float, sigma: float, seed: int) -> float:
    """The posterior-median detector's L1 on n signals at σ: one noise pattern (seed) scaled by σ, so the curve over
    σ is smooth."""
    unit = data.jump_signals(n, theta=0.0, sigma=1.0, seed=seed)  # θ = 0: x is unit noise
    x = data.step_signals(unit.positions, unit.x.shape[1], theta) + sigma * unit.x
    return float(np.abs(posterior_median_positions(x, theta, sigma) - unit.positions).mean())
