"""What the jump-detection chapter measures on trained networks: error measures per seed (thesis Table 7.1),
exact-position accuracy against the Bayes classifier, weight read-outs (Fig. 3.14-3.23), gradient ascent (ch. 5)
and the principal subpatterns (Fig. 7.1)."""

import numpy as np
import pandas as pd
import torch

from lib import data, models
from lib.jump_errors import FIRST_POSITION, ErrorMeasures, error_measures, predicted_positions, probabilities
from lib.probes import class_averaged_activations
from lib.studies.jump_detection.ascent import Ascent, argmax_rise, ascend, principal_subpattern_signals, start_inputs
from lib.studies.jump_detection.baseline import detect_jumps, detector_weights_at, width_study
from lib.studies.jump_detection.claims import LABELS, MEASURES, PAPER_TABLE
from lib.studies.jump_detection.nets import (
    active_fraction,
    conv_filters,
    cosine_similarity,
    filter_type,
    layer_outputs,
    output_column,
    plateau_length,
)
from lib.studies.jump_detection.params import PARAMS
from lib.studies.jump_detection.replicates import sources
from lib.studies.jump_detection.sigma import PAPER_BASELINE, SigmaScan, bayes_positions
from lib.studies.jump_detection.training import Trained
from lib.uncertainty import Measurement, over_draws_and_seeds, over_repeats, variance_components

PAPER_BY_NAME = {name: values for name, _, values in PAPER_TABLE.values()}
ASCENT_TARGETS = (21, 40, 60, 80)  # thesis Fig. 5.1-5.2; the CNNs also at 50 (Fig. 5.3-5.5)
THESIS_FILTER_TYPES = {("1-conv-layer CNN", 1): "derivative (Fig. 3.18)",
                       ("1-conv-layer CNN, length 5", 1): "smoothing (Fig. 3.19)",
                       ("2-conv-layer CNN", 1): "smoothing (Fig. 3.21)",
                       ("2-conv-layer CNN", 2): "derivative (Fig. 3.21)",
                       ("3-conv-layer CNN", 1): "smoothing (Fig. 3.23)",
                       ("3-conv-layer CNN", 2): "derivative (Fig. 3.23)",
                       ("3-conv-layer CNN", 3): "not stated"}


def member_errors(net: models.StackedNet, signals: data.JumpSignals) -> list[ErrorMeasures]:
    """Error measures of every member of a stacked network on the signals."""
    return [error_measures(pred, signals.positions) for pred in predicted_positions(net, signals.x)]


def exact_share(net: models.StackedNet, signals: data.JumpSignals) -> np.ndarray:
    """Share of signals whose position each member predicts exactly: (K,)."""
    return (predicted_positions(net, signals.x) == signals.positions[None]).mean(axis=1)


def over_seeds(errors: list[ErrorMeasures]) -> dict[str, Measurement]:
    """Each error measure's mean and spread over the seeds."""
    return {k: over_repeats(getattr(e, k) for e in errors) for k in MEASURES}


def error_table(stats: dict[str, dict[str, Measurement]], baseline: dict[str, Measurement],
                bayes: ErrorMeasures) -> pd.DataFrame:
    """Table 7.1 side by side: thesis value and this run's mean ± sd of one network (network_stats) for every model
    and measure, the baseline (over test draws) and the Bayes classifier (this test set), with the effective number
    of independent draws behind each L1 mean (lib.uncertainty.over_draws_and_seeds) and L1 as a fraction of the
    baseline's."""
    n = "L1 n (effective)"
    rows = [{"model": "Signal processing", **_cells(baseline, PAPER_BY_NAME["Signal processing"]),
             n: baseline["l1"].n}]
    for name, stat in stats.items():
        rows.append({"model": name, **_cells(stat, PAPER_BY_NAME.get(name)), n: stat["l1"].n})
    rows.append({"model": "Bayes classifier (ours)",
                 **_cells({k: over_repeats([v]) for k, v in bayes.as_dict().items()}, None), n: 1})
    table = pd.DataFrame(rows).set_index("model")
    paper_ratio = {name: f"{v[0] / PAPER_BY_NAME['Signal processing'][0]:.3f}" for name, v in PAPER_BY_NAME.items()}
    table["L1 / baseline, thesis"] = [paper_ratio.get(n, "-") for n in table.index]
    l1 = [float(c.split(" ± ")[0]) for c in table["L1 this run"]]
    table["L1 / baseline, this run"] = [f"{v / l1[0]:.3f}" for v in l1]
    return table


