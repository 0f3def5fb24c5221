"""Parameters of the summary-layers section: per-profile values, allowed values and cross-parameter rules."""

from lib.params import choice, int_list, integer, number, number_list, param

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "first training seed; the grid uses seed, seed+1, ..."),
    param("hidden_sizes", (16,), (100, 300, 600), (100, 300, 600),
          int_list(2, 4096, 6),
          "functional hidden-layer sizes H (Davel 2020 Table 1: 100, 300, 600)"),
    param("analysed_hidden", 16, 300, 300, integer(2, 4096), "H of the analysed network (Davel 2020: 300)"),
    param("lr_low", 0.1, 0.1, 0.01, number(1e-5, 10.0), "smallest SGD learning rate of the log-spaced grid"),
    param("lr_high", 0.3, 0.1, 0.1, number(1e-5, 10.0), "largest SGD learning rate of the grid"),
    param("n_lr", 2, 1, 3, integer(1, 20), "learning rates in the grid (not stated in Davel 2020)"),
    param("n_seeds", 1, 3, 3, integer(1, 10), "training seeds per learning rate (Davel 2020 §4.1: 3)"),
    param("batch_size", 64, 64, 64, integer(1, 55000), "SGD mini-batch size (not stated in Davel 2020)"),
    param("max_epochs", 2, 4, 300, integer(1, 10000), "epoch cap (the paper trains until convergence)"),
    param("patience", 1, 5, 20, integer(1, 1000), "epochs without a lower validation loss before stopping"),
    param("screen_lrs", (0.1,), (0.01, 0.03, 0.1), (0.01, 0.03, 0.1), number_list(1e-5, 10.0),
          "learning rates of the screening runs (one row each)"),
    param("screen_seeds", 2, 4, 20, integer(1, 100), "seeds per setting in the screening runs"),
    param("screen_steps", 20, 500, 2000, integer(1, 100000), "SGD steps of a screening run"),
    param("n_train", 1000, 55000, 55000, integer(100, 55000), "MNIST training images (55k/5k/10k split)"),
    param("n_eval", 500, 10000, 10000, integer(100, 10000), "test images analysed (Davel 2020: all 10000)"),
    param("n_scatter", 100, 1000, 1000, integer(10, 10000), "samples in Fig. 5 and pairs in Fig. 10 (1000)"),
    param("init_seeds", 4, 30, 200, integer(1, 10000),
          "seeds whose He initialisation is measured for silenced images (beyond the paper)"),
    param("lucky_scope", "analysed", "analysed", "all", choice("analysed", "all"),
          "H of the lucky draw: the analysed one, or all of hidden_sizes (beyond the paper)"),
    param("lucky_seeds", 3, 16, 60, integer(1, 10000), "seeds of the lucky draw per H (beyond the paper)"),
    param("lucky_screen_epochs", 1, 1, 5, integer(1, 1000), "epochs of the lucky draw's screen"),
    param("lucky_control", 1, 2, 6, integer(0, 10000),
          "seeds that lost a class at the screen and are trained on anyway (a check of the screen)"),
    param("linear_scope", "analysed", "analysed", "all", choice("analysed", "all"),
          "H of the linear-summary arm: the analysed one, or all of hidden_sizes (beyond the paper)"),
)


def check(cfg) -> list[str]:
    """The learning-rate grid runs from lr_low up to lr_high; the analysed network is one of the grid's; the lucky
    draw's screen ends before the epoch cap; the grid holds at least two networks."""
    found = []
    if cfg.lr_low > cfg.lr_high:
        found.append(f"parameters 'lr_low' and 'lr_high': need lr_low <= lr_high, got {cfg.lr_low} > {cfg.lr_high}")
    if cfg.analysed_hidden not in cfg.hidden_sizes:
        found.append(f"parameters 'analysed_hidden' and 'hidden_sizes': analysed_hidden = {cfg.analysed_hidden} "
                     f"must be one of hidden_sizes {list(cfg.hidden_sizes)}")
    if cfg.lucky_screen_epochs >= cfg.max_epochs:
        found.append(f"parameters 'lucky_screen_epochs' and 'max_epochs': the screen must end before the cap, got "
                     f"{cfg.lucky_screen_epochs} >= {cfg.max_epochs}")
    if cfg.n_lr * cfg.n_seeds < 2:
        found.append(f"parameters 'n_lr' and 'n_seeds': need n_lr · n_seeds >= 2 (the organised/disorganised "
                     f"comparison needs two networks), got {cfg.n_lr} · {cfg.n_seeds}")
    return found


def scope_sizes(cfg, scope: str) -> tuple[int, ...]:
    """The H an arm beyond the paper runs for: the analysed one, or every H of the grid ('analysed' | 'all')."""
    if scope not in ("analysed", "all"):
        raise ValueError(f"scope: expected 'analysed' or 'all', got {scope!r}")
    return (cfg.analysed_hidden,) if scope == "analysed" else tuple(cfg.hidden_sizes)
