"""The networks of the cooperating-classifiers chapter (Davel et al., AAAI 2020 slides, "Experimental setup"):
MNIST and Fashion-MNIST ("FMNIST"), both in the 55k/5k/10k split.

Fully connected networks of `depth` hidden layers of `width` nodes, normalised uniform (Glorot) initialisation,
K seeds stacked in one engine call, early stopping on a validation set, cached by their full training config.
Optionally: sigmoid hidden units, per-member fractions of corrupted training labels (every fraction and seed of
the label-corruption curve in one engine call), and snapshots of the weights at chosen steps.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch

from lib import cache, data, train
from lib.data.fashion_mnist import load_fashion_mnist
from lib.models import StackedNet, mlp
from lib.seed import member_seeds
from lib.studies.cooperating_classifiers.node_classifiers import corrupt_labels

SPLIT = "55k/5k/10k"
N_CLASSES = 10
DATASETS = ("mnist", "fmnist")
LOADERS = {"mnist": data.load_mnist, "fmnist": load_fashion_mnist}


@dataclass(frozen=True)
class Task:
    """The first n_train training images of the 55k/5k/10k split, its 5k validation and the 10k test images."""

    x_train: torch.Tensor  # (n_train, 784) float32 in [0, 1]
    y_train: torch.Tensor  # (n_train,) int64
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    sha256: str
    dataset: str = "mnist"


def _tensors(pair: tuple[np.ndarray, np.ndarray], n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(x float32 (N, 784), y int64 (N,)) of the first n images of a split part."""
    x, y = pair
    return torch.from_numpy(data.as_float(x[:n]).copy()), torch.from_numpy(np.array(y[:n], dtype=np.int64))


def load_task(dataset: str, n_train: int) -> Task:
    """MNIST or FMNIST as tensors: n_train training images (55k/5k/10k split), validation and test sets."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset: expected one of {DATASETS}, got {dataset!r}")
    arrays = LOADERS[dataset]()
    splits = data.split_mnist(arrays, SPLIT)
    return Task(*_tensors(splits.train, n_train), *_tensors(splits.val), *_tensors(splits.test), arrays.sha256,
                dataset)


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines the trained weights of one stack of K networks."""

    depth: int
    width: int
    k: int
    seed: int | tuple[int, ...]  # first member's seed (members seed, seed+1, ...) or one per member
    n_train: int
    activation: str = "relu"  # "relu" | "sigmoid"
    optimizer: str = "adam"
    lr: float | tuple[float, ...] = 1e-3  # one rate, or one per member (a learning-rate grid)
    batch_size: int = 100
    max_epochs: int = 10
    patience: int | None = 3
    restore_best: bool = True
    corruption: tuple[float, ...] = ()  # per member, the fraction of its training labels replaced; () = none
    corruption_mode: str = "other"  # "other": a different class; "uniform": any class (Zhang et al. 2017)
    snapshot_steps: tuple[int, ...] = ()

    def __post_init__(self):
        """Check the per-member corruption fractions and seeds against k."""
        if self.corruption and len(self.corruption) != self.k:
            raise ValueError(f"corruption: expected () or {self.k} per-member fractions, got {len(self.corruption)}")
        member_seeds(self.seed, self.k)  # raises for a seed sequence of the wrong length


@dataclass(frozen=True)
class Run:
    """A trained stack, its history, the training labels it saw and weight snapshots {step: state_dict}."""

    net: StackedNet
    history: train.History
    y_train: torch.Tensor  # (n_train,) or per member (K, n_train): labels trained on (corrupted where `corrupted`)
    corrupted: torch.Tensor  # bool, the shape of y_train
    snapshots: dict[int, dict[str, torch.Tensor]]


def grid_members(values: Sequence, n_seeds: int, seed: int) -> tuple[tuple, tuple[int, ...]]:
    """A grid stacked value-major: member i·n_seeds + j gets values[i] and seed + j, so every value starts from
    the same n_seeds initialisations and batch orders: (per-member values, per-member seeds)."""
    return tuple(v for v in values for _ in range(n_seeds)), tuple(seed + j for _ in values for j in range(n_seeds))


def best_in_grid(history: train.History, n_values: int) -> int:
    """Index of the grid value whose seeds have the lowest mean best validation loss (slides: lr grid search)."""
    best = torch.nan_to_num(history.val_loss, nan=torch.inf).min(dim=0).values  # (K,)
    return int(best.view(n_values, -1).mean(dim=1).argmin())


def build(spec: RunSpec) -> StackedNet:
    """The initialised stack of K networks [784, width × depth, 10] (Glorot uniform, biases 0)."""
    sizes = [784, *[spec.width] * spec.depth, N_CLASSES]
    return mlp(spec.k, sizes, bias="all", init="glorot", seed=spec.seed, activation=spec.activation)


