"""Parameters of the data section: per-profile values, allowed values and cross-parameter rules."""

from lib.data.jumps import SIGMA_ESTIMATE
from lib.params import integer, number, number_or_range, param

PARAMS = (
    param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of every random draw in the section"),
    param("n_signals", 600, 12000, 12000, integer(60, 100000), "jump signals drawn (thesis §3.1: 12000)"),
    param("theta", 3.0, 3.0, 3.0, number(0.0, 100.0), "jump size θ (thesis eq. 3.1)"),
    param("sigma", SIGMA_ESTIMATE, SIGMA_ESTIMATE, SIGMA_ESTIMATE, number_or_range(0.0, 100.0),
          "noise σ of every signal (lib.data.jumps.SIGMA_ESTIMATE, estimated in the jump-detection chapter), or a "
          "range (a, b) to draw one σ per signal from (thesis §3.1: σ varied from 0.5 to 2)"),
    param("n_tsne", 300, 3000, 12000, integer(30, 100000), "signals in the t-SNE map (thesis Fig. 3.2)"),
    param("perplexity", 10.0, 30.0, 30.0, number(2.0, 200.0), "t-SNE perplexity"),
)


def check(cfg) -> list[str]:
    """t-SNE needs more than 3 · perplexity points (openTSNE), and draws its points from the signals drawn."""
    found = []
    if cfg.n_tsne > cfg.n_signals:
        found.append(f"parameters 'n_tsne' and 'n_signals': n_tsne = {cfg.n_tsne} exceeds n_signals = "
                     f"{cfg.n_signals}; allowed: n_tsne <= n_signals")
    if cfg.n_tsne <= 3 * cfg.perplexity:
        found.append(f"parameters 'n_tsne' and 'perplexity': t-SNE needs n_tsne > 3 · perplexity, got n_tsne = "
                     f"{cfg.n_tsne} and perplexity = {cfg.perplexity}")
    if cfg.n_tsne < 50:
        found.append(f"parameter 'n_tsne': got {cfg.n_tsne}; the map first projects the signals onto 50 principal "
                     "components (lib.embedding.pca_reduce), which needs 50 signals or more; allowed: n_tsne >= 50")
    if cfg.theta == 0 and max(cfg.sigma if isinstance(cfg.sigma, tuple) else (cfg.sigma,)) == 0:
        found.append("parameters 'sigma' and 'theta': with sigma = 0 and theta = 0 every signal is the same flat line "
                     "and t-SNE has nothing to map; allowed: sigma > 0 or theta > 0")
    return found
