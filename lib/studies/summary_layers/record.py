"""Summary layers: what a run records in the claims ledger, with the convergence of the networks behind each claim."""

from dataclasses import dataclass

import numpy as np

from lib.claims import Ledger
from lib.studies.summary_layers.analysis import Analysis
from lib.studies.summary_layers.experiments import Screen, screen_rows
from lib.studies.summary_layers.grid import Baseline, TrainedGrid
from lib.studies.summary_layers.theory import eq17_positive_pairs
from lib.train import History


@dataclass(frozen=True)
class ChosenNetwork:
    """The network chosen for one H on strict validation accuracy: strict accuracies and its convergence."""

    hidden: int
    lr: float
    seed: int
    train_acc: float
    test_acc: float
    converged: bool


def chosen_network(hidden: int, acc: dict[str, np.ndarray], chosen: int, history: History,
                   lrs: tuple[float, ...], seeds: tuple[int, ...]) -> ChosenNetwork:
    """The chosen member of a grid (per-member strict accuracies `acc`, lr and seed per member) as a record."""
    return ChosenNetwork(hidden, float(lrs[chosen]), int(seeds[chosen]), float(acc["train"][chosen]),
                         float(acc["test"][chosen]), bool(history.converged[chosen]))


def record_table1(ledger: Ledger, chosen: dict[int, ChosenNetwork]) -> None:
    """Table 1's rows for every H this run trained (the others stay "not run")."""
    for h, net in chosen.items():
        note = f"lr {net.lr:g}, seed {net.seed}, chosen on strict validation accuracy"
        for part, value in (("train", net.train_acc), ("test", net.test_acc)):
            if f"davel2020.t1.h{h}.{part}_acc" in ledger.claims:
                ledger.record(f"davel2020.t1.h{h}.{part}_acc", value, converged=net.converged, note=note)


def record_baseline(ledger: Ledger, chosen: dict[int, ChosenNetwork], baseline: dict[int, ChosenNetwork]) -> None:
    """§4.1's "does not prevent fairly good accuracy": the largest drop in test accuracy from the network without
    the summary layer to the one with it, over the H trained both ways; converged only if all of them are."""
    both = sorted(set(chosen) & set(baseline))
    if not both:
        return
    drops = {h: baseline[h].test_acc - chosen[h].test_acc for h in both}
    ledger.record("davel2020.s4.1.summary_layer_keeps_accuracy", max(drops.values()),
                  converged=all(chosen[h].converged and baseline[h].converged for h in both),
                  note="; ".join(f"H = {h}: {baseline[h].test_acc:.4f} without, {chosen[h].test_acc:.4f} with"
                                 for h in both))


def record_theory(ledger: Ledger, an: Analysis, analysed_converged: bool) -> None:
    """Normalisation, eq. 12-13, 17 and 18 on the analysed network. Normalisation, eq. 12-13 and eq. 18 are
    identities that hold for any weights (eq. 18 for its correct pairs), so they do not rest on training;
    eq. 17 is about classes the network classifies correctly and rests on the trained network."""
    change, scale = an.logit_change()
    eq17 = eq17_positive_pairs(an.normed.w3)
    ledger.record("davel2020.s3.3.normalisation_invariant", change / scale,
                  note=f"largest |logit change| {change:.2g} on logits up to {scale:.3g}")
    ledger.record("davel2020.eq12.agreement", an.agreement.trace() / len(an.y),
                  note=f"{int(an.agreement.trace())} of {len(an.y)} samples (Appendix A.1's condition for a_B = 0)")
    ledger.record("davel2020.eq17.all_pairs_positive", eq17[0] == eq17[1], converged=analysed_converged,
                  note=f"{eq17[0]} of {eq17[1]} pairs positive")
    pairs, violations = an.eq18.pairs, an.eq18.violations
    ledger.record("davel2020.eq18.no_violations", violations if pairs else None,
                  note=f"{violations} violations in {pairs:,} pairs" if pairs else "no pair of correct samples")


