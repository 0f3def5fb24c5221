"""The jump-detection chapter's claims: thesis Table 7.1 (= Tables 3.1, 3.3, 3.4), Fig. 3.7, 3.9, 3.14, §3.4 and
ch. 5, and our own checks. Tolerances were fixed before the default run, from the spreads measured before it:
the baseline's L1 over independent test draws (about 2 %), and seed-to-seed spreads of the networks' L1 of a few
per cent; the thesis reports one network per shape, so a 10 % band is used for L1 and the 99 % measures and 15 %
for L2, which a few outliers dominate."""

from lib.claims import Claim, at_least, is_true, matches

PAPER_TABLE = {  # thesis Table 7.1 (= Tables 3.1, 3.3, 3.4): L1, L2, 99 % L1, 99 % L2 on 6000 test signals
    "baseline": ("Signal processing", "Table 3.1", (0.5532, 1.4946, 0.4917, 0.7443)),
    "nn1": ("1-layer NN", "Table 3.3", (0.3065, 0.8043, 0.2606, 0.6304)),
    "mlp2": ("2-layer MLP", "Table 3.3", (0.3083, 0.7722, 0.2675, 0.6222)),
    "mlp3": ("3-layer MLP", "Table 3.3", (0.3583, 0.8132, 0.3169, 0.6667)),
    "mlp4": ("4-layer MLP", "Table 3.3", (0.3913, 0.8428, 0.3531, 0.7075)),
    "cnn1": ("1-conv-layer CNN", "Table 3.4", (0.3248, 0.7862, 0.2854, 0.6452)),
    "cnn2": ("2-conv-layer CNN", "Table 3.4", (0.3213, 0.7592, 0.2839, 0.6309)),
    "cnn3": ("3-conv-layer CNN", "Table 3.4", (0.3458, 0.7946, 0.3089, 0.6721)),
}
MEASURES = ("l1", "l2", "l1_99", "l2_99")
LABELS = {"l1": "L1", "l2": "L2", "l1_99": "99 % L1", "l2_99": "99 % L2"}


def table_claim_id(key: str, measure: str) -> str:
    """chen2017.t3.<table>.<model>.<measure>, e.g. chen2017.t3.3.nn1.l1."""
    table = PAPER_TABLE[key][1].split(" ")[1]
    return f"chen2017.t{table}.{key}.{measure}"


def _table_claims() -> tuple[Claim, ...]:
    claims = []
    for key, (name, table, values) in PAPER_TABLE.items():
        for measure, value in zip(MEASURES, values):
            over = "over test draws" if key == "baseline" else "over seeds"
            claims.append(Claim(
                table_claim_id(key, measure), f"thesis {table} (= Table 7.1)",
                f"{name}: {LABELS[measure]} error of the predicted jump position on the 6000 test signals.",
                value, matches(value, "error", quantity=f"{LABELS[measure]}, {over}")))
    return tuple(claims)


CLAIMS = _table_claims() + (
    Claim("chen2017.fig3.9.best_epoch", "thesis §3.3.1, Fig. 3.9",
          "The 2-layer MLP's validation loss is lowest at epoch 131 (of a run of over 1400 epochs).",
          131, matches(131, "epoch", quantity="epoch of the lowest validation loss, over seeds")),
    Claim("chen2017.fig3.7.baseline_99_within_2", "thesis §3.2.3, Fig. 3.7",
          "For the signal-processing baseline, the 99 % of test signals with the lowest error have errors of at "
          "most 2 positions.", "errors ≤ 2",
          at_least(0.5, quantity="share of test draws at this σ whose 99 % subset has max error ≤ 2")),
    Claim("chen2017.s3.4.all_beat_baseline", "thesis §3.4.2, Table 3.4",
          "All models outperform the signal processing approach.", "all seven",
          is_true("every network's mean L1 is below the baseline's on the same test set")),
    Claim("chen2017.ch5.ascent_reaches_target", "thesis ch. 5, Fig. 5.1-5.5",
          "Gradient ascent on the softmax output of a target position generates an input that the network "
          "assigns to it (a_i > 0.999), for the MLPs and the CNNs.", "every model",
          is_true("every run reaches a_i > 0.999 within ascent_cap steps")),
    Claim("chen2017.fig3.14.diagonal_weights", "thesis §3.3.3, Fig. 3.14-3.16",
          "The 1-layer network's weight matrix is near-diagonal: the weights into the output of position t form "
          "a smoothed first-derivative filter centred at t.", "diagonal",
          at_least(0.9, quantity="share of positions whose centred weight column rises most within ±1 of t, "
                                 "mean over seeds")),
    Claim("chen2017.beyond.sigma_consistent", "thesis Table 3.1 (σ not stated)",
          "The σ used for every signal lies within two spreads of the σ estimated from the baseline draws.",
          "σ not stated", is_true("|sigma − σ̂| ≤ 2 × spread of the per-draw estimates"), role="beyond"),
    Claim("chen2017.beyond.bayes_bound", "our check (known θ and σ)",
          "No network finds the exact position more often than the most probable position given the signal "
          "(the Bayes-optimal classifier for known θ and σ).", "bound",
          is_true("every seed's share of exact positions ≤ the Bayes classifier's + 0.01 on the same test set"),
          role="beyond"),
)
