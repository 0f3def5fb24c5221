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
# Pixels per inch of the PNGs the notebooks embed: sharp on high-density screens (the browser test checks it).
FIGURE_DPI = 150


def set_theme() -> None:
    """The book's seaborn theme (called once at the top of every notebook)."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": FIGURE_DPI, "savefig.dpi": FIGURE_DPI, "figure.constrained_layout.use": True})


def embedding_scatter(points: np.ndarray, values: np.ndarray, quantity: str, label: str) -> Figure:
    """A 2-D embedding (N, 2) coloured by a per-point quantity, with a colour bar."""
    fig, ax = plt.subplots(figsize=(6.0, 5.2))
    art = ax.scatter(points[:, 0], points[:, 1], c=values, cmap=CMAPS[quantity], s=4, linewidths=0)
    fig.colorbar(art, ax=ax, label=label)
    ax.set(xlabel="t-SNE 1 (arbitrary units)", ylabel="t-SNE 2 (arbitrary units)")
    ax.set_aspect("equal", adjustable="datalim")
    return fig
