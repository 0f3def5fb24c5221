"""Tables of the summary-layer chapter (Davel 2020 Table 1, §3.3-§5 and the experiments beyond it), each a pandas
Styler ready to display."""

import numpy as np
import pandas as pd
import torch
from pandas.io.formats.style import Styler

from lib import probes
from lib.studies.summary_layers import states as st
from lib.studies.summary_layers.analysis import PAPER_PAIRS, Analysis, margin
from lib.studies.summary_layers.claims import TABLE1
from lib.studies.summary_layers.experiments import Screen, screen_rows
from lib.studies.summary_layers.grid import Data, TrainedGrid
from lib.studies.summary_layers.network import fan_in_range
from lib.studies.summary_layers.theory import boundary_pairs, eq13_classes, top_pairs, zero_b_fraction


def _plain(frame: pd.DataFrame, precision: int = 4) -> Styler:
    """A table without its index, numbers to `precision` decimals, '—' for missing values."""
    return frame.style.hide(axis="index").format(precision=precision, na_rep="—")


def grid_table(grids: dict[int, TrainedGrid]) -> Styler:
    """Every network of every grid: best epoch, epochs run, strict accuracies, tied validation outputs, divergence,
    the chosen one marked (§4.1)."""
    rows = []
    for h, g in grids.items():
        lrs, seeds = g.spec.members()
        for k in range(g.net.k):
            rows.append({"H": h, "learning rate": lrs[k], "seed": seeds[k], "best epoch": int(g.history.best_epoch[k]),
                         "epochs run": int(g.history.eval_epoch.max()), "train acc.": g.acc["train"][k],
                         "val. acc.": g.acc["val"][k], "test acc.": g.acc["test"][k],
                         "tied outputs (val.)": round(float(g.ties_val[k]), 3),
                         "converged": "yes" if g.history.converged[k] else "no (cap)",
                         "diverged": "" if g.finite[k] else "yes", "chosen": "◀" if k == g.chosen else ""})
    return _plain(pd.DataFrame(rows))


def table1(grids: dict[int, TrainedGrid], baselines: dict[int, TrainedGrid] | None = None) -> Styler:
    """Davel 2020 Table 1 beside the chosen network of each H (strict accuracies), with the chosen network of the
    same grid without a summary layer where trained."""
    rows = []
    for h in sorted(set(TABLE1) | set(grids)):
        g, b = grids.get(h), (baselines or {}).get(h)
        paper = TABLE1.get(h, (None, None))
        rows.append({"model": f"{h}-node", "paper train acc.": paper[0], "paper test acc.": paper[1],
                     "this run train acc.": None if g is None else g.acc["train"][g.chosen],
                     "this run test acc.": None if g is None else g.acc["test"][g.chosen],
                     "chosen lr, seed": "" if g is None else "{:g}, {}".format(*(m[g.chosen]
                                                                                 for m in g.spec.members())),
                     "converged": "" if g is None else ("yes" if g.history.converged[g.chosen] else "no (cap)"),
                     "without summary layer: test acc.": None if b is None else b.acc["test"][b.chosen]})
    return frame_not_run(pd.DataFrame(rows))


def frame_not_run(frame: pd.DataFrame) -> Styler:
    """A table whose missing values read 'not run'."""
    return frame.style.hide(axis="index").format(precision=4, na_rep="not run")


def scoring_table(grids: dict[int, TrainedGrid], d: Data) -> Styler:
    """The chosen network of each H scored twice: `argmax` (a tie goes to class 0) and strictly (a tie is wrong)."""
    rows = []
    for h, g in grids.items():
        for part, (x, y) in d.parts().items():
            with torch.no_grad():
                logits = g.net(x)[g.chosen]
            rows.append({"H": h, "images": part, "accuracy by argmax": float((logits.argmax(1) == y).double().mean()),
                         "strict accuracy (ties wrong)": g.acc[part][g.chosen],
                         "tied samples": int(((logits == logits.amax(1, keepdim=True)).sum(1) > 1).sum())})
    return _plain(pd.DataFrame(rows))


def experiments_table(screen: Screen) -> Styler:
    """The screening runs (lib.studies.summary_layers.experiments): one row per setting."""
    return _plain(pd.DataFrame(screen_rows(screen)), precision=3)


def state_parts(g: TrainedGrid, d: Data) -> dict[str, dict[str, np.ndarray]]:
    """Per part ('train', 'test'): the share of images in each summary state (K, 4), the strict accuracy within
    each state (K, 4) and overall (K,)."""
    found = {}
    for part in ("train", "test"):
        x, y = d.parts()[part]
        states, correct = st.grid_states(g.net, x, y)
        found[part] = {"share": st.state_shares(states).numpy(), "accuracy": st.state_accuracy(states, correct).numpy(),
                       "overall": correct.double().mean(dim=1).numpy()}
    return found


def states_table(g: TrainedGrid, parts: dict[str, dict[str, np.ndarray]]) -> Styler:
    """Every network of the analysed grid: strict accuracy, share of the images in each summary state and the
    accuracy within it, training and test images."""
    lrs, seeds = g.spec.members()
    rows = []
    for part, p in parts.items():
        for k in range(g.net.k):
            row = {"lr": lrs[k], "seed": seeds[k], "images": part, "accuracy": p["overall"][k]}
            row.update({f"share {s}": p["share"][k, j] for j, s in enumerate(st.STATES)})
            row.update({f"acc. {s}": p["accuracy"][k, j] for j, s in enumerate(st.STATES)})
            rows.append({**row, "chosen": "◀" if k == g.chosen else ""})
    return _plain(pd.DataFrame(rows).sort_values(["images", "lr", "seed"]), precision=3)


