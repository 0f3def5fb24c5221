"""One training engine: K same-shape networks per call (lib.models.StackedNet).

The loss is summed over members, each member's own batch mean, so one step equals K independent steps;
SGD and Adam are written out so that learning rates and stopping are per member ((K, 1, 1) tensors).
Each member draws its own permutation of the training set every epoch from its own generator.
"""

import contextlib
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np
import torch
import torch.nn.functional as F

from lib import checkpoint
from lib.models import StackedNet
from lib.progress import training_bar, training_done, training_update
from lib.scoring import strictly_correct
from lib.seed import generator, member_seeds

OPTIMIZERS = ("sgd", "adam")
LOSSES = ("ce", "mse", "bce")
KERAS_EPSILON = 1e-7  # keras.backend.epsilon(): the clip of the probabilities in binary_crossentropy
DEVICES = ("cpu", "cuda", "auto")
GRAPH_ENV = "NODEWISE_CUDA_GRAPH"  # 1: every engine call replays its steps from a CUDA graph (train_config)
Callback = Callable[[int, StackedNet], None]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; build with train_config(), which validates them."""

    optimizer: str
    lr: float | tuple[float, ...]
    loss: str | tuple[str, ...]
    batch_size: int
    max_epochs: int
    max_steps: int | None
    patience: int | None
    eval_every: int | None
    restore_best: bool
    seed: int | tuple[int, ...]
    device: str
    betas: tuple[float, float]
    eps: float
    cuda_graph: bool = False

    def as_dict(self) -> dict:
        """Plain JSON-able fields (tuples become lists), for cache keys and results files; cuda_graph only when
        set, so that the keys of eager runs are those they had before the option."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)
                if f.name != "cuda_graph" or self.cuda_graph}


def _jsonable(value):
    """Tuples as lists, everything else as is."""
    return list(value) if isinstance(value, tuple) else value


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise ValueError naming the parameter unless `value` is one of `allowed`."""
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")


def _check_count(name: str, value, minimum: int, optional: bool = False) -> None:
    """Raise ValueError unless `value` is an int >= minimum (or None when optional)."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        allowed = f"an int >= {minimum}" + (" or None" if optional else "")
        raise ValueError(f"{name}: expected {allowed}, got {value!r}")


def _per_member(name: str, value, check: Callable) -> object:
    """A scalar, or a tuple of per-member values, each passing `check(name, v)`."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{name}: expected a value or a non-empty per-member sequence, got []")
        for v in value:
            check(name, v)
        return tuple(value)
    check(name, value)
    return value


def _check_lr(name: str, value) -> None:
    """Raise ValueError unless `value` is a finite float >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValueError(f"{name}: expected a finite number >= 0 (or one per member), got {value!r}")


def _check_loss(name: str, value) -> None:
    """Raise ValueError unless `value` is a known loss."""
    _check_choice(name, value, LOSSES)


def _check_adam(betas, eps) -> None:
    """Raise ValueError unless 0 <= beta < 1 for both betas and eps > 0."""
    if len(betas) != 2 or not all(0.0 <= float(b) < 1.0 for b in betas):
        raise ValueError(f"betas: expected two values in [0, 1), got {betas!r}")
    if not eps > 0:
        raise ValueError(f"eps: expected a number > 0, got {eps!r}")


