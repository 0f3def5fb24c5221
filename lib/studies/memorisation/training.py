"""Training the memorising and learning networks of thesis ch. 6: memorising nets to 100% training accuracy on
shuffled labels, learning nets to their validation minimum (early stopping with a patience).

lib.train has no stop criterion on training accuracy, so `train_to_memorise` registers an epoch-end callback
(`EpochMonitor`) that records every member's training accuracy, validation loss and true-label test accuracy,
keeps each member's weights at its first epoch of 100% training accuracy and at its lowest validation loss, and
ends the run by raising `StopRun` once every member has reached 100% (or, with a patience, once every member has
gone that many epochs without a lower validation loss: the thesis's early stopping, §3.3.1, §6.4.2).
"""

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from lib.models import StackedNet
from lib.scoring import strictly_correct
from lib.train import TrainConfig, TrainData, train


def shuffled_labels(y: np.ndarray, seed: int) -> np.ndarray:
    """The training labels in a random order (thesis §6.2.1: labels "shuffled randomly"): same counts, no structure."""
    return y[np.random.default_rng(seed).permutation(len(y))]


def first_epoch_at(accuracy: np.ndarray, level: float = 1.0) -> np.ndarray:
    """Per member, the first epoch (1-based) whose accuracy reaches `level`; 0 if never: (E, K) → (K,)."""
    reached = np.asarray(accuracy) >= level  # (E, K)
    return np.where(reached.any(axis=0), reached.argmax(axis=0) + 1, 0)


class StopRun(Exception):
    """Raised by EpochMonitor to end a run: every member memorised, or every member out of patience."""


@dataclass(frozen=True)
class EvalSet:
    """Samples with the labels a run is scored on: x (N, d) float32, y (N,) int64."""

    x: torch.Tensor
    y: torch.Tensor


@torch.no_grad()
def member_scores(net: StackedNet, data: EvalSet, batch: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member accuracy and mean cross-entropy on `data`: (K,), (K,)."""
    correct = torch.zeros(net.k, dtype=torch.float64)
    loss = torch.zeros(net.k, dtype=torch.float64)
    device = next(net.parameters()).device
    for start in range(0, len(data.x), batch):
        logits = net(data.x[start:start + batch].to(device))  # (K, b, C)
        y = data.y[start:start + batch].to(device).expand(net.k, -1)  # (K, b)
        correct += strictly_correct(logits, y).sum(1).double().cpu()
        loss += F.cross_entropy(logits.transpose(1, 2), y, reduction="none").sum(1).double().cpu()
    return correct / len(data.x), loss / len(data.x)


class EpochMonitor:
    """Epoch-end callback: training accuracy (own labels), validation loss, test accuracy (true labels), snapshots."""

    def __init__(self, net: StackedNet, train_set: EvalSet, val_set: EvalSet, test_set: EvalSet, stop: bool,
                 patience: int | None = None):
        self.sets, self.stop, self.patience = (train_set, val_set, test_set), stop, patience
        self.params = list(net.parameters())  # re-read at every call: the engine may move the net to the GPU
        self.at_memorised = [p.detach().clone() for p in self.params]
        self.at_best_val = [p.detach().clone() for p in self.params]
        self.best_val = torch.full((net.k,), math.inf, dtype=torch.float64)
        self.waited = torch.zeros(net.k, dtype=torch.long)  # epochs since each member's lowest validation loss
        self.rows: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def __call__(self, step: int, net: StackedNet) -> None:
        """Score every member, update snapshots; raise StopRun when all memorised (stop) or all out of patience."""
        self.params = list(net.parameters())
        train_acc, _ = member_scores(net, self.sets[0])
        _, val_loss = member_scores(net, self.sets[1])
        test_acc, _ = member_scores(net, self.sets[2])
        before = self.memorised()
        self.rows.append((train_acc, val_loss, test_acc))
        self._keep(self.at_memorised, self.memorised() & ~before)
        improved = val_loss < self.best_val
        self.best_val = torch.where(improved, val_loss, self.best_val)
        self._keep(self.at_best_val, improved)
        self.waited = torch.where(improved, 0, self.waited + 1)
        if self.stop and bool(self.memorised().all()):
            raise StopRun
        if self.patience is not None and bool((self.waited >= self.patience).all()):
            raise StopRun

    def memorised(self) -> torch.Tensor:
        """Members that have reached 100% training accuracy in some epoch so far: (K,) bool."""
        if not self.rows:
            return torch.zeros(len(self.best_val), dtype=torch.bool)
        return torch.stack([r[0] for r in self.rows]).max(0).values >= 1.0

    def _keep(self, snapshot: list[torch.Tensor], members: torch.Tensor) -> None:
        """Copy the current weights of `members` (K,) bool into `snapshot`."""
        device = self.params[0].device
        mask = members.to(device).view(-1, 1, 1)
        for i, (kept, param) in enumerate(zip(snapshot, self.params)):
            snapshot[i] = torch.where(mask, param.detach(), kept.to(device))

    def record(self) -> dict:
        """Per-epoch curves (E, K) and the two snapshots, as a cacheable dict."""
        curves = [torch.stack([r[i] for r in self.rows]) for i in range(3)]
        return {"train_acc": curves[0], "val_loss": curves[1], "test_acc": curves[2],
                "at_memorised": [p.cpu() for p in self.at_memorised],
                "at_best_val": [p.cpu() for p in self.at_best_val],
                "final": [p.detach().cpu().clone() for p in self.params]}


def train_to_memorise(net: StackedNet, data: TrainData, test_set: EvalSet, cfg: TrainConfig, stop: bool = True,
                      patience: int | None = None) -> dict:
    """Train up to cfg.max_epochs, scoring every epoch; stop once every member has 100% training accuracy (stop) or,
    with a patience, once every member has gone `patience` epochs without a lower validation loss.

    cfg must not use the engine's own evaluation (eval_every=None): the monitor does the scoring.
    """
    if cfg.eval_every is not None:
        raise ValueError("cfg: train_to_memorise scores every epoch itself; use eval_every=None")
    steps_per_epoch = math.ceil(len(data.x_train) / cfg.batch_size)
    monitor = EpochMonitor(net, EvalSet(data.x_train, data.y_train), EvalSet(data.x_val, data.y_val), test_set,
                           stop, patience)
    epoch_ends = range(steps_per_epoch, steps_per_epoch * cfg.max_epochs + 1, steps_per_epoch)
    try:
        train(net, data, cfg, callbacks=[(epoch_ends, monitor)])
    except StopRun:
        pass
    return monitor.record()


@torch.no_grad()
def load_snapshot(net: StackedNet, snapshot: list[torch.Tensor]) -> StackedNet:
    """Write stored parameters (in net.parameters() order) into `net` and return it."""
    for param, kept in zip(net.parameters(), snapshot):
        param.copy_(kept)
    return net


def memorised_weights(record: dict) -> list[torch.Tensor]:
    """Each member's weights at its first epoch of 100% training accuracy, or its last weights if it never got there."""
    reached = torch.from_numpy(first_epoch_at(record["train_acc"].numpy()) > 0).view(-1, 1, 1)  # (K, 1, 1)
    return [torch.where(reached, kept, last) for kept, last in zip(record["at_memorised"], record["final"])]
