"""Parameters of the cooperating-classifiers section: per-profile values, allowed values and cross-parameter rules."""

from collections.abc import Callable
from typing import Any

from lib.params import choice, int_list, integer, number, number_list, param


def corruption_fractions() -> tuple[str, Callable[[Any], bool]]:
    """Fractions in [0, 1], one strictly between them: the quarantine analysis needs a partly corrupted run."""
    in_range = number_list(0.0, 1.0)[1]
    return ("a list of numbers in [0.0, 1.0], at least one strictly between 0 and 1",
            lambda v: in_range(v) and any(0 < x < 1 for x in v))


PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the first network; members and draws follow from it"),
    param("n_train", 1000, 10000, 55000, integer(500, 55000), "MNIST training images (55k/5k/10k split)"),
    param("n_seeds", 1, 2, 5, integer(1, 10), "networks per architecture, stacked in one engine call"),
    param("depths", (1, 6), (1, 3, 6, 10), tuple(range(1, 11)),
          int_list(1, 10),
          "hidden layers of 100 nodes (slides: 1-10)"),
    param("widths", (20,), (20, 50, 100), (20, 50, 100, 150, 200),
          int_list(2, 1000),
          "nodes per layer of the 10-layer networks (slides: 20-200)"),
    param("optimizer", "adam", "adam", "adam", choice("adam", "sgd"), "optimiser (slides: SGD and Adam)"),
    param("lr", 1e-3, 1e-3, 1e-3, number(1e-6, 1.0), "learning rate"),
    param("max_epochs", 1, 6, 100, integer(1, 1000), "epochs at most (early stopping on the validation loss)"),
    param("patience", 1, 2, 5, integer(1, 100), "evaluations without improvement before a network stops"),
    param("n_fit", 300, 3000, 20000, integer(100, 55000), "training images that fit the node classifiers"),
    param("n_eval", 200, 1000, 10000, integer(100, 10000), "test images that score the node classifiers"),
    param("grid_size", 64, 256, 512, integer(32, 4096), "grid points of each kernel density estimate"),
    param("snapshots", 3, 8, 20, integer(2, 50), "log-spaced weight snapshots of the 6x100 network in training"),
    param("snapshot_epochs", 1, 2, 5, integer(1, 100), "epochs spanned by the snapshots"),
    param("sigmoid_lrs", (0.01,), (0.003, 0.01), (0.001, 0.003, 0.01, 0.03), number_list(1e-6, 1.0),
          "learning-rate grid of the 7x100 sigmoid network (one engine call; best mean validation loss wins)"),
    param("sigmoid_epochs", 1, 40, 200, integer(1, 1000), "epochs at most of the sigmoid network"),
    param("sigmoid_patience", 1, 5, 10, integer(1, 100), "evaluations without improvement before it stops"),
    param("sigmoid_threshold", 0.5, 0.5, 0.5, number(0.01, 0.99),
          "a sigmoid node is on where its output exceeds this (0.5: pre-activation > 0, as ReLU's on/off)"),
    param("fractions", (0.0, 0.5, 1.0), (0.0, 0.25, 0.5, 0.75, 1.0), tuple(i / 10 for i in range(11)),
          corruption_fractions(),
          "fractions of corrupted training labels (all fractions and seeds in one engine call)"),
    param("n_corrupt", 200, 1000, 10000, integer(100, 55000), "training images of the label-corruption runs"),
    param("corrupt_epochs", 3, 80, 500, integer(1, 5000), "epochs of each label-corruption run (no stopping)"),
)


def check(cfg) -> list[str]:
    """The node classifiers are fitted on training images of the networks' own training set."""
    if cfg.n_fit > cfg.n_train:
        return [f"parameters 'n_fit' and 'n_train': n_fit = {cfg.n_fit} exceeds n_train = {cfg.n_train}; "
                "allowed: n_fit <= n_train"]
    return []
