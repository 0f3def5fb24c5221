"""lib.studies.jump_detection.measures: read-outs against loops and constructed networks."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lib import data
from lib.jump_errors import ErrorMeasures, error_measures
from lib.studies import resolve
from lib.studies.jump_detection.ascent import Ascent
from lib.studies.jump_detection.baseline import detect_jumps, detector_weights_at
from lib.studies.jump_detection.measures import (
    against_paper,
    baseline_over_draws,
    capped,
    diagonal_share,
    draw_share,
    error_table,
    exact_share,
    filter_similarity,
    l1_over_thesis,
    max_abs_errors,
    measure_array,
    member_errors,
    network_stats,
    noise_comparison,
    not_below_baseline,
    off_plateau_failures,
    ordering,
    sigma_sweep_table,
    smooth_then_derivative,
    start_outputs,
)
from lib.studies.jump_detection.nets import SHAPES, build
from lib.studies.jump_detection.params import PARAMS
from lib.studies.jump_detection.sigma import SigmaScan, bayes_positions
from lib.uncertainty import over_repeats


def detector_network():
    """Member 0: the 1-layer network whose column for t is the baseline's filter at t; member 1 random."""
    net = build(SHAPES[0], [0, 1])
    with torch.no_grad():
        net.layers[0].weight[0] = torch.from_numpy(
            np.stack([detector_weights_at(t) for t in range(21, 81)], axis=1).astype(np.float32))
        net.layers[0].bias.zero_()
    return net


def test_diagonal_share_and_similarity_of_the_baseline_filter_network():
    net = detector_network()
    assert diagonal_share(net, 0) == 1.0 and diagonal_share(net, 1) < 0.5
    similarity = filter_similarity(net)
    assert similarity[0] == pytest.approx(1.0, abs=0.02) and abs(similarity[1]) < 0.5


def test_exact_share_and_member_errors_against_a_loop():
    net = detector_network()
    signals = data.jump_signals(200, theta=3.0, sigma=1.0, seed=2)
    logits = net(torch.from_numpy(signals.x)).detach().numpy()  # (K, N, 60)
    predicted = 21 + logits.argmax(axis=-1)
    assert np.allclose(exact_share(net, signals), [(p == signals.positions).mean() for p in predicted])
    assert member_errors(net, signals)[1] == error_measures(predicted[1], signals.positions)


def test_error_table_holds_thesis_and_run_values_and_the_ratio():
    errors = {"1-layer NN": [ErrorMeasures(0.3, 0.8, 0.26, 0.6), ErrorMeasures(0.5, 1.0, 0.28, 0.7)]}
    baseline = {k: over_repeats([v]) for k, v in ErrorMeasures(0.8, 1.5, 0.5, 0.75).as_dict().items()}
    table = error_table(network_stats(errors, {}, 6000), baseline, ErrorMeasures(0.2, 0.5, 0.15, 0.4))
    assert list(table.index) == ["Signal processing", "1-layer NN", "Bayes classifier (ours)"]
    assert table.loc["1-layer NN", "L1 thesis"] == "0.3065"
    assert table.loc["1-layer NN", "L1 this run"] == f"0.4000 ± {np.std([0.3, 0.5], ddof=1):.4f}"
    assert table.loc["1-layer NN", "L1 / baseline, this run"] == "0.500"
    assert table.loc["Bayes classifier (ours)", "L1 thesis"] == "-"


def test_baseline_over_draws_takes_the_nearest_grid_point():
    grid = np.array([1.0, 1.03, 1.1])
    values = {k: np.arange(6, dtype=float).reshape(3, 2) for k in ("l1", "l2", "l1_99", "l2_99")}
    got = baseline_over_draws(values, grid, 1.04)
    assert got["l1"].mean == 2.5 and got["l1"].n == 2


def test_l1_over_thesis_divides_the_seed_mean_by_the_thesis_value():
    errors = {"1-layer NN": [ErrorMeasures(0.3, 0.8, 0.26, 0.6), ErrorMeasures(0.5, 1.0, 0.28, 0.7)]}
    assert l1_over_thesis(network_stats(errors, {}, 6000), ("1-layer NN",)) == pytest.approx([0.4 / 0.3065])


