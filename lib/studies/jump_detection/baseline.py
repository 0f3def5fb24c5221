"""The signal-processing jump detector of thesis §3.2 (its error measures are in lib.jump_errors).

A signal is smoothed by a Gaussian window g_τ (thesis eq. 3.2), differentiated by the first difference
d_i = s_i - s_{i-1}, and the jump is placed at the argmax of d over the allowed positions. Positions are
1-based as in the thesis: t0 is the first sample at level θ (lib.data.jump_signals), so the difference of a
clean step peaks at i = t0.
"""

import numpy as np

from lib.jump_errors import ErrorMeasures, accuracy_within


def gaussian_window(width: int, tau: float) -> np.ndarray:
    """Gaussian smoother g_τ of odd length `width`, std τ, normalised to sum 1 (thesis Fig. 3.6): (width,)."""
    if width < 1 or width % 2 == 0:
        raise ValueError(f"width: expected an odd integer >= 1, got {width!r}")
    if not tau > 0:
        raise ValueError(f"tau: expected a number > 0, got {tau!r}")
    u = np.arange(width) - width // 2  # (width,)
    g = np.exp(-0.5 * (u / tau) ** 2)
    return g / g.sum()


def smooth(x: np.ndarray, window: np.ndarray) -> np.ndarray:
    """g_τ * x along the last axis, 'same' length, edges extended by their end values (thesis eq. 3.2): (N, n)."""
    half = len(window) // 2
    padded = np.pad(np.atleast_2d(x), ((0, 0), (half, half)), mode="edge")  # (N, n + 2 half)
    windows = np.lib.stride_tricks.sliding_window_view(padded, len(window), axis=1)  # (N, n, w)
    return windows @ window[::-1]  # (N, n)  convolution = correlation with the reversed window


def first_difference(s: np.ndarray) -> np.ndarray:
    """d_i = s_i - s_{i-1} for i = 2..n, and d_1 = 0 (a jump can not start the signal): (N, n)."""
    d = np.zeros_like(s)
    d[:, 1:] = s[:, 1:] - s[:, :-1]
    return d


def smoothed_difference(x: np.ndarray, width: int = 19, tau: float = 2.9) -> np.ndarray:
    """d/dx (g_τ * x), the detector's curve (thesis §3.2.1); linear in x: (N, n)."""
    return first_difference(smooth(x, gaussian_window(width, tau)))


def argmax_position(d: np.ndarray, positions: tuple[int, int] = (21, 80)) -> np.ndarray:
    """The 1-based position lo..hi where the detector's curve d (N, n) is largest: (N,)."""
    lo, hi = positions
    return lo + np.argmax(d[:, lo - 1:hi], axis=1)


def detect_jumps(x: np.ndarray, width: int = 19, tau: float = 2.9,
                 positions: tuple[int, int] = (21, 80)) -> np.ndarray:
    """Predicted t0 (1-based) = argmax of d/dx (g_τ * x) over positions lo..hi (thesis §3.2.1): (N,)."""
    return argmax_position(smoothed_difference(x, width, tau), positions)


def detector_filter(width: int = 19, tau: float = 2.9) -> np.ndarray:
    """The single filter g_τ * [1, -1] equivalent to smoothing then differencing (thesis Fig. 3.16 (d)): (w+1,)."""
    return np.convolve(gaussian_window(width, tau), [1.0, -1.0])


def detector_weights_at(position: int, length: int = 100, width: int = 19, tau: float = 2.9) -> np.ndarray:
    """Weights w with w·x = d_position of the smoothed signal, away from the edges (thesis Fig. 3.16 (d)): (n,)."""
    basis = np.eye(length)  # (n, n): row j is the unit signal e_j
    d = first_difference(smooth(basis, gaussian_window(width, tau)))  # (n, n): response at every i to e_j
    return d[:, position - 1]


def width_study(signals_by_sigma: dict[float, tuple[np.ndarray, np.ndarray]], taus: np.ndarray,
                width: int = 19) -> np.ndarray:
    """P(|error| <= 1) for every σ (rows) and filter width τ (columns) (thesis Fig. 3.5): (S, T)."""
    table = np.empty((len(signals_by_sigma), len(taus)))
    for row, (x, positions) in enumerate(signals_by_sigma.values()):
        for col, tau in enumerate(taus):
            table[row, col] = accuracy_within(detect_jumps(x, width, float(tau)), positions)
    return table


def log_mismatch(measured: ErrorMeasures, reference: ErrorMeasures) -> float:
    """Mean |ln(measured / reference)| over the four measures: 0 when they agree, 0.1 ≈ 10 % apart."""
    pairs = zip(measured.as_dict().values(), reference.as_dict().values())
    return float(np.mean([abs(np.log(m / r)) for m, r in pairs]))
