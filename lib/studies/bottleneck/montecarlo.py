"""Thesis §4.3: the toy construction, the three maps side by side, and the Monte-Carlo estimates of how often the
Moore-Penrose map followed by hard-max embeds n random points (Fig. 4.14, 4.15, the two quoted probabilities)."""

import numpy as np
import pandas as pd

from lib.studies.bottleneck import embedding as mp
from lib.studies.bottleneck import evidence

P_GRID = (2, 4, 6, 8, 10)
SEPARATIONS = (0.0, 0.1, 0.2)
SEPARATION_N = (5, 6, 7, 8)
DISTRIBUTION_NAMES = {"unit_cube": "U[0,1]^p", "centred_cube": "U[-1,1]^p", "gaussian": "N(0, I_p)"}
# the two probabilities of §4.3.4: (p, n, threshold, direction)
QUOTED = {"p2_n10": (2, 10, 1e-5, "below"), "p10_n50": (10, 50, 0.1, "above")}


def toy_images(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three random points of the unit square and their images under the centred map: (3, 2), (3, 3)."""
    toy = mp.uniform_points(np.random.default_rng(seed), 1, 3, 2)[0]
    return toy, mp.centred_map(toy)(toy)


def toy_table(images: np.ndarray) -> pd.DataFrame:
    """A(v_1) beside the projection e_1 − <e_1, k> k and the coefficients the thesis prints (§4.3.2)."""
    return pd.DataFrame({"A(v_1) computed": images[0], "e_1 - <e_1,k>k": np.eye(3)[0] - 1 / 3,
                         "thesis's printed coefficients": [1 - 1 / np.sqrt(3), -1 / np.sqrt(3), -1 / np.sqrt(3)]},
                        index=["e_1", "e_2", "e_3"]).round(4)


def constructions_table(seed: int, n: int = 6) -> pd.DataFrame:
    """The linear, centred and affine least-squares maps on n random points of the square: eq. 4.2, diagonal,
    hard-max correct."""
    points = mp.uniform_points(np.random.default_rng(seed), 1, n, 2)[0]
    rows = []
    for name, build, hat, shift in (("linear (§4.3.4)", mp.linear_map, "linear", 0.0),
                                    ("centred (§4.3.2)", mp.centred_map, "affine", 1 / n),
                                    ("affine least squares (eq. 4.1)", mp.least_squares_affine, "affine", 0.0)):
        images = build(points)(points)
        rows.append({"construction": name,
                     "images = eq. 4.2 hat matrix": bool(np.allclose(images.T, mp.hat_matrix(points, hat) - shift)),
                     "diagonal (image of v_k at e_k)": np.round(np.diag(images), 3).tolist(),
                     "hard-max correct": int((images.argmax(axis=1) == np.arange(n)).sum())})
    return pd.DataFrame(rows).set_index("construction")


def n_values(p: int, n_ratios: int) -> list[int]:
    """n between 2p and 5p for the curves of Fig. 4.14."""
    return sorted({int(round(p * r)) for r in np.linspace(2, 5, n_ratios)})


def interval_row(ci: mp.Interval, **keys) -> dict:
    """A Clopper-Pearson interval as a table row."""
    return {**keys, "successes": ci.successes, "trials": ci.trials, "estimate": ci.estimate, "low": ci.low,
            "high": ci.high}


def probability_grid(trials: int, n_ratios: int, seed: int) -> pd.DataFrame:
    """Fig. 4.14: success probability over p and n for both constructions, points U[0,1]^p."""
    return pd.DataFrame([interval_row(mp.clopper_pearson(mp.success_count(p, n, trials, c, seed=seed + 100 * p + n),
                                                         trials), construction=c, p=p, n=n)
                         for c in mp.CONSTRUCTIONS for p in P_GRID for n in n_values(p, n_ratios)])


def quoted_probabilities(claim_trials: int, trials: int, seed: int) -> pd.DataFrame:
    """The two probabilities §4.3.4 quotes, for every construction and point law: interval and verdict
    ('holds' when the whole 95 % interval is on the stated side, 'fails' when it is wholly on the other)."""
    rows = []
    for name, (p, n, threshold, side) in QUOTED.items():
        count = claim_trials if name == "p2_n10" else trials
        for c in mp.CONSTRUCTIONS:
            for d in mp.DISTRIBUTIONS:
                ci = mp.clopper_pearson(mp.success_count(p, n, count, c, seed=seed + 7 + p, distribution=d), count)
                holds = ci.high < threshold if side == "below" else ci.low > threshold
                fails = ci.low >= threshold if side == "below" else ci.high <= threshold
                rows.append(interval_row(ci, claim=name, construction=c, points=DISTRIBUTION_NAMES[d],
                                         distribution=d, threshold=threshold, side=side,
                                         verdict="holds" if holds else "fails" if fails else "not resolved"))
    return pd.DataFrame(rows)


def separation_grid(trials: int, seed: int) -> pd.DataFrame:
    """Fig. 4.15: p = 2, n = 5..8, points U[0,1]² conditioned on a minimum distance r, both constructions."""
    return pd.DataFrame([interval_row(mp.clopper_pearson(mp.success_count(2, n, trials, c, r=r, seed=seed + n), trials),
                                      construction=c, r=r, n=n)
                         for c in mp.CONSTRUCTIONS for r in SEPARATIONS for n in SEPARATION_N])


def separation_helps(separation: pd.DataFrame, construction: str) -> bool:
    """Fig. 4.15's message for one construction, judged on the 95 % intervals: at every n the r = 0.2 interval
    lies wholly above the r = 0 one, and no step r → r + 0.1 falls (a later interval wholly below an earlier)."""
    part = separation[separation.construction == construction]
    for _, curve in part.groupby("n"):
        curve = curve.sort_values("r")
        low, high = curve.low.to_numpy(), curve.high.to_numpy()
        if not low[-1] > high[0] or (high[1:] < low[:-1]).any():
            return False
    return True


def falls_with_n(grid: pd.DataFrame, construction: str) -> tuple[bool, str]:
    """Fig. 4.14's caption for one construction, judged on the 95 % intervals (evidence.falls_along per p): True
    when every curve falls; with the verdict of each curve in words."""
    verdicts = {int(p): evidence.falls_along(list(zip(c.sort_values("n").low, c.sort_values("n").high)))
                for p, c in grid[grid.construction == construction].groupby("p")}
    return all(v == "falls" for v in verdicts.values()), ", ".join(f"p = {p}: {v}" for p, v in verdicts.items())
