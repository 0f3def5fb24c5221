"""The verdict rule on synthetic draws (issue: verdicts a referee would sign): a paper value drawn from the run's
own distribution rarely differs and, with enough draws, is reproduced; one four standard deviations away differs;
two noisy draws never pass for agreement; only reproduction claims enter the headline. Also the uncertainty
helpers against direct formulas."""

import math

import numpy as np
import pytest
from scipy import stats

from lib.claims import Claim, Ledger, headline, matches, no_offset, offset
from lib.uncertainty import (
    Measurement,
    binomial_variance,
    exact,
    over_repeats,
    prediction_interval,
    rerun_sd,
    rounding,
    sign_test,
    with_sampling,
)

TRIALS = 2000


def verdicts(truth: float, sd: float, n: int, paper_of, kind: str = "error", seed: int = 0) -> dict[str, float]:
    """Share of each verdict over TRIALS runs of n draws from N(truth, sd²), against paper_of(rng)."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(TRIALS):
        paper = float(paper_of(rng))
        found.append(matches(paper, kind).judge(over_repeats(rng.normal(truth, sd, n))).verdict)
    return {v: found.count(v) / TRIALS for v in ("reproduced", "differs", "inconclusive")}


@pytest.mark.parametrize("n", [3, 5, 10, 30])
def test_a_paper_value_from_our_own_distribution_differs_about_5_percent_of_the_time(n):
    share = verdicts(1.0, 0.02, n, lambda rng: rng.normal(1.0, 0.02))["differs"]
    assert share <= 0.065, f"n = {n}: differs in {share:.1%} of trials"


def test_with_enough_draws_and_a_margin_wide_against_the_noise_it_is_reproduced():
    # margin 10 % of 1.0 = 0.1 against sd 0.02: 5 sd, wide enough that one more draw is 'the same result'
    share = verdicts(1.0, 0.02, 30, lambda rng: rng.normal(1.0, 0.02))["reproduced"]
    assert share >= 0.90


def test_a_paper_value_four_standard_deviations_away_differs():
    assert verdicts(1.0, 0.02, 10, lambda rng: 1.0 + 4 * 0.02)["differs"] >= 0.90


def test_two_draws_with_a_large_spread_are_inconclusive_never_reproduced():
    for pair in ([0.95, 1.05], [0.98, 1.04], [1.0, 1.08]):
        assert matches(1.0, "error").judge(over_repeats(pair)).verdict == "inconclusive"
    shares = verdicts(1.0, 0.05, 2, lambda rng: rng.normal(1.0, 0.05))  # only two draws that happen to agree
    assert shares["reproduced"] <= 0.05 and shares["inconclusive"] >= 0.9


def test_check_and_calibration_claims_never_enter_the_headline():
    claims = [Claim(f"chen2017.t3.3.x{i}", "s", "t", 1.0, matches(1.0, "error"), role=role)
              for i, role in enumerate(("check", "calibration", "beyond"))]
    ledger = Ledger(claims)
    for c in claims:
        ledger.record(c.id, Measurement(1.0, 0.001, 10, 9, "seeds"))
    rows = ledger.evaluate()
    assert all(r["verdict"] == "reproduced" for r in rows)
    assert headline(rows) == {"reproduced": 0, "differs": 0, "inconclusive": 0, "decided": 0, "claims": 0,
                              "share": None}


def test_the_prediction_interval_is_the_t_formula():
    values = [0.30, 0.33, 0.31, 0.36, 0.29]
    m = over_repeats(values)
    sd = float(np.std(values, ddof=1))
    half = stats.t.ppf(0.975, 4) * sd * math.sqrt(1 + 1 / 5)
    assert prediction_interval(m) == pytest.approx((np.mean(values) - half, np.mean(values) + half))
    assert prediction_interval(over_repeats([0.3])) == (-math.inf, math.inf)
    assert prediction_interval(exact(0.3)) == (0.3, 0.3)


def test_a_known_sampling_variance_adds_to_the_seed_variance_with_satterthwaite_df():
    seeds = over_repeats([0.97, 0.975, 0.972])
    var = binomial_variance(0.972, 10_000)
    assert var == pytest.approx(0.972 * 0.028 / 10_000)
    m = with_sampling(seeds, var, "binomial test sampling")
    assert m.sd == pytest.approx(math.sqrt(seeds.sd ** 2 + var))
    assert m.df == pytest.approx((seeds.sd ** 2 + var) ** 2 / (seeds.sd ** 4 / 2))
    one = with_sampling(over_repeats([0.97]), var, "binomial")  # one network: its seed spread stays unknown
    assert one.df == 0 and prediction_interval(one) == (-math.inf, math.inf)
    known = with_sampling(exact(0.97), var, "binomial")  # no randomness but the test set's
    assert known.df == math.inf and prediction_interval(known)[1] - 0.97 == pytest.approx(
        1.96 * math.sqrt(2 * var), rel=1e-3)
    assert "binomial" in m.sources and Measurement.from_json(m.as_json()) == m


def test_an_old_record_reads_back_with_its_spread_over_seeds():
    m = Measurement.from_json({"mean": 0.3, "spread": 0.01, "n": 3})
    assert (m.sd, m.df, m.sources) == (0.01, 2.0, "network seeds")


def test_rounding_is_half_the_last_printed_digit():
    assert rounding(0.3083) == pytest.approx(0.00005) and rounding(131) == 0.5 and rounding(0.95) == 0.005
    assert rounding(0.950, decimals=3) == pytest.approx(0.0005) and rounding(0.0) == 0.0
    printed = matches(0.950, "accuracy", decimals=3)
    assert "0.950" in printed.describe
    assert printed.judge(exact(0.9504)).verdict == "reproduced" and printed.judge(exact(0.9540)).verdict == "differs"
    assert matches(0.950, "accuracy").judge(exact(0.9540)).verdict == "reproduced"  # read as 0.95 ± 0.005


def test_the_sign_test_and_a_table_s_systematic_offset():
    assert sign_test([1.0] * 10) == pytest.approx(2 * 0.5 ** 10)
    assert sign_test([1, -1, 1, -1]) == 1.0 and sign_test([0, 0]) == 1.0
    paper = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    above = offset(paper, [p * 1.1 for p in paper])
    assert above.median_relative == pytest.approx(0.1) and (above.above, above.below) == (8, 0)
    assert no_offset("error").judge(above).verdict == "differs"
    mixed = offset(paper, [p * (1.02 if i % 2 else 0.99) for i, p in enumerate(paper)])
    assert no_offset("error").judge(mixed).verdict == "reproduced"
    with pytest.raises(ValueError, match="absolute"):
        no_offset("accuracy")


def test_the_margin_is_in_units_of_a_re_run_s_95_percent_move():
    m = Measurement(0.35, 0.01, 6, 5, "seeds")
    low, high = prediction_interval(m)
    half = (high - low) / 2
    assert rerun_sd(m, half) == pytest.approx(math.sqrt(2 * 0.01 ** 2 / 6 + half ** 2 / 5))
    judged = matches(0.3083, "error").judge(m)
    assert judged.verdict == "differs"
    assert judged.margin == pytest.approx((abs(0.35 - 0.3083) - 0.00005 - half) / (1.96 * rerun_sd(m, half)))
    assert rerun_sd(with_sampling(exact(0.9), 1e-4, "binomial"), 0.02) == pytest.approx(math.sqrt(2 * 1e-4))


def test_a_verdict_that_flips_between_re_runs_was_marked_fragile():
    # the data-generating process sits near the boundary: the paper value 2.2 predictive sd from the truth
    rng = np.random.default_rng(1)
    truth, sd, n, paper = 1.0, 0.02, 6, 1.0 + 2.2 * 0.02 * math.sqrt(1 + 1 / 6)
    runs = [matches(paper, "error").judge(over_repeats(rng.normal(truth, sd, n))) for _ in range(400)]
    verdict_of = [r.verdict for r in runs]
    majority = max(set(verdict_of), key=verdict_of.count)
    robust = [r for r in runs if r.margin is not None and r.margin >= 1]
    assert robust, "some runs are far enough from the boundary to be robust"
    assert all(r.verdict == majority for r in robust), "a non-fragile verdict never disagrees with the usual one"
