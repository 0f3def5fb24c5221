"""lib.studies.bottleneck.evidence: sampling variances against a bootstrap, differences, the weakest comparison,
Monte-Carlo orderings and the decisions of 'every network' and existence claims."""

import math

import numpy as np
import pytest

from lib.claims import at_least
from lib.jump_errors import error_measures
from lib.studies.bottleneck import evidence
from lib.uncertainty import Measurement, over_repeats


def test_sampling_variances_match_a_bootstrap_over_the_test_signals():
    rng = np.random.default_rng(0)
    true = rng.integers(21, 81, 3000)
    predicted = true + np.round(rng.standard_normal(3000) * 1.5).astype(int)
    found = evidence.sampling_variances(predicted, true)
    boot = []
    for _ in range(400):
        i = rng.integers(0, 3000, 3000)
        boot.append(error_measures(predicted[i], true[i]).as_dict())
    for measure in evidence.MEASURES:
        reference = np.var([b[measure] for b in boot], ddof=1)
        assert found[measure] == pytest.approx(reference, rel=0.25), measure


def test_network_error_adds_the_test_sampling_to_the_seed_spread():
    m = evidence.network_error([0.8, 0.9, 1.0], [0.01, 0.03, 0.02], 6000)
    seeds = over_repeats([0.8, 0.9, 1.0])
    assert m.mean == pytest.approx(0.9) and m.sd == pytest.approx(math.sqrt(seeds.sd ** 2 + 0.02))
    assert m.n == 3 and m.df > seeds.df  # part of the variance is known
    assert "3 network seeds" in m.sources and "6000 signals" in m.sources


def test_difference_of_two_networks():
    a, b = Measurement(1.0, 0.3, 4, 3.0, "a"), Measurement(0.4, 0.4, 5, 4.0, "b")
    d = evidence.difference(a, b)
    assert d.mean == pytest.approx(0.6) and d.sd == pytest.approx(0.5) and d.n == 4
    assert d.df == pytest.approx(0.25 ** 2 / (0.09 ** 2 / 3 + 0.16 ** 2 / 4))
    assert evidence.difference(a, Measurement(0.4, 0.0, 1, math.inf, "x")).df == pytest.approx(3.0)
    assert evidence.scaled(a, 2.0) == Measurement(0.5, 0.15, 4, 3.0, "a")


def test_weakest_picks_a_differs_first_then_the_smallest_margin():
    criterion = at_least(0.0)
    ok = Measurement(5.0, 0.5, 5, 4.0, "")
    close = Measurement(2.0, 0.5, 5, 4.0, "")
    bad = Measurement(-3.0, 0.5, 5, 4.0, "")
    assert evidence.weakest({"ok": ok, "close": close}, criterion)[0] == "close"
    key, judged = evidence.weakest({"ok": ok, "bad": bad, "close": close}, criterion)
    assert key == "bad" and judged.verdict == "differs"


def test_proportion_gain_is_the_agresti_caffo_interval():
    gain = evidence.proportion_gain(60, 200, 40, 200)
    p1, p0 = 61 / 202, 41 / 202
    assert gain.mean == pytest.approx(p1 - p0)
    assert gain.sd == pytest.approx(math.sqrt(p1 * (1 - p1) / 202 + p0 * (1 - p0) / 202))
    assert gain.df == math.inf and gain.n == 200
    empty = evidence.proportion_gain(0, 1000, 0, 1000)
    assert empty.mean == 0 and empty.sd > 0  # no success in either cell: still uncertain, never 'equal'
    # coverage of the interval, brute force: the true difference 0.1 lies inside in about 95 % of draws
    rng = np.random.default_rng(0)
    from lib.uncertainty import prediction_interval
    inside = 0
    for _ in range(2000):
        k1, k0 = rng.binomial(300, 0.4), rng.binomial(300, 0.3)
        low, high = prediction_interval(evidence.proportion_gain(k1, 300, k0, 300))
        inside += low <= 0.1 <= high
    assert 0.93 < inside / 2000 < 0.97


def test_rises_somewhere_needs_a_step_wholly_the_wrong_way():
    criterion = at_least(0.0)
    steps = {"a": evidence.proportion_gain(50, 100, 10, 100), "b": evidence.proportion_gain(10, 100, 12, 100)}
    assert evidence.rises_somewhere(steps, criterion) is None  # b dips, within its interval
    steps["c"] = evidence.proportion_gain(10, 100, 60, 100)
    assert evidence.rises_somewhere(steps, criterion) == "c"


def test_every_network_a_converged_counterexample_decides():
    assert evidence.every_network([False, True], [True, True])[:2] == (False, True)
    assert evidence.every_network([False, True], [True, False])[:2] == (True, False)  # could still change
    assert evidence.every_network([False, True], [True, False], permanent=True)[:2] == (False, True)
    assert evidence.every_network([False, True], [True, False], permanent=[True, False])[:2] == (True, False)
    assert evidence.every_network([False, False], [True, False])[:2] == (True, False)
    holds, converged, note = evidence.every_network([False, False], [True, True])
    assert (holds, converged) == (True, True) and "all 2" in note


def test_some_network_is_decided_by_a_converged_example():
    assert evidence.some_network([False, True], [True, True])[:2] == (True, True)
    assert evidence.some_network([False, True], [True, False])[:2] == (False, False)
    assert evidence.some_network([False, False], [True, True])[:2] == (False, True)


def test_nested_one_draw_is_network_error_and_several_combine_both_sources():
    one = evidence.nested(np.array([[0.8, 0.9, 1.0]]), np.array([[0.01, 0.03, 0.02]]), 6000)
    assert one == evidence.network_error([0.8, 0.9, 1.0], [0.01, 0.03, 0.02], 6000)
    rng = np.random.default_rng(1)
    draws, seeds, trials = 4, 3, 4000
    found = []
    for _ in range(trials // 100):
        x = 1.0 + rng.normal(0, 0.2, (draws, 1)) + rng.normal(0, 0.1, (draws, seeds))
        found.append(evidence.nested(x, np.zeros_like(x), 600))
    # the variance of one new network is 0.2² + 0.1² = 0.05; the estimate is unbiased on average
    assert np.mean([m.sd ** 2 for m in found]) == pytest.approx(0.05, rel=0.25)
    m = found[0]
    assert draws <= m.n <= draws * seeds and "4 data draws" in m.sources and m.df > 0
    # brute force: a new network's draw lies in the prediction interval about 95 % of the time
    from lib.uncertainty import prediction_interval
    inside = 0
    for _ in range(400):
        x = 1.0 + rng.normal(0, 0.2, (draws, 1)) + rng.normal(0, 0.1, (draws, seeds))
        low, high = prediction_interval(evidence.nested(x, np.zeros_like(x), 600))
        new = 1.0 + rng.normal(0, 0.2) + rng.normal(0, 0.1)
        inside += low <= new <= high
    assert inside / 400 > 0.9
