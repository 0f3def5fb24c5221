"""The figures of the jump-detection chapter (thesis Fig. 3.5-3.23, 5.1-5.5, 7.1); each returns its Figure."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from lib import data
from lib.jump_errors import FIRST_POSITION, probabilities
from lib.plots import CMAPS, WIDTH, panel_grid, wrap
from lib.studies.jump_detection.ascent import Ascent
from lib.studies.jump_detection.baseline import (
    detect_jumps,
    detector_filter,
    detector_weights_at,
    first_difference,
    gaussian_window,
    smooth,
)
from lib.studies.jump_detection.claims import LABELS, MEASURES
from lib.studies.jump_detection.measures import averaged
from lib.studies.jump_detection.nets import conv_filters, filter_type, output_column
from lib.studies.jump_detection.sigma import PAPER_BASELINE, SigmaScan
from lib.studies.jump_detection.training import Trained

SAMPLES = np.arange(1, 101)  # sample index i


def baseline_filters() -> Figure:
    """The Gaussian smoother (thesis Fig. 3.6) and the single filter it makes with [1, -1] (Fig. 3.16 (d))."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 2.8))
    axes[0].stem(np.arange(19) - 9, gaussian_window(19, 2.9))
    axes[0].set(title="(a) Gaussian smoother g_τ", xlabel="offset u (samples)", ylabel="weight")
    axes[1].stem(np.arange(20) - 9.5, detector_filter(19, 2.9))
    axes[1].set(title="(b) g_τ * [1, -1]", xlabel="offset (samples)", ylabel="weight")
    return fig


def sigma_scan(scan: SigmaScan, sigma: float) -> Figure:
    """The baseline's four measures against σ (every draw thin, their mean thick) with Table 3.1 dashed, σ̂ ± spread
    shaded and the run's σ dotted."""
    fig, axes = plt.subplots(2, 2, figsize=(WIDTH, 5.0), sharex=True)
    for ax, key in zip(axes.flat, MEASURES):
        ax.plot(scan.grid, scan.measures[key], color="C0", lw=0.4, alpha=0.4)
        ax.plot(scan.grid, scan.measures[key].mean(axis=1), color="C0", lw=2)
        ax.axhline(getattr(PAPER_BASELINE, key), color="C3", ls="--", label="thesis Table 3.1")
        ax.axvspan(scan.estimate - scan.spread, scan.estimate + scan.spread, color="0.85")
        ax.axvline(sigma, color="0.3", ls=":", label="σ of this run")
        ax.set(title=LABELS[key], ylabel="error (positions)")
    for ax in axes[1]:
        ax.set_xlabel("noise σ")
    axes[0, 0].legend(fontsize="small")
    return fig


def error_histograms(errors: np.ndarray) -> Figure:
    """Histograms of |t̂ − t|: all test signals and the 99 % with the lowest error (thesis Fig. 3.7), on one shared
    logarithmic count axis labelled at its decades only (minor labels crowd a short log axis)."""
    kept = np.sort(errors)[: int(round(0.99 * len(errors)))]
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.0), sharey=True)
    for ax, values, title in zip(axes, (errors, kept), ("(a) all test signals", "(b) 99 % with the lowest error")):
        ax.hist(values, bins=np.arange(values.max() + 2) - 0.5, color="C0")
        ax.set(title=f"{title}\nmax {values.max()}", xlabel="|t̂ - t| (positions)", yscale="log")
        ax.yaxis.set_minor_formatter(NullFormatter())
    axes[0].set_ylabel("signals")
    return fig


def width_figure(taus: np.ndarray, noise_levels: np.ndarray, table: np.ndarray) -> Figure:
    """P(|error| ≤ 1) against τ, one curve per σ with its best τ dotted (thesis Fig. 3.5)."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    colours = plt.get_cmap(CMAPS["fraction"])(np.linspace(0.1, 0.9, len(noise_levels)))
    for row, (s, colour) in enumerate(zip(noise_levels, colours)):
        ax.plot(taus, table[row], color=colour, label=f"σ = {s:g}")
        ax.plot(taus[table[row].argmax()], table[row].max(), "o", color=colour)
    ax.set(xlabel="filter width τ (samples)", ylabel="P(|error| ≤ 1)", ylim=(0, 1.02))
    ax.legend(fontsize="small", ncols=2)
    return fig


def training_curve(trained: Trained, name: str) -> Figure:
    """Loss and error on the training and validation sets per epoch, best epoch dotted (thesis Fig. 3.9)."""
    h, c, m = trained.histories[name], trained.curve, trained.shown(name)
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 2.8))
    for ax, (train_values, val_values), label in zip(
            axes, ((c.loss, h.val_loss), (c.error, h.val_error)),
            ("loss (cross-entropy, nats)", "classification error (fraction)")):
        ax.plot(c.epoch, train_values[:, m], label="training")
        ax.plot(h.eval_epoch, val_values[:, m], label="validation")
        ax.axvline(int(h.best_epoch[m]), color="0.4", ls=":")
        ax.set(xlabel="epoch", ylabel=label)
        ax.legend(fontsize="small")
    return fig


def convergence(trained: Trained) -> Figure:
    """Every seed's validation loss per model, a dot at its best epoch, ln 60 (uniform output) dashed."""
    names = list(trained.histories)
    fig, axes = panel_grid(len(names), 3, 2.1, sharey=True)
    for ax, name in zip(axes, names):
        h = trained.histories[name]
        for k in range(h.val_loss.shape[1]):
            ax.plot(h.eval_epoch, h.val_loss[:, k], lw=1, color=f"C{k}")
            ax.plot(int(h.best_epoch[k]), float(h.val_loss[:, k].min()), "o", color=f"C{k}", ms=3)
        ax.axhline(float(np.log(60)), color="0.5", ls="--", lw=1)
        ax.set(title=wrap(name), yscale="log", xlabel="epoch")
        ax.title.set_fontsize("small")
    for ax in axes[::3]:
        ax.set_ylabel("validation loss (nats)")
    return fig


