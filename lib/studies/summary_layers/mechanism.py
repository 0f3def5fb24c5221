"""Summary layers: the page's view of why Table 1 is hard to reach (beyond Davel 2020): the silenced images at
initialisation over many seeds, the summary states along training, the lucky draw, and the linear-summary arm
beside the paper's ReLU one. Tables (pandas Styler), figures and the numbers the page glues."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from pandas.io.formats.style import Styler

from lib.plots import CMAPS, WIDTH
from lib.studies.summary_layers.claims import TABLE1
from lib.studies.summary_layers.experiments import class_accuracy, lost_classes
from lib.studies.summary_layers.grid import Data, TrainedGrid
from lib.studies.summary_layers.lucky import LuckyDraw, no_loss_interval
from lib.studies.summary_layers.states import STATES

MOSTLY_ON = 0.9  # a seed "starts well" when both summary nodes are on for at least this share of the images


def init_rows(measures: dict[int, dict[str, np.ndarray]]) -> pd.DataFrame:
    """Per H (measures: H → dead_nodes.init_measures): seeds, the both-off share (median, 5 %-95 % of seeds),
    the one-off shares (medians), seeds with both nodes on for at least MOSTLY_ON of the images, stuck classes."""
    rows = []
    for h, m in measures.items():
        low, high = np.quantile(m["dead"], [0.05, 0.95])
        rows.append({"H": h, "seeds": len(m["dead"]), "both off (median)": float(np.median(m["dead"])),
                     "both off (5 %-95 % of seeds)": f"{low:.3f}-{high:.3f}",
                     "only A off (median)": float(np.median(m["one_off"][:, 0])),
                     "only B off (median)": float(np.median(m["one_off"][:, 1])),
                     f"seeds with both on ≥ {MOSTLY_ON:.0%}": int((m["both_on"] >= MOSTLY_ON).sum()),
                     "stuck classes (median)": float(np.median(m["stuck"]))})
    return pd.DataFrame(rows)


def init_table(measures: dict[int, dict[str, np.ndarray]]) -> Styler:
    """init_rows for reading."""
    return init_rows(measures).style.hide(axis="index").format(precision=3)


def states_figure(grids: dict[int, TrainedGrid]) -> Figure:
    """Per H (columns): the share of validation images with both summary nodes off, only A off and only B off,
    before training (epoch 0) and after every epoch, for every network of the grid (the chosen one black; line
    style: seed)."""
    rows = ("both off", "only A off", "only B off")
    fig, axes = plt.subplots(len(rows), len(grids), figsize=(WIDTH, 6.6), squeeze=False, sharex="col", sharey="row")
    for col, (h, g) in enumerate(grids.items()):
        lrs, seeds = g.spec.members()
        colours = plt.get_cmap(CMAPS["position"])(np.linspace(0, 0.9, len(g.spec.lrs)))
        for row, state in enumerate(rows):
            shares = g.states[..., STATES.index(state)].numpy()  # (E + 1, K)
            for k in range(g.net.k):
                chosen = k == g.chosen
                axes[row, col].plot(np.arange(len(shares)), shares[:, k], lw=2.2 if chosen else 1,
                                    ls=("-", "--", ":", "-.")[k % 4],
                                    color="black" if chosen else colours[g.spec.lrs.index(lrs[k])],
                                    label="chosen" if chosen else f"lr {lrs[k]:g}, seed {seeds[k]}")
            axes[row, 0].set_ylabel(f"val. images,\n{state}")
        axes[0, col].set(title=f"H = {h}", ylim=(-0.02, 1.02))
        axes[-1, col].set_xlabel("epoch (0 = init.)")
        axes[-1, col].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize="small")
    return fig


def lucky_figure(draws: dict[int, LuckyDraw]) -> Figure:
    """Per H of the lucky draw (columns), every seed trained on after the screen: the share of validation images
    with both nodes off, with exactly one off, and its stuck classes, per epoch (screen, then training on);
    colour: lost no test class at the end (lucky) or not; the screen's end marked."""
    fig, axes = plt.subplots(3, len(draws), figsize=(WIDTH, 6.6), squeeze=False, sharex="col", sharey="row")
    for col, (h, draw) in enumerate(draws.items()):
        members = np.flatnonzero(draw.continued)
        mech = draw.mechanism
        if not len(members):
            axes[0, col].set_title(f"H = {h}: no seed passed the screen")
            continue
        series = (mech["dead"], mech["one_off"].sum(axis=-1), mech["stuck"])
        for row, values in enumerate(series):
            for j, m in enumerate(members):
                lucky = bool(draw.lucky[m])
                axes[row, col].plot(np.arange(len(values)), values[:, j], color="tab:green" if lucky else "tab:red",
                                    ls="--" if draw.control[m] else "-", lw=1.2,
                                    label=("no class lost" if lucky else "a class lost")
                                    + (" (control)" if draw.control[m] else ""))
            axes[row, col].axvline(draw.spec.screen_epochs, color="grey", lw=0.8)
        axes[0, col].set(title=f"H = {h}, lr {draw.spec.lr:g}", ylim=(-0.02, 1.02))
        axes[1, col].set(ylim=(-0.02, 1.02))
        axes[2, col].set(xlabel="epoch (0 = init.; line: end of screen)")
        axes[2, col].yaxis.set_major_locator(MaxNLocator(integer=True))
    for row, label in enumerate(("val. images,\nboth off", "val. images,\none off", "stuck classes")):
        axes[row, 0].set_ylabel(label)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(unique.values(), unique.keys(), loc="outside lower center", ncols=4, fontsize="small")
    return fig


