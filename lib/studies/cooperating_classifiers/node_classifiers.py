"""Nodes as classifiers (Davel, Theunissen, Pretorius & Barnard, AAAI 2020 slides, "Nodes as classifiers").

Each node estimates P(class | observation) from its own output a (post-activation) in one of three ways:
- continuous: a Gaussian kernel density estimate p(a | c) per class of the node's output values;
- discrete: counts of on/off per class, P(on | c) (the slides' "% active" table);
- combined: the discrete estimate P(off | c) when the node is off, and P(on | c) · p(a | c, on) when it is on,
  with the density fitted to the class's on-samples only ("continuous if node on, discrete if node off").
A layer classifier multiplies the node likelihoods naive-Bayes style, in log space:
log P(c | a_1..a_n) = log P(c) + Σ_i log p(a_i | c) - log Z.

"On" means a > threshold: 0 for ReLU (the slides' T(z) = [z > 0] on the pre-activation z); for a sigmoid, whose
output is never 0, the chapter's default 0.5 is the same boundary (σ(z) > 0.5 ⇔ z > 0).
Densities are vectorised: per node and class, the samples are linearly binned onto a grid and smoothed with a
Gaussian kernel of Scott's bandwidth (scipy.stats.gaussian_kde's default), then read by linear interpolation.
A uniform background of weight `background` over the grid keeps every likelihood positive; the discrete counts
carry Laplace's add-one smoothing, for the same reason.
"""

import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

from lib import probes
from lib.scoring import strictly_correct

Kind = Literal["continuous", "discrete", "combined"]
KINDS = ("continuous", "discrete", "combined")
CORRUPTION_MODES = ("other", "uniform")
TAIL_BANDWIDTHS = 4.0  # grid margin beyond the data, in bandwidths


@dataclass(frozen=True)
class GridDensity:
    """Per-node, per-class densities on a per-node grid: value at grid point g is lo + g·step."""

    lo: Tensor  # (nodes,)
    step: Tensor  # (nodes,)
    density: Tensor  # (nodes, C, G), float64, each row integrates to 1 (or is 0 for an empty class)


def scott_bandwidth(a: Tensor, weights: Tensor, onehot: Tensor) -> Tensor:
    """Scott's rule h = σ̂ n^(-1/5) per class and node (scipy gaussian_kde, 1-D, unbiased σ̂): (C, nodes)."""
    w = weights.to(torch.float64)  # (N, nodes)
    x = a.to(torch.float64)
    n = onehot.T @ w  # (C, nodes)
    s1, s2 = onehot.T @ (w * x), onehot.T @ (w * x * x)
    var = (s2 - s1 * s1 / n.clamp(min=1)) / (n - 1).clamp(min=1)
    return var.clamp(min=0).sqrt() * n.clamp(min=1).pow(-0.2)


def density_grid(a: Tensor, h: Tensor, weights: Tensor, grid_size: int) -> tuple[Tensor, Tensor, Tensor]:
    """Per-node grid (lo, step) covering the weighted samples ± 4 bandwidths; bandwidths floored at one step."""
    x = a.to(torch.float64)
    inside = weights > 0
    big = torch.finfo(torch.float64).max
    lo = torch.where(inside, x, big).amin(0)
    hi = torch.where(inside, x, -big).amax(0)
    lo, hi = torch.where(inside.any(0), lo, 0.0), torch.where(inside.any(0), hi, 1.0)  # (nodes,)
    h = torch.maximum(h, ((hi - lo) / grid_size).clamp(min=1e-6))  # (C, nodes)
    margin = TAIL_BANDWIDTHS * h.amax(0)
    lo, hi = lo - margin, hi + margin
    return lo, (hi - lo) / (grid_size - 1), h


