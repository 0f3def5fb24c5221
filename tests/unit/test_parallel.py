"""lib.parallel: engine calls trained in worker processes fill the model cache with what the caller would train."""

from functools import partial

import pytest
import torch

from lib import parallel, train
from lib.cache import train_cached
from lib.models import mlp
from lib.paths import CACHE_ENV
from lib.seed import generator
from lib.train import THREADS_ENV, train_config, train_data


def toy_call(seed: int):
    """Two tiny networks trained through the model cache (module level: a spawned worker imports it)."""
    gen = generator(seed)
    x, y = torch.randn(60, 5, generator=gen), torch.randint(0, 3, (60,), generator=gen)
    net = mlp(2, [5, 8, 3], seed=seed)
    cfg = train_config("sgd", lr=0.1, batch_size=10, max_epochs=6, patience=2, seed=seed)
    return net, train_cached(net, train_data(x, y, x, y), cfg, f"toy-{seed}")


def test_workers_fill_the_cache_with_exactly_what_the_caller_trains(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "alone"))
    alone = [toy_call(seed) for seed in (1, 2, 3)]
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "workers"))
    assert parallel.fill_cache([partial(toy_call, seed) for seed in (1, 2, 3)], count=2) == 2
    assert len(list((tmp_path / "workers").rglob("*.pt"))) == 3

    def no_training(*args, **kwargs):
        raise AssertionError("the caller trained although the workers filled the cache")

    monkeypatch.setattr(train, "train", no_training)
    monkeypatch.setattr("lib.cache.train", no_training)
    for (net, history), seed in zip(alone, (1, 2, 3)):
        again, again_history = toy_call(seed)
        for a, b in zip(net.parameters(), again.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        torch.testing.assert_close(history.val_loss, again_history.val_loss, rtol=0, atol=0)


def test_one_worker_or_one_call_runs_nothing_in_a_worker(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert parallel.fill_cache([partial(toy_call, 1), partial(toy_call, 2)], count=1) == 1
    assert parallel.fill_cache([partial(toy_call, 1)], count=2) == 1
    assert not list(tmp_path.rglob("*.pt"))


def test_workers_follow_the_environment(monkeypatch):
    monkeypatch.delenv(parallel.WORKERS_ENV, raising=False)
    monkeypatch.setenv(THREADS_ENV, "1")
    assert parallel.workers() == 1  # a run that budgets threads (the test suite) shares the machine
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.workers() == 3
    monkeypatch.setenv(parallel.WORKERS_ENV, "0")
    with pytest.raises(ValueError, match=parallel.WORKERS_ENV):
        parallel.workers()


def test_longest_first_orders_by_cost_and_keeps_ties_in_order():
    a, b, c, d = (partial(toy_call, seed) for seed in range(4))
    assert parallel.longest_first([(1, a), (5, b), (1, c), (9, d)]) == [d, b, a, c]
