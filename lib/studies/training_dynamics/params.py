"""Parameters of the training-dynamics section: per-profile values, allowed values and cross-parameter rules."""

import math

from lib.params import choice, int_list, integer, number, param

INITS = ("torch", "he", "glorot")


def choice_list(*options: str):
    """A non-empty list of distinct strings, each one of `options`."""
    def ok(v) -> bool:
        items = list(v) if isinstance(v, (list, tuple)) else []
        return (len(items) > 0 and all(isinstance(x, str) and x in options for x in items)
                and len(set(items)) == len(items))
    return "a list of distinct values among " + ", ".join(repr(o) for o in options), ok


PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "first network seed; members use seed, seed+1, ..."),
    param("depths", (2, 3), (2, 9), (2, 5, 9),
          int_list(2, 12),
          "layers excluding the input, i.e. hidden layers + 1 (H&D §4.1: 2, 5, 9)"),
    param("widths", (8,), (20, 80, 320), (20, 80, 320),
          int_list(2, 2048),
          "nodes per hidden layer (H&D §4.1: 20, 80, 320)"),
    param("losses", "both", "both", "both", choice("both", "ce", "mse"),
          "cross-entropy and/or MSE, trained in the same engine call (H&D §4.1: both)"),
    param("n_seeds", 2, 3, 3, integer(1, 10), "initialisation seeds per shape and loss (H&D §4.1: 3)"),
    param("epochs", 1, 2, 200, integer(1, 1000), "training epochs, no early stopping (H&D §4.1: 200)"),
    param("n_train", 1200, 48000, 48000, integer(120, 48000), "MNIST training images (48k/12k split)"),
    param("n_val", 600, 3000, 12000, integer(100, 12000),
          "validation images the probes run on, the first of the 12,000 (H&D: 12000)"),
    param("lr", 1e-3, 1e-3, 1e-3, number(1e-6, 1.0), "Adam step size α (H&D §4.1: 0.001)"),
    param("batch_size", 60, 60, 60, integer(1, 48000), "mini-batch size (H&D §4.1: 60)"),
    param("init", "torch", "torch", "torch", choice("he", "glorot", "torch"),
          "weight initialisation of the grid (not stated): torch = U(±1/√fan_in), PyTorch's default"),
    param("compare_inits", ("torch", "he", "glorot"), ("torch", "he", "glorot"), ("torch", "he", "glorot"),
          choice_list(*INITS), "initialisations compared side by side (reading choice)"),
    param("compare_depths", (2, 3), (2, 9), (2, 9), int_list(2, 12), "depths of the initialisation comparison"),
    param("compare_widths", (8,), (320,), (320,), int_list(2, 2048), "widths of the initialisation comparison"),
    param("compare_steps", 10, 400, 160000, integer(1, 1000000),
          "training steps of the initialisation comparison: the grid's run stopped there"),
    param("measurements", 8, 20, 60, integer(3, 1000), "log-spaced measurement points incl. step 0 and the end"),
    param("reg_points", 60, 200, 200, integer(10, 100000), "samples of the 1-D regression example (Fig. 1)"),
    param("reg_nodes", 30, 30, 30, integer(2, 1000), "hidden ReLU nodes of the 1-D example (H&D §3: 30)"),
    param("reg_steps", 200, 4000, 4000, integer(1, 1000000), "full-batch Adam steps of the 1-D example"),
    param("reg_noise", 0.1, 0.1, 0.1, number(0.0, 10.0), "noise σ of the 1-D example's targets"),
    param("margin_lr", 0.1, 0.1, 0.1, number(1e-6, 100.0), "SGD learning rate η of the inclusion-margin steps"),
    param("margin_steps", 3, 20, 20, integer(1, 10000), "SGD steps checked against eq. 4-7 (not in the paper)"),
    param("margin_samples", 200, 2000, 2000, integer(10, 12000), "validation images t checked at each step"),
    param("timing_steps", 1, 20, 50, integer(1, 10000),
          "engine steps per paper shape timed for the projection, after one untimed warm-up step"),
)


def check(cfg) -> list[str]:
    """Rules between parameters: the probes read validation images the margin steps also use; the comparison
    is a prefix of the grid's run, on shapes of the grid, and includes the grid's own initialisation."""
    found = []
    if cfg.margin_samples > cfg.n_val:
        found.append(f"parameters 'margin_samples' and 'n_val': margin_samples = {cfg.margin_samples} exceeds "
                     f"n_val = {cfg.n_val}; allowed: margin_samples <= n_val")
    if cfg.margin_steps * cfg.batch_size > cfg.n_train:
        found.append(f"parameters 'margin_steps', 'batch_size' and 'n_train': the margin steps need margin_steps · "
                     f"batch_size = {cfg.margin_steps * cfg.batch_size} distinct training images, n_train = "
                     f"{cfg.n_train}; allowed: margin_steps · batch_size <= n_train")
    steps = cfg.epochs * math.ceil(cfg.n_train / cfg.batch_size)
    if cfg.compare_steps > steps:
        found.append(f"parameters 'compare_steps', 'epochs', 'n_train' and 'batch_size': compare_steps = "
                     f"{cfg.compare_steps} exceeds the grid's {steps} training steps (epochs · ⌈n_train / "
                     f"batch_size⌉); allowed: compare_steps <= {steps}")
    missing = sorted({(d, w) for d in cfg.compare_depths for w in cfg.compare_widths}
                     - {(d, w) for d in cfg.depths for w in cfg.widths})
    if missing:
        found.append(f"parameters 'compare_depths', 'compare_widths', 'depths' and 'widths': the comparison reads "
                     f"the grid's own initialisation from the grid, which lacks "
                     f"{', '.join(f'{d}×{w}' for d, w in missing)}; allowed: compare_depths ⊆ depths and "
                     f"compare_widths ⊆ widths")
    if cfg.init not in cfg.compare_inits:
        found.append(f"parameters 'init' and 'compare_inits': init = {cfg.init!r} is not among compare_inits = "
                     f"{tuple(cfg.compare_inits)}; allowed: compare_inits includes init")
    return found
