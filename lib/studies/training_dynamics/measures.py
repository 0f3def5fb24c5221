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
from lib.studies.training_dynamics.claims import DEEP_NEAR_ALL, EARLY_PHASE, NO_RISE
from lib.train import TrainData, resolve_device, train, train_config

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
    return GridResult(list(shapes), tuple(losses), run, run.total_steps(len(data.x_train)), records)


def stopped(result: GridResult, shapes, stop: int) -> GridResult:
    """The given shapes of a grid read as runs stopped at `stop` (grid.truncate): the same members, seeds and
    batches, so equal to training them again with `stop` (train_grid)."""
    run = dataclasses.replace(result.run, stop=stop)
    records = {shape: grid.truncate(result.records[shape], stop) for shape in shapes}
    last = int(next(iter(records.values()))["steps"][-1])
    return GridResult(list(shapes), result.losses, run, last, records, result.thresholds)


def paper_expects(shape: grid.Shape, loss: str, number: int) -> bool | None:
    """Whether H&D report finding `number` for this run: True, except (1) for 2×320 MSE (App. B, Fig. 10); None
    where it does not apply ((4) and (6) need two hidden layers)."""
    if number in (4, 6) and shape.hidden < 2:
        return None
    return not (number == 1 and (shape.depth, shape.width, loss) == (2, 320, "mse"))


def finding_share(result: GridResult, number: int) -> tuple[float | None, list[str]]:
    """Share of the runs the paper reports finding `number` for where it holds here (a run whose check does not
    apply, e.g. (3) without a turn of f, counts as not holding), and the runs where it does not."""
    expected = [(s, loss) for s, loss in result.keys if paper_expects(s, loss, number)]
    missed = [f"{s.label} {LOSS_NAMES[loss]}" for s, loss in expected
              if not result.findings(s, loss)[number - 1].held]
    return ((len(expected) - len(missed)) / len(expected) if expected else None), missed


MARK = {True: "✓", False: "✗", None: "n/a"}


def findings_table(result: GridResult) -> pd.DataFrame:
    """✓ / ✗ / n/a per run and finding, with the paper's expectation where it differs from 'holds'."""
    rows = []
    for shape, loss in result.keys:
        found = result.findings(shape, loss)
        rows.append({"shape": shape.label, "loss": LOSS_NAMES[loss],
                     **{f"({f.number})": MARK[f.held] + ("" if paper_expects(shape, loss, f.number) is not False
                                                         else " (paper: ✗)") for f in found},
                     "converged": "yes" if result.converged([(shape, loss)]) else "no"})
    return pd.DataFrame(rows)


def findings_details(result: GridResult) -> pd.DataFrame:
    """The numbers each check was decided on."""
    return pd.DataFrame([{"shape": s.label, "loss": LOSS_NAMES[loss], "finding": f"({f.number}) {f.claim}",
                          "measured": f.detail} for s, loss in result.keys for f in result.findings(s, loss)])


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
    """Why checks fail in this run, one conditional sentence per finding that fails somewhere."""
    reasons = []
    for number in range(1, 8):
        missed = [(s, loss) for s, loss in result.keys
                  if paper_expects(s, loss, number) and not result.findings(s, loss)[number - 1].held]
        if not missed:
            continue
        names = ", ".join(f"{s.label} {LOSS_NAMES[loss]}" for s, loss in missed)
        if number == 1:
            flat = [f"{s.label} {LOSS_NAMES[loss]}" for s, loss in missed if never_rises(result, s, loss)]
            rest = len(missed) - len(flat)
            reasons.append(f"(1) does not hold for {names}" + (
                f"; f never rises above its initial value in {', '.join(flat)}" if flat else "") + (
                f"; in the other {rest}, some layer does not rise, or has not fallen 0.01 below its peak by the "
                "last step" if rest else "") + ".")
        elif number == 3:
            details = [result.findings(s, loss)[2].detail for s, loss in missed]
            reasons.append(f"(3) does not hold for {names} ({'; '.join(details)}).")
        elif number == 7:
            errors = ", ".join(f"{float(result.curves(s, loss).val_error[-1]):.3f}" for s, loss in missed)
            reasons.append(f"(7) does not hold for {names} (final validation errors {errors}).")
        else:
            reasons.append(f"({number}) does not hold for {names}.")
    return " ".join(reasons) if reasons else "Every check holds wherever the paper reports it."


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
    """The runs among `keys` whose layer-averaged f still rises at the last measurement point: those where the
    run has not yet passed the rise and turn of f that the early-phase claims speak of."""
    late = []
    for shape, loss in keys:
        f = np.nanmean(result.curves(shape, loss).f, axis=1)  # (T,)
        if int(np.nanargmax(f)) == len(f) - 1 and len(f) > 1:
            late.append(f"{shape.label} {LOSS_NAMES[loss]}")
    return late


