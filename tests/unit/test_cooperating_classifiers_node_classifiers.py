"""The node classifiers against scipy's gaussian_kde and plain Python loops on small random data."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import gaussian_kde

from lib.studies.cooperating_classifiers import node_classifiers as nc


def relu_data(seed, n=120, nodes=3, n_classes=3):
    """ReLU-like outputs (n, nodes) whose on-values depend on the class, and labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, size=n)
    z = rng.normal(size=(n, nodes)) + 0.8 * labels[:, None] * (np.arange(nodes) % 2 * 2 - 1)
    return torch.tensor(np.maximum(z, 0.0)), torch.tensor(labels)


def test_kde_matches_scipy_gaussian_kde():
    rng = np.random.default_rng(0)
    a = torch.tensor(np.stack([rng.normal(1.0, 0.5, 60), rng.gamma(2.0, 1.0, 60)], 1))
    labels = torch.tensor(rng.integers(0, 2, 60))
    fit = nc.fit_densities(a, labels, 2, torch.ones_like(a), grid_size=1024)
    points = torch.tensor(np.stack([np.linspace(-0.5, 2.5, 25), np.linspace(0.0, 6.0, 25)], 1))
    ours = torch.exp(nc.log_density(fit, points, background=0.0)).numpy()  # (25, nodes, C)
    for node in range(2):
        for c in range(2):
            ref = gaussian_kde(a[labels == c, node].numpy())(points[:, node].numpy())
            np.testing.assert_allclose(ours[:, node, c], ref, rtol=2e-3, atol=1e-4)


def test_masked_kde_uses_only_on_samples():
    a, labels = relu_data(1)
    on = a > 0
    fit = nc.fit_densities(a, labels, 3, on.double(), grid_size=1024)
    points = torch.linspace(0.05, 3.0, 12)[:, None].expand(12, 3)
    ours = torch.exp(nc.log_density(fit, points, background=0.0)).numpy()
    for node in range(3):
        for c in range(3):
            keep = (labels == c) & on[:, node]
            ref = gaussian_kde(a[keep, node].numpy())(points[:, node].numpy())
            np.testing.assert_allclose(ours[:, node, c], ref, rtol=3e-3, atol=1e-4)


def test_density_integrates_to_one_and_background_keeps_it_positive():
    a, labels = relu_data(2)
    fit = nc.fit_densities(a, labels, 3, torch.ones_like(a), grid_size=256)
    total = fit.density.sum(-1) * fit.step[:, None]
    np.testing.assert_allclose(total.numpy(), 1.0, atol=1e-3)
    far = torch.full((1, 3), 1e6, dtype=torch.float64)
    assert torch.isfinite(nc.log_density(fit, far)).all()


def loop_discrete(fit_a, fit_y, eval_a, n_classes):
    """log P(on|c) / log P(off|c) with add-one smoothing, one sample, node and class at a time."""
    out = np.zeros((len(eval_a), fit_a.shape[1], n_classes))
    for s in range(len(eval_a)):
        for i in range(fit_a.shape[1]):
            for c in range(n_classes):
                rows = [r for r in range(len(fit_y)) if fit_y[r] == c]
                k = sum(1 for r in rows if fit_a[r, i] > 0)
                p_on = (k + 1) / (len(rows) + 2)
                out[s, i, c] = math.log(p_on if eval_a[s, i] > 0 else 1 - p_on)
    return out


def test_discrete_likelihoods_match_counting_loop():
    a, labels = relu_data(3, n=40)
    ours = nc.node_log_likelihoods(a, labels, a[:7], 3, "discrete").numpy()
    np.testing.assert_allclose(ours, loop_discrete(a.numpy(), labels.numpy(), a[:7].numpy(), 3), rtol=1e-12)


def test_combined_is_discrete_when_off_and_count_times_density_when_on():
    a, labels = relu_data(4, n=150)
    ours = nc.node_log_likelihoods(a, labels, a[:10], 3, "combined", grid_size=1024, background=0.0).numpy()
    disc = loop_discrete(a.numpy(), labels.numpy(), a[:10].numpy(), 3)
    for s in range(10):
        for i in range(3):
            for c in range(3):
                if a[s, i] <= 0:
                    assert ours[s, i, c] == pytest.approx(disc[s, i, c], rel=1e-12)
                    continue
                keep = ((labels == c) & (a[:, i] > 0)).numpy()
                ref = disc[s, i, c] + math.log(gaussian_kde(a[keep, i].numpy())(a[s, i].item())[0])
                assert ours[s, i, c] == pytest.approx(ref, abs=5e-3)


def test_sigmoid_threshold_moves_on_off():
    rng = np.random.default_rng(5)
    a = torch.tensor(rng.uniform(0, 1, size=(50, 2)))
    labels = torch.tensor(rng.integers(0, 2, 50))
    shifted = nc.node_log_likelihoods(a, labels, a, 2, "discrete", threshold=0.5)
    assert torch.allclose(shifted, nc.node_log_likelihoods(a - 0.5, labels, a - 0.5, 2, "discrete"))


def test_layer_posterior_matches_naive_bayes_loop():
    rng = np.random.default_rng(6)
    loglik = torch.tensor(rng.normal(size=(9, 4, 3)))
    prior = torch.log(torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64))
    ours = nc.layer_log_posterior(loglik, prior).numpy()
    for s in range(9):
        joint = [0.2, 0.5, 0.3]
        for c in range(3):
            for i in range(4):
                joint[c] *= math.exp(loglik[s, i, c].item())
        np.testing.assert_allclose(np.exp(ours[s]), np.array(joint) / sum(joint), rtol=1e-10)


