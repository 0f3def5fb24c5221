"""What the chapter measures on its networks: the optimiser × learning-rate grid, layer classifiers against the
network with their standard errors, layer perplexity relative to its bound, label-corruption curves and the
quarantine dispersion index (Davel, Theunissen, Pretorius & Barnard, AAAI 2020 slides)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from lib import probes
from lib.scoring import strictly_correct
from lib.studies.cooperating_classifiers import node_classifiers as nc
from lib.studies.cooperating_classifiers import runs as cr
from lib.uncertainty import Measurement, over_repeats, with_sampling

FOCUS = (6, 100)  # the slides' 6x100 network
N_CLASSES = 10


# ---------------------------------------------------------------- training: optimiser × learning-rate grid


@dataclass(frozen=True)
class GridRun:
    """The chosen (optimiser, rate) of one architecture's grid: its stack, spec and members (one per seed)."""

    run: cr.Run
    spec: cr.RunSpec
    members: tuple[int, ...]
    optimizer: str
    lr: float
    val_loss: dict[tuple[str, float], float]  # mean best validation loss of every grid point
    converged: bool  # every chosen member stopped early (patience ran out before the epoch cap)
    best_epochs: tuple[int, ...]  # of the chosen members

    def initialised(self):
        """The chosen members' networks before training (the untrained control)."""
        return cr.build(self.spec)


def grid_rates(cfg, optimizer: str) -> tuple[float, ...]:
    """The learning-rate grid of an optimiser."""
    return tuple(cfg.adam_lrs if optimizer == "adam" else cfg.sgd_lrs)


def grid_specs(depth: int, cfg, *, activation: str = "relu", optimizers: Sequence[str] | None = None,
               lrs: Sequence[float] | None = None, snapshot_steps: tuple[int, ...] = ()
               ) -> list[tuple[str, tuple[float, ...], cr.RunSpec]]:
    """The engine calls of a depth×100 grid, one per optimiser: (optimiser, its rates, the stack of every rate ×
    `n_seeds` seeds)."""
    specs = []
    for optimizer in optimizers or cfg.optimizers:
        rates = tuple(lrs or grid_rates(cfg, optimizer))
        lr, seeds = cr.grid_members(rates, cfg.n_seeds, cfg.seed)
        specs.append((optimizer, rates, cr.RunSpec(
            depth, FOCUS[1], len(seeds), seeds, cfg.n_train, activation=activation, optimizer=optimizer, lr=lr,
            max_epochs=cfg.max_epochs if activation == "relu" else cfg.sigmoid_epochs, patience=cfg.patience,
            snapshot_steps=snapshot_steps)))
    return specs


def train_grid(task: cr.Task, depth: int, cfg, **grid) -> GridRun:
    """Train depth×100 networks on `task` for every optimiser and rate × `n_seeds` seeds (grid_specs: one engine
    call per optimiser) and keep the grid point with the lowest mean best validation loss (slides: "lr grid
    search")."""
    best, scores = None, {}
    for optimizer, rates, spec in grid_specs(depth, cfg, **grid):
        run = cr.trained(spec, task)
        val = torch.nan_to_num(run.history.val_loss, nan=torch.inf).min(0).values.view(len(rates), -1).mean(1)
        for i, rate in enumerate(rates):
            scores[(optimizer, float(rate))] = float(val[i])
            if best is None or float(val[i]) < best[0]:
                best = (float(val[i]), run, spec, optimizer, float(rate), i)
    _, run, spec, optimizer, rate, i = best
    members = tuple(range(i * cfg.n_seeds, (i + 1) * cfg.n_seeds))
    converged = bool(run.history.converged[list(members)].all())
    return GridRun(run, spec, members, optimizer, rate, scores, converged,
                   tuple(int(run.history.best_epoch[m]) for m in members))


@torch.no_grad()
def test_accuracy(net, members: Sequence[int], task: cr.Task) -> Tensor:
    """Test accuracy of the chosen members (ties wrong): (S,)."""
    return cr.accuracy(net, task.x_test, task.y_test)[list(members)]


