"""lib.studies.jump_detection.losses: thesis eq. 3.5 against a direct NumPy transcription, and how it differs from
the categorical cross-entropy."""

import math

import numpy as np
import pytest
import torch

from lib.studies.jump_detection.losses import eq35_loss
from lib.train import cross_entropy


def numpy_eq35(logits: np.ndarray, y: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Eq. 3.5 written out per member, sample and output: −1/(N C) Σ_n Σ_c [y ln h + (1 − y) ln(1 − h)]."""
    k, n, c = logits.shape
    out = np.zeros(k)
    for m in range(k):
        total = 0.0
        for i in range(n):
            z = logits[m, i] - logits[m, i].max()
            h = np.exp(z) / np.exp(z).sum()
            for j in range(c):
                p = min(max(h[j], eps), 1 - eps)
                target = 1.0 if j == y[m, i] else 0.0
                total += target * math.log(p) + (1 - target) * math.log(1 - p)
        out[m] = -total / (n * c)
    return out


def test_eq35_matches_the_numpy_transcription():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (3, 7, 60))
    y = rng.integers(0, 60, (3, 7))
    got = eq35_loss(torch.from_numpy(logits), torch.from_numpy(y))
    assert got.numpy() == pytest.approx(numpy_eq35(logits, y), rel=1e-10)


def test_eq35_clips_a_saturated_output_and_is_not_the_categorical_loss():
    logits = torch.tensor([[[100.0, 0.0, 0.0]]], dtype=torch.float64)
    wrong = eq35_loss(logits, torch.tensor([[1]]))
    assert wrong.item() == pytest.approx(-(math.log(1e-7) + math.log(1e-7) + math.log(1 - 1e-7)) / 3)
    rng = np.random.default_rng(1)
    z, y = torch.from_numpy(rng.normal(size=(2, 5, 60))), torch.from_numpy(rng.integers(0, 60, (2, 5)))
    assert not torch.allclose(eq35_loss(z, y), cross_entropy(z, y))
    # its gradient still points the target's logit up and the others down
    z = z.clone().requires_grad_(True)
    eq35_loss(z, y).sum().backward()
    target = torch.zeros_like(z, dtype=torch.bool).scatter_(-1, y[..., None], True)
    assert (z.grad[target] < 0).all()
