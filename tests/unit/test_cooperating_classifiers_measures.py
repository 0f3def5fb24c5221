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


def test_paired_shortfall_matches_a_plain_loop():
    gen = torch.Generator().manual_seed(0)
    network = torch.rand(3, 200, generator=gen) < 0.9
    layer = torch.rand(3, 200, generator=gen) < 0.8
    d, se2 = [], []
    for s in range(3):
        diff = [float(network[s, i]) - float(layer[s, i]) for i in range(200)]
        d.append(np.mean(diff))
        se2.append(np.var(diff, ddof=1) / 200)
    m = ms.paired_shortfall(network, layer)
    assert m.mean == pytest.approx(np.mean(d)) and m.n == 3
    assert m.sd == pytest.approx(math.sqrt(np.var(d, ddof=1) + np.mean(se2)))  # seeds plus test sampling
    assert m.df == pytest.approx((np.var(d, ddof=1) + np.mean(se2)) ** 2 / (np.var(d, ddof=1) ** 2 / 2))
    assert "3 network seeds" in m.sources and "200 images" in m.sources


def test_a_layer_equal_to_the_network_falls_short_by_nothing():
    network = torch.rand(2, 50) < 0.5
    m = ms.paired_shortfall(network, network)
    assert m.mean == 0 and m.sd == 0


def test_the_layer_and_kind_are_chosen_on_validation_images_not_test_images():
    test = {"discrete": torch.tensor([[[True, True], [False, False]]]),  # (S=1, L=2, N=2): layer 1 best on test
            "combined": torch.tensor([[[True, False], [True, False]]])}
    val = {"discrete": torch.tensor([[[False, False], [True, True]]]),  # layer 2 best on validation
           "combined": torch.tensor([[[False, False], [True, False]]])}
    ev = ms.LayerEval(torch.tensor([[True, True]]), test, val)
    assert ms.chosen_layers(ev) == [("discrete", 1)]
    assert ms.chosen_layers(ev, ("combined",)) == [("combined", 1)]
    m = ms.shortfall(ev)  # scored on the test images: the network 1.0, discrete layer 2 0.0
    assert m.mean == pytest.approx(1.0)
    assert ms.chosen_accuracy(ev, ("combined",)) == pytest.approx(0.5)
    control = ms.shortfall(ev, ("combined",), against=ms.LayerEval(ev.network, test, val))
    assert control.mean == pytest.approx(0.5)


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


def test_smallest_rise_pairs_the_first_and_last_snapshot_of_every_member():
    first = torch.tensor([[[True, False, False, False], [True, True, False, False]],
                          [[False, False, False, False], [True, False, False, False]]])  # (S=2, L=2, N=4)
    last = torch.tensor([[[True, True, True, False], [True, True, True, False]],
                         [[True, True, False, False], [True, True, False, False]]])
    layer, m = ms.smallest_rise({0: {"correct": first}, 5: {"correct": torch.zeros(2, 2, 4, dtype=torch.bool)},
                                 9: {"correct": last}})
    diff = last.double() - first.double()
    assert layer == 1  # rises 0.25 and 0.25 against 0.5 and 0.5
    d = diff[:, 1].mean(-1)
    sampling = float((diff[:, 1].var(-1, unbiased=True) / 4).mean())
    assert m.mean == pytest.approx(0.25) and m.n == 2
    assert m.sd == pytest.approx(math.sqrt(float(d.var(unbiased=True)) + sampling))
    assert "2 network seeds" in m.sources and "4 images" in m.sources


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
