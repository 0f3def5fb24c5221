"""Memorisation deviations: layer representations, deviation profiles (against loops), the noise-corrected
inter-class distance and the claim predicates."""

import itertools

import numpy as np
import pytest
import torch

from lib import models
from lib.studies.memorisation.deviations import (
    debiased_inter_class,
    deviation_profile,
    dips_then_ends_above_start,
    dips_then_rises,
    ends_above_start,
    ends_below_start,
    every_layer_above_start,
    increases_every_layer,
    layer_representations,
)


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
    np.testing.assert_array_equal(dips_then_rises(v), [False, False, True, False])
    np.testing.assert_array_equal(dips_then_rises(np.array([[3.0, 1.0, 2.0, 2.5], [3.0, 2.0, 1.0, 0.5]])),
                                  [True, False])  # a drop then a rise ending below the input still dips and rises


def slow_debiased(a, labels, n_classes):
    """Per adjacent pair: sqrt(max(|m_c - m_c'|^2 - tr S_c / N_c - tr S_c' / N_c', 0)), then the mean."""
    values = []
    for c in range(n_classes - 1):
        u, v = a[labels == c], a[labels == c + 1]
        d2 = np.sum((u.mean(0) - v.mean(0)) ** 2)
        noise = np.trace(np.cov(u.T, ddof=1)) / len(u) + np.trace(np.cov(v.T, ddof=1)) / len(v)
        values.append(np.sqrt(max(d2 - noise, 0.0)))
    return float(np.mean(values))


def test_debiased_inter_class_matches_a_loop():
    rng = np.random.default_rng(2)
    labels = np.repeat(np.arange(5), [4, 6, 5, 7, 3])
    a = rng.normal(size=(2, len(labels), 6)) + labels[None, :, None] * 0.7
    got = debiased_inter_class(torch.from_numpy(a), torch.from_numpy(labels), 5)
    for k in range(2):
        assert float(got[k]) == pytest.approx(slow_debiased(a[k], labels, 5))


def test_debiased_inter_class_takes_the_sampling_noise_out():
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(2), 50)
    same = rng.normal(size=(400, 100, 20))  # equal true means: the plain distance is pure noise
    apart = same + np.where(labels == 1, 1.0, 0.0)[None, :, None]  # true distance sqrt(20)
    y = torch.from_numpy(labels)
    plain = np.linalg.norm(same[:, labels == 0].mean(1) - same[:, labels == 1].mean(1), axis=-1).mean()
    assert plain > 0.8  # about sqrt(2 * 20 / 50)
    assert float(debiased_inter_class(torch.from_numpy(same), y, 2).mean()) < 0.4
    assert float(debiased_inter_class(torch.from_numpy(apart), y, 2).mean()) == pytest.approx(np.sqrt(20), rel=0.02)
