"""Projected cost of every section's `paper` profile: its engine calls, each timed for a few steps on this machine.

The calls are read from the studies themselves: the resolved `paper` parameters (lib.studies.resolve) and each
study's own builders of networks, members and engine settings (lib.studies.<section>). Per call a few engine
steps of its shape (its K stacked networks, batch size, optimizer and losses, on random data of its training-set
size) are timed after a warm-up, and so are the per-epoch extras: the members' permutations and the samples scored
each epoch (the engine's validation and the study's own per-epoch scoring). The projection is the cost at the
epoch caps, an upper bound where early stopping ends a call earlier; measurements outside the engine (probes at a
few steps, t-SNE, Monte Carlo, gradient ascent) are not counted. On a CPU the clock is this process's CPU time at
one thread (what each lib.parallel worker uses), so other programs barely inflate it; a section's wall time on W
cores is the longest-first schedule of its calls over W workers.

Usage: python benchmarks/paper_workloads.py [--steps N] [--device cpu|cuda] [--cuda-graph] [--plain]
[--sections a,b] [--workers W]; writes benchmarks/paper_workloads[-cuda].json.
"""

import argparse
import dataclasses
import heapq
import json
import math
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch
from plain_loop import plain_steps
from torch.utils.data import DataLoader, TensorDataset

