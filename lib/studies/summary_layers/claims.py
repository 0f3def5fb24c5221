"""The summary-layer page's claims (Davel 2020, SACJ 32(2)): Table 1, the theory checked on every sample
(eq. 12-13, 17, 18, the normalisation of §3.3), the organised/disorganised contrast of Fig. 7-8 and the confusable
pairs of §5. Criteria are fixed here, before any run.

Tolerances: Table 1 gives one network per H; over seeds at a fixed learning rate an MNIST MLP's test accuracy
spreads by a few tenths of a percent, so a row agrees when it is within 0.01 (absolute) of the paper's. The theory
claims are exact identities; they are judged with room only for float rounding. "Fairly good accuracy" with a
summary layer (§4.1) is read against the same network and protocol without it: at most 0.05 lower in test accuracy,
i.e. less than half of one of ten classes lost (a silenced class alone costs about 0.10).
"""

from lib.claims import Claim, at_least, at_most, is_true, matches

TABLE1 = {100: (0.969, 0.936), 300: (0.984, 0.950), 600: (0.989, 0.950)}  # Davel 2020 Table 1: train, test
TABLE1_TOL = 0.01

_TABLE1 = tuple(
    Claim(f"davel2020.t1.h{h}.{part}_acc", "Davel 2020 Table 1",
          f"The {h}-node summary-layer network (784-{h}-2-10) reaches {part} accuracy {value:.3f} "
          "(hyper-parameters chosen on a 5,000-sample validation set over 3 seeds).",
          value, matches(value, "accuracy", quantity=f"strict {part} accuracy of the chosen network"))
    for h, pair in TABLE1.items() for part, value in zip(("train", "test"), pair))

KEEPS_ACCURACY_TOL = 0.05

CLAIMS = _TABLE1 + (
    Claim("davel2020.s4.1.summary_layer_keeps_accuracy", "Davel 2020 §4.1, Table 1",
          "Adding a 2-node summary layer does not prevent the networks from achieving fairly good accuracy.",
          "fairly good accuracy (Table 1: test 0.936-0.950)",
          at_most(KEEPS_ACCURACY_TOL, quantity="largest over H of (strict test accuracy of the chosen 784-H-10 "
                                               "network − that of the chosen 784-H-2-10 network), same protocol")),
    Claim("davel2020.s3.3.normalisation_invariant", "Davel 2020 §3.3, Fig. 3",
          "Layer-wise weight normalisation does not change the network's function: the outputs are identical "
          "before and after.", "identical outputs",
          at_most(1e-9, quantity="largest |logit change| / largest |logit| (float64)")),
    Claim("davel2020.eq12.agreement", "Davel 2020 eq. 12-13, Appendix A.1",
          "A sample is classified correctly exactly when its α-ratio satisfies the φ-ratio conditions of its class "
          "(eq. 12), or, with a_B = 0, when a_A > 0 and every φ_A of its class is positive (eq. 13 as in A.1).",
          1.0, at_least(0.999, quantity="share of evaluation samples where eq. 12-13 predict the network's "
                                        "own (strict) outcome")),
    Claim("davel2020.eq17.all_pairs_positive", "Davel 2020 eq. 17, Fig. 4",
          "For classes c_s, c_t whose samples can be classified correctly, φ_{A c_s c_t} φ_{B c_t c_s} > 0: "
          "all class pairs of the trained network have a positive product.", "all 45 pairs",
          is_true("φ_A φ_B > 0 for every one of the 45 class pairs (normalised network)")),
    Claim("davel2020.eq18.no_violations", "Davel 2020 eq. 18, Fig. 10",
          "For correctly classified samples s, t of different classes, α_{A st} φ_{A c_s c_t} > "
          "α_{B st} φ_{B c_t c_s}.", 0,
          at_most(0, quantity="violations over all ordered pairs of correct evaluation samples")),
    Claim("davel2020.fig7_8.organised_generalises_better", "Davel 2020 §5, Fig. 7-8",
          "Of two networks with similar training accuracy, the one that generalises better (test 0.950 vs 0.887) "
          "shows an organised hidden layer: classes carried by nodes whose node-ratios lie in their interval.",
          "the better-generalising network is the organised one",
          is_true("the better-generalising network of the contrasting pair has the higher organisation")),
    Claim("davel2020.s5.boundary_pairs_most_confused", "Davel 2020 §5",
          "Every class pair contributing more than 0.20% (absolute) of the evaluation set's errors is a pair of "
          "classes that lie on each other's interval boundaries.", 1.0,
          at_least(1.0, quantity="share of the pairs above 0.20% that are boundary pairs")),
)
