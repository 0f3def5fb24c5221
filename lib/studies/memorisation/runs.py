"""The networks of the chapter: the data they see, their cached training runs, the weights that are analysed and
whether each network reached its stopping point (thesis §6.2.2, §6.4.2).

Memorising networks train on shuffled labels until every training sample is fitted (100% training accuracy);
learning networks train on true labels until their validation loss has not fallen for `patience` epochs and are
analysed at its minimum. A network converged when it reached that point before its epoch cap.
"""

import dataclasses
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import numpy as np
import torch

from lib import data, models, parallel
from lib.cache import cached_train
from lib.studies.memorisation.params import thesis_epochs
from lib.studies.memorisation.training import (
    EvalSet,
    first_epoch_at,
    load_snapshot,
    memorised_weights,
    shuffled_labels,
    train_to_memorise,
)
from lib.train import resolve_device, train_config, train_data

POSITIONS = 60  # jump positions 21..80 = classes of the jump task
KINDS = ("memorising", "learning")
MNIST_SPLIT = "48k/12k/10k"


@dataclass(frozen=True)
class Sets:
    """One task's samples: training inputs with true and shuffled labels, validation and true-labelled test sets."""

    x_train: torch.Tensor
    y_true: torch.Tensor
    y_random: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    sizes: tuple[int, ...]  # network layer sizes
    n_classes: int
    key: dict  # what the samples depend on, for the cache key

    def labels(self, kind: str) -> torch.Tensor:
        """The training labels a network of `kind` is trained on."""
        return self.y_random if kind == "memorising" else self.y_true


def jump_sets(cfg) -> Sets:
    """Jump signals, every position equally often (n_train, n_val, n_test are multiples of 60 by `check`)."""
    splits = data.jump_splits(cfg.n_train, cfg.n_val, cfg.n_test, seed=cfg.seed, theta=cfg.theta,
                              sigma=cfg.sigma, balanced=True)
    tensors = [torch.from_numpy(a) for s in (splits.train, splits.val, splits.test) for a in (s.x, s.y)]
    random_y = torch.from_numpy(shuffled_labels(splits.train.y, cfg.seed + 1))
    key = {"task": "jump", "splits": [cfg.n_train, cfg.n_val, cfg.n_test], "seed": cfg.seed, "theta": cfg.theta,
           "sigma": cfg.sigma, "shuffle_seed": cfg.seed + 1}
    return Sets(tensors[0], tensors[1], random_y, *tensors[2:], sizes=(100, *[cfg.hidden] * 3, POSITIONS),
                n_classes=POSITIONS, key=key)


def mnist_training_split() -> tuple[np.ndarray, np.ndarray]:
    """All 48 000 training images of the thesis's split (§6.4.2), scaled to [0, 1], and their labels."""
    x, y = data.split_mnist(data.load_mnist(), MNIST_SPLIT).train
    return data.as_float(x), np.asarray(y)


def mnist_sets(cfg) -> Sets:
    """The first mnist_train training images (the same images for both kinds of network), the first mnist_val of
    the 12k validation split and the first mnist_test test images, scaled to [0, 1]."""
    mnist = data.split_mnist(data.load_mnist(), MNIST_SPLIT)
    parts = [(mnist.train, cfg.mnist_train), (mnist.val, cfg.mnist_val), (mnist.test, cfg.mnist_test)]
    tensors = [t for (x, y), n in parts for t in (torch.from_numpy(data.as_float(x[:n])),
                                                  torch.from_numpy(np.array(y[:n], dtype=np.int64)))]
    random_y = torch.from_numpy(shuffled_labels(tensors[1].numpy(), cfg.seed + 1))
    key = {"task": "mnist", "split": MNIST_SPLIT, "used": [cfg.mnist_train, cfg.mnist_val, cfg.mnist_test],
           "shuffle_seed": cfg.seed + 1}
    return Sets(tensors[0], tensors[1], random_y, *tensors[2:], sizes=(784, *[cfg.mnist_hidden] * 4, 10),
                n_classes=10, key=key)


@dataclass(frozen=True)
class Training:
    """How one task's networks are trained: optimiser, learning rate, batch, epoch cap, patience (in checks),
    members, seed, epochs between checks (stop and patience) and checks between the points of the curves."""

    optimizer: str
    lr: float
    batch_size: int
    max_epochs: int
    patience: int
    k: int
    seed: int
    every: int = 1
    curve_every: int = 1


