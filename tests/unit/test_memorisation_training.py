"""Memorisation helpers: label shuffling, epochs to 100%, the stop-at-100% run, representations, deviation profiles."""

import itertools

import numpy as np
import pytest
import torch

from lib import models
from lib.memorisation import (
    EvalSet,
    deviation_profile,
    dips_then_ends_above_start,
    ends_above_start,
    ends_below_start,
    every_layer_above_start,
    first_epoch_at,
    increases_every_layer,
    layer_representations,
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


def tiny_run(stop=True, max_epochs=300, patience=None):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40, 10, generator=gen)
    y = torch.randint(0, 5, (40,), generator=gen)  # random labels: nothing to learn, only to memorise
    xv, yv = torch.randn(30, 10, generator=gen), torch.randint(0, 5, (30,), generator=gen)
    net = models.mlp(2, [10, 64, 64, 5], init="glorot", seed=1)
    cfg = train_config("adam", lr=0.01, batch_size=10, max_epochs=max_epochs, eval_every=None, restore_best=False,
                       device="cpu", seed=2)
    data = train_data(x, y, xv, yv)
    return net, data, train_to_memorise(net, data, EvalSet(xv, yv), cfg, stop=stop, patience=patience)


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


def test_layer_representations_are_input_hidden_and_softmax():
    net = models.mlp(2, [6, 5, 4, 3], seed=0)
    x = torch.randn(7, 6)
    reps = layer_representations(net, x)
    assert [tuple(r.shape) for r in reps] == [(2, 7, 6), (2, 7, 5), (2, 7, 4), (2, 7, 3)]
    plain = net.member(1)
    torch.testing.assert_close(reps[2][1], plain[:4](x))
    torch.testing.assert_close(reps[3][1], plain(x).softmax(-1))


def slow_inner(a, labels, n_classes, dist):
    """Mean over classes of the mean distance over unordered pairs of the class's samples (thesis eq. 6.2)."""
    values = []
    for c in range(n_classes):
        rows = a[labels == c]
        values.append(np.mean([dist(rows[i], rows[j]) for i, j in itertools.combinations(range(len(rows)), 2)]))
    return float(np.mean(values))


def slow_inter(a, labels, n_classes, dist):
    """Mean distance between adjacent class means (thesis eq. 6.3)."""
    means = [a[labels == c].mean(0) for c in range(n_classes)]
    return float(np.mean([dist(means[c], means[c + 1]) for c in range(n_classes - 1)]))


def test_deviation_profile_matches_loops():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(4), 6)
    layers = [np.maximum(rng.normal(size=(2, 24, d)), 0) + 0.01 for d in (5, 7, 5)]  # equal widths are batched
    profile = deviation_profile([torch.from_numpy(a) for a in layers], torch.from_numpy(labels), 4)
    euclid = lambda u, v: np.linalg.norm(u - v)  # noqa: E731
    cosine = lambda u, v: 1 - u @ v / (np.linalg.norm(u) * np.linalg.norm(v))  # noqa: E731
    for k, (layer, a) in itertools.product(range(2), enumerate(layers)):
        level = np.abs(a[k]).sum(1).mean()
        assert profile.activation_level[k, layer] == pytest.approx(level)
        assert profile.inner["euclidean"][k, layer] == pytest.approx(slow_inner(a[k], labels, 4, euclid))
        normalised = slow_inner(a[k], labels, 4, euclid) / level
        assert profile.inner["normalised_euclidean"][k, layer] == pytest.approx(normalised)
        assert profile.inner["cosine"][k, layer] == pytest.approx(slow_inner(a[k], labels, 4, cosine))
        assert profile.inter["euclidean"][k, layer] == pytest.approx(slow_inter(a[k], labels, 4, euclid))
        assert profile.inter["cosine"][k, layer] == pytest.approx(slow_inter(a[k], labels, 4, cosine))


def test_claim_predicates_on_examples():
    v = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [2.0, 1.0, 2.5], [1.0, 3.0, 0.5]])
    np.testing.assert_array_equal(increases_every_layer(v), [True, False, False, False])
    np.testing.assert_array_equal(ends_below_start(v), [False, True, False, True])
    np.testing.assert_array_equal(ends_above_start(v), [True, False, True, False])
    np.testing.assert_array_equal(every_layer_above_start(v), [True, False, False, False])
    np.testing.assert_array_equal(dips_then_ends_above_start(v), [False, False, True, False])
