"""The bottleneck chapter's claims (thesis ch. 4, Table 4.1 and 7.1), with criteria fixed before any run.

Network errors: the thesis reports one network per row; its number is judged as one more draw from this run's
networks (lib.claims.matches, kind "error"), the spread of one network combining network seeds and test-set
sampling. Comparisons the thesis draws between two of its networks (deep against shallow, p against p + 1, a
bottleneck against the MLP of Table 4.1) are judged on the difference of one network of each, on its whole
prediction interval. Monte-Carlo claims are judged on the 95 % Clopper-Pearson interval, never on the point
estimate. The Moore-Penrose experiment of §4.3.4 is read as the text describes it: the linear map L = F⁺ with
F e_k = v_k, points uniform in the unit cube (the only law the thesis states); the centred/affine map of
§4.3.2-4.3.3 and other laws are this book's own variants (role beyond).
"""

from lib.claims import Claim, at_least, at_most, is_true, matches, no_offset

# thesis Table 4.1: the benchmark MLPs of the same number of layers as the shallow and the deep bottlenecks
MLP = {"shallow": {"l1": 0.3083, "l2": 0.7722, "l1_99": 0.2675, "l2_99": 0.6222},
       "deep": {"l1": 0.3913, "l2": 0.8428, "l1_99": 0.3531, "l2_99": 0.7075}}
# thesis Table 4.1: the signal-processing approach of §3.2
SIGNAL = {"l1": 0.5532, "l2": 1.4946, "l1_99": 0.4917, "l2_99": 0.7443}
# thesis Table 4.1 (p = 4, 10) and Table 7.1 (p = 2): L1, L2, L1_99, L2_99 in positions
PAPER = {("shallow", 10): {"l1": 0.7980, "l2": 1.4658, "l1_99": 0.7370, "l2_99": 1.0820},
         ("shallow", 4): {"l1": 1.1626, "l2": 1.6809, "l1_99": 1.0993, "l2_99": 1.4755},
         ("shallow", 2): {"l1": 1.5486, "l2": 1.9874, "l1_99": 1.5053, "l2_99": 1.9086},
         ("deep", 10): {"l1": 0.6478, "l2": 1.3121, "l1_99": 0.5742, "l2_99": 0.9255},
         ("deep", 4): {"l1": 0.7000, "l2": 1.1795, "l1_99": 0.6450, "l2_99": 0.9661},
         ("deep", 2): {"l1": 0.9830, "l2": 1.3136, "l1_99": 0.9542, "l2_99": 0.2621}}
TABLE = {("shallow", 10): "t4.1", ("shallow", 4): "t4.1", ("deep", 10): "t4.1", ("deep", 4): "t4.1",
         ("shallow", 2): "t7.1", ("deep", 2): "t7.1"}
MEASURE_LABELS = {"l1": "L1", "l2": "L2", "l1_99": "L1₉₉", "l2_99": "L2₉₉"}
# Table 7.1's deep p = 2 row prints L2_99 = 0.2621 below its own L1_99 = 0.9542: impossible, since the root mean
# square of the same errors is at least their mean (and every error is a whole number of positions)
TYPO = {("deep", 2, "l2_99"): "Table 7.1 prints L2₉₉ = 0.2621 for the deep 100-25-2-25-60 network, below its own "
                              "L1₉₉ = 0.9542; the root mean square of the same errors is never below their mean "
                              "(L2 ≥ L1), so the entry is a typo and no run can reproduce or contradict it"}
MEASURE_WORDS = {"l1": "L1 error", "l2": "L2 error", "l1_99": "L1 error of the best 99 %",
                 "l2_99": "L2 error of the best 99 %"}


def error_id(depth: str, p: int, measure: str) -> str:
    """chen2017.t4.1.shallow_p10.l1 and the like."""
    return f"chen2017.{TABLE[(depth, p)]}.{depth}_p{p}.{measure}"


def _error_claims() -> tuple[Claim, ...]:
    out = []
    for (depth, p), values in PAPER.items():
        net = f"100-{p}-60" if depth == "shallow" else f"100-25-{p}-25-60"
        for measure, value in values.items():
            table = "Table 4.1" if TABLE[(depth, p)] == "t4.1" else "Table 7.1"
            out.append(Claim(error_id(depth, p, measure), f"thesis {table}",
                             f"The {depth} bottleneck network {net} has a test {MEASURE_WORDS[measure]} of {value}.",
                             value, matches(value, "error", quantity=f"{measure} of one network"),
                             label=f"{depth} p = {p} · {MEASURE_LABELS[measure]}",
                             inconsistent=TYPO.get((depth, p, measure), "")))
    return tuple(out)


OFFSET_ROWS = [(depth, p) for (depth, p) in PAPER if TABLE[(depth, p)] == "t4.1"]


