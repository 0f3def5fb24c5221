"""lib.studies.bottleneck: the measures the notebook calls, against slow obvious references on small inputs."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from lib.studies.bottleneck import STUDY, claims, findings, initialisation, montecarlo, networks, record
from lib.studies.bottleneck import nets as bn
from lib.studies.bottleneck.params import P_SETS, check
from lib.uncertainty import over_repeats


def fake_runs(l1: dict, converged: bool = True, seeds: int = 2) -> pd.DataFrame:
    """Runs with a chosen L1 per (depth, p) (seed s adds 0.1 s), everything else neutral."""
    rows = []
    for (depth, p), value in l1.items():
        for s in range(seeds):
            e = value + 0.1 * s
            rows.append({"depth": depth, "p": p, "seed": s, "l1": e, "l2": e + 0.5, "l1_99": e - 0.05,
                         "l2_99": e + 0.3, "dead bottleneck nodes": 0, "dead hidden nodes": 0, "collapsed": s == 1,
                         "best val loss": 1.0 + s, "best epoch": 10, "converged": converged, "origin share": 0.0})
    return pd.DataFrame(rows)


def test_toy_image_is_the_projection_and_the_printed_formula_is_not():
    toy, images = montecarlo.toy_images(3)
    table = montecarlo.toy_table(images)
    assert np.allclose(table["A(v_1) computed"], [2 / 3, -1 / 3, -1 / 3], atol=1e-4)
    assert not np.allclose(table["A(v_1) computed"], table["thesis's printed coefficients"], atol=1e-2)


def test_constructions_agree_with_eq_4_2():
    table = montecarlo.constructions_table(seed=1)
    assert table["images = eq. 4.2 hat matrix"].all()
    assert (table["hard-max correct"] <= 6).all()


def test_n_values_span_2p_to_5p():
    assert montecarlo.n_values(2, 7) == [4, 5, 6, 7, 8, 9, 10]
    assert montecarlo.n_values(10, 4)[0] == 20 and montecarlo.n_values(10, 4)[-1] == 50


def test_quoted_probabilities_verdicts_follow_the_interval():
    quoted = montecarlo.quoted_probabilities(claim_trials=3000, trials=300, seed=0)
    assert len(quoted) == 2 * 2 * 3
    for row in quoted.itertuples():
        if row.side == "below":
            expected = "holds" if row.high < 1e-5 else "fails" if row.low >= 1e-5 else "not resolved"
        else:
            expected = "holds" if row.low > 0.1 else "fails" if row.high <= 0.1 else "not resolved"
        assert row.verdict == expected
    # 3000 trials and no success cannot resolve 1e-5: the p = 2 rows are all 'not resolved'
    assert set(quoted[quoted.claim == "p2_n10"].verdict) == {"not resolved"}


def test_separation_helps_needs_a_strict_rise_at_every_n():
    rows = [{"construction": "affine", "r": r, "n": n, "estimate": (1 + 10 * r) / n} for r in (0.0, 0.1, 0.2)
            for n in (5, 6)]
    table = pd.DataFrame(rows)
    assert montecarlo.separation_helps(table, "affine")
    table.loc[(table.r == 0.2) & (table.n == 6), "estimate"] = 0.0
    assert not montecarlo.separation_helps(table, "affine")


def test_dead_hidden_nodes_against_a_loop():
    members = bn.Members((2, 3), (0, 1))
    net = bn.padded_bottlenecks(members, deep=True)
    with torch.no_grad():
        net.layers[0].bias[1, 0, :5] = -100.0  # five dead nodes of the first hidden layer of member 1
    x = np.random.default_rng(0).standard_normal((40, 100)).astype(np.float32)
    found = networks.dead_hidden_nodes(net, x, members, deep=True)
    post = net.activations(torch.from_numpy(x)).post
    for m, (p, _) in enumerate(members.pairs):
        expected = 0
        for layer, a in enumerate(post):
            width = p if layer == 1 else a.shape[-1]
            expected += sum(1 for node in range(width) if not (a[m, :, node] > 0).any())
        assert found[m] == expected
    assert found[1] >= 5


def test_selected_seed_has_the_lowest_validation_loss_and_error_table_reports_it():
    runs = fake_runs({("shallow", 2): 2.0, ("deep", 2): 1.0})
    best = networks.selected(runs)
    assert (best.seed == 0).all()
    table = networks.error_table(runs, claims.PAPER)
    assert table.loc["shallow 100-2-60", "l1 selected"] == 2.0
    assert table.loc["shallow 100-2-60", "collapsed seeds"] == "1"
    assert table.loc["shallow 100-2-60", "l1 thesis"] == claims.PAPER[("shallow", 2)]["l1"]


def test_on_axis_worst_compares_class_means():
    on_axis = np.zeros(60, bool)
    on_axis[:5] = True
    error = np.where(on_axis, 3.0, 1.0)
    code = networks.Codes2D("shallow", 0, np.zeros((1, 2)), np.zeros(1), np.zeros(1, int), on_axis, error)
    assert networks.on_axis_worst({"shallow": code}) is True
    flipped = networks.Codes2D("deep", 0, np.zeros((1, 2)), np.zeros(1), np.zeros(1, int), on_axis, 4.0 - error)
    assert networks.on_axis_worst({"shallow": code, "deep": flipped}) is False
    assert networks.on_axis_worst({}) is None


def test_network_runs_and_codes_on_a_tiny_trained_stack():
    cfg = SimpleNamespace(seed=0, n_train=200, n_val=100, n_test=100, theta=3.0, sigma=1.0, p_set="table",
                          n_seeds=1, lr=0.01, batch_size=100, max_epochs=1, narrow_epochs=1, patience=1,
                          init="glorot")
    trained = networks.train_all(cfg)
    runs = networks.network_runs(trained)
    assert len(runs) == 2 * len(P_SETS["table"])
    assert ((runs["dead bottleneck nodes"] >= 0) & (runs["dead bottleneck nodes"] <= runs.p)).all()
    assert not runs.converged.any()  # one epoch, patience never ran out
    codes = networks.codes_2d(trained, runs)
    assert set(codes) == {"shallow", "deep"} and codes["deep"].codes.shape == (200, 2)
    assert len(networks.origin_table(trained)) == 2


def test_record_marks_unconverged_and_unresolved_claims():
    ledger = STUDY.ledger()
    record.errors(ledger, fake_runs({("shallow", 10): 0.8}, converged=False))
    row = {r["id"]: r for r in ledger.evaluate()}["chen2017.t4.1.shallow_p10.l1"]
    assert row["verdict"] == "not converged"
    ledger = STUDY.ledger()
    record.errors(ledger, fake_runs({("shallow", 10): 0.75}))
    # two seeds 0.1 apart: the paper's 0.798 is inside the prediction interval, which is far wider than ±10 %
    assert {r["id"]: r for r in ledger.evaluate()}["chen2017.t4.1.shallow_p10.l1"]["verdict"] == "inconclusive"
    assert ledger.records["chen2017.t4.1.shallow_p10.l1"].measured == over_repeats([0.75, 0.85])
    quoted = pd.DataFrame([{"claim": "p2_n10", "construction": "affine", "distribution": "unit_cube", "side": "below",
                            "successes": 0, "trials": 100, "low": 0.0, "high": 0.03, "verdict": "not resolved"}])
    separation = pd.DataFrame([{"construction": c, "r": r, "n": 5, "estimate": r} for c in ("linear", "affine")
                               for r in (0.0, 0.1, 0.2)])
    record.monte_carlo(ledger, quoted, separation)
    rows = {r["id"]: r for r in ledger.evaluate()}
    assert rows["chen2017.s4.3.mp_p2_n10_below_1e-5"]["verdict"] == "not run"
    assert rows["chen2017.fig4.15.separation_helps"]["verdict"] == "reproduced"  # 0 → 0.1 → 0.2 at n = 5


def test_record_shapes_of_the_error_curves():
    ledger = STUDY.ledger()
    l1 = {("shallow", 5): 1.2, ("shallow", 6): 1.1, ("shallow", 9): 1.0, ("shallow", 10): 0.9,
          ("deep", 5): 0.7, ("deep", 6): 0.75, ("deep", 9): 0.6, ("deep", 10): 0.65}
    record.shapes(ledger, fake_runs(l1))
    rows = {r["id"]: r["verdict"] for r in ledger.evaluate()}
    assert rows["chen2017.fig4.3.shallow_error_falls_with_p"] == "reproduced"
    assert rows["chen2017.s4.2.deep_beats_shallow"] == "reproduced"
    assert rows["chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10"] == "reproduced"
    assert rows["chen2017.fig4.5.dead_nodes"] == "differs"  # no dead node in the fake runs
    assert rows["chen2017.s4.2.shallow_no_dead_nodes"] == "reproduced"


def test_head_start_counts_networks_and_needs_both_arms_converged():
    table = pd.DataFrame({"steps to control's best, LS": [10.0, 50.0, np.nan],
                          "steps to control's best, control": [40.0, 30.0, 20.0],
                          "best val loss, LS": [1.0, 1.0, 2.0], "best val loss, control": [1.5, 1.5, 1.5],
                          "both converged": [True, True, False]})
    head = initialisation.head_start(table)
    assert head["faster"] == 1 and head["reached"] == 2 and head["networks"] == 3
    assert head["median_steps_ls"] == 30.0 and head["median_ratio"] == pytest.approx(np.median([4.0, 0.6]))
    assert head["converged"] is False


def test_findings_single_out_the_impossible_table_7_1_entry():
    violations = findings.sqrt_bound_violations(claims.PAPER)
    assert [v[0] for v in violations] == [("deep", 2)]
    _, images = montecarlo.toy_images(0)
    table = findings.thesis_findings(images, fake_runs({("shallow", 4): 1.0, ("shallow", 10): 0.8}))
    assert "1 of 6 thesis rows" in table.loc["Table 7.1, deep 100-25-2-25-60", "evidence"]
    assert "not converged" not in table.loc["§4.3.1 vs Table 4.1", "evidence"]
    runs = fake_runs({("shallow", 4): 1.0, ("shallow", 10): 0.8})
    runs.loc[runs.p == 4, "converged"] = False
    assert "(p = 4 not converged)" in findings.thesis_findings(images, runs).loc["§4.3.1 vs Table 4.1", "evidence"]


def test_cross_parameter_rules_name_the_parameters():
    cfg = SimpleNamespace(batch_size=500, n_train=100, patience=10, max_epochs=5, narrow_epochs=10,
                          init_epochs=10, sep_trials=10, claim_trials=5)
    messages = check(cfg)
    assert len(messages) == 3
    assert "'batch_size' and 'n_train'" in messages[0] and "'patience' and 'max_epochs'" in messages[1]
    assert not check(SimpleNamespace(batch_size=100, n_train=100, patience=5, max_epochs=5, narrow_epochs=5,
                                     init_epochs=5, sep_trials=5, claim_trials=5))



def test_the_ledger_holds_every_claim_id_the_issue_names():
    ids = {c.id for c in STUDY.claims}
    for net in ("t4.1.shallow_p10", "t4.1.shallow_p4", "t4.1.deep_p10", "t4.1.deep_p4", "t7.1.shallow_p2",
                "t7.1.deep_p2"):
        assert {f"chen2017.{net}.{m}" for m in ("l1", "l2", "l1_99", "l2_99")} <= ids
    assert {"chen2017.fig4.3.shallow_error_falls_with_p", "chen2017.s4.2.deep_beats_shallow",
            "chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10", "chen2017.fig4.5.dead_nodes",
            "chen2017.s4.2.shallow_no_dead_nodes", "chen2017.s4.2.p2_on_axis_worst",
            "chen2017.s4.3.mp_p2_n10_below_1e-5", "chen2017.s4.3.mp_p10_n50_above_0.1",
            "chen2017.fig4.15.separation_helps"} <= ids
