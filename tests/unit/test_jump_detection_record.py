"""lib.studies.jump_detection.record: every claim recorded, convergence from the histories, verdicts computed."""

import numpy as np
import torch

from lib.jump_errors import ErrorMeasures
from lib.studies.jump_detection import STUDY
from lib.studies.jump_detection.ascent import Ascent
from lib.studies.jump_detection.nets import SHAPES, build
from lib.studies.jump_detection.record import record_claims
from lib.studies.jump_detection.sigma import SigmaScan
from lib.studies.jump_detection.training import Trained
from lib.uncertainty import over_repeats


class FakeHistory:
    def __init__(self, stopped):
        self.best_epoch = torch.tensor([130, 132])
        self.stopped_epoch = torch.tensor(stopped)
        self.converged = self.stopped_epoch > 0
        self.val_loss = torch.tensor([[1.0, 2.0]])


def run_ledger(stopped, l1):
    names = [s.name for s in SHAPES]
    trained = Trained({n: build(s, [0, 1]) for n, s in zip(names, SHAPES)},
                      {n: FakeHistory(stopped) for n in names}, None, ())
    errors = {n: [ErrorMeasures(l1, 0.8, 0.26, 0.63), ErrorMeasures(l1 + 0.002, 0.802, 0.261, 0.631)] for n in names}
    baseline = {k: over_repeats([v, v * 1.002]) for k, v in ErrorMeasures(0.55, 1.49, 0.49, 0.74).as_dict().items()}
    grid = np.array([1.0, 1.03, 1.1])
    scan = SigmaScan(grid, {}, np.array([[1, 2], [2, 3], [3, 4]]), np.array([[1.02, 1.03, 1.04], [1.03] * 3]))
    done = Ascent(np.zeros((4, 100)), np.ones(4), np.ones(4), np.zeros(4, dtype=bool))
    cfg = type("Cfg", (), {"sigma": 1.03, "conv_activation": "linear"})()
    ledger = STUDY.ledger()
    record_claims(ledger, cfg, trained, errors, baseline, scan, {n: done for n in names},
                  {n: np.array([0.5, 0.5]) for n in names}, 0.85)
    return {row["id"]: row for row in ledger.evaluate()}


def test_every_claim_is_recorded_and_judged():
    rows = run_ledger([150, 160], 0.31)
    assert all(row["verdict"] != "not run" for row in rows.values())
    assert rows["chen2017.t3.3.nn1.l1"]["verdict"] == "reproduced"
    assert rows["chen2017.s3.4.all_beat_baseline"]["verdict"] == "reproduced"
    assert rows["chen2017.fig3.7.baseline_99_within_2"]["measured"] == 0.5
    assert rows["chen2017.fig3.9.best_epoch"]["measured"]["mean"] == 131


def test_a_network_at_its_cap_makes_its_claims_not_converged_and_a_bad_one_differs():
    rows = run_ledger([0, 160], 0.31)
    assert rows["chen2017.t3.3.nn1.l1"]["verdict"] == "not converged"
    assert rows["chen2017.t3.1.baseline.l1"]["verdict"] == "reproduced"  # no training behind the baseline
    rows = run_ledger([150, 160], 0.9)
    assert rows["chen2017.t3.3.nn1.l1"]["verdict"] == "differs"
    assert rows["chen2017.s3.4.all_beat_baseline"]["verdict"] == "differs"
