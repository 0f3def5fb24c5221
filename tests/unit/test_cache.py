"""The model cache: round trip, hits, corrupted and truncated files, keys."""

import pytest
import torch

from lib.cache import CacheWarning, cached_train, config_key, model_path, train_cached, training_config
from lib.models import mlp
from lib.paths import CACHE_ENV
from lib.train import train_config, train_data

CONFIG = {"arch": {"builder": "mlp", "sizes": [6, 4, 3], "seeds": [0, 1]}, "data": "toy-v1", "lr": 0.1,
          "optimizer": "sgd", "epochs": 2}


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    """Every test gets an empty cache directory."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))


class CountingBuild:
    """A build_and_train stand-in that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self) -> dict:
        self.calls += 1
        gen = torch.Generator().manual_seed(0)
        return {"state": {"w": torch.randn(2, 6, 4, generator=gen)}, "history": {"loss": torch.arange(3.0)}}


def test_round_trip_and_second_call_does_not_rebuild():
    build = CountingBuild()
    first = cached_train(CONFIG, build)
    second = cached_train(CONFIG, build)
    assert build.calls == 1 and model_path(config_key(CONFIG)).exists()
    assert torch.equal(first["state"]["w"], second["state"]["w"])
    assert torch.equal(second["history"]["loss"], torch.arange(3.0))


@pytest.mark.parametrize("position", [0, 30, 200, -200, -1])
def test_flipped_byte_is_rebuilt_not_used(position):
    build = CountingBuild()
    cached_train(CONFIG, build)
    path = model_path(config_key(CONFIG))
    blob = bytearray(path.read_bytes())
    blob[position] ^= 0x01
    path.write_bytes(bytes(blob))
    with pytest.warns(CacheWarning, match="failed verification"):
        rebuilt = cached_train(CONFIG, build)
    assert build.calls == 2 and torch.equal(rebuilt["state"]["w"], CountingBuild()()["state"]["w"])
    cached_train(CONFIG, build)
    assert build.calls == 2


def test_truncated_file_is_rebuilt():
    build = CountingBuild()
    cached_train(CONFIG, build)
    path = model_path(config_key(CONFIG))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(CacheWarning):
        cached_train(CONFIG, build)
    assert build.calls == 2 and path.stat().st_size > 0


def test_different_config_gives_different_key():
    changed = {**CONFIG, "lr": 0.2}
    reordered = dict(reversed(list(CONFIG.items())))
    assert config_key(changed) != config_key(CONFIG)
    assert config_key(reordered) == config_key(CONFIG)
    build = CountingBuild()
    cached_train(CONFIG, build)
    cached_train(changed, build)
    assert build.calls == 2


def test_config_must_be_json():
    with pytest.raises(ValueError, match="^config:"):
        config_key({"lr": torch.tensor(0.1)})


def test_no_temp_files_are_left_behind():
    cached_train(CONFIG, CountingBuild())
    assert [p.suffix for p in model_path("x").parent.iterdir()] == [".pt"]


def test_train_cached_trains_once_then_loads(monkeypatch):
    x, y = torch.randn(20, 6), torch.randint(0, 3, (20,))
    data, cfg = train_data(x, y, x, y), train_config(lr=0.1, batch_size=5, max_epochs=2, seed=0, device="cpu")
    trained = mlp(2, [6, 4, 3], seed=[0, 1])
    history = train_cached(trained, data, cfg, "toy-v1")
    monkeypatch.setattr("lib.cache.train", lambda *args: pytest.fail("trained again despite a cached model"))
    fresh = mlp(2, [6, 4, 3], seed=[0, 1])
    cached_history = train_cached(fresh, data, cfg, "toy-v1")
    assert torch.equal(fresh(x), trained(x)) and not torch.equal(fresh(x), mlp(2, [6, 4, 3], seed=[0, 1])(x))
    assert torch.equal(cached_history.val_loss, history.val_loss) and cached_history.epochs == 2
    other = training_config(fresh, train_config(lr=0.2, device="cpu"), "toy-v1")
    assert config_key(other) != config_key(training_config(fresh, cfg, "toy-v1"))
