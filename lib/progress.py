"""Progress of a run a person watches: the engine writes one tqdm bar per training call (members, epoch, best
validation loss, ETA) to the file named by $NODEWISE_PROGRESS; the runner shows that file as it grows. Unset (the
test suite, `make book`), nothing is written."""

import os
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

PROGRESS_ENV = "NODEWISE_PROGRESS"


def training_bar(members: int, max_epochs: int) -> tqdm | None:
    """A bar over the epochs of one training call of `members` stacked networks, or None when not asked for."""
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return None
    stream = open(path, "a", buffering=1, encoding="utf-8")  # closed with the bar (training_done)
    return tqdm(total=max_epochs, desc=f"training {members} network{'s' * (members > 1)}", unit="epoch",
                file=stream, mininterval=1.0, ascii=True, ncols=110)


def training_update(bar: tqdm | None, best_val_loss: float | None, active: int) -> None:
    """One epoch done: the lowest validation loss so far (over members) and how many are still training."""
    if bar is not None:
        if best_val_loss is not None:
            bar.set_postfix(best_val_loss=f"{best_val_loss:.4g}", training=active, refresh=False)
        bar.update(1)


def training_done(bar: tqdm | None) -> None:
    """Close the bar and its file (early stopping may end it before max_epochs)."""
    if bar is not None:
        bar.close()
        bar.fp.close()


@contextmanager
def shown(path: Path, stream=None, every_s: float = 0.5):
    """While the block runs, copy what is appended to `path` onto `stream` (stderr): the kernel's bars."""
    stream = stream or sys.stderr
    stop = threading.Event()
    path.touch()

    def follow():
        with open(path, encoding="utf-8", errors="replace") as handle:
            while True:
                text = handle.read()
                if text:
                    stream.write(text)
                    stream.flush()
                elif stop.is_set():
                    return
                else:
                    time.sleep(every_s)

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