def record_networks(ledger: Ledger, *, organised: tuple[float, float] | None, pair_converged: bool, analysis: Analysis,
                    analysed_converged: bool) -> None:
    """Fig. 7-8 (organisation of the well- and the poorly-generalising network, None without a contrasting
    pair) and §5's confusable pairs (pairs above 0.20% of the evaluation set, and how many are boundary pairs)."""
    if organised is None:
        ledger.record("davel2020.fig7_8.organised_generalises_better", None,
                      note="no contrasting pair in this grid")
    else:
        ledger.record("davel2020.fig7_8.organised_generalises_better", bool(organised[0] > organised[1]),
                      converged=pair_converged,
                      note=f"organisation {organised[0]:.3f} (better test) vs {organised[1]:.3f}")
    above, on_boundary = analysis.pairs_above()
    ledger.record("davel2020.s5.boundary_pairs_most_confused", on_boundary / len(above) if above else None,
                  converged=analysed_converged, note=f"{on_boundary} of {len(above)} pairs above 0.20%")


def reading_evidence(g: TrainedGrid, n_train: int, cfg) -> dict[str, str]:
    """What this run shows for each reading choice (batch size, learning-rate grid, epoch cap, patience)."""
    lrs, seeds = g.spec.members()
    at_cap = int((g.history.best_epoch == g.history.eval_epoch.max()).sum())
    return {"batch_size": f"{-(-n_train // cfg.batch_size)} SGD steps per epoch on {n_train} images",
            "lr_low": f"grid {', '.join(f'{lr:g}' for lr in g.spec.lrs)} × {len(g.spec.seeds)} seeds; chosen for "
                      f"H = {g.spec.hidden}: lr {lrs[g.chosen]:g}, seed {seeds[g.chosen]}",
            "max_epochs": f"{at_cap} of {g.net.k} networks of H = {g.spec.hidden} had their best epoch at the cap",
            "patience": f"{int(g.history.converged.sum())} of {g.net.k} networks of H = {g.spec.hidden} were stopped "
                        "by patience (converged)"}


def measured(grids: dict[int, TrainedGrid], baselines: dict[int, Baseline], an: Analysis, screen: Screen,
             organised: np.ndarray, correlations: tuple[float, float]) -> dict:
    """The numbers of the page beyond the ledger, for results/summary_layers.json (organisation: (K,) of the
    analysed grid, the one whose width is the analysed network's)."""
    analysed = int(an.raw.w1.shape[1])
    def num(x: float, digits: int = 4):
        return None if x is None or not np.isfinite(x) else round(float(x), digits)
    found = {f"table1_{part}_acc_H{h}": num(g.acc[part][g.chosen]) for h, g in grids.items()
             for part in ("train", "test")}
    found.update({f"baseline_test_acc_H{h}": num(b.acc["test"][b.chosen]) for h, b in baselines.items()})
    change, _ = an.logit_change()
    above, on_boundary = an.pairs_above()
    found.update({
        "normalisation_max_logit_change": float(f"{change:.0e}"),
        "eq12_13_agree": f"{int(an.agreement.trace())} of {len(an.y)}", "eq12_13_table": an.agreement.tolist(),
        "eq18_violations": an.eq18.violations, "eq18_pairs": an.eq18.pairs,
        "evaluation_error": num(1 - float(an.actual.double().mean())), "tied_samples": int(an.ties.sum()),
        "pairs_above_0.20%_boundary": f"{on_boundary} of {len(above)}",
        "organisation_vs_test_acc_pearson": num(correlations[0], 3),
        "organisation_vs_test_acc_spearman": num(correlations[1], 3),
        "screen": [{k: (num(v) if isinstance(v, float) else v) for k, v in row.items()}
                   for row in screen_rows(screen)],
        "screen_wedges_init": screen.wedges_init[:len(screen.seeds)].tolist(),
    })
    found["grid"] = [{"H": h, "lr": g.spec.members()[0][k], "seed": g.spec.members()[1][k],
                      **{f"{part}_acc": num(g.acc[part][k]) for part in ("train", "val", "test")},
                      "best_epoch": int(g.history.best_epoch[k]), "converged": bool(g.history.converged[k]),
                      "wedges_init": int(g.wedges[0, k]), "wedges_last": int(g.wedges[-1, k]),
                      "organisation": num(organised[k]) if h == analysed else None}
                     for h, g in grids.items() for k in range(g.net.k)]
    return found