# ---------------------------------------------------------------- node and layer classifiers


def on_threshold(activation: str, values: str, sigmoid_threshold: float) -> float:
    """The value above which a node is on: z > 0 for ReLU; σ(z) > t, i.e. z > logit(t), for a sigmoid."""
    if activation == "relu":
        return 0.0
    return math.log(sigmoid_threshold / (1 - sigmoid_threshold)) if values == "pre" else sigmoid_threshold


@dataclass(frozen=True)
class LayerEval:
    """Per-image correctness of the network and of each kind's layer classifier, for every chosen member, on the
    test images; and of each layer classifier on validation images, where the best layer and kind are chosen."""

    network: Tensor  # (S, N) bool, test images
    layers: dict[str, Tensor]  # kind -> (S, L, N) bool, test images
    val_layers: dict[str, Tensor] = field(default_factory=dict)  # kind -> (S, L, M) bool, validation images

    def accuracy(self, kind: str) -> np.ndarray:
        """Layer accuracy per layer, mean over members: (L,)."""
        return self.layers[kind].double().mean(dim=(0, 2)).numpy()

    def network_accuracy(self) -> float:
        return float(self.network.double().mean())


def layer_correct(fit: Tensor, y_fit: Tensor, ev: Tensor, y_eval: Tensor, kind: str, threshold: float,
                  grid_size: int) -> Tensor:
    """Per evaluated image, whether one layer's naive-Bayes classifier strictly picks its class: (N,) bool."""
    loglik = nc.node_log_likelihoods(fit, y_fit, ev, N_CLASSES, kind, threshold, grid_size)
    return strictly_correct(nc.layer_log_posterior(loglik, nc.log_prior(y_fit, N_CLASSES)), y_eval)


@torch.no_grad()
def evaluate_layers(net, members: Sequence[int], task: cr.Task, cfg, *, activation: str = "relu",
                    values: str | None = None, kinds: Sequence[str] = nc.KINDS) -> LayerEval:
    """Fit every layer's node classifiers on the first `n_fit` training images and score them, and the network,
    on the first `n_eval` test images, and the layer classifiers also on the first `n_eval` validation images (at
    most the 5,000 there), where the best layer and kind are chosen (slides, "Nodes as classifiers")."""
    values = values or cfg.continuous_values
    threshold = on_threshold(activation, values, cfg.sigmoid_threshold)
    x_fit, y_fit = task.x_train[: cfg.n_fit], task.y_train[: cfg.n_fit]
    x_eval, y_eval = task.x_test[: cfg.n_eval], task.y_test[: cfg.n_eval]
    x_val, y_val = task.x_val[: cfg.n_eval], task.y_val[: cfg.n_eval]
    fit_layers = cr.hidden_values(net, x_fit, values)
    logits = net(x_eval)[list(members)]  # (S, N, C)
    network = strictly_correct(logits, y_eval[None, :])

    def score(x: Tensor, y: Tensor) -> dict[str, Tensor]:
        scored = cr.hidden_values(net, x, values)
        return {kind: torch.stack([torch.stack([layer_correct(f[m], y_fit, e[m], y, kind, threshold, cfg.grid_size)
                                                for f, e in zip(fit_layers, scored)]) for m in members])
                for kind in kinds}

    return LayerEval(network, score(x_eval, y_eval), score(x_val, y_val))


