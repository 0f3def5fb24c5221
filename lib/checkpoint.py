"""Checkpoints of a training call in progress, so that a killed run continues where it stopped.

While lib.cache trains a missing model it names checkpoint files beside the model's (`<key>.<call>.partial`, one
per engine call the model's training makes, in order). The engine saves its whole state there (weights, optimizer
moments, early-stopping records, every member's random generator, the history so far) at the end of an epoch once
`$NODEWISE_CHECKPOINT_S` seconds (default 60) have passed since the last save, and once more when the call ends; a
new run for the same config starts each call from its saved state (a finished call returns at once). A resumed run
gives the same weights as an uninterrupted one (tested). A checkpoint file is one header line
"nodewise-checkpoint 1 <sha256 of the call's config and the body>" and a torch.save body, so that a flipped bit, a
truncated file or a checkpoint of another call fails verification. A checkpoint that fails to load or to resume
for any reason, or whose resumed weights are not finite, is deleted with a warning and its call starts afresh.
Calls with callbacks (weight snapshots) are not checkpointed: their callbacks hold state the engine cannot save.

$NODEWISE_CHECKPOINT_S must be a finite number of seconds >= 0 (0: save after every epoch); anything else is a
SettingError naming the variable.
"""

import contextvars
import hashlib
import io
import math
import os
import shutil
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from lib.files import write_atomic
from lib.paths import SettingError

INTERVAL_ENV = "NODEWISE_CHECKPOINT_S"
FORMAT = b"nodewise-checkpoint 1"


def interval_s() -> float:
    """Seconds between saves: $NODEWISE_CHECKPOINT_S (default 60), a finite number >= 0; SettingError otherwise."""
    text = os.environ.get(INTERVAL_ENV, "60")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise SettingError(f"environment variable {INTERVAL_ENV}: got {text!r}, allowed: a number of seconds >= 0 "
                           f"(0: after every epoch; unset: 60); set it so or unset it")
    return value


@dataclass
class Target:
    """Where one engine call saves and finds its checkpoint, what it must match, and when it last saved."""

    path: Path
    config_text: str
    saved_at: float

    def due(self) -> bool:
        """Whether the save interval has passed since the last save (or the call started)."""
        return time.monotonic() - self.saved_at >= interval_s()


@dataclass
class Model:
    """The model being trained for one cache config: its checkpoints' stem and how many calls have started."""

    stem: Path
    config_text: str
    calls: int = 0


_MODEL: contextvars.ContextVar[Model | None] = contextvars.ContextVar("nodewise_checkpoint", default=None)


class CheckpointWarning(UserWarning):
    """A checkpoint could not be used and training starts afresh."""


@contextmanager
def saving_to(stem: Path, config_text: str):
    """While the block trains the model for `config_text`, the engine checkpoints each call to `stem.<n>.partial`."""
    token = _MODEL.set(Model(stem, config_text))
    try:
        yield
    finally:
        _MODEL.reset(token)


def next_call(fingerprint: str) -> Target | None:
    """The checkpoint of the engine call now starting (its architecture and settings in `fingerprint`), if the
    model cache is training a model; None otherwise."""
    model = _MODEL.get()
    if model is None:
        return None
    model.calls += 1
    return Target(model.stem.with_name(f"{model.stem.name}.{model.calls}.partial"),
                  f"{model.config_text}\ncall {model.calls}: {fingerprint}", time.monotonic())


def checksum(config_text: str, body: bytes) -> bytes:
    """sha256 (hex) over the call's config and the checkpoint's body."""
    return hashlib.sha256(config_text.encode() + b"\n" + body).hexdigest().encode()


def encode(config_text: str, state: dict) -> bytes:
    """The header line with the checksum, then the torch.save body of the config and the state."""
    buffer = io.BytesIO()
    torch.save({"config": config_text, "state": state}, buffer)
    body = buffer.getvalue()
    return FORMAT + b" " + checksum(config_text, body) + b"\n" + body


def decode(blob: bytes, config_text: str) -> dict:
    """The state saved for `config_text`; ValueError if the header, the checksum, the body or the config fails."""
    header, _, body = blob.partition(b"\n")
    if header != FORMAT + b" " + checksum(config_text, body):
        raise ValueError("header or checksum mismatch (damaged, or written for another call)")
    stored = torch.load(io.BytesIO(body), map_location="cpu", weights_only=True)
    if not isinstance(stored, dict) or stored.get("config") != config_text or not isinstance(stored.get("state"), dict):
        raise ValueError("its payload is not a checkpoint of this call")
    return stored["state"]


def save(target: Target, state: dict) -> None:
    """Write the engine's state for the target's config atomically; restart the interval."""
    write_atomic(target.path, encode(target.config_text, state))
    target.saved_at = time.monotonic()


def load(target: Target) -> dict | None:
    """The saved engine state for the target's config, or None (none saved; failing verification: deleted)."""
    try:
        blob = target.path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:  # a directory, an unreadable file
        reject(target, error)
        return None
    try:
        return decode(blob, target.config_text)
    except Exception as error:  # any file that fails to verify or load is retrained, never used
        reject(target, error)
        return None


def reject(target: Target, error: BaseException) -> None:
    """Warn that the target's checkpoint is not used (naming why) and delete it: its call trains afresh."""
    warnings.warn(f"checkpoint {target.path.name} not used ({type(error).__name__}: {error}); training its call "
                  "from the start", CheckpointWarning, stacklevel=3)
    if target.path.is_dir() and not target.path.is_symlink():
        shutil.rmtree(target.path, ignore_errors=True)
    else:
        target.path.unlink(missing_ok=True)


def check_finite(tensors: list[torch.Tensor]) -> None:
    """ValueError if a resumed weight is NaN or infinite."""
    for index, tensor in enumerate(tensors):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"resumed weight tensor {index} holds NaN or infinite values")


def discard(stem: Path) -> None:
    """Remove a model's checkpoints once the model is stored."""
    for path in stem.parent.glob(f"{stem.name}.*.partial"):
        path.unlink(missing_ok=True)