def _cells(stats: dict[str, Measurement], paper: tuple | None) -> dict[str, str]:
    cells = {}
    for i, k in enumerate(MEASURES):
        cells[f"{LABELS[k]} thesis"] = f"{paper[i]:.4f}" if paper else "-"
        cells[f"{LABELS[k]} this run"] = f"{stats[k].mean:.4f} ± {stats[k].sd:.4f}"
    return cells


def baseline_over_draws(measures: dict[str, np.ndarray], grid: np.ndarray, sigma: float,
                        n_test: int | None = None) -> dict[str, Measurement]:
    """The baseline's error measures at the scan's grid point nearest σ, mean and spread over the test draws."""
    row = int(np.argmin(np.abs(grid - sigma)))
    what = f"{measures['l1'].shape[1]} independent test draws" + (f" of {n_test} signals" if n_test else "")
    return {k: over_repeats(measures[k][row], sources=what) for k in MEASURES}


def training_table(trained: Trained, cap: int) -> pd.DataFrame:
    """Per model: each seed's best epoch and stop epoch, how many converged (stopped before the cap)."""
    rows = {}
    for name, h in trained.histories.items():
        rows[name] = {"best epoch (per seed)": h.best_epoch.tolist(), "epochs run (per seed)":
                      [int(s) if s > 0 else cap for s in h.stopped_epoch.tolist()],
                      "converged": f"{int(h.converged.sum())}/{len(h.converged)}",
                      "lowest validation loss": round(float(h.val_loss.min()), 4), "seed shown": trained.shown(name)}
    return pd.DataFrame(rows).T


def cnn_health(trained: Trained, names: list[str], x_val: np.ndarray, errors: dict) -> pd.DataFrame:
    """Per CNN seed: epochs on the uniform-output plateau (validation loss above 0.9 ln 60), the share of positive
    pre-activations per conv layer (0: a ReLU conv layer is dead), its test L1."""
    rows = []
    for name in names:
        h = trained.histories[name]
        plateau = plateau_length(h.val_loss.numpy(), 0.9 * np.log(60))
        active = active_fraction(trained.nets[name], x_val)
        for k in range(h.val_loss.shape[1]):
            rows.append({"model": name, "seed": k, "epochs on the plateau": int(plateau[k]),
                         "positive share per conv layer": [round(float(a), 3) for a in active[k]],
                         "test L1": round(errors[name][k].l1, 3)})
    return pd.DataFrame(rows).set_index(["model", "seed"])


def diagonal_share(net: models.StackedNet, member: int) -> float:
    """Share of positions t whose class-centred weight column rises most within ±1 of t (thesis Fig. 3.14)."""
    rises = [argmax_rise(output_column(net, member, t))[0] for t in range(FIRST_POSITION, FIRST_POSITION + 60)]
    return float(np.mean(np.abs(np.array(rises) - np.arange(FIRST_POSITION, FIRST_POSITION + 60)) <= 1))


def filter_similarity(net: models.StackedNet, position: int = 50) -> np.ndarray:
    """Cosine similarity of each member's centred column for `position` with the baseline filter there: (K,)."""
    reference = detector_weights_at(position)
    return np.array([cosine_similarity(output_column(net, k, position), reference) for k in range(net.k)])


def averaged(net: models.StackedNet, member: int, balanced: data.JumpSignals) -> list[np.ndarray]:
    """A^(l) of every layer of one member as (nodes, positions) matrices (thesis eq. 3.6-3.7)."""
    labels = torch.from_numpy(balanced.y)
    return [class_averaged_activations(a[member], labels, 60).T.numpy() for a in layer_outputs(net, balanced.x)]


