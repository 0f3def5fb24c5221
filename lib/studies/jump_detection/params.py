"""Parameters of the jump-detection section: per-profile values, allowed values and cross-parameter rules."""

from lib.data.jumps import SIGMA_ESTIMATE
from lib.params import choice, integer, number, param

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the data sets (network seeds are 0..n_seeds-1)"),
    param("n_train", 600, 12000, 12000, integer(60, 200000), "training signals (thesis §3.1: 12000)"),
    param("n_val", 300, 6000, 6000, integer(60, 100000), "validation signals (thesis §3.1: 6000)"),
    param("n_test", 600, 6000, 6000, integer(60, 100000), "test signals (thesis §3.1: 6000)"),
    param("theta", 3.0, 3.0, 3.0, number(0.1, 100.0), "jump size θ (thesis §3.1: 3)"),
    param("sigma", SIGMA_ESTIMATE, SIGMA_ESTIMATE, SIGMA_ESTIMATE, number(0.0, 10.0),
          "noise σ of every signal (not stated; estimated from the baseline against Table 3.1, see the σ scan)"),
    param("scan_low", 0.85, 0.85, 0.8, number(0.0, 10.0), "lowest σ of the baseline scan against Table 3.1"),
    param("scan_high", 1.2, 1.2, 1.3, number(0.0, 10.0), "highest σ of the baseline scan"),
    param("scan_step", 0.05, 0.025, 0.01, number(0.005, 0.5), "σ step of the baseline scan"),
    param("scan_draws", 4, 20, 50, integer(2, 1000), "independent test sets of n_test signals per σ in the scan"),
    param("n_seeds", 2, 2, 3, integer(2, 50),
          "network seeds per shape and data draw (one engine call per shape and draw)"),
    param("n_draws", 2, 4, 5, integer(2, 50),
          "independent data draws (training, validation and test signals) the seven shapes of Table 3.4 are "
          "trained on; draw 0 also carries the figures"),
    param("conv_activation", "linear", "linear", "linear", choice("linear", "relu"),
          "after each one-filter conv layer (thesis: not stated; Keras Conv1D: linear)"),
    param("alt_seeds", 1, 1, 3, integer(0, 50),
          "seeds of the CNNs retrained with the other conv activation (0: no side-by-side)"),
    param("loss", "categorical", "categorical", "categorical", choice("categorical", "eq3.5"),
          "training loss (thesis §3.3.1: \"categorical cross-entropy cost\", written as eq. 3.5, Keras's binary "
          "cross-entropy over the 60 softmax outputs)"),
    param("select_by", "loss", "loss", "loss", choice("loss", "error", "l1"),
          "the epoch whose weights a network keeps: lowest validation loss, classification error or L1 (thesis "
          "§3.3.1: \"the loss and classification error reach their minimum values\"; \"we adopt the model when the "
          "validation loss reaches the minimum\")"),
    param("offset_seeds", 2, 5, 5, integer(2, 50), "network seeds per data draw in the offset experiment (issue #31)"),
    param("offset_draws", 2, 2, 4, integer(2, 50), "data draws in the offset experiment"),
    param("offset_shapes", "nn1", "nn1", "nn1,mlp2,cnn2", choice("nn1", "nn1,mlp2", "nn1,mlp2,cnn2"),
          "the Table 3.3-3.4 shapes the offset experiment trains under every reading (1-layer NN, 2-layer MLP, "
          "2-conv-layer CNN)"),
    param("lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "SGD learning rate (thesis §3.3.1: 0.01)"),
    param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis §3.3.1: 100)"),
    param("max_epochs", 3, 400, 2000, integer(1, 100000),
          "epoch cap (the thesis trained past 1400 epochs; its validation minimum came at epoch 131)"),
    param("patience", 2, 20, 200, integer(1, 100000),
          "epochs without a lower validation loss before a network stops (converged: stopped before the cap)"),
    param("n_per_class", 10, 1000, 1000, integer(1, 10000), "signals per position for A^(l) (eq. 3.6: 1000)"),
    param("n_width", 300, 3000, 6000, integer(60, 100000), "signals per σ in the filter-width study (Fig. 3.5)"),
    param("filter_tolerance", 0.1, 0.1, 0.1, number(0.0, 1.0),
          "filter coefficients below this fraction of the largest decide no sign"),
    param("alpha", 10.0, 10.0, 10.0, number(1e-4, 1e4), "gradient-ascent step α (thesis ch. 5: 10)"),
    param("ascent_cap", 30, 2000, 20000, integer(1, 1000000), "gradient-ascent iteration cap"),
)


def check(cfg) -> list[str]:
    """The σ scan holds at least three grid points; patience is shorter than the epoch cap."""
    problems = []
    if cfg.scan_high - cfg.scan_low < 2 * cfg.scan_step:
        problems.append(f"parameters 'scan_low', 'scan_high' and 'scan_step': need scan_high - scan_low >= "
                        f"2 scan_step (three σ or more), got {cfg.scan_low}, {cfg.scan_high}, {cfg.scan_step}")
    if cfg.patience >= cfg.max_epochs and cfg.max_epochs > 3:
        problems.append(f"parameters 'patience' and 'max_epochs': need patience < max_epochs, or no network can "
                        f"stop before its cap (converge), got {cfg.patience} >= {cfg.max_epochs}")
    return problems
