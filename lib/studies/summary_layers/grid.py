"""Summary layers (Davel 2020 §4.1): the learning-rate × seed grid of 784-H-2-10 networks, trained in one engine
call per H, strict accuracies and the model selection on strict validation accuracy."""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import Tensor

from lib import parallel
from lib.cache import cached_train, history_of, result_payload
from lib.models import Activations, StackedNet, mlp, summary_mlp
from lib.scoring import strictly_correct
from lib.studies.summary_layers.states import state_recorder
from lib.train import History, evaluate, resolve_device, train, train_config, train_data

COLLAPSED_TIES = 0.99  # share of tied outputs (validation) from which a member counts as collapsed
SUMMARIES = ("relu", "linear")  # the summary layer's activation: the paper's ReLU (eq. 13, §2), or none (beyond)


def lr_grid(low: float, high: float, n: int) -> tuple[float, ...]:
    """n log-spaced learning rates from low to high (4 significant digits); one rate if n = 1 or low = high."""
    if n == 1 or low == high:
        return (float(f"{low:.4g}"),)
    return tuple(float(f"{v:.4g}") for v in np.geomspace(low, high, n))


def grid_members(lrs: tuple[float, ...], seeds: tuple[int, ...]) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Per-member learning rate and seed of the lr × seed grid, learning-rate major: member = i_lr * S + i_seed."""
    return tuple(lr for lr in lrs for _ in seeds), tuple(s for _ in lrs for s in seeds)


@dataclass(frozen=True)
class GridSpec:
    """One engine call: every (lr, seed) member of a d_in-H-2-C summary network."""

    hidden: int
    lrs: tuple[float, ...]
    seeds: tuple[int, ...]
    batch_size: int
    max_epochs: int
    patience: int
    device: str = "auto"
    summary: str = "relu"

    def __post_init__(self):
        if self.summary not in SUMMARIES:
            raise ValueError(f"summary: expected one of {SUMMARIES}, got {self.summary!r}")

    def members(self) -> tuple[tuple[float, ...], tuple[int, ...]]:
        """Per-member (learning rates, seeds)."""
        return grid_members(self.lrs, self.seeds)


class LinearSummaryNet(StackedNet):
    """784-H-2-C with a ReLU hidden layer and a linear summary layer, a = h W2 (beyond Davel 2020, whose summary
    nodes are ReLU-activated: eq. 13 and the class-6 case need a_B = 0); weights as in summary_mlp."""

    def activations(self, x: Tensor) -> Activations:
        """Hidden pre- and post-activations (the summary layer's post = pre) and logits."""
        first, summary, output = self.layers
        z1 = first(x)
        h = torch.relu(z1)
        a = summary(h)
        return Activations([z1, a], [h, a], output(a))


def linear_summary_mlp(k: int, d_in: int, hidden: int, classes: int, seed: list[int]) -> LinearSummaryNet:
    """summary_mlp's K networks (same initial weights per seed) with the summary layer linear."""
    net = summary_mlp(k, d_in=d_in, hidden=hidden, classes=classes, seed=seed)
    return LinearSummaryNet(list(net.layers), {**net.arch, "summary": "linear"})


def build_grid_net(spec: GridSpec, d_in: int, classes: int) -> StackedNet:
    """The K = |lrs| · |seeds| stacked summary networks, member k initialised from its own seed (He init); the
    summary layer ReLU (the paper's) or linear (spec.summary)."""
    _, seeds = spec.members()
    build = linear_summary_mlp if spec.summary == "linear" else summary_mlp
    return build(len(seeds), d_in=d_in, hidden=spec.hidden, classes=classes, seed=list(seeds))


def train_grid(spec: GridSpec, x_train: Tensor, y_train: Tensor, x_val: Tensor, y_val: Tensor,
               data_id: str) -> tuple[StackedNet, History, Tensor, Tensor]:
    """Train (or load from the model cache) the grid with plain SGD, CE loss and early stopping on (x_val, y_val);
    also, before training and after every epoch, from the weights of that moment (not the restored best ones),
    the share of the validation images in each summary state (STATES), (E + 1, K, 4), and the number of classes
    with a wedge of angles (theory.wedge_classes), (E + 1, K).

    data_id must identify the training and validation data (checksum, split, subset size): it is part of the key.
    """
    lrs, seeds = spec.members()
    cfg = train_config("sgd", lr=list(lrs), loss="ce", batch_size=spec.batch_size, max_epochs=spec.max_epochs,
                       patience=spec.patience, eval_every=1, restore_best=True, seed=list(seeds),
                       device=spec.device)
    net = build_grid_net(spec, x_train.shape[1], int(y_train.max()) + 1)
    device = resolve_device(spec.device)
    key = {"section": "summary_layers", "data": data_id, "arch": net.arch, "train": cfg.as_dict(),
           "device": str(device), "record": "summary states of the validation images and wedge classes per epoch"}

    def run() -> dict:
        record: list[Tensor] = []
        wedges: list[Tensor] = []
        per_epoch = -(-len(x_train) // spec.batch_size)  # steps per epoch
        steps = [per_epoch * e for e in range(spec.max_epochs + 1)]
        result = train(net, train_data(x_train, y_train, x_val, y_val), cfg,
                       callbacks=[(steps, state_recorder(x_val.to(device), record, wedges))])
        return {**result_payload(result), "summary_states": torch.stack(record), "wedges": torch.stack(wedges)}

    payload = cached_train(key, run)
    net.load_state_dict(payload["state"])
    return net.cpu(), history_of(payload), payload["summary_states"], payload["wedges"]


def accuracies(net: StackedNet, x: Tensor, y: Tensor) -> np.ndarray:
    """Per-member accuracy on (x, y), a tie among the largest logits counted as wrong: (K,)."""
    _, error = evaluate(net, x, y, "ce")
    return 1.0 - error.cpu().numpy()


def finite_members(net: StackedNet) -> np.ndarray:
    """(K,) bool: members whose parameters are all finite (SGD with a too-large learning rate can diverge)."""
    finite = torch.ones(net.k, dtype=torch.bool)
    for param in net.parameters():
        finite &= torch.isfinite(param.detach()).flatten(1).all(dim=1).cpu()
    return finite.numpy()


@torch.no_grad()
def tie_share(net: StackedNet, x: Tensor) -> np.ndarray:
    """(K,) share of the samples x whose largest logit is tied, e.g. a_A = a_B = 0 (all logits 0): a member whose
    summary layer is silent on (nearly) every sample has collapsed and gets no gradient from those samples."""
    logits = net(x)  # (K, N, C)
    return (logits == logits.amax(dim=-1, keepdim=True)).sum(dim=-1).gt(1).double().mean(dim=1).cpu().numpy()


def select_member(val_acc: np.ndarray, n_lrs: int, n_seeds: int) -> tuple[int, int]:
    """(lr index, member) of the grid: the learning rate with the best mean validation accuracy over seeds, and
    its seed with the best validation accuracy (Davel 2020 §4.1: "hyper parameters are optimised on a 5,000
    sample validation set, using 3 training seeds")."""
    per_lr = val_acc.reshape(n_lrs, n_seeds)  # (L, S)
    i_lr = int(np.argmax(per_lr.mean(axis=1)))
    return i_lr, i_lr * n_seeds + int(np.argmax(per_lr[i_lr]))


@dataclass(frozen=True)
class Data:
    """MNIST 55k/5k/10k as float tensors in [0, 1]: the first n_train training and n_eval test images, the
    5,000 validation images (Davel 2020 §4.1), and data_id, the identity the model cache keys on."""

    x_train: Tensor
    y_train: Tensor
    x_val: Tensor
    y_val: Tensor
    x_eval: Tensor
    y_eval: Tensor
    data_id: str

    def parts(self) -> dict[str, tuple[Tensor, Tensor]]:
        """{'train', 'val', 'test'} → (x, y)."""
        return {"train": (self.x_train, self.y_train), "val": (self.x_val, self.y_val),
                "test": (self.x_eval, self.y_eval)}


def load_data(n_train: int, n_eval: int) -> Data:
    """The chapter's MNIST tensors (see Data)."""
    from lib import data
    mnist = data.load_mnist()
    splits = data.split_mnist(mnist, "55k/5k/10k")
    return Data(*split_tensors(splits.train, n_train), *split_tensors(splits.val), *split_tensors(splits.test, n_eval),
                f"mnist:{mnist.sha256}:55k/5k/10k:train[:{n_train}]")


@dataclass(frozen=True)
class TrainedGrid:
    """One H's trained grid: networks, history, summary states (E + 1, K, 4) and wedge classes (E + 1, K) per
    epoch, strict accuracies per
    part, the chosen member, and which members neither diverged nor collapsed (usable)."""

    spec: GridSpec
    net: StackedNet
    history: History
    states: Tensor
    wedges: Tensor
    acc: dict[str, np.ndarray]
    chosen: int
    ties_val: np.ndarray
    finite: np.ndarray

    @property
    def usable(self) -> np.ndarray:
        """(K,) bool: finite parameters and fewer than COLLAPSED_TIES tied validation outputs."""
        return self.finite & (self.ties_val < COLLAPSED_TIES)


def trained_grid(spec: GridSpec, d: Data) -> TrainedGrid:
    """Train (or load) the grid of `spec` on `d`, score every member strictly and choose one on validation."""
    net, history, states, wedges = train_grid(spec, d.x_train, d.y_train, d.x_val, d.y_val, d.data_id)
    acc = {part: accuracies(net, x, y) for part, (x, y) in d.parts().items()}
    _, chosen = select_member(acc["val"], len(spec.lrs), len(spec.seeds))
    return TrainedGrid(spec, net, history, states, wedges, acc, chosen, tie_share(net, d.x_val), finite_members(net))


@dataclass(frozen=True)
class Baseline:
    """The grid of one H without the summary layer: its history, strict accuracies per part, the chosen member and
    the strict test accuracy of every member on each class (K, C)."""

    spec: GridSpec
    history: History
    acc: dict[str, np.ndarray]
    chosen: int
    class_acc: np.ndarray


def train_baseline(spec: GridSpec, d: Data) -> "Baseline":
    """The same grid and protocol without the summary layer: d_in-H-C ReLU networks, bias in the first layer only,
    He init (the baseline for Davel 2020 §4.1's "does not prevent the networks from achieving fairly good
    accuracy"), from the model cache when there; the member is chosen on validation accuracy as for the summary
    networks."""
    x_train, y_train, x_val, y_val = d.x_train, d.y_train, d.x_val, d.y_val
    lrs, seeds = spec.members()
    cfg = train_config("sgd", lr=list(lrs), loss="ce", batch_size=spec.batch_size, max_epochs=spec.max_epochs,
                       patience=spec.patience, eval_every=1, restore_best=True, seed=list(seeds),
                       device=spec.device)
    net = mlp(len(seeds), [x_train.shape[1], spec.hidden, int(y_train.max()) + 1], bias="first", init="he",
              seed=list(seeds))
    device = resolve_device(spec.device)
    key = {"section": "summary_layers", "study": "baseline", "data": d.data_id, "arch": net.arch,
           "train": cfg.as_dict(), "device": str(device)}
    payload = cached_train(key, lambda: result_payload(train(net, train_data(x_train, y_train, x_val, y_val), cfg)))
    net.load_state_dict(payload["state"])
    acc = {part: accuracies(net.cpu(), x, y) for part, (x, y) in d.parts().items()}
    with torch.no_grad():
        correct = strictly_correct(net(d.x_eval), d.y_eval).double()  # (K, N)
    class_acc = np.stack([correct[:, d.y_eval == c].mean(dim=1).numpy() for c in range(int(y_train.max()) + 1)], 1)
    return Baseline(spec, history_of(payload), acc, select_member(acc["val"], len(spec.lrs), len(spec.seeds))[1],
                    class_acc)


def train_in_worker(spec: GridSpec, n_train: int, n_eval: int, baseline: bool) -> None:
    """One H's grid (or its baseline) trained into the model cache, the data loaded here: a worker's task
    (lib.parallel), which ships the spec rather than the images."""
    d = load_data(n_train, n_eval)
    if baseline:
        train_baseline(spec, d)
    else:
        train_grid(spec, d.x_train, d.y_train, d.x_val, d.y_val, d.data_id)


def train_on_cores(specs: Iterable[GridSpec], n_train: int, n_eval: int) -> None:
    """Every grid, and the baseline of every ReLU-summary grid, trained on the machine's cores (lib.parallel) into
    the model cache, from which trained_grid and train_baseline then load them."""
    specs = list(specs)
    parallel.fill_cache([partial(train_in_worker, spec, n_train, n_eval, baseline)
                         for baseline in (False, True) for spec in specs
                         if not (baseline and spec.summary == "linear")])


def split_tensors(pair: tuple[np.ndarray, np.ndarray], count: int | None = None) -> tuple[Tensor, Tensor]:
    """Float images (N, 784) in [0, 1] and int64 labels of an MNIST split (images, labels), the first `count`."""
    from lib import data
    x, y = pair[0][:count], pair[1][:count]
    return torch.from_numpy(data.as_float(x)), torch.from_numpy(np.array(y, dtype=np.int64))