def filter_types(trained: Trained, names: list[str], tolerance: float) -> pd.DataFrame:
    """Per conv layer: how many seeds learnt a smoothing and how many a derivative-type filter (thesis §3.4)."""
    rows = []
    for name in names:
        base = name.split(" (")[0]
        for layer, filters in enumerate(conv_filters(trained.nets[name]), start=1):
            kinds = [filter_type(f, tolerance) for f in filters]
            rows.append({"model": name, "layer": layer, "length": filters.shape[1],
                         "thesis": THESIS_FILTER_TYPES.get((base, layer), "not stated"),
                         "smoothing (seeds)": kinds.count("smoothing"),
                         "derivative (seeds)": kinds.count("derivative")})
    return pd.DataFrame(rows).set_index(["model", "layer"])


def ascents(trained: Trained, names: list[str], cfg) -> dict[str, Ascent]:
    """Gradient ascent (thesis ch. 5) in the shown seed of every named model: the targets 21, 40, 60, 80, and 50
    as well for the CNNs."""
    found = {}
    for name in names:
        targets = np.array(ASCENT_TARGETS + ((50,) if "CNN" in name else ()))
        found[name] = ascend(trained.nets[name].member(trained.shown(name)), targets - FIRST_POSITION,
                             alpha=cfg.alpha, threshold=0.999, max_iter=cfg.ascent_cap, seed=cfg.seed)
    return found


def member_ascents(trained: Trained, names: list[str], cfg, shown: dict[str, Ascent]) -> dict[str, list[Ascent]]:
    """The ascents of `ascents` in every seed of data draw 0, not only the shown one (whose runs `shown` already
    holds): per model, one Ascent per member (claim chen2017.ch5.ascent_reaches_target, every network)."""
    found = {}
    for name in names:
        targets = np.array(ASCENT_TARGETS + ((50,) if "CNN" in name else ()))
        net, seen = trained.nets[name], trained.shown(name)
        found[name] = [shown[name] if k == seen else
                       ascend(net.member(k), targets - FIRST_POSITION, alpha=cfg.alpha, threshold=0.999,
                              max_iter=cfg.ascent_cap, seed=cfg.seed) for k in range(net.k)]
    return found


def start_outputs(trained: Trained, names: list[str], seed: int) -> dict[str, tuple[int, float, float]]:
    """At the ascent's start input (thesis ch. 5: U[-0.05, 0.05], the first row of ascend's draw), per model's shown
    seed: the predicted position, its softmax output, and the smallest softmax output of any target of the ascent."""
    x = start_inputs(1, 100, 0.05, seed)
    found = {}
    for name in names:
        with torch.no_grad():
            p = torch.softmax(trained.nets[name].member(trained.shown(name))(x), dim=-1)[0].numpy()
        targets = np.array(ASCENT_TARGETS + ((50,) if "CNN" in name else ())) - FIRST_POSITION
        found[name] = (FIRST_POSITION + int(p.argmax()), float(p.max()), float(p[targets].min()))
    return found


def ascent_table(found: dict[str, Ascent], start: dict[str, tuple[int, float, float]]) -> pd.DataFrame:
    """Per model: iterations per target, runs stopped by the cap, final a_i, inputs whose largest rise is at the
    target, and the output at the start input (predicted position, its probability, the smallest target a_i)."""
    rows = []
    for name, result in found.items():
        targets = np.array(ASCENT_TARGETS + ((50,) if len(result.iterations) > len(ASCENT_TARGETS) else ()))
        rows.append({"model": name, "targets": targets.tolist(), "iterations": result.iterations.tolist(),
                     "stopped by the cap": int(result.hit_cap.sum()),
                     "final a_i": [round(float(v), 3) for v in result.probability],
                     "largest rise at the target": f"{int(np.sum(argmax_rise(result.x) == targets))}/{len(targets)}",
                     "start: predicted position (probability)": f"{start[name][0]} ({start[name][1]:.3f})",
                     "start: smallest target a_i": f"{start[name][2]:.1e}"})
    return pd.DataFrame(rows).set_index("model")


