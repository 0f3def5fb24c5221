"""The seven empirical findings of Haasbroek & Davel (2020, "H&D") §6, as checks on measured training curves.

Each check reads the curves of one network (or, for the chapter's figures, curves averaged over seeds:
grid.seed_summary), indexed by measurement point t with increasing training steps, and returns a Finding: held
(True / False, or None where the claim does not apply, e.g. layer comparisons in a network with one hidden layer)
and the numbers it was decided on. A rise or fall of f_l, p_l or u_l counts where it exceeds the `proportion`
kind's equivalence margin (lib.claims.KINDS, declared before any run); the other thresholds (Thresholds) are
fixed before looking at any run and reported beside the table.
"""

import math
from dataclasses import dataclass

import numpy as np

from lib.claims import KINDS

CHANGE = KINDS["proportion"].margin  # a rise or fall of a share the paper reads from its figures

CLAIMS = {
    1: "sample sets first grow, then shrink",
    2: "most nodes see most samples very early",
    3: "f turns down where the loss starts to fall",
    4: "the first layer's sample sets shrink fastest",
    5: "p rises during training, most in deeper layers",
    6: "shallower layers are less predictable",
    7: "u rises, yet single nodes stay poor predictors",
}


@dataclass(frozen=True)
class Thresholds:
    """Tolerances of the checks (chosen a priori, see the chapter text)."""

    change: float = CHANGE  # least rise or fall of f_l, p_l or u_l that counts as observed (proportion margin)
    early: float = 0.1  # "very early": within this share of all training steps
    most: float = 0.5  # "most nodes" / "most samples": more than half
    loss_drop: float = 0.1  # the loss "starts to fall" once it has lost this share of its fall from chance
    decades: float = 0.5  # the turn of f and the fall of the loss coincide within this many decades of steps
    concordance: float = 0.75  # least share of layer pairs (i < j) with p_i < p_j
    error_narrow: float = 0.07  # "accurate as a group", H&D §5: width 20 ends below 7 % validation error
    error_wide: float = 0.05  # H&D §5: width 80 or more ends below 5 %
    wide_from: int = 80  # the width from which the 5 % bound applies

    def group_error(self, width: int) -> float:
        """The paper's validation-error bound for a network of this width (§5)."""
        return self.error_wide if width >= self.wide_from else self.error_narrow


@dataclass(frozen=True)
class ShapeCurves:
    """Seed-averaged curves of one shape and loss over T measurement points, L hidden layers."""

    steps: np.ndarray  # (T,) training steps of the measurements, increasing, steps[0] = 0
    total_steps: int
    f: np.ndarray  # (T, L) layer activation fraction f_l (eq. 16)
    p: np.ndarray  # (T, L) layer predictability p_l (eq. 17)
    u: np.ndarray  # (T, L) layer informativeness u_l (eq. 17)
    val_loss: np.ndarray  # (T,)
    val_error: np.ndarray  # (T,)
    node_f: np.ndarray  # (T, M) per-node f_{l,i} of every hidden node of every seed (M = S · L · n)
    n_classes: int = 10
    width: int = 0  # nodes per hidden layer (chooses the §5 error bound of finding 7)
    chance: float = math.nan  # loss of the class-blind output (chance_loss); NaN: measure from loss[0]


def chance_loss(loss: str, n_classes: int = 10) -> float:
    """Loss of the output that ignores the input, for balanced classes: ln C for cross-entropy (uniform softmax),
    (C - 1) / C² for MSE against one-hot targets averaged over outputs (the constant output 1 / C)."""
    if loss == "ce":
        return math.log(n_classes)
    if loss == "mse":
        return (n_classes - 1) / n_classes ** 2
    raise ValueError(f"loss must be 'ce' or 'mse', got {loss!r}")


@dataclass(frozen=True)
class Finding:
    """The outcome of one check: held is None where the claim does not apply."""

    number: int
    held: bool | None
    detail: str

    @property
    def claim(self) -> str:
        """The finding as H&D §6 states it (abridged)."""
        return CLAIMS[self.number]


