"""Inconsistencies of the thesis's chapter 4 found while reproducing it, each with evidence computed here."""

import numpy as np
import pandas as pd

from lib.studies.bottleneck.claims import PAPER, below_signal_processing


def sqrt_bound_violations(table: dict) -> list[tuple]:
    """Rows where L2_99 < sqrt(L1_99): impossible when every error is a whole number of positions, since then
    e² ≥ |e| and so mean(e²) ≥ mean(|e|) on the same signals."""
    return [(key, v["l2_99"], float(np.sqrt(v["l1_99"]))) for key, v in table.items()
            if v["l2_99"] < np.sqrt(v["l1_99"])]


def thesis_findings(toy_images: np.ndarray, runs: pd.DataFrame) -> pd.DataFrame:
    """The table of findings: what the thesis says, where, and the evidence from the text and this run."""
    printed = np.array([1 - 1 / np.sqrt(3), -1 / np.sqrt(3), -1 / np.sqrt(3)])
    violations = sqrt_bound_violations(PAPER)
    ours = sum(1 for _, r in runs.iterrows() if r.l2_99 < np.sqrt(r.l1_99) - 1e-9)
    means = runs.groupby(["depth", "p"]).l1.mean()
    capped = runs[~runs.converged].groupby(["depth", "p"]).size()
    wide = [f"{d}: p = 10 {means[(d, 10)]:.3f} vs p = 4 {means[(d, 4)]:.3f}"
            + (" (p = 4 not converged)" if (d, 4) in capped else "") for d in ("shallow", "deep")
            if (d, 10) in means and (d, 4) in means]
    rows = [
        ("§4.3.2 toy formula", "F⁺w_1 = (1 − 1/√3) e_1 − (e_2 + e_3)/√3",
         f"projection gives (2/3, −1/3, −1/3); computed image differs from the printed one by up to "
         f"{np.abs(toy_images[0] - printed).max():.3f} and from the projection by "
         f"{np.abs(toy_images - (np.eye(3) - 1 / 3)).max():.1e} (one factor 1/√3 dropped; the sign pattern, "
         "hence the hard-max conclusion, is unaffected)"),
        ("Table 7.1, deep 100-25-2-25-60", "L2₉₉ = 0.2621 < L1₉₉ = 0.9542",
         f"{len(violations)} of {len(PAPER)} thesis rows break L2₉₉ ≥ √L1₉₉ (integer errors); this run: {ours} of "
         f"{len(runs)} networks break it: the entry is a typo"),
        ("§4.3.1 vs Table 4.1", "more than 3-5 hidden nodes 'does not necessarily improve performance'",
         "Table 4.1: p = 10 beats p = 4 in both depths (shallow 0.798 vs 1.1626, deep 0.6478 vs 0.70); this run: "
         + ("; ".join(wide) if wide else "p = 4 and 10 not both trained")),
        ("§4.2.2 vs Table 4.1", "bottlenecks 'even significantly worse than the signal processing approach'",
         below_signal_processing()),
        ("§4.3.4 first experiment", "'The results are shown in Fig. 4.15 ... p = 2:2:10'",
         "the p-sweep is Fig. 4.14; Fig. 4.15 is the separation study at p = 2"),
        ("§4.3 opening", "shallow networks acceptable with two hidden nodes 'as shown in Fig. 4.1'",
         "Fig. 4.1 is the autoencoder sketch; the errors are Table 4.1 / Fig. 4.3"),
        ("§4.2.3", "'Fig. 4.7(a) averages positions of the data points ... in Fig. 4.7(a)'",
         "the class averages are panel (b) (its own caption)"),
        ("§4.3.1 exemplars", "u_k: the noise-free unit jump", "height 1 in §4.3.1, θ = 3 in the data of §3.1; the "
         "least-squares initialisation here uses θ (the height the networks were trained on)"),
    ]
    return pd.DataFrame(rows, columns=["where", "the thesis says", "evidence"]).set_index("where")
