"""What the chapter computes from its runs: the grid and its findings, the inclusion-margin counts, the
initialisation comparison, the claims it records and the timing projection of the `paper` profile."""

import dataclasses
import os
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import torch

from lib import parallel
from lib.claims import Ledger
from lib.models import mlp
from lib.studies.training_dynamics import findings as fnd
from lib.studies.training_dynamics import grid
from lib.studies.training_dynamics import margin as mg
from lib.studies.training_dynamics.claims import EARLY_PHASE, PAPER_EPOCHS, PAPER_TRAIN
from lib.train import TrainData, resolve_device, train, train_config
from lib.uncertainty import Measurement, binomial_variance, exact, with_sampling

LOSS_NAMES = {"ce": "cross-entropy", "mse": "MSE"}
PAPER_SHAPES = {(d, w) for d in (2, 5, 9) for w in (20, 80, 320)}


def loss_kinds(losses: str) -> tuple[str, ...]:
    """The `losses` parameter as the losses trained: 'both' → ('ce', 'mse')."""
    return ("ce", "mse") if losses == "both" else (losses,)


@dataclass
class GridResult:
    """Every shape of one grid trained with one initialisation: its records and the curves of each loss."""

    shapes: list[grid.Shape]
    losses: tuple[str, ...]
    run: grid.GridRun
    total_steps: int
    records: dict[grid.Shape, dict[str, torch.Tensor]]
    thresholds: fnd.Thresholds = field(default_factory=fnd.Thresholds)
    n_train: int = PAPER_TRAIN  # training images every network saw

    @property
    def n_val(self) -> int:
        """Validation images the probes ran on."""
        return int(next(iter(self.records.values()))["class_sizes"].sum())

    @property
    def keys(self) -> list[tuple[grid.Shape, str]]:
        """(shape, loss) of every run, shape-major."""
        return [(shape, loss) for shape in self.shapes for loss in self.losses]

    def ids(self, loss: str) -> list[int]:
        return self.run.members.of_loss(loss)

    def curves(self, shape: grid.Shape, loss: str) -> fnd.ShapeCurves:
        return grid.shape_curves(self.records[shape], self.ids(loss), self.total_steps, loss, shape.width)

    def findings(self, shape: grid.Shape, loss: str) -> list[fnd.Finding]:
        return fnd.check_findings(self.curves(shape, loss), self.thresholds)

    def converged(self, keys=None) -> bool:
        """Every member behind the given (shape, loss) runs (all by default) reached its validation minimum."""
        return all(grid.converged(self.records[s], self.ids(loss)) for s, loss in (keys or self.keys))


def grid_run(losses, *, n_seeds: int, seed: int, epochs: int, batch_size: int, lr: float, init: str,
             measurements: int, stop: int | None = None) -> grid.GridRun:
    """The members (every loss × seed) and the schedule every shape of a grid is trained with."""
    return grid.GridRun(grid.members(losses, n_seeds, seed), epochs=epochs, batch_size=batch_size, lr=lr,
                        init=init, measurements=measurements, stop=stop)


def train_on_cores(shapes, losses, n_train: int, n_val: int, *, inits, compare_shapes, stop: int, init: str,
                   **run) -> None:
    """The grid (train_grid) and the comparison's initialisations other than the grid's own (compare_inits)
    trained on the machine's cores (lib.parallel), the largest calls first, into the model cache they then load
    from."""
    arms = [(grid_run(losses, init=init, **run), shapes)]
    arms += [(grid_run(losses, init=other, stop=stop, **run), compare_shapes) for other in inits if other != init]
    calls = [(a.total_steps(n_train) * sum(x * y for x, y in zip(s.sizes(), s.sizes()[1:])),
              partial(grid.train_shape_in_worker, s, a, n_train, n_val)) for a, arm_shapes in arms for s in arm_shapes]
    parallel.fill_cache(parallel.longest_first(calls))


def train_grid(shapes, losses, data: TrainData, data_id: dict, *, stop: int | None = None, **run) -> GridResult:
    """Train (or read from the model cache) every shape with every loss and seed, probes at log-spaced steps;
    `stop` ends every run at the last measurement step of the full run not beyond it."""
    run = grid_run(losses, stop=stop, **run)
    records = {shape: grid.train_shape(shape, data, run, data_id) for shape in shapes}
    return GridResult(list(shapes), tuple(losses), run, run.total_steps(len(data.x_train)), records,
                      n_train=len(data.x_train))


