"""Model-cache entries that pass the checksum but cannot be used, or are not files, are retrained, never crash
(issue 33); a cache that cannot be written warns and the run goes on."""

import os
import warnings

import pytest
import torch

from lib import cache
from lib.models import mlp
from lib.paths import CACHE_ENV
from lib.train import train_config, train_data

X, Y = torch.rand(40, 6, generator=torch.Generator().manual_seed(0)), torch.arange(40) % 3
DATA = train_data(X[:30], Y[:30], X[30:], Y[30:])
CFG = train_config("sgd", lr=0.1, batch_size=10, max_epochs=2, seed=0)


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    """Every test gets an empty cache directory."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))


def trained() -> tuple[torch.nn.Module, dict, object]:
    """A network trained through the cache, its weights and the path of its cache file."""
    net = mlp(2, [6, 4, 3], seed=0)
    cache.train_cached(net, DATA, CFG, "toy")
    path = cache.model_path(cache.config_key(cache.training_config(mlp(2, [6, 4, 3], seed=0), CFG, "toy")))
    return net, {k: v.clone() for k, v in net.state_dict().items()}, path


def reload_warns(expected: dict) -> list:
    """Train a fresh network through the cache again: its weights must equal `expected`; the cache warnings."""
    net = mlp(2, [6, 4, 3], seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cache.train_cached(net, DATA, CFG, "toy")
    assert all(torch.equal(net.state_dict()[k], v) for k, v in expected.items())
    return [w for w in caught if issubclass(w.category, cache.CacheWarning)]


def rewrite(path, change) -> None:
    """Replace the stored payload by change(payload), with a valid header and checksum."""
    payload = cache.decode(path.read_bytes())
    path.write_bytes(cache.encode(change(payload)))


@pytest.mark.parametrize("change", [
    lambda p: {**p, "state": {k: torch.zeros(1, 2) for k in p["state"]}},  # size mismatch
    lambda p: {k: v for k, v in p.items() if k != "state"},  # KeyError: 'state'
    lambda p: {**p, "state": {"other": torch.zeros(1)}},  # unexpected names
    lambda p: {**p, "history": [1, 2]},  # a history that is not a record
    lambda p: [p["config"]],  # a list payload
], ids=["size mismatch", "no state", "foreign names", "malformed history", "list payload"])
def test_a_verified_but_malformed_model_file_is_retrained(change):
    _, expected, path = trained()
    rewrite(path, change)
    assert len(reload_warns(expected)) == 1
    assert cache.decode(path.read_bytes())["state"].keys() == expected.keys()


def test_a_folder_in_place_of_a_model_file_is_removed_and_retrained():
    _, expected, path = trained()
    path.unlink()
    path.mkdir()
    (path / "junk").write_text("x")
    assert len(reload_warns(expected)) == 1
    assert path.is_file()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_warns_and_the_run_goes_on(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models").chmod(0o555)
    try:
        with pytest.warns(cache.CacheWarning, match="not stored"):
            payload = cache.cached_train({"a": 1}, lambda: {"x": torch.ones(2)})
    finally:
        (tmp_path / "models").chmod(0o755)
    assert torch.equal(payload["x"], torch.ones(2))


def test_a_failing_write_warns_and_the_run_keeps_its_model(monkeypatch):
    def full(path, blob):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "write_atomic", full)
    with pytest.warns(cache.CacheWarning, match="No space left on device"):
        payload = cache.cached_train({"a": 2}, lambda: {"x": torch.ones(2)})
    assert torch.equal(payload["x"], torch.ones(2))
