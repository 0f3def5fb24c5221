"""Summary layers: the theory of Davel 2020 checked on every sample (eq. 12-13, 17, 18) and the confusable
class pairs of §5."""

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lib import probes


def agreement_table(predicted: Tensor, actual: Tensor) -> np.ndarray:
    """2 × 2 counts [predicted correct, predicted incorrect] × [actually correct, actually incorrect]."""
    p, a = predicted.bool(), actual.bool()
    return np.array([[int((p & a).sum()), int((p & ~a).sum())], [int((~p & a).sum()), int((~p & ~a).sum())]])


def eq17_positive_pairs(w_out: Tensor) -> tuple[int, int]:
    """(pairs c_s < c_t with φ_{A c_s c_t} φ_{B c_t c_s} > 0, all pairs) (Davel 2020 eq. 17, Fig. 4)."""
    product = probes.weight_gap_product(w_out)  # (C, C)
    upper = torch.triu(torch.ones_like(product, dtype=torch.bool), diagonal=1)
    return int((product[upper] > 0).sum()), int(upper.sum())


def eq17_premise(w_out: Tensor, labels: Tensor, correct: Tensor) -> tuple[int, int]:
    """Eq. 17 where the paper derives it: (pairs c_s < c_t with a positive product, pairs c_s < c_t whose two
    classes both have a correctly classified sample). It holds for any weights: a correct sample of c_s needs
    φ_A or φ_B of (c_s, c_t) positive, one of c_t needs one negative, so the two gaps have opposite signs."""
    n_classes = w_out.shape[-1]
    present = torch.zeros(n_classes, dtype=torch.bool)
    present[labels[correct.bool()].long().unique()] = True
    product = probes.weight_gap_product(w_out)  # (C, C)
    premise = torch.triu(present[:, None] & present[None, :], diagonal=1)
    return int((product[premise] > 0).sum()), int(premise.sum())


@dataclass(frozen=True)
class Eq18Check:
    """Eq. 18 over all pairs (s, t) of correctly classified samples of different classes."""

    pairs: int
    violations: int
    min_margin: float  # smallest α_A φ_A - α_B φ_B(t, s) over the pairs


def eq18_check(a_summary: Tensor, labels: Tensor, w_out: Tensor, correct: Tensor, chunk: int = 512) -> Eq18Check:
    """α_{A st} φ_{A c_s c_t} > α_{B st} φ_{B c_t c_s} for every ordered pair of correct samples, c_s != c_t
    (Davel 2020 eq. 18), in chunks of `chunk` samples s."""
    idx = torch.nonzero(correct).flatten()
    a, y = a_summary[idx].double(), labels[idx].long()  # (M, 2), (M,)
    phi = probes.weight_gaps(w_out.double())  # (2, C, C)
    pairs, violations, margin = 0, 0, torch.inf
    for start in range(0, len(idx), chunk):
        s = slice(start, start + chunk)
        alpha = a[s, None, :] - a[None, :, :]  # (m, M, 2)
        diff = alpha[..., 0] * phi[0][y[s, None], y[None, :]] - alpha[..., 1] * phi[1][y[None, :], y[s, None]]
        other = y[s, None] != y[None, :]  # (m, M)
        pairs += int(other.sum())
        violations += int(((diff <= 0) & other).sum())
        margin = min(margin, float(torch.where(other, diff, torch.inf).min()))
    return Eq18Check(pairs, violations, margin)


def eq13_classes(w_out: Tensor) -> list[int]:
    """Classes that can be classified with a_B = 0 (Davel 2020 eq. 13 / A.1): φ_{A c m} > 0 for every m != c."""
    phi_a = probes.weight_gaps(w_out.double())[0]  # (C, C)
    off = ~torch.eye(w_out.shape[-1], dtype=torch.bool)
    return [int(c) for c in torch.nonzero(((phi_a > 0) | ~off).all(dim=1)).flatten()]


def wedge_classes(w_out: Tensor) -> Tensor:
    """(..., C) bool: classes that some point (a_A, a_B) >= 0 other than the origin classifies correctly, i.e.
    whose allowed α-ratio interval meets [0, ∞] (eq. 12-13). With no output bias the class depends only on the
    angle of (a_A, a_B), so a class without such a wedge of angles cannot be classified, whatever the layers
    below do. w_out: (..., 2, C)."""
    low, high = probes.allowed_alpha_ratio_range(w_out)  # (..., C)
    return (low < high) & (high > 0)