def lucky_rows(draws: dict[int, LuckyDraw]) -> pd.DataFrame:
    """Per H: the learning rate, seeds, how many passed the screen, the controls and how many of them recovered,
    the seeds that lost no test class (count, share, 95 % Clopper-Pearson interval), their strict test accuracy
    (median, best) and that of every seed trained on (median), and how many of these converged."""
    rows = []
    for h, draw in draws.items():
        lucky, n = int(draw.lucky.sum()), len(draw.spec.seeds)
        low, high = no_loss_interval(lucky, n)
        test = draw.acc["test"]
        rows.append({"H": h, "lr": draw.spec.lr, "seeds": n, "screen epochs": draw.spec.screen_epochs,
                     "passed the screen": int((draw.screen_lost == 0).sum()),
                     "controls (recovered)": f"{int(draw.control.sum())} ({int((draw.control & draw.lucky).sum())})",
                     "no class lost": lucky, "P(no class lost)": lucky / n, "95 % interval": f"{low:.3f}-{high:.3f}",
                     "test acc., no class lost (median)": float(np.median(test[draw.lucky])) if lucky else np.nan,
                     "test acc., no class lost (best)": float(np.max(test[draw.lucky])) if lucky else np.nan,
                     "test acc., trained on (median)": float(np.nanmedian(test)) if draw.continued.any() else np.nan,
                     "converged": f"{int(draw.converged.sum())} of {int(draw.continued.sum())}"})
    return pd.DataFrame(rows)


def lucky_table(draws: dict[int, LuckyDraw]) -> Styler:
    """lucky_rows for reading."""
    return lucky_rows(draws).style.hide(axis="index").format(precision=3, na_rep="—")


def lucky_seed_rows(draws: dict[int, LuckyDraw]) -> list[dict]:
    """Every seed of the lucky draw: lost validation classes at the screen, and for the seeds trained on their
    strict accuracies, lost test classes, best epoch and convergence (for results and the report)."""
    rows = []
    for h, draw in draws.items():
        members = list(np.flatnonzero(draw.continued))
        for i, seed in enumerate(draw.spec.seeds):
            row = {"H": h, "lr": draw.spec.lr, "seed": int(seed), "screen_lost": int(draw.screen_lost[i]),
                   "trained_on": bool(draw.continued[i]), "control": bool(draw.control[i])}
            if draw.continued[i]:
                j = members.index(i)
                row.update({f"{part}_acc": round(float(draw.acc[part][i]), 4) for part in ("train", "val", "test")})
                row.update({"test_lost": int(draw.final_lost[i]), "converged": bool(draw.converged[i]),
                            "best_epoch": draw.spec.screen_epochs + int(draw.history.best_epoch[j])})
            rows.append(row)
    return rows


@torch.no_grad()
def chosen_lost(g: TrainedGrid, d: Data) -> int:
    """Lost test classes of the grid's chosen network (experiments.lost_classes)."""
    logits = g.net(d.x_eval)[g.chosen:g.chosen + 1]
    return int(lost_classes(class_accuracy(logits, d.y_eval, int(d.y_eval.max()) + 1))[0])


