"""One look for the whole book: a seaborn theme, one colour map per quantity, figure helpers that return a Figure."""

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure

# One colour map per quantity, across every chapter (DESIGN.md, Figures).
CMAPS = {
    "image": "gray_r",          # MNIST pixels
    "position": "viridis",      # jump position / class index of the jump task
    "digit": "tab10",           # MNIST class
    "weight": "RdBu_r",         # signed weights and biases, centred at 0
    "activation": "magma",      # non-negative activations
    "fraction": "cividis",      # activation fractions, probabilities in [0, 1]
}


def set_theme() -> None:
    """The book's seaborn theme (called once at the top of every notebook)."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "figure.constrained_layout.use": True})


def digit_grid(images: np.ndarray, labels: np.ndarray, per_class: int = 8) -> Figure:
    """The first `per_class` images of each class, one row per class; images (N, 28, 28) uint8."""
    classes = np.unique(labels)
    fig, axes = plt.subplots(len(classes), per_class, figsize=(per_class * 0.7, len(classes) * 0.7))
    for row, c in enumerate(classes):
        for col, idx in enumerate(np.flatnonzero(labels == c)[:per_class]):
            axes[row, col].imshow(images[idx], cmap=CMAPS["image"], vmin=0, vmax=255)
        axes[row, 0].set_ylabel(str(c), rotation=0, labelpad=10, va="center")
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    return fig


def signal_panel(signals: np.ndarray, titles: list[str], positions: np.ndarray) -> Figure:
    """Jump signals (M, n) side by side, each with its jump position marked (thesis Fig. 3.1 style)."""
    fig, axes = plt.subplots(1, len(signals), figsize=(4.2 * len(signals), 3.0), sharey=True)
    for ax, signal, title, pos in zip(np.atleast_1d(axes), signals, titles, positions):
        ax.plot(np.arange(1, signal.size + 1), signal, lw=1.0, color="0.25")
        ax.axvline(pos, color="C3", ls="--", lw=1.2, label=f"jump at {pos}")
        ax.set(title=title, xlabel="sample index i", ylabel="signal value x_i")
        ax.legend(loc="upper left")
    return fig


def embedding_scatter(points: np.ndarray, values: np.ndarray, quantity: str, label: str) -> Figure:
    """A 2-D embedding (N, 2) coloured by a per-point quantity, with a colour bar."""
    fig, ax = plt.subplots(figsize=(6.0, 5.2))
    art = ax.scatter(points[:, 0], points[:, 1], c=values, cmap=CMAPS[quantity], s=4, linewidths=0)
    fig.colorbar(art, ax=ax, label=label)
    ax.set(xlabel="t-SNE 1 (arbitrary units)", ylabel="t-SNE 2 (arbitrary units)")
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def count_table_plot(counts: dict[str, np.ndarray]) -> Figure:
    """Class counts per split as grouped bars; counts: split name -> (10,) counts."""
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    width = 0.8 / len(counts)
    for i, (split, c) in enumerate(counts.items()):
        ax.bar(np.arange(len(c)) + i * width, c, width, label=split)
    ax.set(xticks=np.arange(10) + 0.4 - width / 2, xticklabels=range(10), xlabel="digit class",
           ylabel="samples")
    ax.legend(ncols=len(counts), fontsize="small")
    return fig
