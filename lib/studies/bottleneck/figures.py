"""The bottleneck chapter's figures (thesis Fig. 4.3-4.9, 4.12-4.15 and the initialisation experiment)."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lib import plots
from lib.studies.bottleneck.claims import PAPER
from lib.studies.bottleneck.embedding import CONSTRUCTIONS
from lib.studies.bottleneck.montecarlo import P_GRID, SEPARATIONS
from lib.studies.bottleneck.networks import DEPTHS, MEASURES, Trained, network_name

COLOURS = ("C0", "C1", "C2")


def toy(points: np.ndarray, images: np.ndarray):
    """Thesis Fig. 4.12-4.13: the points, their mean and w_k (a); e_k and the images A(v_k) in R³ (b)."""
    fig = plt.figure(figsize=(plots.WIDTH, 3.8))
    ax = fig.add_subplot(1, 2, 1)
    m = points.mean(axis=0)
    for k in range(3):
        ax.scatter(*points[k], color=COLOURS[k], s=50, label=f"v_{k + 1}")
        ax.annotate("", xy=points[k], xytext=m, arrowprops=dict(arrowstyle="->", color=COLOURS[k]))
    ax.scatter(*m, color="k", marker="x", s=60, label="mean m")
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="bottleneck node 1 (activation)", ylabel="bottleneck node 2 (activation)",
           title="(a) points v_k;\narrows w_k = v_k - m", aspect="equal")
    ax.legend(fontsize="small")
    ax = fig.add_subplot(1, 2, 2, projection="3d")
    g1, g2 = np.meshgrid(np.linspace(-0.7, 1.0, 8), np.linspace(-0.7, 1.0, 8))
    ax.plot_surface(g1, g2, -g1 - g2, alpha=0.15, color="0.5")  # the plane x + y + z = 0
    for k in range(3):
        e = np.eye(3)[k]
        ax.scatter(*e, facecolors="none", edgecolors=COLOURS[k], s=60)
        ax.scatter(*images[k], color=COLOURS[k], s=40)
        ax.plot(*np.c_[e, images[k]], color=COLOURS[k], ls="--", lw=1)
    ax.plot([0, 1], [0, 1], [0, 1], color="k", lw=1, label="diagonal k")
    ax.set(xlabel="output 1", ylabel="output 2", zlabel="output 3", title="(b) images in R^3\n(unitless)")
    ax.legend(fontsize="small")
    return fig


def _interval(ax, cell: pd.DataFrame, colour, label: str, zeros: bool) -> None:
    """Estimates with their 95 % intervals; where no trial succeeded, the upper end as a triangle."""
    hit = cell[cell.successes > 0]
    ax.errorbar(hit.n, hit.estimate, yerr=[hit.estimate - hit.low, hit.high - hit.estimate], color=colour,
                marker="o", ms=4, capsize=2, label=label)
    if zeros:
        zero = cell[cell.successes == 0]
        ax.scatter(zero.n, zero.high, marker="v", color=colour)


def probability(grid: pd.DataFrame):
    """Thesis Fig. 4.14 for both constructions: linear scale (top) and log scale (bottom)."""
    fig, axes = plt.subplots(2, 2, figsize=(plots.WIDTH, 6.0), sharex=True)
    palette = plt.get_cmap(plots.CMAPS["position"])(np.linspace(0, 0.9, len(P_GRID)))
    for col, construction in enumerate(CONSTRUCTIONS):
        for colour, p in zip(palette, P_GRID):
            cell = grid[(grid.construction == construction) & (grid.p == p)]
            for row, ax in enumerate(axes[:, col]):
                _interval(ax, cell, colour, f"p = {p}", zeros=row == 1)
        axes[0, col].set(title=f"{construction}: probability", ylabel="P(success)")
        axes[1, col].set(title=f"{construction}: log scale", yscale="log", ylabel="P(success)",
                         xlabel="output dimension n (points)")
    axes[0, 0].legend(fontsize="small")
    return fig


def separation(grid: pd.DataFrame):
    """Thesis Fig. 4.15 for both constructions."""
    fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.4), sharey=True)
    for ax, construction in zip(axes, CONSTRUCTIONS):
        for colour, r in zip(("C0", "C3", "m"), SEPARATIONS):
            cell = grid[(grid.construction == construction) & (grid.r == r)]
            _interval(ax, cell, colour, "uniform" if r == 0 else f"r = {r}", zeros=True)
        ax.set(yscale="log", title=construction, xlabel="output dimension n (points)", ylabel="P(success)")
    axes[0].legend(fontsize="small")
    return fig


def curves(trained: Trained):
    """Validation loss per epoch of every network, ln 60 dashed."""
    fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.4), sharey=True)
    members = trained.members
    palette = plt.get_cmap(plots.CMAPS["position"])(np.linspace(0, 0.9, len(members.ps)))
    for ax, depth in zip(axes, DEPTHS):
        h = trained.histories[depth]
        for m, (p, s) in enumerate(members.pairs):
            ax.plot(h.eval_epoch, h.val_loss[:, m], color=palette[members.ps.index(p)], lw=1,
                    ls=("-", "--", ":", "-.")[s % 4], label=f"p = {p}" if s == 0 else None)
        ax.axhline(np.log(60), color="0.5", ls="--", lw=1)
        ax.set(title=network_name(depth, "p"), xlabel="epoch", ylabel="validation loss (nats)")
    axes[0].legend(fontsize="small")
    return fig


def errors(runs: pd.DataFrame):
    """Thesis Fig. 4.3 (shallow) and 4.4 (deep): the four measures against p, seeds as dots, thesis as crosses."""
    fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.6), sharey=True)
    for ax, depth in zip(axes, DEPTHS):
        part = runs[runs.depth == depth]
        for colour, key in zip(("C0", "C1", "C2", "C3"), MEASURES):
            ax.scatter(part.p, part[key], color=colour, s=10, alpha=0.6)
            means = part.groupby("p")[key].mean()
            ax.plot(means.index, means.to_numpy(), color=colour, label=key.replace("_99", " (99 %)"))
            paper_p = [p for (d, p) in PAPER if d == depth]
            ax.scatter(paper_p, [PAPER[(depth, p)][key] for p in paper_p], color=colour, marker="x", s=50)
        ax.set(title=depth, xlabel="bottleneck width p (nodes)", ylabel="error (positions)")
    axes[0].legend(fontsize="small")
    return fig


def dead(runs: pd.DataFrame):
    """Live bottleneck nodes against p (Fig. 4.5); L1 against live nodes; L1 against the origin share."""
    fig, axes = plt.subplot_mosaic([[0, 1], [2, 2]], figsize=(plots.WIDTH, 6.4))
    for marker, depth in (("o", "shallow"), ("s", "deep")):
        part = runs[runs.depth == depth]
        live = part.p - part["dead bottleneck nodes"]
        jitter = 0.12 * (part.seed - part.seed.mean())
        axes[0].scatter(part.p + jitter, live, marker=marker, label=depth, alpha=0.8)
        axes[1].scatter(live + jitter, part.l1, marker=marker, label=depth, alpha=0.8)
        axes[2].scatter(part["origin share"], part.l1, marker=marker, label=depth, alpha=0.8)
    axes[0].plot([2, 10], [2, 10], color="0.6", lw=1, ls="--")
    axes[0].set(xlabel="bottleneck width p (nodes)", ylabel="live bottleneck nodes")
    axes[1].set(xlabel="live bottleneck nodes", ylabel="test L1 error (positions)")
    axes[2].set(xlabel="share of validation signals with code 0 (all nodes off)", ylabel="test L1 error (positions)")
    axes[0].legend(fontsize="small")
    return fig


def codes(codes2d: dict):
    """Thesis Fig. 4.7-4.8: every training code (left) and the class means (right), on-axis classes ringed."""
    fig, axes = plt.subplots(2, 2, figsize=(plots.WIDTH, 7.0), squeeze=False)
    for row, c in enumerate(codes2d.values()):
        art = axes[row, 0].scatter(c.codes[:, 0], c.codes[:, 1], c=c.positions, cmap=plots.CMAPS["position"], s=2,
                                   linewidths=0)
        means = np.array([c.codes[c.labels == k].mean(axis=0) for k in range(60)])
        axes[row, 1].scatter(means[:, 0], means[:, 1], c=np.arange(21, 81), cmap=plots.CMAPS["position"], s=25)
        axes[row, 1].scatter(means[c.on_axis, 0], means[c.on_axis, 1], s=110, facecolors="none", edgecolors="C3")
        for k in range(0, 60, 3):
            axes[row, 1].annotate(str(k + 21), means[k], fontsize="small", xytext=(3, 3), textcoords="offset points")
        name = f"{network_name(c.depth, 2)} (seed {c.seed})"
        axes[row, 0].set(title=f"{name}:\nevery signal", xlabel="node 1 activation", ylabel="node 2 activation")
        axes[row, 1].set(title=f"{name}:\nclass means", xlabel="node 1 activation", ylabel="node 2 activation")
        fig.colorbar(art, ax=axes[row, 0], label="jump position $t_0$")
    return fig


def class_error(codes2d: dict):
    """Per-class test L1 of the p = 2 networks against jump position; on-axis classes red."""
    fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.0), sharey=True, squeeze=False)
    for ax, c in zip(axes[0], codes2d.values()):
        ax.bar(np.arange(21, 81), c.class_error, color=np.where(c.on_axis, "C3", "0.6"))
        ax.set(title=f"{c.depth} (seed {c.seed})", xlabel="jump position $t_0$", ylabel="test L1 error (positions)")
    return fig


def initialisation(members, start_loss: np.ndarray, history):
    """Validation loss of both arms while retraining: least squares solid, control dashed; epoch 0 = start."""
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 4))
    palette = plt.get_cmap(plots.CMAPS["position"])(np.linspace(0, 0.9, len(members.ps)))
    epochs = np.r_[0, history.eval_epoch.numpy()]
    val_loss = history.val_loss.numpy()
    for m, (p, s) in enumerate(members.pairs):
        colour = palette[members.ps.index(p)]
        for arm, style in ((m, "-"), (members.k + m, "--")):
            ax.plot(epochs, np.r_[start_loss[arm], val_loss[:, arm]], color=colour, ls=style,
                    label=f"p = {p}" if (s == 0 and style == "-") else None)
    ax.set(xlabel="epoch of retraining", ylabel="validation cross-entropy (nats)", yscale="log")
    ax.legend(fontsize="small")
    return fig
