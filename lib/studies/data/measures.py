"""What the data page measures: MNIST class counts per split, the noise of the drawn signals (thesis eq. 3.1),
and the continuity of the t-SNE map of the signals (thesis Fig. 3.2)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

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


def easy_and_hard(signals: data.JumpSignals) -> np.ndarray:
    """Indices of the signals with the smallest and the largest σ (thesis Fig. 3.1: an easy and a hard signal)."""
    return np.array([int(np.argmin(signals.sigma)), int(np.argmax(signals.sigma))])


@dataclass(frozen=True)
class Continuity:
    """A t-SNE map of signals and how well it keeps jump positions together."""

    points: np.ndarray  # (M, 2) the map
    positions: np.ndarray  # (M,) jump position t0 of each mapped signal
    neighbour_gap: float  # mean |Δ t0| between a signal and its 5 nearest neighbours in the map
    random_gap: float  # mean |Δ t0| between random pairs of the same signals

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
                      float(np.abs(positions - shuffled).mean()))
