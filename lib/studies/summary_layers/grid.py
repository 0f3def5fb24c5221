"""Summary-layer networks (Davel 2020): the 784-H-2-10 training grid and the checks built on lib.probes.

Vocabulary of the paper: summary nodes A and B; a_A, a_B their activations; w_{cA}, w_{cB} the summary-to-output
weights; φ weight gaps (eq. 6), φ-ratio (eq. 7), α-ratio (eq. 8), node-ratio (eq. 14). The formulas themselves live
in lib.probes; this module combines them into the per-network checks and summaries the section reports.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from lib import probes
from lib.cache import cached_train, history_of, result_payload
from lib.models import StackedNet, summary_mlp
from lib.params import ParameterError
from lib.scoring import strictly_correct
from lib.train import History, evaluate, resolve_device, train, train_config, train_data

# ---------------------------------------------------------------- the training grid (Davel 2020 §4.1)


def check_grid(cfg) -> None:
    """Raise ParameterError naming each parameter that disagrees with another (single values are checked by
    lib.params): analysed_hidden must be one of hidden_sizes, lr_low <= lr_high, and the grid needs two networks."""
    found = []
    if cfg.analysed_hidden not in cfg.hidden_sizes:
        found.append(f"parameter 'analysed_hidden': got {cfg.analysed_hidden}, allowed: one of hidden_sizes "
                     f"{list(cfg.hidden_sizes)}")
    if cfg.lr_low > cfg.lr_high:
        found.append(f"parameter 'lr_low': got {cfg.lr_low}, allowed: at most lr_high = {cfg.lr_high}")
    if cfg.n_lr * cfg.n_seeds < 2:
        found.append(f"parameter 'n_seeds': got {cfg.n_seeds} with n_lr = {cfg.n_lr}, allowed: n_lr · n_seeds >= 2 "
                     "(the organised/disorganised comparison needs two networks)")
    if found:
        raise ParameterError("section 'summary_layers' cannot run:\n  " + "\n  ".join(found))


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

    def members(self) -> tuple[tuple[float, ...], tuple[int, ...]]:
        """Per-member (learning rates, seeds)."""
        return grid_members(self.lrs, self.seeds)


def build_grid_net(spec: GridSpec, d_in: int, classes: int) -> StackedNet:
    """The K = |lrs| · |seeds| stacked summary networks, member k initialised from its own seed (He init)."""
    _, seeds = spec.members()
    return summary_mlp(len(seeds), d_in=d_in, hidden=spec.hidden, classes=classes, seed=list(seeds))


def train_grid(spec: GridSpec, x_train: Tensor, y_train: Tensor, x_val: Tensor, y_val: Tensor,
               data_id: str) -> tuple[StackedNet, History, Tensor]:
    """Train (or load from the model cache) the grid with plain SGD, CE loss and early stopping on (x_val, y_val);
    also the share of the validation images in each summary state (STATES) before training and after every
    epoch, (E + 1, K, 4), from the weights of that moment (not the restored best ones).

    data_id must identify the training and validation data (checksum, split, subset size): it is part of the key.
    """
    lrs, seeds = spec.members()
    cfg = train_config("sgd", lr=list(lrs), loss="ce", batch_size=spec.batch_size, max_epochs=spec.max_epochs,
                       patience=spec.patience, eval_every=1, restore_best=True, seed=list(seeds),
                       device=spec.device)
    net = build_grid_net(spec, x_train.shape[1], int(y_train.max()) + 1)
    device = resolve_device(spec.device)
    key = {"section": "summary_layers", "data": data_id, "arch": net.arch, "train": cfg.as_dict(),
           "device": str(device), "record": "summary states of the validation images per epoch"}

    def run() -> dict:
        record: list[Tensor] = []
        per_epoch = -(-len(x_train) // spec.batch_size)  # steps per epoch
        steps = [per_epoch * e for e in range(spec.max_epochs + 1)]
        result = train(net, train_data(x_train, y_train, x_val, y_val), cfg,
                       callbacks=[(steps, state_recorder(x_val.to(device), record))])
        return {**result_payload(result), "summary_states": torch.stack(record)}

    payload = cached_train(key, run)
    net.load_state_dict(payload["state"])
    return net.cpu(), history_of(payload), payload["summary_states"]


# ---------------------------------------------------------------- silent summary nodes

STATES = ("both on", "only A off", "only B off", "both off")


def summary_states(a_summary: Tensor) -> Tensor:
    """Index into STATES of each sample's summary layer, (..., N, 2) → (..., N): 1 = a_A = 0 < a_B, 2 = a_B = 0 <
    a_A, 3 = a_A = a_B = 0 (all logits 0 without an output bias, and no gradient reaches the network, eq. 1)."""
    off = a_summary <= 0
    return off[..., 0].long() + 2 * off[..., 1].long()


def state_shares(states: Tensor) -> Tensor:
    """Share of the samples in each state of STATES: (..., N) → (..., 4)."""
    return F.one_hot(states, len(STATES)).double().mean(dim=-2)


def state_accuracy(states: Tensor, correct: Tensor) -> Tensor:
    """Accuracy of the samples within each state of STATES (nan for a state without samples): (..., N) → (..., 4)."""
    onehot = F.one_hot(states, len(STATES)).double()  # (..., N, 4)
    return (onehot * correct.double()[..., None]).sum(dim=-2) / onehot.sum(dim=-2)


def state_recorder(x_probe: Tensor, record: list[Tensor]) -> Callable[[int, StackedNet], None]:
    """A training callback appending the share of x_probe in each summary state, (K, 4) on the CPU, to record."""
    def record_states(step: int, net: StackedNet) -> None:
        _, post = net(x_probe, return_hidden=True)
        record.append(state_shares(summary_states(post[-1])).cpu())
    return record_states


@torch.no_grad()
def grid_states(net: StackedNet, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Per member, the summary state of every sample and whether it is strictly correct (ties wrong): (K, N) each."""
    logits, post = net(x, return_hidden=True)
    return summary_states(post[-1]), strictly_correct(logits, y)


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


