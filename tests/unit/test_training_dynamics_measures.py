"""training_dynamics.measures: the counts and shares the chapter reports, against loops on tiny grids."""

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
    assert measures.paper_expects(grid.Shape(2, 320), "ce", 1) is True
    assert measures.paper_expects(grid.Shape(2, 80), "mse", 4) is None
    assert measures.paper_expects(grid.Shape(9, 320), "mse", 6) is True


def test_finding_share_counts_runs_by_loop(tiny_result):
    for number in range(1, 8):
        share, missed = measures.finding_share(tiny_result, number)
        held, total = 0, 0
        for shape in tiny_result.shapes:
            for loss in ("ce", "mse"):
                if measures.paper_expects(shape, loss, number):
                    total += 1
                    curves = grid.shape_curves(tiny_result.records[shape], tiny_result.run.members.of_loss(loss),
                                               tiny_result.total_steps, loss, shape.width)
                    held += bool(fnd.check_findings(curves)[number - 1].held)
        assert share == pytest.approx(held / total) and len(missed) == total - held


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
    converged = tiny_result.converged()
    assert all(rows[f"hd2020.s6.finding{n}"]["converged"] == converged for n in (1, 2, 5, 7))
    assert len(measures.findings_table(tiny_result)) == 4 and len(measures.onset_sensitivity(tiny_result)) == 4
    assert len(measures.findings_details(tiny_result)) == 4 * 7
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