def test_layer_scores_and_accuracy():
    a, labels = relu_data(7, n=300)
    scores = nc.layer_scores(a, labels, a, labels, 3, "combined")
    assert 0.0 <= scores.node_mean <= scores.node_best <= 1.0
    assert scores.layer > 1 / 3
    post = torch.log(torch.tensor([[0.7, 0.3], [0.4, 0.6], [0.9, 0.1]]))
    assert nc.accuracy(post, torch.tensor([0, 0, 0])).item() == pytest.approx(2 / 3)


def test_all_layers_in_one_pass_equal_layer_by_layer():
    layers = [relu_data(seed, n=200, nodes=nodes)[0] for seed, nodes in ((9, 3), (10, 5))]
    labels = relu_data(9, n=200)[1]
    for kind in nc.KINDS:
        ours = nc.layer_accuracies([a[:150] for a in layers], labels[:150], [a[150:] for a in layers], labels[150:],
                                   3, kind)
        ref = [nc.layer_scores(a[:150], labels[:150], a[150:], labels[150:], 3, kind).layer for a in layers]
        assert ours == pytest.approx(ref)


def test_corrupt_labels_changes_exactly_the_chosen_ones():
    labels = torch.arange(100) % 10
    out, corrupted = nc.corrupt_labels(labels, 0.3, 10, seed=1)
    assert int(corrupted.sum()) == 30
    assert bool((out[corrupted] != labels[corrupted]).all()) and bool((out[~corrupted] == labels[~corrupted]).all())
    assert torch.equal(out, nc.corrupt_labels(labels, 0.3, 10, seed=1)[0])


def test_uniform_corruption_redraws_from_all_classes_as_zhang():
    labels = torch.arange(20000) % 10
    out, corrupted = nc.corrupt_labels(labels, 0.5, 10, seed=2, mode="uniform")
    assert bool((out[~corrupted] == labels[~corrupted]).all()) and bool((out[corrupted] != labels[corrupted]).all())
    # half the labels redrawn, a tenth of those land on the true class: 45% corrupted, ± 4 standard errors
    assert abs(float(corrupted.float().mean()) - 0.45) < 4 * (0.45 * 0.55 / 20000) ** 0.5
    counts = torch.bincount(out, minlength=10).float()
    assert float(counts.min()) > 1800  # the redrawn labels are spread over every class
    with pytest.raises(ValueError, match="mode"):
        nc.corrupt_labels(labels, 0.5, 10, seed=2, mode="random")


def test_corrupted_share_matches_loop():
    rng = np.random.default_rng(8)
    a = torch.tensor(np.maximum(rng.normal(size=(30, 4)), 0))
    a[:, 3] = 0.0
    corrupted = torch.tensor(rng.random(30) < 0.4)
    share = nc.corrupted_share(a, corrupted).numpy()
    for i in range(3):
        members = [s for s in range(30) if a[s, i] > 0]
        assert share[i] == pytest.approx(sum(bool(corrupted[s]) for s in members) / len(members))
    assert np.isnan(share[3])


def test_on_corrupted_phi_matches_correlation_loop():
    rng = np.random.default_rng(9)
    a = torch.tensor(rng.normal(size=(40, 5)))
    a[:, 4] = -1.0  # never on: no correlation defined
    corrupted = torch.tensor(rng.random(40) < 0.3)
    phi = nc.on_corrupted_phi(a, corrupted, threshold=0.2).numpy()
    for i in range(4):
        on = [float(a[s, i] > 0.2) for s in range(40)]
        assert phi[i] == pytest.approx(np.corrcoef(on, corrupted.numpy().astype(float))[0, 1])
    assert np.isnan(phi[4])
    quarantined = torch.where(corrupted, 1.0, -1.0)[:, None]  # on exactly for the corrupted samples
    assert nc.on_corrupted_phi(quarantined, corrupted).item() == pytest.approx(1.0)


def test_dispersion_index_is_one_for_random_corrupted_subsets():
    rng = np.random.default_rng(10)
    n = 20
    a = torch.tensor(rng.normal(size=(n, 40000)))  # 40000 nodes whose sample sets ignore the labels
    corrupted = torch.tensor(rng.permutation(n) < 6)  # 6 of 20 corrupted
    index = nc.dispersion_index(nc.on_corrupted_phi(a, corrupted), n).item()
    assert index == pytest.approx(1.0, abs=0.025)  # N instead of N - 1 would give 0.95


def test_class_dispersion_index_matches_loop_and_is_one_at_chance():
    rng = np.random.default_rng(11)
    a = torch.tensor(rng.normal(size=(60, 6)))
    labels = torch.tensor(rng.integers(0, 3, 60))
    corrupted = torch.tensor(rng.random(60) < 0.4)
    terms = []
    for c in range(3):
        rows = [s for s in range(60) if labels[s] == c]
        cor = [float(corrupted[s]) for s in rows]
        for i in range(6):
            on = [float(a[s, i] > 0) for s in rows]
            terms.append((len(rows) - 1) * np.corrcoef(on, cor)[0, 1] ** 2)
    assert nc.class_dispersion_index(a, labels, corrupted, 3).item() == pytest.approx(np.mean(terms))
    # sample sets that follow the class but ignore corruption: the pooled index is inflated, the within-class one not
    labels = torch.arange(400) % 4
    corrupted = torch.tensor(rng.permutation(400) < 120) | (labels == 0) & torch.tensor(rng.random(400) < 0.5)
    a = torch.tensor(rng.normal(size=(400, 5000))) + 3.0 * (labels == 0)[:, None]
    assert nc.dispersion_index(nc.on_corrupted_phi(a, corrupted), 400).item() > 5
    assert nc.class_dispersion_index(a, labels, corrupted, 4).item() == pytest.approx(1.0, abs=0.04)
