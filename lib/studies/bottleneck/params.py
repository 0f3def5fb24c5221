"""Parameters of the bottleneck section: per-profile values, allowed values and cross-parameter rules."""

from lib.data.jumps import SIGMA_ESTIMATE
from lib.params import choice, integer, number, number_or_range, param

P_SETS = {"table": (2, 4, 10), "core": (2, 4, 6, 10), "all": tuple(range(2, 11))}

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the data sets and of the Monte Carlo"),
    param("n_train", 600, 12000, 12000, integer(60, 200000), "training signals (thesis §4.2.1: 12000)"),
    param("n_val", 300, 6000, 6000, integer(60, 100000), "validation signals (thesis §4.2.1: 6000)"),
    param("n_test", 600, 6000, 6000, integer(60, 100000), "test signals (thesis §4.2.1: 6000)"),
    param("theta", 3.0, 3.0, 3.0, number(0.1, 100.0), "jump size θ (thesis §3.1: 3)"),
    param("sigma", SIGMA_ESTIMATE, SIGMA_ESTIMATE, SIGMA_ESTIMATE, number_or_range(0.0, 10.0),
          "noise σ, a value or a range (not stated; the jump-detection chapter's σ, as 'same data')"),
    param("p_set", "table", "core", "all", choice("table", "core", "all"),
          "bottleneck widths: 'table' = 2, 4, 10 (Table 4.1), 'core' = 2, 4, 6, 10, 'all' = 2..10 (Fig. 4.3-4.5)"),
    param("n_seeds", 1, 3, 5, integer(1, 50), "network seeds per (depth, p), all in one engine call per depth"),
    param("n_draws", 2, 2, 2, integer(1, 20),
          "independent data draws (training, validation and test signals); every network seed is trained on each"),
    param("init", "glorot", "glorot", "glorot", choice("glorot", "he", "torch"),
          "weight initialisation (not stated; glorot: the Keras default of the thesis's time)"),
    param("lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "SGD learning rate (thesis §4.2.1: 0.01)"),
    param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis §4.2.1: 100)"),
    param("max_epochs", 2, 1000, 3000, integer(1, 100000),
          "epoch cap of the wide bottlenecks p >= 5 (the thesis stops early only; they stop well before it)"),
    param("narrow_epochs", 2, 100, 5000, integer(1, 100000),
          "epoch cap of the narrow bottlenecks p <= 4 (they need far more epochs than the default budget holds; "
          "in the page's long run some still improve near its end)"),
    param("patience", 1, 50, 200, integer(1, 100000),
          "epochs without a lower validation loss before stopping (long: narrow bottlenecks learn in steps)"),
    param("init_epochs", 2, 600, 1000, integer(1, 100000), "epoch cap of the output-initialisation runs"),
    param("init_control", "zero", "zero", "zero", choice("zero", "glorot"),
          "output layer of the control arm: 'zero' (starts at ln 60 like least squares) or a fresh Glorot draw"),
    param("mc_trials", 200, 2000, 100000, integer(10, 10**9), "Monte-Carlo trials per (p, n) cell (Fig. 4.14)"),
    param("claim_trials", 2000, 1000000, 20000000, integer(10, 10**10),
          "trials for the p = 2, n = 10 claim (thesis §4.3.4: below 1e-5)"),
    param("sep_trials", 200, 5000, 200000, integer(10, 10**9), "trials per (n, r) cell of Fig. 4.15"),
    param("n_ratios", 2, 4, 7, integer(2, 31), "values of n between 2p and 5p (7 = every n for p = 2)"),
)


def check(cfg) -> list[str]:
    """Rules that join two parameters: the data splits hold whole batches, patience is below every cap."""
    found = []
    if cfg.batch_size > cfg.n_train:
        found.append(f"parameters 'batch_size' and 'n_train': batch_size = {cfg.batch_size} exceeds n_train = "
                     f"{cfg.n_train}; allowed: batch_size <= n_train")
    if cfg.patience > cfg.max_epochs:
        found.append(f"parameters 'patience' and 'max_epochs': patience = {cfg.patience} exceeds max_epochs = "
                     f"{cfg.max_epochs}, so no network could stop early (converge); allowed: patience <= max_epochs")
    if cfg.patience > cfg.narrow_epochs:
        found.append(f"parameters 'patience' and 'narrow_epochs': patience = {cfg.patience} exceeds narrow_epochs = "
                     f"{cfg.narrow_epochs}, so no narrow network could stop early; allowed: patience <= narrow_epochs")
    if cfg.patience > cfg.init_epochs:
        found.append(f"parameters 'patience' and 'init_epochs': patience = {cfg.patience} exceeds init_epochs = "
                     f"{cfg.init_epochs}, so no initialisation arm could stop early; allowed: patience <= init_epochs")
    if cfg.sep_trials > cfg.claim_trials:
        found.append(f"parameters 'sep_trials' and 'claim_trials': sep_trials = {cfg.sep_trials} exceeds "
                     f"claim_trials = {cfg.claim_trials}; allowed: sep_trials <= claim_trials")
    return found
