"""training_dynamics.measures: the counts and shares the chapter reports, against loops on tiny grids."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from lib.claims import Ledger
from lib.studies.training_dynamics import CLAIMS, grid, measures
from lib.studies.training_dynamics import findings as fnd
from lib.train import train_data


def tiny_data(n_train=120, n_val=60, d=6, classes=10, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_train + n_val, d, generator=g)
    y = torch.arange(n_train + n_val) % classes
    return train_data(x[:n_train], y[:n_train], x[n_train:], y[n_train:])


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    import os
    os.environ["NODEWISE_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    data = tiny_data()
    shapes = [grid.Shape(2, 5), grid.Shape(3, 4)]
    return measures.train_grid(shapes, ("ce", "mse"), data, {"name": "tiny"}, n_seeds=2, seed=0, epochs=2,
                               batch_size=30, lr=1e-2, init="torch", measurements=5)


def test_paper_expects_the_one_exception_and_layer_comparisons():
    assert measures.paper_expects(grid.Shape(2, 320), "mse", 1) is False
    assert measures.paper_expects(grid.Shape(2, 320), "mse", 3) is False  # no rise, so no turn (App. B)
    assert measures.paper_expects(grid.Shape(2, 320), "mse", 5) is True
    assert measures.paper_expects(grid.Shape(2, 320), "ce", 1) is True
    assert measures.paper_expects(grid.Shape(2, 80), "mse", 4) is None
    assert measures.paper_expects(grid.Shape(9, 320), "mse", 6) is True


def test_finding_share_counts_networks_by_loop(tiny_result):
    for number in range(1, 8):
        share, missed = measures.finding_share(tiny_result, number)
        held, total = 0, 0
        for shape in tiny_result.shapes:
            for loss in ("ce", "mse"):
                if measures.paper_expects(shape, loss, number):
                    for k in tiny_result.run.members.of_loss(loss):  # every seed on its own
                        total += 1
                        curves = grid.shape_curves(tiny_result.records[shape], [k], tiny_result.total_steps, loss,
                                                   shape.width)
                        held += bool(fnd.check_findings(curves)[number - 1].held)
        assert share == pytest.approx(held / total) and len(missed) == total - held


def test_networks_are_every_seed_of_every_run(tiny_result):
    nets = measures.networks(tiny_result)
    assert len(nets) == len(tiny_result.keys) * 2 and len({n.name for n in nets}) == len(nets)
    net = nets[0]
    f = tiny_result.records[net.shape]["f"].numpy()[:, net.member]  # (T, L)
    assert np.allclose(measures.network_curves(tiny_result, net).f, f)
    assert measures.network_turned(tiny_result, net) == bool(f.mean(axis=1).argmax() < len(f) - 1)
    assert measures.network_deep_peak(tiny_result, net) == pytest.approx(
        f[:, net.shape.hidden // 2:].max(axis=0).min())


def test_rose_reads_every_layer_against_the_change_margin(tiny_result):
    for net in measures.networks(tiny_result):
        f = tiny_result.records[net.shape]["f"].numpy()[:, net.member]  # (T, L)
        expected = all(f[:, layer].max() - f[0, layer] >= tiny_result.thresholds.change for layer in range(f.shape[1]))
        assert measures.rose(tiny_result, net) == expected


def test_every_network_decides_on_one_covered_counterexample():
    assert measures.every_network([("a", True, True), ("b", True, True)]).measured is True
    fails = measures.every_network([("a", False, True), ("b", True, False)])
    assert fails.measured is False and fails.converged is True and "a" in fails.note
    open_ = measures.every_network([("a", True, True), ("b", False, False)])
    assert open_.converged is False and "b" in open_.note  # an uncovered failure does not decide


def test_every_value_takes_the_worst_covered_network_when_it_already_fails():
    from lib.claims import at_most
    from lib.uncertainty import exact
    criterion = at_most(0.05)
    items = [("a", exact(0.02), True), ("b", exact(0.09), True), ("c", exact(0.5), False)]
    found = measures.every_value(items, criterion, largest=True)
    assert found.measured.mean == 0.09 and found.converged is True  # decided by b, whatever c does
    items = [("a", exact(0.02), True), ("c", exact(0.04), False)]
    found = measures.every_value(items, criterion, largest=True)
    assert found.measured.mean == 0.04 and found.converged is False
    assert measures.every_value(items[:1], criterion, largest=False).converged is True


def test_a_rise_of_an_f_that_peaks_at_the_initialisation_is_exactly_zero(tiny_result):
    for net in measures.networks(tiny_result):
        f = tiny_result.records[net.shape]["f"].numpy()[:, net.member].mean(axis=1)
        m = measures.rise_sampled(tiny_result, net)
        assert m.mean == pytest.approx(f.max() - f[0])
        assert (m.sd == 0) == bool(f.argmax() == 0)


def test_sampled_adds_the_binomial_variance():
    m = measures.sampled(0.1, 400)
    assert m.mean == 0.1 and m.sd == pytest.approx((0.1 * 0.9 / 400) ** 0.5) and "400 images" in m.sources


def test_comparable_needs_the_papers_shapes_data_and_epochs(tiny_result):
    keys = tiny_result.keys
    same, why = measures.comparable(tiny_result, "hd2020.s6.finding1", keys)
    assert same is False and "shapes not in the paper" in why
    wide = [(grid.Shape(9, 320), "mse")]
    assert measures.comparable(tiny_result, "hd2020.fig9.all_9layer_mse", wide) == (False, "120 of the paper's "
                                                                                    "48,000 training images")


def test_deep_peak_and_rise_by_loop(tiny_result):
    shape = grid.Shape(3, 4)
    f = tiny_result.records[shape]["f"].numpy()[:, tiny_result.ids("mse")]  # (T, S, L)
    mean = f.mean(axis=1)
    assert measures.deep_peak(tiny_result, shape) == pytest.approx(min(mean[:, layer].max() for layer in range(1, 2)))
    layer_mean = mean.mean(axis=1)
    assert measures.f_rise(tiny_result, shape) == pytest.approx(layer_mean.max() - layer_mean[0])


def test_record_claims_fills_the_ledger_and_tables_have_every_run(tiny_result):
    ledger = Ledger(CLAIMS)
    margin = {"agreement": 1.0, "pairs": 10, "misses": 0}
    measures.record_claims(ledger, tiny_result, margin, measures.largest_u(tiny_result))
    rows = {row["id"]: row for row in ledger.evaluate()}
    assert rows["hd2020.fig9.mse_deep_layers_near_all_samples"]["verdict"] == "not run"  # no 9×320 here
    assert rows["hd2020.s5.error_below_7pct_width_20"]["verdict"] == "not run"  # widths 4 and 5 only
    assert rows["hd2020.eq4.margin_prediction"]["verdict"] == "reproduced"
    assert rows["hd2020.eq4.margin_prediction"]["role"] == rows["hd2020.s5.3.u_bound"]["role"] == "check"
    for n in range(1, 8):  # tiny shapes and data: not the paper's setting
        assert rows[f"hd2020.s6.finding{n}"]["verdict"] == "not comparable"
        assert "network" in rows[f"hd2020.s6.finding{n}"]["note"]
    assert rows["hd2020.s5.ce_faster_in_shallow_layers"]["verdict"] == "not comparable"
    assert rows["hd2020.fig9.all_9layer_mse"]["verdict"] == "not run"  # no 9-layer network here
    assert len(measures.findings_table(tiny_result)) == 8 and len(measures.onset_sensitivity(tiny_result)) == 4
    assert len(measures.findings_details(tiny_result)) == 8 * 7
    assert isinstance(measures.fail_reasons(tiny_result), str)


def test_largest_u_is_the_max_over_records(tiny_result):
    expected = max(float(r["u"].max()) for r in tiny_result.records.values())
    assert measures.largest_u(tiny_result) == pytest.approx(expected)


def test_margin_summary_counts_by_loop():
    data = tiny_data(n_train=240, d=784)
    steps = measures.margin_run(grid.Shape(2, 6), data, init="torch", seed=1, batch_size=20, steps=3, samples=30,
                                loss="ce", lr=0.5)
    summary = measures.margin_summary(steps)
    pairs = agree = joined = left = 0
    for s in steps:
        for i in range(s.before.shape[0]):
            for j in range(s.before.shape[1]):
                pairs += 1
                agree += bool(s.predicted[i, j] == s.after[i, j])
                joined += bool(~s.before[i, j] & s.after[i, j])
                left += bool(s.before[i, j] & ~s.after[i, j])
    assert (summary["pairs"], summary["joined"], summary["left"]) == (pairs, joined, left)
    assert summary["agreement"] == pytest.approx(agree / pairs)
    step, node = measures.busiest(steps)
    counts = [[int((s.before[:, j] != s.after[:, j]).sum()) for j in range(6)] for s in steps]
    assert counts[step][node] == max(max(row) for row in counts)


def test_init_comparison_and_evidence(tiny_result):
    table = measures.init_comparison({"torch": tiny_result, "he": tiny_result})
    assert list(table["init"]) == ["torch", "he"] and "(1)" in table.columns and "initial MSE loss" in table.columns
    assert table["Fig. 9 per seed: mean (min–max)"][0] == measures.seed_range(measures.deep_peak_per_seed(tiny_result,
                                                                                          grid.Shape(3, 4)))
    text = measures.init_evidence(table)
    assert text.startswith("torch: findings held in") and "; he: " in text


def test_loss_kinds():
    assert measures.loss_kinds("both") == ("ce", "mse") and measures.loss_kinds("mse") == ("mse",)


def test_the_showcase_shapes_are_the_deepest_widest_and_the_widest_shallowest():
    shapes = grid.grid((2, 9, 5), (80, 20, 320))
    assert (measures.largest_shape(shapes).depth, measures.largest_shape(shapes).width) == (9, 320)
    shallow = measures.widest_shallow_shape(shapes)
    assert (shallow.depth, shallow.width) == (2, 320)
    assert measures.widest_shallow_shape(grid.grid((5,), (20,))).width == 20


def test_turned_lists_runs_whose_f_still_rises_at_the_last_point(tiny_result):
    late = measures.turned(tiny_result, tiny_result.keys)
    for net in measures.networks(tiny_result):
        f = tiny_result.records[net.shape]["f"].numpy()[:, net.member].mean(axis=1)
        assert (net.name in late) == bool(f.argmax() == len(f) - 1)


def test_phase_of_early_claims_reads_the_turn_and_the_others_convergence(tiny_result, monkeypatch):
    keys = tiny_result.keys
    monkeypatch.setattr(measures, "network_turned", lambda result, net: True)
    assert measures.phase_of(tiny_result, "hd2020.s6.finding1", keys)[0] is True
    assert measures.phase_of(tiny_result, "hd2020.s6.finding6", keys)[0] == tiny_result.converged(keys)
    monkeypatch.setattr(measures, "network_turned", lambda result, net: net.shape.depth != 2 or net.loss != "mse")
    covered, why = measures.phase_of(tiny_result, "hd2020.fig10.mse_2x320_no_rise", keys)
    assert covered is False and "2×5 MSE seed 0" in why


def test_claim_keys_and_phase_table(tiny_result):
    assert measures.claim_keys(tiny_result, "hd2020.s6.finding4") == [(grid.Shape(3, 4), "ce"),
                                                                       (grid.Shape(3, 4), "mse")]
    assert measures.claim_keys(tiny_result, "hd2020.s5.error_below_7pct_width_20") == []
    assert measures.claim_keys(tiny_result, "hd2020.fig9.mse_deep_layers_near_all_samples") == []
    table = measures.phase_table(tiny_result, CLAIMS)
    assert len(table) == sum(c.role == "reproduction" for c in CLAIMS)
    assert set(table["speaks of"]) == {"the beginning of training", "the trained networks"}
    assert list(table.loc[table["why"] == "no run of this grid measures it", "this run covers it"]) == ["no"] * 5
    assert measures.claim_keys(tiny_result, "hd2020.s5.ce_faster_in_shallow_layers") == [(grid.Shape(3, 4), "ce")]
    assert len(measures.claim_keys(tiny_result, "hd2020.s4.1.all_converge")) == 4


def test_per_seed_measures_by_loop(tiny_result):
    shape = grid.Shape(3, 4)
    f = tiny_result.records[shape]["f"].numpy()[:, tiny_result.ids("mse")]  # (T, S, L)
    for s in range(f.shape[1]):
        assert measures.deep_peak_per_seed(tiny_result, shape)[s] == pytest.approx(f[:, s, 1:].max(axis=0).min())
        layer_mean = f[:, s].mean(axis=1)
        assert measures.f_rise_per_seed(tiny_result, shape)[s] == pytest.approx(layer_mean.max() - layer_mean[0])
    assert measures.seed_range(np.array([0.5, 0.25, 1.0])) == "0.583 (0.250–1.000)"


def test_the_comparison_reads_the_grids_own_init_from_the_grid(tiny_result):
    data = tiny_data()
    shapes = [grid.Shape(3, 4)]
    runs = measures.compare_inits(("torch", "he"), shapes, tiny_result, data, {"name": "tiny"}, stop=5, n_seeds=2,
                                  seed=0, epochs=2, batch_size=30, lr=1e-2, measurements=5)
    trained = measures.train_grid(shapes, ("ce", "mse"), data, {"name": "tiny"}, n_seeds=2, seed=0, epochs=2,
                                  batch_size=30, lr=1e-2, init="torch", measurements=5, stop=5)
    assert runs["torch"].total_steps == trained.total_steps <= 5 and runs["he"].run.init == "he"
    for name, value in trained.records[shapes[0]].items():
        torch.testing.assert_close(runs["torch"].records[shapes[0]][name], value, equal_nan=True)
    assert runs["he"].records[shapes[0]]["steps"].tolist() == trained.records[shapes[0]]["steps"].tolist()


def test_time_shapes_projects_grid_and_comparison():
    paper = SimpleNamespace(depths=(2, 3), widths=(4,), n_seeds=1, epochs=2, n_train=120, n_val=60, batch_size=30,
                            lr=1e-3, measurements=5, compare_steps=4, compare_depths=(3,), compare_widths=(4,),
                            compare_inits=("torch", "he", "glorot"), init="torch")
    table = measures.time_shapes(tiny_data(d=784), paper, init="torch", seed=0, timing_steps=2, probe_images=30)
    assert list(table["shape"]) == ["2×4", "3×4"] and list(table["networks"]) == [2, 2]
    assert table["comparison hours"][0] == 0 and table["comparison hours"][1] > 0
    row = table.iloc[1]
    steps, points = 2 * 4, len(grid.GridRun(grid.members(("ce",), 1), 2, 30, 1e-3, "torch", 5).measure_steps(120))
    assert row["grid hours"] == pytest.approx((row["ms per step"] / 1000 * steps + row["s per measurement"] * points)
                                              / 3600)


def test_onset_explanation_counts_the_runs_each_way(tiny_result):
    text = measures.onset_explanation(tiny_result)
    gaps = [fnd.turn_gap(tiny_result.curves(s, loss), tiny_result.thresholds) for s, loss in tiny_result.keys]
    gaps = [g for g in gaps if not isinstance(g, str)]
    if not gaps:
        assert text.startswith("No run of this grid has a turn of f")
        return
    after = sum(turn > onset for turn, onset, _ in gaps)
    assert f"Of the {len(gaps)} runs with a turn of f, f turns after the loss has started to fall in {after}" in text
    assert f"{sum(g <= 1.0 for _, _, g in gaps)} of them at 1.0 decades" in text


def test_onset_explanation_names_the_figure_shape(monkeypatch, tiny_result):
    shape = grid.Shape(9, 320)
    result = measures.GridResult([shape], ("ce",), tiny_result.run, 100, {})
    curves = {"ce": fnd.ShapeCurves(steps=np.array([0, 10, 100]), total_steps=100,
                                    f=np.array([[0.5], [0.8], [0.6]]), p=np.zeros((3, 1)), u=np.zeros((3, 1)),
                                    val_loss=np.array([2.3, 1.0, 0.5]), val_error=np.zeros(3),
                                    node_f=np.zeros((3, 1)), chance=2.3)}
    monkeypatch.setattr(measures.GridResult, "curves", lambda self, s, loss: curves[loss])
    text = measures.onset_explanation(result)
    assert "On 9×320 cross-entropy, the shape and loss of the paper's Fig. 3 and 5, the gap is 0.00 decades" in text
    assert "the check holds there" in text and "before it in 0." in text


def test_the_timing_clock_is_cpu_time_on_a_cpu():
    import time
    assert measures.clock(torch.device("cpu")) is time.process_time
    assert measures.clock(torch.device("cuda")) is time.perf_counter


def test_the_workers_train_exactly_what_the_grid_and_the_comparison_load(tmp_path, monkeypatch):
    """train_on_cores' calls, run here in order, fill the cache so that train_grid and compare_inits train nothing;
    the largest call goes first."""
    from lib import parallel
    from lib.data import load_mnist

    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    handed = []
    monkeypatch.setattr(parallel, "fill_cache", lambda calls: handed.extend(calls) or [c() for c in calls])
    shapes, compared = [grid.Shape(2, 5), grid.Shape(3, 4)], [grid.Shape(3, 4)]
    run = dict(n_seeds=2, seed=0, batch_size=30, lr=1e-2, measurements=5)
    measures.train_on_cores(shapes, ("ce", "mse"), 90, 40, inits=("torch", "he"), compare_shapes=compared, stop=2,
                            init="torch", epochs=2, **run)
    assert [(c.args[0], c.args[1].init) for c in handed] == [(grid.Shape(2, 5), "torch"), (grid.Shape(3, 4), "torch"),
                                                            (grid.Shape(3, 4), "he")]

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(grid, "train", no_training)
    data, data_id = grid.mnist_grid_data(load_mnist(), 90, 40)
    result = measures.train_grid(shapes, ("ce", "mse"), data, data_id, init="torch", epochs=2, **run)
    runs = measures.compare_inits(("torch", "he"), compared, result, data, data_id, stop=2, epochs=2, **run)
    assert runs["he"].run.init == "he" and set(result.records) == set(shapes)
