"""Figures of the summary-layer chapter (Davel 2020 Fig. 4-10), each returning a matplotlib Figure."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lib.plots import CMAPS, WIDTH

SIGN_COLOURS = {"pos": "tab:blue", "neg": "tab:orange", "pos_wrong": "black", "neg_wrong": "tab:red"}


def weight_gap_panels(gaps: dict[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """Fig. 4: per class pair φ_{A c_s c_t}, φ_{B c_t c_s} and their product, one panel per network version.

    gaps: title -> (φ_A (P,), φ_B(t, s) (P,)), pairs ordered by the product of the first version.
    """
    fig, axes = plt.subplots(len(gaps), 1, figsize=(WIDTH, 2.6 * len(gaps)), sharex=True)
    order = None
    for ax, (title, (phi_a, phi_b)) in zip(np.atleast_1d(axes), gaps.items()):
        order = np.argsort(phi_a * phi_b) if order is None else order
        x = np.arange(len(phi_a))
        ax.scatter(x, phi_a[order], s=12, color="tab:blue", label=r"$\varphi_{A c_s c_t}$")
        ax.scatter(x, phi_b[order], s=12, color="tab:orange", label=r"$\varphi_{B c_t c_s}$")
        ax.plot(x, (phi_a * phi_b)[order], color="black", label=r"product")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(title=title, ylabel="weight gap (weight units)")
    ax.set_xlabel("class pair $c_s < c_t$ (ordered by the product before normalisation)")
    ax.legend(loc="upper left", fontsize="small", ncol=3)
    return fig


def ratio_scatter(ax, phi_ratio: np.ndarray, alpha: np.ndarray, positive: np.ndarray, wrong: np.ndarray,
                  show_wrong: bool) -> None:
    """Fig. 5 / 9 panel: α-ratio(i) against φ-ratio(c_i, c_m), one point per (sample, other class)."""
    groups = [(~wrong & positive, "pos", r"correct, $\varphi_{A c_i c_m} > 0$"),
              (~wrong & ~positive, "neg", r"correct, $\varphi_{A c_i c_m} < 0$")]
    if show_wrong:
        groups += [(wrong & positive, "pos_wrong", r"misclassified, $\varphi_{A c_i c_m} > 0$"),
                   (wrong & ~positive, "neg_wrong", r"misclassified, $\varphi_{A c_i c_m} < 0$")]
    for mask, key, label in groups:
        ax.scatter(phi_ratio[mask], alpha[mask], s=3 if "wrong" not in key else 9, color=SIGN_COLOURS[key],
                   label=f"{label} ({int(mask.sum())})", alpha=0.5 if "wrong" not in key else 0.9, linewidths=0)
    ax.set(xlabel=r"weight ratio $\varphi$-ratio$(c_i, c_m)$", ylabel=r"activation ratio $\alpha$-ratio$(i)$")
    ax.legend(fontsize="small", loc="upper left", markerscale=2)


def ratio_figure(phi_ratio: np.ndarray, alpha: np.ndarray, positive: np.ndarray, wrong: np.ndarray,
                 limits: tuple[float, float] | None, log: bool) -> Figure:
    """Fig. 5 (two panels, axes limited to `limits`) or Fig. 9 (log axes); the diagonal is α = φ-ratio."""
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH, 8.4), sharex=True, sharey=True)
    for ax, show_wrong, tag in zip(axes, (False, True), ("(a)", "(b)")):
        ratio_scatter(ax, phi_ratio, alpha, positive, wrong, show_wrong)
        ax.set_title(f"{tag} {'with' if show_wrong else 'without'} misclassified samples")
        if log:
            ax.set(xscale="log", yscale="log")
        if limits is not None:
            ax.set(xlim=limits, ylim=limits)
        lo, hi = limits if limits is not None else (ax.get_xlim()[0], ax.get_xlim()[1])
        ax.plot([lo, hi], [lo, hi], color="green", lw=1, label=r"$\alpha = \varphi$")
    axes[0].set_xlabel("")  # the panels share the x axis: its label once, below
    return fig


def interval_figure(low: np.ndarray, high: np.ndarray, alpha: np.ndarray, labels: np.ndarray,
                    eq13: list[int], seed: int) -> Figure:
    """Fig. 6: per class the allowed α-ratio interval (low: blue, high: red) and the α-ratios of the correctly
    classified samples (grey, jittered); classes in `eq13` are marked as decided by a_B = 0 (eq. 13)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.2))
    jitter = np.random.default_rng(seed).uniform(-0.25, 0.25, len(alpha))
    ax.scatter(labels + jitter, alpha, s=2, color="grey", alpha=0.3, linewidths=0, label="α-ratio, correct samples")
    classes = np.arange(len(low))
    ax.scatter(classes[np.isfinite(low)], low[np.isfinite(low)], marker="_", s=400, color="tab:blue", lw=2.5,
               label="minimum allowed α-ratio")
    ax.scatter(classes[np.isfinite(high)], high[np.isfinite(high)], marker="_", s=400, color="tab:red", lw=2.5,
               label="maximum allowed α-ratio")
    for c in eq13:
        ax.annotate("eq. 13\n($a_B = 0$)", (c, 1.0), xycoords=("data", "axes fraction"), ha="center", va="top",
                    fontsize="small")
    ax.set(yscale="log", xticks=classes, xlabel="class (digit)", ylabel=r"$\alpha$-ratio $a_A / a_B$ (log scale)")
    ax.legend(fontsize="small", loc="lower right")
    return fig


