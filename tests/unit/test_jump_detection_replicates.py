"""lib.uncertainty.over_draws_and_seeds (jump detection and bottleneck use it) and the seeds of
lib.studies.jump_detection.replicates: the nested (data draws × network seeds) measurement against a slow
transcription of the one-way random-effects analysis, its coverage on simulated draws, and the seeds of the draws."""

import math

import numpy as np
import pytest

from lib.studies.jump_detection.replicates import draw_seed, network_seeds, sources
from lib.uncertainty import over_draws_and_seeds as nested
from lib.uncertainty import over_repeats, prediction_interval
from lib.uncertainty import variance_components as components


def slow_nested(x):
    """The ANOVA written out with loops: (mean, total variance, n, df)."""
    d, s = len(x), len(x[0])
    grand = sum(sum(row) for row in x) / (d * s)
    means = [sum(row) / s for row in x]
    ssb = s * sum((m - grand) ** 2 for m in means)
    ssw = sum((v - means[i]) ** 2 for i, row in enumerate(x) for v in row)
    msb, msw = ssb / (d - 1), ssw / (d * (s - 1))
    between = max(0.0, (msb - msw) / s)
    total = between + msw
    if between > 0:
        df = total ** 2 / ((msb / s) ** 2 / (d - 1) + (msw * (s - 1) / s) ** 2 / (d * (s - 1)))
    else:
        df = (d * (s - 1))
    var_mean = msb / (d * s)  # variance of the grand mean, estimated
    n = min(d * s, max(d, math.floor(total / var_mean)))
    return grand, total, n, df


@pytest.mark.parametrize("shape, between", [((4, 2), 1.0), ((3, 3), 0.2), ((5, 3), 0.0), ((6, 2), 3.0)])
def test_nested_matches_the_slow_analysis(shape, between):
    rng = np.random.default_rng(7)
    x = rng.normal(size=shape) + between * rng.normal(size=(shape[0], 1))
    m = nested(x, "draws × seeds")
    mean, total, n, df = slow_nested(x.tolist())
    assert m.mean == pytest.approx(mean) and m.sd == pytest.approx(math.sqrt(total))
    assert m.n == n and m.df == pytest.approx(df) and m.sources == "draws × seeds"


def test_one_seed_per_draw_is_plain_repeats():
    x = np.array([[0.3], [0.32], [0.35]])
    assert nested(x, "draws") == over_repeats([0.3, 0.32, 0.35], "draws")
    with pytest.raises(ValueError, match="draws, seeds"):
        nested(np.array([1.0, 2.0]), "x")


def test_identical_values_have_no_spread():
    m = nested(np.full((3, 2), 0.4), "x")
    assert m.mean == pytest.approx(0.4) and m.sd == pytest.approx(0.0, abs=1e-12)
    assert nested(np.zeros((3, 2)), "x").sd == 0.0


def test_one_more_network_falls_in_the_prediction_interval_about_95_percent_of_the_time():
    """Coverage on simulated two-level draws: a new network (new draw, new seed) lies inside the interval close to
    95 % of the time whether the draws or the seeds dominate; seeds-only spread (the old rule) undercovers."""
    rng = np.random.default_rng(0)
    for sd_draw, sd_seed in ((1.0, 0.3), (0.3, 1.0)):
        inside, seeds_only = 0, 0
        trials = 3000
        for _ in range(trials):
            x = rng.normal(0, sd_draw, (4, 1)) + rng.normal(0, sd_seed, (4, 2))
            new = rng.normal(0, sd_draw) + rng.normal(0, sd_seed)
            low, high = prediction_interval(nested(x, "x"))
            inside += low <= new <= high
            low, high = prediction_interval(over_repeats(x[0]))  # two seeds on one draw
            seeds_only += low <= new <= high
        assert 0.92 <= inside / trials <= 0.99, (sd_draw, sd_seed, inside / trials)
        if sd_draw > sd_seed:
            assert seeds_only / trials < 0.9


def test_draw_seeds_and_network_seeds_do_not_repeat():
    assert draw_seed(5, 0) == 5 and draw_seed(5, 2) == [5, 2]
    seeds = [s for d in range(4) for s in network_seeds(d, 3)]
    assert seeds == list(range(12))
    assert "4 data draws" in sources(4, 2, 6000) and "2 network seeds" in sources(4, 2, 6000)


def test_components_split_the_variance_between_draws_and_seeds():
    x = np.array([[1.0, 3.0], [5.0, 7.0], [9.0, 11.0]])
    between, within = components(x)
    assert within == pytest.approx(2.0)  # each row: var([1, 3]) = 2
    assert between == pytest.approx((2 * np.var([2.0, 6.0, 10.0], ddof=1) - 2.0) / 2)
    assert components(np.array([[0.0, 4.0], [0.0, 4.0]]))[0] == 0.0  # rows alike: no draw effect (truncated)
    with pytest.raises(ValueError, match="seeds"):
        components(np.ones((3, 1)))