MP_IDS = {"p2_n10": "chen2017.s4.3.mp_p2_n10_below_1e-5", "p10_n50": "chen2017.s4.3.mp_p10_n50_above_0.1"}
MP_MAIN = ("linear", "unit_cube")  # §4.3.4's construction (L = F⁺, F e_k = v_k) on the law Fig. 4.15 states
VARIANTS = [(c, d) for c in ("linear", "affine") for d in ("unit_cube", "centred_cube", "gaussian")
            if (c, d) != MP_MAIN]


def mp_id(claim: str, construction: str, distribution: str) -> str:
    """The main id for the linear map on U[0,1]^p (§4.3.4), a suffixed one for every other construction and law."""
    base = MP_IDS[claim]
    return base if (construction, distribution) == MP_MAIN else f"{base}.{construction}_{distribution}"


def _mp_claims() -> tuple[Claim, ...]:
    out = []
    for construction, distribution in [MP_MAIN, *VARIANTS]:
        role = "reproduction" if (construction, distribution) == MP_MAIN else "beyond"
        law = {"unit_cube": "U[0,1]^p", "centred_cube": "U[-1,1]^p", "gaussian": "N(0, I_p)"}[distribution]
        reading = f"({construction} map, points {law})"
        out.append(Claim(mp_id("p2_n10", construction, distribution), "thesis §4.3.4, Fig. 4.14",
                         f"For p = 2 and n = 10 the probability of a successful embedding is below 1e-5 {reading}.",
                         "below 1e-5", at_most(1e-5, quantity="upper end of the 95 % interval of P(success)"),
                         role=role, label=f"P(p = 2, n = 10) · {construction}, {distribution}"))
        out.append(Claim(mp_id("p10_n50", construction, distribution), "thesis §4.3.4, Fig. 4.14",
                         f"For p = 10 and n = 50 the probability of a successful embedding is above 0.1 {reading}.",
                         "above 0.1", at_least(0.1, quantity="lower end of the 95 % interval of P(success)"),
                         role=role, label=f"P(p = 10, n = 50) · {construction}, {distribution}"))
    return tuple(out)




def below_signal_processing() -> str:
    """Table 4.1's own rows whose error lies below the signal-processing approach's (the evidence that the thesis's
    'significantly worse than the signal processing approach' contradicts its table)."""
    rows = [f"{depth} p = {p} {MEASURE_LABELS[m]} {v}" for (depth, p), values in PAPER.items()
            if TABLE[(depth, p)] == "t4.1" for m, v in values.items() if v < SIGNAL[m]]
    return (f"Table 4.1 itself puts {len(rows)} bottleneck entries below the signal-processing approach's "
            f"(L2 {SIGNAL['l2']}): {', '.join(rows)}") if rows else ""


def _offset_claim() -> Claim:
    return Claim("chen2017.t4.1.systematic_offset", "thesis Table 4.1",
                 "The bottleneck rows of Table 4.1 (shallow and deep, p = 4 and 10) over all four error measures: our "
                 "networks scatter around the thesis's values, with no systematic offset.",
                 "no offset", no_offset("error"), label="Table 4.1 · systematic offset")


def _dead_share_claims() -> tuple[Claim, ...]:
    return tuple(Claim(f"chen2017.fig4.5.dead_share_p{p}", "thesis §4.2.2, Fig. 4.5",
                       f"The deep bottleneck network 100-25-{p}-25-60 has {dead} of its {p} bottleneck nodes "
                       "de-activated.", dead / p,
                       matches(dead / p, "proportion", quantity=f"share of dead bottleneck nodes in one deep network "
                                                                f"at p = {p}"),
                       label=f"deep p = {p} · dead bottleneck share")
                 for p, dead in ((6, 1), (9, 1), (10, 2)))