def stopped(result: GridResult, shapes, stop: int) -> GridResult:
    """The given shapes of a grid read as runs stopped at `stop` (grid.truncate): the same members, seeds and
    batches, so equal to training them again with `stop` (train_grid)."""
    run = dataclasses.replace(result.run, stop=stop)
    records = {shape: grid.truncate(result.records[shape], stop) for shape in shapes}
    last = int(next(iter(records.values()))["steps"][-1])
    return GridResult(list(shapes), result.losses, run, last, records, result.thresholds, result.n_train)


def paper_expects(shape: grid.Shape, loss: str, number: int) -> bool | None:
    """Whether H&D report finding `number` for this run: True, except (1)-(3), which speak of the early rise of
    the sample sets, for 2×320 MSE, the one shape where "an increase in average activation fraction is not
    observed" (App. B, Fig. 10); None where it does not apply ((4) and (6) need two hidden layers)."""
    if number in (4, 6) and shape.hidden < 2:
        return None
    return not (number in (1, 2, 3) and (shape.depth, shape.width, loss) == (2, 320, "mse"))


@dataclass(frozen=True)
class Network:
    """One trained network of the grid: its shape, loss and member index in the shape's engine call."""

    shape: grid.Shape
    loss: str
    member: int
    seed: int

    @property
    def name(self) -> str:
        return f"{self.shape.label} {LOSS_NAMES[self.loss]} seed {self.seed}"


def networks(result: GridResult, keys=None) -> list[Network]:
    """Every network (every seed) of the given (shape, loss) runs, all by default."""
    return [Network(shape, loss, k, result.run.members.seeds[k]) for shape, loss in (keys or result.keys)
            for k in result.ids(loss)]


def network_curves(result: GridResult, net: Network) -> fnd.ShapeCurves:
    """The curves of one network on its own (no average over seeds)."""
    return grid.shape_curves(result.records[net.shape], [net.member], result.total_steps, net.loss, net.shape.width)


def network_turned(result: GridResult, net: Network) -> bool:
    """Whether this network's layer-averaged f has passed its peak inside the run (its peak is not the last
    measurement): the network covers the early-phase claims."""
    f = result.records[net.shape]["f"].numpy()[:, net.member].mean(axis=-1)  # (T,)
    return len(f) < 2 or int(np.nanargmax(f)) < len(f) - 1


def rose(result: GridResult, net: Network) -> bool:
    """Whether every hidden layer's f of this network rose at least the change margin above its initial value
    (the first half of finding (1)); a network that rose but has not yet fallen as much covers (1) only once it
    trained the paper's epochs."""
    f = network_curves(result, net).f  # (T, L)
    return bool(np.all(np.nanmax(f, axis=0) - f[0] >= result.thresholds.change))


def network_converged(result: GridResult, net: Network) -> bool:
    """Whether this network reached its validation minimum before the last measurement (grid.converged)."""
    return grid.converged(result.records[net.shape], [net.member])


def covers(result: GridResult, claim_id: str, net: Network) -> bool:
    """Whether this network speaks for the claim: an early-phase claim (claims.EARLY_PHASE) once its f has turned;
    any other once it reached its validation minimum."""
    return network_turned(result, net) if claim_id in EARLY_PHASE else network_converged(result, net)


def finding_outcomes(result: GridResult, number: int) -> list[tuple[Network, bool | None]]:
    """Finding `number` checked on every network the paper reports it for (held None: the check does not apply
    to this network, e.g. (3) without a turn of f, which counts as not holding)."""
    keys = [(s, loss) for s, loss in result.keys if paper_expects(s, loss, number)]
    return [(net, fnd.CHECKS[number - 1](network_curves(result, net), result.thresholds).held)
            for net in networks(result, keys)]


def finding_share(result: GridResult, number: int) -> tuple[float | None, list[str]]:
    """Share of the networks the paper reports finding `number` for where it holds here (a network whose check
    does not apply counts as not holding), and the networks where it does not."""
    found = finding_outcomes(result, number)
    missed = [net.name for net, held in found if not held]
    return ((len(found) - len(missed)) / len(found) if found else None), missed


@dataclass(frozen=True)
class Every:
    """An "every network" claim decided per network: the value to record, whether the networks it rests on cover
    the claim, and a note naming n and the counterexamples."""

    measured: object
    converged: bool
    note: str