def chosen_layers(ev: LayerEval, kinds: Sequence[str] | None = None) -> list[tuple[str, int]]:
    """Per member, the (kind, layer) whose classifier is most accurate on the validation images (the first of
    `kinds`, then the shallowest layer, on ties): chosen there, scored on the test images."""
    kinds = list(kinds or ev.val_layers)
    acc = torch.stack([ev.val_layers[k].double().mean(-1) for k in kinds])  # (kinds, S, L)
    chosen = []
    for s in range(acc.shape[1]):
        flat = int(acc[:, s].reshape(-1).argmax())
        chosen.append((kinds[flat // acc.shape[2]], flat % acc.shape[2]))
    return chosen


def paired_shortfall(network: Tensor, layers: Tensor) -> Measurement:
    """How far a layer classifier falls short of the network on the same test images: network (S, N) and the
    chosen layer's correctness (S, N), bool. Per member d_s = acc(network) − acc(layer); one network's spread is
    the spread of d_s over members (network seeds) plus the paired test-sampling variance var_i(net_i −
    layer_i)/N, averaged over members."""
    diff = network.double() - layers.double()  # (S, N)
    d = diff.mean(-1)
    sampling = float((diff.var(-1, unbiased=True) / diff.shape[-1]).mean()) if diff.shape[-1] > 1 else 0.0
    seeds = over_repeats(d.tolist(), sources=f"{diff.shape[0]} network seed{'s' * (diff.shape[0] > 1)}")
    return with_sampling(seeds, sampling, f"paired test sampling ({diff.shape[-1]:,} images)")


def shortfall(ev: LayerEval, kinds: Sequence[str] | None = None, against: LayerEval | None = None) -> Measurement:
    """The network's test accuracy minus that of the layer classifier chosen on validation images (chosen_layers,
    among `kinds`); with `against`, the chosen layer is `against`'s (e.g. the untrained network's)."""
    source = against or ev
    chosen = chosen_layers(source, kinds)
    picked = torch.stack([source.layers[kind][s, layer] for s, (kind, layer) in enumerate(chosen)])  # (S, N)
    return paired_shortfall(ev.network, picked)


def chosen_accuracy(ev: LayerEval, kinds: Sequence[str] | None = None) -> float:
    """Test accuracy of the layer classifier chosen on validation images (chosen_layers), mean over members."""
    return float(np.mean([float(ev.layers[kind][s, layer].double().mean())
                          for s, (kind, layer) in enumerate(chosen_layers(ev, kinds))]))


def shortfall_words(m: Measurement) -> str:
    """'x ± sd points' of a shortfall (sd of one network, every source)."""
    return f"{100 * m.mean:.2f} ± {100 * m.sd:.2f} points"


# ---------------------------------------------------------------- layer perplexity


@torch.no_grad()
def perplexity_ratio(net, members: Sequence[int], task: cr.Task, n_eval: int, threshold: float = 0.0) -> np.ndarray:
    """P(c, l) / N_c per hidden layer (slides' layer perplexity over its bound, the class size), mean over classes
    and members, on the first n_eval test images: (L,). 1 = every image of a class has its own pattern."""
    x, y = task.x_test[:n_eval], task.y_test[:n_eval]
    sizes = probes.class_sizes(y, N_CLASSES).double()  # (C,)
    return np.array([float((probes.class_layer_perplexity(z[list(members)] - threshold, y, N_CLASSES) / sizes)
                           .nanmean()) for z in cr.hidden_values(net, x, "pre")])


# ---------------------------------------------------------------- label corruption


def plateaued(train_loss: Tensor, window: int = 10, rel: float = 0.1, floor: float = 1e-3) -> Tensor:
    """(K,) bool: a network trained without early stopping has settled: its training loss is below `floor`, or
    changed by at most `rel` of its value over the last `window` epochs. train_loss (E, K)."""
    e = train_loss.shape[0]
    if e <= window:
        return train_loss[-1] < floor
    last, before = train_loss[-1], train_loss[-1 - window]
    return (last < floor) | ((before - last).abs() <= rel * before)


@dataclass(frozen=True)
class Corruption:
    """Label-corruption runs of one way of corrupting: train (own labels) and test accuracy per fraction × seed."""

    mode: str
    fractions: tuple[float, ...]
    run: cr.Run
    spec: cr.RunSpec
    train: np.ndarray  # (F, S)
    test: np.ndarray  # (F, S)
    settled: bool
    n_test: int = 10000  # test images behind `test`


def corruption_fractions(cfg) -> tuple[float, ...]:
    """The corrupted fractions, each once, in increasing order."""
    return tuple(sorted({float(f) for f in cfg.fractions}))


def corruption_spec(cfg, mode: str) -> cr.RunSpec:
    """The 6x100 network on `n_corrupt` images at every fraction × seed (one engine call), no early stopping."""
    fractions, seeds = cr.grid_members(corruption_fractions(cfg), cfg.n_seeds, cfg.seed)
    return cr.RunSpec(*FOCUS, len(seeds), seeds, cfg.n_corrupt, optimizer="adam", lr=1e-3,
                      max_epochs=cfg.corrupt_epochs, patience=None, restore_best=False, corruption=fractions,
                      corruption_mode=mode)


def corruption_runs(task: cr.Task, cfg, mode: str) -> Corruption:
    """The label-corruption stack of corruption_spec, trained or from the cache, scored on its own labels."""
    fs, spec = corruption_fractions(cfg), corruption_spec(cfg, mode)
    run = cr.trained(spec, task)
    train = cr.accuracy(run.net, task.x_train, run.y_train).view(len(fs), -1).numpy()
    test = cr.accuracy(run.net, task.x_test, task.y_test).view(len(fs), -1).numpy()
    return Corruption(mode, fs, run, spec, train, test, bool(plateaued(run.history.train_loss).all()),
                      len(task.y_test))


@torch.no_grad()
def dispersion(c: Corruption, task: cr.Task, fraction: float, n_seeds: int, trained: bool = True) -> dict:
    """Per hidden layer, the dispersion index of 'node on' against 'label corrupted' over all training images and
    within each true class (mean over seeds); 1 = sample sets that ignore the corruption ('Quarantine paths')."""
    net = c.run.net if trained else cr.build(c.spec)
    i = c.fractions.index(fraction)
    members = range(i * n_seeds, (i + 1) * n_seeds)
    hidden = cr.hidden_values(net, task.x_train, "pre")
    n = task.x_train.shape[0]
    overall = [np.mean([float(nc.dispersion_index(nc.on_corrupted_phi(z[m], c.run.corrupted[m]), n))
                        for m in members]) for z in hidden]
    within = [np.mean([float(nc.class_dispersion_index(z[m], task.y_train, c.run.corrupted[m], N_CLASSES))
                       for m in members]) for z in hidden]
    return {"all images": np.array(overall), "within class": np.array(within)}


# ---------------------------------------------------------------- during training


def snapshot_accuracies(grid: GridRun, task: cr.Task, cfg, kind: str = "combined") -> dict[int, dict]:
    """At every snapshot step, for every chosen member: the layer accuracies (`kind`, mean over members), the
    per-image correctness of each member's layers on the test images (S, L, N) and the network's own accuracy
    (mean over members)."""
    out = {}
    for step, state in sorted(grid.run.snapshots.items()):
        ev = evaluate_layers(cr.at_snapshot(grid.spec, state), grid.members, task, cfg, kinds=(kind,))
        out[step] = {"layers": ev.accuracy(kind), "network": ev.network_accuracy(), "correct": ev.layers[kind]}
    return out


def smallest_rise(timeline: dict[int, dict]) -> tuple[int, Measurement]:
    """(layer, its rise): the layer whose test accuracy rose least, mean over members, from the first snapshot
    (the initialisation) to the last; its rise per member (network seeds) with the paired sampling of the test
    images."""
    steps = sorted(timeline)
    diff = timeline[steps[-1]]["correct"].double() - timeline[steps[0]]["correct"].double()  # (S, L, N)
    layer = int(diff.mean(dim=(0, 2)).argmin())
    per_member = diff[:, layer]  # (S, N)
    sampling = float((per_member.var(-1, unbiased=True) / per_member.shape[-1]).mean()) if per_member.shape[-1] > 1 \
        else 0.0
    seeds = over_repeats(per_member.mean(-1).tolist(),
                         sources=f"{per_member.shape[0]} network seed{'s' * (per_member.shape[0] > 1)}")
    return layer, with_sampling(seeds, sampling, f"paired test sampling ({per_member.shape[-1]:,} images)")