def linear_rows(relu: dict[int, TrainedGrid], linear: dict[int, TrainedGrid], d: Data) -> pd.DataFrame:
    """Per H of the linear arm: Table 1's test accuracy, then for the ReLU summary (the paper's) and the linear one
    the chosen network's learning rate, strict train and test accuracy, lost test classes and convergence."""
    rows = []
    for h, g_lin in linear.items():
        row = {"H": h, "Table 1 test": TABLE1[h][1] if h in TABLE1 else np.nan}
        for name, g in (("ReLU", relu[h]), ("linear", g_lin)):
            k = g.chosen
            row.update({f"{name}: lr": g.spec.members()[0][k], f"{name}: train": g.acc["train"][k],
                        f"{name}: test": g.acc["test"][k], f"{name}: lost classes": chosen_lost(g, d),
                        f"{name}: converged": "yes" if g.history.converged[k] else "no (cap)"})
        rows.append(row)
    return pd.DataFrame(rows)


def linear_table(relu: dict[int, TrainedGrid], linear: dict[int, TrainedGrid], d: Data) -> Styler:
    """linear_rows for reading."""
    return linear_rows(relu, linear, d).style.hide(axis="index").format(precision=4, na_rep="—")


def init_facts(analysed: int, init: dict[int, dict[str, np.ndarray]], g: TrainedGrid) -> dict[str, float | int]:
    """The numbers the page glues on silenced images: over the initialisation seeds of the analysed H, and for its
    chosen network (grid g) the both-off and one-off shares at initialisation and at its best epoch."""
    m = init[analysed]
    best = int(g.history.best_epoch[g.chosen])
    states = g.states[:, g.chosen].numpy()  # (E + 1, 4)
    one_off = [STATES.index("only A off"), STATES.index("only B off")]
    return {"analysed": analysed, "init_seeds": len(m["dead"]), "init_dead_median": float(np.median(m["dead"])),
            "init_dead_max": float(np.max(m["dead"])), "init_mostly_on": int((m["both_on"] >= MOSTLY_ON).sum()),
            "mostly_on": MOSTLY_ON, "chosen_dead_init": float(states[0, STATES.index("both off")]),
            "chosen_dead_best": float(states[best, STATES.index("both off")]),
            "chosen_one_off_init": float(states[0, one_off].sum()),
            "chosen_one_off_best": float(states[best, one_off].sum()), "chosen_best_epoch": best}


def lucky_facts(draw: LuckyDraw, per_protocol: int) -> dict[str, float | int]:
    """The numbers the page glues on one H's lucky draw; `per_protocol`: the seeds the paper's protocol tries per
    learning rate, for the chance that at least one of them loses no class, 1 − (1 − p)^seeds."""
    lucky, n = int(draw.lucky.sum()), len(draw.spec.seeds)
    low, high = no_loss_interval(lucky, n)
    p = lucky / n
    return {"lucky_h": draw.spec.hidden, "lucky_seeds": n, "lucky_count": lucky, "lucky_share": p,
            "lucky_low": low, "lucky_high": high, "lucky_lr": draw.spec.lr,
            "lucky_passed": int((draw.screen_lost == 0).sum()), "lucky_controls": int(draw.control.sum()),
            "lucky_recovered": int((draw.control & draw.lucky).sum()), "lucky_protocol_seeds": per_protocol,
            "lucky_any_of_protocol": 1 - (1 - p) ** per_protocol,
            "lucky_any_low": 1 - (1 - low) ** per_protocol, "lucky_any_high": 1 - (1 - high) ** per_protocol}


def linear_facts(frame: pd.DataFrame, h: int) -> dict[str, float | int]:
    """The numbers the page glues on the linear arm at H = h (a row of linear_rows)."""
    row = frame[frame["H"] == h].iloc[0]
    return {"linear_h": h, "linear_test": float(row["linear: test"]), "relu_test": float(row["ReLU: test"]),
            "linear_lost": int(row["linear: lost classes"]), "relu_lost": int(row["ReLU: lost classes"]),
            "linear_lr": float(row["linear: lr"])}


def grid_rows(grids: dict[int, TrainedGrid], d: Data) -> list[dict]:
    """Every network of the grids: H, learning rate, seed, strict accuracies, lost test classes, best epoch,
    convergence (results)."""
    rows = []
    for h, g in grids.items():
        with torch.no_grad():
            lost = lost_classes(class_accuracy(g.net(d.x_eval), d.y_eval, int(d.y_eval.max()) + 1))
        rows += [{"H": h, "lr": g.spec.members()[0][k], "seed": g.spec.members()[1][k],
                  **{f"{part}_acc": round(float(g.acc[part][k]), 4) for part in ("train", "val", "test")},
                  "test_lost": int(lost[k]), "best_epoch": int(g.history.best_epoch[k]),
                  "converged": bool(g.history.converged[k])} for k in range(g.net.k)]
    return rows
