"""lib.studies.bottleneck: the measures the notebook calls, against slow obvious references on small inputs."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from lib.claims import at_least
from lib.studies.bottleneck import STUDY, claims, findings, initialisation, montecarlo, networks, record
from lib.studies.bottleneck import nets as bn
from lib.studies.bottleneck.params import P_SETS, check
from lib.uncertainty import over_repeats


def fake_runs(l1: dict, converged: bool = True, seeds: int = 2, step: float = 0.1) -> pd.DataFrame:
    """Runs with a chosen L1 per (depth, p) (seed s adds `step` s), everything else neutral."""
    rows = []
    for (depth, p), value in l1.items():
        for s in range(seeds):
            e = value + step * s
            rows.append({"depth": depth, "p": p, "seed": s, "l1": e, "l2": e + 0.5, "l1_99": e - 0.05,
                         "l2_99": e + 0.3, "dead bottleneck nodes": 0, "dead hidden nodes": 0, "collapsed": s == 1,
                         "best val loss": 1.0 + s, "best epoch": 10, "converged": converged, "origin share": 0.0,
                         **{f"dead in layer {i}": 0 for i in ((1, 2, 3) if depth == "deep" else (1,))}})
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


def count_rows(estimates: list, trials: int, **keys) -> list[dict]:
    """Monte-Carlo rows with successes = round(estimate · trials) for each (key values, estimate)."""
    return [{**keys, **k, "estimate": e, "successes": int(round(e * trials)), "trials": trials} for k, e in estimates]


def test_separation_gain_is_the_weakest_step_in_r():
    estimates = [({"r": r, "n": n}, (1 + 10 * r) / n / 2) for r in (0.0, 0.1, 0.2) for n in (5, 6)]
    table = pd.DataFrame(count_rows(estimates, 20000, construction="affine"))
    gain, key = montecarlo.separation_gain(table, "affine")
    assert at_least(0.0).judge(gain).verdict == "reproduced" and key.startswith("n = 6")  # the smaller steps
    few = pd.DataFrame(count_rows(estimates, 20, construction="affine"))
    assert at_least(0.0).judge(montecarlo.separation_gain(few, "affine")[0]).verdict == "inconclusive"
    table.loc[(table.r == 0.2) & (table.n == 6), "successes"] = 0
    gain, key = montecarlo.separation_gain(table, "affine")
    assert at_least(0.0).judge(gain).verdict == "differs" and key == "n = 6, r = 0.1 → 0.2"


def test_fall_with_n_on_the_intervals():
    falling = [({"p": p, "n": n}, 1.0 / n) for p in (2, 4) for n in (4, 8, 16)]
    table = pd.DataFrame(count_rows(falling, 20000, construction="linear"))
    fall, how = montecarlo.fall_with_n(table, "linear")
    assert at_least(0.0).judge(fall).verdict == "reproduced" and how.startswith("weakest fall p = ")
    table.loc[(table.p == 4) & (table.n == 16), "successes"] = 18000
    fall, how = montecarlo.fall_with_n(table, "linear")
    assert at_least(0.0).judge(fall).verdict == "differs" and how == "rises at p = 4, n = 8 → 16"
    flat = pd.DataFrame(count_rows([({"p": 2, "n": n}, 0.0) for n in (4, 8)], 2000, construction="linear"))
    assert at_least(0.0).judge(montecarlo.fall_with_n(flat, "linear")[0]).verdict == "inconclusive"


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
    per_layer = networks.dead_nodes_per_layer(net, x, members, deep=True)
    assert per_layer.shape == (4, 3) and (per_layer.sum(axis=1) == found).all() and per_layer[1, 0] >= 5


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
    assert (runs["dead on every training signal"] >= 0).all() and (runs["l1 test var"] > 0).all()
    assert not runs.converged.any()  # one epoch, patience never ran out
    codes = networks.codes_2d(trained, runs)
    assert set(codes) == {"shallow", "deep"} and codes["deep"].codes.shape == (200, 2)
    assert len(networks.origin_table(trained)) == 2


def test_record_marks_unconverged_and_unresolved_claims():
    ledger = STUDY.ledger()
    record.errors(ledger, fake_runs({("shallow", 10): 0.8}, converged=False), n_test=600)
    row = {r["id"]: r for r in ledger.evaluate()}["chen2017.t4.1.shallow_p10.l1"]
    assert row["verdict"] == "not converged"
    ledger = STUDY.ledger()
    runs = fake_runs({("shallow", 10): 0.75})
    runs["l1 test var"] = 0.0004
    record.errors(ledger, runs, n_test=600)
    # two seeds 0.1 apart: the paper's 0.798 is inside the prediction interval, which is far wider than ±10 %
    assert {r["id"]: r for r in ledger.evaluate()}["chen2017.t4.1.shallow_p10.l1"]["verdict"] == "inconclusive"
    measured = ledger.records["chen2017.t4.1.shallow_p10.l1"].measured
    seeds = over_repeats([0.75, 0.85])
    assert measured.mean == pytest.approx(0.8) and measured.sd == pytest.approx(np.sqrt(seeds.sd ** 2 + 0.0004))
    assert "2 network seeds" in measured.sources and "test-set sampling (600 signals)" in measured.sources
    quoted = pd.DataFrame([{"claim": "p2_n10", "construction": "linear", "distribution": "unit_cube", "side": "below",
                            "successes": 0, "trials": 100, "low": 0.0, "high": 0.03, "verdict": "not resolved"}])
    separation = pd.DataFrame(count_rows([({"r": r, "n": 5}, r) for r in (0.0, 0.1, 0.2)], 5000,
                                         construction="linear")
                              + count_rows([({"r": r, "n": 5}, 0.0) for r in (0.0, 0.1, 0.2)], 5000,
                                           construction="affine"))
    record.monte_carlo(ledger, quoted, separation)
    rows = {r["id"]: r for r in ledger.evaluate()}
    assert rows["chen2017.s4.3.mp_p2_n10_below_1e-5"]["verdict"] == "not run"  # the linear map on U[0,1]^p
    assert rows["chen2017.fig4.15.separation_helps"]["verdict"] == "reproduced"  # 0 → 0.1 → 0.2 at n = 5
    assert rows["chen2017.fig4.15.separation_helps.affine"]["verdict"] == "inconclusive"  # never a success


def test_record_shapes_of_the_error_curves():
    ledger = STUDY.ledger()
    l1 = {("shallow", 5): 1.2, ("shallow", 6): 1.1, ("shallow", 9): 1.0, ("shallow", 10): 0.9,
          ("deep", 5): 0.7, ("deep", 6): 0.75, ("deep", 9): 0.6, ("deep", 10): 0.65}
    record.shapes(ledger, fake_runs(l1, seeds=5, step=0.001), n_test=6000)
    rows = {r["id"]: r for r in ledger.evaluate()}
    verdicts = {key: row["verdict"] for key, row in rows.items()}
    assert verdicts["chen2017.fig4.3.shallow_error_falls_with_p"] == "reproduced"
    assert verdicts["chen2017.s4.2.deep_beats_shallow"] == "reproduced"
    assert verdicts["chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10"] == "reproduced"
    assert "closest p = 6 → 9" not in rows["chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10"]["note"]
    assert verdicts["chen2017.fig4.5.dead_nodes"] == "differs"  # no dead node in the fake runs
    assert verdicts["chen2017.fig4.5.dead_share_p6"] == "differs"  # 0 of 6, every network: the paper's 1/6 outside
    assert verdicts["chen2017.s4.2.dead_nodes_every_intermediate_layer"] == "differs"
    assert verdicts["chen2017.s4.2.shallow_no_dead_nodes"] == "reproduced"
    # two seeds 0.1 apart: deep below shallow by 0.5 on the means, but one network of each cannot be told apart
    ledger = STUDY.ledger()
    record.shapes(ledger, fake_runs(l1, seeds=2, step=0.4), n_test=6000)
    assert {r["id"]: r["verdict"] for r in ledger.evaluate()}["chen2017.s4.2.deep_beats_shallow"] == "inconclusive"


def test_a_dead_shallow_node_decides_even_before_convergence_and_unconverged_pairs_wait():
    l1 = {("shallow", 4): 1.2, ("shallow", 10): 0.8, ("deep", 4): 0.7, ("deep", 10): 0.6}
    runs = fake_runs(l1, seeds=4, step=0.001)
    runs.loc[runs.p == 4, "converged"] = False
    runs["dead on every training signal"] = 0
    runs.loc[(runs.depth == "shallow") & (runs.p == 4) & (runs.seed == 1), "dead hidden nodes"] = 1
    ledger = STUDY.ledger()
    record.shapes(ledger, runs, n_test=6000)
    row = {r["id"]: r for r in ledger.evaluate()}["chen2017.s4.2.shallow_no_dead_nodes"]
    assert row["verdict"] == "not converged"  # off on the validation signals only: training could revive it
    runs.loc[(runs.depth == "shallow") & (runs.p == 4) & (runs.seed == 1), "dead on every training signal"] = 1
    ledger = STUDY.ledger()
    record.shapes(ledger, runs, n_test=6000)
    rows = {r["id"]: r for r in ledger.evaluate()}
    assert rows["chen2017.s4.2.shallow_no_dead_nodes"]["verdict"] == "differs"
    assert "p = 4 seed 1" in rows["chen2017.s4.2.shallow_no_dead_nodes"]["note"]
    assert rows["chen2017.s4.2.deep_beats_shallow"]["verdict"] == "not converged"  # p = 10 holds, p = 4 waits
    runs.loc[(runs.depth == "deep") & (runs.p == 10), "l1"] += 0.5  # a converged pair now breaks it
    ledger = STUDY.ledger()
    record.shapes(ledger, runs, n_test=6000)
    assert {r["id"]: r["verdict"] for r in ledger.evaluate()}["chen2017.s4.2.deep_beats_shallow"] == "differs"


def test_worse_than_mlp_and_the_systematic_offset():
    runs = fake_runs({("shallow", 10): 0.8, ("deep", 10): 0.65, ("shallow", 4): 1.16, ("deep", 4): 0.7}, seeds=4,
                     step=0.001)
    ledger = STUDY.ledger()
    record.worse_than_mlp(ledger, runs, n_test=6000)
    record.errors(ledger, runs, n_test=6000)
    rows = {r["id"]: r for r in ledger.evaluate()}
    assert rows["chen2017.s4.2.bottleneck_worse_than_mlp"]["verdict"] == "reproduced"
    offset_row = rows["chen2017.t4.1.systematic_offset"]
    assert offset_row["measured"]["above"] + offset_row["measured"]["below"] <= 16
    runs.loc[runs.depth == "deep", "l1"] = 0.3  # below the 4-layer MLP's 0.3913
    ledger = STUDY.ledger()
    record.worse_than_mlp(ledger, runs, n_test=6000)
    row = {r["id"]: r for r in ledger.evaluate()}["chen2017.s4.2.bottleneck_worse_than_mlp"]
    assert row["verdict"] == "differs" and "deep" in row["note"] and "l1" in row["note"]
    signal = {r["id"]: r for r in ledger.evaluate()}["chen2017.s4.2.bottleneck_worse_than_signal_processing"]
    assert signal["verdict"] == "paper inconsistent" and signal["measured"]["mean"] < 1  # deep 0.3 < 0.5532
    assert "deep p = 4 L2 1.1795" in signal["note"] and "shallow p = 4" not in signal["note"]


def test_the_table_7_1_typo_is_paper_inconsistent():
    ledger = STUDY.ledger()
    record.errors(ledger, fake_runs({("deep", 2): 0.9}, seeds=3), n_test=6000)
    rows = {r["id"]: r for r in ledger.evaluate()}
    assert rows["chen2017.t7.1.deep_p2.l2_99"]["verdict"] == "paper inconsistent"
    assert "0.2621" in rows["chen2017.t7.1.deep_p2.l2_99"]["note"]
    assert rows["chen2017.t7.1.deep_p2.l1_99"]["verdict"] != "paper inconsistent"


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
    assert "3 bottleneck entries below" in table.loc["§4.2.2 vs Table 4.1", "evidence"]
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
            "chen2017.fig4.15.separation_helps", "chen2017.t4.1.systematic_offset",
            "chen2017.s4.2.bottleneck_worse_than_mlp", "chen2017.s4.2.dead_nodes_every_intermediate_layer",
            "chen2017.s4.3.probability_falls_with_n", "chen2017.s4.2.bottleneck_worse_than_signal_processing"} <= ids
    main = {c.id: c for c in STUDY.claims}
    assert "linear map, points U[0,1]^p" in main["chen2017.s4.3.mp_p10_n50_above_0.1"].statement
    assert main["chen2017.s4.3.mp_p10_n50_above_0.1.affine_unit_cube"].role == "beyond"
    assert all(c.label for c in STUDY.claims)


def test_errors_combine_data_draws_and_seeds():
    first = fake_runs({("shallow", 10): 0.8}, seeds=3, step=0.01).assign(draw=0)
    second = fake_runs({("shallow", 10): 0.9}, seeds=3, step=0.01).assign(draw=1)
    runs = pd.concat([first, second], ignore_index=True)
    runs["l1 test var"] = 0.0001
    m = record.error_of(runs, "l1", 6000)
    assert m.mean == pytest.approx(0.86) and "2 data draws (6000 test signals each) × 3 network seeds" == m.sources
    assert m.sd > 0.05  # the draws differ by 0.1: that spread is part of one network's
    assert networks.draw_seed(5, 0) == 5 and networks.draw_seed(5, 2) == [5, 2]
    ledger = STUDY.ledger()
    record.dead_nodes(ledger, pd.concat([fake_runs({("deep", 10): 0.6}, seeds=3).assign(draw=d) for d in (0, 1)],
                                        ignore_index=True))
    share = ledger.records["chen2017.fig4.5.dead_share_p10"].measured
    assert share.sources == "2 data draws × 3 network seeds" and share.mean == 0.0


def test_draw_runs_trains_each_further_draw(monkeypatch):
    calls = []
    monkeypatch.setattr(networks, "train_all", lambda cfg, draw: calls.append(draw) or draw)
    monkeypatch.setattr(networks, "network_runs", lambda trained: fake_runs({("shallow", 10): 0.8 + trained}))
    runs = networks.draw_runs(SimpleNamespace(n_draws=3), fake_runs({("shallow", 10): 0.8}))
    assert calls == [1, 2] and sorted(runs.draw.unique()) == [0, 1, 2] and len(runs) == 6
