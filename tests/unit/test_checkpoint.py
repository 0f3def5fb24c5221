"""A killed training run continues where it stopped (lib.checkpoint): the resumed run equals an uninterrupted
one, a finished call is not retrained, and a bad or foreign checkpoint is never used."""

import warnings

import pytest
import torch

from lib import cache, checkpoint, train
from lib.models import mlp

X, Y = torch.rand(64, 8, generator=torch.Generator().manual_seed(0)), torch.arange(64) % 3
DATA = train.train_data(X[:48], Y[:48], X[48:], Y[48:])


def build_and_train(optimizer: str) -> dict:
    """Two engine calls in one model, as the studies' payloads do: early stopping, then a fixed length."""
    first = train.train(mlp(2, [8, 6, 3], seed=1), DATA, train.train_config(
        optimizer, lr=0.05, batch_size=16, max_epochs=6, patience=2, seed=3))
    second = train.train(mlp(3, [8, 5, 5, 3], seed=2), DATA, train.train_config(
        optimizer, lr=(0.01, 0.02, 0.03), batch_size=8, max_epochs=5, seed=4))
    return {"first": cache.result_payload(first), "second": cache.result_payload(second)}


def same(a, b) -> bool:
    """Equal nested payloads of tensors, numbers and strings."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return torch.equal(a, b) if torch.is_tensor(a) else a == b


class Killed(Exception):
    """Stands for the process being killed mid-run."""


def kill_at_epoch(monkeypatch, n: int) -> None:
    """Make the n-th epoch of this process (over all calls) raise Killed."""
    original, seen = train._Loop.run_epoch, [0]

    def run_epoch(loop):
        seen[0] += 1
        if seen[0] == n:
            raise Killed
        original(loop)

    monkeypatch.setattr(train._Loop, "run_epoch", run_epoch)


def partials(tmp_path):
    return sorted(p.name.split(".", 1)[1] for p in (tmp_path / "models").glob("*.partial"))


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("kill", [3, 9])  # in the first call; in the second, after the first finished
def test_a_killed_run_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path, monkeypatch, optimizer, kill):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path / "fresh"))
    expected = cache.cached_train({"model": optimizer}, lambda: build_and_train(optimizer))
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    monkeypatch.setenv("NODEWISE_CHECKPOINT_S", "0")
    with monkeypatch.context() as m:
        kill_at_epoch(m, kill)
        with pytest.raises(Killed):
            cache.cached_train({"model": optimizer}, lambda: build_and_train(optimizer))
    assert partials(tmp_path) == (["1.partial"] if kill == 3 else ["1.partial", "2.partial"])
    epochs = []
    original = train._Loop.run_epoch
    monkeypatch.setattr(train._Loop, "run_epoch", lambda loop: (epochs.append(loop.epoch), original(loop)))
    resumed = cache.cached_train({"model": optimizer}, lambda: build_and_train(optimizer))
    assert same(resumed, expected)
    first_call = expected["first"]["history"]["epochs"]
    assert kill > first_call or kill == 3, "kill=9 must fall in the second call"
    done = kill - 1 if kill <= first_call else kill - 1 - first_call  # epochs of the killed call that were saved
    assert epochs[0] == done, "the resumed run starts after the last saved epoch, and skips the finished call"
    assert partials(tmp_path) == [], "checkpoints are removed once the model is stored"


def test_an_unreadable_or_foreign_checkpoint_is_deleted_and_training_starts_afresh(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path / "fresh"))
    expected = cache.cached_train({"model": "x"}, lambda: build_and_train("sgd"))
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    stem = cache.model_path(cache.config_key({"model": "x"})).with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_name(stem.name + ".1.partial").write_bytes(b"not a checkpoint")
    target = checkpoint.Target(stem.with_name(stem.name + ".2.partial"), "another config", 0.0)
    checkpoint.save(target, {"step": 1})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cache.cached_train({"model": "x"}, lambda: build_and_train("sgd"))
    assert same(result, expected)
    assert sum(issubclass(w.category, checkpoint.CheckpointWarning) for w in caught) == 2
    assert partials(tmp_path) == []


def test_training_outside_the_model_cache_or_with_callbacks_writes_no_checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CHECKPOINT_S", "0")
    assert checkpoint.next_call("anything") is None
    with checkpoint.saving_to(tmp_path / "m", "cfg"):
        train.train(mlp(1, [8, 3]), DATA, train.train_config(max_epochs=2, batch_size=16),
                    callbacks=[((1,), lambda step, net: None)])
    assert list(tmp_path.iterdir()) == []
