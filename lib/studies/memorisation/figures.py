"""The chapter's figures: training curves, weights, class-averaged activations, t-SNE maps, deviation panels,
the measured counterpart of thesis Fig. 7.2 and the averaged digit of Fig. 6.10."""

import matplotlib.pyplot as plt
import numpy as np

from lib import plots, probes
from lib.studies.memorisation import deviations as dev

COLOURS = {"memorising": "C3", "learning": "C0"}
METRIC_NAMES = {"euclidean": "Euclidean", "normalised_euclidean": "normalised Euclidean", "cosine": "cosine",
                "correlation": "correlation", "normalised_euclidean_debiased": "normalised Euclidean, noise out"}
LAYER_NAMES = ["input", "layer 1", "layer 2", "layer 3", "layer 4"]


def curves(outcome, chance: float):
    """Training accuracy (own labels) and true-label test accuracy of every network, at the epochs they were scored."""
    fig, axes = plt.subplots(1, 2, figsize=(plots.WIDTH, 3.4), sharex=True)
    for kind, run in outcome.records.items():
        epochs = run["epoch"].numpy()
        for k in range(run["train_acc"].shape[1]):
            label = f"{kind} network" if k == 0 else None
            for ax, curve in zip(axes, (run["train_acc"][:, k].numpy(), run["test_acc"][:, k].numpy())):
                scored = np.isfinite(curve)
                ax.plot(epochs[scored], curve[scored], color=COLOURS[kind], lw=1, alpha=0.8, label=label)
    for ax, title in zip(axes, ("training accuracy (own labels)", "test accuracy (true labels)")):
        ax.axhline(chance, color="0.4", ls=":", lw=1, label="chance")
        ax.set(xlabel="epoch", ylabel="accuracy (fraction)", title=title, ylim=(0, 1.02))
    axes[0].legend(loc="lower right", fontsize="small")
    return fig


def weights(nets: dict):
    """Weights (fan-in × fan-out heat maps) and biases of every layer of the first network of each kind: one row
    per layer, one column per kind, the biases last."""
    layers = len(nets["memorising"].layers)
    fig, axes = plt.subplots(layers, 3, figsize=(plots.WIDTH, 2.4 * layers), width_ratios=[1, 1, 0.8],
                             squeeze=False)
    for col, (kind, net) in enumerate(nets.items()):
        for li, layer in enumerate(net.layers):
            w = layer.weight[0].detach().numpy()
            bound = float(np.abs(w).max())
            art = axes[li, col].imshow(w, cmap=plots.CMAPS["weight"], vmin=-bound, vmax=bound, aspect="auto")
            fig.colorbar(art, ax=axes[li, col], shrink=0.8)
            axes[li, col].set_title(f"{kind}: layer {li + 1}", fontsize="small")
            axes[li, col].grid(False)
            axes[li, 2].plot(layer.bias[0, 0].detach().numpy(), color=COLOURS[kind], lw=1, label=kind)
            axes[li, 2].set_title(f"biases, layer {li + 1}", fontsize="small")
    for li in range(layers):
        axes[li, 0].set_ylabel("node of previous layer")
        axes[li, 2].set_ylabel("bias")
    for ax in axes[-1]:
        ax.set_xlabel("node of layer")
    fig.legend(*axes[0, 2].get_legend_handles_labels(), loc="outside upper right", ncols=2, fontsize="small")
    return fig


def averaged_activations(rows: dict, n_classes: int, what: str):
    """Class-averaged activations (nodes × classes) of every layer of each (name: (net, x, y)), two panels a row:
    a layer's panels side by side when there are two names, else the layers in reading order."""
    layers = len(next(iter(rows.values()))[0].layers)
    fig, axes = plots.panel_grid(layers * len(rows), 2, 2.8)
    panels = {name: dev.layer_representations(net, x)[1:] for name, (net, x, y) in rows.items()}
    order = [(li, name) for li in range(layers) for name in rows]
    for ax, (li, name) in zip(axes, order):
        avg = probes.class_averaged_activations(panels[name][li][0], rows[name][2], n_classes).T.numpy()
        art = ax.imshow(avg, cmap=plots.CMAPS["activation"], aspect="auto", vmin=0,
                        extent=(20.5, 20.5 + n_classes, avg.shape[0] - 0.5, -0.5))
        fig.colorbar(art, ax=ax, shrink=0.8, label="mean activation")
        title = "output (softmax)" if li == layers - 1 else f"layer {li + 1}"
        ax.set(title=f"{name}: {title}", xlabel=f"{what} jump position", ylabel="node")
        ax.grid(False)
    return fig


