"""Summary layers: the images the two summary nodes silence, measured (Davel 2020 eq. 1-2, 13).

An image with a_A = a_B = 0 has every logit 0 (no output bias): it is not classified and no gradient reaches the
network from it (eq. 1-2). An image with exactly one node off sits on an axis of the (a_A, a_B) quadrant, where
every such image gets the same class, the axis's end class: the largest w_{cA} on the a_A axis (a_B = 0, eq. 13),
the largest w_{cB} on the a_B axis. A class most of whose images sit on an axis that ends in another class is
lost (experiments.LOST_BELOW). States are indexed as states.STATES: 0 both on, 1 only A off, 2 only B off, 3 both off.
"""

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from lib.models import summary_mlp
from lib.studies.summary_layers.experiments import LOST_BELOW
from lib.studies.summary_layers.states import summary_states

ONE_OFF = ("only A off (on the a_B axis)", "only B off (on the a_A axis)")  # states 1 and 2 of states.STATES


def dead_share(a_summary: Tensor) -> Tensor:
    """Share of the images with both summary nodes off, a_A = a_B = 0: (..., N, 2) → (...)."""
    return (a_summary <= 0).all(dim=-1).double().mean(dim=-1)


def one_off_shares(a_summary: Tensor) -> Tensor:
    """Share of the images with exactly one summary node off, [only A off, only B off]: (..., N, 2) → (..., 2)."""
    off = a_summary <= 0
    only = torch.stack([off[..., 0] & ~off[..., 1], off[..., 1] & ~off[..., 0]], dim=-1)  # (..., N, 2)
    return only.double().mean(dim=-2)


def class_one_off_shares(a_summary: Tensor, y: Tensor, classes: int) -> Tensor:
    """Per class the share of its images with exactly one node off, [only A off, only B off]: (..., N, 2), y (N,)
    → (..., 2, C); nan for a class without images."""
    states = summary_states(a_summary)  # (..., N)
    onehot = torch.nn.functional.one_hot(y, classes).double()  # (N, C)
    per_state = torch.stack([(states == s).double() for s in (1, 2)], dim=-2)  # (..., 2, N)
    return (per_state @ onehot) / onehot.sum(dim=0)


def axis_end_classes(w3: Tensor) -> Tensor:
    """The class every image with exactly one node off gets, [only A off → argmax_c w_{cB}, only B off → argmax_c
    w_{cA}] (eq. 13 for a_B = 0): output weights (..., 2, C) → (..., 2)."""
    return torch.stack([w3[..., 1, :].argmax(dim=-1), w3[..., 0, :].argmax(dim=-1)], dim=-1)


def stuck_classes(a_summary: Tensor, y: Tensor, w3: Tensor) -> Tensor:
    """(..., C) bool: classes of which more than 1 − LOST_BELOW of the images sit on one axis whose end class is
    another class, so lost whatever the layers below do until a node switches on for them."""
    classes = w3.shape[-1]
    shares = class_one_off_shares(a_summary, y, classes)  # (..., 2, C)
    ends = axis_end_classes(w3)  # (..., 2)
    other = ends[..., None] != torch.arange(classes)  # (..., 2, C)
    return ((shares > 1 - LOST_BELOW) & other).any(dim=-2)


@torch.no_grad()
def summary_output(net, x: Tensor) -> Tensor:
    """The summary activations a = [a_A, a_B] of a stacked 784-H-2-C network on x: (K, N, 2)."""
    _, post = net(x, return_hidden=True)
    return post[-1]


def init_measures(hidden: int, seeds: Sequence[int], x: Tensor, y: Tensor, chunk: int = 10) -> dict[str, np.ndarray]:
    """At He initialisation (lib.models.summary_mlp) of each seed, on the images x: the both-off share (S,), the
    one-off shares (S, 2), the both-on share (S,) and the number of stuck classes (S,); `chunk` seeds at a time."""
    if chunk < 1:
        raise ValueError(f"chunk: expected a positive number of seeds, got {chunk}")
    classes = int(y.max()) + 1
    parts: dict[str, list[np.ndarray]] = {"dead": [], "one_off": [], "both_on": [], "stuck": []}
    for start in range(0, len(seeds), chunk):
        group = [int(s) for s in seeds[start:start + chunk]]
        net = summary_mlp(len(group), d_in=x.shape[1], hidden=hidden, classes=classes, seed=group)
        a = summary_output(net, x)
        parts["dead"].append(dead_share(a).numpy())
        parts["one_off"].append(one_off_shares(a).numpy())
        parts["both_on"].append((a > 0).all(dim=-1).double().mean(dim=-1).numpy())
        parts["stuck"].append(stuck_classes(a, y, net.layers[-1].weight.detach()).sum(dim=-1).numpy())
    return {name: np.concatenate(values) for name, values in parts.items()}