CLAIMS = (
    *_error_claims(),
    _offset_claim(),
    Claim("chen2017.s4.2.bottleneck_worse_than_mlp", "thesis §4.2.2, Table 4.1",
          "\"As expected, the error rates are higher than a general MLP with the same number of layers\" (shallow "
          "bottlenecks against the 2-layer MLP, deep ones against the 4-layer MLP).",
          "higher than the MLP",
          at_least(1.0, quantity="one bottleneck network's error / the thesis's MLP of the same depth (Table 4.1), "
                                 "the row and measure closest to 1"), label="bottleneck worse than MLP"),
    Claim("chen2017.s4.2.bottleneck_worse_than_signal_processing", "thesis §4.2.2, Table 4.1",
          "\"The performance is even significantly worse than the signal processing approach.\"",
          "higher than signal processing",
          at_least(1.0, quantity="one bottleneck network's error / the signal-processing approach's (Table 4.1), "
                                 "the row and measure closest to 1"),
          inconsistent=below_signal_processing(), label="bottleneck worse than signal processing"),
    Claim("chen2017.fig4.3.shallow_error_falls_with_p", "thesis §4.2.2, Fig. 4.3",
          "For the shallow networks the error decreases as the bottleneck width p grows (one network per p).",
          "falls with p", at_least(0.0, quantity="L1 of one shallow network at p minus one at the next wider p this "
                                                 "run trains, the closest step"),
          label="shallow error falls with p"),
    Claim("chen2017.s4.2.deep_beats_shallow", "thesis §4.2.2, Table 4.1",
          "The deep bottleneck networks are more accurate than the shallow ones of the same p (one network of each).",
          "deep below shallow", at_least(0.0, quantity="L1 of one shallow network minus one deep network of the same "
                                                       "p, the closest p"),
          label="deep beats shallow"),
    Claim("chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10", "thesis §4.2.2, Fig. 4.4",
          "For the deep networks the error does not fall monotonically: it rises from p = 5 to 6 and from 9 to 10 "
          "(one network per p).",
          "rises at 5→6 and 9→10",
          at_least(0.0, quantity="deep L1 of one network at p = 6 minus p = 5, and at p = 10 minus p = 9, the "
                                 "smaller"), label="deep error rises 5→6, 9→10"),
    Claim("chen2017.fig4.5.dead_nodes", "thesis §4.2.2, Fig. 4.5",
          "Deep networks have de-activated neurons in the bottleneck layer (Fig. 4.5: at p = 6, 9 and 10).",
          "p = 6: 1, p = 9: 1, p = 10: 2",
          is_true("at each of p = 6, 9, 10 that this run trains, a deep network has a dead bottleneck node"),
          label="deep: dead bottleneck nodes"),
    *_dead_share_claims(),
    Claim("chen2017.s4.2.dead_nodes_every_intermediate_layer", "thesis §4.2.2",
          "\"The deeper 4-layer bottleneck networks produce non-activated neurons in all intermediate hidden layers "
          "including the bottleneck layer.\"",
          "dead nodes in all three hidden layers",
          is_true("each hidden layer (25, p, 25) holds a dead node in some deep network"),
          label="deep: dead nodes in every layer"),
    Claim("chen2017.s4.2.shallow_no_dead_nodes", "thesis §4.2.2",
          "\"While 'shallow' 2-layer networks do not\" (have non-activated neurons).", "none",
          is_true("no shallow network has a dead hidden node (checked on every network)"),
          label="shallow: no dead nodes"),
    Claim("chen2017.s4.2.p2_on_axis_worst", "thesis §4.2.3, Fig. 4.6-4.9",
          "For p = 2 the classes whose codes lie on an axis (one node off) are the worst classified.",
          "on-axis classes worst",
          is_true("in the validation-selected p = 2 network of each depth the on-axis classes have the higher "
                  "mean per-class L1"), label="p = 2: on-axis classes worst"),
    *_mp_claims(),
    Claim("chen2017.s4.3.probability_falls_with_n", "thesis §4.3.4, Fig. 4.14",
          "\"For each of the curves, the probability decreases as n increases\" (linear map, points U[0,1]^p).",
          "decreases with n",
          at_least(0.0, quantity="P(success) at the smallest n minus at the largest, the weakest p (Agresti–Caffo "
                                 "95 % interval; a step up beyond its interval decides against)"),
          label="P(success) falls with n"),
    Claim("chen2017.fig4.15.separation_helps", "thesis §4.3.4, Fig. 4.15",
          "With a guaranteed minimal distance r between the points (uniform in the unit square) the probability of "
          "a successful embedding is higher, the more so the larger r (linear map, as §4.3.4 describes it).",
          "rises with r",
          at_least(0.0, quantity="P(success) at r + 0.1 minus at r, the weakest step and n (Agresti–Caffo 95 % "
                                 "interval)"), label="separation helps"),
    Claim("chen2017.fig4.15.separation_helps.affine", "thesis §4.3.2-4.3.3, Fig. 4.15",
          "The same for the centred/affine map of §4.3.2-4.3.3 (points uniform in the unit square).",
          "rises with r",
          at_least(0.0, quantity="P(success) at r + 0.1 minus at r, the weakest step and n (Agresti–Caffo 95 % "
                                 "interval)"), role="beyond", label="separation helps · affine map"),
    Claim("chen2017.s4.3.5.mp_initial_estimates", "thesis §4.3.5",
          "The Moore-Penrose solution might provide good initial estimates for the weight matrix.",
          "might provide good initial estimates",
          is_true("the least-squares output layer reaches the control's best validation loss in fewer steps than "
                  "the control in most of the retrained shallow networks (the widest p)"), role="beyond",
          label="LS output layer as a start"),
)