# ---------------------------------------------------------------- one network, its weights and a forward pass


@dataclass(frozen=True)
class SummaryWeights:
    """One summary network, float64: w1 (d_in, H), b1 (H,), w2 (H, 2) [columns A, B], w3 (2, C)."""

    w1: Tensor
    b1: Tensor
    w2: Tensor
    w3: Tensor

    def normalised(self) -> "SummaryWeights":
        """Layer-by-layer weight normalisation (Davel 2020 §3.3) via lib.probes.normalise_weights."""
        (w1, w2, w3), (b1, _, _) = probes.normalise_weights([self.w1, self.w2, self.w3], [self.b1, None, None])
        return SummaryWeights(w1, b1, w2, w3)

    def rescaled_node(self, node: int, factor: float) -> "SummaryWeights":
        """Hidden node `node` with its fan-in (weights, bias) divided and its fan-out multiplied by `factor`
        (Davel 2020 Fig. 3): the network computes the same function with different per-layer weights."""
        w1, b1, w2 = self.w1.clone(), self.b1.clone(), self.w2.clone()
        w1[:, node] /= factor
        b1[node] /= factor
        w2[node] *= factor
        return SummaryWeights(w1, b1, w2, self.w3)


def member_weights(net: StackedNet, k: int) -> SummaryWeights:
    """Member k of a stacked summary network (bias in the first layer only) as float64 SummaryWeights."""
    first, summary, output = net.layers
    return SummaryWeights(first.weight[k].detach().double(), first.bias[k, 0].detach().double(),
                          summary.weight[k].detach().double(), output.weight[k].detach().double())


@dataclass(frozen=True)
class Forward:
    """One forward pass: hidden activations (N, H), summary activations a = [a_A, a_B] (N, 2), logits z (N, C)."""

    hidden: Tensor
    summary: Tensor
    logits: Tensor


def forward(weights: SummaryWeights, x: Tensor) -> Forward:
    """The network's forward pass in float64 on inputs x (N, d_in); no bias beyond the first layer."""
    hidden = torch.relu(x.double() @ weights.w1 + weights.b1)  # (N, H)
    summary = torch.relu(hidden @ weights.w2)  # (N, 2)
    return Forward(hidden, summary, summary @ weights.w3)  # logits (N, C)