def subpatterns(trained: Trained, names: list[str], theta: float
                ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], pd.DataFrame]:
    """The signals of thesis Fig. 7.1; per model the mean probability of position 50 on each, (P,); and the table
    of those probabilities with the seeds that predict 50."""
    patterns = principal_subpattern_signals(50, theta=theta)
    x = np.stack(list(patterns.values())).astype(np.float32)
    p50, table = {}, {}
    for name in names:
        net = trained.nets[name]
        p50[name] = probabilities(net, x)[:, :, 50 - FIRST_POSITION].mean(axis=0)
        hits = (predicted_positions(net, x) == 50).sum(axis=0)
        table[name] = [f"{c:.3f} ({h}/{net.k})" for c, h in zip(p50[name], hits)]
    return patterns, p50, pd.DataFrame(table, index=list(patterns)).T


def width_curves(cfg, taus: np.ndarray, noise_levels: np.ndarray) -> np.ndarray:
    """P(|error| ≤ 1) of the baseline against τ for jump size 1 at each σ (thesis Fig. 3.5): (S, T)."""
    sets = {}
    for s in noise_levels:
        signals = data.jump_signals(cfg.n_width, theta=1.0, sigma=float(s), seed=cfg.seed)
        sets[float(s)] = (signals.x, signals.positions)
    return width_study(sets, taus)


def all_errors(trained: Trained, signals: data.JumpSignals) -> dict[str, list[ErrorMeasures]]:
    """member_errors of every trained model."""
    return {name: member_errors(net, signals) for name, net in trained.nets.items()}


def exact_shares(trained: Trained, signals: data.JumpSignals) -> dict[str, np.ndarray]:
    """exact_share of each of the seven models of Table 3.4: (K,) each."""
    return {name: exact_share(trained.nets[name], signals) for name in trained.main}


def diagonal_shares(net: models.StackedNet) -> np.ndarray:
    """diagonal_share of every member: (K,)."""
    return np.array([diagonal_share(net, k) for k in range(net.k)])


def l1_over_thesis(stats: dict[str, dict[str, Measurement]], names: tuple[str, ...]) -> np.ndarray:
    """Each named model's mean L1 (network_stats) over the thesis's L1 for it: (len(names),)."""
    return np.array([stats[n]["l1"].mean / PAPER_BY_NAME[n][0] for n in names])


def sigma_sweep_table(scan: SigmaScan) -> pd.DataFrame:
    """The baseline's four measures (mean over the scan's draws) and the share of draws whose 99 % subset keeps
    every error ≤ 2, at every σ of the scan, under thesis Table 3.1's values."""
    rows = {f"{s:.3f}": {**{LABELS[k]: f"{scan.measures[k][row].mean():.4f}" for k in MEASURES},
                         "99 % subset errors ≤ 2 (share of draws)": f"{np.mean(scan.max_99[row] <= 2):.2f}"}
            for row, s in enumerate(scan.grid)}
    rows["Table 3.1"] = {**{LABELS[k]: f"{v:.4f}" for k, v in PAPER_BASELINE.as_dict().items()},
                         "99 % subset errors ≤ 2 (share of draws)": "errors ≤ 2"}
    return pd.DataFrame(rows).T.rename_axis("σ")


def noise_comparison(cfg, noise_levels: tuple[float, ...], taus: np.ndarray) -> pd.DataFrame:
    """Per σ, on n_test fresh signals: the baseline's L1 at τ = 2.9 and at its best τ of `taus`, and the Bayes
    classifier's L1, which adapts to σ as a network trained at that σ can (thesis §3.2.2; our yardstick)."""
    rows = {}
    for s in noise_levels:
        signals = data.jump_signals(cfg.n_test, theta=cfg.theta, sigma=float(s), seed=cfg.seed + 2)
        l1 = np.array([error_measures(detect_jumps(signals.x, 19, float(t)), signals.positions).l1 for t in taus])
        fixed = error_measures(detect_jumps(signals.x), signals.positions).l1
        bayes = error_measures(bayes_positions(signals.x, cfg.theta), signals.positions).l1
        rows[f"{s:g}"] = {"baseline L1 (τ = 2.9)": fixed, "best τ": float(taus[l1.argmin()]),
                          "baseline L1 (best τ)": float(l1.min()), "Bayes L1": bayes,
                          "Bayes / baseline (τ = 2.9)": bayes / fixed}
    return pd.DataFrame(rows).T.rename_axis("σ")


