"""Summary layers: what a run records in the claims ledger, with the convergence of the networks behind each claim."""

from dataclasses import dataclass

import numpy as np

from lib.claims import Ledger
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


def record_theory(ledger: Ledger, *, logit_change: float, logit_scale: float, agree: int, samples: int,
                  eq17: tuple[int, int], eq18: tuple[int, int], analysed_converged: bool) -> None:
    """Normalisation, eq. 12-13, 17 and 18 on the analysed network. Normalisation, eq. 12-13 and eq. 18 are
    identities that hold for any weights (eq. 18 for its correct pairs), so they do not rest on training;
    eq. 17 is about classes the network classifies correctly and rests on the trained network."""
    ledger.record("davel2020.s3.3.normalisation_invariant", logit_change / logit_scale,
                  note=f"largest |logit change| {logit_change:.2g} on logits up to {logit_scale:.3g}")
    ledger.record("davel2020.eq12.agreement", agree / samples,
                  note=f"{agree} of {samples} samples (Appendix A.1's condition for a_B = 0)")
    ledger.record("davel2020.eq17.all_pairs_positive", eq17[0] == eq17[1], converged=analysed_converged,
                  note=f"{eq17[0]} of {eq17[1]} pairs positive")
    ledger.record("davel2020.eq18.no_violations", eq18[1] if eq18[0] else None,
                  note=f"{eq18[1]} violations in {eq18[0]:,} pairs" if eq18[0] else "no pair of correct samples")


def record_networks(ledger: Ledger, *, organised: tuple[float, float] | None, pair_converged: bool,
                    above: int, above_boundary: int, analysed_converged: bool) -> None:
    """Fig. 7-8 (organisation of the well- and the poorly-generalising network, None without a contrasting
    pair) and §5's confusable pairs (pairs above 0.20% of the evaluation set, and how many are boundary pairs)."""
    if organised is None:
        ledger.record("davel2020.fig7_8.organised_generalises_better", None,
                      note="no contrasting pair in this grid")
    else:
        ledger.record("davel2020.fig7_8.organised_generalises_better", bool(organised[0] > organised[1]),
                      converged=pair_converged,
                      note=f"organisation {organised[0]:.3f} (better test) vs {organised[1]:.3f}")
    ledger.record("davel2020.s5.boundary_pairs_most_confused", above_boundary / above if above else None,
                  converged=analysed_converged, note=f"{above_boundary} of {above} pairs above 0.20%")
