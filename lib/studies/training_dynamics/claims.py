"""Haasbroek & Davel (2020)'s claims that the chapter recomputes, with criteria fixed before the runs of the
ledger (the seven findings of §6, the error rates and the per-loss fall of the sample sets of §5, Fig. 9 and
Fig. 10, convergence of §4.1), and two checks of our own code.

"All other networks follow the same trends" (§5.1), "all networks ... achieve" (§5), "this pattern holds for all
9-layer networks trained with MSE loss" (App. B): every claim speaks of every network it applies to, so each is
checked per network (every seed of every shape and loss), never on seed-averaged curves, and one counterexample
on a network that covers the claim decides it.

The paper reads its activation fractions, predictabilities and informativeness from figures and gives no number
for "increase", "decrease" or "almost all". A change of such a share counts as observed where it exceeds the
practical-equivalence margin of the `proportion` kind (lib.claims.KINDS, ±0.05, declared before any run): a rise
smaller than that is "not observed" (Fig. 10), and "almost all of the samples" is a peak within that margin of
all of them (Fig. 9).
"""

import math

from lib.claims import KINDS, Claim, at_least, at_most, is_true

FINDINGS = {
    1: "Sample clusters initially increase in size and then decrease as training progresses.",
    2: "Most nodes are exposed to most samples very early in the training process.",
    3: "The point where the activation fraction starts decreasing overlaps with the point where network loss "
       "starts decreasing.",
    4: "The size of sample clusters in the first layer decreases more rapidly than in deeper layers.",
    5: "Binary node activations, especially of nodes in deeper layers, become more sensitive to class membership "
       "as training progresses.",
    6: "Nodes in shallower layers tend to be less sensitive to class membership than nodes in deeper layers.",
    7: "Binary node activations become slightly more indicative of class membership as training progresses, but "
       "remain poor predictors of class membership, even if accurate when applied as a group.",
}
CHANGE = KINDS["proportion"].margin  # an observed rise or fall of f_l, p_l or u_l (see the module docstring)
NEAR_ALL = 1.0 - CHANGE  # Fig. 9: "almost all of the samples": a peak f_l within the proportion margin of 1
MAX_U = math.log(2.0) / math.log(10.0)  # §5.3: what one binary node can tell of 10 balanced classes
PAPER_EPOCHS = 200  # §4.1: every network trains 200 epochs, no early stopping
PAPER_TRAIN = 48000  # §4.1: MNIST's 60,000 training images less 12,000 for validation
# Claims about the beginning of training: the rise of the sample sets and its turn ((1), (3), Fig. 9's peak),
# "very early" ((2)) and Fig. 10, the one shape without that early rise. A network covers them once its f has
# turned, whether or not it has reached its validation minimum; the other claims ((4)-(7): "as training
# progresses", the final p ordering, the error rates, the per-loss fall, convergence) speak of the networks
# trained for the paper's 200 epochs, and a profile with fewer epochs is not comparable for them.
EARLY_PHASE = ("hd2020.s6.finding1", "hd2020.s6.finding2", "hd2020.s6.finding3",
               "hd2020.fig9.mse_deep_layers_near_all_samples", "hd2020.fig9.all_9layer_mse",
               "hd2020.fig10.mse_2x320_no_rise")
EVERY = "holds for every network it applies to (checked per network; n in the note)"

CLAIMS = tuple(
    Claim(f"hd2020.s6.finding{n}", "H&D §6 (and §5.1-5.3)", text,
          "holds for every network (2×320 MSE excepted, App. B)" if n <= 3 else "holds for every network",
          is_true(EVERY), label=f"Finding ({n})")
    for n, text in FINDINGS.items()
) + (
    Claim("hd2020.s5.error_below_5pct_width_ge_80", "H&D §5",
          "All networks with 80 or more nodes per hidden layer achieve error rates smaller than 5% on the "
          "validation set.", 0.05,
          at_most(0.05, quantity="the largest final validation error of any network of width ≥ 80"),
          label="Validation error < 5 %, width ≥ 80"),
    Claim("hd2020.s5.error_below_7pct_width_20", "H&D §5",
          "Those with 20 nodes per hidden layer achieve error rates smaller than 7% on the validation set.",
          0.07, at_most(0.07, quantity="the largest final validation error of any network of width 20"),
          label="Validation error < 7 %, width 20"),
    Claim("hd2020.s5.ce_faster_in_shallow_layers", "H&D §5.1",
          "For networks trained with cross-entropy loss, this decrease [of the sample-set size after its initial "
          "increase] is more rapid in shallower layers than in deeper layers.", "holds for every network",
          is_true("in every cross-entropy network with two or more hidden layers, the shallower half of the hidden "
                  "layers loses a larger share of its peak f than the deeper half"),
          label="CE: shallower sets shrink faster"),
    Claim("hd2020.s4.1.all_converge", "H&D §4.1", "For all networks, the training converges.",
          "holds for every network",
          is_true("every network reaches its validation-loss minimum before its last epoch"),
          label="Every network converges"),
    Claim("hd2020.fig9.mse_deep_layers_near_all_samples", "H&D §5.1, App. B, Fig. 9",
          "For 9-layer networks trained with MSE loss, the sample sets of nodes in deeper layers contain almost "
          "all of the samples at the point where the sample sets are largest.", "almost all samples",
          at_least(NEAR_ALL, quantity="the smallest peak f_l of the deeper half of the hidden layers, over the "
                                      "9×320 MSE networks (Fig. 9's shape)"),
          label="Fig. 9: 9×320 MSE deep peak"),
    Claim("hd2020.fig9.all_9layer_mse", "H&D App. B",
          "This pattern [deeper layers' sample sets contain almost all samples at their largest] holds for all "
          "9-layer networks trained with MSE loss.", "almost all samples, every 9-layer MSE network",
          at_least(NEAR_ALL, quantity="the smallest peak f_l of the deeper half of the hidden layers, over every "
                                      "9-layer MSE network"),
          label="App. B: every 9-layer MSE net"),
    Claim("hd2020.fig10.mse_2x320_no_rise", "H&D §5.1, App. B, Fig. 10",
          "For the 2-layer networks with 320 nodes per layer trained with MSE loss, the average activation "
          "fraction decreases during the entire training process.", "decreases throughout",
          at_most(CHANGE, quantity="the largest rise of the layer-averaged f above its initial value, over the "
                                   "2×320 MSE networks"),
          label="Fig. 10: 2×320 MSE, no rise"),
    Claim("hd2020.eq4.margin_prediction", "H&D eq. 4-7",
          "The inclusion margin predicts which samples a first-layer sample set holds after one SGD step (an "
          "identity for the first hidden layer: only float rounding can break it).", 1.0,
          at_least(0.9999, quantity="share of (sample, node, step) predictions right"), role="check",
          label="eq. 4 margin prediction"),
    Claim("hd2020.s5.3.u_bound", "H&D §5.3",
          "A binary node carries at most log 2 / log 10 of the class information (balanced classes).",
          round(MAX_U, 4), at_most(MAX_U + 0.01, quantity="largest u_l measured"), role="check",
          label="u ≤ log 2 / log 10"),
)
