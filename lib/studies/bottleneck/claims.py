"""The bottleneck chapter's claims (thesis ch. 4, Table 4.1 and 7.1), with criteria fixed before any run.

Network errors: the mean over seeds within 20 % of the thesis's value, for every row alike. The thesis reports
one network per row, so its seed-to-seed variation is unknown; 20 % is a band fixed before any converged run
for a different seed, initialisation and data draw (the table shows this run's spread beside it).
Monte-Carlo claims are judged on the 95 % Clopper-Pearson interval, never on the point estimate.
"""

from lib.claims import Claim, at_least, at_most, is_true, matches

# thesis Table 4.1 (p = 4, 10) and Table 7.1 (p = 2): L1, L2, L1_99, L2_99 in positions
PAPER = {("shallow", 10): {"l1": 0.7980, "l2": 1.4658, "l1_99": 0.7370, "l2_99": 1.0820},
         ("shallow", 4): {"l1": 1.1626, "l2": 1.6809, "l1_99": 1.0993, "l2_99": 1.4755},
         ("shallow", 2): {"l1": 1.5486, "l2": 1.9874, "l1_99": 1.5053, "l2_99": 1.9086},
         ("deep", 10): {"l1": 0.6478, "l2": 1.3121, "l1_99": 0.5742, "l2_99": 0.9255},
         ("deep", 4): {"l1": 0.7000, "l2": 1.1795, "l1_99": 0.6450, "l2_99": 0.9661},
         ("deep", 2): {"l1": 0.9830, "l2": 1.3136, "l1_99": 0.9542, "l2_99": 0.2621}}
TABLE = {("shallow", 10): "t4.1", ("shallow", 4): "t4.1", ("deep", 10): "t4.1", ("deep", 4): "t4.1",
         ("shallow", 2): "t7.1", ("deep", 2): "t7.1"}
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
                             value, matches(value, "error", quantity=f"{measure} of one network")))
    return tuple(out)


MP_IDS = {"p2_n10": "chen2017.s4.3.mp_p2_n10_below_1e-5", "p10_n50": "chen2017.s4.3.mp_p10_n50_above_0.1"}
MP_MAIN = ("affine", "unit_cube")  # the reading Fig. 4.15 (points stated U[0,1]²) leaves: the centred map
VARIANTS = [(c, d) for c in ("linear", "affine") for d in ("unit_cube", "centred_cube", "gaussian")
            if (c, d) != MP_MAIN]


def mp_id(claim: str, construction: str, distribution: str) -> str:
    """The main id for the centred map on U[0,1]^p, a suffixed one for every other construction and law."""
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
                         role=role))
        out.append(Claim(mp_id("p10_n50", construction, distribution), "thesis §4.3.4, Fig. 4.14",
                         f"For p = 10 and n = 50 the probability of a successful embedding is above 0.1 {reading}.",
                         "above 0.1", at_least(0.1, quantity="lower end of the 95 % interval of P(success)"),
                         role=role))
    return tuple(out)


CLAIMS = (
    *_error_claims(),
    Claim("chen2017.fig4.3.shallow_error_falls_with_p", "thesis §4.2.2, Fig. 4.3",
          "For the shallow networks the error decreases as the bottleneck width p grows.",
          "falls with p", is_true("the mean L1 over seeds falls at every step of the p this run trains")),
    Claim("chen2017.s4.2.deep_beats_shallow", "thesis §4.2.2, Table 4.1",
          "The deep bottleneck networks are more accurate than the shallow ones of the same p.",
          "deep below shallow", is_true("the deep mean L1 is below the shallow one at every p this run trains")),
    Claim("chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10", "thesis §4.2.2, Fig. 4.4",
          "For the deep networks the error does not fall monotonically: it rises from p = 5 to 6 and from 9 to 10.",
          "rises at 5→6 and 9→10", is_true("the deep mean L1 at p = 6 exceeds p = 5 and at p = 10 exceeds p = 9")),
    Claim("chen2017.fig4.5.dead_nodes", "thesis §4.2.2, Fig. 4.5",
          "Deep networks have de-activated neurons in the bottleneck layer: one at p = 6, one at p = 9 and two at "
          "p = 10, which explains their non-monotone error.",
          "p = 6: 1, p = 9: 1, p = 10: 2",
          at_least(0.5, quantity="share of deep networks at p ∈ {6, 9, 10} with a dead bottleneck node")),
    Claim("chen2017.s4.2.shallow_no_dead_nodes", "thesis §4.2.2",
          "The shallow networks have no dead nodes.", 0,
          at_most(0, quantity="dead bottleneck nodes over all shallow networks")),
    Claim("chen2017.s4.2.p2_on_axis_worst", "thesis §4.2.3, Fig. 4.6-4.9",
          "For p = 2 the classes whose codes lie on an axis (one node off) are the worst classified.",
          "on-axis classes worst",
          is_true("in the validation-selected p = 2 network of each depth the on-axis classes have the higher "
                  "mean per-class L1")),
    *_mp_claims(),
    Claim("chen2017.fig4.15.separation_helps", "thesis §4.3.4, Fig. 4.15",
          "With a guaranteed minimal distance r between the points (uniform in the unit square) the probability of "
          "a successful embedding is higher, the more so the larger r.",
          "rises with r", is_true("for the centred map the estimate rises from r = 0 to 0.1 to 0.2 at every n")),
    Claim("chen2017.fig4.15.separation_helps.linear", "thesis §4.3.4, Fig. 4.15",
          "The same for the linear map that §4.3.4 describes (points uniform in the unit square).",
          "rises with r", is_true("for the linear map the estimate rises from r = 0 to 0.1 to 0.2 at every n"),
          role="beyond"),
    Claim("chen2017.s4.3.5.mp_initial_estimates", "thesis §4.3.5",
          "The Moore-Penrose solution might provide good initial estimates for the weight matrix.",
          "might provide good initial estimates",
          is_true("the least-squares output layer reaches the control's best validation loss in fewer steps than "
                  "the control in most of the retrained shallow networks (the widest p)"), role="beyond"),
)
