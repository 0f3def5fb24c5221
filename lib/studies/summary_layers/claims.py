"""The summary-layer page's claims (Davel 2020, SACJ 32(2)): Table 1 and what §4.1 and §5 say of the trained
networks (reproductions), the theory checked on every sample (eq. 12-13, 17, 18, the normalisation of §3.3: checks of
our code, since they hold for any weights), and the baseline without a summary layer (beyond the paper). Criteria
are fixed here, before any run, by the book's one rule (lib.claims; book page "How verdicts are decided").

What one more draw is: the paper reports the network its protocol selects (a learning-rate grid × 3 seeds, chosen
on 5,000 validation images), so a Table 1 number is one draw of "the selected network", judged against our
selected network with the spread of the seeds it was chosen among and binomial test sampling
(lib.studies.summary_layers.selection). Orderings (§4.1 "the 100-node network does not perform as well") are
judged on one more draw of the difference; §5's confusable pairs by tests whose null is stated in the criterion.
No threshold appears here that the paper does not state: 0.20 % is §5's own, "every"/"all" are its words.
"""

from lib.claims import Claim, at_least, at_most, is_true, matches
from lib.studies.summary_layers.selection import LEVEL

TABLE1 = {100: (0.969, 0.936), 300: (0.984, 0.950), 600: (0.989, 0.950)}  # Davel 2020 Table 1: train, test
EVALUATION_ERROR = 0.050  # Davel 2020 §5: "the evaluation error was 5.0%" (the analysed 300-node network)
TOP_PAIRS = ((3, 8), (2, 8), (4, 9), (7, 9))  # Davel 2020 §5: the four top confusable pairs

_SELECTED = "the network the protocol selects (our selection; spread of the seeds it chose among; binomial sampling)"

_TABLE1 = tuple(
    Claim(f"davel2020.t1.h{h}.{part}_acc", "Davel 2020 Table 1",
          f"The {h}-node summary-layer network (784-{h}-2-10) reaches {part} accuracy {value:.3f} "
          "(hyper-parameters chosen on a 5,000-sample validation set over 3 seeds).",
          value, matches(value, "accuracy", quantity=f"strict {part} accuracy of {_SELECTED}", decimals=3),
          label=f"Table 1 · H = {h} · {part}")
    for h, pair in TABLE1.items() for part, value in zip(("train", "test"), pair))

