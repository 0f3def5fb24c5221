"""The model cache: trained weights and histories keyed by a hash of the full training config.

A file is `cache_dir()/models/<key>.pt`: one header line "nodewise-model 1 <sha256 of the body>" and a body
written by torch.save. It is written atomically (temp file in the same folder, then os.replace) and verified on
load (the body's hash, then torch.load(weights_only=True), then the payload's form: a dict for this config, and
whatever the caller's `check` asks, e.g. weights of the network's shapes); a file failing any of these, or an entry
that is not a readable file, is deleted with a warning and rebuilt. A model that cannot be stored (a full disk, a
read-only cache) is still returned, with a warning.
"""

import hashlib
import io
import json
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from lib import checkpoint
from lib.files import write_atomic
from lib.models import StackedNet
from lib.paths import cache_dir
from lib.train import History, TrainConfig, TrainData, TrainResult, resolve_device, train

KEY_VERSION = 1  # raise it when a change of training code makes old cached models wrong: every key changes
FORMAT = f"nodewise-model {KEY_VERSION}".encode()


class CacheWarning(UserWarning):
    """A cached model failed verification and is being rebuilt."""


class CorruptEntry(Exception):
    """A cache file that must not be used."""


def canonical_json(config: dict) -> str:
    """The config as JSON with sorted keys and no whitespace; ValueError if it is not JSON-able."""
    try:
        return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"config: expected JSON-able values (str, int, float, bool, None, list, dict): {error}") \
            from error


def config_key(config: dict) -> str:
    """The one cache key of the project: sha256 (hex) of the key version and the canonical JSON of the full
    training config."""
    return hashlib.sha256(FORMAT + canonical_json(config).encode()).hexdigest()


def model_path(key: str) -> Path:
    """Where the model with this key is stored."""
    folder = cache_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}.pt"


def encode(payload: dict) -> bytes:
    """Header line with the body's sha256, then the torch.save body."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    body = buffer.getvalue()
    return FORMAT + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


def decode(blob: bytes) -> dict:
    """The payload of an encoded file; CorruptEntry if the header, the hash or the unpickling fails."""
    header, _, body = blob.partition(b"\n")
    if header != FORMAT + b" " + hashlib.sha256(body).hexdigest().encode():
        raise CorruptEntry("header or sha256 mismatch")
    try:
        payload = torch.load(io.BytesIO(body), weights_only=True)
    except Exception as error:  # whatever torch.load raises on a body it cannot read, the entry is not used
        raise CorruptEntry(f"torch.load failed: {type(error).__name__}: {error}") from error
    if not isinstance(payload, dict):
        raise CorruptEntry(f"the payload is a {type(payload).__name__}, not a dict")
    return payload


def load_verified(path: Path, config_text: str, check: Callable[[dict], None] | None = None) -> dict | None:
    """The stored payload if the entry exists and verifies for this config (and passes `check`, which raises on a
    payload it cannot use); a failing entry is deleted with a warning."""
    try:
        payload = decode(read_entry(path))
        if payload.get("config") != config_text:
            raise CorruptEntry("stored config differs from the requested one")
        if check is not None:
            check(payload)
    except FileNotFoundError:
        return None
    except Exception as error:  # CorruptEntry, or whatever `check` raised on a malformed payload
        warnings.warn(f"model cache: {path.name} failed verification ({type(error).__name__}: {error}); "
                      "retraining", CacheWarning, stacklevel=3)
        remove_entry(path)
        return None
    return payload


def read_entry(path: Path) -> bytes:
    """The bytes of a cache entry; FileNotFoundError if absent, CorruptEntry if it is not a readable file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CorruptEntry(f"not a readable file ({error.strerror})") from error


def remove_entry(path: Path) -> None:
    """Delete a cache entry, a file or (left by anything else) a folder."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def cached_train(config: dict, build_and_train: Callable[[], dict],
                 check: Callable[[dict], None] | None = None) -> dict:
    """Payload for `config` from the cache, else from build_and_train() (tensors, numbers, lists, dicts), stored.

    `config` must describe everything the result depends on: architecture, init, seeds, data, optimizer, epochs.
    `check(payload)` raises on a stored payload the caller could not use (it is then rebuilt). The returned dict
    holds the build's entries and "config" (its canonical JSON).
    """
    config_text = canonical_json(config)
    path = model_path(config_key(config))
    payload = load_verified(path, config_text, check)
    if payload is None:
        stem = path.with_suffix("")
        with checkpoint.saving_to(stem, config_text):
            payload = {**build_and_train(), "config": config_text}
        store(path, payload)
    return payload


def store(path: Path, payload: dict) -> None:
    """Write the payload, then drop its checkpoints; a cache that cannot be written only warns (the run goes on)."""
    if path.is_dir() and not path.is_symlink():
        remove_entry(path)
    try:
        write_atomic(path, encode(payload))
    except OSError as error:
        warnings.warn(f"model cache: {path.name} not stored ({error.strerror}: {path.parent}); this run goes on, "
                      "the next one trains it again", CacheWarning, stacklevel=3)
        return
    checkpoint.discard(path.with_suffix(""))


def result_payload(result: TrainResult) -> dict:
    """A TrainResult as cacheable tensors: the network's state_dict (on the CPU) and its history."""
    state = {name: tensor.detach().cpu() for name, tensor in result.net.state_dict().items()}
    return {"state": state, "history": result.history.as_dict()}


def history_of(payload: dict) -> History:
    """The History stored in a payload."""
    return History(**payload["history"])


def training_config(net: StackedNet, cfg: TrainConfig, data_id: str) -> dict:
    """The full config a trained net depends on: architecture and seeds, data identity, training, device type."""
    return {"arch": net.arch, "data": data_id, "train": cfg.as_dict(), "device": resolve_device(cfg.device).type}


def train_cached(net: StackedNet, data: TrainData, cfg: TrainConfig, data_id: str) -> History:
    """Train `net` in place, or load its cached weights for the same full config; its history either way.

    `data_id` must identify the data exactly (e.g. a checksum and the split); callbacks need lib.train.train.
    """
    payload = cached_train(training_config(net, cfg, data_id), lambda: result_payload(train(net, data, cfg)),
                           check=lambda stored: check_model_payload(net, stored))
    net.load_state_dict(payload["state"])
    return history_of(payload)


def check_model_payload(net: StackedNet, payload: dict) -> None:
    """CorruptEntry unless the payload holds a state of the network's names, shapes and dtypes and a history."""
    state, own = payload.get("state"), net.state_dict()
    if not isinstance(state, dict) or set(state) != set(own):
        raise CorruptEntry("its state does not name the network's tensors")
    for name, tensor in own.items():
        stored = state[name]
        if not torch.is_tensor(stored) or stored.shape != tensor.shape or stored.dtype != tensor.dtype:
            raise CorruptEntry(f"its tensor {name!r} does not match the network's {tuple(tensor.shape)}")
    try:
        history_of(payload)
    except (KeyError, TypeError) as error:
        raise CorruptEntry(f"its history is malformed ({error})") from error
