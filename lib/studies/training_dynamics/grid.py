"""Training dynamics of binary node activations (Haasbroek & Davel 2020, "H&D", §4): the grid of network shapes,
the per-layer probes recorded at log-spaced steps on the validation set, and their aggregation over seeds.

The probes themselves (eq. 8-17) are the kernels of lib.probes; this module only decides when and on what
they run, and how the seeds of one shape are summarised (mean ± standard error, as in H&D Fig. 3-7).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lib import probes
from lib.cache import cached_train
from lib.data import MNIST, as_float, split_mnist
from lib.models import StackedNet, mlp
from lib.studies.training_dynamics.findings import ShapeCurves, chance_loss
from lib.train import (
    MemberLoss,
    TrainConfig,
    TrainData,
    error_count,
    log_steps,
    resolve_device,
    train,
    train_config,
    train_data,
)

MAX_INFORMATIVENESS_10 = math.log(2.0) / math.log(10.0)  # H&D §5.3: a binary node can carry at most log 2 / log 10


@dataclass(frozen=True)
class Shape:
    """One grid shape: depth = layers excluding the input (hidden layers + output), width = nodes per hidden layer."""

    depth: int
    width: int

    @property
    def hidden(self) -> int:
        """Number of hidden layers (H&D §4.1: depth counts the output layer but not the input)."""
        return self.depth - 1

    def sizes(self, d_in: int = 784, classes: int = 10) -> list[int]:
        """Layer sizes [d_in, width, ..., width, classes] for lib.models.mlp."""
        return [d_in] + [self.width] * self.hidden + [classes]

    @property
    def label(self) -> str:
        """'depth×width', as the paper names its networks (e.g. 9×320)."""
        return f"{self.depth}×{self.width}"


def grid(depths: Sequence[int], widths: Sequence[int]) -> list[Shape]:
    """Every depth × width combination (H&D §4.1), depth-major."""
    return [Shape(int(d), int(w)) for d in depths for w in widths]


@dataclass(frozen=True)
class Members:
    """The K members of one engine call: every loss × every seed, loss-major (CE seeds, then MSE seeds)."""

    losses: tuple[str, ...]  # (K,) per-member loss
    seeds: tuple[int, ...]  # (K,) per-member initialisation and batch-order seed

    def of_loss(self, loss: str) -> list[int]:
        """Member indices trained with `loss`, in seed order."""
        return [k for k, kind in enumerate(self.losses) if kind == loss]


def members(losses: Sequence[str], n_seeds: int, seed: int = 0) -> Members:
    """Seeds seed, ..., seed + n_seeds - 1 for each loss: a CE and an MSE member share initial weights and batches."""
    return Members(tuple(loss for loss in losses for _ in range(n_seeds)),
                   tuple(seed + s for _ in losses for s in range(n_seeds)))


class ProbeRecorder:
    """Engine callback fn(step, net): validation loss and error, and per-class sample-set sizes (eq. 8) of every
    member and hidden layer, from one forward pass over the validation images; f_l, p_l, u_l (eq. 16-17) follow
    from the sizes alone (layer_measures)."""

    def __init__(self, x_val: torch.Tensor, y_val: torch.Tensor, losses: Sequence[str], n_classes: int = 10):
        self.x, self.y, self.n_classes = x_val, y_val, n_classes
        self.criterion = MemberLoss(tuple(losses), len(losses), x_val.device)
        self.onehot_t = probes.class_one_hot(y_val, n_classes).T.contiguous()  # (C, N)
        self.rows: list[dict[str, torch.Tensor]] = []
        self.steps: list[int] = []

    def __call__(self, step: int, net: StackedNet) -> None:
        """Record one measurement point (called by lib.train without gradients)."""
        h, sizes = self.x, []
        for layer in net.layers[:-1]:
            h = torch.relu(layer(h))  # (K, N, n_l)
            sizes.append(self.onehot_t @ (h > 0).to(torch.float32))  # (K, C, n_l): |Ŝ^(c)_{l,i}|, eq. 8
        logits = net.layers[-1](h)  # (K, N, C)
        y = self.y.expand(net.k, -1)  # (K, N)
        self.rows.append({"val_loss": self.criterion(logits, y).cpu(),
                          "val_error": (error_count(logits, y).to(torch.float32) / len(self.y)).cpu(),
                          "sizes": torch.stack(sizes, dim=1).to(torch.int32).cpu()})  # (K, L, C, n)
        self.steps.append(int(step))

    def record(self) -> dict[str, torch.Tensor]:
        """Everything measured, stacked over measurement points T (cacheable tensors)."""
        out = {name: torch.stack([row[name] for row in self.rows]) for name in self.rows[0]}
        out["steps"] = torch.tensor(self.steps, dtype=torch.long)  # (T,)
        out["class_sizes"] = probes.class_sizes(self.y, self.n_classes).cpu()  # (C,)
        out.update(layer_measures(out["sizes"], out["class_sizes"]))
        return out  # val_loss, val_error (T, K); sizes (T, K, L, C, n); f, p, u (T, K, L)


def layer_measures(sizes: torch.Tensor, class_sizes: torch.Tensor) -> dict[str, torch.Tensor]:
    """Layer activation fraction f_l over live nodes (eq. 16), predictability p_l and informativeness u_l over
    nodes neither dead nor always on (eq. 17), from per-class sample-set sizes (..., C, n) and |S_c| (C,): the
    kernels of lib.probes without the activations. Returns (...,) float64 each."""
    on = sizes.to(torch.float64)  # (..., C, n)
    n_c = class_sizes.to(torch.float64)  # (C,)
    total, n = on.sum(dim=-2), n_c.sum()  # (..., n) |Ŝ_{l,i}|, |S|
    present = n_c > 0
    f_node = (on[..., present, :] / n_c[present, None]).mean(dim=-2)  # (..., n) eq. 9, 16 left
    e = torch.stack([n_c[:, None] - on, on], dim=-3) / n  # (..., 2, C, n) eq. 10-11
    p_node = 1.0 + _e_log_e_over(e, e.sum(dim=-3, keepdim=True)) / math.log(2.0)  # eq. 12, 14
    u_node = 1.0 + _e_log_e_over(e, e.sum(dim=-2, keepdim=True)) / math.log(len(n_c))  # eq. 13, 15
    live, defined = total > 0, (total > 0) & (total < n)
    return {"f": _mean_over(f_node, live), "p": _mean_over(p_node, defined), "u": _mean_over(u_node, defined)}


def _e_log_e_over(e: torch.Tensor, marginal: torch.Tensor) -> torch.Tensor:
    """Σ e·log(e / marginal) over ẑ and c, with 0·log 0 = 0: (..., 2, C, n) → (..., n)."""
    return (torch.xlogy(e, e) - torch.xlogy(e, marginal.expand_as(e))).sum(dim=(-3, -2))


def _mean_over(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of x over the last axis where mask holds; NaN where it never does."""
    count = mask.sum(dim=-1)
    total = torch.where(mask, x, torch.zeros_like(x)).sum(dim=-1)
    return torch.where(count > 0, total / count.clamp(min=1), torch.full_like(total, math.nan))