def against_paper(cfg) -> pd.DataFrame:
    """The parameters on which this run differs from the `paper` profile (the thesis's scale): both values and
    what each parameter sets."""
    rows = {p.name: {"this run": str(getattr(cfg, p.name)), "paper": str(p.defaults["paper"]), "what": p.doc}
            for p in PARAMS if getattr(cfg, p.name) != p.defaults["paper"]}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["this run", "paper", "what"]).rename_axis("parameter")


def off_plateau_failures(errors: dict[str, list[ErrorMeasures]], names: list[str], limit: float = 5.0) -> list[str]:
    """The seeds, as 'model (seed k)', whose test L1 exceeds `limit` positions: a network left near the uniform
    output (its L1 is then about 20, the mean distance between two uniform positions)."""
    return [f"{name} (seed {k})" for name in names for k, e in enumerate(errors[name]) if e.l1 > limit]


def capped(found: dict[str, Ascent]) -> list[str]:
    """The models for which ascent_cap stopped at least one target's ascent."""
    return [name for name, result in found.items() if result.hit_cap.any()]


# ------------------------------------------------------------------ replicates: every data draw × network seed


def replicate_errors(trained: Trained, splits: list[data.JumpSplits]) -> dict[str, list[list[ErrorMeasures]]]:
    """member_errors of every Table 3.4 shape on every data draw, each draw's networks scored on that draw's own
    test signals: per shape, D lists of S."""
    return {name: [member_errors(net, s.test) for net, s in zip(trained.draws(name), splits)]
            for name in trained.main}


def measure_array(rows: list[list[ErrorMeasures]], measure: str) -> np.ndarray:
    """One error measure of replicate_errors' rows as a (draws, seeds) array."""
    return np.array([[getattr(e, measure) for e in row] for row in rows], dtype=float)


def network_stats(errors: dict[str, list[ErrorMeasures]], replicated: dict[str, list[list[ErrorMeasures]]],
                  n_test: int) -> dict[str, dict[str, Measurement]]:
    """Per model and measure, one network's Measurement: over data draws × seeds (lib.uncertainty.over_draws_and_seeds)
    for the shapes of Table 3.4, over the seeds of draw 0 for the others (the length-5 CNN, the other conv
    activation)."""
    stats = {}
    for name, errs in errors.items():
        if name in replicated:
            rows = replicated[name]
            what = sources(len(rows), len(rows[0]), n_test)
            stats[name] = {k: over_draws_and_seeds(measure_array(rows, k), what) for k in MEASURES}
        else:
            what = f"{len(errs)} network seeds on one data draw"
            stats[name] = {k: over_repeats((getattr(e, k) for e in errs), sources=what) for k in MEASURES}
    return stats


def draw_share(replicated: dict[str, list[list[ErrorMeasures]]], measure: str = "l1") -> float:
    """The share of one network's variance of `measure` that the data draw accounts for (replicates.components),
    averaged over the shapes."""
    shares = []
    for rows in replicated.values():
        between, within = variance_components(measure_array(rows, measure))
        shares.append(between / (between + within) if between + within > 0 else 0.0)
    return float(np.mean(shares))


def ordering(replicated: dict[str, list[list[ErrorMeasures]]], better: tuple[str, ...], worse: tuple[str, ...],
             measure: str = "l1") -> np.ndarray:
    """Per data draw and seed index, one network per shape: the smallest `measure` of the `worse` shapes minus the
    largest of the `better` ones, > 0 where every worse shape is worse than every better one: (draws, seeds)."""
    low = np.min([measure_array(replicated[n], measure) for n in worse], axis=0)
    high = np.max([measure_array(replicated[n], measure) for n in better], axis=0)
    return low - high


