"""Summary layers: organised and disorganised networks (Davel 2020 §5, Fig. 7-8) and the organisation number."""

import numpy as np
import torch
from torch import Tensor

from lib import probes
from lib.claims import KINDS
from lib.models import StackedNet
from lib.studies.summary_layers.network import forward, member_weights

FIG78_SIMILAR = KINDS["accuracy"].margin  # "similar training accuracy": within the accuracy kind's equivalence margin
FIG78_MIN_GAP = 0.02  # smallest test-accuracy gap that makes two networks a contrasting pair (paper: 0.063)


def node_in_interval(w_summary: Tensor, w_out: Tensor) -> Tensor:
    """(C, H) bool: hidden node n alone (summary activations relu(w_{An}), relu(w_{Bn})) satisfies the ratio
    conditions of class c (Davel 2020 eq. 12-13): its node-ratio lies in c's allowed α-ratio interval."""
    n_classes, h = w_out.shape[-1], w_summary.shape[0]
    a_alone = torch.relu(w_summary.double())  # (H, 2) summary activations of each node alone
    a_rep = a_alone.repeat(n_classes, 1)  # (C·H, 2)
    labels = torch.arange(n_classes).repeat_interleave(h)  # (C·H,)
    return probes.ratio_conditions(a_rep, labels, w_out).view(n_classes, h)


def organisation(fraction: Tensor, w_summary: Tensor, w_out: Tensor) -> float:
    """Share of the sample-set mass Σ_{c,n} f^(c)_n that sits on nodes inside their class's allowed interval.

    fraction: (C, H) class-specific activation fractions f^(c)_n of the hidden nodes (the heatmap of Fig. 7);
    1 = every class is carried only by nodes that would classify it correctly on their own, 0 = none.
    """
    inside = node_in_interval(w_summary, w_out).double()  # (C, H)
    f = torch.nan_to_num(fraction.double())
    return float((f * inside).sum() / f.sum())


def contrasting_pair(train_acc: np.ndarray, test_acc: np.ndarray, tol: float,
                     min_gap: float) -> tuple[int, int] | None:
    """(well, poorly generalising) members with |train accuracy difference| <= tol and the largest test accuracy
    difference (Davel 2020 Fig. 7 vs 8), or None when no such pair differs by at least `min_gap` in test
    accuracy (then the grid holds no contrasting pair and the figures would show none)."""
    i, j = np.meshgrid(np.arange(len(test_acc)), np.arange(len(test_acc)), indexing="ij")
    close = (np.abs(train_acc[i] - train_acc[j]) <= tol) & (i != j)
    gain = np.where(close, test_acc[i] - test_acc[j], -np.inf)
    if not close.any() or gain.max() < min_gap:
        return None
    well, poor = np.unravel_index(int(np.argmax(gain)), gain.shape)
    return int(well), int(poor)


def view_titles(found: bool) -> tuple[str, str]:
    """Titles of the two networks Fig. 7-8 show: the well- and poorly-generalising networks of a contrasting pair,
    or, when the grid holds none, its highest and lowest test accuracy (which then are not such a pair)."""
    return ("well-generalising", "poorly-generalising") if found else ("highest test accuracy of the grid",
                                                                       "lowest test accuracy of the grid")


def node_contributions(hidden: Tensor, w_summary: Tensor) -> Tensor:
    """Each hidden node's contribution h_n w_{An}, h_n w_{Bn} to the summary pre-activations of one sample:
    hidden (H,), w_summary (H, 2) → (H, 2)."""
    return hidden.double()[:, None] * w_summary.double()


def network_view(net: StackedNet, k: int, x: Tensor, y: Tensor, n_classes: int):
    """Member k normalised: its weights, class × node activation fractions (C, H) on (x, y), its node-ratios (H,)
    and the allowed α-ratio interval ends (C,) each (Fig. 7-8)."""
    w = member_weights(net, k).normalised()
    fraction = probes.class_activation_fraction(forward(w, x).hidden, y, n_classes)
    lo, hi = (t.numpy() for t in probes.allowed_alpha_ratio_range(w.w3))
    return w, fraction, probes.node_ratio(w.w2).numpy(), lo, hi


def grid_organisation(net: StackedNet, members: np.ndarray, x: Tensor, y: Tensor, n_classes: int) -> np.ndarray:
    """Organisation of each member of the grid on (x, y), nan for the members not in `members`: (K,)."""
    found = np.full(net.k, np.nan)
    for k in members:
        w, fraction, *_ = network_view(net, int(k), x, y, n_classes)
        found[int(k)] = organisation(fraction, w.w2, w.w3)
    return found
