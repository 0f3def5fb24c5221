"""The model cache: trained weights and histories keyed by a hash of the full training config.

A file is `cache_dir()/models/<key>.pt`: one header line "nodewise-model 1 <sha256 of the body>" and a body
written by torch.save. It is written atomically (temp file in the same folder, then os.replace) and verified on
load (the body's hash, then torch.load(weights_only=True)); a file failing either is deleted and rebuilt.
"""

import hashlib
import io
import json
import os
import pickle
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from lib import checkpoint
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
        return torch.load(io.BytesIO(body), weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as error:
        raise CorruptEntry(f"torch.load failed: {error}") from error


def write_atomic(path: Path, blob: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over `path`."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.stem, suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except OSError:
        Path(handle.name).unlink(missing_ok=True)
        raise


def load_verified(path: Path, config_text: str) -> dict | None:
    """The stored payload if the file exists and verifies for this config; a failing file is deleted."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        payload = decode(blob)
        if payload.get("config") != config_text:
            raise CorruptEntry("stored config differs from the requested one")
    except CorruptEntry as error:
        warnings.warn(f"model cache: {path.name} failed verification ({error}); retraining", CacheWarning,
                      stacklevel=3)
        path.unlink(missing_ok=True)
        return None
    return payload


def cached_train(config: dict, build_and_train: Callable[[], dict]) -> dict:
    """Payload for `config` from the cache, else from build_and_train() (tensors, numbers, lists, dicts), stored.

    `config` must describe everything the result depends on: architecture, init, seeds, data, optimizer, epochs.
    The returned dict holds the build's entries and "config" (its canonical JSON).
    """
    config_text = canonical_json(config)
    path = model_path(config_key(config))
    payload = load_verified(path, config_text)
    if payload is None:
        stem = path.with_suffix("")
        with checkpoint.saving_to(stem, config_text):
            payload = {**build_and_train(), "config": config_text}
        write_atomic(path, encode(payload))
        checkpoint.discard(stem)
    return payload


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
    payload = cached_train(training_config(net, cfg, data_id), lambda: result_payload(train(net, data, cfg)))
    net.load_state_dict(payload["state"])
    return history_of(payload)
