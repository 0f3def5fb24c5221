"""Where our networks' systematic offset from thesis Tables 3.3-3.4 comes from (issue #31): the shapes of the
experiment trained under every reading of the loss (thesis §3.3.1 "categorical cross-entropy", its eq. 3.5 written as
the binary cross-entropy of the softmax outputs) and of the stopping rule (the epoch of the lowest validation loss,
classification error or L1), on offset_draws data draws × offset_seeds network seeds; and σ fitted from the networks'
own table against the L1-optimal (posterior-median) detector, beside the baseline's σ̂."""

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from lib import data, parallel
from lib.jump_errors import ErrorMeasures, error_measures, predicted_positions
from lib.studies.jump_detection.claims import PAPER_TABLE, SHORT
from lib.studies.jump_detection.nets import SHAPES, selected_net, trained_payload
from lib.studies.jump_detection.replicates import network_seeds, sources
from lib.studies.jump_detection.selection import SELECTIONS
from lib.studies.jump_detection.sigma import l1_optimal_risk
from lib.studies.jump_detection.training import LOSS_READINGS, data_identity, engine_config, make_splits
from lib.uncertainty import Measurement, over_draws_and_seeds, prediction_interval

SHAPE_BY_KEY = {key: next(s for s in SHAPES if s.name == PAPER_TABLE[key][0]) for key in ("nn1", "mlp2", "cnn2")}
READINGS = tuple((loss, select_by) for loss in LOSS_READINGS for select_by in SELECTIONS)
BOOK_READING = ("categorical", "loss")  # what the chapter's other sections train with


def experiment_keys(cfg) -> tuple[str, ...]:
    """The shapes of the experiment, as PAPER_TABLE keys (parameter offset_shapes)."""
    return tuple(cfg.offset_shapes.split(","))


@dataclass(frozen=True)
class Cell:
    """One shape under one reading: per data draw × network seed, the test error measures and convergence."""

    errors: list[list[ErrorMeasures]]  # (D, S)
    converged: np.ndarray  # (D, S) bool: stopped by patience after the selected epoch
    epochs: np.ndarray  # (D, S) epoch of the selected weights

    def measure(self, name: str, what: str) -> Measurement:
        """The measure `name` (l1, l2, ...) of one network over draws × seeds."""
        return over_draws_and_seeds(np.array([[getattr(e, name) for e in row] for row in self.errors]), what)


def calls(cfg, splits: list[data.JumpSplits]) -> list[tuple[tuple[str, str, int], partial]]:
    """((key, loss, draw), engine call) of every training run: one per shape, loss reading and data draw, all
    offset_seeds seeds in one call, recording the selections by validation error and L1 beside the loss's."""
    out = []
    for key in experiment_keys(cfg):
        for loss in LOSS_READINGS:
            for d in range(cfg.offset_draws):
                seeds = network_seeds(d, cfg.offset_seeds)
                out.append(((key, loss, d), partial(
                    trained_payload, SHAPE_BY_KEY[key], seeds, splits[d], data_identity(cfg, d),
                    engine_config(cfg, seeds, loss), record_curve=False, conv_activation=cfg.conv_activation,
                    selection=True)))
    return out


def experiment_splits(cfg, splits: list[data.JumpSplits]) -> list[data.JumpSplits]:
    """The data draws of the experiment: the run's own where it has them, the further ones made here."""
    return [splits[d] if d < len(splits) else make_splits(cfg, d) for d in range(cfg.offset_draws)]


def run(cfg, splits: list[data.JumpSplits]) -> dict[tuple[str, str, str], Cell]:
    """Every (shape key, loss, select_by) cell, trained on the machine's cores or loaded from the model cache."""
    splits = experiment_splits(cfg, splits)
    jobs = calls(cfg, splits)
    parallel.fill_cache([call for _, call in jobs])
    rows: dict[tuple[str, str, str], list] = {}
    for (key, loss, d), call in jobs:
        payload = call()
        seeds = network_seeds(d, cfg.offset_seeds)
        train_cfg = engine_config(cfg, seeds, loss)
        test = splits[d].test
        for select_by in SELECTIONS:
            net, history = selected_net(payload, SHAPE_BY_KEY[key], seeds, train_cfg, select_by,
                                        conv_activation=cfg.conv_activation)
            errors = [error_measures(p, test.positions) for p in predicted_positions(net, test.x)]
            rows.setdefault((key, loss, select_by), []).append(
                (errors, history.converged.numpy(), history.best_epoch.numpy()))
    return {cell: Cell([r[0] for r in per_draw], np.stack([r[1] for r in per_draw]),
                       np.stack([r[2] for r in per_draw])) for cell, per_draw in rows.items()}


