"""The chapter's experiments, one function per section of the page: the networks, the layer classifiers, the
perplexities, label corruption; and the claims recorded from them."""

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from lib import parallel
from lib.claims import Ledger
from lib.studies.cooperating_classifiers import measures as ms
from lib.studies.cooperating_classifiers import runs as cr
from lib.studies.cooperating_classifiers.claims import CLAIMS, DEPTHS, MARGIN
from lib.train import log_steps
from lib.uncertainty import Measurement, binomial_variance, exact, over_repeats, with_sampling

STUDY_CLAIMS = {claim.id: claim for claim in CLAIMS}

KINDS = ("continuous", "discrete", "combined")
CORRUPTIONS = ("other", "uniform")  # a different class; any class (Zhang et al. 2017)


@dataclass(frozen=True)
class Networks:
    """Every trained network of the page: the 6x100 on MNIST; the FMNIST depth sweep (6 among them, with
    snapshots over its first epochs); the FMNIST 7x100 sigmoid network."""

    mnist: cr.Task
    fmnist: cr.Task
    mnist_focus: ms.GridRun
    depths: dict[int, ms.GridRun]
    sigmoid: ms.GridRun
    steps_per_epoch: int

    @property
    def fmnist_focus(self) -> ms.GridRun:
        return self.depths[ms.FOCUS[0]]

    def depth_names(self) -> list[str]:
        return [f"FMNIST {d}x100" for d in self.depths]

    def all_grids(self) -> dict[str, ms.GridRun]:
        return {"MNIST 6x100": self.mnist_focus, **{f"FMNIST {d}x100": g for d, g in self.depths.items()},
                "FMNIST 7x100 sigmoid": self.sigmoid}


def worker_calls(dataset: str, depth: int, cfg, **grid) -> list[partial]:
    """A grid's engine calls as tasks for the worker processes (lib.parallel)."""
    return [partial(cr.train_on, spec, dataset) for _, _, spec in ms.grid_specs(depth, cfg, **grid)]


def train_networks(cfg) -> Networks:
    """Train (or load from the model cache) every network of the page, in two rounds on the machine's cores: what
    does not depend on a grid's choice (with the label-corruption runs), then the depth sweep, which uses the
    optimiser and rate chosen for the FMNIST 6x100 network."""
    steps_per_epoch = math.ceil(cfg.n_train / 100)
    snaps = log_steps(cfg.snapshot_epochs * steps_per_epoch, cfg.snapshots)
    sigmoid_grid = {"activation": "sigmoid", "optimizers": ("adam",), "lrs": cfg.sigmoid_lrs}
    parallel.fill_cache([*worker_calls("fmnist", ms.FOCUS[0], cfg, snapshot_steps=snaps),
                         *worker_calls("mnist", ms.FOCUS[0], cfg), *worker_calls("fmnist", 7, cfg, **sigmoid_grid),
                         *(partial(cr.train_on, ms.corruption_spec(cfg, mode), "mnist") for mode in CORRUPTIONS)])
    mnist, fmnist = cr.load_task("mnist", cfg.n_train), cr.load_task("fmnist", cfg.n_train)
    focus = ms.train_grid(fmnist, ms.FOCUS[0], cfg, snapshot_steps=snaps)
    others = sorted(set(cfg.depths) - {ms.FOCUS[0]})
    parallel.fill_cache([call for d in others for call in worker_calls("fmnist", d, cfg, **searched(cfg, focus))])
    depths = {d: focus if d == ms.FOCUS[0] else ms.train_grid(fmnist, d, cfg, **searched(cfg, focus))
              for d in sorted({*cfg.depths, ms.FOCUS[0]})}
    sigmoid = ms.train_grid(fmnist, 7, cfg, **sigmoid_grid)
    return Networks(mnist, fmnist, ms.train_grid(mnist, ms.FOCUS[0], cfg), depths, sigmoid, steps_per_epoch)


def searched(cfg, focus: ms.GridRun) -> dict:
    """The grid a depth-sweep network is trained over: the whole grid (grid_on="all"), else the optimiser and
    rate chosen for the FMNIST 6x100 network."""
    return {} if cfg.grid_on == "all" else {"optimizers": (focus.optimizer,), "lrs": (focus.lr,)}


def grid_table(nets: Networks) -> dict[str, list]:
    """Every searched grid point: network, optimiser, rate, mean best validation loss over seeds, chosen or not."""
    rows = {"network": [], "optimiser": [], "learning rate": [], "validation loss (mean best)": [], "chosen": []}
    for name, grid in nets.all_grids().items():
        if len(grid.val_loss) < 2:
            continue
        for (optimizer, lr), loss in sorted(grid.val_loss.items()):
            rows["network"].append(name)
            rows["optimiser"].append(optimizer)
            rows["learning rate"].append(lr)
            rows["validation loss (mean best)"].append(round(loss, 4))
            rows["chosen"].append("yes" if (optimizer, lr) == (grid.optimizer, grid.lr) else "")
    return rows


