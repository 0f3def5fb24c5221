"""Checkpoints are verified before use (issue 33): a flipped bit, a malformed or non-finite state, a folder in place
of a file are each deleted with a warning and their call retrained to the uninterrupted weights; the save
interval's variable is validated."""

import io
import warnings

import pytest
import torch

from lib import cache, checkpoint, train
from lib.models import mlp
from lib.paths import SettingError

X, Y = torch.rand(64, 8, generator=torch.Generator().manual_seed(0)), torch.arange(64) % 3
DATA = train.train_data(X[:48], Y[:48], X[48:], Y[48:])
CONFIG = {"model": "integrity"}


def build() -> dict:
    """One engine call whose final weights are its result (no best-weight restore hides a damaged weight)."""
    result = train.train(mlp(2, [8, 6, 3], seed=1), DATA, train.train_config(
        "adam", lr=0.01, batch_size=16, max_epochs=4, seed=3, restore_best=False))
    return cache.result_payload(result)


def same(a, b) -> bool:
    """Equal nested payloads of tensors, numbers and strings."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return torch.equal(a, b) if torch.is_tensor(a) else a == b


@pytest.fixture
def killed_after_training(tmp_path, monkeypatch):
    """The uninterrupted payload, and a cache where the call finished but the model file is missing (a kill
    between the last checkpoint and the store): yields (expected payload, the call's .partial)."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path / "fresh"))
    expected = cache.cached_train(CONFIG, build)
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NODEWISE_CHECKPOINT_S", "0")
    with monkeypatch.context() as m:
        m.setattr(checkpoint, "discard", lambda stem: None)
        cache.cached_train(CONFIG, build)
    path = cache.model_path(cache.config_key(CONFIG))
    path.unlink()
    partial = path.with_name(path.stem + ".1.partial")
    assert partial.exists()
    return expected, partial


def stored_state(partial) -> dict:
    """The saved {"config", "state"} of a checkpoint file, read past its header line."""
    return torch.load(io.BytesIO(partial.read_bytes().partition(b"\n")[2]), weights_only=True)


def rewrite(partial, change) -> None:
    """Change the saved state and write it back with a valid checksum (damage no checksum can see)."""
    stored = stored_state(partial)
    change(stored["state"])
    partial.write_bytes(checkpoint.encode(stored["config"], stored["state"]))


def resume(expected) -> list:
    """Run the cached call again; assert it equals the uninterrupted one; return the checkpoint warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cache.cached_train(CONFIG, build)
    assert same(result, expected), "the resumed call must give the uninterrupted weights"
    return [w for w in caught if issubclass(w.category, checkpoint.CheckpointWarning)]


def test_a_flipped_exponent_bit_is_caught_by_the_checksum_and_the_call_retrained(killed_after_training):
    expected, partial = killed_after_training
    blob = bytearray(partial.read_bytes())
    first_weight = expected["state"]["layers.0.weight"].numpy().tobytes()[:16]
    at = bytes(blob).find(first_weight)
    assert at > 0, "the first weight's bytes are stored verbatim in the checkpoint"
    blob[at + 3] ^= 0x40  # the top exponent bit of a float32 (little-endian): ~1e37 times larger
    partial.write_bytes(bytes(blob))
    caught = resume(expected)
    assert len(caught) == 1 and "checksum" in str(caught[0].message)
    assert not partial.exists(), "the damaged checkpoint is deleted once the model is stored"


@pytest.mark.parametrize("change", [
    lambda state: state.pop("params"),
    lambda state: state.update(generators=[torch.zeros(10, dtype=torch.uint8) for _ in state["generators"]]),
    lambda state: state.update(params=state["params"][:1]),
    lambda state: state["params"][0].view(-1).__setitem__(0, float("inf")),
    lambda state: state["stopping"]["best"][0].view(-1).__setitem__(0, float("nan")),
], ids=["no params", "bad generator state", "too few tensors", "infinite weight", "NaN best weight"])
def test_a_checkpoint_that_cannot_be_resumed_is_deleted_and_its_call_retrained(killed_after_training, change):
    expected, partial = killed_after_training
    rewrite(partial, change)
    assert len(resume(expected)) == 1


def test_a_folder_in_place_of_a_checkpoint_is_removed_and_its_call_retrained(killed_after_training):
    expected, partial = killed_after_training
    partial.unlink()
    partial.mkdir()
    (partial / "junk").write_text("x")
    assert len(resume(expected)) == 1
    assert not partial.exists()


def test_a_checkpoint_of_another_call_fails_the_checksum():
    blob = checkpoint.encode("config A", {"step": 1})
    assert checkpoint.decode(blob, "config A") == {"step": 1}
    with pytest.raises(ValueError, match="checksum"):
        checkpoint.decode(blob, "config B")


@pytest.mark.parametrize("value", ["nan", "abc", "", "-1", "inf"])
def test_a_bad_save_interval_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("NODEWISE_CHECKPOINT_S", value)
    with pytest.raises(SettingError, match=r"NODEWISE_CHECKPOINT_S: got .*allowed: a number of seconds >= 0"):
        checkpoint.interval_s()


@pytest.mark.parametrize("value, seconds", [("0", 0.0), ("2.5", 2.5), (None, 60.0)])
def test_a_good_save_interval_is_read(monkeypatch, value, seconds):
    if value is None:
        monkeypatch.delenv("NODEWISE_CHECKPOINT_S", raising=False)
    else:
        monkeypatch.setenv("NODEWISE_CHECKPOINT_S", value)
    assert checkpoint.interval_s() == seconds
