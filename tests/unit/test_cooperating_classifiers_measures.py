"""The chapter's measures against plain loops: standard errors of the layer-vs-network gap, perplexity over its
bound, the plateau rule, on/off thresholds, the grid choice and the snapshot rise."""

import math

import numpy as np
import pytest
import torch

from lib import probes
from lib.studies.cooperating_classifiers import measures as ms
from lib.studies.cooperating_classifiers import runs as cr

TASK = cr.Task(torch.rand(60, 784), torch.arange(60) % 10, torch.rand(20, 784), torch.arange(20) % 10,
               torch.rand(40, 784), torch.arange(40) % 10, "fake-sha")


class Cfg:
    """The parameters measures reads, small."""

    seed, n_seeds, n_train, optimizers, adam_lrs, sgd_lrs = 0, 2, 60, ("adam", "sgd"), (1e-3, 1e-2), (0.1,)
    max_epochs, patience, sigmoid_epochs, continuous_values, sigmoid_threshold = 3, 1, 3, "pre", 0.5
    n_fit, n_eval, grid_size, fractions, n_corrupt, corrupt_epochs = 60, 40, 32, (0.0, 0.5, 1.0), 60, 2
    n_perplexity = 40


def test_reach_gap_matches_a_plain_loop():
    gen = torch.Generator().manual_seed(0)
    network = torch.rand(3, 200, generator=gen) < 0.9
    layers = torch.rand(3, 4, 200, generator=gen) < torch.tensor([0.5, 0.7, 0.85, 0.8])[None, :, None]
    d, se2 = [], []
    for s in range(3):
        best = max(range(4), key=lambda layer: float(layers[s, layer].float().mean()))
        diff = [float(network[s, i]) - float(layers[s, best, i]) for i in range(200)]
        d.append(np.mean(diff))
        se2.append(np.var(diff, ddof=1) / 200)
    se = math.sqrt(np.mean(se2) / 3 + np.var(d, ddof=1) / 3)
    g = ms.reach_gap(network, layers)
    assert g.gap == pytest.approx(np.mean(d)) and g.se == pytest.approx(se) and g.z == pytest.approx(np.mean(d) / se)


def test_reach_gap_of_a_layer_equal_to_the_network_is_zero():
    network = torch.rand(2, 50) < 0.5
    g = ms.reach_gap(network, network[:, None, :].expand(2, 3, 50))
    assert g.gap == 0 and g.z == 0


def test_perplexity_ratio_is_one_for_distinct_patterns_and_small_for_shared_ones():
    net = cr.build(cr.RunSpec(1, 100, 1, 0, 60))
    ratio = ms.perplexity_ratio(net, (0,), TASK, 40)
    z = cr.hidden_values(net, TASK.x_test[:40], "pre")[0][:1]
    expected = (probes.class_layer_perplexity(z, TASK.y_test[:40], 10) / 4).mean()
    assert ratio.shape == (1,) and ratio[0] == pytest.approx(float(expected)) and 0 < ratio[0] <= 1
    assert ms.perplexity_ratio(net, (0,), TASK, 40, threshold=1e9)[0] == pytest.approx(0.25)  # all off: P = 1


def test_plateaued():
    falling = torch.linspace(2.0, 0.5, 30)[:, None]
    flat = torch.cat([torch.linspace(2.0, 0.5, 20), torch.full((10,), 0.5)])[:, None]
    tiny = torch.full((5, 1), 1e-4)
    assert ms.plateaued(torch.cat([falling, flat], 1)).tolist() == [False, True]
    assert ms.plateaued(tiny).tolist() == [True] and ms.plateaued(torch.ones(5, 1)).tolist() == [False]


def test_on_threshold_is_the_relu_boundary_for_the_sigmoid_midpoint():
    assert ms.on_threshold("relu", "pre", 0.9) == 0.0
    assert ms.on_threshold("sigmoid", "pre", 0.5) == pytest.approx(0.0)
    assert ms.on_threshold("sigmoid", "pre", 0.9) == pytest.approx(math.log(9))
    assert ms.on_threshold("sigmoid", "post", 0.9) == 0.9


def test_rises():
    up = {0: {"layers": np.array([0.3, 0.4])}, 5: {"layers": np.array([0.6, 0.7])}}
    mixed = {0: {"layers": np.array([0.3, 0.8])}, 5: {"layers": np.array([0.6, 0.7])}}
    assert ms.rises(up) and not ms.rises(mixed)


def test_train_grid_keeps_the_point_with_the_lowest_mean_validation_loss(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    grid = ms.train_grid(TASK, 1, Cfg)
    assert set(grid.val_loss) == {("adam", 1e-3), ("adam", 1e-2), ("sgd", 0.1)}
    assert grid.val_loss[(grid.optimizer, grid.lr)] == min(grid.val_loss.values())
    assert len(grid.members) == Cfg.n_seeds and len(grid.best_epochs) == Cfg.n_seeds
    stacked = cr.grid_members(ms.grid_rates(Cfg, grid.optimizer), Cfg.n_seeds, Cfg.seed)[0]
    assert all(stacked[m] == grid.lr for m in grid.members)
    assert grid.converged == bool(grid.run.history.converged[list(grid.members)].all())


def test_evaluate_layers_scores_each_layer_like_the_node_classifier_module(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    grid = ms.train_grid(TASK, 2, Cfg, optimizers=("adam",), lrs=(1e-3,))
    ev = ms.evaluate_layers(grid.run.net, grid.members, TASK, Cfg)
    assert ev.network.shape == (2, 40) and ev.layers["combined"].shape == (2, 2, 40)
    from lib.studies.cooperating_classifiers import node_classifiers as nc
    fit = [z[grid.members[1]] for z in cr.hidden_values(grid.run.net, TASK.x_train, "pre")]
    evl = [z[grid.members[1]] for z in cr.hidden_values(grid.run.net, TASK.x_test, "pre")]
    ref = nc.layer_accuracies(fit, TASK.y_train, evl, TASK.y_test, 10, "discrete", 0.0, Cfg.grid_size)
    assert ev.layers["discrete"][1].double().mean(-1).tolist() == pytest.approx(ref)


def test_corruption_runs_both_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    other, uniform = ms.corruption_runs(TASK, Cfg, "other"), ms.corruption_runs(TASK, Cfg, "uniform")
    assert other.train.shape == (3, 2) and uniform.test.shape == (3, 2)
    assert other.run.corrupted[-1].all()  # 100% always-wrong labels: every label differs
    assert 0 < uniform.run.corrupted[-1].float().mean() < 1  # uniform labels keep some true classes
    index = ms.dispersion(other, TASK, 0.5, Cfg.n_seeds)
    assert set(index) == {"all images", "within class"} and index["all images"].shape == (6,)