def linear_binning(a: Tensor, labels: Tensor, weights: Tensor, lo: Tensor, step: Tensor, n_classes: int,
                   grid_size: int) -> Tensor:
    """Weighted sample counts split between the two nearest grid points: (nodes, C, G), float64."""
    n, nodes = a.shape
    pos = ((a.to(torch.float64) - lo) / step).clamp(0, grid_size - 1)  # (N, nodes)
    left = pos.floor().clamp(max=grid_size - 2)
    frac = pos - left
    w = weights.to(torch.float64)
    row = (torch.arange(nodes)[None, :] * n_classes + labels.long()[:, None]) * grid_size  # (N, nodes)
    flat = torch.zeros(nodes * n_classes * grid_size, dtype=torch.float64)
    flat.index_add_(0, (row + left.long()).reshape(-1), (w * (1 - frac)).reshape(-1))
    flat.index_add_(0, (row + left.long() + 1).reshape(-1), (w * frac).reshape(-1))
    return flat.view(nodes, n_classes, grid_size)


def gaussian_smooth(counts: Tensor, step: Tensor, h: Tensor) -> Tensor:
    """Binned counts (nodes, C, G) convolved with N(0, h²) per class and node, as a density per unit value.

    The linear convolution Σ_j counts[j] φ_h((g - j)·step) is computed as a circular one of length 2G by FFT
    (offsets g - j stay within ±(G - 1), so nothing wraps around).
    """
    g = counts.shape[-1]
    index = torch.arange(2 * g, dtype=torch.float64)
    offsets = torch.where(index < g, index, index - 2 * g)[None, None, :] * step[:, None, None]  # (nodes, 1, 2G)
    bw = h.T[:, :, None]  # (nodes, C, 1)
    kernel = torch.exp(-0.5 * (offsets / bw) ** 2) / (bw * math.sqrt(2 * math.pi))  # (nodes, C, 2G)
    spectrum = torch.fft.rfft(counts, n=2 * g) * torch.fft.rfft(kernel)
    return torch.fft.irfft(spectrum, n=2 * g)[..., :g].clamp(min=0.0)


def fit_densities(a: Tensor, labels: Tensor, n_classes: int, weights: Tensor, grid_size: int = 256) -> GridDensity:
    """Gaussian KDE p(a | c) of each node's weighted samples per class (scipy gaussian_kde, Scott's rule)."""
    onehot = probes.class_one_hot(labels, n_classes).to(torch.float64)  # (N, C)
    h = scott_bandwidth(a, weights, onehot)  # (C, nodes)
    lo, step, h = density_grid(a, h, weights, grid_size)
    counts = linear_binning(a, labels, weights, lo, step, n_classes, grid_size)  # (nodes, C, G)
    n = counts.sum(-1, keepdim=True)  # (nodes, C, 1)
    density = gaussian_smooth(counts, step, h) / n.clamp(min=1e-300)
    return GridDensity(lo, step, torch.where(n > 0, density, 0.0))


def log_density(fit: GridDensity, a: Tensor, background: float = 1e-4) -> Tensor:
    """log((1-ε) p(a | c) + ε / grid width), p read from the grid by linear interpolation: (N, nodes, C)."""
    g = fit.density.shape[-1]
    pos = (a.to(torch.float64) - fit.lo) / fit.step  # (N, nodes)
    inside = (pos >= 0) & (pos <= g - 1)
    left = pos.clamp(0, g - 1).floor().clamp(max=g - 2)
    frac = (pos.clamp(0, g - 1) - left)[..., None]  # (N, nodes, 1)
    table = fit.density.permute(0, 2, 1)  # (nodes, G, C)
    node = torch.arange(a.shape[1])[None, :]
    p = (1 - frac) * table[node, left.long()] + frac * table[node, left.long() + 1]  # (N, nodes, C)
    p = torch.where(inside[..., None], p, 0.0)
    width = (fit.step * (g - 1))[None, :, None]
    return torch.log((1 - background) * p + background / width)


def on_off_log_probs(on: Tensor, labels: Tensor, n_classes: int) -> tuple[Tensor, Tensor]:
    """log P(on | c), log P(off | c) per node with add-one smoothing, (k+1)/(N_c+2): each (nodes, C)."""
    k = probes.sample_set_sizes(on.to(torch.float32), labels, n_classes)  # (C, nodes)
    n_c = probes.class_sizes(labels, n_classes)[:, None]  # (C, 1)
    p_on = (k + 1) / (n_c + 2)
    return torch.log(p_on).T, torch.log1p(-p_on).T