def eq18_figure(lhs: np.ndarray, rhs: np.ndarray) -> Figure:
    """Fig. 10: α_{A} φ_{A c_s c_t} (orange) and α_{B} φ_{B c_t c_s} (blue) per pair, ordered by the first."""
    order = np.argsort(lhs)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.4))
    x = np.arange(len(lhs))
    ax.scatter(x, rhs[order], s=3, color="tab:blue", label=r"$\alpha_{B c_s c_t}\,\varphi_{B c_t c_s}$")
    ax.scatter(x, lhs[order], s=3, color="tab:orange", label=r"$\alpha_{A c_s c_t}\,\varphi_{A c_s c_t}$")
    ax.set(xlabel="sample pair (ordered by the orange value)", ylabel="gap product (activation × weight units)")
    ax.legend(fontsize="small", markerscale=3)
    return fig


def _heatmap(ax, fraction: np.ndarray, classes: np.ndarray, title: str) -> object:
    """Classes × nodes activation-fraction heatmap with class labels on the y axis."""
    art = ax.imshow(fraction, aspect="auto", cmap=CMAPS["fraction"], vmin=0, vmax=1, interpolation="nearest")
    ax.set(yticks=np.arange(len(classes)), yticklabels=[str(c) for c in classes], ylabel="class", title=title)
    ax.grid(False)
    return art


def organisation_figure(fraction: np.ndarray, ratio: np.ndarray, low: np.ndarray, high: np.ndarray,
                        title: str) -> Figure:
    """Fig. 7 / 8: sample-set fractions (classes × nodes, network order); sorted node-ratios (grey) with each
    class's allowed interval; the fractions with nodes ordered by node-ratio and classes by minimum allowed ratio."""
    fig, axes = plt.subplots(3, 1, figsize=(WIDTH, 8.4), height_ratios=[1, 1.2, 1])
    classes = np.arange(len(low))
    art = _heatmap(axes[0], fraction, classes, f"{title}: nodes in network order")
    axes[0].set_xlabel("hidden node (index)")
    node_order = np.argsort(ratio, kind="stable")
    axes[1].plot(np.arange(len(ratio)), ratio[node_order], color="grey", lw=1.5, label="node-ratio $w_{An}/w_{Bn}$")
    cmap = plt.get_cmap(CMAPS["digit"])
    for c in classes:
        lo = low[c] if np.isfinite(low[c]) else np.nanmin(ratio)
        hi = high[c] if np.isfinite(high[c]) else np.nanmax(ratio)
        if lo < hi:
            axes[1].axhspan(lo, hi, color=cmap(c), alpha=0.18)
            axes[1].hlines([lo, hi], 0, len(ratio) - 1, color=cmap(c), lw=0.8, label=str(c))
    axes[1].set(yscale="symlog", ylabel="ratio (symlog)", xlim=(0, len(ratio) - 1), xlabel="node-ratio rank",
                title="node-ratios (grey) and allowed α-ratio interval\nper class (colour)")
    axes[1].legend(fontsize="small", title="class", title_fontsize="small", ncol=6, loc="upper left",
                   handlelength=1.0, columnspacing=0.8)
    class_order = np.argsort(np.where(np.isfinite(low), low, -np.inf), kind="stable")
    _heatmap(axes[2], fraction[class_order][:, node_order], class_order,
             "nodes ordered by node-ratio,\nclasses by minimum allowed α-ratio")
    axes[2].set_xlabel("hidden node, in order of node-ratio (position)")
    fig.colorbar(art, ax=[axes[0], axes[2]], label="fraction of class samples activating the node")
    return fig


def organisation_scatter(metric: np.ndarray, test_acc: np.ndarray, lrs: np.ndarray, marked: dict[str, int]) -> Figure:
    """Organisation metric against test accuracy, one point per network of the grid, coloured by learning rate."""
    fig, ax = plt.subplots(figsize=(5.8, 4.2))
    art = ax.scatter(metric, test_acc, c=np.log10(lrs), cmap=CMAPS["position"], s=30)
    for name, k in marked.items():
        ax.annotate(name, (metric[k], test_acc[k]), textcoords="offset points", xytext=(5, 5), fontsize="small")
    fig.colorbar(art, ax=ax, label="log10 learning rate")
    ax.set(xlabel="organisation (share of sample-set mass\ninside the class interval)", ylabel="test accuracy")
    return fig