def truncate(record: dict[str, torch.Tensor], last_step: int) -> dict[str, torch.Tensor]:
    """The measurement points of a record up to training step `last_step`: the record of the same run stopped
    there (the grid's run read as a shorter one)."""
    keep = record["steps"] <= last_step  # (T,)
    return {name: (value if name == "class_sizes" else value[keep]) for name, value in record.items()}


def node_activation_fraction(record: dict[str, torch.Tensor]) -> np.ndarray:
    """Per-node f_{l,i} (eq. 9, 16 left) from recorded sizes: (T, K, L, n), mean over classes with samples."""
    n_c = record["class_sizes"].numpy()  # (C,)
    sizes = record["sizes"].numpy().astype(np.float64)  # (T, K, L, C, n)
    present = n_c > 0
    return (sizes[..., present, :] / n_c[present, None]).mean(axis=-2)


def class_fraction(record: dict[str, torch.Tensor]) -> np.ndarray:
    """Per-node per-class f^(c)_{l,i} (eq. 9) from recorded sizes: (T, K, L, C, n); NaN for empty classes."""
    n_c = record["class_sizes"].numpy().astype(np.float64)  # (C,)
    with np.errstate(invalid="ignore", divide="ignore"):
        return record["sizes"].numpy() / n_c[:, None]


@dataclass(frozen=True)
class SeedSummary:
    """Mean and standard error over seeds (H&D Fig. 3-7 shading): both shaped like one seed's curves."""

    mean: np.ndarray
    se: np.ndarray