def every_network(items: list[tuple[str, bool, bool]]) -> Every:
    """(name, holds, covers) per network: differs on one counterexample among the networks that cover the claim
    (a dead end cannot be trained away: they decide it whatever the others do); else not converged while a
    network does not cover it; else holds."""
    failing = [name for name, holds, covered in items if covered and not holds]
    open_ = [name for name, _, covered in items if not covered]
    n = len(items)
    if failing:
        return Every(False, True, f"fails on {len(failing)} of the {n - len(open_)} networks that cover it: "
                                  + ", ".join(failing))
    if open_:
        return Every(True, False, f"holds on the {n - len(open_)} of {n} networks that cover it; not yet covered by "
                                  + ", ".join(open_))
    return Every(True, True, f"holds on all {n} networks")


def every_value(items: list[tuple[str, Measurement, bool]], criterion, largest: bool) -> Every:
    """(name, measurement, covers) per network for a threshold the paper states: the worst network (largest or
    smallest value) among those that cover the claim when it already fails the criterion (decided from them);
    else the worst of all, not converged while a network does not cover it."""
    pick = (lambda xs: max(xs, key=lambda x: x[1].mean)) if largest else (lambda xs: min(xs, key=lambda x: x[1].mean))
    covered = [x for x in items if x[2]]
    open_ = [name for name, _, c in items if not c]
    n = len(items)
    if covered:
        name, worst, _ = pick(covered)
        if criterion.judge(worst).verdict == "differs":
            return Every(worst, True, f"worst of the {len(covered)} of {n} networks that cover it: {name}")
    name, worst, _ = pick(items)
    if open_:
        return Every(worst, False, f"worst of {n} networks: {name}; not yet covered by " + ", ".join(open_))
    return Every(worst, True, f"worst of {n} networks: {name}")


def sampled(value: float, n_val: int, what: str = "validation") -> Measurement:
    """One network's share measured on n_val images: binomial sampling of the images (for a mean over nodes of
    per-node shares, an upper bound: nodes perfectly correlated)."""
    return with_sampling(exact(value, sources="one network"), binomial_variance(min(max(value, 0.0), 1.0), n_val),
                         f"binomial {what} sampling ({n_val:,} images)")


MARK = {True: "✓", False: "✗", None: "n/a"}


def network_findings(result: GridResult, net: Network) -> list[fnd.Finding]:
    """The seven checks on one network's own curves."""
    return fnd.check_findings(network_curves(result, net), result.thresholds)


def findings_table(result: GridResult) -> pd.DataFrame:
    """✓ / ✗ / n/a per network and finding, with the paper's expectation where it differs from 'holds'."""
    rows = []
    for net in networks(result):
        found = network_findings(result, net)
        rows.append({"shape": net.shape.label, "loss": LOSS_NAMES[net.loss], "seed": net.seed,
                     **{f"({f.number})": MARK[f.held] + ("" if paper_expects(net.shape, net.loss, f.number)
                                                         is not False else " (paper: ✗)") for f in found},
                     "f turned": "yes" if network_turned(result, net) else "no",
                     "converged": "yes" if network_converged(result, net) else "no"})
    return pd.DataFrame(rows)


def findings_details(result: GridResult) -> pd.DataFrame:
    """The numbers each check was decided on, per network."""
    return pd.DataFrame([{"network": net.name, "finding": f"({f.number}) {f.claim}", "measured": f.detail}
                         for net in networks(result) for f in network_findings(result, net)])


def onset_sensitivity(result: GridResult, decades=(0.25, 0.5, 1.0)) -> pd.DataFrame:
    """Finding (3) per run: the turn of f, the onset of the loss's fall (from chance) and their gap, and whether
    the check passes at each threshold in decades (the chapter's is 0.5)."""
    rows = []
    for shape, loss in result.keys:
        found = fnd.turn_gap(result.curves(shape, loss), result.thresholds)
        row = {"shape": shape.label, "loss": LOSS_NAMES[loss]}
        if isinstance(found, str):
            rows.append(row | {"f turns at step": "—", "loss falls from step": "—", "gap (decades)": "—",
                               **{f"≤ {d}": "n/a" for d in decades}})
            continue
        turn, onset, gap = found
        rows.append(row | {"f turns at step": turn, "loss falls from step": onset, "gap (decades)": round(gap, 2),
                           **{f"≤ {d}": MARK[gap <= d] for d in decades}})
    return pd.DataFrame(rows)