def train_config(optimizer: str = "sgd", lr: float | Sequence[float] = 0.01, loss: str | Sequence[str] = "ce",
                 batch_size: int = 100, max_epochs: int = 1, max_steps: int | None = None,
                 patience: int | None = None, eval_every: int | None = 1, restore_best: bool = True,
                 seed: int | Sequence[int] = 0, device: str = "auto", betas: Sequence[float] = (0.9, 0.999),
                 eps: float = 1e-8, cuda_graph: bool | None = None) -> TrainConfig:
    """Validated TrainConfig; lr, loss and seed take one value or one per member (seed s → s, s+1, ...);
    cuda_graph replays each full batch's step from a CUDA graph (GraphedStep; 'cuda', or 'auto' with a GPU);
    None: $NODEWISE_CUDA_GRAPH (1 or 0, unset 0), so that a whole run (make paper) can switch graphs on."""
    _check_choice("optimizer", optimizer, OPTIMIZERS)
    _check_choice("device", device, DEVICES)
    if cuda_graph is None:
        cuda_graph = graph_from_environment()
    if not isinstance(cuda_graph, bool):
        raise ValueError(f"cuda_graph: expected True or False, got {cuda_graph!r}")
    if cuda_graph and device == "cpu":
        _check_graph_device(torch.device("cpu"))
    lr = _per_member("lr", lr, _check_lr)
    loss = _per_member("loss", loss, _check_loss)
    for name, value, minimum, optional in [("batch_size", batch_size, 1, False), ("max_epochs", max_epochs, 1, False),
                                           ("max_steps", max_steps, 1, True), ("patience", patience, 1, True),
                                           ("eval_every", eval_every, 1, True)]:
        _check_count(name, value, minimum, optional)
    if patience is not None and eval_every is None:
        raise ValueError("patience: early stopping needs evaluations; set eval_every or patience=None")
    seed = _per_member("seed", seed, lambda name, v: _check_count(name, v, 0))
    _check_adam(tuple(betas), eps)
    return TrainConfig(optimizer, lr, loss, batch_size, max_epochs, max_steps, patience, eval_every,
                       bool(restore_best), seed, device, tuple(float(b) for b in betas), float(eps), cuda_graph)


def graph_from_environment() -> bool:
    """$NODEWISE_CUDA_GRAPH as a bool: '1' on, '0' or unset off; anything else is a ValueError naming it."""
    value = os.environ.get(GRAPH_ENV, "0")
    if value not in ("0", "1"):
        raise ValueError(f"{GRAPH_ENV}: expected 1 or 0, got {value!r}")
    return value == "1"


def _check_graph_device(device: torch.device) -> None:
    """Raise ValueError naming cuda_graph unless `device` is a CUDA device (graphs are a CUDA feature)."""
    if device.type != "cuda":
        raise ValueError(f"cuda_graph: CUDA graphs need a CUDA device, got device {device.type!r}; allowed: "
                         "cuda_graph=False, or True with device 'cuda' (or 'auto' on a machine with a GPU)")


@dataclass(frozen=True)
class TrainData:
    """Training and validation sets as tensors: x (N, d) float32, y (N,) int64 class indices; y_train may be
    (K, N), each member's own labels for the same inputs (e.g. label corruption)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor

    def to(self, device: torch.device) -> "TrainData":
        """The same data on `device` (no copy where it already is)."""
        return TrainData(*(getattr(self, f.name).to(device) for f in fields(self)))


def train_data(x_train: torch.Tensor, y_train: torch.Tensor, x_val: torch.Tensor, y_val: torch.Tensor) -> TrainData:
    """Validated TrainData: x 2-D float32, y int64 of matching length, (N,) or per member (K, N) for y_train."""
    for split, x, y, dims in (("train", x_train, y_train, (1, 2)), ("val", x_val, y_val, (1,))):
        if x.dim() != 2 or x.dtype != torch.float32:
            raise ValueError(f"x_{split}: expected a 2-D float32 tensor, got {x.dtype} {tuple(x.shape)}")
        if y.dim() not in dims or y.dtype != torch.int64 or y.shape[-1] != len(x):
            shapes = f"({len(x)},)" + (f" or (K, {len(x)})" if 2 in dims else "")
            raise ValueError(f"y_{split}: expected int64 class indices of shape {shapes}, got {y.dtype} "
                             f"{tuple(y.shape)}")
    return TrainData(x_train, y_train, x_val, y_val)


@dataclass(frozen=True)
class History:
    """Per-member training record; epochs count from 1, 0 in best/stopped_epoch means never."""

    train_loss: torch.Tensor  # (E, K) mean training loss of each epoch (the last may be partial)
    val_loss: torch.Tensor  # (V, K) validation loss at each evaluation
    val_error: torch.Tensor  # (V, K) validation error rate at each evaluation
    eval_step: torch.Tensor  # (V,) global step of each evaluation
    eval_epoch: torch.Tensor  # (V,) epoch of each evaluation
    best_epoch: torch.Tensor  # (K,) epoch of the lowest validation loss
    stopped_epoch: torch.Tensor  # (K,) epoch at which patience ran out, 0 if it never did
    steps: int
    epochs: int

    @property
    def converged(self) -> torch.Tensor:
        """(K,) bool: the member reached its validation minimum before its epoch cap, i.e. patience ran out
        (a member still improving at its cap has stopped_epoch 0 and has not converged)."""
        return self.stopped_epoch > 0

    def as_dict(self) -> dict:
        """Fields as a dict of tensors and ints (what the model cache stores)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class TrainResult:
    """The trained network (best weights restored where asked) and its history."""

    net: StackedNet
    history: History


