"""The jump-detection chapter's claims: thesis Table 7.1 (= Tables 3.1, 3.3, 3.4), Fig. 3.7, 3.9, 3.10, 3.14, 3.21,
§3.3-3.4 and ch. 5, and our own checks, judged by the one rule of lib.claims.

The thesis reports one network per shape, trained on one draw of the signals and scored on one test draw; its
numbers are judged as one more draw from this run's networks over `n_draws` data draws × `n_seeds` network seeds
(lib.studies.jump_detection.replicates). σ is not stated: it is fitted to Table 3.1's L1, 99 % L1 and 99 % L2
(sigma.FIT_MEASURES), so those three baseline rows are calibration; the baseline's L2 was left out of the fit and
stays a reproduction. Orderings between architectures are judged on one more set of networks, one per shape on one
data draw as in the thesis: the difference between the shapes compared, whose whole prediction interval must lie
above 0 (the thesis's "better" gives the threshold 0, no other)."""

from lib.claims import Claim, at_least, at_most, is_true, matches, no_offset
from lib.studies.jump_detection.sigma import FIT_MEASURES

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
SHORT = {"baseline": "Baseline", "nn1": "1-layer NN", "mlp2": "2-layer MLP", "mlp3": "3-layer MLP",
         "mlp4": "4-layer MLP", "cnn1": "1-conv CNN", "cnn2": "2-conv CNN", "cnn3": "3-conv CNN"}
# The rows each table adds: Table 3.4 repeats Table 3.3's MLP rows, so its offset is judged on its CNN rows only
# (counting the MLP rows twice would make the two sign tests dependent).
OFFSET_ROWS = {"3.3": ("nn1", "mlp2", "mlp3", "mlp4"), "3.4": ("cnn1", "cnn2", "cnn3")}
# Orderings the thesis states, on L1 (its "overall performance": §3.4.4 sets the 1-layer network's L1 against its
# larger L2): (better shapes, worse shapes); each holds when every worse shape's L1 exceeds every better one's.
ORDERINGS = {
    "chen2017.s3.3.one_two_layers_best": (("nn1", "mlp2"), ("mlp3", "mlp4")),
    "chen2017.s3.4.nn1_beats_cnns": (("nn1",), ("cnn1", "cnn2", "cnn3")),
    "chen2017.s3.4.cnn2_best_cnn": (("cnn2",), ("cnn1", "cnn3")),
    "chen2017.s3.4.cnn3_worst_cnn": (("cnn1", "cnn2"), ("cnn3",)),
}
REPLICATES = "over data draws × network seeds"


def table_claim_id(key: str, measure: str) -> str:
    """chen2017.t3.<table>.<model>.<measure>, e.g. chen2017.t3.3.nn1.l1."""
    table = PAPER_TABLE[key][1].split(" ")[1]
    return f"chen2017.t{table}.{key}.{measure}"


def table_role(key: str, measure: str) -> str:
    """calibration for the baseline measures σ is fitted to, else reproduction."""
    return "calibration" if key == "baseline" and measure in FIT_MEASURES else "reproduction"


def _table_claims() -> tuple[Claim, ...]:
    claims = []
    for key, (name, table, values) in PAPER_TABLE.items():
        for measure, value in zip(MEASURES, values):
            over = "over independent test draws" if key == "baseline" else REPLICATES
            claims.append(Claim(
                table_claim_id(key, measure), f"thesis {table} (= Table 7.1)",
                f"{name}: {LABELS[measure]} error of the predicted jump position on the 6000 test signals.",
                value, matches(value, "error", quantity=f"{LABELS[measure]}, {over}"),
                role=table_role(key, measure), label=f"{SHORT[key]} · {LABELS[measure]}"))
    return tuple(claims)


def _offset_claims() -> tuple[Claim, ...]:
    return tuple(Claim(
        f"chen2017.t{table}.systematic_offset", f"thesis Table {table} (= Table 7.1)",
        f"The network rows of Table {table} ({', '.join(PAPER_TABLE[k][0] for k in keys)}) over all four error "
        "measures: our networks scatter around the thesis's values, with no systematic offset.",
        "no offset", no_offset("error"), label=f"Table {table} · systematic offset")
        for table, keys in OFFSET_ROWS.items())


