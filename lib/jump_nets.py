"""The jump-detection networks of thesis §3.3-3.4: shapes, cached training, predictions and weight read-outs.

All seeds of one shape are one StackedNet trained in one engine call (lib.train) and cached (lib.cache) under
a key that holds the data identity, the architecture, the seeds and the optimisation settings.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lib import cache, models, train
from lib.data import JumpSplits

FIRST_POSITION = 21  # class 0 is t0 = 21 (thesis §3.1)


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
          classes: int = 60) -> models.StackedNet:
    """len(seeds) networks of `shape`, biases in every layer, ReLU hidden layers (thesis §3.3.1, §3.4.1)."""
    if shape.kind == "mlp":
        return models.mlp(len(seeds), [length, *shape.layers, classes], bias="all", init=init, seed=list(seeds))
    return models.cnn1d(len(seeds), length=length, kernels=shape.layers, classes=classes, init=init,
                        seed=list(seeds))


def as_tensors(signals) -> tuple[torch.Tensor, torch.Tensor]:
    """(x float32 (N, n), y int64 (N,)) of a JumpSignals."""
    return torch.from_numpy(signals.x), torch.from_numpy(signals.y)


def cache_config(shape: Shape, seeds: Sequence[int], data_id: dict, cfg: train.TrainConfig, init: str) -> dict:
    """Everything the trained weights depend on, as the model-cache key."""
    return {"task": "jump_detection", "shape": [shape.kind, list(shape.layers)], "seeds": list(seeds),
            "init": init, "data": data_id, "train": cfg.as_dict(),
            "device": str(train.resolve_device(cfg.device)), "torch": torch.__version__}


def train_shape(shape: Shape, seeds: Sequence[int], splits: JumpSplits, data_id: dict, cfg: train.TrainConfig,
                init: str = "glorot") -> tuple[models.StackedNet, train.History]:
    """All seeds of one shape trained in one engine call, or loaded from the model cache."""
    def build_and_train() -> dict:
        net = build(shape, seeds, init)
        result = train.train(net, train.train_data(*as_tensors(splits.train), *as_tensors(splits.val)), cfg)
        return cache.result_payload(result)

    payload = cache.cached_train(cache_config(shape, seeds, data_id, cfg, init), build_and_train)
    net = build(shape, seeds, init)
    net.load_state_dict(payload["state"])
    return net.eval(), cache.history_of(payload)


@torch.no_grad()
def probabilities(net: models.StackedNet, x: np.ndarray) -> np.ndarray:
    """Softmax outputs of every member: (K, N, classes)."""
    return torch.softmax(net(torch.from_numpy(np.asarray(x, dtype=np.float32))), dim=-1).numpy()


def predicted_positions(net: models.StackedNet, x: np.ndarray) -> np.ndarray:
    """t̂0 = 21 + argmax of the output layer, per member: (K, N)."""
    return FIRST_POSITION + probabilities(net, x).argmax(axis=-1)


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
