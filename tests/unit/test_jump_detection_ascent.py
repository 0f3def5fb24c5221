"""Gradient ascent (thesis ch. 5): the update, the stopping rule and the iteration cap, against a loop."""

import numpy as np
import torch

from lib.studies.jump_detection.ascent import argmax_rise, ascend, principal_subpattern_signals, start_inputs


def linear_model(seed=0, n=12, classes=5):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(n, classes, generator=gen) * 0.3
    return lambda x: x @ w, w


def ascend_loop(w, target, x0, alpha, threshold, max_iter):
    """One row at a time with a hand-written softmax gradient: da_i/dx = a_i (w_i - Σ_j a_j w_j)."""
    x, w = x0.astype(np.float64).copy(), w.numpy().astype(np.float64)
    for step in range(max_iter + 1):
        z = x @ w
        a = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        if a[target] > threshold or step == max_iter:
            return x, a[target], step
        x = x + alpha * a[target] * (w[:, target] - w @ a)


def test_ascent_matches_loop_and_stops_at_first_crossing():
    logits, w = linear_model()
    targets = np.array([0, 3, 4])
    result = ascend(logits, targets, length=12, alpha=2.0, threshold=0.99, max_iter=500, seed=7)
    x0 = start_inputs(3, 12, 0.05, 7).numpy()
    for row, target in enumerate(targets):
        x, p, steps = ascend_loop(w, target, x0[row], 2.0, 0.99, 500)
        assert result.iterations[row] == steps and not result.hit_cap[row]
        assert np.allclose(result.x[row], x, atol=1e-4) and np.isclose(result.probability[row], p, atol=1e-5)
        assert result.probability[row] > 0.99
        x_before, p_before, _ = ascend_loop(w, target, x0[row], 2.0, 1.0, steps - 1)
        assert p_before <= 0.99  # one step earlier it had not crossed


def test_iteration_cap_is_reported():
    logits, _ = linear_model()
    result = ascend(logits, np.array([1, 2]), length=12, alpha=0.01, threshold=0.999, max_iter=5)
    assert np.array_equal(result.iterations, [5, 5]) and result.hit_cap.all()
    assert np.all(result.probability <= 0.999)


def test_start_inputs_are_uniform_in_range_and_seeded():
    x = start_inputs(50, 100, 0.05, 3)
    assert x.shape == (50, 100) and float(x.abs().max()) <= 0.05
    assert torch.equal(x, start_inputs(50, 100, 0.05, 3))


def test_principal_subpatterns_share_the_largest_rise():
    signals = principal_subpattern_signals(50)
    assert len(signals) >= 4
    assert np.all(argmax_rise(np.stack(list(signals.values()))) == 50)
    assert argmax_rise(np.array([0.0, 0.0, 2.0, 2.5]))[0] == 3
