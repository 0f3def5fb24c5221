"""Stacked MLPs with logistic-sigmoid hidden units (slides, "What if not ReLU?": a 7×100 sigmoid network).

lib.models builds ReLU networks only; this variant keeps its stacked layers and initialisation and swaps the
hidden non-linearity, so the same engine (lib.train) trains it. A node is "on" where σ(z) > 0.5, i.e. z > 0.
"""

from collections.abc import Sequence

import torch
from torch import nn

from lib.models import Activations, StackedNet, mlp

ON_THRESHOLD = 0.5  # σ(0): on/off of a sigmoid node by the sign of its pre-activation, as for ReLU


class SigmoidStackedNet(StackedNet):
    """K same-shape networks: σ after every layer but the last, whose outputs are the logits."""

    def forward(self, x: torch.Tensor, return_hidden: bool = False):
        """Logits (K, B, d_out) of x: (K, B, d_in) or (B, d_in); with the sigmoid hidden outputs [(K, B, n_l)]."""
        h, hidden = x, []
        for layer in self.layers[:-1]:
            h = torch.sigmoid(layer(h))  # (K, B, n_l)
            hidden.append(h)
        logits = self.layers[-1](h)
        return (logits, hidden) if return_hidden else logits

    def activations(self, x: torch.Tensor) -> Activations:
        """Hidden pre-activations z, outputs σ(z) and logits."""
        h, pre, post = x, [], []
        for layer in self.layers[:-1]:
            pre.append(layer(h))  # (K, B, n_l)
            h = torch.sigmoid(pre[-1])
            post.append(h)
        return Activations(pre, post, self.layers[-1](h))

    def member(self, k: int) -> nn.Sequential:
        """Member k as a plain nn.Sequential of nn.Linear and nn.Sigmoid taking (B, d_in)."""
        modules: list[nn.Module] = []
        for layer in self.layers[:-1]:
            modules += [layer.to_plain(k), nn.Sigmoid()]
        return nn.Sequential(*modules, self.layers[-1].to_plain(k))


def sigmoid_mlp(k: int, sizes: Sequence[int], init: str = "glorot", seed: int | Sequence[int] = 0) -> SigmoidStackedNet:
    """K sigmoid MLPs [d_in, n_1, ..., d_out], biases everywhere, drawn exactly as lib.models.mlp draws them."""
    relu = mlp(k, sizes, bias="all", init=init, seed=seed)
    return SigmoidStackedNet(list(relu.layers), {**relu.arch, "activation": "sigmoid"})