def training_table(nets: Networks) -> dict[str, list]:
    """Per network: the chosen optimiser and rate, best epochs, whether all stopped early, test accuracy."""
    rows = {"network": [], "optimiser": [], "learning rate": [], "best epoch per seed": [], "stopped early": [],
            "test accuracy (mean)": []}
    for name, grid in nets.all_grids().items():
        task = nets.mnist if name.startswith("MNIST") else nets.fmnist
        rows["network"].append(name)
        rows["optimiser"].append(grid.optimizer)
        rows["learning rate"].append(grid.lr)
        rows["best epoch per seed"].append(", ".join(map(str, grid.best_epochs)))
        rows["stopped early"].append("yes" if grid.converged else "no")
        rows["test accuracy (mean)"].append(round(float(ms.test_accuracy(grid.run.net, grid.members, task).mean()), 4))
    return rows


def layer_evaluations(nets: Networks, cfg) -> dict[str, dict[str, ms.LayerEval]]:
    """Trained layer classifiers of every analysed network (three kinds) and the untrained control (combined)."""
    out = {}
    for name, grid in nets.all_grids().items():
        task = nets.mnist if name.startswith("MNIST") else nets.fmnist
        activation = "sigmoid" if "sigmoid" in name else "relu"
        out[name] = {"trained": ms.evaluate_layers(grid.run.net, grid.members, task, cfg, activation=activation),
                     "untrained": ms.evaluate_layers(grid.initialised(), grid.members, task, cfg,
                                                     activation=activation, kinds=("combined",))}
    return out


def judged(criterion, m) -> str:
    """The verdict a claim's criterion gives a measurement (for the page's sentences)."""
    return criterion.judge(m).verdict


def reach(ev: ms.LayerEval, kinds=None) -> Measurement:
    """The shortfall of the layer classifier chosen on validation images (among `kinds`, all by default)."""
    return ms.shortfall(ev, kinds)


def worst(criterion, found: dict) -> tuple:
    """The entry of {name: Measurement} furthest on the wrong side of an "every ..." claim: differs before
    inconclusive before reproduced, then the smallest margin (ties: the largest mean)."""
    rank = {"differs": 0, "inconclusive": 1, "reproduced": 2}

    def key(item):
        j = criterion.judge(item[1])
        return rank[j.verdict], (j.margin if j.margin is not None else 0.0) * (1 if j.verdict != "differs" else -1), \
            -item[1].mean
    return min(found.items(), key=key)


def continuous_comparison(nets: Networks, cfg) -> dict[str, float]:
    """Best continuous layer accuracy of the MNIST 6x100 network on pre-activation values and on outputs."""
    grid = nets.mnist_focus
    return {values: float(ms.evaluate_layers(grid.run.net, grid.members, nets.mnist, cfg, values=values,
                                             kinds=("continuous",)).accuracy("continuous").max())
            for values in ("pre", "post")}


def perplexities(nets: Networks, cfg) -> dict[str, dict[str, np.ndarray]]:
    """P/N_c per layer of the 6x100 networks, trained and untrained, on each data set."""
    return {name: {"trained": ms.perplexity_ratio(grid.run.net, grid.members, task, cfg.n_perplexity),
                   "untrained": ms.perplexity_ratio(grid.initialised(), grid.members, task, cfg.n_perplexity)}
            for name, grid, task in (("MNIST", nets.mnist_focus, nets.mnist),
                                     ("FMNIST", nets.fmnist_focus, nets.fmnist))}


def corruption(cfg) -> dict[str, ms.Corruption]:
    """Label-corruption runs on MNIST, both ways of corrupting."""
    task = cr.load_task("mnist", cfg.n_corrupt)
    return {mode: ms.corruption_runs(task, cfg, mode) for mode in CORRUPTIONS}


