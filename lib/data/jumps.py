"""Jump signals (thesis §3.1, eq. 3.1): noisy steps of height θ at position t0, drawn from a seeded Generator."""

from dataclasses import dataclass

import numpy as np
import torch

# The thesis never states σ for its networks (§3.1 says only that σ varies). Every chapter on the thesis's data uses
# this one value, estimated in the jump-detection chapter from many baseline draws against Table 3.1; that chapter
# re-estimates it on every run and its claim chen2017.beyond.sigma_consistent fails if the two drift apart.
SIGMA_ESTIMATE = 1.03

@dataclass(frozen=True)
class JumpSignals:
    """Noisy step signals of thesis eq. 3.1 with their jump positions t0 (1-based) and noise levels σ."""

    x: np.ndarray  # (count, length) float32
    y: np.ndarray  # (count,) int64: class label = t0 - first allowed position (0..59 for 21..80)
    positions: np.ndarray  # (count,) int64: t0, numbered 1..length as in the thesis
    sigma: np.ndarray  # (count,) float32: each signal's noise standard deviation

    @property
    def jump_index(self) -> np.ndarray:
        """0-based array index of the first sample at level θ: t0 - 1, shape (count,)."""
        return self.positions - 1


@dataclass(frozen=True)
class JumpSplits:
    """Training, validation and test jump signals drawn from independent seeded streams."""

    train: JumpSignals
    val: JumpSignals
    test: JumpSignals


def _is_int(value: object) -> bool:
    """True for Python or numpy integers (not bools)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_sigma(sigma: float | tuple[float, float]) -> None:
    """Validate σ: a value >= 0 or a (lo, hi) pair with 0 <= lo <= hi."""
    if isinstance(sigma, tuple | list):
        if len(sigma) != 2 or not 0 <= sigma[0] <= sigma[1]:
            raise ValueError(f"sigma range must be (lo, hi) with 0 <= lo <= hi, got {sigma!r}")
    elif not (isinstance(sigma, int | float | np.number) and sigma >= 0):
        raise ValueError(f"sigma must be a number >= 0 or a (lo, hi) pair, got {sigma!r}")


def _check_jump_args(count: int, length: int, positions: tuple[int, int], theta: float) -> None:
    """Validate count, length, jump range (1 < lo <= hi < length, thesis: 1 < t0 < n) and θ >= 0."""
    if not _is_int(count) or count <= 0:
        raise ValueError(f"count must be an integer > 0, got {count!r}")
    if not _is_int(length) or length < 3:
        raise ValueError(f"length must be an integer >= 3, got {length!r}")
    if (len(positions) != 2 or not all(_is_int(p) for p in positions)
            or not 1 < positions[0] <= positions[1] < length):
        raise ValueError(f"positions must be integers (lo, hi) with 1 < lo <= hi < length={length}, "
                         f"got {positions!r}")
    if not (isinstance(theta, int | float | np.number) and theta >= 0):
        raise ValueError(f"theta must be a number >= 0 (0: no jump, pure noise), got {theta!r}")


def draw_jump_positions(rng: np.random.Generator, count: int, positions: tuple[int, int],
                        balanced: bool) -> np.ndarray:
    """Jump positions t0: uniform on lo..hi, or (balanced) each position equally often in random order."""
    lo, hi = positions
    if not balanced:
        return rng.integers(lo, hi, size=count, endpoint=True, dtype=np.int64)  # (count,)
    n_positions = hi - lo + 1
    if count % n_positions:
        raise ValueError(f"balanced needs count to be a multiple of {n_positions} positions, got {count}")
    return rng.permutation(np.repeat(np.arange(lo, hi + 1, dtype=np.int64), count // n_positions))


def draw_noise_levels(rng: np.random.Generator, count: int, sigma: float | tuple[float, float]) -> np.ndarray:
    """Per-signal σ as float32: the value itself, or uniform on [lo, hi] for a range."""
    if isinstance(sigma, tuple | list):
        return rng.uniform(sigma[0], sigma[1], size=count).astype(np.float32)  # (count,)
    return np.full(count, sigma, dtype=np.float32)  # (count,)


def step_signals(positions: np.ndarray, length: int, theta: float) -> np.ndarray:
    """Noise-free signals of thesis eq. 3.1: 0 for samples i < t0, θ for i >= t0 (i = 1..length)."""
    i = np.arange(1, length + 1)  # (length,) 1-based sample numbers
    return np.where(i[None, :] >= positions[:, None], float(theta), 0.0)  # (count, length)


def jump_signals(count: int, *, length: int = 100, positions: tuple[int, int] = (21, 80), theta: float = 3.0,
                 sigma: float | tuple[float, float] = 1.0, balanced: bool = False,
                 seed: int | np.random.SeedSequence = 0) -> JumpSignals:
    """Signals of thesis eq. 3.1 with σ0 = σ1 = σ: x_i ~ N(0, σ²) for i < t0 and N(θ, σ²) for i >= t0."""
    _check_jump_args(count, length, positions, theta)
    _check_sigma(sigma)
    rng = np.random.default_rng(seed)
    t0 = draw_jump_positions(rng, count, positions, balanced)  # (count,)
    sigmas = draw_noise_levels(rng, count, sigma)  # (count,)
    noise = rng.standard_normal((count, length)) * sigmas[:, None].astype(np.float64)  # (count, length)
    x = (step_signals(t0, length, theta) + noise).astype(np.float32)  # (count, length)
    return JumpSignals(x=x, y=t0 - positions[0], positions=t0, sigma=sigmas)


def jump_splits(n_train: int = 12000, n_val: int = 6000, n_test: int = 6000, seed: int = 0,
                **signal_kwargs: object) -> JumpSplits:
    """The thesis §3.1 data sets (12000 train, 6000 validation, 6000 test) from three spawned seed streams."""
    train_seed, val_seed, test_seed = np.random.SeedSequence(seed).spawn(3)
    return JumpSplits(
        train=jump_signals(n_train, seed=train_seed, **signal_kwargs),
        val=jump_signals(n_val, seed=val_seed, **signal_kwargs),
        test=jump_signals(n_test, seed=test_seed, **signal_kwargs),
    )


def as_tensors(signals: JumpSignals) -> tuple[torch.Tensor, torch.Tensor]:
    """(x float32 (N, n), y int64 (N,)) of a JumpSignals, as the engine takes them."""
    return torch.from_numpy(signals.x), torch.from_numpy(signals.y)
