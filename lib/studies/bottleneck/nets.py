"""Thesis §4.2: bottleneck networks 100-p-60 and 100-25-p-25-60 for several p, trained in one engine call.

Networks with different p are stacked by zero-padding the bottleneck to the widest p: a padded node has zero
weights in and out and zero bias, so its pre-activation is 0, ReLU passes neither activation nor gradient, and
it stays exactly zero; the member computes the 100-p-60 (or 100-25-p-25-60) network it was initialised as.
Each member's live block is drawn by lib.models.bottleneck(1, p, seed=s), so it does not depend on the stack.
"""

import copy
from dataclasses import dataclass

import numpy as np
import torch

from lib import cache, models, probes, train
from lib.data import JumpSplits, as_tensors, step_signals
from lib.jump_errors import FIRST_POSITION
from lib.studies.bottleneck.embedding import least_squares_fit


@dataclass(frozen=True)
class Members:
    """Which (p, seed) each member of a padded stack holds, in stack order."""

    ps: tuple[int, ...]
    seeds: tuple[int, ...]

    @property
    def pairs(self) -> list[tuple[int, int]]:
        """[(p, seed), ...] with p outer and seed inner."""
        return [(p, s) for p in self.ps for s in self.seeds]

    @property
    def k(self) -> int:
        return len(self.ps) * len(self.seeds)


def bottleneck_index(deep: bool) -> int:
    """Position of the bottleneck among the hidden layers: 0 (shallow) or 1 (deep)."""
    return 1 if deep else 0


@torch.no_grad()
def load_block(stacked: models.StackedLinear, member: int, weight: torch.Tensor, bias: torch.Tensor) -> None:
    """Write a narrower layer's weight (fan_in, fan_out) and bias (fan_out,) into `member`, zeros elsewhere."""
    fan_in, fan_out = weight.shape
    stacked.weight[member].zero_()
    stacked.weight[member, :fan_in, :fan_out] = weight
    stacked.bias[member].zero_()
    stacked.bias[member, 0, :fan_out] = bias


