"""training_dynamics.margin (H&D eq. 2-7) against path sums, loops and the actual SGD step, on tiny random nets."""

import itertools

import pytest
import torch

from lib.models import mlp
from lib.studies.training_dynamics import margin as im


def tiny(seed=0, n=40, d=5, classes=3):
    gen = torch.Generator().manual_seed(seed)
    model = mlp(1, [d, 6, 4, classes], bias="first", seed=seed).member(0).double()
    return model, torch.rand(n, d, generator=gen, dtype=torch.float64), torch.randint(0, classes, (n,), generator=gen)


def path_sum_phi(model, x, y, loss):
    """φ^s_j (eq. 2): Σ over active paths from node j to the outputs of λ_p times the product of its weights."""
    w1, w2, w3 = model[0], model[2], model[4]
    pre1 = w1(x)
    pre2 = w2(torch.relu(pre1))
    logits = w3(torch.relu(pre2)).detach().requires_grad_(True)
    total = im.MemberLoss(loss, 1, x.device)(logits[None], y[None]).sum()
    (lam,) = torch.autograd.grad(total, logits)  # λ: derivative of the loss w.r.t. each output, (B, C)
    phi = torch.zeros_like(pre1)
    for s, j in itertools.product(range(len(x)), range(pre1.shape[1])):
        if pre1[s, j] <= 0:
            continue
        for m, k in itertools.product(range(pre2.shape[1]), range(lam.shape[1])):
            if pre2[s, m] > 0:
                phi[s, j] += lam[s, k] * w2.weight[m, j] * w3.weight[k, m]
    return phi.detach()


@pytest.mark.parametrize("loss", ["ce", "mse"])
def test_node_supported_cost_is_the_active_path_sum(loss):
    model, x, y = tiny(n=12)
    torch.testing.assert_close(im.node_supported_cost(model, x, y, loss), path_sum_phi(model, x, y, loss))


def test_net_cost_matches_a_loop():
    gen = torch.Generator().manual_seed(1)
    z_t, z_s, phi = (torch.randn(*s, generator=gen, dtype=torch.float64) for s in [(7, 4), (5, 4), (5, 3)])
    sigma = im.net_cost(z_t, z_s, phi)
    for t, j in itertools.product(range(7), range(3)):
        ref = sum(float(z_t[t] @ z_s[s]) * float(phi[s, j]) for s in range(5))
        assert float(sigma[t, j]) == pytest.approx(ref)


def test_eq6_and_eq7_are_the_transitions_of_eq4():
    gen = torch.Generator().manual_seed(2)
    alignment, sigma = torch.randn(2, 2000, generator=gen, dtype=torch.float64)
    alignment[:50] = 0.0
    lr = 0.7
    before, after = alignment > 0, im.predicted_membership(alignment, sigma, lr)
    assert torch.equal(im.joins(alignment, sigma, lr), ~before & after)
    assert torch.equal(im.leaves(alignment, sigma, lr), before & ~after)


@pytest.mark.parametrize("loss", ["ce", "mse"])
def test_prediction_matches_the_actual_sgd_step(loss):
    model, x, y = tiny(seed=3, n=60)
    lr = 2.0  # large enough to move many samples across the boundaries
    steps = im.margin_run(model, x, y, [torch.arange(0, 20), torch.arange(20, 40)], x, loss, lr)
    for step in steps:
        torch.testing.assert_close(step.after_margin, step.alignment - lr * step.sigma)
        assert step.agreement() == 1.0
    assert sum(int((step.before != step.after).sum()) for step in steps) > 0


def test_first_layer_weights_fold_the_bias():
    model, x, _ = tiny()
    torch.testing.assert_close(im.augmented(x) @ im.first_layer_weights(model), model[0](x).detach())
