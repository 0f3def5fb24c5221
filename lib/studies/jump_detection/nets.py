"""The jump-detection networks of thesis §3.3-3.4: shapes, cached training, predictions and weight read-outs.

All seeds of one shape are one StackedNet trained in one engine call (lib.train) and cached (lib.cache) under
a key that holds the data identity, the architecture, the seeds and the optimisation settings. A callback
records the loss and error on the whole training set after every epoch (thesis Fig. 3.9), which the engine's
History does not hold (it keeps the running mean of the batch losses only).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lib import cache, models, train
from lib.data import JumpSplits, as_tensors
from lib.jump_errors import FIRST_POSITION
from lib.studies.jump_detection.selection import SELECTIONS, SelectionRecorder, selected_history

CONV_ACTIVATIONS = ("linear", "relu")  # after each one-filter conv layer: the thesis is silent (Keras: linear)


@dataclass(frozen=True)
class Shape:
    """One network shape of thesis Tables 3.3-3.4: an MLP (hidden sizes) or a CNN (filter lengths)."""

    name: str
    kind: str  # "mlp" | "cnn"
    layers: tuple[int, ...]  # hidden sizes (mlp) or conv filter lengths (cnn)


SHAPES = (
    Shape("1-layer NN", "mlp", ()),
    Shape("2-layer MLP", "mlp", (100,)),
    Shape("3-layer MLP", "mlp", (100, 100)),
    Shape("4-layer MLP", "mlp", (100, 100, 100)),
    Shape("1-conv-layer CNN", "cnn", (7,)),
    Shape("2-conv-layer CNN", "cnn", (5, 9)),
    Shape("3-conv-layer CNN", "cnn", (5, 7, 9)),
)
LENGTH_5 = Shape("1-conv-layer CNN, length 5", "cnn", (5,))  # the alternative of thesis Fig. 3.19


def build(shape: Shape, seeds: Sequence[int], init: str = "glorot", length: int = 100,
          classes: int = 60, conv_activation: str = "linear") -> models.StackedNet:
    """len(seeds) networks of `shape`, biases in every layer, ReLU hidden MLP layers (thesis §3.3.1, §3.4.1); the
    conv layers are followed by `conv_activation`: 'linear' (Keras Conv1D's default) or 'relu'."""
    if conv_activation not in CONV_ACTIVATIONS:
        raise ValueError(f"conv_activation: expected one of {CONV_ACTIVATIONS}, got {conv_activation!r}")
    if shape.kind == "mlp":
        return models.mlp(len(seeds), [length, *shape.layers, classes], bias="all", init=init, seed=list(seeds))
    return models.cnn1d(len(seeds), length=length, kernels=shape.layers, classes=classes, init=init,
                        seed=list(seeds), activation=conv_activation)


@dataclass(frozen=True)
class TrainingCurve:
    """Cross-entropy and error rate of every member on the whole training set after each epoch (thesis Fig. 3.9)."""

    epoch: np.ndarray  # (E + 1,) 0 = before training
    loss: np.ndarray  # (E + 1, K)
    error: np.ndarray  # (E + 1, K)


class CurveRecorder:
    """A lib.train callback: every member's loss and error on (x, y) at step 0 and at the end of every epoch."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int):
        self.x, self.y = x, y
        self.steps_per_epoch = math.ceil(len(x) / batch_size)  # the engine's steps in one epoch
        self.rows: list[tuple[int, torch.Tensor, torch.Tensor]] = []

    def steps(self, max_epochs: int) -> range:
        """The global steps at which an epoch ends, and 0."""
        return range(0, max_epochs * self.steps_per_epoch + 1, self.steps_per_epoch)

    def __call__(self, step: int, net: models.StackedNet) -> None:
        """Evaluate on the training set, on the device the engine moved the network to."""
        device = net.layers[0].weight.device
        self.x, self.y = self.x.to(device), self.y.to(device)
        loss, error = train.evaluate(net, self.x, self.y, "ce")
        self.rows.append((step // self.steps_per_epoch, loss.cpu(), error.cpu()))

    def curve(self) -> dict[str, torch.Tensor]:
        """The recorded rows as tensors: epoch (E + 1,), loss and error (E + 1, K)."""
        epochs, losses, errors = zip(*self.rows)
        return {"epoch": torch.tensor(epochs), "loss": torch.stack(losses), "error": torch.stack(errors)}


def cache_config(shape: Shape, seeds: Sequence[int], data_id: dict, cfg: train.TrainConfig, init: str,
                 record_curve: bool = True, conv_activation: str = "linear", selection: bool = False) -> dict:
    """Everything the trained weights (and the stored records) depend on, as the model-cache key."""
    records = "training-set curve per epoch" if record_curve else "validation history only"
    if selection:
        records += "; weights at the lowest validation error and L1"
    kind = [shape.kind, list(shape.layers)] + ([conv_activation] if shape.kind == "cnn" else [])
    return {"task": "jump_detection", "shape": kind, "seeds": list(seeds),
            "init": init, "data": data_id, "train": cfg.as_dict(), "records": records,
            "device": str(train.resolve_device(cfg.device)), "torch": torch.__version__}


def trained_payload(shape: Shape, seeds: Sequence[int], splits: JumpSplits, data_id: dict, cfg: train.TrainConfig,
                    init: str = "glorot", record_curve: bool = True, conv_activation: str = "linear",
                    selection: bool = False) -> dict:
    """All seeds of one shape trained in one engine call, or loaded from the model cache: the cached payload, with
    the training-set curve (an extra pass over the training set per epoch) only where `record_curve`, and the
    weights at the lowest validation error and L1 (selection.SelectionRecorder) only where `selection`."""
    def build_and_train() -> dict:
        net = build(shape, seeds, init, conv_activation=conv_activation)
        data = train.train_data(*as_tensors(splits.train), *as_tensors(splits.val))
        callbacks, extra = [], []
        if record_curve:
            recorder = CurveRecorder(*as_tensors(splits.train), cfg.batch_size)
            callbacks.append((recorder.steps(cfg.max_epochs), recorder))
            extra.append(lambda: {"train_curve": recorder.curve()})
        if selection:
            chooser = SelectionRecorder(*as_tensors(splits.val), len(splits.train.x), cfg.batch_size)
            callbacks.append((chooser.steps(cfg.max_epochs), chooser))
            extra.append(chooser.payload)
        payload = cache.result_payload(train.train(net, data, cfg, callbacks=callbacks or None))
        for more in extra:
            payload |= more()
        return payload

    key = cache_config(shape, seeds, data_id, cfg, init, record_curve, conv_activation, selection)
    return cache.cached_train(key, build_and_train)


def selected_net(payload: dict, shape: Shape, seeds: Sequence[int], cfg: train.TrainConfig, select_by: str,
                 init: str = "glorot", conv_activation: str = "linear") -> tuple[models.StackedNet, train.History]:
    """The network and history of a payload under a selection rule (selection.SELECTIONS): the engine's weights at
    the lowest validation loss, or those kept at the lowest validation error or L1 (selection.selected_history)."""
    net = build(shape, seeds, init, conv_activation=conv_activation)
    history = cache.history_of(payload)
    if select_by == "loss":
        net.load_state_dict(payload["state"])
        return net.eval(), history
    net.load_state_dict(payload["selected"][select_by])
    return net.eval(), selected_history(history, payload["selected_epoch"][select_by], cfg.patience)


def train_shape(shape: Shape, seeds: Sequence[int], splits: JumpSplits, data_id: dict, cfg: train.TrainConfig,
                init: str = "glorot", record_curve: bool = True, conv_activation: str = "linear",
                select_by: str = "loss") -> tuple[models.StackedNet, train.History, TrainingCurve | None]:
    """All seeds of one shape trained in one engine call, or loaded from the model cache, with the weights that
    `select_by` keeps; the training-set curve only where `record_curve`, else None."""
    if select_by not in SELECTIONS:
        raise ValueError(f"select_by: expected one of {SELECTIONS}, got {select_by!r}")
    payload = trained_payload(shape, seeds, splits, data_id, cfg, init, record_curve, conv_activation,
                              selection=select_by != "loss")
    net, history = selected_net(payload, shape, seeds, cfg, select_by, init, conv_activation)
    curve = TrainingCurve(*(payload["train_curve"][k].numpy() for k in ("epoch", "loss", "error"))) \
        if record_curve else None
    return net, history, curve


@torch.no_grad()
def layer_outputs(net: models.StackedNet, x: np.ndarray) -> list[torch.Tensor]:
    """Post-ReLU hidden activations and the softmax output, each (K, N, n_l) (thesis Fig. 3.12)."""
    acts = net.activations(torch.from_numpy(np.asarray(x, dtype=np.float32)))
    return [*acts.post, torch.softmax(acts.logits, dim=-1)]


def output_column(net: models.StackedNet, member: int, position: int) -> np.ndarray:
    """The 1-layer network's weights into the output node of `position`, class-centred: (n,) (thesis Fig. 3.15).

    Softmax is unchanged when one vector is added to every column, so that common part is removed.
    """
    w = net.layers[-1].weight[member].detach().numpy()  # (n, classes)
    return w[:, position - FIRST_POSITION] - w.mean(axis=1)


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """a·b / (|a| |b|)."""
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def conv_filters(net: models.StackedNet) -> list[np.ndarray]:
    """Each conv layer's filters as (K, length), in the convolution orientation of thesis eq. 3.8.

    torch correlates; a correlation with w equals a convolution with w reversed.
    """
    return [layer.weight[:, 0].detach().numpy()[:, ::-1].copy() for layer in net.layers[:-1]]


def filter_type(w: np.ndarray, tolerance: float = 0.1) -> str:
    """'smoothing' when all coefficients share one sign, else 'derivative' (thesis §3.2.2, Fig. 3.19).

    Coefficients smaller than tolerance·max|w| are ignored (a near-zero coefficient decides no sign).
    """
    w = np.asarray(w, dtype=np.float64)
    kept = w[np.abs(w) >= tolerance * np.abs(w).max()]
    return "smoothing" if np.all(kept > 0) or np.all(kept < 0) else "derivative"


@torch.no_grad()
def active_fraction(net: models.StackedNet, x: np.ndarray) -> np.ndarray:
    """Share of pre-activations > 0 over signals and nodes (or positions), per member and hidden layer: (K, L).

    0 marks a dead layer: a one-filter conv layer whose ReLU is off at every position passes nothing and no
    gradient, so the network's output no longer depends on its input.
    """
    pre = net.activations(torch.from_numpy(np.asarray(x, dtype=np.float32))).pre  # [(K, N, n_l)]
    return np.stack([(a > 0).float().mean(dim=(1, 2)).numpy() for a in pre], axis=1) if pre else np.zeros((net.k, 0))


def plateau_length(val_loss: np.ndarray, level: float) -> np.ndarray:
    """Evaluations before a member's validation loss first falls below `level`, V if never: (V, K) → (K,).

    With level a little below ln(classes), the loss of the uniform output, this counts how long a network's
    output stays near uniform.
    """
    below = np.asarray(val_loss) < level  # (V, K)
    return np.where(below.any(axis=0), below.argmax(axis=0), below.shape[0])
