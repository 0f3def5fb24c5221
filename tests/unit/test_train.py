"""The engine against plain torch.nn training, early stopping, independence, determinism, validation."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.models import cnn1d, mlp
from lib.seed import generator
from lib.train import (
    binary_cross_entropy,
    cross_entropy,
    epoch_permutations,
    evaluate,
    log_steps,
    train,
    train_config,
    train_data,
)

N_SAMPLES, BATCH, STEPS = 70, 16, 50  # 5 batches per epoch, the last one partial (6 samples)
LOSSES = ("ce", "mse", "ce")


def toy_data(d_in: int, classes: int, seed: int = 0, n: int = N_SAMPLES):
    """Random inputs and labels: x (n, d_in) float32, y (n,) int64."""
    gen = generator(seed)
    return torch.randn(n, d_in, generator=gen), torch.randint(0, classes, (n,), generator=gen)


def plain_loss(out: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """torch.nn's cross-entropy or mean squared error against the one-hot target."""
    if kind == "ce":
        return F.cross_entropy(out, y)
    if kind == "bce":  # Keras's binary_crossentropy on a softmax layer: outputs clipped to [1e-7, 1 - 1e-7]
        return F.binary_cross_entropy(torch.softmax(out, 1).clamp(1e-7, 1 - 1e-7), F.one_hot(y, out.shape[1]).float())
    return F.mse_loss(out, F.one_hot(y, out.shape[1]).float())


