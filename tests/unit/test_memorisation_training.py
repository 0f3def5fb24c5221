"""Memorisation training: label shuffling, epochs to 100%, the stop-at-100% run and the patience stop."""


import numpy as np
import pytest
import torch

from lib import models
from lib.studies.memorisation.training import (
    EvalSet,
    first_epoch_at,
    load_snapshot,
    member_scores,
    memorised_weights,
    shuffled_labels,
    train_to_memorise,
)
from lib.train import train_config, train_data


def test_shuffled_labels_keep_the_counts_and_are_deterministic():
    y = np.repeat(np.arange(6), 20)
    a, b = shuffled_labels(y, 3), shuffled_labels(y, 3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.bincount(a), np.bincount(y))
    assert (a != y).mean() > 0.5


def test_first_epoch_at_matches_a_loop():
    acc = np.random.default_rng(0).uniform(0.8, 1.0, size=(30, 5))
    acc[acc > 0.97] = 1.0
    acc[:, 4] = 0.5
    expected = []
    for k in range(acc.shape[1]):
        hits = [e + 1 for e in range(acc.shape[0]) if acc[e, k] >= 1.0]
        expected.append(hits[0] if hits else 0)
    np.testing.assert_array_equal(first_epoch_at(acc), expected)


def tiny_run(stop=True, max_epochs=300, patience=None, every=1, curve_every=1):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40, 10, generator=gen)
    y = torch.randint(0, 5, (40,), generator=gen)  # random labels: nothing to learn, only to memorise
    xv, yv = torch.randn(30, 10, generator=gen), torch.randint(0, 5, (30,), generator=gen)
    net = models.mlp(2, [10, 64, 64, 5], init="glorot", seed=1)
    cfg = train_config("adam", lr=0.01, batch_size=10, max_epochs=max_epochs, eval_every=None, restore_best=False,
                       device="cpu", seed=2)
    data = train_data(x, y, xv, yv)
    return net, data, train_to_memorise(net, data, EvalSet(xv, yv), cfg, stop=stop, patience=patience, every=every,
                                        curve_every=curve_every)


def test_train_to_memorise_stops_at_100_percent_and_keeps_the_snapshots():
    net, data, record = tiny_run()
    epochs = first_epoch_at(record["train_acc"].numpy())
    assert (epochs > 0).all() and len(record["train_acc"]) == epochs.max() < 300
    load_snapshot(net, record["at_memorised"])
    acc, _ = member_scores(net, EvalSet(data.x_train, data.y_train))
    assert (acc == 1.0).all()
    torch.testing.assert_close(memorised_weights(record), record["at_memorised"])
    load_snapshot(net, record["at_best_val"])
    _, val_loss = member_scores(net, EvalSet(data.x_val, data.y_val))
    torch.testing.assert_close(val_loss, record["val_loss"].min(0).values)


def test_patience_stops_once_every_member_has_waited_that_long():
    _, _, record = tiny_run(stop=False, max_epochs=300, patience=2)
    val = record["val_loss"].numpy()  # (E, K)
    waited = []
    for k in range(val.shape[1]):  # epochs since the running minimum, by a loop
        best, wait, trace = np.inf, 0, []
        for v in val[:, k]:
            wait = 0 if v < best else wait + 1
            best = min(best, v)
            trace.append(wait)
        waited.append(trace)
    waited = np.array(waited).T  # (E, K)
    assert (waited[-1] >= 2).all() and not (waited[:-1] >= 2).all(axis=1).any() and len(val) < 300


def test_train_to_memorise_without_stop_runs_to_the_cap_and_refuses_engine_evaluation():
    _, _, record = tiny_run(stop=False, max_epochs=12)
    assert record["train_acc"].shape == (12, 2)
    reached = first_epoch_at(record["train_acc"].numpy()) > 0
    for k in range(2):
        expected = record["at_memorised" if reached[k] else "final"]
        torch.testing.assert_close([w[k] for w in memorised_weights(record)], [w[k] for w in expected])
    net = models.mlp(1, [10, 5], seed=0)
    data = train_data(torch.randn(8, 10), torch.zeros(8, dtype=torch.long), torch.randn(4, 10),
                      torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="eval_every"):
        train_to_memorise(net, data, EvalSet(data.x_val, data.y_val), train_config(max_epochs=1))


def test_checks_score_what_the_stop_needs_and_the_curves_only_every_curve_every_epochs():
    _, _, memorising = tiny_run(max_epochs=40, every=2, curve_every=6)
    epochs = memorising["epoch"].numpy()
    np.testing.assert_array_equal(epochs, np.arange(2, 2 * len(epochs) + 1, 2))
    curve = epochs % 6 == 0
    assert np.isfinite(memorising["train_acc"].numpy()).all()  # the stop at 100% needs it at every check
    for name in ("val_loss", "test_acc"):
        np.testing.assert_array_equal(np.isfinite(memorising[name].numpy()).all(1), curve)
    _, _, learning = tiny_run(stop=False, max_epochs=40, patience=50, every=2, curve_every=6)
    assert np.isfinite(learning["val_loss"].numpy()).all()  # the patience needs it at every check
    np.testing.assert_array_equal(np.isfinite(learning["train_acc"].numpy()).all(1), learning["epoch"] % 6 == 0)
    with pytest.raises(ValueError, match="curve_every"):
        tiny_run(every=2, curve_every=3)