def jump_training(cfg) -> Training:
    """The jump networks are checked after every epoch (thesis §3.3.1)."""
    return Training(cfg.optimizer, cfg.lr, cfg.batch_size, cfg.max_epochs, cfg.patience, cfg.n_seeds, cfg.seed,
                    1, cfg.curve_every)


def mnist_training(cfg) -> Training:
    """The MNIST networks are checked once per thesis epoch (48 000 images at batch 1000 = 48 steps, §6.4.2), so
    that the patience counts the thesis's epochs whatever the number of images."""
    return Training(cfg.mnist_optimizer, cfg.mnist_lr, cfg.mnist_batch_size, cfg.mnist_max_epochs,
                    cfg.mnist_patience, cfg.mnist_seeds, cfg.seed,
                    thesis_epochs(cfg.mnist_train, cfg.mnist_batch_size), cfg.curve_every)


def run(sets: Sets, how: Training, kind: str) -> dict:
    """The cached record of `how.k` networks of `kind`: per-epoch curves (E, K) and the weight snapshots."""
    tcfg = train_config(how.optimizer, lr=how.lr, batch_size=how.batch_size, max_epochs=how.max_epochs,
                        eval_every=None, restore_best=False, seed=how.seed, device="auto")
    patience = None if kind == "memorising" else how.patience
    key = {"section": "memorisation", **sets.key, "kind": kind, "sizes": list(sets.sizes), "init": "glorot",
           "seed": how.seed, "k": how.k, "train": tcfg.as_dict(), "patience": patience,
           "device": str(resolve_device("auto")), "every": how.every, "curve_every": how.curve_every,
           "record": "memorisation-v3"}

    def build() -> dict:
        net = models.mlp(how.k, sets.sizes, init="glorot", seed=how.seed)
        return train_to_memorise(net, train_data(sets.x_train, sets.labels(kind), sets.x_val, sets.y_val),
                                 EvalSet(sets.x_test, sets.y_test), tcfg, stop=kind == "memorising",
                                 patience=patience, every=how.every, curve_every=how.every * how.curve_every)
    return cached_train(key, build)


TASKS = ("jump", "mnist")


def run_in_worker(cfg, task: str, kind: str) -> None:
    """One (task, kind) record trained into the model cache, its sets built here from the parameters: a worker's
    task (lib.parallel), which ships the parameters rather than the data."""
    if task == "jump":
        run(jump_sets(cfg), jump_training(cfg), kind)
    else:
        run(mnist_sets(cfg), mnist_training(cfg), kind)


def train_on_cores(cfg) -> None:
    """Every record of the page (both tasks, both kinds) trained on the machine's cores (lib.parallel) into the
    model cache, from which measures.outcome then loads them."""
    values = SimpleNamespace(**dataclasses.asdict(cfg))  # picklable, with the same attributes
    parallel.fill_cache([partial(run_in_worker, values, task, kind) for task in TASKS for kind in KINDS])


def analysed_epoch(record: dict, kind: str) -> np.ndarray:
    """Per member, the epoch whose weights are analysed: first check at 100% training accuracy (memorising; the
    last check if never reached) or the validation minimum (learning): (K,) 1-based."""
    epochs = record["epoch"].numpy()
    if kind == "memorising":
        first = first_epoch_at(record["train_acc"].numpy(), epochs=epochs)
        return np.where(first > 0, first, epochs[-1])
    return epochs[np.nanargmin(record["val_loss"].numpy(), axis=0)]


def converged(record: dict, kind: str, patience: int) -> np.ndarray:
    """Per member: reached 100% training accuracy (memorising), or went `patience` checks past its validation
    minimum before the epoch cap stopped the run (learning): (K,) bool."""
    if kind == "memorising":
        return first_epoch_at(record["train_acc"].numpy()) > 0
    return len(record["val_loss"]) - 1 - np.nanargmin(record["val_loss"].numpy(), axis=0) >= patience


def analysed_net(record: dict, sets: Sets, kind: str, seed: int) -> models.StackedNet:
    """The networks at their analysed epoch: memorising at 100% training accuracy, learning at the validation
    minimum."""
    net = models.mlp(record["train_acc"].shape[1], sets.sizes, init="glorot", seed=seed)
    weights = memorised_weights(record) if kind == "memorising" else record["at_best_val"]
    return load_snapshot(net, weights).eval()