def node_log_likelihoods(fit_a: Tensor, fit_labels: Tensor, eval_a: Tensor, n_classes: int, kind: Kind,
                         threshold: float = 0.0, grid_size: int = 256, background: float = 1e-4) -> Tensor:
    """log p(a_i | c) of every node i for each evaluated sample, fitted on (fit_a, fit_labels): (N, nodes, C)."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    if kind == "continuous":
        fit = fit_densities(fit_a, fit_labels, n_classes, torch.ones_like(fit_a), grid_size)
        return log_density(fit, eval_a, background)
    fit_on, eval_on = fit_a > threshold, (eval_a > threshold)[..., None]  # (N, nodes), (M, nodes, 1)
    log_on, log_off = on_off_log_probs(fit_on, fit_labels, n_classes)  # (nodes, C)
    if kind == "discrete":
        return torch.where(eval_on, log_on, log_off)
    fit = fit_densities(fit_a, fit_labels, n_classes, fit_on.to(torch.float64), grid_size)
    return torch.where(eval_on, log_on + log_density(fit, eval_a, background), log_off)


def log_prior(labels: Tensor, n_classes: int) -> Tensor:
    """log P(c) from the class frequencies of the fitting samples, add-one smoothed: (C,)."""
    n_c = probes.class_sizes(labels, n_classes)
    return torch.log((n_c + 1) / (n_c.sum() + n_classes))


def node_log_posteriors(loglik: Tensor, prior: Tensor) -> Tensor:
    """Each node on its own: log P(c | a_i) = log P(c) + log p(a_i | c) - log Z: (N, nodes, C)."""
    joint = loglik + prior
    return joint - torch.logsumexp(joint, dim=-1, keepdim=True)


def layer_log_posterior(loglik: Tensor, prior: Tensor) -> Tensor:
    """Naive-Bayes layer classifier: log P(c) + Σ_i log p(a_i | c), normalised over c: (N, C)."""
    joint = loglik.sum(dim=-2) + prior  # (N, C)
    return joint - torch.logsumexp(joint, dim=-1, keepdim=True)


def accuracy(log_posterior: Tensor, labels: Tensor) -> Tensor:
    """Share of samples whose label is strictly the most probable class (ties wrong), trailing class axis: (...)."""
    hits = strictly_correct(log_posterior, labels.reshape(-1, *([1] * (log_posterior.dim() - 2))))
    return hits.to(torch.float64).mean(dim=0)


@dataclass(frozen=True)
class LayerScores:
    """Accuracies of one layer's node classifiers on the evaluated samples."""

    layer: float  # the naive-Bayes layer classifier
    node_mean: float  # mean over nodes of each node on its own
    node_best: float  # best single node


def layer_scores(fit_a: Tensor, fit_labels: Tensor, eval_a: Tensor, eval_labels: Tensor, n_classes: int,
                 kind: Kind, threshold: float = 0.0, grid_size: int = 256) -> LayerScores:
    """Layer and single-node accuracies of the `kind` node classifiers of one layer (slides, "Nodes as classifiers")."""
    loglik = node_log_likelihoods(fit_a, fit_labels, eval_a, n_classes, kind, threshold, grid_size)
    prior = log_prior(fit_labels, n_classes)
    per_node = accuracy(node_log_posteriors(loglik, prior), eval_labels)  # (nodes,)
    layer = accuracy(layer_log_posterior(loglik, prior), eval_labels)
    return LayerScores(float(layer), float(per_node.mean()), float(per_node.max()))


