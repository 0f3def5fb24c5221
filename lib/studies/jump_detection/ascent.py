"""Visualisation by gradient ascent (thesis ch. 5) and the 'principal subpattern' signals of thesis Fig. 7.1."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

Logits = Callable[[torch.Tensor], torch.Tensor]  # (B, n) -> (B, classes)


@dataclass(frozen=True)
class Ascent:
    """Inputs found by gradient ascent, one row per target class."""

    x: np.ndarray  # (B, n) the generated inputs x*
    probability: np.ndarray  # (B,) softmax output of the target class at x*
    iterations: np.ndarray  # (B,) ascent steps taken
    hit_cap: np.ndarray  # (B,) True where the iteration cap stopped the ascent before the threshold


def start_inputs(count: int, length: int, half_range: float, seed: int) -> torch.Tensor:
    """x drawn uniformly from [-half_range, half_range] (thesis ch. 5: U[-0.05, 0.05]): (count, length)."""
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.uniform(-half_range, half_range, size=(count, length)).astype(np.float32))


def target_probability(logits: Logits, x: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """a_i(x): softmax output of each row's target class i: (B,)."""
    return torch.softmax(logits(x), dim=-1).gather(1, targets[:, None])[:, 0]


def ascend(logits: Logits, targets: np.ndarray, length: int = 100, alpha: float = 10.0,
           threshold: float = 0.999, max_iter: int = 10000, half_range: float = 0.05, seed: int = 0) -> Ascent:
    """x ← x + α ∂a_i/∂x until a_i(x) > threshold or max_iter steps (thesis ch. 5); rows stop on their own."""
    t = torch.as_tensor(np.asarray(targets), dtype=torch.long)  # (B,)
    x = start_inputs(len(t), length, half_range, seed)  # (B, n)
    steps = torch.zeros(len(t), dtype=torch.long)
    for _ in range(max_iter + 1):
        x.requires_grad_(True)
        p = target_probability(logits, x, t)  # (B,)
        running = p.detach() <= threshold
        if not running.any() or int(steps.max()) >= max_iter:
            break
        (grad,) = torch.autograd.grad(p.sum(), x)  # rows are independent: d(sum)/dx_b = da_b/dx_b
        x = (x.detach() + alpha * grad * running[:, None]).detach()
        steps += running.long()
    p = p.detach()
    return Ascent(x.detach().numpy(), p.numpy(), steps.numpy(), (p <= threshold).numpy())


def principal_subpattern_signals(position: int = 50, length: int = 100, theta: float = 3.0) -> dict[str, np.ndarray]:
    """Signals unlike the training steps that share only the largest rise at `position` (thesis Fig. 7.1).

    Each has its maximum first difference x_i - x_{i-1} at i = position (1-based).
    """
    i = np.arange(1, length + 1, dtype=np.float64)
    after = i >= position
    ramp_down = np.clip(1 - (i - position) / 30, 0, 1)
    return {
        "step (training-like)": np.where(after, theta, 0.0),
        "jump, then gradual drop": np.where(after, theta * ramp_down, 0.0),
        "jump, then exponential decay": np.where(after, theta * np.exp(-(i - position) / 8), 0.0),
        "slow rise, then jump": np.where(after, theta, theta / 3 * np.clip((i - position + 20) / 20, 0, 1)),
        "single spike": np.where(i == position, theta, 0.0),
        "jump down to below start": np.where(after, theta, 0.0) - np.where(i >= position + 15, 1.5 * theta, 0.0),
    }


def argmax_rise(x: np.ndarray) -> np.ndarray:
    """1-based i of the largest first difference x_i - x_{i-1}, per row: (N,)."""
    x = np.atleast_2d(x)
    return 2 + np.argmax(np.diff(x, axis=1), axis=1)
