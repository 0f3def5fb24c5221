"""What the data page measures: MNIST class counts per split, the noise of the drawn signals (thesis eq. 3.1), the
posterior of the jump position that makes a signal easy or hard (thesis Fig. 3.1), and the continuity of the t-SNE
map of the signals (thesis Fig. 3.2)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from lib import data, embedding
from lib.data.mnist import OFFICIAL_TEST_COUNTS, OFFICIAL_TRAIN_COUNTS

SPLIT_SCHEMES = ("60k/10k", "55k/5k/10k", "48k/12k/10k")


def split_class_counts(mnist: data.MNIST) -> pd.DataFrame:
    """Samples per digit class in every part (train / val / test) of the three splits the studies use."""
    rows = []
    for scheme in SPLIT_SCHEMES:
        splits = data.split_mnist(mnist, scheme)
        for part in ("train", "val", "test"):
            pair = getattr(splits, part)
            if pair is not None:
                counts = np.bincount(pair[1], minlength=data.N_CLASSES)  # (10,)
                rows.append({"split": scheme, "part": part, "samples": int(counts.sum()),
                             **{f"digit {c}": int(n) for c, n in enumerate(counts)}})
    return pd.DataFrame(rows)


def part_counts(table: pd.DataFrame, scheme: str) -> dict[str, np.ndarray]:
    """The (10,) class counts of each part of one split, from split_class_counts."""
    rows = table[table["split"] == scheme]
    return {row["part"]: row[[f"digit {c}" for c in range(data.N_CLASSES)]].to_numpy(int)
            for _, row in rows.iterrows()}


def is_official_mnist(mnist: data.MNIST) -> bool:
    """The per-digit counts of the loaded training and test sets are the published ones (LeCun et al. 1998)."""
    return (tuple(np.bincount(mnist.y_train, minlength=10)) == OFFICIAL_TRAIN_COUNTS
            and tuple(np.bincount(mnist.y_test, minlength=10)) == OFFICIAL_TEST_COUNTS)


def standardised_noise_std(signals: data.JumpSignals, theta: float) -> float:
    """Std of (x_i − θ·[i ≥ t0]) / σ over all samples of all signals: 1 when the noise is as eq. 3.1 states."""
    noise = signals.x - data.step_signals(signals.positions, signals.x.shape[1], theta)  # (N, n)
    sigma = np.where(signals.sigma > 0, signals.sigma, 1.0)[:, None]  # σ = 0 leaves no noise to scale
    return float((noise / sigma).std())


NOISE_Z = 3.29  # the standardised noise's spread may miss 1 by this many sampling standard errors (two-sided 0.1 %)


def noise_within_sampling(std: float, samples: int, z: float = NOISE_Z) -> bool:
    """The standard deviation of `samples` standardised noise values is 1 up to sampling: |std − 1| ≤ z/√(2·samples)
    (the standard error of a normal sample's standard deviation); a correct generator fails one run in a thousand."""
    return abs(std - 1.0) <= z / np.sqrt(2.0 * samples)


def position_posterior(signals: data.JumpSignals, theta: float, positions: tuple[int, int] = (21, 80)) -> np.ndarray:
    """p(t0 | x) for known θ and σ and a uniform prior over lo..hi (thesis eq. 3.1): (N, hi - lo + 1).

    log p(x | t0) = const + θ Σ_{i ≥ t0} (x_i − θ/2) / σ², with each signal's own σ (σ = 0 read as 1e-6).
    """
    x = np.asarray(signals.x, dtype=np.float64)
    tail = np.cumsum((x - theta / 2)[:, ::-1], axis=1)[:, ::-1]  # (N, n): tail[:, i-1] = Σ_{j ≥ i}
    lo, hi = positions
    log_p = theta * tail[:, lo - 1:hi] / np.maximum(signals.sigma.astype(np.float64), 1e-6)[:, None] ** 2
    p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def mass_near(posterior: np.ndarray, index: np.ndarray, half_width: int) -> np.ndarray:
    """Posterior mass within ±half_width positions of each signal's `index` (0-based column): (N,)."""
    columns = np.arange(posterior.shape[1])
    return np.where(np.abs(columns[None] - index[:, None]) <= half_width, posterior, 0.0).sum(axis=1)


CLEAR = 0.99  # p(true t0 | x) at or above which a jump is "easy to detect" (thesis Fig. 3.1 (a))
HARD_PEAK, HARD_MASS, HARD_HALF_WIDTH = 0.5, 0.9, 5  # Fig. 3.1 (b): "hard to tell ... between 45 and 55"


@dataclass(frozen=True)
class Difficulty:
    """How sure the most probable position is, per signal, at one σ (thesis Fig. 3.1: an easy and a hard signal)."""

    clear: np.ndarray  # (N,) bool: p(true t0 | x) ≥ CLEAR, the jump "easy to detect"
    hard: np.ndarray  # (N,) bool: no position reaches HARD_PEAK, yet ≥ HARD_MASS lies within ±HARD_HALF_WIDTH of t0

    def shares(self) -> tuple[float, float]:
        """Share of clear and of hard signals."""
        return float(self.clear.mean()), float(self.hard.mean())

    def counts(self) -> tuple[int, int]:
        """Number of clear and of hard signals."""
        return int(self.clear.sum()), int(self.hard.sum())

    def both_exist(self) -> bool:
        """At least one signal of each kind (claim chen2017.f3.1.easy_and_hard: "there also exist some signals of
        which the jump locations are not easily detected")."""
        return min(self.counts()) >= 1


def difficulty(posterior: np.ndarray, labels: np.ndarray) -> Difficulty:
    """Clear and hard signals of thesis Fig. 3.1: (a) a clear jump; (b) "hard to tell the exact location in a range
    between 45 and 55", i.e. spread over ±5 positions around t0 with no position at even odds."""
    true_p = posterior[np.arange(len(labels)), labels]
    spread = (posterior.max(axis=1) < HARD_PEAK) & (mass_near(posterior, labels, HARD_HALF_WIDTH) >= HARD_MASS)
    return Difficulty(true_p >= CLEAR, spread)


def figure_3_1_examples(signals: data.JumpSignals, posterior: np.ndarray, easy_at: int = 21,
                        hard_at: int = 50) -> np.ndarray:
    """Indices of Fig. 3.1's (a) and (b): at the drawn position nearest easy_at, the signal whose true position is
    most probable; at the one nearest hard_at, of its hard signals (or all, if none is hard) the one whose most
    probable position is least sure: (2,)."""
    def nearest(target: int) -> np.ndarray:
        return signals.positions == signals.positions[np.argmin(np.abs(signals.positions - target))]

    easy_pool, hard_pool = nearest(easy_at), nearest(hard_at)
    hard = difficulty(posterior, signals.y).hard
    if (hard_pool & hard).any():
        hard_pool = hard_pool & hard
    true_p = posterior[np.arange(len(signals.y)), signals.y]
    easy = np.flatnonzero(easy_pool)[np.argmax(true_p[easy_pool])]
    hard = np.flatnonzero(hard_pool)[np.argmin(posterior.max(axis=1)[hard_pool])]
    return np.array([int(easy), int(hard)])


@dataclass(frozen=True)
class Continuity:
    """A t-SNE map of signals and how well it keeps jump positions together."""

    points: np.ndarray  # (M, 2) the map
    positions: np.ndarray  # (M,) jump position t0 of each mapped signal
    neighbour_gap: float  # mean |Δ t0| between a signal and its 5 nearest neighbours in the map
    random_gap: float  # mean |Δ t0| between random pairs of the same signals
    p_value: float  # permutation test of the null "the map ignores the jump position" (order_test)

    @property
    def ratio(self) -> float:
        """neighbour_gap / random_gap: 0 for a map ordered by position, about 1 for one that ignores it."""
        return self.neighbour_gap / self.random_gap


def position_continuity(signals: data.JumpSignals, n_map: int, perplexity: float, seed: int,
                        k: int = 5) -> Continuity:
    """Map n_map randomly chosen signals with t-SNE and compare the jump positions of map neighbours with those
    of random pairs (a measure of thesis Fig. 3.2's 'grouped along a low-dimensional manifold')."""
    subset = np.random.default_rng(seed).permutation(len(signals.x))[:n_map]  # (M,)
    points = embedding.tsne_map(signals.x[subset], perplexity=perplexity, seed=seed)  # (M, 2)
    positions = signals.positions[subset]  # (M,)
    shuffled = np.random.default_rng(seed + 1).permutation(positions)
    return Continuity(points, positions, embedding.neighbour_gap(points, positions, k=k),
                      float(np.abs(positions - shuffled).mean()), order_test(points, positions, k, seed=seed + 2))


PERMUTATIONS = 999  # relabellings of the permutation test: its smallest p-value is 1/1000


def order_test(points: np.ndarray, positions: np.ndarray, k: int = 5, permutations: int = PERMUTATIONS,
               seed: int = 0) -> float:
    """p-value of the null "the map ignores the jump position": the share, with the observed map counted in, of
    random relabellings of the map's points whose neighbour gap (embedding.neighbour_gap) is at most the observed
    one."""
    index = NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points, return_distance=False)[:, 1:]
    values = np.asarray(positions, dtype=float)
    observed = np.abs(values[index] - values[:, None]).mean()
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(permutations):
        shuffled = rng.permutation(values)
        hits += np.abs(shuffled[index] - shuffled[:, None]).mean() <= observed
    return float((1 + hits) / (1 + permutations))
