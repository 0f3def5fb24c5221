"""Parameters of the memorisation section: per-profile values, allowed values and cross-parameter rules."""

import math

from lib.data.jumps import SIGMA_ESTIMATE
from lib.params import choice, integer, number, number_or_range, param

MNIST_THESIS_STEPS = 48  # steps in one thesis epoch on MNIST: 48 000 training images at batch 1000 (§6.4.2)

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of data, label shuffles, initialisations and batches"),
    param("n_seeds", 2, 3, 3, integer(1, 20), "networks of each kind (memorising, learning)"),
    param("n_train", 300, 2400, 12000, integer(120, 100000), "training jump signals (thesis §3.1: 12000)"),
    param("n_val", 120, 1200, 6000, integer(60, 100000),
          "validation jump signals, the whole validation split (thesis: 6000, half the training set)"),
    param("n_test", 600, 6000, 60000, integer(120, 200000),
          "true-labelled test signals, equal per position (thesis §3.3.3: 60000, 1000 per position)"),
    param("theta", 3.0, 3.0, 3.0, number(0.0, 100.0), "jump size θ (thesis eq. 3.1)"),
    param("sigma", SIGMA_ESTIMATE, SIGMA_ESTIMATE, SIGMA_ESTIMATE, number_or_range(0.0, 100.0),
          "noise σ, the jump-detection chapter's estimate of the thesis's σ (thesis: 'ranging from 0.5 to 2')"),
    param("hidden", 16, 100, 100, integer(2, 4096), "nodes per hidden layer, 3 hidden layers (thesis: 100)"),
    param("optimizer", "sgd", "sgd", "sgd", choice("sgd", "adam"), "optimiser (thesis: SGD without momentum)"),
    param("lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "learning rate (thesis: 0.01 with SGD)"),
    param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis: 100)"),
    param("max_epochs", 10, 3000, 20000, integer(1, 1000000), "epoch cap of every jump network"),
    param("patience", 3, 10, 10, integer(1, 1000),
          "epochs without a lower validation loss before a learning network stops (thesis: 'starts to increase')"),
    param("curve_every", 1, 5, 1, integer(1, 1000),
          "checks between the points of the accuracy curves (the stop and the patience use every check)"),
    param("n_tsne", 100, 600, 12000, integer(31, 100000), "training signals in each t-SNE map (thesis: 12000)"),
    param("perplexity", 5.0, 30.0, 30.0, number(2.0, 200.0), "t-SNE perplexity"),
    param("mnist_seeds", 1, 1, 3, integer(1, 20), "MNIST networks of each kind (learning, memorising)"),
    param("mnist_train", 200, 1000, 48000, integer(100, 48000),
          "MNIST training images, the same for the learning and the memorising network (thesis: 48000; fewer in "
          "default so that both networks reach their stopping point in the budget)"),
    param("mnist_val", 100, 12000, 12000, integer(50, 12000), "MNIST validation images (thesis: 12000)"),
    param("mnist_test", 200, 10000, 10000, integer(100, 10000), "MNIST test images (thesis: 10000)"),
    param("mnist_hidden", 16, 64, 784, integer(2, 4096),
          "MNIST nodes per hidden layer (thesis: 784; fewer in default, for the budget)"),
    param("mnist_optimizer", "sgd", "sgd", "sgd", choice("sgd", "adam"), "MNIST optimiser (thesis: SGD)"),
    param("mnist_lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "MNIST learning rate (thesis: 0.01)"),
    param("mnist_batch_size", 100, 1000, 1000, integer(1, 100000), "MNIST batch size (thesis: 1000)"),
    param("mnist_max_epochs", 48, 20000, 5000, integer(1, 1000000),
          "epoch cap of the MNIST runs (epochs of mnist_train images)"),
    param("mnist_patience", 2, 5, 5, integer(1, 1000),
          "thesis epochs (checks every 48 steps) without a lower validation loss before the MNIST learning "
          "network stops"),
)


def thesis_epochs(n_train: int, batch_size: int) -> int:
    """Epochs of n_train images that make one thesis epoch of MNIST_THESIS_STEPS steps (at least 1)."""
    return max(1, round(MNIST_THESIS_STEPS / math.ceil(n_train / batch_size)))


def check(cfg) -> list[str]:
    """Jump signals are drawn equally often at each of the 60 positions; t-SNE maps need enough signals; the
    MNIST runs reach at least one check."""
    problems = [f"parameter '{name}': got {getattr(cfg, name)}, allowed: a multiple of 60 (equal signals per "
                "jump position)" for name in ("n_train", "n_val", "n_test") if getattr(cfg, name) % 60]
    if cfg.n_tsne > cfg.n_train:
        problems.append(f"parameters 'n_tsne' and 'n_train': got n_tsne = {cfg.n_tsne} > n_train = {cfg.n_train}, "
                        "allowed: n_tsne at most n_train (the maps draw training signals)")
    if cfg.n_tsne < 50:
        problems.append(f"parameter 'n_tsne': got {cfg.n_tsne}; each map first projects onto 50 principal components "
                        "(lib.embedding.pca_reduce), which needs 50 signals or more; allowed: n_tsne >= 50")
    if cfg.perplexity * 3 >= cfg.n_tsne:
        problems.append(f"parameters 'perplexity' and 'n_tsne': got perplexity {cfg.perplexity} with {cfg.n_tsne} "
                        "signals, allowed: n_tsne above 3 × perplexity (t-SNE needs that many neighbours)")
    every = thesis_epochs(cfg.mnist_train, cfg.mnist_batch_size)
    if cfg.mnist_max_epochs < every:
        problems.append(f"parameters 'mnist_max_epochs', 'mnist_train' and 'mnist_batch_size': got mnist_max_epochs "
                        f"= {cfg.mnist_max_epochs}, allowed: at least {every}, the epochs of {cfg.mnist_train} "
                        f"images at batch {cfg.mnist_batch_size} in one check (one thesis epoch of 48 steps)")
    return problems
