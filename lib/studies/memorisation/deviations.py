"""Per-layer representations and deviation profiles (thesis eq. 6.1-6.9), the noise-corrected inter-class
distance, and the per-network predicates behind the claims of §6.4."""

from dataclasses import dataclass

import numpy as np
import torch

from lib import probes
from lib.models import StackedNet


@torch.no_grad()
def layer_representations(net: StackedNet, x: torch.Tensor) -> list[torch.Tensor]:
    """Per layer: the input, each hidden layer's post-ReLU activations and the softmax output, each (K, N, n_l)."""
    acts = net.activations(x)
    return [x.expand(net.k, *x.shape), *acts.post, acts.logits.softmax(-1)]


@dataclass(frozen=True)
class DeviationProfile:
    """Per-layer deviations (thesis eq. 6.2-6.9) of K networks: each array (K, layers)."""

    activation_level: np.ndarray  # eq. 6.4
    inner: dict[str, np.ndarray]  # metric -> inner-class deviation (eq. 6.2, 6.5)
    inter: dict[str, np.ndarray]  # metric -> inter-class deviation (eq. 6.3, 6.6)


def deviation_profile(layers: list[torch.Tensor], labels: torch.Tensor, n_classes: int,
                      pairs: str = "adjacent") -> DeviationProfile:
    """Activation level and inner/inter-class deviations of every layer (K, N, n_l) for every metric.

    Layers of equal width are stacked along the leading dim and measured in one call per kernel; the normalised
    Euclidean deviations are the Euclidean ones divided by the level (eq. 6.5, 6.6), not measured twice.
    """
    level = _per_layer(layers, lambda a: probes.activation_level(a, labels, n_classes))
    inner, inter = {}, {}
    inter["euclidean_debiased"] = _per_layer(layers, lambda a: debiased_inter_class(a, labels, n_classes, pairs))
    for metric in ("euclidean", "cosine", "correlation"):
        inner[metric] = _per_layer(
            layers, lambda a, m=metric: probes.inner_class_deviation(a, labels, n_classes, m).mean)
        inter[metric] = _per_layer(
            layers, lambda a, m=metric: probes.inter_class_deviation(a, labels, n_classes, m, pairs).mean)
    for part, name in ((inner, "euclidean"), (inter, "euclidean"), (inter, "euclidean_debiased")):
        part[name.replace("euclidean", "normalised_euclidean")] = part[name] / level
    return DeviationProfile(level, inner, inter)


def debiased_inter_class(a: torch.Tensor, labels: torch.Tensor, n_classes: int,
                         pairs: str = "adjacent") -> torch.Tensor:
    """Inter-class Euclidean deviation with the sampling noise of the class means taken out: (..., N, n) → (...,).

    The squared distance of two sample means overestimates that of the true means by tr Σ_c/N_c + tr Σ_c'/N_c'
    (Σ_c the class covariance, estimated with ddof 1); per pair sqrt(max(d² − that, 0)), then the mean over pairs.
    """
    x = a.to(torch.float64)
    labels = labels.to(x.device)
    means, noise = [], []
    for c in range(n_classes):
        xc = x.index_select(-2, torch.nonzero(labels == c).flatten())  # (..., N_c, n)
        means.append(xc.mean(-2))
        noise.append(xc.var(-2, correction=1).sum(-1) / xc.shape[-2])  # tr Σ_c / N_c
    means, noise = torch.stack(means, -2), torch.stack(noise, -1)  # (..., C, n), (..., C)
    idx = probes.class_pairs(n_classes, pairs).to(x.device)
    d2 = ((means[..., idx[:, 0], :] - means[..., idx[:, 1], :]) ** 2).sum(-1)  # (..., P)
    return (d2 - noise[..., idx[:, 0]] - noise[..., idx[:, 1]]).clamp(min=0).sqrt().mean(-1)


def _per_layer(layers: list[torch.Tensor], measure) -> np.ndarray:
    """measure(a) (K, N, n) → (K,) for every layer, equal widths batched: (K, layers) array."""
    out = [None] * len(layers)
    for width in {a.shape[-1] for a in layers}:
        idx = [i for i, a in enumerate(layers) if a.shape[-1] == width]
        values = measure(torch.stack([layers[i] for i in idx]))  # (group, K)
        for j, i in enumerate(idx):
            out[i] = values[j]
    return torch.stack(out, -1).numpy()  # (K, layers)


# ---------------------------------------------------------------- predicates of the §6.4.4 claims (per network)


def increases_every_layer(values: np.ndarray) -> np.ndarray:
    """Each layer above the one before it: (..., L) → (...,) bool."""
    return (np.diff(values, axis=-1) > 0).all(axis=-1)


def ends_below_start(values: np.ndarray) -> np.ndarray:
    """Last layer below layer 0 (the input): (..., L) → (...,) bool."""
    return values[..., -1] < values[..., 0]


def ends_above_start(values: np.ndarray) -> np.ndarray:
    """Last layer above layer 0 (the input): (..., L) → (...,) bool."""
    return values[..., -1] > values[..., 0]


def every_layer_above_start(values: np.ndarray) -> np.ndarray:
    """Every layer after the input above the input: (..., L) → (...,) bool."""
    return (values[..., 1:] > values[..., :1]).all(axis=-1)


def dips_then_rises(values: np.ndarray) -> np.ndarray:
    """The lowest layer is a middle one: a drop after the input, then a rise to the last layer (thesis Fig. 6.9(b)):
    (..., L) → (...,) bool."""
    lowest = values.argmin(axis=-1)
    return (lowest > 0) & (lowest < values.shape[-1] - 1)


def dips_then_ends_above_start(values: np.ndarray) -> np.ndarray:
    """Some middle layer below the input, and the last layer above it (thesis Fig. 6.12(d)): (..., L) → (...,)."""
    return (values[..., 1:-1] < values[..., :1]).any(axis=-1) & ends_above_start(values)
