"""Which epoch's weights a network keeps (thesis §3.3.1: "the loss and classification error reach their minimum
values at epoch=131 ... we adopt the model when the validation loss reaches the minimum"): the lowest validation
loss (the engine's early stopping), the lowest validation classification error, or the lowest validation L1 error
of the predicted jump position (issue #31, the stopping-rule candidate).

One training run serves all three: a lib.train callback measures every member's validation error and L1 after each
epoch and keeps the weights of each one's minimum; the engine stops on the validation loss (patience) as always."""

import math
from dataclasses import replace

import torch

from lib import models, train

SELECTIONS = ("loss", "error", "l1")
RECORDED = SELECTIONS[1:]  # what the callback selects; the engine itself keeps the loss's minimum


@torch.no_grad()
def validation_errors(net: models.StackedNet, x: torch.Tensor, y: torch.Tensor,
                      batch_size: int = 2000) -> dict[str, torch.Tensor]:
    """Every member's validation classification error (a tie among the largest outputs counted wrong, as the engine
    does) and L1 error |argmax − y| of the predicted class (first largest output, as lib.jump_errors): (K,) each."""
    wrong = torch.zeros(net.k, device=x.device)
    l1 = torch.zeros(net.k, device=x.device)
    for start in range(0, len(x), batch_size):
        logits = net(x[start:start + batch_size])  # (K, b, C)
        yb = y[start:start + batch_size]
        wrong += train.error_count(logits, yb.expand(net.k, -1)).float()
        l1 += (logits.argmax(dim=-1) - yb).abs().sum(dim=1).float()
    return {"error": wrong / len(x), "l1": l1 / len(x)}


class SelectionRecorder:
    """A lib.train callback: after every epoch, each member's validation error and L1, and its weights at the lowest
    of each (the first epoch of a tie)."""

    def __init__(self, x_val: torch.Tensor, y_val: torch.Tensor, n_train: int, batch_size: int):
        self.x, self.y = x_val, y_val
        self.steps_per_epoch = math.ceil(n_train / batch_size)
        self.best: dict[str, dict[str, torch.Tensor]] = {}  # criterion → state_dict of the kept weights
        self.lowest: dict[str, torch.Tensor] = {}  # criterion → (K,)
        self.epoch: dict[str, torch.Tensor] = {}  # criterion → (K,) epoch of the kept weights

    def steps(self, max_epochs: int) -> range:
        """The global steps at which an epoch ends."""
        return range(self.steps_per_epoch, max_epochs * self.steps_per_epoch + 1, self.steps_per_epoch)

    def __call__(self, step: int, net: models.StackedNet) -> None:
        """Measure on the validation set and keep the weights of every member that improved."""
        device = net.layers[0].weight.device
        self.x, self.y = self.x.to(device), self.y.to(device)
        epoch = step // self.steps_per_epoch
        state = net.state_dict()
        for criterion, value in validation_errors(net, self.x, self.y).items():
            if criterion not in self.best:
                self.best[criterion] = {name: t.detach().clone() for name, t in state.items()}
                self.lowest[criterion] = value
                self.epoch[criterion] = torch.full_like(value, epoch, dtype=torch.long)
                continue
            improved = value < self.lowest[criterion]  # (K,)
            self.lowest[criterion] = torch.where(improved, value, self.lowest[criterion])
            self.epoch[criterion] = torch.where(improved, epoch, self.epoch[criterion])
            for name, tensor in state.items():
                kept = self.best[criterion][name]
                kept.copy_(torch.where(improved.view(-1, *[1] * (tensor.dim() - 1)), tensor, kept))

    def payload(self) -> dict:
        """The kept weights and their epochs, on the CPU, for the model cache."""
        return {"selected": {c: {n: t.cpu() for n, t in self.best[c].items()} for c in RECORDED},
                "selected_epoch": {c: self.epoch[c].cpu() for c in RECORDED}}


def selected_history(history: train.History, epoch: torch.Tensor, patience: int | None) -> train.History:
    """The history read under another selection: best_epoch is the kept weights' epoch, and a member counts as
    converged (stopped_epoch kept) only when the engine stopped it at least `patience` epochs after that epoch
    (the criterion's minimum was not improved on for as long as the loss's); otherwise stopped_epoch 0."""
    stopped = history.stopped_epoch
    settled = (stopped > 0) & (stopped - epoch >= (patience or 0))
    return replace(history, best_epoch=epoch.clone(), stopped_epoch=torch.where(settled, stopped, 0))
