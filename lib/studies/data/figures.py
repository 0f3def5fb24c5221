"""The figures of the data page: MNIST digits and class counts, an easy and a hard jump signal with their
posteriors (thesis Fig. 3.1)."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from lib.plots import CMAPS, WIDTH


def digit_grid(images: np.ndarray, labels: np.ndarray, per_class: int = 8) -> Figure:
    """The first `per_class` images of each class, one row per class; images (N, 28, 28) uint8."""
    classes = np.unique(labels)
    fig, axes = plt.subplots(len(classes), per_class, figsize=(per_class * 0.6, len(classes) * 0.6))
    for row, c in enumerate(classes):
        for col, idx in enumerate(np.flatnonzero(labels == c)[:per_class]):
            axes[row, col].imshow(images[idx], cmap=CMAPS["image"], vmin=0, vmax=255)
        axes[row, 0].set_ylabel(str(c), rotation=0, labelpad=10, va="center")
    for ax in axes.flat:
        ax.set_xticks([]), ax.set_yticks([]), ax.grid(False)
    return fig


def signal_panel(signals: np.ndarray, titles: list[str], positions: np.ndarray, posteriors: np.ndarray,
                 first: int = 21) -> Figure:
    """Jump signals (M, n) side by side (thesis Fig. 3.1), their jump positions dashed, and below each the posterior
    p(t0 | x) (M, P) over the positions first .. first + P - 1."""
    fig, axes = plt.subplots(2, len(signals), figsize=(min(WIDTH, 3.4 * len(signals)), 4.6), sharex=True,
                             gridspec_kw={"height_ratios": [3, 2]}, squeeze=False)
    for col, (signal, title, pos, posterior) in enumerate(zip(signals, titles, positions, posteriors)):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(np.arange(1, signal.size + 1), signal, lw=1.0, color="0.25")
        top.axvline(pos, color="C3", ls="--", lw=1.2, label=f"jump at {pos}")
        top.set(title=title, ylabel="signal value $x_i$")
        top.legend(loc="upper left")
        bottom.bar(np.arange(first, first + len(posterior)), posterior, width=1.0, color="C0", linewidth=0)
        bottom.axvline(pos, color="C3", ls="--", lw=1.2)
        bottom.set(xlabel="sample index $i$ / position $t_0$", ylabel="$p(t_0 \\mid x)$", ylim=(0, 1.02))
    return fig


def class_count_bars(counts: dict[str, np.ndarray]) -> Figure:
    """Class counts per part of a split as grouped bars; counts: part name -> (10,) counts."""
    fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
    width = 0.8 / len(counts)
    for i, (split, c) in enumerate(counts.items()):
        ax.bar(np.arange(len(c)) + i * width, c, width, label=split)
    ax.set(xticks=np.arange(10) + 0.4 - width / 2, xticklabels=range(10), xlabel="digit class",
           ylabel="samples")
    ax.legend(ncols=len(counts), fontsize="small")
    return fig
