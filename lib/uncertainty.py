"""How uncertain a measured number is: one draw's spread from every source of randomness the run has (network
seeds, data draws, test-set sampling), the prediction interval for one more draw, and the sign test for a
systematic offset across a table's rows. The verdict rule of lib.claims reads these.

A paper reports one network. Its number is read as one more draw from the distribution this run samples: if our
draws x_1..x_n have mean m and standard deviation s, one new draw lies in m ± t(0.975, df) · s · √(1 + 1/n) with
probability 0.95 (the normal prediction interval; df from the spread's own estimate).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95  # the prediction interval's coverage: a paper value from our own distribution falls outside 5 %
SIGNIFICANCE = 1 - LEVEL  # the level of the book's tests (sign test, permutation tests): the same 5 %


@dataclass(frozen=True)
class Measurement:
    """A number measured over n independent draws: mean, one draw's standard deviation (every source combined),
    the degrees of freedom of that standard deviation (inf where it is known, e.g. binomial), and what varied."""

    mean: float
    sd: float
    n: int
    df: float
    sources: str

    def __post_init__(self):
        if self.n < 1 or self.sd < 0 or self.df < 0:
            raise ValueError(f"Measurement: n ≥ 1, sd ≥ 0 and df ≥ 0 required, got n={self.n}, sd={self.sd}, "
                             f"df={self.df}")

    def as_json(self) -> dict:
        """The stored form: mean, sd, n, df (null for a known spread), sources and the prediction interval (null ends
        where it is unbounded)."""
        interval = [None if math.isinf(end) else end for end in prediction_interval(self)]
        return {"mean": self.mean, "sd": self.sd, "n": self.n, "df": None if math.isinf(self.df) else self.df,
                "sources": self.sources, "interval": interval}

    @classmethod
    def from_json(cls, value: dict) -> "Measurement":
        """A stored measurement read back (older records hold `spread` over seeds, df = n − 1)."""
        sd = value["sd"] if "sd" in value else value["spread"]
        df = value.get("df", value["n"] - 1)
        return cls(float(value["mean"]), float(sd), int(value["n"]), math.inf if df is None else float(df),
                   value.get("sources", "network seeds"))


def over_repeats(values: Iterable[float], sources: str = "network seeds") -> Measurement:
    """Mean and sample standard deviation (ddof 1) of independent draws; `sources` names what varied between them.
    One draw has no spread of its own: sd 0 with df 0, which the rule reads as 'cannot tell'."""
    array = np.asarray(list(values), dtype=float)
    if array.size == 0:
        raise ValueError("over_repeats: expected at least one value")
    sd = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return Measurement(float(array.mean()), sd, int(array.size), float(array.size - 1), sources)


def over_draws_and_seeds(values, sources: str) -> Measurement:
    """One network's measure over data draws (rows) × network seeds (columns), x_ds = μ + a_d + e_ds: the one-way
    random-effects analysis of variance (balanced). σ_e² = MSW, σ_a² = max(0, (MSB − MSW)/S), one new network's
    spread √(σ_a² + σ_e²) with Welch–Satterthwaite df, and n such that sd²/n is the grand mean's variance
    MSB/(D S), rounded down (the wider interval); one seed per draw, or one draw, is plain over_repeats."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"over_draws_and_seeds: expected a non-empty (draws, seeds) array, got shape {x.shape}")
    draws, seeds = x.shape
    if seeds == 1 or draws == 1:
        return over_repeats(x.ravel(), sources)
    msb = seeds * float(x.mean(axis=1).var(ddof=1))
    between, msw = variance_components(x)
    total = between + msw
    if total == 0:
        return Measurement(float(x.mean()), 0.0, x.size, float(x.size - 1), sources)
    if between > 0:
        parts = ((msb / seeds, draws - 1), (msw * (seeds - 1) / seeds, draws * (seeds - 1)))
    else:  # the draws vary less than the seeds suggest: σ_a = 0, the spread is the within-draw one
        parts = ((msw, draws * (seeds - 1)),)
    df = total ** 2 / sum(part ** 2 / dof for part, dof in parts)
    n = x.size if msb <= 0 else max(draws, min(x.size, math.floor(x.size * total / msb)))
    return Measurement(float(x.mean()), math.sqrt(total), int(n), float(df), sources)