def relative_offset(cells: dict, reading: tuple[str, str], keys: tuple[str, ...]) -> float:
    """The median over the experiment's shapes of (our mean L1 − thesis L1) / thesis L1 under one reading."""
    return float(np.median([(cells[(k, *reading)].measure("l1", "").mean - PAPER_TABLE[k][2][0])
                            / PAPER_TABLE[k][2][0] for k in keys]))


def thesis_inside(cells: dict, reading: tuple[str, str], keys: tuple[str, ...], measure: str = "l1") -> list[bool]:
    """Per shape: the thesis's value lies inside the 95 % prediction interval of one more of our networks."""
    index = ("l1", "l2").index(measure)
    return [bool(low <= PAPER_TABLE[k][2][index] <= high)
            for k in keys for low, high in [prediction_interval(cells[(k, *reading)].measure(measure, ""))]]


def all_converged(cells: dict, reading: tuple[str, str], keys: tuple[str, ...]) -> bool:
    """Every network of the reading stopped by patience after its selected epoch."""
    return all(bool(cells[(k, *reading)].converged.all()) for k in keys)


def best_reading(cells: dict, keys: tuple[str, ...]) -> tuple[str, str]:
    """The converged reading whose median relative L1 offset is closest to 0 (the book's own if none other is)."""
    usable = [r for r in READINGS if all_converged(cells, r, keys)] or [BOOK_READING]
    return min(usable, key=lambda r: abs(relative_offset(cells, r, keys)))


def table(cells: dict, cfg) -> pd.DataFrame:
    """One row per reading: networks, L1 and L2 of each shape as mean ± sd of one network (over draws × seeds,
    lib.uncertainty.over_draws_and_seeds), the median relative L1 offset from the thesis, in how many shapes the
    thesis's L1 lies inside our 95 % prediction interval, and how many networks converged; the thesis last."""
    keys = experiment_keys(cfg)
    best = best_reading(cells, keys)
    rows = []
    for reading in READINGS:
        loss, select_by = reading
        name = f"{loss} loss, lowest validation {select_by}"
        marks = [m for m, on in (("book's reading", reading == BOOK_READING), ("closest", reading == best)) if on]
        row = {"reading": name + (f" ({', '.join(marks)})" if marks else ""),
               "networks": f"{cfg.offset_seeds} seeds × {cfg.offset_draws} draws"}
        for k in keys:
            cell = cells[(k, *reading)]
            for measure, label in (("l1", "L1"), ("l2", "L2")):
                m = cell.measure(measure, "")
                row[f"{SHORT[k]} {label}"] = f"{m.mean:.4f} ± {m.sd:.4f}"
        row["L1 offset (median)"] = f"{relative_offset(cells, reading, keys):+.1%}"
        row["thesis L1 inside"] = f"{sum(thesis_inside(cells, reading, keys))} of {len(keys)}"
        converged = sum(int(cells[(k, *reading)].converged.sum()) for k in keys)
        total = sum(cells[(k, *reading)].converged.size for k in keys)
        row["converged"] = f"{converged} of {total}"
        rows.append(row)
    thesis = {"reading": "thesis (Tables 3.3-3.4)", "networks": "1"}
    for k in keys:
        thesis[f"{SHORT[k]} L1"], thesis[f"{SHORT[k]} L2"] = (f"{v:.4f}" for v in PAPER_TABLE[k][2][:2])
    rows.append(thesis)
    return pd.DataFrame(rows).set_index("reading").fillna("")


def what(cfg) -> str:
    """The sources of the experiment's spread, in words."""
    return sources(cfg.offset_draws, cfg.offset_seeds, cfg.n_test)


def selected_epochs(cells: dict, keys: tuple[str, ...], loss: str = "categorical") -> pd.DataFrame:
    """Median selected epoch per shape and selection rule under one loss: when each rule's minimum comes."""
    return pd.DataFrame({f"lowest validation {s}": {SHORT[k]: int(np.median(cells[(k, loss, s)].epochs))
                                                    for k in keys} for s in SELECTIONS})


