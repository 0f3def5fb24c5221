"""Parameters of the jump-detection section: per-profile values, allowed values and cross-parameter rules."""

from lib.params import choice, integer, number, param

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the data sets (network seeds are 0..n_seeds-1)"),
    param("n_train", 600, 12000, 12000, integer(60, 200000), "training signals (thesis §3.1: 12000)"),
    param("n_val", 300, 6000, 6000, integer(60, 100000), "validation signals (thesis §3.1: 6000)"),
    param("n_test", 600, 6000, 6000, integer(60, 100000), "test signals (thesis §3.1: 6000)"),
    param("theta", 3.0, 3.0, 3.0, number(0.1, 100.0), "jump size θ (thesis §3.1: 3)"),
    param("sigma", 1.05, 1.05, 1.05, number(0.0, 10.0),
          "noise σ of the networks' data (not stated; the σ where the baseline matches Table 3.1)"),
    param("sigma_low", 0.75, 0.75, 0.5, number(0.0, 10.0), "lower σ of the sweep of the main table"),
    param("sigma_high", 1.5, 1.5, 2.0, number(0.0, 10.0), "higher σ of the sweep of the main table"),
    param("sweep_models", "1-layer", "1-layer", "all", choice("1-layer", "all"),
          "networks retrained at sigma_low and sigma_high"),
    param("scan_step", 0.1, 0.025, 0.01, number(0.005, 0.5), "σ step of the baseline scan against Table 3.1"),
    param("n_seeds", 2, 3, 5, integer(1, 50), "network seeds per shape (one engine call per shape)"),
    param("lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "SGD learning rate (thesis §3.3.1: 0.01)"),
    param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis §3.3.1: 100)"),
    param("max_epochs", 2, 60, 2000, integer(1, 100000),
          "epoch cap (the thesis trained past 1400 epochs; its validation minimum came at epoch 131)"),
    param("patience", 2, 60, 200, integer(1, 100000),
          "epochs without a lower validation loss before stopping (long: CNNs sit on plateaus)"),
    param("n_per_class", 10, 1000, 1000, integer(1, 10000), "signals per position for A^(l) (eq. 3.6: 1000)"),
    param("n_width", 300, 3000, 6000, integer(60, 100000), "signals per σ in the filter-width study (Fig. 3.5)"),
    param("filter_tolerance", 0.1, 0.1, 0.1, number(0.0, 1.0),
          "filter coefficients below this fraction of the largest decide no sign"),
    param("alpha", 10.0, 10.0, 10.0, number(1e-4, 1e4), "gradient-ascent step α (thesis ch. 5: 10)"),
    param("ascent_cap", 30, 1000, 20000, integer(1, 1000000), "gradient-ascent iteration cap"),
)


def check(cfg) -> list[str]:
    """The σ sweep runs from sigma_low up to sigma_high."""
    if cfg.sigma_low > cfg.sigma_high:
        return [f"parameters 'sigma_low' and 'sigma_high': need sigma_low <= sigma_high, got {cfg.sigma_low} > "
                f"{cfg.sigma_high}"]
    return []
