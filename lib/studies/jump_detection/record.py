"""This run's measurements of the chapter's claims, recorded in its ledger with `converged` from the histories."""

import numpy as np

from lib.claims import Ledger
from lib.jump_errors import ErrorMeasures
from lib.studies.jump_detection.ascent import Ascent
from lib.studies.jump_detection.claims import MEASURES, PAPER_TABLE, table_claim_id
from lib.studies.jump_detection.measures import diagonal_shares, over_seeds
from lib.studies.jump_detection.sigma import SigmaScan
from lib.studies.jump_detection.training import CURVE_SHAPE, Trained
from lib.uncertainty import Measurement, over_repeats


def record_claims(ledger: Ledger, cfg, trained: Trained, errors: dict[str, list[ErrorMeasures]],
                  baseline: dict[str, Measurement], scan: SigmaScan, found: dict[str, Ascent],
                  exact: dict[str, np.ndarray], bayes_exact: float) -> None:
    """Record every claim of claims.CLAIMS from this run's results."""
    for key, (name, _, _) in PAPER_TABLE.items():
        stats = baseline if key == "baseline" else over_seeds(errors[name])
        converged = True if key == "baseline" else trained.converged(name)
        for measure in MEASURES:
            ledger.record(table_claim_id(key, measure), stats[measure], converged=converged)
    h = trained.histories[CURVE_SHAPE]
    ledger.record("chen2017.fig3.9.best_epoch", over_repeats(h.best_epoch.tolist()),
                  converged=trained.converged(CURVE_SHAPE), note=f"best epochs per seed {h.best_epoch.tolist()}")
    ledger.record("chen2017.fig3.7.baseline_99_within_2", scan.share_within_2(cfg.sigma),
                  note=f"{len(scan.per_draw)} test draws at the grid σ nearest {cfg.sigma:g}")
    worse = [n for n in trained.main if over_seeds(errors[n])["l1"].mean >= baseline["l1"].mean]
    ledger.record("chen2017.s3.4.all_beat_baseline", not worse, converged=trained.converged(*trained.main),
                  note=("not below the baseline: " + ", ".join(worse)) if worse else "")
    capped = [n for n in trained.main if found[n].hit_cap.any()]
    ledger.record("chen2017.ch5.ascent_reaches_target", not capped, converged=trained.converged(*trained.main),
                  note=(f"stopped by ascent_cap ({cfg.conv_activation} convs): " + ", ".join(capped)) if capped else "")
    one = trained.nets["1-layer NN"]
    ledger.record("chen2017.fig3.14.diagonal_weights", over_repeats(diagonal_shares(one)),
                  converged=trained.converged("1-layer NN"))
    ledger.record("chen2017.beyond.sigma_consistent", abs(cfg.sigma - scan.estimate) <= 2 * scan.spread,
                  note=f"σ̂ = {scan.estimate:.3f} ± {scan.spread:.3f}, sigma = {cfg.sigma:g}")
    above = [n for n in trained.main if (exact[n] > bayes_exact + 0.01).any()]
    ledger.record("chen2017.beyond.bayes_bound", not above, converged=trained.converged(*trained.main),
                  note=f"Bayes exact share {bayes_exact:.3f}" + (f"; above it: {', '.join(above)}" if above else ""))


def reading_evidence(cfg, scan: SigmaScan, errors: dict[str, list[ErrorMeasures]], trained: Trained,
                     types) -> dict[str, str]:
    """One sentence per reading choice, computed from this run."""
    l1 = {name: over_seeds(errs)["l1"] for name, errs in errors.items()}
    cnns = [n for n in trained.alternatives]
    side = "; ".join(f"{n.split(' (')[0]}: {l1[n.split(' (')[0]].mean:.3f} ({cfg.conv_activation}) vs "
                     f"{l1[n].mean:.3f} ({n.split('(')[1].split(' ')[0]})" for n in cnns)
    converged = sum(int(h.converged.sum()) for h in trained.histories.values())
    total = sum(len(h.converged) for h in trained.histories.values())
    derivative = int(types["derivative (seeds)"].sum())
    return {
        "sigma": f"the baseline meets Table 3.1 at σ̂ = {scan.estimate:.3f} ± {scan.spread:.3f} over "
                 f"{len(scan.per_draw)} test draws",
        "conv_activation": "CNN test L1, " + (side or "no side-by-side run (alt_seeds = 0)"),
        "patience": f"{converged} of {total} trained networks stopped before max_epochs = {cfg.max_epochs}",
        "filter_tolerance": f"{derivative} of {int(types[['smoothing (seeds)', 'derivative (seeds)']].sum().sum())} "
                            f"learnt filters read as derivative-type",
    }
