"""Parameters of the cooperating-classifiers section: per-profile values, allowed values and cross-parameter rules."""

from collections.abc import Callable
from typing import Any

from lib.params import choice, int_list, integer, number, number_list, param


def corruption_fractions() -> tuple[str, Callable[[Any], bool]]:
    """Fractions in [0, 1], one strictly between them: the quarantine analysis needs a partly corrupted run."""
    in_range = number_list(0.0, 1.0)[1]
    return ("a list of numbers in [0.0, 1.0], at least one strictly between 0 and 1",
            lambda v: in_range(v) and any(0 < x < 1 for x in v))


def optimizer_list() -> tuple[str, Callable[[Any], bool]]:
    """A non-empty list of distinct optimisers among adam and sgd."""
    return ("a list of distinct optimisers among 'adam', 'sgd'",
            lambda v: isinstance(v, list | tuple) and 0 < len(v) == len(set(v))
            and all(o in ("adam", "sgd") for o in v))


PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the first network; members and draws follow from it"),
    param("n_train", 1000, 55000, 55000, integer(500, 55000),
          "training images of MNIST and FMNIST (55k/5k/10k split; slides: the full training set)"),
    param("n_seeds", 1, 2, 5, integer(1, 10), "networks per architecture and setting, stacked in one engine call"),
    param("depths", (1, 6), (1, 3, 6), tuple(range(1, 11)), int_list(1, 10),
          "hidden layers of 100 nodes of the FMNIST depth sweep (slides: 1-10; 6 is always trained)"),
    param("optimizers", ("adam",), ("adam", "sgd"), ("adam", "sgd"), optimizer_list(),
          "optimisers of the ReLU networks' grid (slides: SGD and Adam)"),
    param("adam_lrs", (1e-3,), (1e-3, 3e-3), (3e-4, 1e-3, 3e-3), number_list(1e-6, 1.0),
          "Adam learning-rate grid (slides: 'lr grid search', rates not stated)"),
    param("sgd_lrs", (0.1,), (0.03, 0.1), (0.01, 0.03, 0.1), number_list(1e-6, 10.0), "SGD learning-rate grid"),
    param("grid_on", "focus", "focus", "all", choice("focus", "all"),
          "networks searched over the whole grid: 'focus' = the two 6x100 networks (the other depths reuse the "
          "FMNIST 6x100 choice), 'all' = every ReLU network"),
    param("max_epochs", 2, 40, 200, integer(1, 1000), "epochs at most (early stopping on the validation loss)"),
    param("patience", 1, 3, 5, integer(1, 100), "evaluations without improvement before a network stops"),
    param("continuous_values", "pre", "pre", "pre", choice("pre", "post"),
          "what the continuous node classifier's density is fitted to: pre-activation z or output f(z)"),
    param("n_fit", 300, 3000, 20000, integer(100, 55000), "training images that fit the node classifiers"),
    param("n_eval", 200, 2000, 10000, integer(100, 10000), "test images that score the node classifiers"),
    param("n_perplexity", 200, 10000, 10000, integer(100, 10000), "test images behind the layer perplexities"),
    param("grid_size", 64, 256, 512, integer(32, 4096), "grid points of each kernel density estimate"),
    param("snapshots", 3, 8, 20, integer(2, 50), "log-spaced weight snapshots of the FMNIST 6x100 network"),
    param("snapshot_epochs", 1, 1, 2, integer(1, 100), "epochs spanned by the snapshots"),
    param("sigmoid_lrs", (0.003,), (0.003,), (0.001, 0.003, 0.01), number_list(1e-6, 1.0),
          "Adam learning-rate grid of the FMNIST 7x100 sigmoid network (best mean validation loss wins)"),
    param("sigmoid_epochs", 2, 40, 200, integer(1, 1000), "epochs at most of the sigmoid network"),
    param("sigmoid_threshold", 0.5, 0.5, 0.5, number(0.01, 0.99),
          "a sigmoid node is on where its output exceeds this (0.5: pre-activation > 0, as ReLU's on/off)"),
    param("fractions", (0.0, 0.5, 1.0), (0.0, 0.25, 0.5, 0.75, 1.0), tuple(i / 10 for i in range(11)),
          corruption_fractions(), "fractions of corrupted MNIST training labels (one engine call per way)"),
    param("n_corrupt", 200, 1000, 10000, integer(100, 55000), "training images of the label-corruption runs"),
    param("corrupt_epochs", 3, 100, 500, integer(1, 5000), "epochs of each label-corruption run (no stopping)"),
)


def check(cfg) -> list[str]:
    """Cross-parameter rules: the node classifiers are fitted on the networks' own training images; a grid
    needs the learning rates of every optimiser it names; the snapshots lie within the networks' epochs."""
    found = []
    if cfg.n_fit > cfg.n_train:
        found.append(f"parameters 'n_fit' and 'n_train': n_fit = {cfg.n_fit} exceeds n_train = {cfg.n_train}; "
                     "allowed: n_fit <= n_train")
    if cfg.snapshot_epochs > cfg.max_epochs:
        found.append(f"parameters 'snapshot_epochs' and 'max_epochs': snapshot_epochs = {cfg.snapshot_epochs} "
                     f"exceeds max_epochs = {cfg.max_epochs}; allowed: snapshot_epochs <= max_epochs")
    if cfg.patience >= cfg.max_epochs:
        found.append(f"parameters 'patience' and 'max_epochs': patience = {cfg.patience} leaves no room to stop "
                     f"before max_epochs = {cfg.max_epochs}; allowed: patience < max_epochs")
    return found