def record_claims(ledger: Ledger, nets: Networks, evals: dict, timeline: dict, ppl: dict,
                  corrupt: dict[str, ms.Corruption], paper_corrupt: int | None = None) -> None:
    """Every claim of the chapter from this run's measurements, with the convergence of its networks; every
    accuracy carries the network seeds and the sampling of the test images. `paper_corrupt`: the training images
    of the label-corruption runs at the `paper` profile (fewer are not comparable: memorising is easier)."""
    claims = ledger.claims
    for data, grid, task in (("mnist", nets.mnist_focus, nets.mnist), ("fmnist", nets.fmnist_focus, nets.fmnist)):
        acc = ms.test_accuracy(grid.run.net, grid.members, task).numpy()
        seeds = over_repeats(acc, sources=f"{len(acc)} network seeds")
        ledger.record(f"dtpb2020.{data}.6x100.network_test_acc",
                      with_sampling(seeds, binomial_variance(seeds.mean, len(task.y_test)),
                                    f"binomial test sampling ({len(task.y_test):,} images)"), grid.converged)
        ev = evals[f"{data.upper()} 6x100"]
        chosen = ", ".join(f"{k} layer {i + 1}" for k, i in ms.chosen_layers(ev["trained"]))
        best = reach(ev["trained"])
        ledger.record(f"dtpb2020.{data}.6x100.layer_reaches_network", best, grid.converged,
                      f"shortfall {ms.shortfall_words(best)}; chosen on validation per seed: {chosen}")
        for kind in KINDS:
            g = reach(ev["trained"], (kind,))
            ledger.record(f"dtpb2020.{data}.6x100.layer_reaches_network.{kind}", g, grid.converged,
                          f"shortfall {ms.shortfall_words(g)}")
        control = ms.shortfall(ev["trained"], ("combined",), against=ev["untrained"])
        ledger.record(f"dtpb2020.{data}.6x100.untrained_control", control, grid.converged,
                      f"untrained best layer {ms.shortfall_words(control)} below")
    claim = claims["dtpb2020.fmnist.depths.layer_reaches_network"]
    found = {d: reach(evals[f"FMNIST {d}x100"]["trained"]) for d in nets.depths}
    depth, m = worst(claim.criterion, found)
    missing = sorted(set(DEPTHS) - set(nets.depths))
    decided = judged(claim.criterion, m) == "differs"  # one depth that differs decides "every depth"
    ledger.record("dtpb2020.fmnist.depths.layer_reaches_network", m,
                  decided or all(g.converged for g in nets.depths.values()),
                  f"worst of depths {', '.join(map(str, nets.depths))}: {depth}, shortfall {ms.shortfall_words(m)}"
                  + (f"; the slides' depths {', '.join(map(str, missing))} not run" if missing else ""),
                  comparable=decided or not missing)
    layer, rise = ms.smallest_rise(timeline)
    ledger.record("dtpb2020.fmnist.training.layer_accuracy_rises", rise, nets.fmnist_focus.converged,
                  f"smallest rise: layer {layer + 1}, {ms.shortfall_words(rise)}")
    sig = reach(evals["FMNIST 7x100 sigmoid"]["trained"])
    ledger.record("dtpb2020.fmnist.sigmoid7x100.layer_reaches_network", sig, nets.sigmoid.converged,
                  f"shortfall {ms.shortfall_words(sig)}")
    falls = all(p["trained"][-1] < p["trained"][0] for p in ppl.values())
    ledger.record("dtpb2020.perplexity.falls_with_depth", falls,
                  nets.mnist_focus.converged and nets.fmnist_focus.converged,
                  "P/N_c first → last layer: " + "; ".join(f"{k} {p['trained'][0]:.3f} → {p['trained'][-1]:.3f}"
                                                           for k, p in ppl.items()))
    uniform = corrupt["uniform"]
    lowest = exact(float(uniform.train.min()), sources=f"the worst of {uniform.train.size} networks (every fraction "
                                                       "and seed), on its own training labels")
    small = paper_corrupt is not None and uniform.spec.n_train < paper_corrupt
    ledger.record("dtpb2020.corruption.memorised", lowest, uniform.settled,
                  ("training loss settled" if uniform.settled else "training loss still falling at the last epoch")
                  + (f"; {uniform.spec.n_train:,} training images, the paper profile's {paper_corrupt:,}"
                     if small else ""), comparable=not small)
    if 1.0 in uniform.fractions:
        test = uniform.test[uniform.fractions.index(1.0)]
        seeds = over_repeats(test, sources=f"{len(test)} network seeds")
        n_test = int(uniform.n_test)
        ledger.record("dtpb2020.corruption.uniform_chance",
                      with_sampling(seeds, binomial_variance(seeds.mean, n_test),
                                    f"binomial test sampling ({n_test:,} images)"), uniform.settled)


def quarantine(corrupt: dict[str, ms.Corruption], cfg) -> tuple[float, dict[str, dict[str, np.ndarray]]]:
    """The dispersion index of the always-wrong run at the fraction closest to one half, trained and untrained."""
    c = corrupt["other"]
    middle = min((f for f in c.fractions if 0 < f < 1), key=lambda f: abs(f - 0.5))
    task = cr.load_task("mnist", cfg.n_corrupt)
    return middle, {name: ms.dispersion(c, task, middle, cfg.n_seeds, trained=(name == "trained"))
                    for name in ("trained", "untrained")}


