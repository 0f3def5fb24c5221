"""The chapter's figures: the 1-D regression (Fig. 1-2), the inclusion margin (Fig. 8), the grid's curves
(counterparts of Fig. 3-7, 9, 10), the per-class heat maps and the initialisation comparison."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from lib import plots
from lib.studies.training_dynamics import clusters
from lib.studies.training_dynamics.grid import (
    MAX_INFORMATIVENESS_10,
    Shape,
    class_fraction,
    loss_curves,
    node_activation_fraction,
)
from lib.studies.training_dynamics.measures import LOSS_NAMES, GridResult

LAYER_CMAP = "plasma"  # hidden-layer index, shallowest (dark) to deepest (light), in every layer plot
STEP_LABEL = "training step (mini-batches of 60; symlog)"
MEASURES = {"f": "activation fraction $f_l$", "p": "predictability $p_l$", "u": "informativeness $u_l$"}


def regression_data(x: np.ndarray, y: np.ndarray) -> Figure:
    """Fig. 1: (a) the underlying function, (b) the noisy samples."""
    grid_x = np.linspace(0.0, 1.0, 501)
    fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 2.8), sharey=True)
    axes[0].plot(grid_x, clusters.underlying(grid_x), color="0.2")
    axes[0].set(title="(a) underlying function", xlabel="input x", ylabel="target y")
    axes[1].scatter(x, y, s=8, color="C0")
    axes[1].set(title=f"(b) {len(x)} generated samples", xlabel="input x")
    return fig


def regression_nodes(net, x: np.ndarray, y: np.ndarray) -> Figure:
    """Fig. 2: fan-in lines, the pieces after the ReLU and fan-out weight, their sum; boundaries as red dots."""
    grid_x = np.linspace(0.0, 1.0, 501)
    parts = clusters.node_contributions(net, grid_x)
    edges, _ = clusters.sample_set_boundaries(net, 0.0, 1.0)
    edge_total = clusters.node_contributions(net, edges).total
    fig, axes = plt.subplot_mosaic([[0, 1], [2, 2]], figsize=(plots.WIDTH, 6.0))
    for ax, curves, title, ylabel in ((axes[0], parts.fan_in, "(a) fan-in lines", "pre-activation $w_j x + b_j$"),
                                      (axes[1], parts.scaled, "(b) after ReLU, scaled",
                                       "$v_j \\max(0, w_j x + b_j)$")):
        ax.plot(grid_x, curves, lw=0.9)
        ax.scatter(edges, np.zeros_like(edges), color="red", s=14, zorder=3)
        ax.set(title=title, xlabel="input x", ylabel=ylabel)
    axes[2].scatter(x, y, s=6, color="0.6", label="samples")
    axes[2].plot(grid_x, parts.total, color="C0", label="network output")
    axes[2].scatter(edges, edge_total, color="red", s=14, zorder=3, label="sample-set boundary")
    axes[2].set(title="(c) weighted sum at the target", xlabel="input x", ylabel="output y")
    axes[2].legend(fontsize="small")
    return fig


def _margin_scatter(ax, alignment, eta_sigma, before, after, title, seed: int, at_most: int = 20000) -> None:
    """Alignment vs ηΣ coloured by the membership change (at most `at_most` seeded points; legends count all)."""
    shown = np.zeros(len(alignment), dtype=bool)
    shown[np.random.default_rng(seed).permutation(len(alignment))[:at_most]] = True
    kinds = [(before & after, "stayed in", "C0"), (~before & ~after, "stayed out", "black"),
             (~before & after, "joined (eq. 6)", "tab:green"), (before & ~after, "left (eq. 7)", "tab:orange")]
    for mask, label, colour in kinds:
        ax.scatter(alignment[mask & shown], eta_sigma[mask & shown], s=5, color=colour,
                   label=f"{label}: {int(mask.sum()):,}", alpha=0.6, linewidths=0)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ax.plot(xlim, xlim, color="0.4", lw=0.8, ls="--")
    ax.set(xlim=xlim, ylim=ylim)
    ax.axvline(0.0, color="C0", lw=0.8)
    ax.set(title=title, xlabel="alignment $z^t \\cdot w_j$ before the step", ylabel="$\\eta\\,\\Sigma^t_j$")
    ax.legend(fontsize="small", markerscale=2)


def margin_figure(steps, best: tuple[int, int], seed: int) -> Figure:
    """Fig. 8 with measured samples: (a) the busiest node and step, (b) every node and step near the margin."""
    step, node = best
    s = steps[step]
    fig, axes = plt.subplots(2, 1, figsize=(plots.WIDTH, 8.0))
    _margin_scatter(axes[0], s.alignment[:, node].numpy(), (s.lr * s.sigma[:, node]).numpy(),
                    s.before[:, node].numpy(), s.after[:, node].numpy(), f"(a) node {node}, step {step + 1}", seed)
    flat = {name: np.concatenate([getattr(t, name).flatten().numpy() for t in steps])
            for name in ("alignment", "before", "after")}
    eta_sigma = np.concatenate([(t.lr * t.sigma).flatten().numpy() for t in steps])
    near = np.abs(flat["alignment"]) < 3 * max(float(np.abs(eta_sigma).max()), 1e-12)
    _margin_scatter(axes[1], flat["alignment"][near], eta_sigma[near], flat["before"][near], flat["after"][near],
                    "(b) all nodes and steps, |z·w| < 3 max|ηΣ|", seed)
    return fig


def set_step_axis(ax, total_steps: int) -> None:
    """Training steps on a symmetric-log axis: linear below 1, so that step 0 (the initialisation) shows."""
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlim(0, total_steps * 1.1)
    ax.set_xlabel(STEP_LABEL)


def layer_lines(ax, result: GridResult, shape: Shape, loss: str, name: str, ylabel: str, ls: str = "-",
                legend: bool = True) -> None:
    """Per-layer curves of one shape and loss: mean over seeds with ± standard-error shading."""
    record = result.records[shape]
    summary = loss_curves(record, result.ids(loss), name)
    steps, layers = record["steps"].numpy(), summary.mean.shape[1]
    colours = plt.get_cmap(LAYER_CMAP)(np.linspace(0.0, 0.85, layers))
    for layer in range(layers):
        mean, se = summary.mean[:, layer], summary.se[:, layer]
        ax.plot(steps, mean, color=colours[layer], ls=ls, lw=1.3, label=f"layer {layer + 1}" if legend else None)
        ax.fill_between(steps, mean - se, mean + se, color=colours[layer], alpha=0.2, linewidth=0)
    set_step_axis(ax, result.total_steps)
    ax.set_ylabel(ylabel)


def layer_figure(result: GridResult, shape: Shape, loss: str, name: str) -> Figure:
    """One measure per layer for one shape and loss (the layout of H&D Fig. 5-7, 9, 10)."""
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 3.6))
    layer_lines(ax, result, shape, loss, name, MEASURES[name])
    if name == "u":
        ax.axhline(MAX_INFORMATIVENESS_10, color="0.3", ls=":", lw=1.2,
                   label=f"max = log 2 / log 10 ≈ {MAX_INFORMATIVENESS_10:.3f}")
    ax.set_title(f"{shape.label}, {LOSS_NAMES[loss]}")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return fig


def performance(result: GridResult, shape: Shape, loss: str) -> Figure:
    """Fig. 3: validation loss and error, mean over seeds with standard-error shading."""
    fig, axes = plt.subplots(2, 1, figsize=(plots.WIDTH, 5.2), sharex=True)
    steps = result.records[shape]["steps"].numpy()
    for ax, name, ylabel in zip(axes, ("val_loss", "val_error"), ("validation loss", "validation error (fraction)")):
        summary = loss_curves(result.records[shape], result.ids(loss), name)
        ax.plot(steps, summary.mean, color="C0")
        ax.fill_between(steps, summary.mean - summary.se, summary.mean + summary.se, color="C0", alpha=0.25)
        set_step_axis(ax, result.total_steps)
        ax.set(ylabel=ylabel)
    axes[0].set(title=f"{shape.label}, {LOSS_NAMES[loss]}", xlabel="")
    return fig


def node_fraction(result: GridResult, shape: Shape, loss: str) -> Figure:
    """Fig. 4: f_{l,i} of every hidden node of the first seed at each measurement; white lines separate layers."""
    node_f = node_activation_fraction(result.records[shape])  # (T, K, L, n)
    heat = node_f[:, result.ids(loss)[0]].reshape(node_f.shape[0], -1).T  # (L·n, T)
    steps = result.records[shape]["steps"].numpy()
    fig, ax = plt.subplots(figsize=(plots.WIDTH, 4.4))
    art = ax.imshow(heat, aspect="auto", cmap=plots.CMAPS["fraction"], vmin=0, vmax=1, interpolation="nearest")
    for layer in range(1, shape.hidden):
        ax.axhline(layer * shape.width - 0.5, color="white", lw=0.8)
    ticks = np.linspace(0, len(steps) - 1, min(8, len(steps))).round().astype(int)
    ax.set(xticks=ticks, xticklabels=[str(int(steps[t])) for t in ticks], xlabel="training step (log-spaced points)",
           ylabel="hidden node (shallowest at the top)", title=f"{shape.label}, {LOSS_NAMES[loss]}, first seed")
    ax.grid(False)
    fig.colorbar(art, ax=ax, label="activation fraction $f_{l,i}$")
    return fig


def facet_figure(result: GridResult, name: str) -> Figure:
    """The whole grid for one measure: rows = depth, columns = width; solid = cross-entropy, dashed = MSE."""
    rows = sorted({s.depth for s in result.shapes})
    cols = sorted({s.width for s in result.shapes})
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(plots.WIDTH, 2.4 * len(rows)), sharey=True,
                             sharex=True, squeeze=False)
    for r, depth in enumerate(rows):
        for c, width in enumerate(cols):
            ax, shape = axes[r, c], Shape(depth, width)
            for loss in result.losses:
                layer_lines(ax, result, shape, loss, name, MEASURES[name] if c == 0 else "",
                            ls="-" if loss == "ce" else "--", legend=False)
            if name == "u":
                ax.axhline(MAX_INFORMATIVENESS_10, color="0.3", ls=":", lw=1.0)
            ax.set_title(shape.label, fontsize="small")
            ax.set_xlabel("")
    fig.supxlabel(STEP_LABEL)
    fig.suptitle(f"{MEASURES[name]}: solid = cross-entropy, dashed = MSE;\ncolour = layer (dark = shallowest)",
                 fontsize="small")
    return fig


def class_heatmaps(result: GridResult, shape: Shape, loss: str) -> Figure:
    """f^(c)_{l,i} of the deepest hidden layer (first seed) at the initialisation, the peak of its f and the end;
    nodes sorted by their final activation fraction."""
    member, layer = result.ids(loss)[0], shape.hidden - 1
    frac = class_fraction(result.records[shape])[:, member, layer]  # (T, C, n)
    f_layer = loss_curves(result.records[shape], result.ids(loss), "f").mean[:, layer]
    points = [0, int(np.nanargmax(f_layer)), len(f_layer) - 1]
    order = np.argsort(np.nanmean(frac[-1], axis=0))
    fig, axes = plt.subplots(3, 1, figsize=(plots.WIDTH, 7.8), sharex=True)
    for ax, point in zip(axes, points):
        art = ax.imshow(frac[point][:, order], aspect="auto", cmap=plots.CMAPS["fraction"], vmin=0, vmax=1,
                        interpolation="nearest")
        step = int(result.records[shape]["steps"][point])
        ax.set(ylabel="digit class c", yticks=range(frac.shape[1]),
               title=f"{shape.label} {LOSS_NAMES[loss]}, layer {layer + 1}, step {step}")
        ax.grid(False)
    axes[-1].set_xlabel("node (sorted)")
    fig.colorbar(art, ax=axes, label="$f^{(c)}_{l,i}$")
    return fig


def init_figure(results: dict[str, GridResult], loss: str = "mse") -> Figure:
    """f_l per layer of every comparison shape (columns) under every initialisation (rows), one loss."""
    inits = list(results)
    shapes = results[inits[0]].shapes
    fig, axes = plt.subplots(len(inits), len(shapes), figsize=(plots.WIDTH, 2.4 * len(inits)), sharey=True,
                             sharex=True, squeeze=False)
    for r, init in enumerate(inits):
        for c, shape in enumerate(shapes):
            ax = axes[r, c]
            layer_lines(ax, results[init], shape, loss, "f", f"{init}: $f_l$" if c == 0 else "", legend=False)
            ax.set_title(f"{shape.label} {LOSS_NAMES[loss]}, init {init}", fontsize="small")
            ax.set_xlabel("")
    fig.supxlabel(STEP_LABEL)
    return fig
