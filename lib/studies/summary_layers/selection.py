"""Summary layers: what "one more draw" of Davel 2020's protocol is, and the tests the chapter's claims use.

The paper reports, per H, the one network its protocol selects: a grid of learning rates × 3 training seeds, the
network chosen on a 5,000-image validation set (§4.1). Its Table 1 number is therefore one draw of "the network the
protocol selects", and one more draw is one more repetition of the protocol with fresh seeds. A run of this
chapter is one repetition: its selected network is our draw (n = 1). The spread of one selection is estimated by
the spread of the networks it chooses among, the usable seeds at the chosen learning rate (df = seeds − 1); choosing
the best of them on validation can only narrow that spread, so the estimate errs on the wide side. Test-set sampling
(binomial over the images scored) is added as a known variance (lib.uncertainty.with_sampling).

The other helpers: the difference of two such draws (an ordering judged on one more draw of each), what a profile
shrinks below the paper's protocol (then a claim on the trained networks is "not comparable"), and the stated-null
tests of §5's confusable pairs.
"""

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from lib.uncertainty import Measurement, binomial_variance, with_sampling

LEVEL = 0.05  # the tests' significance level (two-sided for equality, one-sided for an ordering)


def selected_draw(selected: float, candidates: Sequence[float], items: int, what: str = "images") -> Measurement:
    """The protocol's selected network as one draw: its value (a share of `items` scored images), the spread of
    the `candidates` it was chosen among (ddof 1, df = len − 1), plus binomial sampling of `items`. With fewer than
    two candidates the spread is unknown (df 0: the rule reads 'cannot tell')."""
    values = np.asarray(list(candidates), dtype=float)
    values = values[np.isfinite(values)]
    sources = f"the selected network; spread of the {len(values)} seed(s) it was chosen among"
    if len(values) < 2:
        return Measurement(float(selected), 0.0, 1, 0.0, sources + " (unknown for one seed)")
    seeds = Measurement(float(selected), float(values.std(ddof=1)), 1, float(len(values) - 1), sources)
    return with_sampling(seeds, binomial_variance(float(selected), items), f"binomial sampling ({items:,} {what})")


def difference(a: Measurement, b: Measurement) -> Measurement:
    """a − b for one more draw of each, independent: variances add, df by Welch–Satterthwaite (a part with df 0
    leaves the spread unknown), n the smaller of the two."""
    total = a.sd ** 2 + b.sd ** 2
    if a.df == 0 or b.df == 0:
        df = 0.0
    else:
        parts = [(m.sd ** 2) ** 2 / m.df for m in (a, b) if m.sd > 0 and math.isfinite(m.df)]
        df = math.inf if not parts else total ** 2 / sum(parts)
    return Measurement(a.mean - b.mean, math.sqrt(total), min(a.n, b.n), df, f"({a.sources}) − ({b.sources})")


# What the paper's protocol is (Davel 2020 §4.1) against a profile: (parameter, what it stands for in the paper).
PROTOCOL = (("n_train", "training images"), ("n_eval", "evaluation images"),
            ("n_lr", "learning rates in the grid search"), ("n_seeds", "training seeds per learning rate"),
            ("max_epochs", "epoch cap (the paper trains until convergence)"))


LUCKY_PROTOCOL = PROTOCOL + (("lucky_seeds", "seeds of the lucky draw"),)  # the lucky draw's claims also need


def shortfalls(cfg, paper, protocol=PROTOCOL) -> list[str]:
    """What profile `cfg` shrinks below the `paper` profile's `protocol` ((parameter, words) pairs), in words
    (empty: comparable)."""
    return [f"{what} {getattr(cfg, name)} < {getattr(paper, name)}" for name, what in protocol
            if getattr(cfg, name) < getattr(paper, name)]


def pair_counts(rates: np.ndarray, n: int) -> np.ndarray:
    """(C, C) confusions per class pair as counts, from shares of an evaluation set of n samples."""
    return np.rint(np.asarray(rates) * n).astype(int)


def top_four_test(counts: np.ndarray, paper: Sequence[tuple[int, int]], top: int = 4) -> tuple[bool, list[dict]]:
    """Are the paper's `top` most confused pairs ours? Null for each paper pair outside our `top`: it is confused as
    often as our `top`-th pair (exact conditional binomial test, one-sided, Bonferroni over the pairs tested).
    The claim fails when some paper pair is confused significantly less often than our `top`-th pair.
    Returns (holds, one row per paper pair: pair, count, our rank, p-value or None when it is in our top)."""
    i, j = np.triu_indices(len(counts), k=1)
    values = counts[i, j]
    order = np.argsort(-values, kind="stable")
    rank = {(int(i[o]), int(j[o])): r + 1 for r, o in enumerate(order)}
    cutoff = int(values[order[top - 1]])
    rows, outside = [], [p for p in paper if rank[tuple(sorted(p))] > top]
    for p in paper:
        pair = tuple(sorted(p))
        c = int(counts[pair])
        p_value = None
        if pair in [tuple(sorted(q)) for q in outside]:
            p_value = float(stats.binomtest(c, c + cutoff, 0.5, alternative="less").pvalue) if c + cutoff else 1.0
        rows.append({"pair": f"{pair[0]}-{pair[1]}", "count": c, "rank": rank[pair], "p_value": p_value})
    tested = [r["p_value"] for r in rows if r["p_value"] is not None]
    holds = all(p * len(tested) >= LEVEL for p in tested)
    return holds, rows


def more_confusable(rates: np.ndarray, boundary: set[tuple[int, int]]) -> tuple[bool, float]:
    """§5 "classes that lie on each other's boundaries are more likely to be confusable": the boundary pairs'
    confusion rates against the other pairs' (Mann–Whitney U, one-sided; null: no difference). Returns (rejected at
    LEVEL, p-value); (False, nan) when either group is empty."""
    i, j = np.triu_indices(len(rates), k=1)
    on = np.array([(int(a), int(b)) in boundary for a, b in zip(i, j)])
    values = np.asarray(rates)[i, j]
    if on.all() or not on.any():
        return False, float("nan")
    p = float(stats.mannwhitneyu(values[on], values[~on], alternative="greater").pvalue)
    return p < LEVEL, p
