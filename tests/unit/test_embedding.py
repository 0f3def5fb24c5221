"""t-SNE maps: shape, determinism, and that far-apart clusters stay apart."""

import numpy as np
import pytest

from lib.embedding import neighbour_gap, pca_reduce, tsne_map


def two_clusters(n=120, d=80, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n // 2)
    x = rng.normal(size=(n, d)) + 20.0 * labels[:, None]
    return x.astype(np.float32), labels


def test_pca_reduce_keeps_small_inputs_and_reduces_large_ones():
    x, _ = two_clusters()
    assert pca_reduce(x[:, :10]).shape == (120, 10)
    assert pca_reduce(x, dims=50).shape == (120, 50)


def test_tsne_map_is_deterministic_and_separates_clusters():
    x, labels = two_clusters()
    a = tsne_map(x, perplexity=10, seed=3, n_jobs=1)
    b = tsne_map(x, perplexity=10, seed=3, n_jobs=1)
    assert a.shape == (120, 2)
    np.testing.assert_array_equal(a, b)
    centres = np.stack([a[labels == c].mean(0) for c in (0, 1)])
    spread = max(np.linalg.norm(a[labels == c] - centres[c], axis=1).mean() for c in (0, 1))
    assert np.linalg.norm(centres[0] - centres[1]) > 2 * spread


def test_tsne_map_refuses_too_few_points():
    with pytest.raises(ValueError, match="perplexity"):
        tsne_map(np.zeros((20, 5), np.float32), perplexity=10)


def test_neighbour_gap_matches_a_loop_and_is_zero_on_a_sorted_line():
    rng = np.random.default_rng(1)
    points, values = rng.normal(size=(40, 2)), rng.integers(0, 60, size=40)
    expected = []
    for i in range(40):
        order = np.argsort(np.linalg.norm(points - points[i], axis=1))[1:4]
        expected.extend(abs(values[order] - values[i]))
    assert neighbour_gap(points, values, k=3) == pytest.approx(np.mean(expected))
    line = np.stack([np.arange(30.0), np.zeros(30)], 1)
    assert neighbour_gap(line, np.repeat(np.arange(3), 10), k=1) < 0.1