def test_start_outputs_read_the_softmax_at_the_ascent_start_input():
    from lib.studies.jump_detection.ascent import start_inputs
    from lib.studies.jump_detection.training import Trained

    net = detector_network()
    with torch.no_grad():
        net.layers[0].bias[:, 0, 59] = 50.0  # every member's output saturated on position 80 near x = 0
    history = type("H", (), {"val_loss": torch.tensor([[1.0, 2.0]])})()  # member 0 has the lowest loss
    trained = Trained({"1-layer NN": net}, {"1-layer NN": history}, None, ())
    position, p_max, p_min = start_outputs(trained, ["1-layer NN"], seed=0)["1-layer NN"]
    with torch.no_grad():
        p = torch.softmax(net.member(0)(start_inputs(1, 100, 0.05, 0)), dim=-1)[0]
    assert position == 80 and p_max == pytest.approx(float(p[59])) and p_max > 0.99
    assert p_min == pytest.approx(float(p[[0, 19, 39, 59]].min())) and p_min < 1e-10


def test_sigma_sweep_table_holds_the_scan_means_and_table_3_1():
    grid = np.array([1.0, 1.1])
    measures_ = {k: np.array([[0.4, 0.6], [0.5, 0.7]]) for k in ("l1", "l2", "l1_99", "l2_99")}
    scan = SigmaScan(grid, measures_, np.array([[1, 3], [2, 2]]), np.full((2, 3), 1.05))
    table = sigma_sweep_table(scan)
    assert list(table.index) == ["1.000", "1.100", "Table 3.1"]
    assert table.loc["1.000", "L1"] == "0.5000" and table.loc["1.100", "99 % L2"] == "0.6000"
    assert table.iloc[:2, -1].tolist() == ["0.50", "1.00"] and table.loc["Table 3.1", "L1"] == "0.5532"


def test_noise_comparison_rows_against_the_detectors_themselves():
    cfg = SimpleNamespace(n_test=300, theta=3.0, seed=0)
    taus = np.array([1.0, 2.9, 6.0])
    table = noise_comparison(cfg, (0.5, 1.5), taus)
    signals = data.jump_signals(300, theta=3.0, sigma=1.5, seed=2)
    row = table.loc["1.5"]
    assert row["baseline L1 (τ = 2.9)"] == error_measures(detect_jumps(signals.x), signals.positions).l1
    assert row["baseline L1 (best τ)"] <= row["baseline L1 (τ = 2.9)"] and row["best τ"] in taus
    assert row["Bayes L1"] == error_measures(bayes_positions(signals.x, 3.0), signals.positions).l1
    assert table.loc["0.5", "Bayes L1"] <= row["Bayes L1"]


def test_against_paper_lists_exactly_the_parameters_that_differ_from_the_paper_profile():
    default = resolve("jump_detection", "default")
    table = against_paper(default)
    differing = [p.name for p in PARAMS if getattr(default, p.name) != p.defaults["paper"]]
    assert list(table.index) == differing and "n_seeds" in differing and "n_train" not in differing
    assert table.loc["n_seeds", "paper"] == str(resolve("jump_detection", "paper").n_seeds)
    assert against_paper(resolve("jump_detection", "paper")).empty


def test_off_plateau_failures_and_capped_ascents_name_what_failed():
    good, stuck = ErrorMeasures(0.3, 0.8, 0.3, 0.6), ErrorMeasures(19.7, 24.0, 19.5, 23.8)
    errors = {"a": [good, stuck], "b": [good]}
    assert off_plateau_failures(errors, ["a", "b"]) == ["a (seed 1)"] and off_plateau_failures(errors, ["b"]) == []
    reached = Ascent(np.zeros((2, 3)), np.array([1.0, 1.0]), np.array([5, 7]), np.array([False, False]))
    stopped = Ascent(np.zeros((2, 3)), np.array([1.0, 0.0]), np.array([5, 30]), np.array([False, True]))
    assert capped({"x": reached, "y": stopped}) == ["y"]


def test_share_below_reads_the_draws_at_the_nearest_grid_point():
    scan = SigmaScan(np.array([1.0, 1.1]), {"l2": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])},
                     np.zeros((2, 3)), np.zeros((3, 3)))
    assert scan.share_below("l2", 1.02, 2.5) == pytest.approx(2 / 3) and scan.share_below("l2", 1.09, 4.5) == 1 / 3


