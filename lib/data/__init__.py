"""The data of the studies: MNIST (`lib.data.mnist`) and the jump signals of thesis eq. 3.1 (`lib.data.jumps`).

The names the studies use are importable from here (`from lib import data; data.load_mnist()`).
"""

from lib.data.jumps import JumpSignals, JumpSplits, as_tensors, jump_signals, jump_splits, step_signals
from lib.data.mnist import (
    IMAGE_SHAPE,
    MNIST,
    N_CLASSES,
    MNISTUnavailable,
    Splits,
    as_float,
    load_mnist,
    split_mnist,
)

__all__ = ["IMAGE_SHAPE", "MNIST", "N_CLASSES", "JumpSignals", "JumpSplits", "MNISTUnavailable", "Splits",
           "as_float", "as_tensors", "jump_signals", "jump_splits", "load_mnist", "split_mnist",
           "step_signals"]
