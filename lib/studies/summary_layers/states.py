"""Summary layers: the state of the two summary nodes per sample (both on, one off, both off) and its record."""

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from lib.models import StackedNet
from lib.scoring import strictly_correct
from lib.studies.summary_layers.theory import wedge_classes

STATES = ("both on", "only A off", "only B off", "both off")


def summary_states(a_summary: Tensor) -> Tensor:
    """Index into STATES of each sample's summary layer, (..., N, 2) → (..., N): 1 = a_A = 0 < a_B, 2 = a_B = 0 <
    a_A, 3 = a_A = a_B = 0 (all logits 0 without an output bias, and no gradient reaches the network, eq. 1)."""
    off = a_summary <= 0
    return off[..., 0].long() + 2 * off[..., 1].long()


def state_shares(states: Tensor) -> Tensor:
    """Share of the samples in each state of STATES: (..., N) → (..., 4)."""
    return F.one_hot(states, len(STATES)).double().mean(dim=-2)


def state_accuracy(states: Tensor, correct: Tensor) -> Tensor:
    """Accuracy of the samples within each state of STATES (nan for a state without samples): (..., N) → (..., 4)."""
    onehot = F.one_hot(states, len(STATES)).double()  # (..., N, 4)
    return (onehot * correct.double()[..., None]).sum(dim=-2) / onehot.sum(dim=-2)


def state_recorder(x_probe: Tensor, record: list[Tensor], wedges: list[Tensor]) -> Callable[[int, StackedNet], None]:
    """A training callback appending the share of x_probe in each summary state, (K, 4), to `record` and the number
    of classes with a wedge of angles (theory.wedge_classes), (K,), to `wedges`, on the CPU."""
    def record_states(step: int, net: StackedNet) -> None:
        _, post = net(x_probe, return_hidden=True)
        record.append(state_shares(summary_states(post[-1])).cpu())
        wedges.append(wedge_classes(net.layers[-1].weight.detach())  # (K, 2, C) →
                      .sum(dim=-1).cpu())
    return record_states


@torch.no_grad()
def grid_states(net: StackedNet, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Per member, the summary state of every sample and whether it is strictly correct (ties wrong): (K, N) each."""
    logits, post = net(x, return_hidden=True)
    return summary_states(post[-1]), strictly_correct(logits, y)
