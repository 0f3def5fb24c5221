"""The worked example of the verdict rule on the book's "How verdicts are decided" page: one paper number judged
against three illustrative runs (seeded draws, not a study's results), every number computed by lib.claims."""

import numpy as np

from lib.claims import KINDS, matches
from lib.uncertainty import critical_value, over_repeats, prediction_interval

PAPER = 0.3083  # thesis Table 3.3: the 2-layer MLP's L1 error, the number the example judges
CASES = (  # (what the run is like, its true mean, its spread, its number of draws)
    ("ten draws close to the paper", 0.31, 0.008, 10),
    ("ten draws well above the paper", 0.35, 0.008, 10),
    ("two draws far apart", 0.31, 0.03, 2),
)


def worked_example(seed: int = 0) -> list[dict]:
    """Each case's draws, mean, sd, t, prediction interval, equivalence band, verdict and margin."""
    rng = np.random.default_rng(seed)
    rows = []
    for what, mean, sd, n in CASES:
        draws = rng.normal(mean, sd, n)
        m = over_repeats(draws)
        judged = matches(PAPER, "error").judge(m)
        band = KINDS["error"].bound(PAPER)
        rows.append({"case": what, "draws": draws.tolist(), "mean": m.mean, "sd": m.sd, "n": m.n,
                     "t": critical_value(m.df), "interval": prediction_interval(m),
                     "band": (PAPER - band, PAPER + band), "verdict": judged.verdict, "margin": judged.margin})
    return rows