def _weights(ax, w: np.ndarray, title: str, xlabel: str, ylabel: str):
    limit = float(np.abs(w).max())
    art = ax.imshow(w, cmap=CMAPS["weight"], vmin=-limit, vmax=limit, aspect="auto", interpolation="none")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(False)
    return art


def _averages(ax, a: np.ndarray, title: str, ylabel: str):
    art = ax.imshow(a, cmap=CMAPS["activation"], aspect="auto", interpolation="none",
                    extent=(20.5, 80.5, a.shape[0] - 0.5, -0.5))
    ax.set(title=title, xlabel="jump position t0", ylabel=ylabel)
    ax.grid(False)
    return art


def mlp_weights(trained: Trained, balanced: data.JumpSignals, name: str = "2-layer MLP") -> Figure:
    """Weights and biases (thesis Fig. 3.11), then the class-averaged activations A(1), A(2) (Fig. 3.12)."""
    net, m = trained.nets[name], trained.shown(name)
    fig, axes = plt.subplot_mosaic([["W1"] * 3 + ["b1"], ["W2"] * 3 + ["b2"], ["A1"] * 2 + ["A2"] * 2],
                                   figsize=(WIDTH, 8.4))
    for layer, label in zip(net.layers, ("1", "2")):
        w, b = layer.weight[m].detach().numpy(), layer.bias[m, 0].detach().numpy()
        fig.colorbar(_weights(axes[f"W{label}"], w, f"W({label})", "node", "input"), ax=axes[f"W{label}"])
        fig.colorbar(_weights(axes[f"b{label}"], b[:, None], f"b({label})", "", "node"), ax=axes[f"b{label}"])
        axes[f"b{label}"].set_xticks([])
    a = averaged(net, m, balanced)
    fig.colorbar(_averages(axes["A1"], a[0], "A(1), hidden layer", "hidden node"), ax=axes["A1"])
    fig.colorbar(_averages(axes["A2"], a[1], "A(2), output layer", "output node"), ax=axes["A2"])
    return fig


def one_layer(trained: Trained, balanced: data.JumpSignals, name: str = "1-layer NN") -> Figure:
    """The 1-layer network's weights (thesis Fig. 3.14), averaged outputs, and its centred column for 50 over the
    baseline's filter at 50 scaled to the same norm (Fig. 3.16)."""
    net, m = trained.nets[name], trained.shown(name)
    fig, axes = plt.subplot_mosaic([[0, 1], [2, 2]], figsize=(WIDTH, 6.4))
    fig.colorbar(_weights(axes[0], net.layers[0].weight[m].detach().numpy(), "(a) W", "output node",
                          "input sample i"), ax=axes[0])
    fig.colorbar(_averages(axes[1], averaged(net, m, balanced)[0], "(b) A(1), output", "output node"), ax=axes[1])
    column, reference = output_column(net, m, 50), detector_weights_at(50)
    axes[2].plot(SAMPLES, column, label="1-layer NN, column for 50")
    axes[2].plot(SAMPLES, reference * np.linalg.norm(column) / np.linalg.norm(reference), label="baseline filter at 50")
    axes[2].set(title="(c) weights into the output for t0 = 50", xlabel="input sample i", ylabel="weight")
    axes[2].legend(fontsize="small")
    return fig