def onset_explanation(result: GridResult, decades=(0.25, 0.5, 1.0)) -> str:
    """Finding (3) in words, from this run: in how many runs f turns after the loss has started to fall and in how
    many before it, the largest gap each way, where the check holds at the paper's figure shape, and how many runs
    pass at each threshold in decades."""
    gaps = {}
    for shape, loss in result.keys:
        found = fnd.turn_gap(result.curves(shape, loss), result.thresholds)
        if not isinstance(found, str):
            gaps[f"{shape.label} {LOSS_NAMES[loss]}"] = found
    if not gaps:
        return "No run of this grid has a turn of f, so finding (3) has nothing to compare."
    late = {name: gap for name, (turn, onset, gap) in gaps.items() if turn > onset}
    early = {name: gap for name, (turn, onset, gap) in gaps.items() if turn < onset}
    parts = [f"Of the {len(gaps)} runs with a turn of f, f turns after the loss has started to fall in {len(late)}"
             + (f" (by up to {max(late.values()):.2f} decades, in {', '.join(late)})" if late else "")
             + f" and before it in {len(early)}"
             + (f" (by up to {max(early.values()):.2f} decades, in {', '.join(early)})" if early else "") + "."]
    deep, _ = figure_shapes(result)
    if deep is not None and f"{deep.label} cross-entropy" in gaps:
        gap = gaps[f"{deep.label} cross-entropy"][2]
        parts.append(f"On {deep.label} cross-entropy, the shape and loss of the paper's Fig. 3 and 5, the gap is "
                     f"{gap:.2f} decades, so the check {'holds' if gap <= result.thresholds.decades else 'fails'} "
                     "there.")
    parts.append("The check holds in " + ", ".join(
        f"{sum(g <= d for _, _, g in gaps.values())} of them at {d} decades" for d in decades) + ".")
    return " ".join(parts)


def fail_reasons(result: GridResult) -> str:
    """Why checks fail in this run, one sentence per finding that fails on some network."""
    reasons = []
    for number in range(1, 8):
        missed = [net for net, held in finding_outcomes(result, number) if not held]
        if not missed:
            continue
        names = ", ".join(net.name for net in missed)
        if number == 1:
            flat = [net.name for net in missed if network_never_rises(result, net)]
            rest = len(missed) - len(flat)
            reasons.append(f"(1) does not hold for {names}" + (
                f"; f never rises above its initial value in {', '.join(flat)}" if flat else "") + (
                f"; in the other {rest}, some layer does not rise, or has not fallen, {result.thresholds.change} "
                "or more" if rest else "") + ".")
        elif number in (3, 7):
            details = [network_findings(result, net)[number - 1].detail for net in missed]
            reasons.append(f"({number}) does not hold for {names} ({'; '.join(details)}).")
        else:
            reasons.append(f"({number}) does not hold for {names}.")
    return " ".join(reasons) if reasons else "Every check holds on every network the paper reports it for."


def network_never_rises(result: GridResult, net: Network) -> bool:
    """Every layer's f peaks at the initialisation, in this network."""
    return bool(np.all(np.nanargmax(network_curves(result, net).f, axis=0) == 0))


def never_rises(result: GridResult, shape: grid.Shape, loss: str) -> bool:
    """Every layer's f peaks at the initialisation."""
    return bool(np.all(np.nanargmax(result.curves(shape, loss).f, axis=0) == 0))


