"""lib.studies.jump_detection.offset: the grid of readings, its table and the σ fitted from the networks' table,
on synthetic cells and tiny data."""

import numpy as np
import pytest

from lib.jump_errors import ErrorMeasures
from lib.params import ParameterError
from lib.studies import resolve
from lib.studies.jump_detection import offset
from lib.studies.jump_detection.claims import PAPER_TABLE
from lib.studies.jump_detection.training import make_splits


def cell(l1: np.ndarray, converged: bool = True) -> offset.Cell:
    """A cell whose networks have the given L1 values (draws × seeds), L2 = 2 L1."""
    errors = [[ErrorMeasures(v, 2 * v, v, v) for v in row] for row in l1]
    return offset.Cell(errors, np.full(l1.shape, converged), np.full(l1.shape, 100))


def cells_with(shift: dict, keys=("nn1", "mlp2"), spread=0.002, unconverged=()) -> dict:
    """Every reading's cells around thesis L1 × (1 + shift[reading]) (default +10 %)."""
    rng = np.random.default_rng(0)
    out = {}
    for reading in offset.READINGS:
        for k in keys:
            centre = PAPER_TABLE[k][2][0] * (1 + shift.get(reading, 0.10))
            out[(k, *reading)] = cell(centre + spread * rng.standard_normal((2, 5)), reading not in unconverged)
    return out


def test_relative_offset_and_the_thesis_inside_the_prediction_interval():
    cells = cells_with({("categorical", "error"): 0.0})
    keys = ("nn1", "mlp2")
    assert offset.relative_offset(cells, ("categorical", "loss"), keys) == pytest.approx(0.10, abs=0.01)
    assert offset.thesis_inside(cells, ("categorical", "loss"), keys) == [False, False]
    assert offset.thesis_inside(cells, ("categorical", "error"), keys) == [True, True]
    assert offset.best_reading(cells, keys) == ("categorical", "error")


def test_an_unconverged_reading_is_never_the_closest():
    cells = cells_with({("eq3.5", "loss"): 0.0, ("categorical", "l1"): 0.05}, unconverged={("eq3.5", "loss")})
    assert offset.best_reading(cells, ("nn1", "mlp2")) == ("categorical", "l1")
    nothing = cells_with({}, unconverged=set(offset.READINGS))
    assert offset.best_reading(nothing, ("nn1", "mlp2")) == offset.BOOK_READING


def test_table_has_one_row_per_reading_and_the_thesis():
    cfg = resolve("jump_detection", "smoke", offset_shapes="nn1,mlp2", offset_seeds=5)
    cells = cells_with({("categorical", "error"): 0.0})
    table = offset.table(cells, cfg)
    assert len(table) == len(offset.READINGS) + 1
    assert table.loc["thesis (Tables 3.3-3.4)", "1-layer NN L1"] == f"{PAPER_TABLE['nn1'][2][0]:.4f}"
    closest = [r for r in table.index if "closest" in r]
    assert closest == ["categorical loss, lowest validation error (closest)"]
    assert table.loc[closest[0], "thesis L1 inside"] == "2 of 2"
    assert table.loc[closest[0], "networks"] == "5 seeds × 2 draws" and table.loc[closest[0], "converged"] == "20 of 20"


def test_calls_train_each_shape_loss_and_draw_once_with_the_readings_loss():
    cfg = resolve("jump_detection", "smoke", n_train=60, n_val=60, n_test=60, offset_shapes="nn1,mlp2")
    splits = offset.experiment_splits(cfg, [make_splits(cfg, 0)])
    jobs = offset.calls(cfg, splits)
    assert len(jobs) == 2 * 2 * cfg.offset_draws and len(splits) == cfg.offset_draws
    for (key, loss, d), call in jobs:
        assert call.keywords["selection"] and call.args[0] == offset.SHAPE_BY_KEY[key]
        assert call.args[4].loss == {"categorical": "ce", "eq3.5": "bce"}[loss]
        assert list(call.args[1]) == list(range(d * cfg.offset_seeds, (d + 1) * cfg.offset_seeds))


def test_sigma_from_networks_inverts_the_risk_curve():
    grid = np.linspace(0.8, 1.4, 61)
    risk = 0.2 * grid ** 2  # any increasing curve
    cells = cells_with({}, keys=("nn1",), spread=0.0)
    row = offset.sigma_from_networks(cells, ("nn1",), 1.0, grid, risk).loc["1-layer NN"]
    ours, thesis = PAPER_TABLE["nn1"][2][0] * 1.1, PAPER_TABLE["nn1"][2][0]
    assert row["σ fitted"] == pytest.approx(np.sqrt(thesis * 0.2 / ours / 0.2), abs=2e-3)
    assert row["σ bound (optimum = thesis L1)"] == pytest.approx(np.sqrt(thesis / 0.2), abs=2e-3)


@pytest.mark.parametrize("name, value", [("loss", "bce"), ("select_by", "accuracy"), ("offset_shapes", "mlp3"),
                                         ("offset_seeds", 1), ("offset_draws", 1)])
def test_bad_readings_are_refused_by_name(name, value):
    with pytest.raises(ParameterError, match=name):
        resolve("jump_detection", "default", **{name: value})


def test_conclusion_names_the_reading_that_removes_the_offset_and_every_change():
    cfg = resolve("jump_detection", "smoke", offset_shapes="nn1,mlp2")
    removed = offset.conclusion(cells_with({("categorical", "l1"): 0.0}), cfg)
    assert removed.startswith("the book's reading is +") and "removed by: categorical loss with the lowest " \
        "validation l1;" in removed and "categorical loss, lowest validation l1: -" in removed
    kept = offset.conclusion(cells_with({}, unconverged={("eq3.5", "loss")}), cfg)
    assert "no reading removes the offset" in kept and "eq3.5 loss, lowest validation loss: +0." in kept
    assert kept.count("(not converged)") == 1
    unconverged = offset.conclusion(cells_with({("eq3.5", "loss"): 0.0}, unconverged={("eq3.5", "loss")}), cfg)
    assert "no reading removes the offset" in unconverged
    inside = offset.conclusion(cells_with({offset.BOOK_READING: 0.0}, spread=0.02), cfg)
    assert "each thesis L1 of these shapes inside our 95 % prediction interval" in inside


def test_change_is_the_paired_difference_relative_to_the_thesis():
    cells = cells_with({("eq3.5", "error"): 0.05}, keys=("nn1",), spread=0.0)
    moved = offset.change(cells, ("eq3.5", "error"), "nn1")
    assert moved.mean == pytest.approx(-0.05) and moved.n == 10
