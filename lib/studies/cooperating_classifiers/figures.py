"""The figures of the cooperating-classifiers page (each reproduces one picture of the AAAI 2020 slides)."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from lib import probes
from lib.plots import CMAPS, WIDTH, legend_below, panel_grid
from lib.studies.cooperating_classifiers import measures as ms
from lib.studies.cooperating_classifiers import runs as cr

KIND_STYLE = {"continuous": ("C0", "o"), "discrete": ("C1", "s"), "combined": ("C2", "^")}


def test_error_by_depth(rows: dict[str, list]) -> Figure:
    """Test error (%) of the FMNIST depth sweep and the MNIST 6x100 network (slides' 'Test error')."""
    fig, ax = plt.subplots(figsize=(5.0, 3.0))
    depths = [(int(n.split()[1].split("x")[0]), a) for n, a in zip(rows["network"], rows["test accuracy (mean)"])
              if n.startswith("FMNIST") and "sigmoid" not in n]
    ax.plot([d for d, _ in depths], [100 * (1 - a) for _, a in depths], "-o", label="FMNIST")
    mnist = [a for n, a in zip(rows["network"], rows["test accuracy (mean)"]) if n.startswith("MNIST")]
    ax.plot([ms.FOCUS[0]] * len(mnist), [100 * (1 - a) for a in mnist], "s", color="C3", label="MNIST")
    ax.set(xlabel="hidden layers (100 nodes each)", ylabel="test error (%)")
    ax.legend(fontsize="small")
    return fig


def activation_patterns(grid: ms.GridRun, task: cr.Task, per_class: int = 20) -> Figure:
    """Binary patterns (on = z > 0) of every hidden layer for `per_class` test images per class, initialised
    (top rows) and trained (bottom rows), three layers a row, first chosen member."""
    rows = torch.cat([torch.nonzero(task.y_test == c)[:per_class, 0] for c in range(10)])
    depth = grid.spec.depth
    ncols = min(3, depth)
    fig, axes = panel_grid(2 * ncols * -(-depth // ncols), ncols, 2.1, sharey=True)
    for r, (name, net) in enumerate((("initialised", grid.initialised()), ("trained", grid.run.net))):
        block = axes[r * ncols * -(-depth // ncols):]
        for layer, (ax, z) in enumerate(zip(block, cr.hidden_values(net, task.x_test[rows], "pre"))):
            ax.imshow(probes.binary_activations(z[grid.members[0]]).numpy(), cmap=CMAPS["fraction"], aspect="auto",
                      interpolation="nearest")
            ax.set(xticks=[0, 99], yticks=np.arange(per_class // 2, 10 * per_class, per_class), yticklabels=range(10))
            ax.set_title(f"{name}, layer {layer + 1}", fontsize="small")
            ax.grid(False)
        for ax in block[depth:ncols * -(-depth // ncols)]:
            ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel("test image (class)")
    for ax in axes[-ncols:]:
        ax.set_xlabel("node index")
    return fig


def patterns_frame(net, member: int, task: cr.Task, title: str, per_class: int = 20) -> Figure:
    """Binary patterns (on = z > 0) of every hidden layer of one member for `per_class` test images per class,
    laid out in rows of three layers (a frame of the training explorer)."""
    rows = torch.cat([torch.nonzero(task.y_test == c)[:per_class, 0] for c in range(10)])
    layers = cr.hidden_values(net, task.x_test[rows], "pre")
    ncols = min(3, len(layers))
    nrows = -(-len(layers) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(WIDTH, 2.3 * nrows), sharey=True, squeeze=False)
    for ax in axes.flat[len(layers):]:
        ax.set_visible(False)
    for layer, (ax, z) in enumerate(zip(axes.flat, layers)):
        ax.imshow(probes.binary_activations(z[member]).numpy(), cmap=CMAPS["fraction"], aspect="auto",
                  interpolation="nearest")
        ax.set(title=f"layer {layer + 1}", xticks=[0, z.shape[-1] - 1],
               yticks=np.arange(per_class // 2, 10 * per_class, per_class), yticklabels=range(10))
        ax.grid(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("test image (class)")
    fig.suptitle(title)
    return fig


def snapshot_patterns(grid: ms.GridRun, task: cr.Task) -> dict[int, Figure]:
    """One patterns frame per weight snapshot of the first chosen member, keyed by training step."""
    m = grid.members[0]
    return {step: patterns_frame(cr.at_snapshot(grid.spec, state), m, task, f"after {step} training steps")
            for step, state in sorted(grid.run.snapshots.items())}


def perplexity(ppl: dict[str, dict[str, np.ndarray]]) -> Figure:
    """P(c, l)/N_c per hidden layer, trained (solid) and untrained (dashed), one panel per data set."""
    fig, axes = panel_grid(len(ppl), 2, 3.2, width=min(WIDTH, 4.0 * len(ppl)), sharey=True)
    for ax, (name, p) in zip(axes, ppl.items()):
        layers = np.arange(1, len(p["trained"]) + 1)
        ax.plot(layers, p["trained"], "-o", label="trained")
        ax.plot(layers, p["untrained"], "--", color="0.5", label="untrained")
        ax.set(xlabel="hidden layer", title=f"{name}, 6×100", ylim=(0, 1.05), xticks=layers)
        ax.legend(fontsize="small")
    for ax in axes[::2]:
        ax.set_ylabel("layer perplexity P / N_c")
    return fig


def layer_classifiers(evals: dict[str, dict[str, ms.LayerEval]], names: list[str]) -> Figure:
    """Per network (one panel each): layer accuracy of the three kinds (trained), the untrained network's
    combined layers (grey, the control) and the network's own accuracy (dashed); one legend below the panels,
    where it hides no line."""
    fig, axes = panel_grid(len(names), 3, 3.0, width=min(WIDTH, 3.0 * len(names) + 0.8), sharey=True)
    for ax, name in zip(axes, names):
        trained, untrained = evals[name]["trained"], evals[name]["untrained"]
        layers = np.arange(1, trained.layers["combined"].shape[1] + 1)
        for kind, (colour, marker) in KIND_STYLE.items():
            ax.plot(layers, 100 * trained.accuracy(kind), marker=marker, color=colour, label=kind)
        ax.plot(layers, 100 * untrained.accuracy("combined"), ":", color="0.5", label="untrained, combined")
        ax.axhline(100 * trained.network_accuracy(), color="k", ls="--", lw=1, label="network")
        ax.set(xlabel="hidden layer", title=name, xticks=layers)
    for ax in axes[::3]:
        ax.set_ylabel("test accuracy (%)")
    legend_below(fig, axes, ncols=3)
    return fig


def training(timeline: dict[int, dict], steps_per_epoch: int) -> Figure:
    """Combined layer accuracy of each layer and the network's own against the training step."""
    steps = np.array(sorted(timeline))
    depth = len(timeline[steps[0]]["layers"])
    colours = plt.get_cmap("viridis")(np.linspace(0, 0.9, depth))
    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    for layer in range(depth):
        ax.plot(steps, [100 * timeline[s]["layers"][layer] for s in steps], "-o", ms=3, color=colours[layer],
                label=f"layer {layer + 1}")
    ax.plot(steps, [100 * timeline[s]["network"] for s in steps], "-", color="k", lw=2, label="network")
    ax.axvline(steps_per_epoch, color="0.4", ls=":", lw=1)
    ax.set_xscale("symlog", linthresh=1)
    ax.set(xlabel="training step (batches of 100)", ylabel="test accuracy (%)", xlim=(0, steps[-1] * 1.3))
    ax.legend(fontsize="small", ncols=2, loc="lower right")
    return fig


def corruption(runs: dict[str, ms.Corruption]) -> Figure:
    """Training (own labels) and test accuracy against the corrupted fraction, both ways, mean over seeds."""
    fig, axes = panel_grid(len(runs), 2, 3.4, width=min(WIDTH, 4.0 * len(runs)), sharey=True)
    titles = {"other": "always a different class", "uniform": "uniform random class\n(Zhang et al.)"}
    for ax, (mode, c) in zip(axes, runs.items()):
        fs = 100 * np.array(c.fractions)
        ax.plot(fs, 100 * c.train.mean(1), "-o", label="train (own labels)")
        ax.plot(fs, 100 * c.test.mean(1), "-s", label="test (true labels)")
        ax.axhline(10, color="0.5", ls=":", lw=1, label="chance")
        ax.set(xlabel="corrupted training labels (%)", title=titles[mode], ylim=(0, 102))
    for ax in axes[::2]:
        ax.set_ylabel("accuracy (%)")
    axes[-1].legend(fontsize="small")
    return fig


def dispersion(index: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Dispersion index per hidden layer, trained (solid) and untrained (dashed), over all images and within
    each true class; 1 = sample sets that ignore which labels are corrupted."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.2), sharey=True)
    for ax, part in zip(axes, ("all images", "within class")):
        for (name, values), style in zip(index.items(), ("-o", "--")):
            ax.plot(np.arange(1, len(values[part]) + 1), values[part], style, label=name)
        ax.axhline(1, color="0.5", ls=":", lw=1, label="chance")
        ax.set(xlabel="hidden layer", yscale="log", title=part)
    axes[0].set_ylabel("dispersion index (N−1)·mean φ²")
    axes[1].legend(fontsize="small")
    return fig