from lib.models import StackedConv1d, StackedNet, mlp
from lib.seed import generator, member_seeds
from lib.studies import resolve
from lib.train import (
    GraphedStep,
    TrainConfig,
    epoch_permutations,
    evaluate,
    set_threads,
    train,
    train_config,
    train_data,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "paper_workloads.json"
REFERENCE = HERE.parent / "results" / "reference"
SECTIONS = ("jump_detection", "bottleneck", "memorisation", "summary_layers", "training_dynamics",
            "cooperating_classifiers")  # lib.studies.SECTIONS less `data`, which trains nothing
WARMUP_STEPS = 2
MNIST_55K_VAL = 5000  # validation images of the 55k/5k/10k split (summary layers, cooperating classifiers)


@dataclass(frozen=True)
class Call:
    """One engine call of a `paper` profile: the study's network builder and engine settings, its training-set
    size and the samples it scores (forward only) per epoch besides training."""

    section: str
    name: str
    build: Callable[[], StackedNet]
    cfg: TrainConfig
    n_train: int
    scored_per_epoch: float = 0.0
    note: str = ""
    stop: str = ""  # the study's own stop rule, where it has one besides the engine's patience
    members: tuple = ()  # which networks it trains, as the section's results name them (reference_best_epochs)

    @property
    def stops_early(self) -> bool:
        """Whether the call may end before its cap (early stopping, or the study's own stop rule)."""
        return self.cfg.patience is not None or bool(self.stop)

    @property
    def k(self) -> int:
        """Members stacked in the call."""
        return _members(self.cfg)

    @property
    def steps_per_epoch(self) -> int:
        """The engine's batches per epoch (the last one may be partial)."""
        return math.ceil(self.n_train / self.cfg.batch_size)

    @property
    def steps_at_cap(self) -> int:
        """Steps when no member stops early: max_epochs epochs, or max_steps if fewer."""
        steps = self.cfg.max_epochs * self.steps_per_epoch
        return steps if self.cfg.max_steps is None else min(steps, self.cfg.max_steps)

    @property
    def epochs_at_cap(self) -> int:
        """Epochs begun by steps_at_cap steps."""
        return math.ceil(self.steps_at_cap / self.steps_per_epoch)


def _members(cfg: TrainConfig) -> int:
    """K from the per-member settings of a config (seeds, rates or losses given one per member)."""
    for value in (cfg.seed, cfg.lr, cfg.loss):
        if isinstance(value, tuple):
            return len(value)
    raise ValueError("cfg: expected per-member seeds, rates or losses to tell the number of members")


# ------------------------------------------------------------------ the engine calls of each section's paper profile


def jump_detection_calls(cfg) -> list[Call]:
    """Thesis Tables 3.3-3.4: every shape (and the length-5 CNN, and the CNNs with the other conv activation) in
    one call of its seeds (training.shape_calls); each epoch scores the validation set, the Fig. 3.9 shape the
    training set too."""
    from lib.studies.jump_detection import nets, training

    calls = []
    for name, call in training.shape_calls(cfg, None):
        shape, seeds, _, _, main_cfg = call.args
        scored = cfg.n_val + (cfg.n_train if call.keywords["record_curve"] else 0)
        calls.append(Call("jump_detection", name, partial(nets.build, shape, seeds,
                                                          conv_activation=call.keywords["conv_activation"]),
                          main_cfg, cfg.n_train, scored))
    return calls


def bottleneck_calls(cfg) -> list[Call]:
    """Thesis §4.2: per depth one call per width group (networks.group_configs), then the output-initialisation
    arms of the widest shallow networks (initialisation.run)."""
    from lib.studies.bottleneck import nets as bn
    from lib.studies.bottleneck import networks
    from lib.studies.bottleneck.params import P_SETS

    members = bn.Members(P_SETS[cfg.p_set], tuple(range(cfg.n_seeds)))
    calls = [Call("bottleneck", f"{depth} p = {', '.join(map(str, group.ps))}",
                  partial(bn.padded_bottlenecks, group, depth == "deep", cfg.init), group_cfg, cfg.n_train, cfg.n_val,
                  members=tuple((depth, p, s) for p, s in group.pairs))
             for depth in networks.DEPTHS for group, group_cfg in networks.group_configs(members, cfg)]
    arms = bn.Members((max(members.ps),) * 2, members.seeds)  # both arms of initialisation.run
    arms_cfg = bn.member_config(arms, lr=cfg.lr, batch_size=cfg.batch_size, max_epochs=cfg.init_epochs,
                                patience=cfg.patience, eval_every=1)
    calls.append(Call("bottleneck", f"initialisation arms p = {max(members.ps)}",
                      partial(bn.padded_bottlenecks, arms, False, cfg.init), arms_cfg, cfg.n_train, cfg.n_val,
                      members=tuple(("initialisation", p, s) for p, s in arms.pairs[:len(members.seeds)])))
    return calls


def memorisation_calls(cfg) -> list[Call]:
    """Thesis ch. 6: memorising and learning networks of each task (runs.run); each check scores the training
    and validation sets, and the test set at every curve point."""
    from lib.studies.memorisation import runs

    tasks = {"jump": (runs.jump_training(cfg), (100, *[cfg.hidden] * 3, runs.POSITIONS), cfg.n_train, cfg.n_val,
                      cfg.n_test),  # the sizes of runs.jump_sets
             "mnist": (runs.mnist_training(cfg), (784, *[cfg.mnist_hidden] * 4, 10), cfg.mnist_train, cfg.mnist_val,
                       cfg.mnist_test)}  # the sizes of runs.mnist_sets
    calls = []
    for task, (how, sizes, n_train, n_val, n_test) in tasks.items():
        tcfg = train_config(how.optimizer, lr=how.lr, batch_size=how.batch_size, max_epochs=how.max_epochs,
                            eval_every=None, restore_best=False, seed=list(member_seeds(how.seed, how.k)))
        scored = (n_train + n_val + n_test / how.curve_every) / how.every
        for kind in runs.KINDS:
            stop = ("once every member fits its labels" if kind == "memorising" else
                    f"once every member has gone {how.patience} checks without a lower validation loss")
            calls.append(Call("memorisation", f"{task} {kind}", partial(mlp, how.k, sizes, init="glorot",
                                                                        seed=how.seed),
                              tcfg, n_train, scored, stop=stop))
    return calls


def summary_layers_calls(cfg) -> list[Call]:
    """Davel 2020 §4.1: per H the lr × seed grid of 784-H-2-10 networks and its baseline without the summary layer
    (grid.train_grid, grid.train_baseline; the GridSpec the notebook builds), then the screening runs
    (experiments.run_screen: settings sharing batch size and input scaling in one call)."""
    from lib.studies.summary_layers import experiments, grid

    calls = []
    for hidden in cfg.hidden_sizes:
        spec = grid.GridSpec(hidden=hidden, lrs=grid.lr_grid(cfg.lr_low, cfg.lr_high, cfg.n_lr),
                             seeds=tuple(cfg.seed + i for i in range(cfg.n_seeds)), batch_size=cfg.batch_size,
                             max_epochs=cfg.max_epochs, patience=cfg.patience)
        lrs, seeds = spec.members()
        spec_cfg = train_config("sgd", lr=list(lrs), loss="ce", batch_size=spec.batch_size,
                                max_epochs=spec.max_epochs, patience=spec.patience, eval_every=1, restore_best=True,
                                seed=list(seeds))
        calls.append(Call("summary_layers", f"grid 784-{hidden}-2-10", partial(grid.build_grid_net, spec, 784, 10),
                          spec_cfg, cfg.n_train, 2 * MNIST_55K_VAL, "validation scored twice (loss, summary states)"))
        calls.append(Call("summary_layers", f"baseline 784-{hidden}-10",
                          partial(mlp, len(seeds), [784, hidden, 10], bias="first", init="he", seed=list(seeds)),
                          spec_cfg, cfg.n_train, MNIST_55K_VAL))
    settings = experiments.protocol_settings(tuple(cfg.screen_lrs), cfg.batch_size)
    seeds = tuple(cfg.seed + i for i in range(cfg.screen_seeds))
    groups: dict[tuple[int, str], list] = {}
    for setting in settings:
        groups.setdefault((setting.batch_size, setting.scaling), []).append(setting)
    for (batch, scaling), group in groups.items():
        screen_cfg = train_config("sgd", lr=[st.lr for st in group for _ in seeds], batch_size=batch,
                                  max_epochs=-(-cfg.screen_steps * batch // cfg.n_train), max_steps=cfg.screen_steps,
                                  patience=None, eval_every=None, restore_best=False,
                                  seed=[s for _ in group for s in seeds])
        calls.append(Call("summary_layers", f"screen batch {batch}, {scaling} inputs",
                          partial(experiments.screening_net, tuple(group), seeds, cfg.analysed_hidden, 784, 10),
                          screen_cfg, cfg.n_train))
    return calls


def training_dynamics_calls(cfg) -> list[Call]:
    """H&D 2020 §4.1: every grid shape with its loss × seed members for all epochs, then the comparison's other
    initialisations up to compare_steps (measures.train_on_cores); the probes read the validation images at the
    `measurements` log-spaced steps."""
    from lib.studies.training_dynamics import grid, measures

    losses = measures.loss_kinds(cfg.losses)
    run = dict(n_seeds=cfg.n_seeds, seed=cfg.seed, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr,
               measurements=cfg.measurements)
    arms = [(measures.grid_run(losses, init=cfg.init, **run), grid.grid(cfg.depths, cfg.widths))]
    arms += [(measures.grid_run(losses, init=other, stop=cfg.compare_steps, **run),
              grid.grid(cfg.compare_depths, cfg.compare_widths)) for other in cfg.compare_inits if other != cfg.init]
    calls = []
    for arm, shapes in arms:
        points = len(arm.measure_steps(cfg.n_train))
        for shape in shapes:
            name = f"{shape.label}" + ("" if arm.stop is None else f", init {arm.init} (comparison)")
            tcfg = arm.train_config(cfg.n_train)
            epochs = math.ceil(arm.total_steps(cfg.n_train) / arm.steps_per_epoch(cfg.n_train))
            calls.append(Call("training_dynamics", name,
                              partial(mlp, len(arm.members.seeds), shape.sizes(), bias="first", init=arm.init,
                                      seed=list(arm.members.seeds)),
                              tcfg, cfg.n_train, points * cfg.n_val / epochs))
    return calls


def cooperating_classifiers_calls(cfg) -> list[Call]:
    """Davel et al. 2020 slides: the optimiser × rate grids of the 6x100 networks (FMNIST, MNIST), the FMNIST
    7x100 sigmoid network, the two label-corruption runs and the other depths of the FMNIST sweep
    (experiments.train_networks; with grid_on='focus' one call at the rate the 6x100 grid chooses at run time,
    here the first of the grid as a stand-in)."""
    from lib.studies.cooperating_classifiers import experiments as ex
    from lib.studies.cooperating_classifiers import measures as ms
    from lib.studies.cooperating_classifiers import runs as cr
    from lib.train import log_steps

    snaps = log_steps(cfg.snapshot_epochs * math.ceil(cfg.n_train / 100), cfg.snapshots)
    focus = ms.FOCUS[0]
    named = [(f"FMNIST {focus}x100", spec) for _, _, spec in ms.grid_specs(focus, cfg, snapshot_steps=snaps)]
    named += [(f"MNIST {focus}x100", spec) for _, _, spec in ms.grid_specs(focus, cfg)]
    named += [("FMNIST 7x100 sigmoid", spec) for _, _, spec in
              ms.grid_specs(7, cfg, activation="sigmoid", optimizers=("adam",), lrs=cfg.sigmoid_lrs)]
    named += [(f"MNIST {focus}x100 label corruption ({mode})", ms.corruption_spec(cfg, mode))
              for mode in ex.CORRUPTIONS]
    searched = {} if cfg.grid_on == "all" else {"optimizers": cfg.optimizers[:1],
                                                "lrs": ms.grid_rates(cfg, cfg.optimizers[0])[:1]}
    named += [(f"FMNIST {d}x100", spec) for d in sorted(set(cfg.depths) - {focus})
              for _, _, spec in ms.grid_specs(d, cfg, **searched)]
    return [Call("cooperating_classifiers", f"{name}, {spec.optimizer}", partial(cr.build, spec),
                 cr.engine_config(spec), spec.n_train, 0 if spec.patience is None else MNIST_55K_VAL)
            for name, spec in named]


ENUMERATORS = {"jump_detection": jump_detection_calls, "bottleneck": bottleneck_calls,
               "memorisation": memorisation_calls, "summary_layers": summary_layers_calls,
               "training_dynamics": training_dynamics_calls, "cooperating_classifiers": cooperating_classifiers_calls}


def paper_calls(section: str, profile: str = "paper") -> list[Call]:
    """Every engine call of a section's profile (`paper` unless asked otherwise), in the study's order."""
    return ENUMERATORS[section](resolve(section, profile))


# ------------------------------------------------------------------------------------------------ timing


def per_sample_flops(net: StackedNet) -> int:
    """Forward FLOPs of one member on one sample, as the engine computes it: 2·fan_in·fan_out per dense layer,
    2·L² per conv layer (the banded-matrix product of lib.models.StackedConv1d)."""
    total = 0
    for layer in net.layers:
        if isinstance(layer, StackedConv1d):
            total += 2 * net.arch["length"] ** 2
        else:
            total += 2 * layer.weight.shape[1] * layer.weight.shape[2]
    return total


def shape_text(net: StackedNet) -> str:
    """'100-25-10-25-60' for an MLP, 'conv 5,7,9 on 100 → 60' for a CNN."""
    if net.arch["builder"] == "cnn1d":
        return f"conv {','.join(map(str, net.arch['kernels']))} on {net.arch['length']} → {net.arch['classes']}"
    return "-".join(map(str, net.arch["sizes"]))


def io_sizes(net: StackedNet) -> tuple[int, int]:
    """(input size, classes) of a stack."""
    first = net.layers[0]
    d_in = net.arch["length"] if isinstance(first, StackedConv1d) else first.weight.shape[1]
    return d_in, net.layers[-1].weight.shape[2]


class RandomData:
    """Random inputs and labels of each needed size, made once: the cost of a step depends on shapes only."""

    def __init__(self, device: torch.device):
        self.device, self.made = device, {}

    def get(self, n: int, d_in: int, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
        """x (n, d_in) float32 in [0, 1) and y (n,) int64 in [0, classes), on the device."""
        key = (n, d_in, classes)
        if key not in self.made:
            gen = generator(n + d_in + classes)
            self.made[key] = (torch.rand(n, d_in, generator=gen).to(self.device),
                              torch.randint(0, classes, (n,), generator=gen).to(self.device))
        return self.made[key]


def clock(device: torch.device, threads: int) -> Callable[[], float]:
    """Process CPU time for a one-thread CPU run (the wall time on an idle core, little moved by other programs),
    else wall time."""
    return time.process_time if device.type == "cpu" and threads == 1 else time.perf_counter


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that the clock covers it."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn: Callable[[], object], now: Callable[[], float], device: torch.device) -> float:
    """Seconds of one call of fn, GPU work included."""
    synchronize(device)
    start = now()
    fn()
    synchronize(device)
    return now() - start


def time_call(call: Call, steps: int, device: torch.device, data: RandomData, now: Callable[[], float],
              cuda_graph: bool = False) -> dict:
    """Seconds per step and per epoch's extras (the members' permutations, the scored samples) of one call's
    shape. A step's time is the difference of two engine calls, `steps` steps apart, after a warm-up call; a graphed
    call's warm-up and capture fall before the difference."""
    net = call.build()
    d_in, classes = io_sizes(net)
    x, y = data.get(call.n_train, d_in, classes)
    tdata = train_data(x, y, x[:1], y[:1])
    per_step = {}
    for graphs in (False, True) if cuda_graph else (False,):
        base = 1 + (GraphedStep.WARMUP if graphs else 0)  # steps before the first replayed one
        seconds = []
        for count in (WARMUP_STEPS, base, base + steps):  # the first call warms up (allocations, kernels)
            cfg = dataclasses.replace(call.cfg, max_steps=count, eval_every=None, patience=None, restore_best=False,
                                      device=device.type, cuda_graph=graphs)
            net = call.build()
            seconds.append(timed(partial(train, net, tdata, cfg), now, device))
        per_step[graphs] = max(seconds[2] - seconds[1], 0.0) / steps  # the call's fixed costs cancel
    gens = [generator(s) for s in member_seeds(call.cfg.seed, call.k)]
    permute = timed(lambda: epoch_permutations(gens, call.n_train), now, device)
    sample = int(min(call.scored_per_epoch, 4096, len(x)))
    scoring = 0.0
    if sample:
        scoring = timed(lambda: evaluate(net, x[:sample], y[:sample], call.cfg.loss), now, device)
        scoring *= call.scored_per_epoch / sample
    flops = 3 * per_sample_flops(net) * call.k * min(call.cfg.batch_size, call.n_train)
    row = {"section": call.section, "call": call.name, "shape": shape_text(net), "members": call.k,
           "batch": call.cfg.batch_size, "n_train": call.n_train, "optimizer": call.cfg.optimizer,
           "epochs_at_cap": call.epochs_at_cap, "steps_at_cap": call.steps_at_cap, "s_per_step": per_step[False],
           "s_per_epoch_extra": permute + scoring, "gflops": flops / per_step[False] / 1e9,
           "stops_early": call.stops_early, "note": "; ".join(filter(None, (call.note, call.stop)))}
    row["hours_at_cap"] = hours(row, call.epochs_at_cap, call.steps_at_cap)
    if cuda_graph:
        row["s_per_step_graphs"] = per_step[True]
        row["hours_at_cap_graphs"] = hours(row, call.epochs_at_cap, call.steps_at_cap, per_step[True])
    return row


def hours(row: dict, epochs: int, steps: int, per_step: float | None = None) -> float:
    """Projected hours of `steps` steps in `epochs` epochs at the row's timed rates."""
    return ((per_step or row["s_per_step"]) * steps + row["s_per_epoch_extra"] * epochs) / 3600


def time_plain(call: Call, steps: int, device: torch.device, data: RandomData, now: Callable[[], float],
               members: int) -> float:
    """Seconds per step of all K members trained one after another as plain nn.Sequential models with torch.optim
    and a shuffling DataLoader (the usual loop), from the first `members` members scaled to K."""
    stack = call.build()
    x, y = data.get(call.n_train, *io_sizes(stack))
    loader = DataLoader(TensorDataset(x.cpu(), y.cpu()), batch_size=call.cfg.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    lrs = call.cfg.lr if isinstance(call.cfg.lr, tuple) else (call.cfg.lr,) * call.k
    kinds = call.cfg.loss if isinstance(call.cfg.loss, tuple) else (call.cfg.loss,) * call.k
    total, used = 0.0, min(members, call.k)
    for k in range(used):
        model = stack.member(k).to(device)
        if call.cfg.optimizer == "sgd":
            opt = torch.optim.SGD(model.parameters(), lr=lrs[k])
        else:
            opt = torch.optim.Adam(model.parameters(), lr=lrs[k], betas=call.cfg.betas, eps=call.cfg.eps)
        plain_steps(model, opt, loader, kinds[k], WARMUP_STEPS, device)
        total += timed(partial(plain_steps, model, opt, loader, kinds[k], steps, device), now, device)
    return total / used * call.k / steps


def longest_first_makespan(seconds: list[float], workers: int) -> float:
    """Wall seconds of independent calls on `workers` processes, each next call (largest first, as
    lib.parallel.longest_first orders them) to the first free worker."""
    free = [0.0] * max(1, workers)
    for s in sorted(seconds, reverse=True):
        heapq.heapreplace(free, free[0] + s)
    return max(free)


def reference_best_epochs(measured: dict, calls: list[Call]) -> dict[str, list[int]]:
    """The best epochs of each call's members as a section's results record them: by call name
    (measured.best_epochs, jump detection), or one row per network (measured.runs and measured.initialisation,
    bottleneck)."""
    found = {name: list(epochs) for name, epochs in measured.get("best_epochs", {}).items()}
    rows = {(r["depth"], r["p"], r["seed"]): [r["best epoch"]] for r in measured.get("runs", []) if "best epoch" in r}
    rows |= {("initialisation", r["p"], r["seed"]): [r["best epoch, LS"], r["best epoch, control"]]
             for r in measured.get("initialisation", []) if "best epoch, LS" in r}
    for call in calls:
        if call.members and all(m in rows for m in call.members):
            found[call.name] = [e for m in call.members for e in rows[m]]
    return found


def reference_epochs(section: str, calls: list[Call]) -> dict[str, int]:
    """Per call, the epochs its committed reference run (results/reference/<section>.json) trained, where that
    records its members' best epochs: the last member's best epoch plus the patience, at most the cap."""
    path = REFERENCE / f"{section}.json"
    if not path.exists():
        return {}
    best = reference_best_epochs(json.loads(path.read_text()).get("measured", {}), calls)
    return {c.name: min(c.cfg.max_epochs, max(best[c.name]) + (c.cfg.patience or 0)) for c in calls if c.name in best}


def reference_wall(section: str) -> dict | None:
    """The committed reference run's wall seconds and where it ran, if there is one."""
    path = REFERENCE / f"{section}.json"
    if not path.exists():
        return None
    ref = json.loads(path.read_text())
    return {"wall_s": ref.get("wall_s", ref.get("elapsed_s")), "environment": ref.get("environment"),
            "profile": ref.get("profile")}


def matmul_peak(device: torch.device, now: Callable[[], float], n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GFLOP/s of an n×n matmul over a few repeats, at this process's threads, on the steps' clock."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    best = min(timed(lambda: a @ b, now, device) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def run(sections: list[str], steps: int, device: torch.device, threads: int, workers: int, cuda_graph: bool,
        plain: bool, plain_members: int) -> dict:
    """Time every call of the sections; print and return the rows, the section totals and the reference check."""
    now, data = clock(device, threads), RandomData(device)
    peak = matmul_peak(device, now)
    print(f"torch {torch.__version__}, {device.type}, {threads} thread(s); {steps} timed steps per call; "
          f"matmul peak {peak:.1f} GFLOP/s\n")
    head = f"{'call':<46} {'K':>3} {'ms/step':>8} {'steps at cap':>12} {'h at cap':>8} {'GFLOP/s':>8} {'% peak':>6}"
    rows, totals = [], {}
    for section in sections:
        calls = paper_calls(section)
        print(f"== {section}: {len(calls)} engine calls\n{head}" + (f" {'plain ×':>7}" if plain else ""))
        part = []
        for call in calls:
            row = time_call(call, steps, device, data, now, cuda_graph)
            row["peak_share"] = row["gflops"] / peak
            line = (f"{call.name[:46]:<46} {row['members']:>3} {1000 * row['s_per_step']:>8.2f} "
                    f"{row['steps_at_cap']:>12,} {row['hours_at_cap']:>8.2f} {row['gflops']:>8.1f} "
                    f"{100 * row['peak_share']:>6.1f}")
            if plain:
                row["plain_s_per_step"] = time_plain(call, steps, device, data, now, plain_members)
                row["plain_ratio"] = row["plain_s_per_step"] / row["s_per_step"]
                line += f" {row['plain_ratio']:>7.1f}"
            print(line, flush=True)
            part.append(row)
        totals[section] = summarise(section, calls, part, workers, cuda_graph)
        rows += part
    return {"steps": steps, "peak_gflops": peak, "rows": rows, "sections": totals,
            "total_hours_at_cap": sum(t["hours_at_cap"] for t in totals.values()),
            "environment": environment(device, threads, workers)}


def summarise(section: str, calls: list[Call], rows: list[dict], workers: int, cuda_graph: bool) -> dict:
    """A section's projected hours at the caps (one process, and the longest-first wall on `workers`), and
    against its reference run where that records its calls' epochs."""
    seconds = [3600 * r["hours_at_cap"] for r in rows]
    out = {"calls": len(rows), "hours_at_cap": sum(seconds) / 3600,
           "wall_hours_at_cap": longest_first_makespan(seconds, workers) / 3600, "workers": workers,
           "share_that_may_stop_early": sum(s for s, r in zip(seconds, rows) if r["stops_early"]) / sum(seconds)}
    if cuda_graph:
        out["hours_at_cap_graphs"] = sum(r["hours_at_cap_graphs"] for r in rows)
    share = out["share_that_may_stop_early"]
    bound = (f"an upper bound: calls holding {100 * share:.0f} % of it stop early (patience or the study's rule)"
             if share else "every call runs to its cap")
    print(f"-- {section}: {out['hours_at_cap']:.2f} h at the caps in one process, "
          f"{out['wall_hours_at_cap']:.2f} h wall on {workers} workers (longest first); {bound}")
    epochs = reference_epochs(section, calls)
    reference = reference_wall(section)
    if epochs and reference:
        spe = {c.name: c.steps_per_epoch for c in calls}
        projected = sum(hours(r, epochs[r["call"]], epochs[r["call"]] * spe[r["call"]]) for r in rows
                        if r["call"] in epochs) * 3600
        out["reference"] = {**reference, "epochs": epochs, "projected_training_s": projected}
        env = reference["environment"] or {}
        print(f"   reference run ({env.get('device')}, {env.get('threads')} thread(s)): {reference['wall_s'] / 60:.1f} "
              f"min for the whole "
              f"section; its calls' training at the epochs they ran projects to {projected / 60:.1f} min "
              f"({100 * projected / reference['wall_s']:.0f} % of it)")
    print()
    return out


def print_totals(results: dict) -> None:
    """One line per section: calls, hours at the caps in one process and on the workers, the share that may stop
    early; then all sections."""
    graphs = any("hours_at_cap_graphs" in t for t in results["sections"].values())
    print(f"{'section':<24} {'calls':>5} {'h at caps':>9} {'h wall':>7} {'may stop early':>14}"
          + (f" {'h graphs':>8}" if graphs else ""))
    for section, t in results["sections"].items():
        extra = f" {t['hours_at_cap_graphs']:>8.2f}" if graphs else ""
        print(f"{section:<24} {t['calls']:>5} {t['hours_at_cap']:>9.2f} {t['wall_hours_at_cap']:>7.2f} "
              f"{100 * t['share_that_may_stop_early']:>13.0f}%{extra}")
    print(f"all sections: {results['total_hours_at_cap']:.1f} h at the epoch caps in one process "
          f"(h wall: on {results['environment']['workers']} workers, longest first)")


def environment(device: torch.device, threads: int, workers: int) -> dict:
    """Where the timings ran."""
    machine = torch.cuda.get_device_name() if device.type == "cuda" else platform.processor() or platform.machine()
    return {"torch": torch.__version__, "device": device.type, "machine": machine, "threads": threads,
            "workers": workers, "cores": len(os.sched_getaffinity(0)),
            "clock": "process CPU time" if device.type == "cpu" and threads == 1 else "wall time"}


def main() -> None:
    """Parse the options, time, write benchmarks/paper_workloads.json (paper_workloads-cuda.json on a GPU)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="timed engine steps per call (default 10)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where the steps run")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1, as each lib.parallel worker uses)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes for a section's wall time (default: the cores here on a CPU, 1 on a GPU)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated sections (default: all)")
    parser.add_argument("--cuda-graph", action="store_true", help="also time the engine's CUDA-graph steps")
    parser.add_argument("--plain", action="store_true", help="also time the plain per-model PyTorch loop")
    parser.add_argument("--plain-members", type=int, default=2,
                        help="members timed in the plain loop, scaled to K (default 2)")
    args = parser.parse_args()
    sections = [s for s in args.sections.split(",") if s]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {', '.join(unknown)}; allowed: {', '.join(SECTIONS)}")
    if args.steps < 1:
        parser.error(f"--steps: expected an integer >= 1, got {args.steps}")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: no CUDA device is available (allowed: cpu, cuda)")
    if args.cuda_graph and args.device != "cuda":
        parser.error("--cuda-graph: CUDA graphs need --device cuda (allowed: --cuda-graph with --device cuda)")
    threads = set_threads(args.threads)
    device = torch.device(args.device)
    workers = args.workers or (1 if args.device == "cuda" else len(os.sched_getaffinity(0)))
    results = run(sections, args.steps, device, threads, workers, args.cuda_graph, args.plain, args.plain_members)
    print_totals(results)
    path = RESULTS if args.device == "cpu" else RESULTS.with_name("paper_workloads-cuda.json")
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
