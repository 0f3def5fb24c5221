"""Files written whole or not at all: the model cache, the checkpoints and the data caches share one writer."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """write(handle) into a temporary file in the same folder, fsync, then rename it over `path`; a failure leaves
    `path` as it was and no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def write_atomic(path: Path, blob: bytes) -> None:
    """The bytes `blob` into `path`, atomically (write_atomically)."""
    write_atomically(path, lambda handle: handle.write(blob))