def block(layer: models.StackedLinear, member: int, fan_in: int | None = None,
          fan_out: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Member's weight [:fan_in, :fan_out] and bias [:fan_out] of a stacked layer (detached)."""
    return layer.weight[member, :fan_in, :fan_out].detach(), layer.bias[member, 0, :fan_out].detach()


def padded_bottlenecks(members: Members, deep: bool, init: str = "glorot") -> models.StackedNet:
    """One StackedNet holding bottleneck(p, seed) for every (p, seed), the bottleneck padded to max(ps)."""
    net = models.bottleneck(members.k, max(members.ps), deep=deep, init=init, seed=0)
    for m, (p, s) in enumerate(members.pairs):
        small = models.bottleneck(1, p, deep=deep, init=init, seed=s)
        for layer, source in zip(net.layers, small.layers):
            load_block(layer, m, *block(source, 0))
    return net


def cache_config(members: Members, deep: bool, data_id: dict, cfg: train.TrainConfig, init: str) -> dict:
    """Everything the trained weights depend on, as the model-cache key."""
    return {"task": "bottleneck", "deep": deep, "ps": list(members.ps), "seeds": list(members.seeds),
            "padded": True, "init": init, "data": data_id, "train": cfg.as_dict(),
            "device": str(train.resolve_device(cfg.device)), "torch": torch.__version__}


def member_config(members: Members, **settings) -> train.TrainConfig:
    """train_config with each member's batch order seeded by its own network seed."""
    return train.train_config(seed=[s for _, s in members.pairs], **settings)


def fit(net: models.StackedNet, splits: JumpSplits, cfg: train.TrainConfig) -> dict:
    """Train a stack on the training signals with early stopping on the validation signals; a cache payload."""
    data = train.train_data(*as_tensors(splits.train), *as_tensors(splits.val))
    return cache.result_payload(train.train(net, data, cfg))


def train_bottlenecks(members: Members, deep: bool, splits: JumpSplits, data_id: dict, cfg: train.TrainConfig,
                      init: str = "glorot") -> tuple[models.StackedNet, train.History]:
    """All (p, seed) of one depth trained in one engine call, or loaded from the model cache."""
    payload = cache.cached_train(cache_config(members, deep, data_id, cfg, init),
                                 lambda: fit(padded_bottlenecks(members, deep, init), splits, cfg))
    net = models.bottleneck(members.k, max(members.ps), deep=deep, init=init)
    net.load_state_dict(payload["state"])
    return net.eval(), cache.history_of(payload)


NARROW = 4  # p <= NARROW: the narrow bottlenecks, trained in their own engine call with their own cap


def width_groups(members: Members) -> list[Members]:
    """The members split into narrow (p <= 4) and wide (p >= 5) bottlenecks, each trained in one engine call
    with its own epoch cap (a stack runs until its last member stops, so one stack for both would train the
    wide ones to the narrow ones' cap): [narrow, wide], empty groups left out."""
    narrow = tuple(p for p in members.ps if p <= NARROW)
    wide = tuple(p for p in members.ps if p > NARROW)
    return [Members(ps, members.seeds) for ps in (narrow, wide) if ps]


@torch.no_grad()
def merge_stacks(parts: list[models.StackedNet], groups: list[Members], members: Members,
                 deep: bool) -> models.StackedNet:
    """One padded stack holding every member of `members` from the group stacks that trained them."""
    net = models.bottleneck(members.k, max(members.ps), deep=deep)
    for part, group in zip(parts, groups):
        for g, pair in enumerate(group.pairs):
            m = members.pairs.index(pair)
            for layer, source in zip(net.layers, part.layers):
                load_block(layer, m, *block(source, g))
    return net.eval()


def merge_histories(histories: list[train.History], groups: list[Members], members: Members) -> train.History:
    """The groups' histories as one, in the order of `members`; epochs a group did not train are NaN.

    Every group evaluates once per epoch on the same data and batch size, so evaluation v is epoch v + 1 and
    step (v + 1) * steps per epoch in all of them; the longest group's epochs and steps are kept.
    """
    longest = max(histories, key=lambda h: len(h.eval_epoch))
    order = [members.pairs.index(pair) for group in groups for pair in group.pairs]

    def stacked(name: str, rows: int) -> torch.Tensor:
        out = torch.full((rows, members.k), float("nan"))
        columns = torch.cat([torch.nn.functional.pad(getattr(h, name), (0, 0, 0, rows - len(getattr(h, name))),
                                                     value=float("nan")) for h in histories], dim=1)
        out[:, order] = columns
        return out

    def member(name: str) -> torch.Tensor:
        out = torch.zeros(members.k, dtype=torch.long)
        out[order] = torch.cat([getattr(h, name) for h in histories])
        return out

    return train.History(stacked("train_loss", len(longest.train_loss)), stacked("val_loss", len(longest.val_loss)),
                         stacked("val_error", len(longest.val_error)), longest.eval_step, longest.eval_epoch,
                         member("best_epoch"), member("stopped_epoch"), longest.steps, longest.epochs)


@torch.no_grad()
def bottleneck_codes(net: models.StackedNet, x: np.ndarray, deep: bool) -> torch.Tensor:
    """Post-ReLU bottleneck activations of every member: (K, N, max p)."""
    return net.activations(torch.from_numpy(np.asarray(x, dtype=np.float32))).post[bottleneck_index(deep)]


def live_counts(codes: torch.Tensor, members: Members) -> np.ndarray:
    """Live bottleneck nodes (active on at least one sample) among each member's own p nodes: (K,)."""
    live = probes.live_nodes(codes).numpy()  # (K, max p)
    return np.array([live[m, :p].sum() for m, (p, _) in enumerate(members.pairs)])


def active_shares(codes: torch.Tensor, members: Members) -> np.ndarray:
    """Share of samples on which each of a member's own p bottleneck nodes is on (> 0), NaN past p: (K, max p)."""
    share = (codes > 0).double().mean(dim=1).numpy()  # (K, max p)
    for m, (p, _) in enumerate(members.pairs):
        share[m, p:] = np.nan
    return share


def origin_share(codes: torch.Tensor, members: Members) -> np.ndarray:
    """Share of samples whose code is 0 in all of a member's p nodes: they all reach the same output: (K,)."""
    return np.array([float((codes[m, :, :p] <= 0).all(dim=1).double().mean())
                     for m, (p, _) in enumerate(members.pairs)])


def origin_share_at_init(members: Members, deep: bool, x: np.ndarray, init: str = "glorot") -> np.ndarray:
    """Share of signals x at the all-zero bottleneck code of each untrained member (before any SGD step): (K,)."""
    return origin_share(bottleneck_codes(padded_bottlenecks(members, deep, init), x, deep), members)


def on_axis_fraction(codes: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """Per class, the fraction of its samples whose 2-D code has exactly one node off (on an axis): (classes,)."""
    on_axis = (codes == 0).sum(axis=1) == 1  # (N,)
    counts = np.bincount(labels, minlength=classes)
    return np.bincount(labels, weights=on_axis, minlength=classes) / np.maximum(counts, 1)


def class_l1_error(predicted: np.ndarray, true: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """Mean |t̂ - t| over the samples of each class: (classes,)."""
    error = np.abs(predicted.astype(np.float64) - true)
    return np.bincount(labels, weights=error, minlength=classes) / np.maximum(np.bincount(labels, minlength=classes), 1)


def exemplar_codes(net: models.StackedNet, member: int, p: int, deep: bool, theta: float,
                   classes: int = 60, length: int = 100) -> np.ndarray:
    """Thesis §4.3.1: v_k = bottleneck code of the noise-free step u_k (height θ) of each class: (classes, p)."""
    steps = step_signals(np.arange(FIRST_POSITION, FIRST_POSITION + classes), length, theta)  # (classes, n)
    return bottleneck_codes(net, steps, deep)[member, :, :p].double().numpy()


@torch.no_grad()
def set_output_layer(net: models.StackedNet, member: int, weight: np.ndarray, bias: np.ndarray) -> None:
    """Member's bottleneck→output layer from W (classes, p) and b (classes,), padded rows zero (shallow nets)."""
    out = net.layers[-1]
    out.weight[member].zero_()
    out.weight[member, : weight.shape[1]] = torch.from_numpy(weight.T.astype(np.float32))
    out.bias[member, 0] = torch.from_numpy(bias.astype(np.float32))


def least_squares_output(codes: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Thesis eq. 4.1: the affine map sending each exemplar code v_k to e_k in least squares: W, b."""
    solution = least_squares_fit(codes, np.eye(classes))
    return solution.W, solution.b


CONTROLS = ("zero", "glorot")


def initialisation_arms(trained: models.StackedNet, source: Members, chosen: Members, theta: float,
                        init: str = "glorot", redraw_seed: int = 1000, control: str = "glorot") -> models.StackedNet:
    """Shallow nets with a trained first layer and a new output layer: least squares, or the control's.

    For every (p, seed) of `chosen` (taken from the stack `trained` holding `source`), a stack of 2K members:
    first the least-squares arm (eq. 4.1 on the exemplar codes), then the control arm, whose output layer is
    all zero ('zero': uniform output, loss ln 60, the scale least squares starts from) or drawn as
    bottleneck(1, p, seed=redraw_seed + seed) draws it ('glorot').
    """
    if control not in CONTROLS:
        raise ValueError(f"control: expected one of {CONTROLS}, got {control!r}")
    net = padded_bottlenecks(Members(chosen.ps * 2, chosen.seeds), deep=False, init=init)
    classes = net.layers[-1].weight.shape[-1]
    for m, (p, s) in enumerate(chosen.pairs):
        origin = source.pairs.index((p, s))
        for arm in (0, chosen.k):
            load_block(net.layers[0], arm + m, *block(trained.layers[0], origin, fan_out=p))
        v = exemplar_codes(trained, origin, p, False, theta)  # (classes, p)
        set_output_layer(net, m, *least_squares_output(v, classes))
        fresh = models.bottleneck(1, p, deep=False, init=init, seed=redraw_seed + s)
        weight, bias = block(fresh.layers[-1], 0)
        if control == "zero":
            weight, bias = torch.zeros_like(weight), torch.zeros_like(bias)
        load_block(net.layers[-1], chosen.k + m, weight, bias)
    return net


def train_initialisation_arms(start: models.StackedNet, chosen: Members, source_config: dict, splits: JumpSplits,
                              cfg: train.TrainConfig, theta: float, redraw_seed: int = 1000, control: str = "glorot"
                              ) -> tuple[models.StackedNet, train.History]:
    """Train both arms from `start` (initialisation_arms) in one engine call, or load them from the model cache."""
    config = {"task": "bottleneck-init", "source": source_config, "ps": list(chosen.ps),
              "seeds": list(chosen.seeds), "theta": theta, "redraw_seed": redraw_seed, "control": control,
              "train": cfg.as_dict()}
    payload = cache.cached_train(config, lambda: fit(copy.deepcopy(start), splits, cfg))
    net = copy.deepcopy(start)
    net.load_state_dict(payload["state"])
    return net.eval(), cache.history_of(payload)


def steps_to_reach(val_loss: np.ndarray, eval_step: np.ndarray, target: float) -> float:
    """First evaluation step whose validation loss is <= target, NaN if none: val_loss (V,), eval_step (V,)."""
    hit = np.flatnonzero(val_loss <= target)
    return float(eval_step[hit[0]]) if hit.size else float("nan")
