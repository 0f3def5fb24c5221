"""Thesis §4.3: the toy construction, the three maps side by side, and the Monte-Carlo estimates of how often the
Moore-Penrose map followed by hard-max embeds n random points (Fig. 4.14, 4.15, the two quoted probabilities)."""

import numpy as np
import pandas as pd

from lib import cache
from lib.claims import at_least
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


MC_VERSION = 1  # raise it when a change to embedding.success_count changes what a stored count means


def cached_count(p: int, n: int, trials: int, construction: str, r: float = 0.0, seed: int = 0,
                 distribution: str = "unit_cube") -> int:
    """embedding.success_count, kept in the model cache under everything it depends on: a paper-scale Monte Carlo
    (minutes of CPU) runs once, survives an interrupted run, and can be computed here before a GPU session."""
    config = {"study": "bottleneck", "computation": "success_count (thesis §4.3.4)", "version": MC_VERSION,
              "p": p, "n": n, "trials": trials, "construction": construction, "r": r, "seed": seed,
              "distribution": distribution, "chunk": mp.CHUNK}
    payload = cache.cached_train(config, lambda: {"successes": mp.success_count(p, n, trials, construction, r, seed,
                                                                                distribution=distribution)},
                                 check=check_count)
    return int(payload["successes"])


def check_count(payload: dict) -> None:
    """CorruptEntry unless the stored payload holds one non-negative integer count."""
    count = payload.get("successes")
    if not isinstance(count, int) or count < 0:
        raise cache.CorruptEntry(f"its count {count!r} is not a non-negative integer")


def tables(cfg) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The section's three Monte-Carlo tables at the run's parameters: Fig. 4.14's grid, the two quoted
    probabilities, Fig. 4.15's separation grid."""
    return (probability_grid(cfg.mc_trials, cfg.n_ratios, cfg.seed),
            quoted_probabilities(cfg.claim_trials, cfg.mc_trials, cfg.seed),
            separation_grid(cfg.sep_trials, cfg.seed))


def precompute(cfg) -> None:
    """tables(cfg) into the model cache only: run on the CPU before a GPU step, which then spends its time
    training (scripts/prepare_gpu.py)."""
    tables(cfg)


def n_values(p: int, n_ratios: int) -> list[int]:
    """n between 2p and 5p for the curves of Fig. 4.14."""
    return sorted({int(round(p * r)) for r in np.linspace(2, 5, n_ratios)})


def interval_row(ci: mp.Interval, **keys) -> dict:
    """A Clopper-Pearson interval as a table row."""
    return {**keys, "successes": ci.successes, "trials": ci.trials, "estimate": ci.estimate, "low": ci.low,
            "high": ci.high}


def probability_grid(trials: int, n_ratios: int, seed: int) -> pd.DataFrame:
    """Fig. 4.14: success probability over p and n for both constructions, points U[0,1]^p."""
    return pd.DataFrame([interval_row(mp.clopper_pearson(cached_count(p, n, trials, c, seed=seed + 100 * p + n),
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
                ci = mp.clopper_pearson(cached_count(p, n, count, c, seed=seed + 7 + p, distribution=d), count)
                holds = ci.high < threshold if side == "below" else ci.low > threshold
                fails = ci.low >= threshold if side == "below" else ci.high <= threshold
                rows.append(interval_row(ci, claim=name, construction=c, points=DISTRIBUTION_NAMES[d],
                                         distribution=d, threshold=threshold, side=side,
                                         verdict="holds" if holds else "fails" if fails else "not resolved"))
    return pd.DataFrame(rows)


def separation_grid(trials: int, seed: int) -> pd.DataFrame:
    """Fig. 4.15: p = 2, n = 5..8, points U[0,1]² conditioned on a minimum distance r, both constructions."""
    return pd.DataFrame([interval_row(mp.clopper_pearson(cached_count(2, n, trials, c, r=r, seed=seed + n), trials),
                                      construction=c, r=r, n=n)
                         for c in mp.CONSTRUCTIONS for r in SEPARATIONS for n in SEPARATION_N])


def _cell(table: pd.DataFrame, **keys) -> tuple[int, int]:
    """(successes, trials) of the one row of `table` with these column values."""
    row = table.loc[np.logical_and.reduce([table[k] == v for k, v in keys.items()])].iloc[0]
    return int(row.successes), int(row.trials)


def separation_gain(separation: pd.DataFrame, construction: str) -> tuple[object, str]:
    """Fig. 4.15's message for one construction: at every n each step r → r + 0.1 raises the success probability.
    The weakest step (evidence.weakest of evidence.proportion_gain against 0) as a Measurement, and its key."""
    part = separation[separation.construction == construction]
    gains = {f"n = {n}, r = {a} → {b}": evidence.proportion_gain(*_cell(part, n=n, r=b), *_cell(part, n=n, r=a))
             for n in sorted(part.n.unique()) for a, b in zip(SEPARATIONS, SEPARATIONS[1:])}
    key, _ = evidence.weakest(gains, at_least(0.0))
    return gains[key], key


def fall_with_n(grid: pd.DataFrame, construction: str) -> tuple[object, str]:
    """Fig. 4.14's caption for one construction: every curve falls as n grows. A step up whose whole interval lies
    above 0 decides against it (its fall as a Measurement, below 0); else the weakest over p of the fall from the
    first n to the last (evidence.proportion_gain), with its key."""
    part = grid[grid.construction == construction]
    steps, falls = {}, {}
    for p in sorted(part.p.unique()):
        ns = sorted(part[part.p == p].n)
        for a, b in zip(ns, ns[1:]):
            steps[f"p = {p}, n = {a} → {b}"] = evidence.proportion_gain(*_cell(part, p=p, n=a), *_cell(part, p=p, n=b))
        falls[f"p = {p}, n = {ns[0]} → {ns[-1]}"] = evidence.proportion_gain(*_cell(part, p=p, n=ns[0]),
                                                                           *_cell(part, p=p, n=ns[-1]))
    wrong = evidence.rises_somewhere(steps, at_least(0.0))
    if wrong is not None:
        return steps[wrong], f"rises at {wrong}"
    key, _ = evidence.weakest(falls, at_least(0.0))
    return falls[key], f"weakest fall {key}"