THREADS_ENV = "NODEWISE_THREADS"


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads: n, else $NODEWISE_THREADS, else the cores this process may use.

    Set NODEWISE_THREADS=1 when several runs share the cores (the test suite does): oversubscribed OpenMP
    threads make small networks tens of times slower.
    """
    if n is None:
        n = int(os.environ.get(THREADS_ENV, 0)) or len(os.sched_getaffinity(0))
    torch.set_num_threads(n)
    return n


def resolve_device(name: str) -> torch.device:
    """'auto' → CUDA when available, else CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def log_steps(total: int, count: int) -> tuple[int, ...]:
    """Up to `count` unique, increasing, roughly log-spaced steps in [0, total], always with 0 and total."""
    _check_count("total", total, 1)
    _check_count("count", count, 2)
    spaced = np.geomspace(1, total, count - 1) if count > 2 else np.array([total])
    return (0, *(int(s) for s in np.unique(np.rint(spaced))))


def epoch_permutations(generators: Sequence[torch.Generator], n: int) -> torch.Tensor:
    """One random order of the n training samples per member, each from its own generator: (K, N)."""
    return torch.stack([torch.randperm(n, generator=gen) for gen in generators])


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-member mean over the batch of -log softmax(z)_y: (K, B, C), (K, B) → (K,)."""
    k, b, c = logits.shape
    return F.cross_entropy(logits.reshape(k * b, c), y.reshape(k * b), reduction="none").view(k, b).mean(1)


def mean_squared_error(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-member mean over batch and outputs of (z - onehot(y))², as nn.MSELoss(reduction='mean'): (K,)."""
    onehot = F.one_hot(y, logits.shape[-1]).to(logits.dtype)  # (K, B, C)
    return (logits - onehot).pow(2).mean(dim=(1, 2))


def binary_cross_entropy(logits: torch.Tensor, y: torch.Tensor, eps: float = KERAS_EPSILON) -> torch.Tensor:
    """Per-member mean over batch and outputs of −[y ln h + (1 − y) ln(1 − h)], h = softmax(z) clipped to
    [ε, 1 − ε], y one-hot (Chen 2017 eq. 3.5; Keras's binary_crossentropy on a softmax layer): (K,)."""
    p = torch.softmax(logits, dim=-1).clamp(eps, 1.0 - eps)  # (K, B, C)
    onehot = F.one_hot(y, logits.shape[-1]).to(logits.dtype)  # (K, B, C)
    return -(onehot * torch.log(p) + (1.0 - onehot) * torch.log1p(-p)).mean(dim=(1, 2))


LOSS_FUNCTIONS = {"ce": cross_entropy, "mse": mean_squared_error, "bce": binary_cross_entropy}