CLAIMS = _TABLE1 + (
    Claim("davel2020.s4.1.h100_weaker", "Davel 2020 §4.1, Table 1",
          "The 100-node network does not perform as well [as the networks with 300 and 600 hidden nodes].",
          "H = 100 below H = 300 and H = 600 (Table 1 test: 0.936 against 0.950, 0.950)",
          at_least(0.0, quantity="the smaller of (strict test accuracy of the selected H = 300, resp. 600, network "
                                 "− that of the selected H = 100 network), one more draw of each"),
          label="H = 100 weaker than 300, 600"),
    Claim("davel2020.s5.evaluation_error", "Davel 2020 §5",
          "In the specific example shown here [the analysed 300-node network], the evaluation error was 5.0%.",
          EVALUATION_ERROR,
          matches(EVALUATION_ERROR, "accuracy", quantity=f"strict evaluation error of {_SELECTED}, H = 300",
                  decimals=3),
          label="§5 evaluation error 5.0 %"),
    Claim("davel2020.s5.top_confusable_pairs", "Davel 2020 §5",
          "The four top confusable pairs [of the analysed network] are 3-8 (0.48%), 2-8 (0.47%), 4-9 (0.40%) and "
          "7-9 (0.38%).", "3-8, 2-8, 4-9, 7-9",
          is_true("no pair of 3-8, 2-8, 4-9, 7-9 is confused less often than the analysed network's fourth most "
                  f"confused pair (null: as often; exact one-sided binomial test at {LEVEL:.0%}, Bonferroni over "
                  "the pairs outside our top four)"),
          label="§5 top confusable pairs"),
    Claim("davel2020.s5.boundary_pairs_most_confused", "Davel 2020 §5",
          "All confusable pairs contributing more than 0.20% absolute of the total evaluation set error (each) are "
          "boundary pairs.", "all pairs above 0.20% are boundary pairs",
          is_true("every class pair above 0.20% of the evaluation set in errors is a boundary pair (analysed "
                  "network)"),
          label="§5 pairs above 0.20 % on boundaries"),
    Claim("davel2020.s5.boundary_pairs_more_confusable", "Davel 2020 §5",
          "Classes that lie on each other's boundaries are more likely to be confusable.",
          "boundary pairs more confused than the others",
          is_true("the boundary pairs' confusion rates exceed the other pairs' (null: no difference; Mann-Whitney "
                  f"U, one-sided, {LEVEL:.0%}; analysed network)"),
          label="§5 boundary pairs more confusable"),
    Claim("davel2020.fig7_8.organised_generalises_better", "Davel 2020 §5, Fig. 7-8",
          "Of two networks with similar training accuracy, the one that generalises better (test 0.950 vs 0.887) "
          "shows an organised hidden layer: classes carried by nodes whose node-ratios lie in their interval.",
          "the better-generalising network is the organised one",
          is_true("the better-generalising network of the contrasting pair has the higher organisation"),
          label="Fig. 7-8 organised generalises"),
    Claim("davel2020.s3.3.normalisation_invariant", "Davel 2020 §3.3, §4.1, Fig. 3",
          "Results are verified to be identical before and after weight normalisation.", "identical results",
          is_true("every evaluation sample has the same strict outcome and predicted class before and after "
                  "normalisation (float64)"),
          role="check", label="normalisation keeps the function"),
    Claim("davel2020.eq12.agreement", "Davel 2020 eq. 12-13, Appendix A.1, Fig. 5",
          "A sample is classified correctly exactly when its α-ratio satisfies the φ-ratio conditions of its class "
          "(eq. 12), or, with a_B = 0, when a_A > 0 and every φ_A of its class is positive (eq. 13 as in A.1).",
          "on every sample",
          is_true("eq. 12-13 predict the strict outcome of every evaluation sample (normalised network, float64)"),
          role="check", label="eq. 12-13 predict every outcome"),
    Claim("davel2020.eq17.all_pairs_positive", "Davel 2020 eq. 17, Fig. 4",
          "For classes c_s, c_t whose samples can be classified correctly, φ_{A c_s c_t} φ_{B c_t c_s} > 0.",
          "positive for every such pair",
          is_true("φ_A φ_B > 0 for every class pair whose two classes both have correctly classified evaluation "
                  "samples (normalised network)"),
          role="check", label="eq. 17 products positive"),
    Claim("davel2020.eq18.no_violations", "Davel 2020 eq. 18, Fig. 10",
          "For correctly classified samples s, t of different classes, α_{A st} φ_{A c_s c_t} > "
          "α_{B st} φ_{B c_t c_s}.", 0,
          at_most(0, quantity="violations over all ordered pairs of correct evaluation samples"),
          role="check", label="eq. 18 on every correct pair"),
    Claim("davel2020.beyond.dead_share_at_init", "beyond Davel 2020 §4.1 (eq. 1-2)",
          "At He initialisation the 300-node network silences more validation images (a_A = a_B = 0: every logit "
          "0 and no gradient from them) than the paper's selected network misclassifies (§5: 5.0 %).",
          "not in the paper (§5's 5.0 % as the bar)",
          at_least(EVALUATION_ERROR, quantity="share of the 5,000 validation images with both summary nodes off at "
                                              "He initialisation (H = 300), one more seed"),
          role="beyond", label="silenced images at initialisation"),
) + tuple(
    Claim(f"davel2020.beyond.h{h}.no_lost_class_typical", "beyond Davel 2020 §4.1, Table 1",
          f"A typical {h}-node network of the stated protocol (at the learning rate it selects) loses no class, as "
          f"Table 1's test accuracy {test:.3f} needs (a lost class is about a tenth of the test images).",
          "not in the paper (0.5: a typical seed)",
          at_least(0.5, quantity="share of seeds at the selected learning rate with every test class at least half "
                                 "correct after early stopping (a seed the screen stops counts as losing one), one "
                                 "more sample of as many seeds (binomial); 0.5: more likely than not"),
          role="beyond", label=f"no lost class typical · H = {h}")
    for h, (_, test) in TABLE1.items()
) + tuple(
    Claim(f"davel2020.beyond.linear_summary.h{h}.test_acc", "beyond Davel 2020 Table 1",
          f"With a linear summary layer instead of the paper's ReLU one, the {h}-node network of the same protocol "
          f"reaches Table 1's test accuracy {test:.3f}.", test,
          matches(test, "accuracy", quantity="strict test accuracy of the network the protocol selects with a "
                                             "linear summary layer", decimals=3),
          role="beyond", label=f"linear summary · H = {h} · test")
    for h, (_, test) in TABLE1.items()
) + (
    Claim("davel2020.beyond.summary_layer_costs_accuracy", "beyond Davel 2020 §4.1",
          "Adding the 2-node summary layer lowers the selected network's test accuracy against the same protocol "
          "without it (784-H-10; the paper trains no network without a summary layer).",
          "not in the paper",
          at_least(0.0, quantity="the smallest over H of (strict test accuracy of the selected 784-H-10 network − "
                                 "that of the selected 784-H-2-10 network), one more draw of each (null: no cost)"),
          role="beyond", label="summary layer costs accuracy"),
)