CLAIMS = _table_claims() + _offset_claims() + (
    Claim("chen2017.s3.3.one_two_layers_best", "thesis §3.3.3, Table 3.3",
          "The error of the networks with one or two layers are relatively better. Adding a third layer seems to "
          "have negative effect on performance.", "1-, 2-layer < 3-, 4-layer",
          at_least(0, quantity="L1 of the better of the 3- and 4-layer MLPs − that of the worse of the 1-layer NN "
                               "and 2-layer MLP, one network per shape on one data draw, " + REPLICATES),
          label="1-2 layers beat 3-4 layers (L1)"),
    Claim("chen2017.s3.4.nn1_beats_cnns", "thesis §3.4.4, Table 3.4",
          "The overall performance of the 1-layer MLP with no conv layers is a bit better than CNNs.",
          "1-layer NN < every CNN",
          at_least(0, quantity="L1 of the best CNN − that of the 1-layer NN, one network per shape on one data "
                               "draw, " + REPLICATES),
          label="1-layer NN beats the CNNs (L1)"),
    Claim("chen2017.s3.4.cnn2_best_cnn", "thesis §3.4.4, Table 3.4",
          "The 2-conv-layer CNN is the best among CNNs.", "2-conv < 1-conv, 3-conv",
          at_least(0, quantity="L1 of the better of the 1- and 3-conv CNNs − that of the 2-conv CNN, one network "
                               "per shape on one data draw, " + REPLICATES),
          label="2-conv CNN best CNN (L1)"),
    Claim("chen2017.s3.4.cnn3_worst_cnn", "thesis §3.4.4, Table 3.4",
          "The 3-conv-layer CNN, with a redundant conv layer, produces highest errors.", "3-conv > 1-conv, 2-conv",
          at_least(0, quantity="L1 of the 3-conv CNN − that of the worse of the 1- and 2-conv CNNs, one network "
                               "per shape on one data draw, " + REPLICATES),
          label="3-conv CNN worst CNN (L1)"),
    Claim("chen2017.s3.4.cnn2_smooth_then_derivative", "thesis §3.4.2, Fig. 3.21",
          "The first conv layer with a conv filter of length 5 performs a smoothing and gap increasing. The second "
          "conv layer with a conv filter of length 9 extracts the first derivative.",
          "smoothing, then derivative",
          is_true("every 2-conv-layer CNN (every data draw and seed) has a first filter whose coefficients share "
                  "one sign (smoothing, §3.2.2) and a second filter with both signs (derivative-type)"),
          label="2-conv CNN: smooth, then derivative"),
    Claim("chen2017.fig3.10.nn_max_error", "thesis §3.3.1, Fig. 3.10",
          "After early stopping, the 2-layer MLP's maximum absolute error on the 6000 test signals is 12.", 12,
          matches(12, "error", quantity="largest |t̂ − t0| of a 2-layer MLP on its test draw, " + REPLICATES),
          label="2-layer MLP · max error"),
    Claim("chen2017.fig3.9.best_epoch", "thesis §3.3.1, Fig. 3.9",
          "The 2-layer MLP's validation loss is lowest at epoch 131 (of a run of over 1400 epochs).",
          131, matches(131, "epoch", quantity="epoch of the lowest validation loss, " + REPLICATES),
          label="2-layer MLP · best epoch"),
    Claim("chen2017.fig3.7.baseline_99_within_2", "thesis §3.2.3, Fig. 3.7",
          "For the signal-processing baseline, the errors of the 99 percentile data (the 99 % of the 6000 test "
          "signals with the lowest error) are all at most 2 positions (Fig. 3.7 (b)).", "errors ≤ 2",
          at_most(2, quantity="largest error of the 99 % subset, over independent test draws at this σ"),
          label="Baseline · 99 % errors ≤ 2"),
    Claim("chen2017.s3.4.all_beat_baseline", "thesis §3.4.2, Table 3.4",
          "All models outperform the signal processing approach.", "all seven",
          is_true("every network (every shape, data draw and seed) has a lower L1 than the baseline on its own "
                  "test draw"),
          label="Every network beats the baseline"),
    Claim("chen2017.ch5.ascent_reaches_target", "thesis ch. 5, Fig. 5.1-5.5",
          "Gradient ascent on the softmax output of a target position generates an input that the network "
          "assigns to it (a_i > 0.999), for the MLPs and the CNNs.", "every model",
          is_true("in every network of data draw 0 (every model and seed), every target's ascent reaches "
                  "a_i > 0.999 within ascent_cap steps"), label="Gradient ascent reaches a_i"),
    Claim("chen2017.fig3.14.diagonal_weights", "thesis §3.3.3, Fig. 3.14-3.16",
          "The 1-layer network's weight matrix is close to a diagonal matrix: only the elements around the first "
          "diagonal have significant values, and the weights into the output of position t form a smoothed "
          "first-derivative filter centred at t.", "diagonal",
          is_true("for every 1-layer network (every data draw and seed) and every position t, the class-centred "
                  "weight column of t rises most within one sample of t"),
          label="1-layer NN · diagonal weights"),
    Claim("chen2017.beyond.sigma_consistent", "thesis Table 3.1 (σ not stated)",
          "The σ used for every signal is the one at which the baseline meets Table 3.1's L1, 99 % L1 and 99 % L2 "
          "(σ̂, fitted on this run's baseline draws).",
          "σ not stated",
          is_true("the σ of this run lies inside the 95 % prediction interval of the per-draw estimates σ̂ of this "
                  "run's baseline scan"),
          role="check", label="σ matches this run's fit"),
    Claim("chen2017.beyond.bayes_bound", "our check (known θ and σ)",
          "No network finds the exact position more often than the most probable position given the signal "
          "(the Bayes-optimal classifier for known θ and σ).", "bound",
          is_true("on every data draw, every network's share of exact positions ≤ the Bayes classifier's on the "
                  "same test draw + 0.01 (about three standard errors of the paired difference on 6000 signals)"),
          role="check", label="No network beats the Bayes classifier"),
)