def variance_components(values) -> tuple[float, float]:
    """The variance estimates (σ_a², σ_e²) of a (draws ≥ 2, seeds ≥ 2) array: between data draws (truncated at 0)
    and between seeds on one draw."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or min(x.shape) < 2:
        raise ValueError(f"variance_components: expected a (draws ≥ 2, seeds ≥ 2) array, got shape {x.shape}")
    msb = x.shape[1] * float(x.mean(axis=1).var(ddof=1))
    msw = float(x.var(axis=1, ddof=1).mean())
    return max(0.0, (msb - msw) / x.shape[1]), msw


def exact(value: float, sources: str = "computed exactly") -> Measurement:
    """A number with no randomness behind it (a closed form, an enumeration): sd 0, known."""
    return Measurement(float(value), 0.0, 1, math.inf, sources)


def binomial_variance(p: float, trials: int) -> float:
    """The variance of a proportion measured on `trials` independent items (test-set sampling): p(1 − p)/trials."""
    if trials < 1:
        raise ValueError(f"binomial_variance: trials must be ≥ 1, got {trials}")
    return p * (1.0 - p) / trials


def with_sampling(measurement: Measurement, variance: float, what: str) -> Measurement:
    """Add a known variance (e.g. test-set sampling) to one draw's variance; the degrees of freedom follow
    Welch–Satterthwaite, with the known part exact."""
    estimated, total = measurement.sd ** 2, measurement.sd ** 2 + variance
    df = satterthwaite(estimated, measurement.df, total)
    return Measurement(measurement.mean, math.sqrt(total), measurement.n, df, f"{measurement.sources}; {what}")


def satterthwaite(estimated: float, df: float, total: float) -> float:
    """Degrees of freedom of a variance `total` of which only `estimated` (with `df`) is estimated: total² / (e²/df)."""
    if estimated == 0:  # no spread seen: known (exact, or identical repeats) unless one draw left it unknown
        return df if df == 0 else (math.inf if total > 0 else df)
    if df == 0:
        return 0.0
    return total ** 2 / (estimated ** 2 / df)


def predictive_sd(measurement: Measurement) -> float:
    """The standard deviation of one new draw minus our mean: sd · √(1 + 1/n)."""
    return measurement.sd * math.sqrt(1.0 + 1.0 / measurement.n)


def rerun_sd(measurement: Measurement, half_width: float) -> float:
    """How far a re-run with new seeds and draws could move a distance to a decision boundary: the standard
    deviation of the difference of two independent estimates of the mean (2 sd²/n) and of the interval's
    half-width (2 · half²/(2 df), the delta method for a standard deviation on df degrees of freedom)."""
    if measurement.df <= 0:
        return math.inf
    width = 0.0 if math.isinf(measurement.df) else half_width ** 2 / measurement.df
    return math.sqrt(2 * measurement.sd ** 2 / measurement.n + width)


def critical_value(df: float, level: float = LEVEL) -> float:
    """The two-sided Student-t quantile for `df` degrees of freedom (the normal one for df = inf); inf for df 0."""
    if df <= 0:
        return math.inf
    q = 0.5 + level / 2
    return float(stats.norm.ppf(q)) if math.isinf(df) else float(stats.t.ppf(q, df))


def prediction_interval(measurement: Measurement, level: float = LEVEL) -> tuple[float, float]:
    """Where one more draw lies with probability `level`: mean ± t · sd · √(1 + 1/n) (unbounded when one draw
    leaves the spread unknown, df 0)."""
    if measurement.df <= 0:
        return -math.inf, math.inf
    half = critical_value(measurement.df, level) * predictive_sd(measurement)
    return measurement.mean - half, measurement.mean + half


def rounding(value: float, decimals: int | None = None) -> float:
    """Half a unit of the last digit a paper printed: 0.5 · 10^−decimals (0.950 printed with 3 decimals → 0.0005).
    Without `decimals` it is read from the shortest form of the float (0.3083 → 0.00005), which loses printed
    trailing zeros, so a claim whose paper value ends in 0 states its decimals; a paper value of exactly 0 is
    exact."""
    if decimals is not None:
        return 0.5 * 10.0 ** -decimals
    text = repr(float(value))
    if value == 0 or "e" in text:
        return 0.0
    shown = len(text.split(".")[1].rstrip("0"))
    return 0.5 * 10.0 ** -shown


def sign_test(differences: Sequence[float]) -> float:
    """Two-sided exact sign test: the probability of a split at least this uneven if each row's difference were
    equally likely to be positive or negative (zeros dropped)."""
    signs = [d for d in differences if d != 0]
    if not signs:
        return 1.0
    above = sum(d > 0 for d in signs)
    return float(stats.binomtest(above, len(signs), 0.5).pvalue)
