"""How the bottleneck chapter's measurements become evidence for the one verdict rule (lib.claims): the test-set
sampling variance of each error measure, one network's error with every source of randomness, the difference of
two networks, the weakest of several comparisons, the orderings of Monte-Carlo estimates and the decisions of
"every network" claims."""

import math
from collections.abc import Sequence

import numpy as np

from lib.claims import Criterion, Judgement
from lib.jump_errors import lowest_fraction
from lib.uncertainty import Measurement, over_draws_and_seeds, over_repeats, satterthwaite, with_sampling

MEASURES = ("l1", "l2", "l1_99", "l2_99")


def sampling_variances(predicted: np.ndarray, true: np.ndarray, fraction: float = 0.99) -> dict[str, float]:
    """The variance of each error measure of lib.jump_errors.error_measures over draws of the N test signals
    (delta method): L1 = mean |e| → var|e| / N; L2 = sqrt(mean e²) → var(e²) / (4 L2² N); the 99 % measures the
    same on the kept signals."""
    e = np.abs(np.asarray(predicted, dtype=np.float64) - np.asarray(true, dtype=np.float64))
    out = {}
    for name, values in (("", e), ("_99", lowest_fraction(e, fraction))):
        n = values.size
        l2 = math.sqrt(float((values ** 2).mean()))
        out[f"l1{name}"] = float(values.var(ddof=1)) / n if n > 1 else 0.0
        out[f"l2{name}"] = float((values ** 2).var(ddof=1)) / (4 * l2 ** 2 * n) if n > 1 and l2 > 0 else 0.0
    return out


def network_error(values: Sequence[float], test_variances: Sequence[float], n_test: int) -> Measurement:
    """One network's error measure: the spread over network seeds (trained on one data draw) plus the variance of
    test-set sampling (the mean over the networks of each one's own sampling variance; none for n_test 0, a
    measure that is not a mean over test signals)."""
    seeds = over_repeats(values, sources=f"{len(values)} network seeds (one data draw)")
    if not n_test:  # not a mean over test signals
        return seeds
    return with_sampling(seeds, float(np.mean(test_variances)), f"test-set sampling ({n_test} signals)")


def nested(values: np.ndarray, test_variances: np.ndarray, n_test: int) -> Measurement:
    """One network's error measure over data draws (rows: training, validation and test signals) × network seeds
    (columns), each network's own test-sampling variance beside it. One draw: `network_error`. Several:
    lib.uncertainty.over_draws_and_seeds (the draw's component includes its test-set sampling, which a fresh draw
    redraws)."""
    x = np.asarray(values, dtype=float)
    draws, seeds = x.shape
    if draws == 1:
        return network_error(x[0], np.asarray(test_variances, dtype=float)[0], n_test)
    tests = f" ({n_test} test signals each)" if n_test else ""
    sources = f"{draws} data draws{tests} × {seeds} network seed{'s' if seeds > 1 else ''}"
    return over_draws_and_seeds(x, sources)


def difference(a: Measurement, b: Measurement, sources: str = "") -> Measurement:
    """One draw of a minus one independent draw of b: mean a − b, sd √(sa² + sb²), n the smaller, df by
    Welch–Satterthwaite (the spread of a paper comparing one network of each)."""
    va, vb = a.sd ** 2, b.sd ** 2
    total = va + vb
    if total == 0:
        df = min(a.df, b.df)
    elif va == 0 or vb == 0:
        df = satterthwaite(va or vb, a.df if va else b.df, total)
    else:
        df = 0.0 if min(a.df, b.df) == 0 else total ** 2 / (va ** 2 / a.df + vb ** 2 / b.df)
    return Measurement(a.mean - b.mean, math.sqrt(total), min(a.n, b.n), df,
                       sources or f"{a.sources} | {b.sources}")


def scaled(m: Measurement, by: float) -> Measurement:
    """m divided by a known positive constant (e.g. a paper's benchmark value): mean and sd scale, n and df stay."""
    return Measurement(m.mean / by, m.sd / by, m.n, m.df, m.sources)


