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


def first_epoch_at(accuracy: np.ndarray, level: float = 1.0, epochs: np.ndarray | None = None) -> np.ndarray:
    """Per member, the first epoch whose accuracy reaches `level` (rows are epochs 1, 2, ... unless `epochs` (E,)
    names them; NaN never reaches); 0 if never: (E, K) → (K,)."""
    reached = np.asarray(accuracy) >= level  # (E, K)
    epochs = np.arange(1, len(reached) + 1) if epochs is None else np.asarray(epochs)
    return np.where(reached.any(axis=0), epochs[reached.argmax(axis=0)], 0)


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
    """Epoch-end callback at each check: what the stop needs (training accuracy on the own labels to stop at
    100%, validation loss for the patience), all three scores (with the true-label test accuracy) every
    `curve_every` epochs for the curves; keeps the snapshots at 100% and at the lowest validation loss."""

    def __init__(self, net: StackedNet, sets: tuple[EvalSet, EvalSet, EvalSet], stop: bool,
                 patience: int | None = None, curve_every: int = 1):
        self.sets, self.stop, self.patience, self.curve_every = sets, stop, patience, curve_every
        self.params = list(net.parameters())  # re-read at every call: the engine may move the net to the GPU
        self.at_memorised = [p.detach().clone() for p in self.params]
        self.at_best_val = [p.detach().clone() for p in self.params]
        self.best_val = torch.full((net.k,), math.inf, dtype=torch.float64)
        self.reached = torch.zeros(net.k, dtype=torch.bool)  # members at 100% training accuracy in some check
        self.waited = torch.zeros(net.k, dtype=torch.long)  # checks since each member's lowest validation loss
        self.rows: list[tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def __call__(self, step: int, net: StackedNet, epoch: int) -> None:
        """Score the members, update snapshots; raise StopRun when all memorised (stop) or all out of patience."""
        self.params = list(net.parameters())
        curve = epoch % self.curve_every == 0 or not (self.stop or self.patience)
        nan = torch.full((net.k,), math.nan, dtype=torch.float64)
        train_acc = member_scores(net, self.sets[0])[0] if self.stop or curve else nan
        val_loss = member_scores(net, self.sets[1])[1] if self.patience or curve else nan
        test_acc = member_scores(net, self.sets[2])[0] if curve else nan
        self.rows.append((epoch, train_acc, val_loss, test_acc))
        memorised = train_acc >= 1.0
        self._keep(self.at_memorised, memorised & ~self.reached)
        self.reached |= memorised
        improved = val_loss < self.best_val
        self.best_val = torch.where(improved, val_loss, self.best_val)
        self._keep(self.at_best_val, improved)
        self.waited = torch.where(improved, 0, self.waited + 1)
        if self.stop and bool(self.reached.all()):
            raise StopRun
        if self.patience is not None and bool((self.waited >= self.patience).all()):
            raise StopRun

    def _keep(self, snapshot: list[torch.Tensor], members: torch.Tensor) -> None:
        """Copy the current weights of `members` (K,) bool into `snapshot`."""
        device = self.params[0].device
        mask = members.to(device).view(-1, 1, 1)
        for i, (kept, param) in enumerate(zip(snapshot, self.params)):
            snapshot[i] = torch.where(mask, param.detach(), kept.to(device))

    def record(self) -> dict:
        """The epoch of every check (R,), the scores there (R, K; NaN where not scored) and the two snapshots."""
        curves = [torch.stack([r[i] for r in self.rows]) for i in range(1, 4)]
        return {"epoch": torch.tensor([r[0] for r in self.rows]), "train_acc": curves[0], "val_loss": curves[1],
                "test_acc": curves[2], "at_memorised": [p.cpu() for p in self.at_memorised],
                "at_best_val": [p.cpu() for p in self.at_best_val],
                "final": [p.detach().cpu().clone() for p in self.params]}


def train_to_memorise(net: StackedNet, data: TrainData, test_set: EvalSet, cfg: TrainConfig, stop: bool = True,
                      patience: int | None = None, every: int = 1, curve_every: int = 1) -> dict:
    """Train up to cfg.max_epochs, checking every `every` epochs; stop once every member has 100% training
    accuracy (stop) or, with a patience, once every member has gone `patience` checks without a lower validation
    loss. The curves get all three scores every `curve_every` epochs.

    cfg must not use the engine's own evaluation (eval_every=None): the monitor does the scoring.
    """
    if cfg.eval_every is not None:
        raise ValueError("cfg: train_to_memorise scores the networks itself; use eval_every=None")
    if curve_every % every:
        raise ValueError(f"curve_every: got {curve_every}, expected a multiple of every = {every}")
    steps_per_epoch = math.ceil(len(data.x_train) / cfg.batch_size)
    sets = (EvalSet(data.x_train, data.y_train), EvalSet(data.x_val, data.y_val), test_set)
    monitor = EpochMonitor(net, sets, stop, patience, curve_every)
    checks = range(steps_per_epoch * every, steps_per_epoch * cfg.max_epochs + 1, steps_per_epoch * every)
    try:
        train(net, data, cfg, callbacks=[(checks, lambda step, n: monitor(step, n, step // steps_per_epoch))])
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
