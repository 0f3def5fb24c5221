"""lib.studies.jump_detection.record: every claim recorded over data draws × seeds, convergence from the histories,
roles, orderings and per-network claims judged."""

import numpy as np
import pytest
import torch

from lib.jump_errors import ErrorMeasures
from lib.studies.jump_detection import STUDY, measures
from lib.studies.jump_detection.ascent import Ascent
from lib.studies.jump_detection.nets import SHAPES, build
from lib.studies.jump_detection.record import record_claims
from lib.studies.jump_detection.sigma import SigmaScan
from lib.studies.jump_detection.training import Trained
from lib.uncertainty import over_repeats

PAPER_L1 = {"1-layer NN": 0.3065, "2-layer MLP": 0.3083, "3-layer MLP": 0.3583, "4-layer MLP": 0.3913,
            "1-conv-layer CNN": 0.3248, "2-conv-layer CNN": 0.3213, "3-conv-layer CNN": 0.3458}


class FakeHistory:
    def __init__(self, stopped):
        self.best_epoch = torch.tensor([130, 132])
        self.stopped_epoch = torch.tensor(stopped)
        self.converged = self.stopped_epoch > 0
        self.val_loss = torch.tensor([[1.0, 2.0]])


class FakeSplits:
    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        positions = rng.integers(21, 81, 200)
        x = (np.arange(1, 101)[None] >= positions[:, None]) * 3.0 + rng.normal(0, 1.0, (200, 100))
        self.test = type("Signals", (), {"x": x.astype(np.float32), "positions": positions})()


def run_ledger(stopped, scale, draws=3, patience=200):
    names = [s.name for s in SHAPES]
    nets = {n: [build(s, [2 * d, 2 * d + 1]) for d in range(draws)] for n, s in zip(names, SHAPES)}
    trained = Trained({n: v[0] for n, v in nets.items()}, {n: FakeHistory(stopped) for n in names}, None, (),
                      nets, {n: [FakeHistory(stopped)] * draws for n in names})
    rng = np.random.default_rng(1)
    replicated = {n: [[ErrorMeasures(*(v * scale * (1 + 0.002 * rng.normal()) for v in (l1, 2.6 * l1, 0.87 * l1,
                                                                                      2.05 * l1)))
                       for _ in range(2)] for _ in range(draws)] for n, l1 in PAPER_L1.items()}
    errors = {n: rows[0] for n, rows in replicated.items()}
    stats = measures.network_stats(errors, replicated, 6000)
    baseline = {k: over_repeats([v, v * 1.002, v * 0.998]) for k, v in ErrorMeasures(0.55, 1.49, 0.49, 0.74)
                .as_dict().items()}
    grid = np.array([1.0, 1.03, 1.1])
    scan = SigmaScan(grid, {}, np.array([[1, 2], [2, 2], [3, 4]]), np.array([[1.02, 1.03, 1.04], [1.03] * 3]))
    done = Ascent(np.zeros((4, 100)), np.ones(4), np.ones(4), np.zeros(4, dtype=bool))
    cfg = type("Cfg", (), {"sigma": 1.03, "conv_activation": "linear", "n_seeds": 2, "n_test": 200,
                           "filter_tolerance": 0.1, "theta": 3.0, "patience": patience,
                           "alpha": 10.0, "ascent_cap": 2, "seed": 0})()
    ledger = STUDY.ledger()
    record_claims(ledger, cfg, trained, [FakeSplits(d) for d in range(draws)], stats, replicated, baseline, scan,
                  {n: done for n in names})
    return {row["id"]: row for row in ledger.evaluate()}


def test_every_claim_is_recorded_and_judged_with_its_role():
    rows = run_ledger([150, 160], 1.0)
    assert all(row["verdict"] != "not run" for row in rows.values())
    assert rows["chen2017.t3.3.nn1.l1"]["verdict"] == "reproduced"
    assert rows["chen2017.t3.3.nn1.l1"]["measured"]["n"] >= 3
    assert "3 data draws" in rows["chen2017.t3.3.nn1.l1"]["measured"]["sources"]
    assert {rows[f"chen2017.t3.1.baseline.{m}"]["role"] for m in ("l1", "l1_99", "l2_99")} == {"calibration"}
    assert rows["chen2017.t3.1.baseline.l2"]["role"] == "reproduction"
    assert rows["chen2017.beyond.sigma_consistent"]["role"] == "check"
    assert rows["chen2017.beyond.bayes_bound"]["role"] == "check"
    assert rows["chen2017.t3.3.systematic_offset"]["verdict"] == "reproduced"
    assert rows["chen2017.t3.3.systematic_offset"]["measured"]["above"] + \
        rows["chen2017.t3.3.systematic_offset"]["measured"]["below"] == 16
    assert rows["chen2017.fig3.9.best_epoch"]["measured"]["mean"] == 131
    assert rows["chen2017.fig3.7.baseline_99_within_2"]["measured"]["mean"] == 2
    assert rows["chen2017.fig3.7.baseline_99_within_2"]["verdict"] == "reproduced"
    assert rows["chen2017.s3.3.one_two_layers_best"]["verdict"] == "reproduced"
    assert rows["chen2017.s3.4.cnn3_worst_cnn"]["verdict"] == "reproduced"
    assert all(row["label"] for row in rows.values())


def test_networks_worse_by_a_third_make_the_rows_and_the_offset_differ():
    rows = run_ledger([150, 160], 1.3)
    assert rows["chen2017.t3.3.nn1.l1"]["verdict"] == "differs"
    assert rows["chen2017.t3.3.systematic_offset"]["verdict"] == "differs"
    assert rows["chen2017.t3.4.systematic_offset"]["measured"]["above"] == 12


def test_a_network_at_its_cap_makes_its_claims_not_converged_and_a_bad_one_differs():
    rows = run_ledger([0, 160], 1.0)
    assert rows["chen2017.t3.3.nn1.l1"]["verdict"] == "not converged"
    assert rows["chen2017.t3.1.baseline.l1"]["verdict"] == "reproduced"  # no training behind the baseline
    rows = run_ledger([150, 160], 3.0)
    assert rows["chen2017.s3.4.all_beat_baseline"]["verdict"] == "differs"


def test_best_epoch_with_a_short_patience_is_not_comparable():
    assert run_ledger([150, 160], 1.0)["chen2017.fig3.9.best_epoch"]["verdict"] != "not comparable"
    assert run_ledger([150, 160], 1.0, patience=20)["chen2017.fig3.9.best_epoch"]["verdict"] == "not comparable"


@pytest.mark.parametrize("holds, converged, expected", [
    ([[True, True]], [[True, True]], (True, True)),
    ([[True, False]], [[True, True]], (False, True)),
    ([[True, False]], [[True, False]], (False, False)),  # only the network at its cap fails
    ([[True, True]], [[True, False]], (True, False)),
    ([[False, True]], [[True, False]], (False, True)),  # a converged network already fails
])
def test_every_network_fails_on_a_converged_network(holds, converged, expected):
    assert measures.every_network(np.array(holds), np.array(converged)) == expected


def test_the_ascent_claim_reads_every_seed_of_draw_0():
    rows = run_ledger([150, 160], 1.0)  # the shown seed reaches its targets; the other, untrained, stops at the cap
    assert rows["chen2017.ch5.ascent_reaches_target"]["verdict"] == "differs"
    assert "(seed 1)" in rows["chen2017.ch5.ascent_reaches_target"]["note"]
    assert "(seed 0)" not in rows["chen2017.ch5.ascent_reaches_target"]["note"]
