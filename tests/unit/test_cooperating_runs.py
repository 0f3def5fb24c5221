"""The cooperating-classifier runs: cache keys cover what changes the weights; a tiny run trains and snapshots."""

import torch

from lib import cooperating_runs as cr

TASK = cr.MnistTask(torch.rand(60, 784), torch.arange(60) % 10, torch.rand(20, 784), torch.arange(20) % 10,
                    torch.rand(20, 784), torch.arange(20) % 10, "fake-sha")


def test_cache_key_changes_with_every_setting():
    base = cr.RunSpec(depth=2, width=8, k=2, seed=0, n_train=60)
    keys = {str(cr.cache_config(spec, TASK)) for spec in (
        base, cr.RunSpec(3, 8, 2, 0, 60), cr.RunSpec(2, 8, 2, 1, 60), cr.RunSpec(2, 8, 2, 0, 60, lr=0.01),
        cr.RunSpec(2, 8, 2, 0, 60, activation="sigmoid"), cr.RunSpec(2, 8, 2, 0, 60, corruption=0.5),
        cr.RunSpec(2, 8, 2, 0, 60, snapshot_steps=(0, 1)))}
    assert len(keys) == 7


def test_tiny_run_trains_snapshots_and_reloads(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    spec = cr.RunSpec(depth=2, width=8, k=2, seed=0, n_train=60, max_epochs=2, corruption=0.5,
                      snapshot_steps=(0, 1))
    run = cr.trained(spec, TASK)
    assert sorted(run.snapshots) == [0, 1] and int(run.corrupted.sum()) == 30
    torch.testing.assert_close(cr.at_snapshot(spec, run.snapshots[0]).layers[0].weight, cr.build(spec).layers[0].weight)
    again = cr.trained(spec, TASK)
    torch.testing.assert_close(again.net.layers[0].weight, run.net.layers[0].weight)
    assert [a.shape for a in cr.hidden_outputs(run.net, TASK.x_test)] == [(2, 20, 8)] * 2
    assert cr.accuracy(run.net, TASK.x_test, TASK.y_test).shape == (2,)