def train_plain(model, x, y, kind: str, optimizer, seed: int, steps: int) -> None:
    """One nn.Sequential trained alone, replaying the engine's permutation stream for its member."""
    gen, step = generator(seed), 0
    while step < steps:
        order = epoch_permutations([gen], len(x))[0]  # (N,)
        for start in range(0, len(x), BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad()
            plain_loss(model(x[index]), y[index], kind).backward()
            optimizer.step()
            step += 1
            if step == steps:
                return


def check_equivalence(net, x, y, optimizer: str, lrs: list[float], losses: tuple[str, ...] = LOSSES) -> None:
    """Each stacked member equals its plain model trained with torch.optim after STEPS steps; y (N,) is shared,
    y (K, N) gives each member its own labels."""
    plains = [net.member(k) for k in range(net.k)]
    member_y = [y if y.dim() == 1 else y[k] for k in range(net.k)]
    cfg = train_config(optimizer=optimizer, lr=lrs, loss=losses, batch_size=BATCH, max_epochs=100,
                       max_steps=STEPS, eval_every=None, seed=7, device="cpu")
    train(net, train_data(x, y, x, member_y[0]), cfg)
    for k, plain in enumerate(plains):
        opt_class = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
        train_plain(plain, x, member_y[k], losses[k], opt_class(plain.parameters(), lr=lrs[k]), 7 + k, STEPS)
        for got, want in zip(net.member(k).parameters(), plain.parameters()):
            torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


@pytest.mark.parametrize("optimizer, lrs", [("sgd", [0.05, 0.1, 0.02]), ("adam", [1e-3, 3e-3, 1e-2]),
                                            ("adam", [3e-3] * 3)])
def test_mlp_member_reproduces_plain_training(optimizer, lrs):
    x, y = toy_data(20, 5)
    check_equivalence(mlp(3, [20, 16, 12, 5], bias="first", seed=3), x, y, optimizer, lrs)


@pytest.mark.parametrize("optimizer, losses", [("sgd", ("bce", "ce", "bce")), ("sgd", ("bce",) * 3),
                                               ("adam", ("mse", "bce", "ce"))])
def test_eq35_members_reproduce_plain_training(optimizer, losses):
    x, y = toy_data(20, 5)
    lrs = [0.5, 0.1, 1.0] if optimizer == "sgd" else [1e-3, 3e-3, 1e-2]
    check_equivalence(mlp(3, [20, 16, 12, 5], bias="all", seed=3), x, y, optimizer, lrs, losses)


def numpy_eq35(logits: np.ndarray, y: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Chen 2017 eq. 3.5 written out per member, sample and output: −1/(N C) Σ_n Σ_c [y ln h + (1 − y) ln(1 − h)],
    h the softmax clipped to [ε, 1 − ε]."""
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
    got = binary_cross_entropy(torch.from_numpy(logits), torch.from_numpy(y))
    assert got.numpy() == pytest.approx(numpy_eq35(logits, y), rel=1e-10)


def test_eq35_clips_a_saturated_output_and_is_not_the_categorical_loss():
    logits = torch.tensor([[[100.0, 0.0, 0.0]]], dtype=torch.float64)
    wrong = binary_cross_entropy(logits, torch.tensor([[1]]))
    assert wrong.item() == pytest.approx(-(math.log(1e-7) + math.log(1e-7) + math.log(1 - 1e-7)) / 3)
    rng = np.random.default_rng(1)
    z, y = torch.from_numpy(rng.normal(size=(2, 5, 60))), torch.from_numpy(rng.integers(0, 60, (2, 5)))
    assert not torch.allclose(binary_cross_entropy(z, y), cross_entropy(z, y))
    z = z.clone().requires_grad_(True)  # its gradient still points the target's logit up and the others down
    binary_cross_entropy(z, y).sum().backward()
    target = torch.zeros_like(z, dtype=torch.bool).scatter_(-1, y[..., None], True)
    assert (z.grad[target] < 0).all() and (z.grad[~target] > 0).all()


def test_mixed_losses_evaluate_each_member_with_its_own():
    x, y = toy_data(20, 5)
    net = mlp(3, [20, 8, 5], seed=1)
    loss, _ = evaluate(net, x, y, ["bce", "mse", "ce"], batch_size=16)
    for k, kind in enumerate(("bce", "mse", "ce")):
        torch.testing.assert_close(loss[k:k + 1], evaluate(mlp(1, [20, 8, 5], seed=1 + k), x, y, kind)[0])


@pytest.mark.parametrize("optimizer, lrs", [("sgd", [0.5, 1.0, 0.2]), ("adam", [1e-3, 3e-3, 1e-2])])
def test_sigmoid_mlp_member_reproduces_plain_training(optimizer, lrs):
    x, y = toy_data(20, 5)
    net = mlp(3, [20, 16, 12, 5], init="glorot", seed=3, activation="sigmoid")
    assert [type(m) for m in net.member(0)][1::2] == [torch.nn.Sigmoid, torch.nn.Sigmoid]
    check_equivalence(net, x, y, optimizer, lrs)


@pytest.mark.parametrize("optimizer, lrs", [("sgd", [0.05, 0.1, 0.02]), ("adam", [1e-3, 3e-3, 1e-2])])
def test_members_with_their_own_labels_reproduce_plain_training(optimizer, lrs):
    x, _ = toy_data(20, 5)
    y = torch.randint(0, 5, (3, N_SAMPLES), generator=generator(4))  # (K, N): three different label vectors
    check_equivalence(mlp(3, [20, 16, 12, 5], bias="all", seed=3), x, y, optimizer, lrs)


def test_per_member_labels_evaluate_each_member_on_its_own():
    x, _ = toy_data(20, 5)
    y = torch.randint(0, 5, (3, N_SAMPLES), generator=generator(4))
    net = mlp(3, [20, 8, 5], seed=1)
    loss, error = evaluate(net, x, y, ["ce", "mse", "ce"], batch_size=16)
    for k in range(3):
        want_loss, want_error = evaluate(mlp(1, [20, 8, 5], seed=1 + k), x, y[k], LOSSES[k])
        torch.testing.assert_close(loss[k:k + 1], want_loss)
        torch.testing.assert_close(error[k:k + 1], want_error)


@pytest.mark.parametrize("optimizer, lrs", [("sgd", [0.05, 0.1, 0.02]), ("adam", [1e-3, 3e-3, 1e-2])])
def test_cnn_member_reproduces_plain_training(optimizer, lrs):
    x, y = toy_data(24, 6)
    check_equivalence(cnn1d(3, length=24, kernels=(5, 3), classes=6, seed=3), x, y, optimizer, lrs)


def test_member_is_independent_of_its_stack():
    x, y = toy_data(20, 5)
    cfg = dict(optimizer="adam", lr=1e-2, batch_size=BATCH, max_epochs=4, patience=2, seed=5, device="cpu")
    alone = train(mlp(1, [20, 8, 5], seed=11), train_data(x, y, x, y), train_config(**cfg))
    stacked = train(mlp(3, [20, 8, 5], seed=11), train_data(x, y, x, y), train_config(**cfg))
    for got, want in zip(stacked.net.member(0).parameters(), alone.net.member(0).parameters()):
        torch.testing.assert_close(got, want, atol=1e-6, rtol=0)
    torch.testing.assert_close(stacked.history.val_loss[:, :1], alone.history.val_loss)


def overfitting_run(snapshots: dict, optimizer: str, lr: float):
    """Random labels, a large lr: validation loss rises after a few epochs, so members stop early."""
    x, y = toy_data(10, 3, seed=1, n=30)
    x_val, y_val = toy_data(10, 3, seed=2, n=30)
    per_epoch = math.ceil(len(x) / 10)

    def snapshot(step, net):
        snapshots[step] = [p.clone() for p in net.parameters()]

    cfg = train_config(optimizer=optimizer, lr=lr, batch_size=10, max_epochs=60, patience=3, seed=0, device="cpu")
    result = train(mlp(3, [10, 32, 3], seed=0), train_data(x, y, x_val, y_val), cfg,
                   callbacks=[(range(0, 61 * per_epoch, per_epoch), snapshot)])
    return result, per_epoch


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.5), ("adam", 0.05)])
def test_early_stopping_restores_best_weights(optimizer, lr):
    snapshots: dict[int, list[torch.Tensor]] = {}
    result, per_epoch = overfitting_run(snapshots, optimizer, lr)
    history = result.history
    assert (history.stopped_epoch > 0).all() and history.epochs < 60 and history.converged.all()
    assert (history.best_epoch < history.stopped_epoch).all()
    for k in range(3):
        best = snapshots[int(history.best_epoch[k]) * per_epoch]
        stopped = snapshots[int(history.stopped_epoch[k]) * per_epoch]
        final = snapshots[history.steps]
        for restored, at_best, at_stop, at_end in zip(result.net.parameters(), best, stopped, final):
            assert torch.equal(restored[k], at_best[k])
            assert torch.equal(at_end[k], at_stop[k])  # a stopped member no longer moves
    best_losses = history.val_loss.min(dim=0).values
    torch.testing.assert_close(evaluate(result.net, *toy_data(10, 3, seed=2, n=30), "ce")[0], best_losses)


def test_training_is_deterministic():
    x, y = toy_data(20, 5)
    cfg = train_config(optimizer="adam", lr=1e-2, loss=LOSSES, batch_size=BATCH, max_epochs=3, seed=1,
                       device="cpu")
    runs = [train(mlp(3, [20, 8, 5], seed=2), train_data(x, y, x, y), cfg) for _ in range(2)]
    for a, b in zip(runs[0].net.parameters(), runs[1].net.parameters()):
        assert torch.equal(a, b)
    assert torch.equal(runs[0].history.val_loss, runs[1].history.val_loss)


def test_history_records_every_epoch_and_evaluation():
    x, y = toy_data(20, 5)
    cfg = train_config(lr=0.01, batch_size=BATCH, max_epochs=5, eval_every=2, seed=1, device="cpu")
    history = train(mlp(2, [20, 8, 5]), train_data(x, y, x, y), cfg).history
    assert history.train_loss.shape == (5, 2) and history.steps == 25
    assert history.eval_epoch.tolist() == [2, 4, 5] and history.eval_step.tolist() == [10, 20, 25]
    assert history.val_error.shape == (3, 2) and ((history.val_error >= 0) & (history.val_error <= 1)).all()


@pytest.mark.parametrize("kwargs, name", [
    (dict(optimizer="rmsprop"), "optimizer"), (dict(lr=-1.0), "lr"), (dict(lr=[0.1, math.nan]), "lr"),
    (dict(loss="hinge"), "loss"), (dict(loss=["ce", "l1"]), "loss"), (dict(batch_size=0), "batch_size"),
    (dict(max_epochs=1.5), "max_epochs"), (dict(max_steps=0), "max_steps"), (dict(patience=0), "patience"),
    (dict(eval_every=None, patience=3), "patience"), (dict(seed=-1), "seed"), (dict(device="tpu"), "device"),
    (dict(betas=(0.9, 1.0)), "betas"), (dict(eps=0.0), "eps"),
])
def test_config_validation_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        train_config(**kwargs)


def test_per_member_values_must_match_the_stack():
    x, y = toy_data(20, 5)
    with pytest.raises(ValueError, match="^lr:"):
        train(mlp(3, [20, 5]), train_data(x, y, x, y), train_config(lr=[0.1, 0.2], device="cpu"))


def test_data_validation_names_the_tensor():
    x, y = toy_data(20, 5)
    with pytest.raises(ValueError, match="^y_val:"):
        train_data(x, y, x, y[:-1])
    with pytest.raises(ValueError, match="^y_val:"):  # per-member labels are for training only
        train_data(x, y, x, y.expand(2, -1))
    with pytest.raises(ValueError, match="^y_train:"):
        train_data(x, y.expand(2, -1)[:, :-1], x, y)
    with pytest.raises(ValueError, match="^y_train:"):
        train(mlp(3, [20, 5]), train_data(x, y.expand(2, -1), x, y), train_config(device="cpu"))


@settings(max_examples=200, deadline=None)
@given(total=st.integers(1, 10**7), count=st.integers(2, 60))
def test_log_steps_properties(total, count):
    steps = log_steps(total, count)
    assert steps[0] == 0 and steps[-1] == total
    assert all(a < b for a, b in zip(steps, steps[1:])) and len(steps) <= count
    assert all(isinstance(s, int) for s in steps)


def test_log_steps_is_log_spaced():
    assert log_steps(1000, 5) == (0, 1, 10, 100, 1000)


def test_a_member_that_diverges_from_the_start_gets_its_initial_weights_back():
    x, y = toy_data(10, 3, seed=1, n=30)
    x_val, y_val = toy_data(10, 3, seed=2, n=30)
    net = mlp(2, [10, 16, 3], seed=0)
    initial = [p.detach().clone() for p in net.parameters()]
    cfg = train_config(optimizer="sgd", lr=[1e30, 0.01], batch_size=10, max_epochs=4, patience=2, seed=0,
                       device="cpu")
    result = train(net, train_data(x, y, x_val, y_val), cfg)
    assert not torch.isfinite(result.history.val_loss[:, 0]).any()
    assert int(result.history.best_epoch[0]) == 0
    for restored, start in zip(result.net.parameters(), initial):
        assert torch.equal(restored[0], start[0])
        assert not torch.equal(restored[1], start[1])


def test_a_member_still_improving_at_its_epoch_cap_has_not_converged():
    x, y = toy_data(10, 3, seed=1, n=60)
    cfg = train_config(optimizer="sgd", lr=0.01, batch_size=10, max_epochs=3, patience=3, seed=0, device="cpu")
    history = train(mlp(2, [10, 16, 3], seed=0), train_data(x, y, *toy_data(10, 3, seed=2, n=30)), cfg).history
    assert (history.stopped_epoch == 0).all() and not history.converged.any()