def phase_of(result: GridResult, claim_id: str, keys) -> tuple[bool, str]:
    """(whether this run can speak for the claim, why): an early-phase claim (claims.EARLY_PHASE) once f has turned
    in every run behind it; any other claim only when every network behind it reached its validation minimum."""
    if claim_id in EARLY_PHASE:
        late = turned(result, keys)
        return (not late, f"early-phase claim; f has turned by step {result.total_steps:,} in every run behind it"
                if not late else "early-phase claim, but f still rises at the last step in " + ", ".join(late))
    return (result.converged(keys), "needs the trained networks (the paper: 200 epochs)")


def claim_keys(result: GridResult, claim_id: str) -> list[tuple[grid.Shape, str]]:
    """The (shape, loss) runs of this grid a paper claim is measured on; empty where the run has none."""
    if claim_id.startswith("hd2020.s6.finding"):
        number = int(claim_id[-1])
        return [(s, loss) for s, loss in result.keys if paper_expects(s, loss, number)]
    if claim_id == "hd2020.s5.error_below_5pct_width_ge_80":
        return [(s, loss) for s, loss in result.keys if s.width >= 80]
    if claim_id == "hd2020.s5.error_below_7pct_width_20":
        return [(s, loss) for s, loss in result.keys if s.width == 20]
    deep, shallow = figure_shapes(result)
    shape = {"hd2020.fig9.mse_deep_layers_near_all_samples": deep, "hd2020.fig10.mse_2x320_no_rise": shallow}[claim_id]
    return [(shape, "mse")] if shape is not None and "mse" in result.losses else []


def record_claims(ledger: Ledger, result: GridResult, margin: dict, max_u: float) -> None:
    """Record this run's measurement of every claim: an early-phase claim carries whether the run covers its
    phase (phase_of), any other claim on trained networks their convergence."""
    for number in range(1, 8):
        claim_id = f"hd2020.s6.finding{number}"
        share, missed = finding_share(result, number)
        if share is not None:
            covered, why = phase_of(result, claim_id, claim_keys(result, claim_id))
            held = "; does not hold for " + ", ".join(missed) if missed else "; holds for every run"
            ledger.record(claim_id, share, converged=covered, note=why + held)
    for claim_id in ("hd2020.s5.error_below_5pct_width_ge_80", "hd2020.s5.error_below_7pct_width_20"):
        keys = claim_keys(result, claim_id)
        if keys:
            errors = [float(result.curves(s, loss).val_error[-1]) for s, loss in keys]
            covered, why = phase_of(result, claim_id, keys)
            ledger.record(claim_id, max(errors), converged=covered,
                          note=f"{why}; largest of {len(keys)} seed-averaged runs")
    for claim_id, value, threshold in (("hd2020.fig9.mse_deep_layers_near_all_samples", deep_peak, DEEP_NEAR_ALL),
                                       ("hd2020.fig10.mse_2x320_no_rise", f_rise, NO_RISE)):
        keys = claim_keys(result, claim_id)
        if keys:
            covered, why = phase_of(result, claim_id, keys)
            ledger.record(claim_id, value(result, keys[0][0]), converged=covered,
                          note=f"{why}; {keys[0][0].label} MSE, threshold {threshold}")
    ledger.record("hd2020.eq4.margin_prediction", margin["agreement"],
                  note=f"{margin['pairs']:,} predictions, {margin['misses']} misses")
    ledger.record("hd2020.s5.3.u_bound", max_u, note="a bound on what one binary node can carry, trained or not")


def phase_table(result: GridResult, claims) -> pd.DataFrame:
    """Per paper claim: the phase of training it speaks of, and whether this run covers it and why (phase_of)."""
    rows = []
    for claim in claims:
        if claim.role != "reproduction":
            continue
        keys = claim_keys(result, claim.id)
        covered, why = phase_of(result, claim.id, keys) if keys else (False, "no run of this grid measures it")
        rows.append({"claim": claim.id, "speaks of": ("the beginning of training" if claim.id in EARLY_PHASE
                                                      else "the trained networks"),
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