def training_table(g: TrainedGrid) -> Styler:
    """Share of validation images with both summary nodes off at initialisation, lowest and last, with the best
    epoch and the epoch at which patience stopped each network."""
    lrs, seeds = g.spec.members()
    both_off = g.states[..., st.STATES.index("both off")].numpy()  # (E + 1, K)
    return _plain(pd.DataFrame({"lr": lrs, "seed": seeds, "both off, initialisation": both_off[0],
                                "both off, lowest during training": both_off.min(axis=0),
                                "both off, last epoch": both_off[-1], "best epoch": g.history.best_epoch.numpy(),
                                "stopped by patience at": g.history.stopped_epoch.numpy()}), precision=3)


def normalisation_table(an: Analysis) -> Styler:
    """Each layer's weight norm and range of fan-in norms before and after normalisation (§3.3)."""
    rows = []
    for name, before, after in (("input → hidden W₁ (with b₁)", (an.raw.w1, an.raw.b1), (an.normed.w1, an.normed.b1)),
                                ("hidden → summary W₂", (an.raw.w2,), (an.normed.w2,)),
                                ("summary → output W₃", (an.raw.w3,), (an.normed.w3,))):
        rows.append({"layer": name, "‖W‖ before": float(before[0].norm()), "‖W‖ after": float(after[0].norm()),
                     "fan-in norms before (min-max)": fan_in_range(*before),
                     "fan-in norms after (min-max)": fan_in_range(*after)})
    return _plain(pd.DataFrame(rows), precision=3)


def phi_ratio_table(an: Analysis) -> Styler:
    """φ-ratio(c_s, c_t) (eq. 7) of every ordered class pair, normalised network."""
    c = range(an.n_classes)
    return pd.DataFrame(probes.phi_ratio(an.normed.w3).numpy(), index=[f"c_s={i}" for i in c],
                        columns=[f"c_t={i}" for i in c]).style.format(precision=3, na_rep="—")


def interval_table(an: Analysis) -> Styler:
    """Each class's allowed α-ratio interval (eq. 12; empty where its bound from below exceeds its bound from
    above: no ratio makes the class the largest output), whether it can be classified with a_B = 0 (eq. 13) and the
    share of its samples with a_B = 0 < a_A."""
    low, high = an.interval()
    eq13 = eq13_classes(an.normed.w3)
    return pd.DataFrame({"min allowed α-ratio": low, "max allowed α-ratio": high,
                         "no allowed ratio (min > max)": np.asarray(low) > np.asarray(high),
                         "classifiable with a_B = 0 (eq. 13)": [c in eq13 for c in range(an.n_classes)],
                         "share of its samples with a_B = 0 < a_A":
                             zero_b_fraction(an.out_norm.summary, an.y, an.n_classes).round(3)}
                        ).style.format(precision=4)


def agreement_frame(an: Analysis) -> Styler:
    """Predicted (eq. 12-13) × actual (strict) outcome counts."""
    return pd.DataFrame(an.agreement, index=["eq. 12-13 predict: correct", "eq. 12-13 predict: incorrect"],
                        columns=["network: correct", "network: incorrect"]).style


def disagreement_table(an: Analysis) -> Styler:
    """The samples on which eq. 12-13 and the network disagree: activations, α-ratio and interval, outcomes and the
    float32 logit margin."""
    i = an.disagree
    low, high = an.interval()
    y = an.y[i]
    return pd.DataFrame({"sample": i.numpy(), "class": y.numpy(), "a_A": an.out_norm.summary[i, 0].numpy(),
                         "a_B": an.out_norm.summary[i, 1].numpy(), "α-ratio": an.alpha[i], "min allowed": low[y],
                         "max allowed": high[y], "predicted correct": an.predicted[i].numpy(),
                         "network correct (float32)": an.actual[i].numpy(),
                         "float64 forward correct": an.actual64[i].numpy(),
                         "float32 logit margin": margin(an.logits32, an.y)[i].numpy()}).style.hide(axis="index")


def confusable_table(an: Analysis) -> Styler:
    """The ten class pairs with most confusions (share of the evaluation set), boundary pair or not, and the
    paper's share for its top four (§5)."""
    boundary = boundary_pairs(an.normed.w3)
    paper = dict(PAPER_PAIRS)
    return _plain(pd.DataFrame([{"pair": f"{i}-{j}", "share of evaluation set": f"{r:.2%}",
                                 "boundary pair": (i, j) in boundary,
                                 "paper top 4": f"{paper[f'{i}-{j}']:.2%}" if f"{i}-{j}" in paper else ""}
                                for i, j, r in top_pairs(an.pair_rates(), 10)]))


def organisation_table(g: TrainedGrid, organised: np.ndarray) -> Styler:
    """Organisation, train and test accuracy of every network of the analysed grid ('left out': not usable)."""
    lrs, seeds = g.spec.members()
    return pd.DataFrame({"lr": lrs, "seed": seeds, "organisation": organised.round(3),
                         "train acc.": g.acc["train"].round(4), "test acc.": g.acc["test"].round(4)}
                        ).style.hide(axis="index").format(precision=4, na_rep="left out")