def training_labels(spec: RunSpec, task: Task) -> tuple[torch.Tensor, torch.Tensor]:
    """Training labels and corruption mask: (N,) clean, or (K, N), member m's draw seeded by its own seed."""
    if not spec.corruption:
        return task.y_train, torch.zeros_like(task.y_train, dtype=torch.bool)
    draws = [corrupt_labels(task.y_train, f, N_CLASSES, seed=s, mode=spec.corruption_mode)
             for f, s in zip(spec.corruption, member_seeds(spec.seed, spec.k))]
    return torch.stack([y for y, _ in draws]), torch.stack([c for _, c in draws])


def engine_config(spec: RunSpec) -> train.TrainConfig:
    """The engine's settings for this run: early stopping on the validation loss, evaluated every epoch; a run
    without early stopping (label corruption) is never evaluated on the validation set while it trains."""
    return train.train_config(spec.optimizer, spec.lr, batch_size=spec.batch_size, max_epochs=spec.max_epochs,
                              patience=spec.patience, eval_every=None if spec.patience is None else 1,
                              restore_best=spec.restore_best, seed=spec.seed)


def cache_config(spec: RunSpec, task: Task) -> dict:
    """The model cache key: data identity, split, architecture, run settings and the device."""
    device = str(train.resolve_device("auto"))
    run = {name: list(v) if isinstance(v, tuple) else v for name, v in asdict(spec).items()}
    return {"study": "cooperating_classifiers", "version": 3, "dataset": task.dataset, "data_sha256": task.sha256,
            "split": SPLIT,
            "run": run, "init": "glorot",
            "engine": engine_config(spec).as_dict(), "device": device}


def _snapshot_callback(store: dict) -> train.Callback:
    """A callback that keeps a CPU copy of every parameter at its step."""
    def keep(step: int, net: StackedNet) -> None:
        store[step] = {name: t.detach().cpu().clone() for name, t in net.state_dict().items()}
    return keep


def _train_payload(spec: RunSpec, task: Task) -> dict:
    """Train the stack and return the cacheable payload (state, history, snapshots)."""
    y_train, _ = training_labels(spec, task)
    store: dict[int, dict[str, torch.Tensor]] = {}
    callbacks = [(spec.snapshot_steps, _snapshot_callback(store))] if spec.snapshot_steps else None
    result = train.train(build(spec), train.train_data(task.x_train, y_train, task.x_val, task.y_val),
                         engine_config(spec), callbacks)
    steps = sorted(store)
    return {**cache.result_payload(result), "snapshot_steps": steps, "snapshots": [store[s] for s in steps]}


def trained(spec: RunSpec, task: Task) -> Run:
    """The trained stack for `spec`, from the model cache when it holds it."""
    payload = cache.cached_train(cache_config(spec, task), lambda: _train_payload(spec, task))
    net = build(spec)
    net.load_state_dict(payload["state"])
    y_train, corrupted = training_labels(spec, task)
    snapshots = dict(zip(payload["snapshot_steps"], payload["snapshots"]))
    return Run(net.cpu(), cache.history_of(payload), y_train, corrupted, snapshots)


def train_on(spec: RunSpec, dataset: str) -> None:
    """Train `spec` on `dataset` (loaded here, with spec.n_train images) into the model cache: a worker's task
    (lib.parallel), which ships the spec and the data set's name rather than the images."""
    trained(spec, load_task(dataset, spec.n_train))


def at_snapshot(spec: RunSpec, state: dict[str, torch.Tensor]) -> StackedNet:
    """A stack with the weights of one snapshot."""
    net = build(spec)
    net.load_state_dict(state)
    return net


@torch.no_grad()
def hidden_outputs(net: StackedNet, x: torch.Tensor) -> list[torch.Tensor]:
    """Post-activation outputs of every hidden layer [(K, N, width)] of inputs x (N, 784)."""
    return [a.cpu() for a in net.activations(x).post]


@torch.no_grad()
def hidden_values(net: StackedNet, x: torch.Tensor, values: str = "pre") -> list[torch.Tensor]:
    """Every hidden layer's pre-activations z ("pre") or outputs a = f(z) ("post"): [(K, N, width)]."""
    if values not in ("pre", "post"):
        raise ValueError(f"values: expected 'pre' or 'post', got {values!r}")
    acts = net.activations(x)
    return [a.cpu() for a in (acts.pre if values == "pre" else acts.post)]


@torch.no_grad()
def accuracy(net: StackedNet, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-member share of samples classified as labelled: (K,)."""
    return 1.0 - train.evaluate(net, x, y, "ce")[1].cpu()