def headline(evals: dict[str, dict[str, ms.LayerEval]]) -> dict[str, float]:
    """Network accuracy and the test accuracy of the trained and untrained combined layer chosen on validation
    images (%) of the two 6x100 networks."""
    out = {}
    for name in ("MNIST 6x100", "FMNIST 6x100"):
        key = name.split()[0].lower()
        out[f"{key}_network"] = 100 * evals[name]["trained"].network_accuracy()
        out[f"{key}_best_combined"] = 100 * ms.chosen_accuracy(evals[name]["trained"], ("combined",))
        out[f"{key}_untrained_combined"] = 100 * ms.chosen_accuracy(evals[name]["untrained"], ("combined",))
    return out


def reading_evidence(cfg, compare: dict[str, float], training: dict[str, list], ppl: dict) -> dict[str, str]:
    """One sentence from this run per reading choice."""
    return {
        "continuous_values": f"best continuous layer, MNIST 6x100: {100 * compare['pre']:.2f}% on z, "
                             f"{100 * compare['post']:.2f}% on max(0, z)",
        "sigmoid_threshold": "on = z > logit(threshold); the midpoint is the ReLU boundary z > 0",
        "optimizers": "grid points analysed: " + "; ".join(
            f"{n} {o} lr {lr}" for n, o, lr in zip(training["network"], training["optimiser"],
                                                  training["learning rate"])),
        "n_perplexity": f"{cfg.n_perplexity} test images, P/N_c of the MNIST 6x100 layers "
                  + ", ".join(f"{p:.3f}" for p in ppl["MNIST"]["trained"]),
    }


def _r(values) -> list[float]:
    return [round(float(v), 4) for v in values]


def measured_summary(training: dict, compare: dict, evals: dict, ppl: dict, corrupt: dict,
                     index: dict) -> dict:
    """The page's other numbers for results/<section>.json."""
    return {"training": training, "continuous_best": compare,
            "layer_accuracy": {n: {k: _r(e["trained"].accuracy(k)) for k in e["trained"].layers}
                               for n, e in evals.items()},
            "untrained_combined": {n: _r(e["untrained"].accuracy("combined")) for n, e in evals.items()},
            "perplexity_over_bound": {n: {k: _r(p[k]) for k in p} for n, p in ppl.items()},
            "corruption": {m: {"fractions": list(c.fractions), "train": _r(c.train.mean(1)), "test": _r(c.test.mean(1))}
                           for m, c in corrupt.items()},
            "dispersion": {n: {k: _r(v) for k, v in d.items()} for n, d in index.items()}}


def depth_sentence(evals: dict[str, dict[str, ms.LayerEval]], nets: Networks) -> str:
    """Per depth of the FMNIST sweep, the shortfall of the layer chosen on validation images behind the network
    and its verdict against the accuracy margin; and why a one-layer network is the hard case."""
    criterion = STUDY_CLAIMS["dtpb2020.fmnist.depths.layer_reaches_network"].criterion
    parts = []
    for d in nets.depths:
        m = reach(evals[f"FMNIST {d}x100"]["trained"])
        parts.append(f"{d}×100: {ms.shortfall_words(m)} ({judged(criterion, m)})")
    return ("Shortfall of the layer classifier chosen on validation images behind the network on the test images, "
            f"per depth, against the ±{MARGIN:g} margin: " + "; ".join(parts) + ". "
            "A network with one hidden layer has no later layer to fit: its only layer classifier multiplies "
            "100 node estimates as if the nodes were independent given the class, while the network combines "
            "the same nodes with a trained linear read-out; in deeper networks the last layers are nearly "
            "separable by class, and the naive-Bayes product loses little there.")


def kind_sentence(evals: dict[str, dict[str, ms.LayerEval]], names: list[str]) -> str:
    """Per named network and kind of node classifier, the shortfall of the layer chosen on validation images and
    its verdict against the accuracy margin; and how the kinds read a node."""
    criterion = STUDY_CLAIMS["dtpb2020.fmnist.sigmoid7x100.layer_reaches_network"].criterion
    parts = []
    for name in names:
        ev = evals[name]["trained"]
        found = {kind: reach(ev, (kind,)) for kind in ev.layers}
        parts.append(f"{name}: " + ", ".join(
            f"{kind} {ms.shortfall_words(m)} ({judged(criterion, m)})" for kind, m in found.items()))
    return ("Shortfall of the layer classifier of each kind chosen on validation images behind the network, "
            f"against the ±{MARGIN:g} margin: " + "; ".join(parts) + ". The slides claim accurate predictions at "
            "individual layers without naming a kind; the ledger checks the best kind and, as this book's sharper "
            "reading, each kind alone. The kinds read a node differently (a smooth density of its value per class; "
            "only whether it is on; the value where it is on and the on/off count where it is off), so one kind "
            "can fall short while another reaches the network: the ledger then marks that kind 'differs' and "
            "judges the claim itself on the best kind.")
