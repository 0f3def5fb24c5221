"""The cooperating-classifier runs: cache keys cover what changes the weights; tiny runs train, corrupt, snapshot."""

import pytest
import torch

from lib.studies.cooperating_classifiers import runs as cr

TASK = cr.Task(torch.rand(60, 784), torch.arange(60) % 10, torch.rand(20, 784), torch.arange(20) % 10,
                    torch.rand(20, 784), torch.arange(20) % 10, "fake-sha")


def test_cache_key_changes_with_every_setting():
    base = cr.RunSpec(depth=2, width=8, k=2, seed=0, n_train=60)
    keys = {str(cr.cache_config(spec, TASK)) for spec in (
        base, cr.RunSpec(3, 8, 2, 0, 60), cr.RunSpec(2, 8, 2, 1, 60), cr.RunSpec(2, 8, 2, 0, 60, lr=0.01),
        cr.RunSpec(2, 8, 2, 0, 60, activation="sigmoid"), cr.RunSpec(2, 8, 2, 0, 60, corruption=(0.5, 0.5)),
        cr.RunSpec(2, 8, 2, (0, 0), 60), cr.RunSpec(2, 8, 2, 0, 60, snapshot_steps=(0, 1)),
        cr.RunSpec(2, 8, 2, 0, 60, corruption=(0.5, 0.5), corruption_mode="uniform"))}
    assert len(keys) == 9
    fashion = cr.Task(*list(vars(TASK).values())[:-1], dataset="fmnist")
    assert cr.cache_config(base, fashion) != cr.cache_config(base, TASK)


def test_hidden_values_pre_and_post():
    net = cr.build(cr.RunSpec(2, 8, 2, 0, 60))
    pre, post = cr.hidden_values(net, TASK.x_test, "pre"), cr.hidden_values(net, TASK.x_test, "post")
    assert all(torch.equal(torch.relu(z), a) for z, a in zip(pre, post)) and bool((pre[0] < 0).any())
    with pytest.raises(ValueError, match="values"):
        cr.hidden_values(net, TASK.x_test, "both")


def test_sigmoid_run_builds_a_sigmoid_network_with_the_relu_initialisation():
    relu, sigmoid = cr.build(cr.RunSpec(2, 8, 2, 0, 60)), cr.build(cr.RunSpec(2, 8, 2, 0, 60, activation="sigmoid"))
    assert sigmoid.arch["activation"] == "sigmoid"
    assert all(torch.equal(a, b) for a, b in zip(relu.parameters(), sigmoid.parameters()))


def test_tiny_run_trains_snapshots_and_reloads(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    spec = cr.RunSpec(depth=2, width=8, k=2, seed=0, n_train=60, max_epochs=2, snapshot_steps=(0, 1))
    run = cr.trained(spec, TASK)
    assert sorted(run.snapshots) == [0, 1] and not run.corrupted.any() and torch.equal(run.y_train, TASK.y_train)
    torch.testing.assert_close(cr.at_snapshot(spec, run.snapshots[0]).layers[0].weight, cr.build(spec).layers[0].weight)
    again = cr.trained(spec, TASK)
    torch.testing.assert_close(again.net.layers[0].weight, run.net.layers[0].weight)
    assert [a.shape for a in cr.hidden_outputs(run.net, TASK.x_test)] == [(2, 20, 8)] * 2
    assert cr.accuracy(run.net, TASK.x_test, TASK.y_test).shape == (2,)


def test_per_member_corruption_is_one_call_and_equals_each_member_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    settings = dict(depth=1, width=8, n_train=60, max_epochs=3, patience=None, restore_best=False)
    stacked = cr.trained(cr.RunSpec(k=3, seed=(5, 5, 5), corruption=(0.0, 0.5, 1.0), **settings), TASK)
    assert stacked.y_train.shape == (3, 60) and stacked.corrupted.sum(1).tolist() == [0, 30, 60]
    assert bool((stacked.y_train[stacked.corrupted] != TASK.y_train.expand(3, -1)[stacked.corrupted]).all())
    for m, fraction in enumerate((0.0, 0.5, 1.0)):
        alone = cr.trained(cr.RunSpec(k=1, seed=5, corruption=(fraction,), **settings), TASK)
        assert torch.equal(alone.y_train[0], stacked.y_train[m])
        for a, b in zip(alone.net.parameters(), stacked.net.parameters()):
            torch.testing.assert_close(a[0], b[m], atol=1e-6, rtol=0)


@pytest.mark.parametrize("kwargs, name", [(dict(corruption=(0.5,)), "corruption"), (dict(seed=(1, 2, 3)), "seed")])
def test_run_spec_validation_names_the_field(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        cr.RunSpec(**{**dict(depth=1, width=8, k=2, seed=0, n_train=60), **kwargs})


def test_grid_members_are_value_major_with_shared_seeds():
    values, seeds = cr.grid_members((0.1, 0.2, 0.3), 2, seed=7)
    assert values == (0.1, 0.1, 0.2, 0.2, 0.3, 0.3) and seeds == (7, 8, 7, 8, 7, 8)


def test_best_in_grid_averages_each_values_seeds():
    val_loss = torch.tensor([[3.0, 1.0, 2.0, 2.0, 0.5, 9.0],
                             [2.5, 0.9, 1.5, 1.4, torch.nan, 8.0]])  # (V, K): 3 values x 2 seeds
    history = cr.train.History(torch.zeros(1, 6), val_loss, val_loss, torch.arange(2), torch.arange(2),
                               torch.zeros(6), torch.zeros(6), 2, 2)
    # best per member 2.5, 0.9 | 1.5, 1.4 | 0.5, 8.0 -> means 1.7, 1.45, 4.25 (the 0.5 member alone is not enough)
    assert cr.best_in_grid(history, 3) == 1


def test_runs_without_early_stopping_skip_validation_while_training():
    stopping = cr.RunSpec(1, 10, 2, 0, 60, patience=3)
    fitting = cr.RunSpec(1, 10, 2, 0, 60, patience=None, restore_best=False)
    assert cr.engine_config(stopping).eval_every == 1
    assert cr.engine_config(fitting).eval_every is None
