"""Thesis eq. 3.5 as written (issue #31): J = −1/N Σ_n [y_n ln h(x_n) + (1 − y_n) ln(1 − h(x_n))], h the softmax
output and y the one-hot target, each output read as its own binary problem. This is Keras's
`binary_crossentropy` on a softmax layer (the mean over the outputs as well, the probabilities clipped to
[ε, 1 − ε], ε = 1e-7), not the categorical cross-entropy −1/N Σ_n ln h_{y_n}(x_n) the chapter trains with.

lib.train takes its losses by name ('ce', 'mse'); training with this one needs the engine to accept it (see the
closing note of issue #31's first step)."""

import torch
import torch.nn.functional as F

KERAS_EPSILON = 1e-7  # keras.backend.epsilon(): the clip of the probabilities in binary_crossentropy


def eq35_loss(logits: torch.Tensor, y: torch.Tensor, eps: float = KERAS_EPSILON) -> torch.Tensor:
    """Per-member eq. 3.5 of softmax(logits) against one-hot y, averaged over the batch and the outputs:
    (K, B, C), (K, B) → (K,)."""
    p = torch.softmax(logits, dim=-1).clamp(eps, 1.0 - eps)  # (K, B, C)
    onehot = F.one_hot(y, logits.shape[-1]).to(logits.dtype)  # (K, B, C)
    return -(onehot * torch.log(p) + (1.0 - onehot) * torch.log1p(-p)).mean(dim=(1, 2))