def cnn(trained: Trained, name: str, balanced: data.JumpSignals, tolerance: float) -> Figure:
    """One row per layer of the shown seed: the filter (convolution orientation, titled with its type), the
    averaged activations after the layer and their slice at 50; the last row the dense layer and the output."""
    net, m = trained.nets[name], trained.shown(name)
    filters, averages = conv_filters(net), averaged(net, m, balanced)
    fig, axes = plt.subplots(len(averages), 3, figsize=(WIDTH, 2.3 * len(averages)), squeeze=False)
    for row, a in enumerate(averages):
        conv = row < len(filters)
        if conv:
            f = filters[row][m]
            axes[row, 0].stem(np.arange(len(f)) - len(f) // 2, f)
            axes[row, 0].set(title=f"conv {row + 1}: {filter_type(f, tolerance)}", xlabel="offset u")
            axes[row, 0].title.set_fontsize("small")
        else:
            _weights(axes[row, 0], net.layers[-1].weight[m].detach().numpy(), "dense layer", "output node", "input")
        _averages(axes[row, 1], a, f"A after layer {row + 1}", "sample i" if conv else "output")
        axes[row, 2].plot(np.arange(1, a.shape[0] + 1) + (0 if conv else FIRST_POSITION - 1), a[:, 50 - FIRST_POSITION])
        axes[row, 2].set(title="slice at t0 = 50", xlabel="sample i" if conv else "position")
    fig.suptitle(f"{name}, seed {m}")
    return fig


def ascent_mlps(found: dict[str, Ascent], names: list[str], targets: tuple[int, ...]) -> Figure:
    """Inputs found by gradient ascent, one row per MLP and one column per target (thesis Fig. 5.1-5.2)."""
    fig, axes = plt.subplots(len(names), len(targets), figsize=(WIDTH, 1.9 * len(names)), sharex=True,
                             squeeze=False)
    for row, name in enumerate(names):
        for col, pos in enumerate(targets):
            axes[row, col].plot(SAMPLES, found[name].x[col], lw=1)
            axes[row, col].axvline(pos, color="C3", ls="--", lw=1)
            axes[0, col].set_title(f"t0 = {pos}")
        axes[row, 0].set_ylabel(f"{wrap(name)}\nx*_i", fontsize="small")
    for ax in axes[-1]:
        ax.set_xlabel("sample i")
    return fig


def ascent_cnns(trained: Trained, found: dict[str, Ascent], names: list[str]) -> Figure:
    """For target 50 (the last ascent row), the found input and its signal after each conv layer (Fig. 5.3-5.5)."""
    fig, axes = plt.subplots(len(names), 4, figsize=(WIDTH, 2.0 * len(names)), sharex=True, squeeze=False)
    for row, name in enumerate(names):
        x = found[name].x[-1:]
        with torch.no_grad():
            post = trained.nets[name].activations(torch.from_numpy(x)).post
        stages = [x[0]] + [p[trained.shown(name), 0].numpy() for p in post]
        for col, ax in enumerate(axes[row]):
            if col < len(stages):
                ax.plot(SAMPLES, stages[col], lw=1)
                ax.axvline(50, color="C3", ls="--", lw=1)
                ax.set_title("input x*" if col == 0 else f"after conv {col}", fontsize="small")
            else:
                ax.axis("off")
        axes[row, 0].set_ylabel(wrap(name, 18), fontsize="small")
    return fig


def subpattern_signals(patterns: dict[str, np.ndarray], p50: np.ndarray) -> Figure:
    """The signals of thesis Fig. 7.1, each titled with the 2-layer MLP's mean probability of position 50."""
    fig, axes = panel_grid(len(patterns), 3, 2.5, sharey=True, sharex=True)
    for ax, (title, x), p in zip(axes, patterns.items(), p50):
        ax.plot(SAMPLES, x, lw=1.2)
        ax.set_title(f"{title}\np(50) = {p:.3f}", fontsize="small")
    for ax in axes[-3:]:
        ax.set_xlabel("sample i")
    return fig


def explorer(trained: Trained, theta: float, noise: float, position: int = 50, noise_seed: int = 0) -> Figure:
    """One signal, the baseline's smoothed derivative, and each model's output distribution (shown seeds)."""
    x = data.step_signals(np.array([position]), 100, theta)[0]
    x = (x + np.random.default_rng(noise_seed).normal(0.0, noise, 100)).astype(np.float32)
    fig, axes = plt.subplots(3, 1, figsize=(WIDTH, 6.6), sharex=True)
    axes[0].plot(SAMPLES, x, lw=1)
    axes[1].plot(SAMPLES, first_difference(smooth(x, gaussian_window(19, 2.9)))[0], lw=1)
    axes[1].axvline(int(detect_jumps(x[None])[0]), color="C2", ls=":", label="baseline")
    for name in trained.main:
        axes[2].plot(np.arange(21, 81), probabilities(trained.nets[name], x[None])[trained.shown(name), 0], lw=1,
                     label=name)
    for ax, ylabel in zip(axes, ("x_i", "smoothed difference", "probability")):
        ax.axvline(position, color="C3", ls="--", lw=1)
        ax.set(ylabel=ylabel)
    axes[2].set_xlabel("sample i / position")
    axes[1].legend(fontsize="small")
    axes[2].legend(fontsize="small", loc="upper left", ncols=2)
    return fig


EXPLORER_POSITIONS = (FIRST_POSITION, 30, 40, 50, 60, 70, 80)  # the explorer's jump positions: first to last class


def explorer_frames(trained: Trained, theta: float, noise: float,
                    positions: tuple[int, ...] = EXPLORER_POSITIONS, noise_seed: int = 0) -> dict[int, Figure]:
    """explorer() with the jump at each position, one noise draw for all: the frames of the kernel-free explorer."""
    return {position: explorer(trained, theta, noise, position, noise_seed) for position in positions}