def tied_samples(logits: Tensor) -> Tensor:
    """Samples whose largest logit is shared by several classes (e.g. a_A = a_B = 0 gives all-zero logits): (N,)."""
    top = logits.amax(dim=-1, keepdim=True)  # (N, 1)
    return (logits == top).sum(dim=-1) > 1


# ---------------------------------------------------------------- the theory checked on every sample


def agreement_table(predicted: Tensor, actual: Tensor) -> np.ndarray:
    """2 × 2 counts [predicted correct, predicted incorrect] × [actually correct, actually incorrect]."""
    p, a = predicted.bool(), actual.bool()
    return np.array([[int((p & a).sum()), int((p & ~a).sum())], [int((~p & a).sum()), int((~p & ~a).sum())]])


def eq17_positive_pairs(w_out: Tensor) -> tuple[int, int]:
    """(pairs c_s < c_t with φ_{A c_s c_t} φ_{B c_t c_s} > 0, all pairs) (Davel 2020 eq. 17, Fig. 4)."""
    product = probes.weight_gap_product(w_out)  # (C, C)
    upper = torch.triu(torch.ones_like(product, dtype=torch.bool), diagonal=1)
    return int((product[upper] > 0).sum()), int(upper.sum())


@dataclass(frozen=True)
class Eq18Check:
    """Eq. 18 over all pairs (s, t) of correctly classified samples of different classes."""

    pairs: int
    violations: int
    min_margin: float  # smallest α_A φ_A - α_B φ_B(t, s) over the pairs


def eq18_check(a_summary: Tensor, labels: Tensor, w_out: Tensor, correct: Tensor, chunk: int = 512) -> Eq18Check:
    """α_{A st} φ_{A c_s c_t} > α_{B st} φ_{B c_t c_s} for every ordered pair of correct samples, c_s != c_t
    (Davel 2020 eq. 18), in chunks of `chunk` samples s."""
    idx = torch.nonzero(correct).flatten()
    a, y = a_summary[idx].double(), labels[idx].long()  # (M, 2), (M,)
    phi = probes.weight_gaps(w_out.double())  # (2, C, C)
    pairs, violations, margin = 0, 0, torch.inf
    for start in range(0, len(idx), chunk):
        s = slice(start, start + chunk)
        alpha = a[s, None, :] - a[None, :, :]  # (m, M, 2)
        diff = alpha[..., 0] * phi[0][y[s, None], y[None, :]] - alpha[..., 1] * phi[1][y[None, :], y[s, None]]
        other = y[s, None] != y[None, :]  # (m, M)
        pairs += int(other.sum())
        violations += int(((diff <= 0) & other).sum())
        margin = min(margin, float(torch.where(other, diff, torch.inf).min()))
    return Eq18Check(pairs, violations, margin)


def eq13_classes(w_out: Tensor) -> list[int]:
    """Classes that can be classified with a_B = 0 (Davel 2020 eq. 13 / A.1): φ_{A c m} > 0 for every m != c."""
    phi_a = probes.weight_gaps(w_out.double())[0]  # (C, C)
    off = ~torch.eye(w_out.shape[-1], dtype=torch.bool)
    return [int(c) for c in torch.nonzero(((phi_a > 0) | ~off).all(dim=1)).flatten()]


def zero_b_fraction(a_summary: Tensor, labels: Tensor, n_classes: int) -> np.ndarray:
    """Per class, the fraction of its samples with a_B = 0 (undefined α-ratio): (C,)."""
    zero = (a_summary[:, 1] == 0).double()
    counts = torch.bincount(labels.long(), minlength=n_classes).double()
    return (torch.bincount(labels.long(), weights=zero, minlength=n_classes) / counts).numpy()


# ---------------------------------------------------------------- confusable pairs (Davel 2020 §5)


