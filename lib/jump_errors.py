"""The error measures of jump positions (thesis §3.2.3), shared by every chapter that locates jumps: the
predicted position of a network, the L1 and L2 errors on all signals and on the 99 % with the lowest error."""

from dataclasses import dataclass

import numpy as np
import torch

from lib import models

FIRST_POSITION = 21  # class 0 is t0 = 21 (thesis §3.1)


BEST_FRACTION = 0.99  # thesis §3.2.3: the 99 % of signals with the lowest error (L1₉₉, L2₉₉)

@dataclass(frozen=True)
class ErrorMeasures:
    """The four error rates of thesis Table 3.1: L1, L2 on all signals and on the 99 % with the lowest error."""

    l1: float
    l2: float
    l1_99: float
    l2_99: float

    def as_dict(self) -> dict[str, float]:
        """{'l1': ..., 'l2': ..., 'l1_99': ..., 'l2_99': ...}."""
        return {"l1": self.l1, "l2": self.l2, "l1_99": self.l1_99, "l2_99": self.l2_99}


def lowest_fraction(errors: np.ndarray, fraction: float = BEST_FRACTION) -> np.ndarray:
    """The round(fraction·N) smallest |errors| (thesis §3.2.3: 'the 99% data samples with lowest error')."""
    e = np.sort(np.abs(errors))
    return e[: int(round(fraction * len(e)))]


def error_measures(predicted: np.ndarray, true: np.ndarray, fraction: float = BEST_FRACTION) -> ErrorMeasures:
    """L1 = mean |t̂ - t|, L2 = sqrt(mean (t̂ - t)²), each also on the lowest `fraction` (thesis §3.2.3)."""
    e = np.abs(np.asarray(predicted, dtype=np.float64) - np.asarray(true, dtype=np.float64))  # (N,)
    kept = lowest_fraction(e, fraction)
    return ErrorMeasures(float(e.mean()), float(np.sqrt((e ** 2).mean())), float(kept.mean()),
                         float(np.sqrt((kept ** 2).mean())))


def accuracy_within(predicted: np.ndarray, true: np.ndarray, tolerance: int = 1) -> float:
    """Fraction of signals with |t̂ - t| <= tolerance (the probability of thesis Fig. 3.5)."""
    return float(np.mean(np.abs(np.asarray(predicted) - np.asarray(true)) <= tolerance))


@torch.no_grad()
def probabilities(net: models.StackedNet, x: np.ndarray) -> np.ndarray:
    """Softmax outputs of every member: (K, N, classes)."""
    return torch.softmax(net(torch.from_numpy(np.asarray(x, dtype=np.float32))), dim=-1).numpy()


def predicted_positions(net: models.StackedNet, x: np.ndarray) -> np.ndarray:
    """t̂0 = 21 + argmax of the output layer, per member: (K, N)."""
    return FIRST_POSITION + probabilities(net, x).argmax(axis=-1)