def deep_peak(result: GridResult, shape: grid.Shape, loss: str = "mse") -> float:
    """Fig. 9: the smallest peak f_l among the deeper half of the hidden layers (seed-averaged)."""
    f = result.curves(shape, loss).f  # (T, L)
    return float(np.nanmax(f[:, shape.hidden // 2:], axis=0).min())


def f_rise(result: GridResult, shape: grid.Shape, loss: str = "mse") -> float:
    """Fig. 10: the largest rise of the seed-averaged, layer-averaged f above its initial value."""
    f = np.nanmean(result.curves(shape, loss).f, axis=1)  # (T,)
    return float(np.nanmax(f) - f[0])


def largest_shape(shapes: list[grid.Shape]) -> grid.Shape:
    """The deepest shape, the widest among those (the paper's 9×320 in the full grid): where eq. 4 is checked."""
    return max(shapes, key=lambda s: (s.depth, s.width))


def widest_shallow_shape(shapes: list[grid.Shape]) -> grid.Shape:
    """The widest of the shallowest shapes (Fig. 10's 2×320 in the full grid)."""
    shallowest = min(s.depth for s in shapes)
    return max((s for s in shapes if s.depth == shallowest), key=lambda s: s.width)


def figure_shapes(result: GridResult) -> tuple[grid.Shape | None, grid.Shape | None]:
    """The shapes of Fig. 9 (9×320) and Fig. 10 (2×320) when the run has them, else None each."""
    have = {(s.depth, s.width): s for s in result.shapes}
    return have.get((9, 320)), have.get((2, 320))


def turned(result: GridResult, keys) -> list[str]:
    """The networks of the runs among `keys` whose layer-averaged f still rises at the last measurement point:
    those that have not yet passed the rise and turn of f that the early-phase claims speak of."""
    return [net.name for net in networks(result, keys) if not network_turned(result, net)]


def phase_of(result: GridResult, claim_id: str, keys) -> tuple[bool, str]:
    """(whether every network behind the claim covers it, why): an early-phase claim (claims.EARLY_PHASE) once f
    has turned in each; any other claim once each reached its validation minimum."""
    nets = networks(result, keys)
    open_ = [net.name for net in nets if not covers(result, claim_id, net)]
    if claim_id in EARLY_PHASE:
        return (not open_, f"early-phase claim; f has turned by step {result.total_steps:,} in every network behind "
                           "it" if not open_ else "early-phase claim, but f still rises at the last step in "
                           + ", ".join(open_))
    return (not open_, "needs the trained networks (the paper: 200 epochs)"
            + ("" if not open_ else "; not at their validation minimum: " + ", ".join(open_)))


def comparable(result: GridResult, claim_id: str, keys) -> tuple[bool, str]:
    """Whether this profile keeps what the claim depends on at the paper's setting: the paper's shapes, its
    48,000 training images and, for a claim on the trained networks, its fixed 200 epochs."""
    odd = sorted({s.label for s, _ in keys if (s.depth, s.width) not in PAPER_SHAPES})
    short = [] if claim_id in EARLY_PHASE or result.run.epochs >= PAPER_EPOCHS else [
        f"{result.run.epochs} of the paper's {PAPER_EPOCHS} epochs"]
    small = ([f"{result.n_train:,} of the paper's {PAPER_TRAIN:,} training images"]
             if result.n_train < PAPER_TRAIN else [])
    why = ([f"shapes not in the paper: {', '.join(odd)}"] if odd else []) + short + small
    return not why, "; ".join(why)


def claim_keys(result: GridResult, claim_id: str) -> list[tuple[grid.Shape, str]]:
    """The (shape, loss) runs of this grid a paper claim is measured on; empty where the run has none."""
    if claim_id.startswith("hd2020.s6.finding"):
        number = int(claim_id[-1])
        return [(s, loss) for s, loss in result.keys if paper_expects(s, loss, number)]
    if claim_id == "hd2020.s5.error_below_5pct_width_ge_80":
        return [(s, loss) for s, loss in result.keys if s.width >= 80]
    if claim_id == "hd2020.s5.error_below_7pct_width_20":
        return [(s, loss) for s, loss in result.keys if s.width == 20]
    if claim_id == "hd2020.s5.ce_faster_in_shallow_layers":
        return [(s, loss) for s, loss in result.keys if loss == "ce" and s.hidden >= 2]
    if claim_id == "hd2020.s4.1.all_converge":
        return list(result.keys)
    if claim_id == "hd2020.fig9.all_9layer_mse":
        return [(s, loss) for s, loss in result.keys if s.depth == 9 and loss == "mse"]
    deep, shallow = figure_shapes(result)
    shape = {"hd2020.fig9.mse_deep_layers_near_all_samples": deep, "hd2020.fig10.mse_2x320_no_rise": shallow}[claim_id]
    return [(shape, "mse")] if shape is not None and "mse" in result.losses else []


def claim_evidence(result: GridResult, claim_id: str, criterion) -> Every | None:
    """This run's per-network evidence for one paper claim (every_network / every_value), None where the grid
    has no network for it."""
    keys = claim_keys(result, claim_id)
    if not keys:
        return None
    nets = networks(result, keys)
    if claim_id.startswith("hd2020.s6.finding"):
        held = dict(finding_outcomes(result, int(claim_id[-1])))
        if claim_id == "hd2020.s6.finding1":  # the fall "as training progresses" needs the paper's epochs
            return every_network([(n.name, bool(held[n]), covers(result, claim_id, n) and (
                held[n] or not rose(result, n) or result.run.epochs >= PAPER_EPOCHS)) for n in nets])
        return every_network([(n.name, bool(held[n]), covers(result, claim_id, n)) for n in nets])
    if claim_id == "hd2020.s5.ce_faster_in_shallow_layers":
        return every_network([(n.name, bool(fnd.shallow_falls_faster(network_curves(result, n)).held),
                               covers(result, claim_id, n)) for n in nets])
    if claim_id == "hd2020.s4.1.all_converge":
        return every_network([(n.name, network_converged(result, n), True) for n in nets])
    n_val = result.n_val
    if claim_id.startswith("hd2020.s5.error"):
        values = [(n.name, sampled(float(result.records[n.shape]["val_error"][-1, n.member]), n_val),
                   covers(result, claim_id, n)) for n in nets]
        return every_value(values, criterion, largest=True)
    if claim_id.startswith("hd2020.fig9"):
        values = [(n.name, sampled(network_deep_peak(result, n), n_val), covers(result, claim_id, n)) for n in nets]
        return every_value(values, criterion, largest=False)
    values = [(n.name, rise_sampled(result, n), covers(result, claim_id, n)) for n in nets]  # Fig. 10
    return every_value(values, criterion, largest=True)


def network_deep_peak(result: GridResult, net: Network) -> float:
    """Fig. 9 on one network: the smallest peak f_l among the deeper half of its hidden layers."""
    f = result.records[net.shape]["f"].numpy()[:, net.member]  # (T, L)
    return float(np.nanmax(f[:, net.shape.hidden // 2:], axis=0).min())


def rise_sampled(result: GridResult, net: Network) -> Measurement:
    """Fig. 10 on one network: the largest rise of its layer-averaged f above its initial value. Where f peaks at
    the initialisation the rise is 0 on any images (one measurement less itself); otherwise the binomial sampling of
    both ends on the validation images, treated as independent (an approximation: both ends are measured on the
    same images)."""
    f = result.records[net.shape]["f"].numpy()[:, net.member].mean(axis=-1)  # (T,)
    peak, start = float(np.nanmax(f)), float(f[0])
    if int(np.nanargmax(f)) == 0:
        return exact(0.0, sources="one network; f peaks at the initialisation, so the rise is 0 on any images")
    variance = binomial_variance(peak, result.n_val) + binomial_variance(start, result.n_val)
    return with_sampling(exact(peak - start, sources="one network"), variance,
                         f"binomial validation sampling of both ends, as if independent ({result.n_val:,} images)")


def record_claims(ledger: Ledger, result: GridResult, margin: dict, max_u: float) -> None:
    """Record this run's measurement of every claim, per network (claim_evidence), with whether the networks it
    rests on cover it and whether this profile is comparable with the paper's setting (comparable)."""
    for claim in ledger.claims.values():
        if claim.role != "reproduction":
            continue
        found = claim_evidence(result, claim.id, claim.criterion)
        if found is None:
            continue
        same, why = comparable(result, claim.id, claim_keys(result, claim.id))
        phase = "beginning of training" if claim.id in EARLY_PHASE else "trained networks"
        ledger.record(claim.id, found.measured, converged=found.converged, comparable=same,
                      note=f"{phase}; {found.note}" + (f"; not comparable: {why}" if not same else ""))
    ledger.record("hd2020.eq4.margin_prediction", margin["agreement"],
                  note=f"{margin['pairs']:,} predictions, {margin['misses']} misses")
    ledger.record("hd2020.s5.3.u_bound", max_u, note="a bound on what one binary node can carry, trained or not")


def phase_table(result: GridResult, claims) -> pd.DataFrame:
    """Per paper claim: the phase of training it speaks of, whether this profile is comparable with the paper's
    setting for it, and whether every network behind it covers it and why (comparable, phase_of)."""
    rows = []
    for claim in claims:
        if claim.role != "reproduction":
            continue
        keys = claim_keys(result, claim.id)
        covered, why = phase_of(result, claim.id, keys) if keys else (False, "no run of this grid measures it")
        same, differs = comparable(result, claim.id, keys) if keys else (False, "")
        rows.append({"claim": claim.id, "speaks of": ("the beginning of training" if claim.id in EARLY_PHASE
                                                      else "the trained networks"),
                     "comparable": "yes" if same else f"no ({differs})" if differs else "—",
                     "this run covers it": "yes" if covered else "no", "why": why})
    return pd.DataFrame(rows)


def largest_u(result: GridResult) -> float:
    """The largest u_l of any layer, member and measurement."""
    return max(float(np.nanmax(r["u"].numpy())) for r in result.records.values())


def seed_range(values: np.ndarray) -> str:
    """Mean over seeds with the smallest and largest seed: 'mean (min–max)'."""
    return f"{np.mean(values):.3f} ({np.min(values):.3f}–{np.max(values):.3f})"


def deep_peak_per_seed(result: GridResult, shape: grid.Shape, loss: str = "mse") -> np.ndarray:
    """deep_peak of each seed on its own: (S,)."""
    f = result.records[shape]["f"].numpy()[:, result.ids(loss)]  # (T, S, L)
    return np.nanmax(f[:, :, shape.hidden // 2:], axis=0).min(axis=1)


def f_rise_per_seed(result: GridResult, shape: grid.Shape, loss: str = "mse") -> np.ndarray:
    """f_rise of each seed on its own: (S,)."""
    f = np.nanmean(result.records[shape]["f"].numpy()[:, result.ids(loss)], axis=2)  # (T, S)
    return np.nanmax(f, axis=0) - f[0]


def init_comparison(results: dict[str, GridResult]) -> pd.DataFrame:
    """Per initialisation: the share of runs where each finding holds (as the claims count it), the Fig. 9 and
    Fig. 10 measures where the comparison has those shapes (seed mean, and the range over seeds), and the
    initial MSE loss."""
    rows = []
    for init, result in results.items():
        row = {"init": init}
        for number in range(1, 8):
            share, _ = finding_share(result, number)
            row[f"({number})"] = "n/a" if share is None else round(share, 2)
        deep = max((s for s in result.shapes if s.hidden >= 2), key=lambda s: (s.depth, s.width), default=None)
        shallow = max((s for s in result.shapes if s.hidden == 1), key=lambda s: s.width, default=None)
        if "mse" in result.losses:
            row[f"Fig. 9: deep peak f ({deep.label} MSE)" if deep else "Fig. 9"] = (
                round(deep_peak(result, deep), 3) if deep else "n/a")
            row["Fig. 9 per seed: mean (min–max)"] = seed_range(deep_peak_per_seed(result, deep)) if deep else "n/a"
            row[f"Fig. 10: rise of f ({shallow.label} MSE)" if shallow else "Fig. 10"] = (
                round(f_rise(result, shallow), 3) if shallow else "n/a")
            row["Fig. 10 per seed: mean (min–max)"] = seed_range(f_rise_per_seed(result, shallow)) if shallow else "n/a"
            row["initial MSE loss"] = round(float(np.mean([r["val_loss"][0, result.ids("mse")].mean().item()
                                                          for r in result.records.values()])), 3)
        rows.append(row)
    return pd.DataFrame(rows)


def margin_run(shape: grid.Shape, data: TrainData, *, init: str, seed: int, batch_size: int, steps: int,
               samples: int, loss: str, lr: float) -> list[mg.MarginStep]:
    """`steps` plain SGD steps of one network of `shape` from its initialisation, each checked against eq. 4-7 on
    the first `samples` validation images."""
    model = mlp(1, shape.sizes(), bias="first", init=init, seed=seed).member(0)
    order = torch.randperm(len(data.x_train), generator=torch.Generator().manual_seed(seed))
    batches = [order[i * batch_size:(i + 1) * batch_size] for i in range(steps)]
    return mg.margin_run(model, data.x_train, data.y_train, batches, data.x_val[:samples], loss, lr)


def margin_summary(steps: list[mg.MarginStep]) -> dict:
    """Counts over every (sample, node, step): predictions, agreement of eq. 4 with the step, joined / left and
    eq. 6 / 7's predictions of them, and the largest |z·w| after the step among the misses."""
    pairs = sum(s.before.numel() for s in steps)
    agree = sum(int((s.predicted == s.after).sum()) for s in steps)
    misses = [s.after_margin[s.predicted != s.after].abs() for s in steps]
    return {"pairs": pairs, "agreement": agree / pairs, "misses": pairs - agree,
            "joined": sum(int((~s.before & s.after).sum()) for s in steps),
            "left": sum(int((s.before & ~s.after).sum()) for s in steps),
            "eq6": sum(int(mg.joins(s.alignment, s.sigma, s.lr).sum()) for s in steps),
            "eq7": sum(int(mg.leaves(s.alignment, s.sigma, s.lr).sum()) for s in steps),
            "worst_miss": max((float(m.max()) for m in misses if m.numel()), default=0.0)}


def busiest(steps: list[mg.MarginStep]) -> tuple[int, int]:
    """(step, node) with the most membership changes."""
    changes = torch.stack([(s.before != s.after).sum(dim=0) for s in steps])  # (steps, nodes)
    step, node = divmod(int(changes.argmax()), changes.shape[1])
    return step, node


def time_shapes(data: TrainData, paper, *, init: str, seed: int, timing_steps: int,
                probe_images: int) -> pd.DataFrame:
    """Each shape of the `paper` profile (resolved parameters `paper`) timed on this machine: seconds per engine
    step of its 2 · n_seeds members (after one untimed warm-up step) and per measurement (timed on probe_images
    validation images, scaled to paper.n_val), and the projected hours of the paper's grid and of the other
    initialisations of its comparison. On a CPU the clock is this process's CPU time (clock), so that other
    programs on the machine do not inflate it. A projection, not a run."""
    device = resolve_device("auto")
    now = clock(device)
    members = grid.members(("ce", "mse"), paper.n_seeds, seed)
    run = grid.GridRun(members, epochs=paper.epochs, batch_size=paper.batch_size, lr=paper.lr, init=init,
                       measurements=paper.measurements)
    steps, points = paper.epochs * run.steps_per_epoch(paper.n_train), len(run.measure_steps(paper.n_train))
    compared = dataclasses.replace(run, stop=paper.compare_steps)
    compare_steps, compare_points = compared.total_steps(paper.n_train), len(compared.measure_steps(paper.n_train))
    compare_shapes = set(grid.grid(paper.compare_depths, paper.compare_widths))
    others = len([i for i in paper.compare_inits if i != paper.init])
    rows = []
    for shape in grid.grid(paper.depths, paper.widths):
        net = mlp(len(members.seeds), shape.sizes(), bias="first", init=init, seed=list(members.seeds))
        for count in (1, timing_steps):  # the first call warms up (allocations, kernels) and is not timed
            config = train_config("adam", paper.lr, members.losses, batch_size=paper.batch_size, max_epochs=1,
                                  max_steps=count, eval_every=None, restore_best=False, seed=members.seeds)
            begin = now()
            train(net, data, config)
            _synchronise(device)
        per_step = (now() - begin) / timing_steps
        recorder = grid.ProbeRecorder(data.x_val[:probe_images].to(device), data.y_val[:probe_images].to(device),
                                      members.losses)
        begin = now()
        with torch.no_grad():
            recorder(0, net)
        _synchronise(device)
        per_point = (now() - begin) * paper.n_val / probe_images
        compare = others * (per_step * compare_steps + per_point * compare_points) if shape in compare_shapes else 0.0
        rows.append({"shape": shape.label, "networks": len(members.seeds), "ms per step": 1000 * per_step,
                     "s per measurement": per_point, "grid hours": (per_step * steps + per_point * points) / 3600,
                     "comparison hours": compare / 3600})
    return pd.DataFrame(rows)


def clock(device: torch.device):
    """The clock of time_shapes: wall time on a GPU; on a CPU the process's CPU time, which is the wall time of a
    single-threaded run on an otherwise idle machine (and the sum over threads with more than one)."""
    return time.perf_counter if device.type == "cuda" else time.process_time


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def where(device: torch.device) -> str:
    """The machine the timings ran on, in words."""
    return (f"GPU ({torch.cuda.get_device_name(device)})" if device.type == "cuda"
            else f"CPU, {torch.get_num_threads()} threads, {os.cpu_count()} cores")


def compare_inits(inits, shapes, result: GridResult, data: TrainData, data_id: dict, *, stop: int,
                  **run) -> dict[str, GridResult]:
    """The comparison shapes under each initialisation (the reading choice `init`) with the grid's seeds, batches
    and measurement steps, up to `stop`: the grid's own initialisation read from the grid (stopped), the others
    trained."""
    return {init: (stopped(result, shapes, stop) if init == result.run.init else
                   train_grid(shapes, result.losses, data, data_id, init=init, stop=stop, **run)) for init in inits}


def init_evidence(comparison: pd.DataFrame) -> str:
    """One sentence per initialisation: mean share of findings held and the Fig. 9 / Fig. 10 measures."""
    numbers = [c for c in comparison.columns if c.startswith("(")]
    parts = []
    for _, row in comparison.iterrows():
        shares = [row[c] for c in numbers if row[c] != "n/a"]
        figs = [f"{c.split(':')[0]} {row[c]}" for c in comparison.columns if c.startswith("Fig.")]
        parts.append(f"{row['init']}: findings held in {np.mean(shares):.2f} of runs on average"
                     + (f" ({', '.join(figs)})" if figs else ""))
    return "; ".join(parts)