def rises_then_falls(curve: np.ndarray, change: float) -> bool:
    """Whether the curve (T,) climbs at least `change` above its start to its peak, then drops `change` below it."""
    peak = float(np.nanmax(curve))
    return bool(peak - curve[0] >= change and peak - curve[-1] >= change)


def turn_index(curve: np.ndarray) -> int:
    """Measurement point where the curve (T,) peaks (its first maximum)."""
    return int(np.nanargmax(curve))


def loss_onset_index(loss: np.ndarray, drop: float, chance: float = math.nan) -> int:
    """First measurement point where the loss has lost `drop` of its fall from the start, min(loss[0], chance), to
    min(loss): a start above chance (large initial outputs) is not counted as learning."""
    start = float(loss[0]) if math.isnan(chance) else min(float(loss[0]), chance)
    level = start - drop * (start - np.nanmin(loss))
    return int(np.flatnonzero(loss <= level)[0])


def fall_share(loss: np.ndarray, t: int) -> float:
    """Share of the loss's total fall loss[0] - min(loss) already done at measurement point t."""
    total = float(loss[0] - np.nanmin(loss))
    return float(loss[0] - loss[t]) / total if total > 0 else 0.0


def relative_drop(curve: np.ndarray) -> float:
    """Fall of a curve (T,) from its peak to its end, as a share of the peak."""
    peak = float(np.nanmax(curve))
    return (peak - float(curve[-1])) / peak


def concordance(values: np.ndarray) -> float:
    """Share of pairs i < j with values[i] < values[j] (1 = strictly increasing with the index)."""
    pairs = [(i, j) for i in range(len(values)) for j in range(i + 1, len(values))]
    return sum(values[i] < values[j] for i, j in pairs) / len(pairs)


def log_step_gap(a: int, b: int) -> float:
    """Distance of two training steps in decades, steps below 1 counted as 1."""
    return abs(math.log10(max(a, 1)) - math.log10(max(b, 1)))


def finding_1(c: ShapeCurves, th: Thresholds) -> Finding:
    """(1) Sample clusters initially increase in size and then decrease: every layer's f_l rises, then falls."""
    ok = [rises_then_falls(c.f[:, layer], th.change) for layer in range(c.f.shape[1])]
    return Finding(1, all(ok), f"{sum(ok)}/{len(ok)} layers rise ≥ {th.change} then fall ≥ {th.change}")


def finding_2(c: ShapeCurves, th: Thresholds) -> Finding:
    """(2) Most nodes are exposed to most samples very early: at some point after step 0 within the first th.early
    of training, the mean f has risen th.change above its initial value (the early increase, H&D §5.1) and more than
    th.most of all hidden nodes have f_{l,i} > th.most."""
    mean_f = np.nanmean(c.f, axis=1)  # (T,)
    early = np.flatnonzero((c.steps > 0) & (c.steps <= th.early * c.total_steps))
    if not len(early):
        return Finding(2, False, "no measurement within the early window")
    shares = np.mean(c.node_f[early] > th.most, axis=1)  # (early points,)
    ok = (shares > th.most) & (mean_f[early] - mean_f[0] >= th.change)
    best = int(early[np.argmax(np.where(ok, shares, -1.0))])
    share = float(np.mean(c.node_f[best] > th.most))
    return Finding(2, bool(ok.any()), f"at step {int(c.steps[best])} of {c.total_steps}: {share:.0%} of nodes have "
                                      f"f > {th.most}; mean f {mean_f[best]:.3f} vs {mean_f[0]:.3f} at step 0")


def turn_gap(c: ShapeCurves, th: Thresholds) -> tuple[int, int, float] | str:
    """(step where the mean f turns, step where the loss starts to fall, their gap in decades), or why there is
    no turn: the mean f never rises (its peak is the initialisation) or still rises at the last point."""
    t = turn_index(np.nanmean(c.f, axis=1))
    turn = int(c.steps[t])
    if turn == 0:
        return "f never rises above its initial value: no turn"
    if t == len(c.steps) - 1:
        return "f still rises at the last step: no turn yet"
    onset = int(c.steps[loss_onset_index(c.val_loss, th.loss_drop, c.chance)])
    return turn, onset, log_step_gap(turn, onset)