def zero_b_fraction(a_summary: Tensor, labels: Tensor, n_classes: int) -> np.ndarray:
    """Per class, the fraction of its samples with a_B = 0 < a_A (the eq. 13 case: α-ratio infinite), (C,).

    Samples with a_A = a_B = 0 too are silenced, not classified by eq. 13, and are not counted."""
    zero = ((a_summary[:, 1] <= 0) & (a_summary[:, 0] > 0)).double()
    counts = torch.bincount(labels.long(), minlength=n_classes).double()
    return (torch.bincount(labels.long(), weights=zero, minlength=n_classes) / counts).numpy()


# ---------------------------------------------------------------- confusable pairs (Davel 2020 §5)


def pair_error_rates(labels: Tensor, predicted: Tensor, n_classes: int) -> np.ndarray:
    """(C, C) symmetric: errors between classes i and j in either direction, as a fraction of all samples."""
    counts = torch.zeros(n_classes, n_classes, dtype=torch.float64)
    wrong = labels != predicted
    counts.index_put_((labels[wrong].long(), predicted[wrong].long()), torch.ones(int(wrong.sum()),
                      dtype=torch.float64), accumulate=True)
    return ((counts + counts.T) / len(labels)).numpy()


def boundary_pairs(w_out: Tensor) -> set[tuple[int, int]]:
    """Unordered class pairs (i < j) whose φ-ratio is an end (low or high) of the allowed α-ratio interval of i
    or of j (Davel 2020 §5: "classes that lie on each other's boundaries")."""
    w_out = w_out.double()
    ratio = probes.phi_ratio(w_out)  # (C, C)
    phi_a = probes.weight_gaps(w_out)[0]  # (C, C)
    found = set()
    for c in range(w_out.shape[-1]):
        for side, sign in ((phi_a > 0, 1.0), (phi_a < 0, -1.0)):
            if side[c].any():
                m = int(torch.where(side[c], sign * ratio[c], -torch.inf).argmax())
                found.add((min(c, m), max(c, m)))
    return found


def top_pairs(rates: np.ndarray, count: int) -> list[tuple[int, int, float]]:
    """The `count` class pairs (i < j) with the highest error rates, as (i, j, rate), highest first."""
    i, j = np.triu_indices(len(rates), k=1)
    order = np.argsort(-rates[i, j], kind="stable")[:count]
    return [(int(i[o]), int(j[o]), float(rates[i[o], j[o]])) for o in order]


def eq17_failing_pairs(w_out: Tensor) -> list[tuple[int, int]]:
    """Class pairs c_s < c_t with φ_{A c_s c_t} φ_{B c_t c_s} <= 0, i.e. that break eq. 17."""
    product = probes.weight_gap_product(w_out)  # (C, C)
    return [(int(s), int(t)) for s, t in torch.nonzero(product <= 0) if s < t]


def class_accuracy(labels: Tensor, correct: Tensor, n_classes: int) -> np.ndarray:
    """Per class, the share of its samples that are (strictly) correct: (C,)."""
    counts = torch.bincount(labels.long(), minlength=n_classes).double()
    return (torch.bincount(labels.long(), weights=correct.double(), minlength=n_classes) / counts).numpy()


def pair_gaps(w_out: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """φ_A(c_s, c_t) and φ_B(c_t, c_s) for the class pairs c_s < c_t (row-major order), (P,) each (Fig. 4)."""
    phi = probes.weight_gaps(w_out.double()).numpy()
    iu = np.triu_indices(w_out.shape[-1], k=1)
    return phi[0][iu], phi[1].T[iu]


def ratio_points(indices: np.ndarray, a_summary: Tensor, labels: Tensor, w_out: Tensor,
                 correct: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(φ-ratio(c_i, c_m), α-ratio(i), φ_{A c_i c_m} > 0, i misclassified) for every sample i of `indices` with
    a_B > 0 and every other class c_m (Fig. 5 / 9), flattened sample-major."""
    n_classes = w_out.shape[-1]
    indices = indices[(a_summary[indices, 1] > 0).numpy()]
    ci = np.repeat(labels[indices].numpy(), n_classes)
    cm = np.tile(np.arange(n_classes), len(indices))
    keep = ci != cm
    phi_ratio = probes.phi_ratio(w_out.double()).numpy()
    phi_a = probes.weight_gaps(w_out.double())[0].numpy()
    alpha = probes.alpha_ratio(a_summary).numpy()
    return (phi_ratio[ci, cm][keep], np.repeat(alpha[indices], n_classes)[keep], (phi_a[ci, cm] > 0)[keep],
            np.repeat(~correct[indices], n_classes)[keep])
