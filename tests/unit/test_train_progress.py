"""The progress bar's number, the lowest validation loss so far (lib.train._Loop.best_val_loss), kept as the
evaluations come: equal to the minimum over every stored evaluation, diverged (NaN) members ignored, and the same
after a resume from the loop's state."""

import math

import torch

from lib import train
from lib.models import mlp

X, Y = torch.rand(60, 6, generator=torch.Generator().manual_seed(0)), torch.arange(60) % 3
DATA = train.train_data(X[:40], Y[:40], X[40:], Y[40:])
CFG = train.train_config("sgd", lr=0.05, batch_size=10, max_epochs=8)


def reference(loop) -> float:
    """The slow definition: the smallest non-NaN validation loss of any member in any stored evaluation."""
    values = [v for _, _, loss, _ in loop.evals for v in loss.tolist() if not math.isnan(v)]
    return min(values, default=math.inf)


def test_the_lowest_loss_so_far_is_the_minimum_over_every_evaluation_and_survives_a_resume(monkeypatch):
    plain = train.evaluate

    def with_a_diverged_member(net, x, y, loss):  # member 1 reads NaN from the third evaluation on
        val_loss, val_error = plain(net, x, y, loss)
        if loop.epoch >= 3:
            val_loss = val_loss.clone()
            val_loss[1] = math.nan
        return val_loss, val_error

    monkeypatch.setattr(train, "evaluate", with_a_diverged_member)
    loop = train._Loop(mlp(3, [6, 5, 3], seed=1), DATA, CFG, None)
    assert loop.best_val_loss() is None
    seen = []
    for _ in range(6):
        loop.run_epoch()
        loop.evaluate()
        seen.append(loop.best_val_loss())
        assert seen[-1] == reference(loop) and math.isfinite(seen[-1])
    assert seen == sorted(seen, reverse=True)  # never rises
    resumed = train._Loop(mlp(3, [6, 5, 3], seed=1), DATA, CFG, None)
    resumed.resume(loop.state())
    assert resumed.best_val_loss() == loop.best_val_loss()
