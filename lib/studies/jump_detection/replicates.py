"""Independent replicates of the thesis's experiment: several data draws (training, validation and test signals),
several network seeds on each, and one Measurement over all of them.

The thesis reports one network per shape, trained on one draw of the signals and scored on one test draw. One more
such network is one more draw from the two-level distribution this run samples: x_ds = μ + a_d + e_ds, a_d the
effect of data draw d (its training, validation and test signals), e_ds that of network seed s on it. The spread
of one new network is σ_a² + σ_e², estimated from the one-way random-effects analysis of variance (balanced):

    MSB = S · var(row means)  (D − 1 df),   MSW = mean within-row variance  (D (S − 1) df),
    σ_e² = MSW,   σ_a² = max(0, (MSB − MSW) / S),   total = σ_a² + σ_e²,

with Welch-Satterthwaite degrees of freedom for the estimate of `total` and the grand mean's variance MSB / (D S)
expressed as total / n, so that lib.uncertainty's prediction interval mean ± t · sd · √(1 + 1/n) holds; n lies
between D (the draws dominate) and D S (the seeds dominate) and is rounded down (the wider interval).
"""

import math

import numpy as np

from lib.uncertainty import Measurement, over_repeats


def nested(values, sources: str) -> Measurement:
    """One network's measure over data draws (rows) × network seeds (columns): mean, the spread of one new network
    with both sources combined, n and df as in the module docstring; one seed per draw is plain over_repeats."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.size == 0:
        raise ValueError(f"nested: expected a non-empty (draws, seeds) array, got shape {x.shape}")
    draws, seeds = x.shape
    if seeds == 1 or draws == 1:
        return over_repeats(x.ravel(), sources)
    msb = seeds * float(x.mean(axis=1).var(ddof=1))
    between, msw = components(x)
    total = between + msw
    if total == 0:
        return Measurement(float(x.mean()), 0.0, x.size, float(x.size - 1), sources)
    if between > 0:
        parts = ((msb / seeds, draws - 1), (msw * (seeds - 1) / seeds, draws * (seeds - 1)))
    else:  # the draws vary less than the seeds suggest: σ_a = 0, the spread is the within-draw one
        parts = ((msw, draws * (seeds - 1)),)
    df = total ** 2 / sum(part ** 2 / dof for part, dof in parts)
    n = x.size if msb <= 0 else max(draws, min(x.size, math.floor(x.size * total / msb)))
    return Measurement(float(x.mean()), math.sqrt(total), int(n), float(df), sources)


def components(values) -> tuple[float, float]:
    """The variance estimates (σ_a², σ_e²) of a (draws ≥ 2, seeds ≥ 2) array: between data draws (truncated at 0)
    and between seeds on one draw."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or min(x.shape) < 2:
        raise ValueError(f"components: expected a (draws ≥ 2, seeds ≥ 2) array, got shape {x.shape}")
    msb = x.shape[1] * float(x.mean(axis=1).var(ddof=1))
    msw = float(x.var(axis=1, ddof=1).mean())
    return max(0.0, (msb - msw) / x.shape[1]), msw


def sources(draws: int, seeds: int, n_test: int) -> str:
    """What varied between the networks, in words."""
    return (f"{draws} data draws (training, validation and test signals; {n_test} test signals each) × {seeds} "
            f"network seeds per draw")


def draw_seed(seed: int, draw: int) -> int | list[int]:
    """The seed of data draw `draw` of a run with data seed `seed`: the seed itself for draw 0 (the chapter's
    figures use it), [seed, draw] after it, a SeedSequence entropy that no other run's seed repeats."""
    return seed if draw == 0 else [seed, draw]


def network_seeds(draw: int, seeds: int) -> range:
    """The network seeds trained on data draw `draw`: 0..S−1 on draw 0, then the next S per draw."""
    return range(draw * seeds, (draw + 1) * seeds)