RANK = {"differs": 0, "inconclusive": 1, "reproduced": 2}


def weakest(measured: dict, criterion: Criterion) -> tuple[str, Judgement]:
    """Of several measurements that must all pass `criterion`, the one that passes least: a differs before an
    inconclusive before a reproduced, and within a verdict the smallest margin (key, its judgement)."""
    judged = {key: criterion.judge(m) for key, m in measured.items()}

    def order(key):
        j = judged[key]
        margin = j.margin if j.margin is not None else math.inf
        return RANK[j.verdict], margin if j.verdict != "differs" else -margin

    key = min(judged, key=order)
    return key, judged[key]


def proportion_gain(k1: int, n1: int, k0: int, n0: int) -> Measurement:
    """How much larger the success probability of cell 1 is than that of cell 0 (Monte-Carlo counts k of n), as a
    Measurement whose prediction interval is the Agresti–Caffo 95 % interval of p1 − p0 (one success and one
    failure added to each cell, so that cells without a success still carry their uncertainty): mean p̃1 − p̃0, sd
    the standard error, n the trials (√(1 + 1/n) ≈ 1), df inf."""
    p1, p0 = (k1 + 1) / (n1 + 2), (k0 + 1) / (n0 + 2)
    se = math.sqrt(p1 * (1 - p1) / (n1 + 2) + p0 * (1 - p0) / (n0 + 2))
    return Measurement(p1 - p0, se, min(n1, n0), math.inf, f"Monte Carlo, {min(n1, n0)} trials per cell")


def rises_somewhere(gains: dict, criterion: Criterion) -> str | None:
    """The key of a gain whose whole interval lies below 0 (a significant step the wrong way), else None."""
    wrong = [key for key, m in gains.items() if criterion.judge(Measurement(-m.mean, m.sd, m.n, m.df,
                                                                            m.sources)).verdict == "reproduced"]
    return wrong[0] if wrong else None


def every_network(violates: Sequence[bool], converged: Sequence[bool], permanent: Sequence[bool] | bool = False
                  ) -> tuple[bool, bool, str]:
    """An 'every network' claim from per-network violations: (holds, converged, note). A converged network that
    violates it decides: it fails (converged True). So does an unconverged one whose violation more training cannot
    undo (`permanent`, per network or for all, e.g. a shallow node off for every training signal: its input weights
    get no gradient). Otherwise it holds when every network converged, and is not converged when an unconverged
    network could still break it."""
    violates, converged = np.asarray(violates, dtype=bool), np.asarray(converged, dtype=bool)
    permanent = np.broadcast_to(np.asarray(permanent, dtype=bool), violates.shape)
    n, bad = len(violates), int(violates.sum())
    deciding = violates & (converged | permanent)
    if deciding.any():
        return False, True, f"{int(deciding.sum())} of {n} networks break it ({int((violates & converged).sum())} " \
                            f"of them converged)"
    if converged.all():
        return True, True, f"holds in all {n} networks"
    return True, False, f"holds in the {int(converged.sum())} converged of {n} networks; " \
                        f"{int((~converged).sum())} still improving at the cap ({bad} break it)"


def some_network(shows: Sequence[bool], converged: Sequence[bool]) -> tuple[bool, bool, str]:
    """A 'networks show it' (existence) claim: shown by a converged network decides it (holds); without one it fails
    when every network converged, else it is not converged (an unconverged network could still show it)."""
    shows, converged = np.asarray(shows, dtype=bool), np.asarray(converged, dtype=bool)
    n = len(shows)
    if (shows & converged).any():
        return True, True, f"{int((shows & converged).sum())} of {int(converged.sum())} converged networks show it " \
                           f"({n} networks)"
    if converged.all():
        return False, True, f"none of {n} networks shows it"
    return False, False, f"none of the {int(converged.sum())} converged of {n} networks shows it"