def sigma_from_networks(cells: dict, keys: tuple[str, ...], sigma: float, grid: np.ndarray,
                        risk: np.ndarray) -> pd.DataFrame:
    """σ fitted from each network row of the thesis (candidate 1): the σ at which the L1-optimal detector's risk
    equals the thesis's L1 divided by our networks' ratio to that risk at our σ (the networks' excess over the
    optimum read as independent of σ); and the bound: the σ at which the optimum alone reaches the thesis's L1
    (no detector does better in expectation, so a larger σ cannot have given the thesis's value)."""
    at_ours = float(np.interp(sigma, grid, risk))
    rows = {}
    for k in keys:
        ours = cells[(k, *BOOK_READING)].measure("l1", "").mean
        thesis = PAPER_TABLE[k][2][0]
        rows[SHORT[k]] = {"thesis L1": thesis, "our L1": round(ours, 4), "our L1 / optimum": round(ours / at_ours, 3),
                          "σ fitted": round(float(np.interp(thesis * at_ours / ours, risk, grid)), 3),
                          "σ bound (optimum = thesis L1)": round(float(np.interp(thesis, risk, grid)), 3)}
    return pd.DataFrame(rows).T


def risk_curve(cfg, grid: np.ndarray) -> np.ndarray:
    """The L1-optimal detector's L1 on the run's n_test test signals of draw 0's noise, at every σ of the grid."""
    return np.array([l1_optimal_risk(cfg.n_test, cfg.theta, float(s), seed=cfg.seed + 7000) for s in grid])


def reading_sentences(cells: dict, cfg) -> dict[str, str]:
    """The offset experiment's evidence for the reading-choice table: the median relative L1 offset from the thesis
    under each loss (lowest validation loss) and each selection rule (categorical loss)."""
    keys = experiment_keys(cfg)
    shapes = ", ".join(SHORT[k] for k in keys)
    by_loss = "; ".join(f"{loss}: {relative_offset(cells, (loss, 'loss'), keys):+.1%}"
                        + ("" if all_converged(cells, (loss, "loss"), keys) else " (not converged)")
                        for loss in LOSS_READINGS)
    by_rule = "; ".join(f"{s}: {relative_offset(cells, ('categorical', s), keys):+.1%}"
                        + ("" if all_converged(cells, ("categorical", s), keys) else " (not converged)")
                        for s in SELECTIONS)
    return {"loss": f"median L1 offset from the thesis ({shapes}, {what(cfg)}): {by_loss}",
            "select_by": f"median L1 offset from the thesis ({shapes}, categorical loss): {by_rule}"}


def change(cells: dict, reading: tuple[str, str], key: str) -> Measurement:
    """One shape's paired change of L1 from the book's reading to `reading` (same data draws, seeds and
    initialisations), relative to the thesis's L1, over draws × seeds."""
    def l1(r):
        return np.array([[e.l1 for e in row] for row in cells[(key, *r)].errors])
    return over_draws_and_seeds((l1(reading) - l1(BOOK_READING)) / PAPER_TABLE[key][2][0], "paired networks")


def conclusion(cells: dict, cfg) -> str:
    """What the experiment shows, in one sentence computed from it: whether the book's reading holds every thesis L1
    of the experiment's shapes inside our 95 % prediction intervals, which converged other reading does where it
    does not (removes the offset), and how far each other reading moves L1 (median over the shapes of the paired
    change, as a share of the thesis's L1, ± the largest standard error of a shape's mean change)."""
    keys = experiment_keys(cfg)
    moves = []
    for reading in READINGS[1:]:
        shifts = [change(cells, reading, k) for k in keys]
        text = (f"{reading[0]} loss, lowest validation {reading[1]}: "
                f"{np.median([m.mean for m in shifts]):+.1%} ± {max(m.sd / np.sqrt(m.n) for m in shifts):.1%}")
        moves.append(text if all_converged(cells, reading, keys) else text + " (not converged)")
    moved = "; the other readings move L1 by " + "; ".join(moves)
    book = f"the book's reading is {relative_offset(cells, BOOK_READING, keys):+.1%} off the thesis's L1"
    if all(thesis_inside(cells, BOOK_READING, keys)):
        return book + ", each thesis L1 of these shapes inside our 95 % prediction interval" + moved
    removing = [r for r in READINGS[1:] if all_converged(cells, r, keys) and all(thesis_inside(cells, r, keys))]
    if removing:
        names = ", ".join(f"{loss} loss with the lowest validation {s}" for loss, s in removing)
        return book + f", and the offset is removed by: {names}" + moved
    return book + ", and no reading removes the offset" + moved