def seed_summary(x: np.ndarray, axis: int = 1) -> SeedSummary:
    """Mean over the seed axis and its standard error s / sqrt(S) (sample std, ddof = 1), ignoring NaN seeds."""
    x = np.asarray(x, dtype=np.float64)
    count = np.sum(~np.isnan(x), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(x, axis=axis) / count
        dev = np.nansum((x - np.expand_dims(mean, axis)) ** 2, axis=axis)
        se = np.sqrt(dev / (count - 1)) / np.sqrt(count)
    return SeedSummary(np.where(count > 0, mean, np.nan), np.where(count > 1, se, np.nan))


def loss_curves(record: dict[str, torch.Tensor], member_ids: Sequence[int], name: str) -> SeedSummary:
    """Seed summary of one recorded quantity for the members of one loss: (T,) or (T, L)."""
    return seed_summary(record[name].numpy()[:, list(member_ids)], axis=1)


@dataclass(frozen=True)
class GridRun:
    """How every shape of the grid is trained (H&D §4.1) and measured (§4.2); `stop` ends the run early, at the
    last measurement step of the full run not beyond it, so that a stopped run is a prefix of the full one."""

    members: Members
    epochs: int
    batch_size: int
    lr: float
    init: str
    measurements: int  # log-spaced measurement points of the full run, step 0 and its last step included
    classes: int = 10
    stop: int | None = None  # training step to stop at (None: all epochs)

    def steps_per_epoch(self, n_train: int) -> int:
        """Mini-batches per epoch (the last one may be smaller)."""
        return math.ceil(n_train / self.batch_size)

    def measure_steps(self, n_train: int) -> tuple[int, ...]:
        """Log-spaced measurement steps over the full run (lib.train.log_steps), those up to `stop` if set."""
        steps = log_steps(self.epochs * self.steps_per_epoch(n_train), self.measurements)
        return steps if self.stop is None else tuple(s for s in steps if s <= self.stop)

    def total_steps(self, n_train: int) -> int:
        """The training step the run ends at: its last measurement."""
        return self.measure_steps(n_train)[-1]

    def train_config(self, n_train: int) -> TrainConfig:
        """Adam with the paper's defaults, no early stopping: every member trains all epochs (§4.1), or up to the
        last measurement before `stop`."""
        last = None if self.stop is None else max(self.total_steps(n_train), 1)
        return train_config("adam", self.lr, self.members.losses, batch_size=self.batch_size,
                            max_epochs=self.epochs, max_steps=last, eval_every=None, restore_best=False,
                            seed=self.members.seeds, betas=(0.9, 0.999), eps=1e-8)


def train_shape(shape: Shape, data: TrainData, run: GridRun, data_id: dict) -> dict[str, torch.Tensor]:
    """Train the K members of one shape in one engine call with probes at log-spaced steps (model cache)."""
    n_train = len(data.x_train)
    steps = run.measure_steps(n_train)
    net_seeds = list(run.members.seeds)
    sizes = shape.sizes(data.x_train.shape[1], run.classes)
    config = {"section": "training_dynamics", "version": 2, "data": data_id, "sizes": sizes,
              "bias": "first", "init": run.init, "net_seeds": net_seeds, "train": run.train_config(n_train).as_dict(),
              "device": str(resolve_device("auto")), "measure_steps": list(steps)}

    def build() -> dict:
        net = mlp(len(net_seeds), sizes, bias="first", init=run.init, seed=net_seeds)
        device = resolve_device("auto")
        recorder = ProbeRecorder(data.x_val.to(device), data.y_val.to(device), run.members.losses, run.classes)
        train(net, data, run.train_config(n_train), callbacks=[(steps, recorder)])
        return {"record": recorder.record()}

    return cached_train(config, build)["record"]


def train_shape_in_worker(shape: Shape, run: GridRun, n_train: int, n_val: int) -> None:
    """One shape's engine call trained into the model cache, its MNIST subsets loaded here: a worker's task
    (lib.parallel), which ships the shape and the run rather than the images."""
    from lib.data import load_mnist

    data, data_id = mnist_grid_data(load_mnist(), n_train, n_val)
    train_shape(shape, data, run, data_id)


def mnist_grid_data(mnist: MNIST, n_train: int, n_val: int) -> tuple[TrainData, dict]:
    """First n_train / n_val images of the 48k/12k split (H&D §4.1: 12,000 for validation) and their identity."""
    splits = split_mnist(mnist, "48k/12k/10k")
    (x_tr, y_tr), (x_va, y_va) = splits.train, splits.val
    data = train_data(torch.tensor(as_float(x_tr[:n_train])), torch.tensor(y_tr[:n_train]),
                      torch.tensor(as_float(x_va[:n_val])), torch.tensor(y_va[:n_val]))
    return data, {"mnist_sha256": mnist.sha256, "split": "48k/12k/10k", "n_train": n_train, "n_val": n_val}


def converged(record: dict[str, torch.Tensor], member_ids: Sequence[int]) -> bool:
    """Every member reached its validation minimum before the last measurement point: the grid trains a fixed
    number of epochs without early stopping (H&D §4.1), so this is lib.train.History.converged's rule (the
    minimum lies before the epoch cap) read on the probes' validation losses."""
    loss = record["val_loss"].numpy()[:, list(member_ids)]  # (T, S)
    return bool(np.all(np.argmin(loss, axis=0) < loss.shape[0] - 1))


def shape_curves(record: dict[str, torch.Tensor], member_ids: Sequence[int], total_steps: int, loss: str = "",
                 width: int = 0) -> ShapeCurves:
    """Seed-averaged curves of one loss's members, for the §6 checks (findings.py); `loss` sets the chance level
    of finding 3 (none when empty), `width` the error bound of finding 7."""
    ids = list(member_ids)
    node_f = node_activation_fraction(record)[:, ids]  # (T, S, L, n)
    return ShapeCurves(
        steps=record["steps"].numpy(), total_steps=total_steps,
        f=loss_curves(record, ids, "f").mean, p=loss_curves(record, ids, "p").mean,
        u=loss_curves(record, ids, "u").mean, val_loss=loss_curves(record, ids, "val_loss").mean,
        val_error=loss_curves(record, ids, "val_error").mean,
        node_f=node_f.reshape(node_f.shape[0], -1), n_classes=int(record["class_sizes"].numel()), width=width,
        chance=chance_loss(loss, int(record["class_sizes"].numel())) if loss else math.nan)