def layer_accuracies(fit_layers: list[Tensor], fit_labels: Tensor, eval_layers: list[Tensor], eval_labels: Tensor,
                     n_classes: int, kind: Kind, threshold: float = 0.0, grid_size: int = 256) -> list[float]:
    """Naive-Bayes layer-classifier accuracy of every layer [(N, nodes_l)]; all nodes fitted in one pass."""
    sizes = [a.shape[-1] for a in fit_layers]
    loglik = node_log_likelihoods(torch.cat(fit_layers, -1), fit_labels, torch.cat(eval_layers, -1), n_classes,
                                  kind, threshold, grid_size)  # (N, Σ nodes_l, C)
    prior = log_prior(fit_labels, n_classes)
    return [float(accuracy(layer_log_posterior(part, prior), eval_labels)) for part in loglik.split(sizes, dim=1)]


# ---------------------------------------------------------------- label corruption (slides, "Quarantine paths")


def corrupt_labels(labels: Tensor, fraction: float, n_classes: int, seed: int,
                   mode: str = "other") -> tuple[Tensor, Tensor]:
    """Corrupt round(fraction·N) labels chosen at random: (labels, corrupted), corrupted = the label now differs.

    mode "other": each chosen label becomes a uniformly drawn *other* class (every chosen label is wrong);
    mode "uniform": each chosen label is redrawn uniformly from all classes, as Zhang et al. (2017) do, so about
    1/n_classes of them keep their true class (and are not marked corrupted).
    """
    if mode not in CORRUPTION_MODES:
        raise ValueError(f"mode: expected one of {CORRUPTION_MODES}, got {mode!r}")
    gen = torch.Generator().manual_seed(seed)
    n = labels.shape[0]
    chosen = torch.randperm(n, generator=gen)[: round(fraction * n)]
    out = labels.clone()
    if mode == "other":
        out[chosen] = (labels[chosen] + torch.randint(1, n_classes, (len(chosen),), generator=gen)) % n_classes
    else:
        out[chosen] = torch.randint(0, n_classes, (len(chosen),), generator=gen)
    return out, out != labels


def corrupted_share(a: Tensor, corrupted: Tensor, threshold: float = 0.0) -> Tensor:
    """Per node, the share of its sample set {s : a(s) > threshold} whose label is corrupted (NaN if empty)."""
    sizes = probes.sample_set_sizes(a - threshold, corrupted.long(), 2)  # (..., 2, nodes): clean, corrupted
    return sizes[..., 1, :] / sizes.sum(dim=-2)


def on_corrupted_phi(a: Tensor, corrupted: Tensor, threshold: float = 0.0) -> Tensor:
    """Per node, the φ coefficient (Pearson correlation) of 'node on' with 'label corrupted' over the N samples:
    (nodes,), NaN where the node or the mask is constant. φ = ±1: the sample set is exactly the (clean) corrupted."""
    on = (a > threshold).to(torch.float64)  # (N, nodes)
    c = corrupted.to(torch.float64)  # (N,)
    n = len(c)
    p_on, p_c, p_both = on.mean(0), c.mean(), (c @ on) / n  # (nodes,), (), (nodes,)
    spread = (p_on * (1 - p_on) * p_c * (1 - p_c)).sqrt()
    return torch.where(spread > 0, (p_both - p_on * p_c) / spread, torch.nan)


def dispersion_index(phi: Tensor, n: int) -> Tensor:
    """(N - 1) · mean φ² over nodes (NaN nodes skipped): exactly 1 in expectation when the corrupted samples are a
    random subset independent of the sample sets (hypergeometric: E[φ²] = 1/(N - 1)); above 1 = kept apart."""
    return (n - 1) * torch.nanmean(phi**2, dim=-1)


def class_dispersion_index(a: Tensor, labels: Tensor, corrupted: Tensor, n_classes: int,
                           threshold: float = 0.0) -> Tensor:
    """The dispersion index within each true class c, (N_c - 1)·φ_c², averaged over classes and nodes: does a node
    tell the corrupted images of a digit from its clean ones? 1 at chance; class structure cannot inflate it."""
    per_class = [(int(m.sum()) - 1) * on_corrupted_phi(a[m], corrupted[m], threshold) ** 2
                 for m in (labels == c for c in range(n_classes))]  # [(nodes,)]
    return torch.nanmean(torch.stack(per_class))