def tsne(maps):
    """Rows: input and hidden layers; columns: memorising net by true and by random label, learning net by true."""
    rows = 1 + len(maps.points["memorising"])
    fig, axes = plt.subplots(rows, 3, figsize=(plots.WIDTH, 2.3 * rows), squeeze=False)
    for r in range(rows):
        memorising = (maps.points["input"] + maps.points["memorising"])[r]
        learning = (maps.points["input"] + maps.points["learning"])[r]
        for ax, points, colour, title in ((axes[r, 0], memorising, maps.true_y, "memorising, true labels"),
                                          (axes[r, 1], memorising, maps.random_y, "memorising, random labels"),
                                          (axes[r, 2], learning, maps.true_y, "learning, true labels")):
            ax.scatter(points[:, 0], points[:, 1], c=colour, cmap=plots.CMAPS["position"], s=2, linewidths=0)
            ax.set(xticks=[], yticks=[])
            ax.set_aspect("equal", adjustable="datalim")
            if r == 0:
                ax.set_title(title.replace(", ", ",\n"), fontsize="small")
        axes[r, 0].set_ylabel(LAYER_NAMES[r])
    return fig


def band(ax, values: np.ndarray, label: str, colour: str, ls: str = "-") -> None:
    """Mean over networks (K, L) with a min-max band."""
    layer_idx = np.arange(values.shape[1])
    ax.plot(layer_idx, values.mean(0), ls=ls, color=colour, marker="o", ms=3, label=label)
    if len(values) > 1:
        ax.fill_between(layer_idx, values.min(0), values.max(0), color=colour, alpha=0.2, lw=0)
    ax.set_xticks(layer_idx)


def deviations(profile):
    """Four panels as thesis Fig. 6.12: Euclidean, activation level, level-insensitive inner and inter; one legend
    under each row, off the data (dotted: inner-class, as in (a))."""
    fig = plt.figure(figsize=(plots.WIDTH, 7.0))
    rows = fig.subfigures(2, 1)
    axes = [*rows[0].subplots(1, 2), *rows[1].subplots(1, 2)]
    band(axes[0], profile.inner["euclidean"], "inner-class", "C0", ":")
    band(axes[0], profile.inter["euclidean"], "inter-class", "C1")
    band(axes[0], profile.inter["euclidean_debiased"], "inter-class, noise out", "C1", "--")
    band(axes[1], profile.activation_level, "activation level", "C2")
    for i, metric in enumerate(("normalised_euclidean", "cosine", "correlation")):
        band(axes[2], profile.inner[metric], METRIC_NAMES[metric], f"C{i + 3}", ":")
        band(axes[3], profile.inter[metric], METRIC_NAMES[metric], f"C{i + 3}")
    band(axes[3], profile.inter["normalised_euclidean_debiased"], METRIC_NAMES["normalised_euclidean_debiased"],
         "C3", "--")
    titles = ("(a) Euclidean deviation", "(b) overall activation level\n(eq. 6.4)",
              "(c) inner-class,\nlevel-insensitive", "(d) inter-class,\nlevel-insensitive")
    for ax, title, ylabel in zip(axes, titles, ("distance", "mean L1 norm", "distance", "distance")):
        ax.set(title=title, xlabel="layer (0 = input)", ylabel=ylabel)
    plots.legend_below(rows[0], axes[:2])
    plots.legend_below(rows[1], [axes[3], axes[2]])  # (d)'s solid lines name the colours of both panels
    return fig


def generalisation(jump, mnist):
    """Normalised Euclidean inner- (top) and noise-corrected inter-class (bottom) deviation on true labels,
    learning vs memorising, jump signals (left) and MNIST (right): the measured side of thesis Fig. 7.2; one legend
    below the panels."""
    fig, axes = plt.subplots(2, 2, figsize=(plots.WIDTH, 6.2))
    for c, (task, outcome) in enumerate((("jump signals", jump), ("MNIST", mnist))):
        for r, (part, metric) in enumerate((("inner", "normalised_euclidean"),
                                            ("inter", "normalised_euclidean_debiased"))):
            for kind in ("learning", "memorising"):
                band(axes[r, c], getattr(outcome.profiles[kind], part)[metric], kind, COLOURS[kind])
            axes[r, c].set(title=f"{task}: {part}-class", xlabel="layer (0 = input)",
                           ylabel=METRIC_NAMES[metric])
    plots.legend_below(fig, axes)
    return fig


def averaged_digit(x: np.ndarray, y: np.ndarray, digit: int = 5, most: int = 1000):
    """One image of `digit` beside the mean of the first `most` of them (thesis Fig. 6.10): x (N, 784) in [0, 1]."""
    images = x[y == digit][:most].reshape(-1, 28, 28)
    fig, axes = plt.subplots(1, 2, figsize=(5.6, 2.9))
    for ax, image, title in ((axes[0], images[0], f'one "{digit}"'),
                             (axes[1], images.mean(0), f'mean of {len(images)} "{digit}"s')):
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set(title=title, xticks=[], yticks=[])
        ax.grid(False)
    return fig
