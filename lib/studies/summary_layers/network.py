"""Summary layers: one network of the grid as float64 weights, its normalisation (§3.3) and a forward pass."""

from dataclasses import dataclass

import torch
from torch import Tensor

from lib import probes
from lib.models import StackedNet


@dataclass(frozen=True)
class SummaryWeights:
    """One summary network, float64: w1 (d_in, H), b1 (H,), w2 (H, 2) [columns A, B], w3 (2, C)."""

    w1: Tensor
    b1: Tensor
    w2: Tensor
    w3: Tensor

    def normalised(self) -> "SummaryWeights":
        """Layer-by-layer weight normalisation (Davel 2020 §3.3) via lib.probes.normalise_weights."""
        (w1, w2, w3), (b1, _, _) = probes.normalise_weights([self.w1, self.w2, self.w3], [self.b1, None, None])
        return SummaryWeights(w1, b1, w2, w3)

    def rescaled_node(self, node: int, factor: float) -> "SummaryWeights":
        """Hidden node `node` with its fan-in (weights, bias) divided and its fan-out multiplied by `factor`
        (Davel 2020 Fig. 3): the network computes the same function with different per-layer weights."""
        w1, b1, w2 = self.w1.clone(), self.b1.clone(), self.w2.clone()
        w1[:, node] /= factor
        b1[node] /= factor
        w2[node] *= factor
        return SummaryWeights(w1, b1, w2, self.w3)


def member_weights(net: StackedNet, k: int) -> SummaryWeights:
    """Member k of a stacked summary network (bias in the first layer only) as float64 SummaryWeights."""
    first, summary, output = net.layers
    return SummaryWeights(first.weight[k].detach().double(), first.bias[k, 0].detach().double(),
                          summary.weight[k].detach().double(), output.weight[k].detach().double())


@dataclass(frozen=True)
class Forward:
    """One forward pass: hidden activations (N, H), summary activations a = [a_A, a_B] (N, 2), logits z (N, C)."""

    hidden: Tensor
    summary: Tensor
    logits: Tensor


def forward(weights: SummaryWeights, x: Tensor) -> Forward:
    """The network's forward pass in float64 on inputs x (N, d_in); no bias beyond the first layer."""
    hidden = torch.relu(x.double() @ weights.w1 + weights.b1)  # (N, H)
    summary = torch.relu(hidden @ weights.w2)  # (N, 2)
    return Forward(hidden, summary, summary @ weights.w3)  # logits (N, C)


def tied_samples(logits: Tensor) -> Tensor:
    """Samples whose largest logit is shared by several classes (e.g. a_A = a_B = 0 gives all-zero logits): (N,)."""
    top = logits.amax(dim=-1, keepdim=True)  # (N, 1)
    return (logits == top).sum(dim=-1) > 1


def fan_in_range(w: Tensor, b: Tensor | None = None) -> str:
    """'min-max' of the nodes' fan-in norms (columns of w, with the bias b where given), 3 decimals."""
    sq = (w ** 2).sum(dim=0) + (0.0 if b is None else b ** 2)
    return f"{sq.sqrt().min():.3f}-{sq.sqrt().max():.3f}"
