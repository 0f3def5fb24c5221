"""The inclusion margin of Haasbroek & Davel (2020, "H&D") §3, eq. 2-7: which samples one SGD step draws into, or
pushes out of, the sample set of a node in the first hidden layer, predicted before the step and checked after it.

The first hidden layer sees the raw input, so "all earlier layers frozen" holds by construction. The bias is
folded into the weight vector by appending a constant 1 to every input, z = (x, 1), w = (W_j, b_j).
Predictions are computed in float64; the step itself is a plain torch SGD step of the whole network.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from lib.train import MemberLoss


def augmented(x: torch.Tensor) -> torch.Tensor:
    """Inputs with a constant 1 appended for the bias: z_0 = (x, 1), (N, d) -> (N, d + 1)."""
    return torch.cat([x, torch.ones(len(x), 1, dtype=x.dtype, device=x.device)], dim=1)


def first_layer_weights(model: nn.Sequential) -> torch.Tensor:
    """Fan-in weight vectors w_{1,j} of the first hidden layer with the bias as last row: (d + 1, n)."""
    first = model[0]
    bias = first.bias if first.bias is not None else torch.zeros(first.out_features)
    return torch.cat([first.weight.T, bias[None, :]], dim=0).detach()


def batch_loss(model: nn.Sequential, pre: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Mean batch loss (as the engine computes it) of the network continued from first-layer pre-activations."""
    logits = model[1:](pre)  # (B, C); model[1] is the first ReLU
    return MemberLoss(loss, 1, pre.device)(logits[None], y[None]).sum()


def node_supported_cost(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Node-supported costs φ^s_{1,j} (eq. 2) of the batch samples: ∂L/∂z_{1,j} on the sample set, 0 off it: (B, n)."""
    pre = model[0](x).detach().requires_grad_(True)  # (B, n)
    (grad,) = torch.autograd.grad(batch_loss(model, pre, y, loss), pre)
    return (grad * (pre > 0)).detach()  # ReLU passes no gradient outside the sample set (eq. 3 sums over Ŝ)


def net_cost(z_t: torch.Tensor, z_s: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Σ^t_{1,j} = Σ_{s ∈ Ŝ_j} (z^t · z^s) φ^s_j (eq. 5) for every sample t and node j: (T, n).

    phi (B, n) must be 0 for samples outside a node's sample set (as node_supported_cost returns it).
    """
    return (z_t @ z_s.T) @ phi  # (T, B) @ (B, n)


def predicted_membership(alignment: torch.Tensor, sigma: torch.Tensor, lr: float) -> torch.Tensor:
    """Membership after the step by eq. 4: z^t · w_j > η Σ^t_j (the step moves w_j by -η Σ_s z^s φ^s)."""
    return alignment > lr * sigma


def joins(alignment: torch.Tensor, sigma: torch.Tensor, lr: float) -> torch.Tensor:
    """Samples drawn into the sample set (eq. 6): z·w <= 0, Σ < 0, |z·w| < η|Σ|."""
    return (alignment <= 0) & (sigma < 0) & (alignment.abs() < lr * sigma.abs())


def leaves(alignment: torch.Tensor, sigma: torch.Tensor, lr: float) -> torch.Tensor:
    """Samples pushed out of the sample set (eq. 7): z·w > 0, Σ > 0, |z·w| <= η|Σ|."""
    return (alignment > 0) & (sigma > 0) & (alignment.abs() <= lr * sigma.abs())


def sgd_step(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, loss: str, lr: float) -> None:
    """One plain SGD step θ ← θ - η ∇L of every parameter on the batch (x, y)."""
    model.zero_grad()
    batch_loss(model, model[0](x), y, loss).backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= lr * param.grad


@dataclass(frozen=True)
class MarginStep:
    """One SGD step seen through eq. 4-7, for every evaluated sample t and first-layer node j: (T, n) each."""

    alignment: torch.Tensor  # z^t · w_j before the step (float64)
    sigma: torch.Tensor  # Σ^t_j (eq. 5, float64)
    before: torch.Tensor  # membership before the step (bool)
    after: torch.Tensor  # membership after the actual step (bool)
    after_margin: torch.Tensor  # z^t · w_j after the actual step (float32 forward pass)
    lr: float

    @property
    def predicted(self) -> torch.Tensor:
        """Membership after the step predicted by eq. 4."""
        return predicted_membership(self.alignment, self.sigma, self.lr)

    def agreement(self) -> float:
        """Share of (sample, node) pairs whose predicted membership matches the actual one."""
        return float((self.predicted == self.after).double().mean())


def margin_step(model: nn.Sequential, x_batch: torch.Tensor, y_batch: torch.Tensor, x_eval: torch.Tensor,
                loss: str, lr: float) -> MarginStep:
    """Predict (eq. 4-5) the first-layer sample sets of x_eval after an SGD step on the batch, then take the step."""
    w = first_layer_weights(model).double()  # (d + 1, n)
    z_t, z_s = augmented(x_eval).double(), augmented(x_batch).double()
    phi = node_supported_cost(model, x_batch, y_batch, loss).double()  # (B, n)
    with torch.no_grad():
        before = model[0](x_eval) > 0  # (T, n)
    sgd_step(model, x_batch, y_batch, loss, lr)
    with torch.no_grad():
        after_margin = model[0](x_eval)  # (T, n)
    return MarginStep(z_t @ w, net_cost(z_t, z_s, phi), before, after_margin > 0, after_margin, lr)


def margin_run(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, batches: Sequence[torch.Tensor],
               x_eval: torch.Tensor, loss: str, lr: float) -> list[MarginStep]:
    """Consecutive SGD steps on the given batches (index tensors into x, y), each checked by margin_step."""
    return [margin_step(model, x[index], y[index], x_eval, loss, lr) for index in batches]