def finding_3(c: ShapeCurves, th: Thresholds) -> Finding:
    """(3) The activation fraction turns down where the loss starts to fall (within th.decades decades); does not
    apply where there is no turn (turn_gap)."""
    found = turn_gap(c, th)
    if isinstance(found, str):
        return Finding(3, None, found)
    turn, onset, gap = found
    done = fall_share(c.val_loss, turn_index(np.nanmean(c.f, axis=1)))
    return Finding(3, gap <= th.decades, f"f turns at step {turn}, loss falls from step {onset} ({gap:.2f} decades); "
                                         f"{done:.0%} of the loss's fall done at the turn")


def finding_4(c: ShapeCurves, th: Thresholds) -> Finding:
    """(4) The first layer's sample sets shrink more (from peak to end, relative) than any deeper layer's."""
    if c.f.shape[1] < 2:
        return Finding(4, None, "one hidden layer")
    drops = [relative_drop(c.f[:, layer]) for layer in range(c.f.shape[1])]
    return Finding(4, bool(drops[0] > max(drops[1:])),
                   f"relative drop layer 1: {drops[0]:.2f}, deeper max: {max(drops[1:]):.2f}")


def finding_5(c: ShapeCurves, th: Thresholds) -> Finding:
    """(5) p_l rises (by at least th.change from start to end) in every layer, and more in the deepest hidden layer
    than in the first."""
    rise = c.p[-1] - c.p[0]  # (L,)
    deeper = len(rise) < 2 or bool(rise[-1] > rise[0])
    held = bool(np.all(rise >= th.change) and deeper)
    return Finding(5, held, "rise per layer: " + ", ".join(f"{r:+.3f}" for r in rise))


def finding_6(c: ShapeCurves, th: Thresholds) -> Finding:
    """(6) Shallower layers are less predictable: final p_l grows with depth (deepest > first, concordant)."""
    if c.p.shape[1] < 2:
        return Finding(6, None, "one hidden layer")
    final = c.p[-1]
    share = concordance(final)
    held = bool(final[-1] > final[0] and share >= th.concordance)
    return Finding(6, held, f"final p first {final[0]:.3f}, deepest {final[-1]:.3f}; ordered pairs {share:.0%}")


def finding_7(c: ShapeCurves, th: Thresholds) -> Finding:
    """(7) u_l rises (by at least th.change from start to end) in every layer but stays below log 2 / log |C|,
    while the network is accurate as a group (final validation error below the paper's bound for its width, §5)."""
    bound = math.log(2.0) / math.log(c.n_classes)
    rises = bool(np.all(c.u[-1] - c.u[0] >= th.change))
    peak = float(np.nanmax(c.u))
    error, limit = float(c.val_error[-1]), th.group_error(c.width)
    held = rises and peak < bound and error < limit
    return Finding(7, held, f"u rises in every layer: {rises}; max u {peak:.3f} < {bound:.3f}; "
                            f"final error {error:.3f} < {limit:.2f}: {error < limit}")


def shallow_falls_faster(c: ShapeCurves) -> Finding:
    """H&D §5.1, cross-entropy: "this decrease is more rapid in shallower layers than in deeper layers": the
    shallower half of the hidden layers loses a larger share of its peak f (relative_drop, mean over the half)
    than the deeper half (the middle layer of an odd count belongs to neither); None with one hidden layer."""
    layers = c.f.shape[1]
    if layers < 2:
        return Finding(4, None, "one hidden layer")
    drops = np.array([relative_drop(c.f[:, layer]) for layer in range(layers)])
    shallow, deep = float(drops[:layers // 2].mean()), float(drops[(layers + 1) // 2:].mean())
    return Finding(4, bool(shallow > deep), f"relative drop, shallower half {shallow:.2f}, deeper half {deep:.2f}")


CHECKS = (finding_1, finding_2, finding_3, finding_4, finding_5, finding_6, finding_7)


def check_findings(curves: ShapeCurves, thresholds: Thresholds = Thresholds()) -> list[Finding]:
    """All seven checks of H&D §6 on one shape and loss."""
    return [check(curves, thresholds) for check in CHECKS]
