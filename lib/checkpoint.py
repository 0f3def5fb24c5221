"""Checkpoints of a training call in progress, so that a killed run continues where it stopped.

While lib.cache trains a missing model it names checkpoint files beside the model's (`<key>.<call>.partial`, one
per engine call the model's training makes, in order). The engine saves its whole state there (weights, optimizer
moments, early-stopping records, every member's random generator, the history so far) at the end of an epoch once
`$NODEWISE_CHECKPOINT_S` seconds (default 60) have passed since the last save, and once more when the call ends; a
new run for the same config starts each call from its saved state (a finished call returns at once). A resumed run
gives the same weights as an uninterrupted one (tested). A checkpoint that fails to load, or was written for
another call, is deleted and that call starts afresh. Calls with callbacks (weight snapshots) are not
checkpointed: their callbacks hold state the engine cannot save.
"""

import contextvars
import io
import os
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

INTERVAL_ENV = "NODEWISE_CHECKPOINT_S"


@dataclass
class Target:
    """Where one engine call saves and finds its checkpoint, what it must match, and when it last saved."""

    path: Path
    config_text: str
    saved_at: float

    def due(self) -> bool:
        """Whether the save interval has passed since the last save (or the call started)."""
        return time.monotonic() - self.saved_at >= float(os.environ.get(INTERVAL_ENV, 60))


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


def save(target: Target, state: dict) -> None:
    """Write the engine's state for the target's config atomically; restart the interval."""
    from lib.cache import write_atomic  # the cache imports the engine, which imports this module

    buffer = io.BytesIO()
    torch.save({"config": target.config_text, "state": state}, buffer)
    write_atomic(target.path, buffer.getvalue())
    target.saved_at = time.monotonic()


def load(target: Target) -> dict | None:
    """The saved engine state for the target's config, or None (none saved; unreadable or foreign: deleted)."""
    if not target.path.exists():
        return None
    try:
        stored = torch.load(target.path, map_location="cpu", weights_only=True)
        if stored.get("config") != target.config_text:
            raise ValueError("it was written for another config")
        return stored["state"]
    except Exception as error:  # any unreadable file is retrained, never used
        warnings.warn(f"checkpoint {target.path.name} not used ({error}); training from the start",
                      CheckpointWarning, stacklevel=2)
        target.path.unlink(missing_ok=True)
        return None


def discard(stem: Path) -> None:
    """Remove a model's checkpoints once the model is stored."""
    for path in stem.parent.glob(f"{stem.name}.*.partial"):
        path.unlink(missing_ok=True)
