"""This run's measurements of the bottleneck claims, written into the ledger with convergence from the histories."""

import numpy as np
import pandas as pd

from lib.claims import Ledger
from lib.studies.bottleneck import claims as c
from lib.studies.bottleneck import montecarlo, networks
from lib.uncertainty import over_repeats


def _converged(part: pd.DataFrame) -> bool:
    """All networks behind a claim reached their validation minimum before the epoch cap."""
    return bool(part.converged.all())


def _unconverged_note(part: pd.DataFrame) -> str:
    """Which networks hit their cap (or nothing)."""
    capped = part[~part.converged]
    if capped.empty:
        return ""
    return (f"{len(capped)} of {len(part)} networks still improving at the epoch cap "
            f"(best epochs {int(capped['best epoch'].min())}-{int(capped['best epoch'].max())})")


def errors(ledger: Ledger, runs: pd.DataFrame) -> None:
    """Table 4.1 / 7.1: each measure's mean ± spread over seeds for every (depth, p) in both run and thesis."""
    for (depth, p), part in runs.groupby(["depth", "p"]):
        if (depth, p) not in c.PAPER:
            continue
        collapsed = int(part.collapsed.sum())
        remark = "; ".join(x for x in (_unconverged_note(part),
                                       f"{collapsed} collapsed seed(s)" if collapsed else "") if x)
        for measure in c.PAPER[(depth, p)]:
            ledger.record(c.error_id(depth, p, measure), over_repeats(part[measure]), _converged(part), remark)


def shapes(ledger: Ledger, runs: pd.DataFrame) -> None:
    """Fig. 4.3-4.5 and §4.2.2: error against p, deep against shallow, dead nodes."""
    means = runs.groupby(["depth", "p"]).l1.mean()
    shallow, deep = runs[runs.depth == "shallow"], runs[runs.depth == "deep"]
    ps = sorted(runs.p.unique())
    if len(ps) > 1:
        falls = bool(np.all(np.diff(means["shallow"].reindex(ps).to_numpy()) < 0))
        ledger.record("chen2017.fig4.3.shallow_error_falls_with_p", falls, _converged(shallow),
                      _unconverged_note(shallow))
    ledger.record("chen2017.s4.2.deep_beats_shallow", bool(all(means["deep"][p] < means["shallow"][p] for p in ps)),
                  _converged(runs), _unconverged_note(runs))
    if {5, 6, 9, 10} <= set(ps):
        part = deep[deep.p.isin([5, 6, 9, 10])]
        rises = bool(means["deep"][6] > means["deep"][5] and means["deep"][10] > means["deep"][9])
        ledger.record("chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10", rises, _converged(part),
                      _unconverged_note(part))
    part = deep[deep.p.isin([6, 9, 10])]
    if len(part):
        counts = part.groupby("p")["dead bottleneck nodes"].apply(lambda d: "/".join(str(int(x)) for x in d))
        ledger.record("chen2017.fig4.5.dead_nodes", float((part["dead bottleneck nodes"] > 0).mean()),
                      _converged(part), "dead bottleneck nodes per seed: "
                      + ", ".join(f"p = {p}: {v}" for p, v in counts.items())
                      + ("; " + _unconverged_note(part) if _unconverged_note(part) else ""))
    ledger.record("chen2017.s4.2.shallow_no_dead_nodes", int(shallow["dead bottleneck nodes"].sum()),
                  _converged(shallow), _unconverged_note(shallow))


def on_axis(ledger: Ledger, runs: pd.DataFrame, codes: dict) -> None:
    """§4.2.3 on the validation-selected p = 2 network of each depth (networks.codes_2d)."""
    worst = networks.on_axis_worst(codes)
    chosen = {(depth, code.seed) for depth, code in codes.items()}
    part = runs[[(depth, seed) in chosen and p == 2 for depth, p, seed in zip(runs.depth, runs.p, runs.seed)]]
    if worst is not None:
        ledger.record("chen2017.s4.2.p2_on_axis_worst", worst, _converged(part), _unconverged_note(part))


def monte_carlo(ledger: Ledger, quoted: pd.DataFrame, separation: pd.DataFrame) -> None:
    """§4.3.4 for every construction and point law, and Fig. 4.15 for both constructions (no training)."""
    for row in quoted.itertuples():
        measured = row.high if row.side == "below" else row.low
        trials = f"{row.successes} successes in {row.trials} trials"
        if row.verdict == "not resolved":  # the interval straddles the threshold: no verdict either way
            ledger.record(c.mp_id(row.claim, row.construction, row.distribution), None, True,
                          f"{trials}: the 95 % interval [{row.low:.2e}, {row.high:.2e}] straddles the threshold, "
                          "more trials needed")
        else:
            ledger.record(c.mp_id(row.claim, row.construction, row.distribution), float(measured), True, trials)
    ledger.record("chen2017.fig4.15.separation_helps", montecarlo.separation_helps(separation, "affine"))
    ledger.record("chen2017.fig4.15.separation_helps.linear", montecarlo.separation_helps(separation, "linear"))


def initial_estimates(ledger: Ledger, summary: dict) -> None:
    """§4.3.5's suggestion: LS output layer against the control (both arms must reach their minimum)."""
    ledger.record("chen2017.s4.3.5.mp_initial_estimates", bool(summary["faster"] > summary["networks"] / 2),
                  summary["converged"],
                  f"LS sooner in {summary['faster']} of {summary['networks']} networks" if summary["converged"]
                  else "an arm's best validation loss is at its epoch cap")