class MemberLoss:
    """Each member's own loss (one of LOSSES) of its logits: (K, B, C), (K, B) → (K,)."""

    def __init__(self, loss: str | Sequence[str], k: int, device: torch.device):
        kinds = (loss,) * k if isinstance(loss, str) else tuple(loss)
        if len(kinds) != k:
            raise ValueError(f"loss: expected one loss or {k} per-member losses, got {len(kinds)}")
        for kind in kinds:
            _check_loss("loss", kind)
        self.kinds = kinds
        self.used = tuple(dict.fromkeys(kinds))  # the distinct kinds, in order of first use
        self.member_kind = torch.tensor([self.used.index(kind) for kind in kinds], device=device)  # (K,)

    def __call__(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-member losses (K,); with mixed kinds each used kind is computed and each member picks its own."""
        if len(self.used) == 1:
            return LOSS_FUNCTIONS[self.used[0]](logits, y)
        every = torch.stack([LOSS_FUNCTIONS[kind](logits, y) for kind in self.used])  # (kinds, K)
        return every.gather(0, self.member_kind[None]).squeeze(0)


def error_count(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-member number of misclassified samples, a tie among the largest logits counted as wrong: (K,)."""
    return (~strictly_correct(logits, y)).sum(dim=1)


@torch.no_grad()
def evaluate(net: StackedNet, x: torch.Tensor, y: torch.Tensor, loss: str | Sequence[str] | MemberLoss,
             batch_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member mean loss and error rate on (x, y), y (N,) or (K, N), both (K,), in chunks of batch_size samples."""
    criterion = loss if isinstance(loss, MemberLoss) else MemberLoss(loss, net.k, x.device)
    batch_size = batch_size or max(256, 2**15 // net.k)
    total = torch.zeros(net.k, device=x.device)
    errors = torch.zeros(net.k, device=x.device)
    for start in range(0, len(x), batch_size):
        logits = net(x[start:start + batch_size])  # (K, b, C)
        yb = y[..., start:start + batch_size].expand(net.k, -1)  # (K, b) from y (N,) or per member (K, N)
        total += criterion(logits, yb) * yb.shape[1]
        errors += error_count(logits, yb)
    return total / len(x), errors / len(x)


def member_tensor(value: float | Sequence[float], k: int, name: str, device: torch.device) -> torch.Tensor:
    """A scalar or K per-member values as a (K, 1, 1) float tensor."""
    values = [float(value)] * k if isinstance(value, (int, float)) else [float(v) for v in value]
    if len(values) != k:
        raise ValueError(f"{name}: expected one value or {k} per-member values, got {len(values)}")
    return torch.tensor(values, device=device).view(k, 1, 1)


class SGD:
    """Plain SGD, θ ← θ - η_k g, with a per-member rate η (K, 1, 1); stopped members have η = 0."""

    def __init__(self, params: list[torch.Tensor], lr: torch.Tensor):
        self.lr = lr
        self.rate = lr.clone()  # (K, 1, 1) lr of the active members, 0 for stopped ones

    def set_active(self, active: torch.Tensor) -> None:
        """Freeze the members where active (K,) is False."""
        self.rate = self.lr * active.view(-1, 1, 1)

    def state(self) -> dict:
        """Nothing beyond the rates, which set_active restores."""
        return {}

    def resume(self, state: dict) -> None:
        """Plain SGD keeps no moments."""

    @torch.no_grad()
    def step(self, params: list[torch.Tensor], grads: Sequence[torch.Tensor]) -> None:
        """One update of every parameter (K, a, b)."""
        for param, grad in zip(params, grads):
            param.addcmul_(grad, self.rate, value=-1.0)


class Adam:
    """Adam as torch.optim.Adam (Kingma & Ba 2015, Alg. 1 with bias correction), per member.

    m ← β1 m + (1-β1) g; v ← β2 v + (1-β2) g²; θ ← θ - η_k/(1-β1^t) · m / (sqrt(v/(1-β2^t)) + ε), computed by
    torch's fused Adam kernel (one pass over θ, g, m, v): over the whole stacks while every member is active with
    one η, else per active member on its slices. Stopped members keep θ, m and v. No member resumes, so all
    active members have taken the same t steps and share one step count.
    """

    def __init__(self, params: list[torch.Tensor], lr: torch.Tensor, betas: tuple[float, float], eps: float):
        self.lrs = lr.flatten().tolist()
        self.options = dict(beta1=betas[0], beta2=betas[1], weight_decay=0.0, eps=eps, amsgrad=False,
                            maximize=False)
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]
        self.t = torch.zeros((), device=lr.device)
        self.set_active(torch.ones(len(self.lrs), dtype=torch.bool))

    def set_active(self, active: torch.Tensor) -> None:
        """Freeze the members where active (K,) is False: no moment update, no move."""
        self.members = [k for k, on in enumerate(active.tolist()) if on]
        self.whole = len(self.members) == len(self.lrs) and len(set(self.lrs)) == 1

    def state(self) -> dict:
        """The moments and the step count (lib.checkpoint)."""
        return {"m": [t.cpu() for t in self.m], "v": [t.cpu() for t in self.v], "t": self.t.cpu()}

    @torch.no_grad()
    def resume(self, state: dict) -> None:
        """Continue from saved moments and step count."""
        for mine, saved in zip([*self.m, *self.v, self.t], [*state["m"], *state["v"], state["t"]]):
            mine.copy_(saved)

    @torch.no_grad()
    def step(self, params: list[torch.Tensor], grads: Sequence[torch.Tensor]) -> None:
        """One update of every parameter (K, a, b) of the active members."""
        self.t += 1
        grads = [grad.contiguous() for grad in grads]  # the fused kernel reads memory in order
        if self.whole:
            self.fused(params, grads, self.m, self.v, self.lrs[0])
            return
        for k in self.members:
            self.fused(*([t[k] for t in tensors] for tensors in (params, grads, self.m, self.v)), self.lrs[k])

    def fused(self, params: list, grads: list, m: list, v: list, lr: float) -> None:
        """One Adam update of contiguous tensors, with torch.optim.Adam(fused=True)'s kernel."""
        torch._fused_adam_(params, grads, m, v, [], [self.t] * len(params), lr=lr, **self.options)


def make_optimizer(cfg: TrainConfig, params: list[torch.Tensor], k: int, device: torch.device):
    """The configured optimizer over stacked parameters, with per-member learning rates."""
    lr = member_tensor(cfg.lr, k, "lr", device)
    if cfg.optimizer == "sgd":
        return SGD(params, lr)
    return Adam(params, lr, cfg.betas, cfg.eps)


class EarlyStopping:
    """Per-member best validation loss and weights, patience counters and stop flags."""

    def __init__(self, params: list[torch.Tensor], patience: int | None):
        k, device = params[0].shape[0], params[0].device
        self.patience = patience
        self.best = [p.detach().clone() for p in params]
        self.best_loss = torch.full((k,), math.inf, device=device)
        self.wait = torch.zeros(k, dtype=torch.long, device=device)
        self.active = torch.ones(k, dtype=torch.bool, device=device)
        self.best_epoch = torch.zeros(k, dtype=torch.long, device=device)
        self.stopped_epoch = torch.zeros(k, dtype=torch.long, device=device)

    @torch.no_grad()
    def update(self, params: list[torch.Tensor], val_loss: torch.Tensor, epoch: int) -> None:
        """Keep the weights of members that improved; stop those without improvement for `patience` evals."""
        improved = (val_loss < self.best_loss) & self.active  # (K,)
        self.best_loss = torch.where(improved, val_loss, self.best_loss)
        self.best_epoch = torch.where(improved, epoch, self.best_epoch)
        for best, param in zip(self.best, params):
            best.copy_(torch.where(improved.view(-1, 1, 1), param, best))
        self.wait = torch.where(improved, 0, self.wait + self.active.long())
        if self.patience is not None:
            stop = self.active & (self.wait >= self.patience)
            self.stopped_epoch = torch.where(stop, epoch, self.stopped_epoch)
            self.active = self.active & ~stop

    FIELDS = ("best_loss", "wait", "active", "best_epoch", "stopped_epoch")

    def state(self) -> dict:
        """Best weights, losses, counters and flags (lib.checkpoint)."""
        return {"best": [t.cpu() for t in self.best], **{name: getattr(self, name).cpu() for name in self.FIELDS}}

    @torch.no_grad()
    def resume(self, state: dict) -> None:
        """Continue from a saved state."""
        for mine, saved in zip(self.best, state["best"]):
            mine.copy_(saved)
        for name in self.FIELDS:
            setattr(self, name, state[name].to(getattr(self, name).device))

    @torch.no_grad()
    def restore(self, params: list[torch.Tensor]) -> None:
        """Put every member's best weights back; a member whose validation loss was never finite (diverged from
        the start) gets its initial weights, with best_epoch 0."""
        for best, param in zip(self.best, params):
            param.copy_(best)


def callback_table(callbacks: Iterable[tuple[Iterable[int], Callback]] | None) -> dict[int, list[Callback]]:
    """{step: [fn, ...]} from a list of (steps, fn)."""
    table: dict[int, list[Callback]] = {}
    for steps, fn in callbacks or ():
        for step in steps:
            table.setdefault(int(step), []).append(fn)
    return table


def run_callbacks(table: dict[int, list[Callback]], step: int, net: StackedNet) -> None:
    """Call every fn(step, net) registered for this step, without gradients."""
    if step not in table:
        return
    with torch.no_grad():
        for fn in table[step]:
            fn(step, net)


def gather_batch(x: torch.Tensor, y: torch.Tensor, index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each member's batch from its own sample indices (K, B): x (K, B, d), y (K, B) from y (N,) or (K, N)."""
    flat = index.reshape(-1)  # index_select: several times faster than x[index] on the CPU
    batch_y = y.gather(1, index) if y.dim() == 2 else y.index_select(0, flat).view(index.shape)
    return x.index_select(0, flat).view(*index.shape, -1), batch_y


def train_step(net: StackedNet, params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor,
               criterion: MemberLoss, optimizer) -> torch.Tensor:
    """One step on batches x (K, B, d), y (K, B): summed member losses, backward, update; losses (K,)."""
    losses = criterion(net(x), y)  # (K,)
    grads = torch.autograd.grad(losses.sum(), params)
    optimizer.step(params, grads)
    return losses.detach()


def capture(fn: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
    """fn's kernels captured in a CUDA graph (torch.cuda.CUDAGraph, not run now); replay() runs them again and
    returns fn's output tensor, which every replay overwrites."""
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        out = fn()

    def replay() -> torch.Tensor:
        graph.replay()
        return out
    return replay


@contextlib.contextmanager
def side_stream():
    """Run the enclosed eager work on a side CUDA stream, ordered after and before the current one: the warm-up
    PyTorch's CUDA-graph notes ask for before a capture."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        yield
    torch.cuda.current_stream().wait_stream(stream)


class GraphedStep:
    """The training step (gather, forward, backward, update) of full batches replayed from a CUDA graph.

    "Whole network capture" of PyTorch's CUDA-graph notes: each batch's sample indices are copied into a static
    (K, B) buffer and one graph launch replaces the step's many kernel launches; the arithmetic is the eager
    step's. Before each capture WARMUP steps run eagerly on a side stream; a partial batch (the last of an epoch
    when B does not divide N) runs eagerly; invalidate() (the active members changed, and with them the
    optimizer's kernels or rates) makes the next full batch warm up and capture again.
    """

    WARMUP = 3

    def __init__(self, step: Callable[[torch.Tensor], torch.Tensor], shape: tuple[int, int], device: torch.device):
        self.step = step
        self.index = torch.zeros(shape, dtype=torch.long, device=device)  # the static batch of sample indices
        self.replay: Callable[[], torch.Tensor] | None = None
        self.warm = 0

    def invalidate(self) -> None:
        """Warm up and capture again before the next full batch."""
        self.replay, self.warm = None, 0

    def __call__(self, index: torch.Tensor) -> torch.Tensor:
        """The members' losses (K,) of one step on sample indices (K, B); valid until the next call."""
        if index.shape != self.index.shape:
            return self.step(index)
        if self.replay is None and self.warm < self.WARMUP:
            self.warm += 1
            with side_stream():
                return self.step(index)
        self.index.copy_(index)
        if self.replay is None:
            self.replay = capture(lambda: self.step(self.index))
        return self.replay()


class _Loop:
    """The mutable state of one train() call."""

    def __init__(self, net: StackedNet, data: TrainData, cfg: TrainConfig, callbacks):
        self.net, self.data, self.cfg = net, data, cfg
        self.params = list(net.parameters())
        device = data.x_train.device
        self.criterion = MemberLoss(cfg.loss, net.k, device)
        self.optimizer = make_optimizer(cfg, self.params, net.k, device)
        self.stopping = EarlyStopping(self.params, cfg.patience)
        self.generators = [generator(s) for s in member_seeds(cfg.seed, net.k)]
        self.callbacks = callback_table(callbacks)
        shape = (net.k, min(cfg.batch_size, len(data.x_train)))
        self.graphed = GraphedStep(self.eager_step, shape, device) if cfg.cuda_graph else None
        self.step, self.epoch = 0, 0
        self.train_loss: list[torch.Tensor] = []
        self.evals: list[tuple[int, int, torch.Tensor, torch.Tensor]] = []
        self.lowest = torch.tensor(math.inf, device=device)  # the lowest validation loss so far, of any member

    def eager_step(self, index: torch.Tensor) -> torch.Tensor:
        """One step on each member's batch of sample indices (K, B): losses (K,)."""
        x, y = gather_batch(self.data.x_train, self.data.y_train, index)
        return train_step(self.net, self.params, x, y, self.criterion, self.optimizer)

    def out_of_steps(self) -> bool:
        """Whether max_steps has been reached."""
        return self.cfg.max_steps is not None and self.step >= self.cfg.max_steps

    def run_epoch(self) -> None:
        """One pass over each member's own permutation of the training set (or up to max_steps)."""
        self.epoch += 1
        x, size = self.data.x_train, self.cfg.batch_size
        order = epoch_permutations(self.generators, len(x)).to(x.device)  # (K, N)
        total, seen = torch.zeros(self.net.k, device=x.device), 0
        for start in range(0, len(x), size):
            index = order[:, start:start + size]  # (K, B)
            losses = self.eager_step(index) if self.graphed is None else self.graphed(index)
            total += losses * index.shape[1]
            seen += index.shape[1]
            self.step += 1
            run_callbacks(self.callbacks, self.step, self.net)
            if self.out_of_steps():
                break
        self.train_loss.append(total / seen)

    def due_for_evaluation(self) -> bool:
        """After every eval_every-th epoch, and after the last step."""
        every = self.cfg.eval_every
        last = self.out_of_steps() or self.epoch == self.cfg.max_epochs
        return every is not None and (self.epoch % every == 0 or last)

    def evaluate(self) -> None:
        """Validation loss and error of every member; update the best weights and the stop flags."""
        val_loss, val_error = evaluate(self.net, self.data.x_val, self.data.y_val, self.criterion)
        self.evals.append((self.step, self.epoch, val_loss, val_error))
        self.lowest = torch.fmin(self.lowest, val_loss.nan_to_num(nan=math.inf).min())
        active = self.stopping.active
        self.stopping.update(self.params, val_loss, self.epoch)
        self.optimizer.set_active(self.stopping.active)
        if self.graphed is not None and not torch.equal(active, self.stopping.active):
            self.graphed.invalidate()

    def best_val_loss(self) -> float | None:
        """The lowest validation loss of any member so far (None before the first evaluation); one value kept as
        the evaluations come, so an epoch reads one number, not every evaluation since the start."""
        return float(self.lowest) if self.evals else None

    def finished(self) -> bool:
        """All members stopped, max_epochs or max_steps reached."""
        return (self.epoch >= self.cfg.max_epochs or self.out_of_steps()
                or not bool(self.stopping.active.any()))

    def state(self) -> dict:
        """Everything needed to continue this call exactly where it is (lib.checkpoint)."""
        return {"params": [p.detach().cpu() for p in self.params], "optimizer": self.optimizer.state(),
                "stopping": self.stopping.state(), "generators": [g.get_state() for g in self.generators],
                "step": self.step, "epoch": self.epoch, "train_loss": [t.cpu() for t in self.train_loss],
                "evals": [[step, epoch, loss.cpu(), error.cpu()] for step, epoch, loss, error in self.evals]}

    @torch.no_grad()
    def resume(self, state: dict) -> None:
        """Continue from a saved state: weights, optimizer, stopping, generators, counters and history."""
        device = self.params[0].device
        for param, saved in zip(self.params, state["params"]):
            param.copy_(saved)
        self.optimizer.resume(state["optimizer"])
        self.stopping.resume(state["stopping"])
        self.optimizer.set_active(self.stopping.active)
        for generator_, saved in zip(self.generators, state["generators"]):
            generator_.set_state(saved)
        self.step, self.epoch = int(state["step"]), int(state["epoch"])
        self.train_loss = [t.to(device) for t in state["train_loss"]]
        self.evals = [(int(step), int(epoch), loss.to(device), error.to(device))
                      for step, epoch, loss, error in state["evals"]]
        for _, _, loss, _ in self.evals:
            self.lowest = torch.fmin(self.lowest, loss.nan_to_num(nan=math.inf).min())

    def history(self) -> History:
        """The record of this run, on the CPU."""
        steps, epochs, val_loss, val_error = zip(*self.evals) if self.evals else ((), (), (), ())
        return History(torch.stack(self.train_loss).cpu(), _rows(val_loss, self.net.k), _rows(val_error, self.net.k),
                       torch.tensor(steps, dtype=torch.long), torch.tensor(epochs, dtype=torch.long),
                       self.stopping.best_epoch.cpu(), self.stopping.stopped_epoch.cpu(), self.step, self.epoch)


def _rows(rows: Sequence[torch.Tensor], k: int) -> torch.Tensor:
    """Per-evaluation rows (K,) stacked on the CPU: (V, K), V possibly 0."""
    return torch.stack(rows).cpu() if rows else torch.empty(0, k)


def _start(net: StackedNet, data: TrainData, cfg: TrainConfig, callbacks,
           target: checkpoint.Target | None) -> tuple[_Loop, bool]:
    """The call's loop and whether it resumed: from its checkpoint when that verifies, resumes and holds finite
    weights of the right shapes; otherwise (the checkpoint deleted with a warning) from the start."""
    loop = _Loop(net, data, cfg, callbacks)
    saved = checkpoint.load(target) if target else None
    if saved is None:
        return loop, False
    initial = [p.detach().clone() for p in loop.params]
    try:
        shapes = [tuple(t.shape) for t in saved["params"]]
        if shapes != [tuple(p.shape) for p in loop.params]:
            raise ValueError(f"saved weight shapes {shapes} differ from the network's")
        loop.resume(saved)
        checkpoint.check_finite([*loop.params, *loop.stopping.best])
    except Exception as error:  # a checkpoint that cannot be resumed is never half used: the call starts afresh
        checkpoint.reject(target, error)
        with torch.no_grad():
            for param, value in zip(loop.params, initial):
                param.copy_(value)
        return _Loop(net, data, cfg, callbacks), False
    return loop, True


def train(net: StackedNet, data: TrainData, cfg: TrainConfig,
          callbacks: Iterable[tuple[Iterable[int], Callback]] | None = None) -> TrainResult:
    """Train the K members of `net` in place; callbacks = [(steps, fn(step, net)), ...], step 0 = before."""
    if data.y_train.dim() == 2 and len(data.y_train) != net.k:
        raise ValueError(f"y_train: expected one label vector or {net.k} per-member ones, got {len(data.y_train)}")
    device = resolve_device(cfg.device)
    if cfg.cuda_graph:
        _check_graph_device(device)
    net.to(device)
    fingerprint = f"{net.arch} {cfg.as_dict()} {tuple(data.x_train.shape)} {tuple(data.y_train.shape)}"
    target = None if callbacks else checkpoint.next_call(fingerprint)  # callbacks hold state it cannot keep
    loop, resumed = _start(net, data.to(device), cfg, callbacks, target)
    bar = training_bar(net.k, cfg.max_epochs)
    if not resumed:
        run_callbacks(loop.callbacks, 0, net)
    elif bar is not None:
        bar.update(loop.epoch)
    while not loop.finished():
        loop.run_epoch()
        if loop.due_for_evaluation():
            loop.evaluate()
        if target and target.due():
            checkpoint.save(target, loop.state())
        training_update(bar, loop.best_val_loss(), int(loop.stopping.active.sum()))
    training_done(bar)
    if target:
        checkpoint.save(target, loop.state())  # a finished call: a resumed run returns from it at once
    if cfg.restore_best and cfg.eval_every is not None:
        loop.stopping.restore(loop.params)
    return TrainResult(net, loop.history())