def max_abs_errors(net: models.StackedNet, signals: data.JumpSignals) -> np.ndarray:
    """Each member's largest |t̂ − t0| on the signals (thesis Fig. 3.10): (K,)."""
    return np.abs(predicted_positions(net, signals.x) - signals.positions[None]).max(axis=1).astype(float)


def replicate_max_errors(trained: Trained, splits: list[data.JumpSplits], name: str) -> np.ndarray:
    """max_abs_errors of one shape on every draw's own test signals: (draws, seeds)."""
    return np.stack([max_abs_errors(net, s.test) for net, s in zip(trained.draws(name), splits)])


def baseline_l1_per_draw(splits: list[data.JumpSplits]) -> np.ndarray:
    """The baseline's L1 on every draw's test signals: (draws,)."""
    return np.array([error_measures(detect_jumps(s.test.x), s.test.positions).l1 for s in splits])


def not_below_baseline(replicated: dict[str, list[list[ErrorMeasures]]], baseline_l1: np.ndarray) -> list[str]:
    """The networks, as 'model (draw d, seed index s)', whose L1 is not below the baseline's on their own test
    draw (claim chen2017.s3.4.all_beat_baseline)."""
    return [f"{name} (draw {d}, seed index {s})" for name, rows in replicated.items()
            for d, row in enumerate(rows) for s, e in enumerate(row) if e.l1 >= baseline_l1[d]]


def bayes_exact_per_draw(splits: list[data.JumpSplits], theta: float) -> np.ndarray:
    """The Bayes classifier's share of exact positions on every draw's test signals: (draws,)."""
    return np.array([np.mean(bayes_positions(s.test.x, theta) == s.test.positions) for s in splits])


def replicate_exact_shares(trained: Trained, splits: list[data.JumpSplits]) -> dict[str, np.ndarray]:
    """exact_share of every Table 3.4 shape on every draw's own test signals: (draws, seeds) each."""
    return {name: np.stack([exact_share(net, s.test) for net, s in zip(trained.draws(name), splits)])
            for name in trained.main}


def above_bayes(exact: dict[str, np.ndarray], bayes: np.ndarray, slack: float = 0.01) -> list[str]:
    """The shapes with a network whose exact share exceeds the Bayes classifier's on its draw by more than
    `slack` (claim chen2017.beyond.bayes_bound)."""
    return [name for name, shares in exact.items() if (shares > bayes[:, None] + slack).any()]


def smooth_then_derivative(nets: list[models.StackedNet], tolerance: float) -> np.ndarray:
    """Per draw and seed of a 2-conv-layer CNN: its first filter is smoothing and its second derivative-type
    (thesis §3.4.2, Fig. 3.21; nets.filter_type): (draws, seeds) bool."""
    return np.array([[filter_type(first, tolerance) == "smoothing" and filter_type(second, tolerance) == "derivative"
                      for first, second in zip(*conv_filters(net)[:2])] for net in nets])


def replicate_diagonal_shares(nets: list[models.StackedNet]) -> np.ndarray:
    """diagonal_shares of a 1-layer NN's stack on every draw: (draws, seeds)."""
    return np.stack([diagonal_shares(net) for net in nets])


def best_epochs(trained: Trained, name: str) -> np.ndarray:
    """Each network's epoch of lowest validation loss, on every draw: (draws, seeds)."""
    return np.stack([h.best_epoch.numpy() for h in trained.draw_histories(name)]).astype(float)


def converged_networks(trained: Trained, name: str) -> np.ndarray:
    """Which networks of one Table 3.4 shape stopped before their epoch cap, on every draw: (draws, seeds) bool."""
    return np.stack([h.converged.numpy() for h in trained.draw_histories(name)])


def every_network(holds: np.ndarray, converged: np.ndarray) -> tuple[bool, bool]:
    """(measured, converged) of an 'every network' claim from per-network bools: it fails as soon as one converged
    network fails (a network at its cap cannot rescue it); it holds when every network holds and all converged;
    where only unconverged networks fail or every network holds but some did not converge, it is not converged."""
    holds, converged = np.asarray(holds, dtype=bool), np.asarray(converged, dtype=bool)
    if (~holds & converged).any():
        return False, True
    return bool(holds.all()), bool(converged.all())