def test_network_stats_nest_the_replicated_shapes_and_take_seeds_for_the_others():
    e = ErrorMeasures
    replicated = {"1-layer NN": [[e(0.30, 0.8, 0.26, 0.6), e(0.31, 0.8, 0.26, 0.6)],
                                 [e(0.34, 0.9, 0.28, 0.7), e(0.33, 0.9, 0.28, 0.7)]]}
    errors = {"1-layer NN": replicated["1-layer NN"][0], "other": [e(0.4, 1, 0.3, 0.7), e(0.5, 1, 0.3, 0.7)]}
    stats = network_stats(errors, replicated, 600)
    assert measure_array(replicated["1-layer NN"], "l1").tolist() == [[0.30, 0.31], [0.34, 0.33]]
    assert stats["1-layer NN"]["l1"].mean == pytest.approx(0.32) and "2 data draws" in stats["1-layer NN"]["l1"].sources
    assert stats["other"]["l1"] == over_repeats([0.4, 0.5], sources="2 network seeds on one data draw")
    between = (2 * np.var([0.305, 0.335], ddof=1) - 0.5 * (np.var([0.30, 0.31], ddof=1) + np.var([0.34, 0.33],
                                                                                              ddof=1))) / 2
    within = np.var([0.30, 0.31], ddof=1)
    assert draw_share(replicated) == pytest.approx(between / (between + within))


def test_ordering_is_the_smallest_worse_minus_the_largest_better_per_network_set():
    e = ErrorMeasures
    rows = {"a": [[e(0.30, 0, 0, 0), e(0.31, 0, 0, 0)]], "b": [[e(0.32, 0, 0, 0), e(0.36, 0, 0, 0)]],
            "c": [[e(0.40, 0, 0, 0), e(0.30, 0, 0, 0)]]}
    slow = [[min(rows["b"][0][s].l1, rows["c"][0][s].l1) - rows["a"][0][s].l1 for s in range(2)]]
    assert ordering(rows, ("a",), ("b", "c")) == pytest.approx(np.array(slow))
    assert not_below_baseline(rows, np.array([0.35])) == ["b (draw 0, seed index 1)", "c (draw 0, seed index 0)"]


def test_max_abs_errors_against_a_loop():
    net = detector_network()
    signals = data.jump_signals(300, sigma=1.0, seed=3)
    predicted = 21 + net(torch.from_numpy(signals.x)).detach().numpy().argmax(axis=-1)
    assert max_abs_errors(net, signals).tolist() == [max(abs(p - t) for p, t in zip(row, signals.positions))
                                                     for row in predicted]


def test_smooth_then_derivative_reads_both_filters_of_every_member():
    net = build(SHAPES[5], [0, 1], conv_activation="linear")
    with torch.no_grad():
        net.layers[0].weight[0, 0] = torch.tensor([1.0, 2.0, 3.0, 2.0, 1.0])  # smoothing
        net.layers[1].weight[0, 0] = torch.tensor([-1.0, -1, -1, -1, 0, 1, 1, 1, 1])  # derivative
        net.layers[0].weight[1, 0] = torch.tensor([1.0, -2.0, 3.0, 2.0, 1.0])  # not smoothing
    assert smooth_then_derivative([net, net], 0.1).tolist() == [[True, False], [True, False]]


def test_member_ascents_keep_the_shown_run_and_ascend_in_every_other_member():
    from lib.studies.jump_detection.ascent import ascend
    from lib.studies.jump_detection.measures import member_ascents
    from lib.studies.jump_detection.training import Trained

    net = detector_network()
    history = type("H", (), {"val_loss": torch.tensor([[2.0, 1.0]])})()  # member 1 is the shown one
    trained = Trained({"1-layer NN": net}, {"1-layer NN": history}, None, ())
    shown = {"1-layer NN": "kept"}
    cfg = SimpleNamespace(alpha=10.0, ascent_cap=50, seed=0)
    runs = member_ascents(trained, ["1-layer NN"], cfg, shown)["1-layer NN"]
    assert runs[1] == "kept" and len(runs) == 2
    direct = ascend(net.member(0), np.array([0, 19, 39, 59]), alpha=10.0, threshold=0.999, max_iter=50, seed=0)
    assert np.array_equal(runs[0].x, direct.x) and np.array_equal(runs[0].hit_cap, direct.hit_cap)