def explorer_figure(alpha: float, label: int, predicted: int, low: np.ndarray, high: np.ndarray,
                    contributions: np.ndarray, top: int = 8) -> Figure:
    """One sample: its α-ratio against every class's allowed interval, and the hidden nodes contributing most to
    the numerator (a_A) and denominator (a_B) of its α-ratio."""
    fig, (left, right) = plt.subplots(2, 1, figsize=(WIDTH, 5.8))
    cmap = plt.get_cmap(CMAPS["digit"])
    finite = np.concatenate([low[np.isfinite(low) & (low > 0)], high[np.isfinite(high) & (high > 0)]])
    span = (finite.min() / 3, finite.max() * 3) if finite.size else (1e-2, 1e2)
    for c in range(len(low)):
        lo, hi = max(low[c], span[0]), min(high[c], span[1])
        if lo < hi:
            left.plot([lo, hi], [c, c], lw=6 if c == label else 3, color=cmap(c), alpha=1 if c == label else 0.4)
    if np.isfinite(alpha) and alpha > 0:
        left.axvline(alpha, color="black", lw=1.5, label=f"α-ratio = {alpha:.3g}")
        left.legend(fontsize="small", loc="lower right")
    left.set(xscale="log", xlim=span, yticks=range(len(low)), xlabel="α-ratio (log scale)", ylabel="class interval",
             title=f"true {label}, predicted {predicted}")
    order = np.argsort(-np.abs(contributions).sum(axis=1))[:top]
    y = np.arange(len(order))
    right.barh(y - 0.2, contributions[order, 0], height=0.4, color="tab:blue", label="to $a_A$ (numerator)")
    right.barh(y + 0.2, contributions[order, 1], height=0.4, color="tab:orange", label="to $a_B$ (denominator)")
    right.set(yticks=y, yticklabels=[f"node {n}" for n in order], xlabel="contribution $h_n w_{kn}$",
              title="largest hidden-node contributions")
    right.invert_yaxis()
    right.legend(fontsize="small")
    return fig


def sample_explorer(i: int, hidden, w_summary, alpha: np.ndarray, labels, predicted, low: np.ndarray,
                    high: np.ndarray) -> Figure:
    """The explorer figure of evaluation sample i: its α-ratio against the class intervals and its hidden nodes'
    contributions h_n w_{An}, h_n w_{Bn} (hidden (N, H), w_summary (H, 2) tensors; labels, predicted (N,))."""
    contrib = (hidden[i].double()[:, None] * w_summary.double()).numpy()
    return explorer_figure(float(alpha[i]), int(labels[i]), int(predicted[i]), low, high, contrib)


def learning_curves(grids: dict) -> Figure:
    """Per H (columns): validation error per epoch of every network of the grid; share of validation images with
    both summary nodes off; classes with a wedge of angles (colour: learning rate, line style: seed)."""
    from lib.studies.summary_layers.states import STATES
    fig, axes = plt.subplots(3, len(grids), figsize=(WIDTH, 7.4), squeeze=False, sharex="col", sharey="row")
    for col, (h, g) in enumerate(grids.items()):
        lrs, seeds = g.spec.members()
        colours = plt.get_cmap(CMAPS["position"])(np.linspace(0, 0.9, len(g.spec.lrs)))
        both_off = g.states[..., STATES.index("both off")].numpy()  # (E + 1, K), epoch 0 = initialisation
        for k in range(g.net.k):
            style = dict(color=colours[g.spec.lrs.index(lrs[k])], marker="o", ms=3, ls=("-", "--", ":", "-.")[k % 4],
                         label=f"lr {lrs[k]:g}, seed {seeds[k]}")
            axes[0, col].plot(g.history.eval_epoch.numpy(), g.history.val_error[:, k].numpy(), **style)
            axes[1, col].plot(np.arange(len(both_off)), both_off[:, k], **style)
            axes[2, col].plot(np.arange(len(g.wedges)), g.wedges[:, k].numpy(), **style)
        axes[0, col].set(title=f"H = {h}")
        axes[1, col].set(ylim=(-0.02, 1.02))
        axes[2, col].set(xlabel="epoch (0 = init.)", ylim=(0, 10.5))
        axes[2, col].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0, 0].set_ylabel("validation error\n(fraction)")
    axes[1, 0].set_ylabel("val. images with\n$a_A = a_B = 0$")
    axes[2, 0].set_ylabel("classes with a wedge")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=3, fontsize="small")
    return fig