def pair_error_rates(labels: Tensor, predicted: Tensor, n_classes: int) -> np.ndarray:
    """(C, C) symmetric: errors between classes i and j in either direction, as a fraction of all samples."""
    counts = torch.zeros(n_classes, n_classes, dtype=torch.float64)
    wrong = labels != predicted
    counts.index_put_((labels[wrong].long(), predicted[wrong].long()), torch.ones(int(wrong.sum()),
                      dtype=torch.float64), accumulate=True)
    return ((counts + counts.T) / len(labels)).numpy()


def boundary_pairs(w_out: Tensor) -> set[tuple[int, int]]:
    """Unordered class pairs (i < j) whose φ-ratio is an end (low or high) of the allowed α-ratio interval of i
    or of j (Davel 2020 §5: "classes that lie on each other's boundaries")."""
    w_out = w_out.double()
    ratio = probes.phi_ratio(w_out)  # (C, C)
    phi_a = probes.weight_gaps(w_out)[0]  # (C, C)
    found = set()
    for c in range(w_out.shape[-1]):
        for side, sign in ((phi_a > 0, 1.0), (phi_a < 0, -1.0)):
            if side[c].any():
                m = int(torch.where(side[c], sign * ratio[c], -torch.inf).argmax())
                found.add((min(c, m), max(c, m)))
    return found


def top_pairs(rates: np.ndarray, count: int) -> list[tuple[int, int, float]]:
    """The `count` class pairs (i < j) with the highest error rates, as (i, j, rate), highest first."""
    i, j = np.triu_indices(len(rates), k=1)
    order = np.argsort(-rates[i, j], kind="stable")[:count]
    return [(int(i[o]), int(j[o]), float(rates[i[o], j[o]])) for o in order]


# ---------------------------------------------------------------- organisation (Davel 2020 §5, Fig. 7-8)


def node_in_interval(w_summary: Tensor, w_out: Tensor) -> Tensor:
    """(C, H) bool: hidden node n alone (summary activations relu(w_{An}), relu(w_{Bn})) satisfies the ratio
    conditions of class c (Davel 2020 eq. 12-13): its node-ratio lies in c's allowed α-ratio interval."""
    n_classes, h = w_out.shape[-1], w_summary.shape[0]
    a_alone = torch.relu(w_summary.double())  # (H, 2) summary activations of each node alone
    a_rep = a_alone.repeat(n_classes, 1)  # (C·H, 2)
    labels = torch.arange(n_classes).repeat_interleave(h)  # (C·H,)
    return probes.ratio_conditions(a_rep, labels, w_out).view(n_classes, h)


def organisation(fraction: Tensor, w_summary: Tensor, w_out: Tensor) -> float:
    """Share of the sample-set mass Σ_{c,n} f^(c)_n that sits on nodes inside their class's allowed interval.

    fraction: (C, H) class-specific activation fractions f^(c)_n of the hidden nodes (the heatmap of Fig. 7);
    1 = every class is carried only by nodes that would classify it correctly on their own, 0 = none.
    """
    inside = node_in_interval(w_summary, w_out).double()  # (C, H)
    f = torch.nan_to_num(fraction.double())
    return float((f * inside).sum() / f.sum())


def contrasting_pair(train_acc: np.ndarray, test_acc: np.ndarray, tol: float) -> tuple[int, int]:
    """(well, poorly generalising) members with |train accuracy difference| <= tol and the largest test accuracy
    difference (Davel 2020 Fig. 7 vs 8); without such a pair, the largest test difference over all pairs."""
    i, j = np.meshgrid(np.arange(len(test_acc)), np.arange(len(test_acc)), indexing="ij")
    close = (np.abs(train_acc[i] - train_acc[j]) <= tol) & (i != j)
    gain = np.where(close if close.any() else i != j, test_acc[i] - test_acc[j], -np.inf)
    well, poor = np.unravel_index(int(np.argmax(gain)), gain.shape)
    return int(well), int(poor)


def node_contributions(hidden: Tensor, w_summary: Tensor) -> Tensor:
    """Each hidden node's contribution h_n w_{An}, h_n w_{Bn} to the summary pre-activations of one sample:
    hidden (H,), w_summary (H, 2) → (H, 2)."""
    return hidden.double()[:, None] * w_summary.double()
