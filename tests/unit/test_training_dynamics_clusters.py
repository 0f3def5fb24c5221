"""training_dynamics.clusters (H&D §3, Fig. 1-2): node contributions sum to the network output; boundaries by
brute force."""

import numpy as np
import torch

from lib.models import mlp
from lib.studies.training_dynamics import clusters as sc


def test_samples_are_seeded_sorted_and_noisy_around_the_function():
    x, y = sc.regression_samples(500, 0.1, seed=4)
    x2, y2 = sc.regression_samples(500, 0.1, seed=4)
    assert np.array_equal(x, x2) and np.array_equal(y, y2) and np.all(np.diff(x) >= 0)
    assert 0.07 < float(np.std(y - sc.underlying(x))) < 0.13


def test_contributions_sum_to_the_network_output():
    net = mlp(1, [1, 7, 1], bias="all", seed=2)
    grid = np.linspace(-2.0, 2.0, 101)
    parts = sc.node_contributions(net, grid)
    with torch.no_grad():
        out = net(torch.tensor(grid, dtype=torch.float32)[:, None])[0, :, 0].numpy()
    np.testing.assert_allclose(parts.total, out, rtol=1e-5, atol=1e-5)
    w, b, v, c = sc.layer_parameters(net)
    for g, xg in enumerate(grid[::10]):
        for j in range(7):
            assert parts.scaled[g * 10, j] == max(0.0, w[j] * xg + b[j]) * v[j]


def test_boundaries_are_where_membership_flips():
    net = mlp(1, [1, 9, 1], bias="all", seed=5)
    grid = np.linspace(-3.0, 3.0, 60001)
    member = sc.sample_sets(net, grid)  # (G, n)
    flips = {j for j in range(9) if np.any(member[1:, j] != member[:-1, j])}
    where, nodes = sc.sample_set_boundaries(net, -3.0, 3.0)
    assert set(nodes.tolist()) == flips
    for x0, j in zip(where, nodes):
        changes = grid[1:][member[1:, j] != member[:-1, j]]
        assert abs(changes[0] - x0) < 2e-4


def test_fit_reduces_the_error_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    x, y = sc.regression_samples(60, 0.05, seed=0)
    first = sc.cached_regression(x, y, 10, 150, 0.03, seed=0, data_id={"n": 60})
    again = sc.cached_regression(x, y, 10, 150, 0.03, seed=0, data_id={"n": 60})
    fitted = sc.node_contributions(first, x).total
    assert np.mean((fitted - y) ** 2) < np.var(y) / 2
    np.testing.assert_array_equal(sc.node_contributions(again, x).total, fitted)


def test_fit_summary_counts_by_loops():
    net = mlp(1, [1, 12, 1], bias="all", seed=3)
    x = np.linspace(0.0, 1.0, 50)
    y = np.sin(x)
    w, b, v, c = sc.layer_parameters(net)
    out = [sum(max(0.0, w[j] * xi + b[j]) * v[j] for j in range(12)) + c for xi in x]
    counts = [sum(w[j] * xi + b[j] > 0 for xi in x) for j in range(12)]
    inside = sum(1 for j in range(12) if w[j] != 0 and 0.0 <= -b[j] / w[j] <= 1.0)
    found = sc.fit_summary(net, x, y)
    assert found["boundaries"] == inside
    assert found["dead"] == sum(n == 0 for n in counts) and found["always_on"] == sum(n == 50 for n in counts)
    assert abs(found["mse"] - float(np.mean((np.array(out) - y) ** 2))) < 1e-5
