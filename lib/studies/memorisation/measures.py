"""What the chapter measures on its networks: accuracies, epochs, deviation profiles, t-SNE maps, and the claims
recorded from them (thesis §6.2-6.4, §7.2)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from lib import embedding
from lib.claims import Ledger
from lib.studies.memorisation import deviations as dev
from lib.studies.memorisation import runs
from lib.studies.memorisation.training import EvalSet, member_scores
from lib.uncertainty import binomial_variance, over_repeats, with_sampling

LEVEL_INSENSITIVE = ("normalised_euclidean", "cosine", "correlation")


@dataclass
class Outcome:
    """One task's networks of both kinds and what is measured on them."""

    sets: runs.Sets
    how: runs.Training
    records: dict[str, dict]  # kind -> cached run record
    nets: dict[str, object]  # kind -> StackedNet at its analysed epoch
    epochs: dict[str, np.ndarray]  # kind -> (K,) analysed epoch
    steps: dict[str, np.ndarray]  # kind -> (K,) training steps up to the analysed epoch
    converged: dict[str, np.ndarray]  # kind -> (K,) bool
    train_acc: dict[str, np.ndarray]  # kind -> (K,) training accuracy (own labels) at the analysed epoch
    test_acc: dict[str, np.ndarray]  # kind -> (K,) true-label test accuracy at the analysed epoch
    profiles: dict[str, dev.DeviationProfile]  # "learning", "memorising" (true test labels), "memorising, random"


def outcome(sets: runs.Sets, how: runs.Training, pairs: str) -> Outcome:
    """Train (or load) both kinds of network and measure them: inter-class pairs 'adjacent' (jump) or 'all'."""
    records = {kind: runs.run(sets, how, kind) for kind in runs.KINDS}
    nets = {kind: runs.analysed_net(records[kind], sets, kind, how.seed) for kind in runs.KINDS}
    test = EvalSet(sets.x_test, sets.y_test)
    profiles = {kind: profile(nets[kind], sets.x_test, sets.y_test, sets.n_classes, pairs) for kind in runs.KINDS}
    profiles["memorising, random"] = profile(nets["memorising"], sets.x_train, sets.y_random, sets.n_classes, pairs)
    epochs = {kind: runs.analysed_epoch(records[kind], kind) for kind in runs.KINDS}
    steps_per_epoch = -(-len(sets.x_train) // how.batch_size)
    return Outcome(sets, how, records, nets, epochs, {kind: e * steps_per_epoch for kind, e in epochs.items()},
                   {kind: runs.converged(records[kind], kind, how.patience) for kind in runs.KINDS},
                   {kind: member_scores(nets[kind], EvalSet(sets.x_train, sets.labels(kind)))[0].numpy()
                    for kind in runs.KINDS},
                   {kind: member_scores(nets[kind], test)[0].numpy() for kind in runs.KINDS}, profiles)


def profile(net, x: torch.Tensor, y: torch.Tensor, n_classes: int, pairs: str) -> dev.DeviationProfile:
    """Deviation profile of the input and the hidden layers (the output is left out, as in the thesis)."""
    return dev.deviation_profile(dev.layer_representations(net, x)[:-1], y, n_classes, pairs)


@dataclass(frozen=True)
class TsneMaps:
    """t-SNE maps of n_tsne training signals: the input and the hidden layers of each kind of network."""

    points: dict[str, list[np.ndarray]]  # "input": [map]; kind: [map per hidden layer]
    true_y: np.ndarray
    random_y: np.ndarray
    gaps: dict[str, list[float]]  # kind -> neighbour gap (true positions) of input, hidden layers (first network)
    random_gap: float  # the gap of random pairs
    network_gaps: dict[str, np.ndarray] | None = None  # kind -> (K, 1 + hidden layers): every network's gaps


def tsne_maps(result: Outcome, n_tsne: int, perplexity: float, seed: int) -> TsneMaps:
    """Maps of every network of each kind (thesis Fig. 6.5, 6.6; the figures draw the first), with the
    true-position neighbour gap of each map."""
    idx = np.sort(np.random.default_rng(seed + 2).permutation(len(result.sets.x_train))[:n_tsne])
    x = result.sets.x_train[idx]
    true_y, random_y = result.sets.y_true[idx].numpy(), result.sets.y_random[idx].numpy()
    points = {"input": [embedding.tsne_map(x.numpy(), perplexity=perplexity, seed=seed, n_jobs=1)]}
    input_gap = embedding.neighbour_gap(points["input"][0], true_y, k=5)
    network_gaps = {}
    for kind in runs.KINDS:
        hidden = dev.layer_representations(result.nets[kind], x)[1:-1]
        maps = [[embedding.tsne_map(a[k].numpy(), perplexity=perplexity, seed=seed + k, n_jobs=1) for a in hidden]
                for k in range(result.nets[kind].k)]
        points[kind] = maps[0]
        network_gaps[kind] = np.array([[input_gap] + [embedding.neighbour_gap(p, true_y, k=5) for p in member]
                                       for member in maps])
    gaps = {kind: [float(g) for g in network_gaps[kind][0]] for kind in runs.KINDS}
    shuffled = np.random.default_rng(seed + 3).permutation(true_y)
    return TsneMaps(points, true_y, random_y, gaps, float(np.abs(shuffled - true_y).mean()), network_gaps)


def fraction(holds: np.ndarray) -> float:
    """Fraction of True entries, as a plain float."""
    return float(np.mean(np.asarray(holds, dtype=bool)))


def per_measure(holds: list[np.ndarray]) -> str:
    """'normalised_euclidean 3/3, cosine 0/3, ...': in how many networks each level-insensitive measure holds."""
    return ", ".join(f"{m} {int(np.sum(h))}/{np.size(h)}" for m, h in zip(LEVEL_INSENSITIVE, holds))


def every_network(holds, converged) -> tuple[bool, bool, str]:
    """A claim about "the network", checked on every network: (holds, converged, note). A converged network that
    breaks it decides it (converged True); else it holds when every network converged, and is not converged when
    an unconverged network breaks it (more training could change it) or could still break it."""
    holds, converged = np.asarray(holds, dtype=bool), np.asarray(converged, dtype=bool)
    n, good = holds.size, int(holds.sum())
    if (~holds & converged).any():
        return False, True, f"holds in {good} of {n} networks; broken by a converged one"
    if converged.all():
        return True, True, f"holds in all {n} networks"
    return bool(holds.all()), False, f"holds in {good} of {n} networks; {int((~converged).sum())} at the epoch cap"


def comparable(result: Outcome, paper_train: int, paper_hidden: int) -> tuple[bool, str]:
    """Whether a task's networks are the thesis's: at least its training samples and hidden width, with a note."""
    n, width = len(result.sets.x_train), result.sets.sizes[1]
    same = n >= paper_train and width >= paper_hidden
    return same, "" if same else (f"{n} training samples and {width} nodes per hidden layer (thesis: {paper_train} "
                                  f"and {paper_hidden})")


JUMP_SCALE = (12000, 100)  # thesis §6.2.2: the training set of §3.1 and hidden layers of 100 nodes
MNIST_SCALE = (48000, 784)  # thesis §6.4.2


def test_accuracy(accuracies, n_test: int, items: str):
    """One network's test accuracy: the spread over network seeds plus binomial test-set sampling. One network
    leaves the seed-to-seed part unknown, so it stays without a spread (the rule reads it as 'cannot tell') rather
    than passing the binomial part off as the whole."""
    accuracies = np.asarray(accuracies, dtype=float)
    seeds = over_repeats(accuracies, sources=f"{accuracies.size} network seed{'s' if accuracies.size > 1 else ''}")
    if accuracies.size < 2:
        return seeds
    return with_sampling(seeds, binomial_variance(seeds.mean, n_test), f"binomial test sampling ({n_test} {items})")


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def record_claims(ledger: Ledger, jump: Outcome, mnist: Outcome, maps: TsneMaps) -> None:
    """Record every claim of claims.py from the run: every network checked, converged= and comparable= from the
    networks behind each claim."""
    same, scale = comparable(jump, *JUMP_SCALE)
    msame, mscale = comparable(mnist, *MNIST_SCALE)

    def every(claim: str, holds, kind: str, note: str = "", task: str = "jump") -> None:
        result, fits, why = (jump, same, scale) if task == "jump" else (mnist, msame, mscale)
        value, converged, how = every_network(holds, result.converged[kind])
        ledger.record(claim, value, converged, _joined(how, note, why), comparable=fits)

    learn, mem_true, mem_rand = (jump.profiles[k] for k in ("learning", "memorising", "memorising, random"))
    done = jump.train_acc["memorising"] >= 1.0
    ledger.record("chen2017.s6.2.memorised", bool(done.any()), bool(done.any()),
                  _joined(f"{int(done.sum())} of {done.size} networks at 100 %; epochs to 100%: "
                          f"{', '.join(map(str, jump.epochs['memorising']))}", scale), comparable=same)
    n_test = len(jump.sets.x_test)
    accuracy = test_accuracy(jump.test_acc["memorising"], n_test, "signals")
    ledger.record("chen2017.s6.2.fails_true_labels", accuracy, bool(jump.converged["memorising"].all()),
                  _joined(f"learning networks: {jump.test_acc['learning'].mean():.4f}", scale), comparable=same)
    ratio = over_repeats(jump.epochs["memorising"] / jump.epochs["learning"],
                         sources=f"{done.size} network seeds (memorising / learning of the same seed)")
    ledger.record("chen2017.s7.2.memorising_slower", ratio,
                  bool(jump.converged["memorising"].all() and jump.converged["learning"].all()),
                  _joined(f"mean epochs {jump.epochs['memorising'].mean():.0f} vs "
                          f"{jump.epochs['learning'].mean():.0f}", scale), comparable=same)
    for claim, kind in (("chen2017.fig6.5.tsne_structure_loosens", "memorising"),
                        ("chen2017.fig6.5.learning_tsne_keeps_structure", "learning")):
        gaps = maps.network_gaps[kind]
        measured = over_repeats(gaps[:, -1] / gaps[:, 0], sources=f"{len(gaps)} network seeds (one t-SNE map of "
                                                                  f"{len(maps.true_y)} training signals each)")
        ledger.record(claim, measured, bool(jump.converged[kind].all()),
                      _joined("gaps per layer " + ", ".join(f"{g:.1f}" for g in gaps.mean(0))
                              + f"; random pairs {maps.random_gap:.1f}", scale), comparable=same)
    euclid = learn.inner["euclidean"]
    every("chen2017.fig6.7.euclidean_inner_dips_then_rises",
          (euclid[:, 1] < euclid[:, 0]) & (euclid[:, -1] > euclid[:, 1]), "learning")
    every("chen2017.fig6.8.activation_level_rises", dev.increases_every_layer(learn.activation_level[:, 1:]),
          "learning")
    level = learn.activation_level
    every("chen2017.fig6.8.activation_level_input_step", level[:, 1] > level[:, 0], "learning",
          f"input level {level[:, 0].mean():.1f} (it grows with θ and the input scale, which the thesis does not "
          f"state) vs layer 1 {level[:, 1].mean():.1f}")
    mem_level, learn_level = mem_true.activation_level[:, 1:], learn.activation_level[:, 1:]
    above = bool((mem_level.min(axis=0) > learn_level.max(axis=0)).all())
    ledger.record("chen2017.s6.4.memorising_level_above_learning", above,
                  bool(jump.converged["memorising"].all() and jump.converged["learning"].all()),
                  _joined("hidden-layer levels memorising (lowest network) / learning (highest network): " + ", ".join(
                      f"{r:.2f}" for r in mem_level.min(axis=0) / learn_level.max(axis=0)), scale), comparable=same)
    falls = [dev.ends_below_start(learn.inner[m]) for m in LEVEL_INSENSITIVE]
    every("chen2017.fig6.9.inner_class_falls", np.all(falls, axis=0), "learning", per_measure(falls))
    inter = learn.inter["normalised_euclidean_debiased"]
    every("chen2017.fig6.9.inter_class_dips_then_rises", dev.dips_then_rises(inter), "learning",
          "per layer " + ", ".join(f"{v:.4f}" for v in inter.mean(0)))
    rises = [dev.every_layer_above_start(mem_rand.inner[m]) for m in LEVEL_INSENSITIVE]
    every("chen2017.fig6.13.inner_class_rises_random", np.all(rises, axis=0), "memorising", per_measure(rises))
    for claim, prof in (("chen2017.fig6.13.inter_class_rises_random", mem_rand),
                        ("chen2017.fig6.14.inter_class_rises_true", mem_true)):
        inter = prof.inter["normalised_euclidean_debiased"]
        every(claim, dev.ends_above_start(inter), "memorising",
              f"input {inter[:, 0].mean():.4f}, last hidden {inter[:, -1].mean():.4f}")
    rises = [dev.every_layer_above_start(mem_true.inner[m]) for m in LEVEL_INSENSITIVE]
    every("chen2017.fig6.14.inner_class_rises_true", np.all(rises, axis=0), "memorising", per_measure(rises))
    ml, mm = mnist.profiles["learning"], mnist.profiles["memorising"]
    m_test = len(mnist.sets.x_test)
    accuracy = test_accuracy(mnist.test_acc["learning"], m_test, "images")
    ledger.record("chen2017.s6.4.mnist_test_accuracy", accuracy, bool(mnist.converged["learning"].all()),
                  _joined(mscale, f"{mnist.how.optimizer.upper()} {mnist.how.lr:g}, batch {mnist.how.batch_size}; "
                                  f"validation minimum at step {', '.join(map(str, mnist.steps['learning']))}"),
                  comparable=msame)
    every("chen2017.fig6.12.mnist_activation_level_rises", dev.increases_every_layer(ml.activation_level[:, 1:]),
          "learning", task="mnist")
    every("chen2017.fig6.12.mnist_inner_drops", ml.inner["euclidean"][:, 1] < ml.inner["euclidean"][:, 0],
          "learning", task="mnist")
    inter, corrected = ml.inter["normalised_euclidean"], ml.inter["normalised_euclidean_debiased"]
    every("chen2017.fig6.12.mnist_inter_dips_then_rises", dev.dips_then_ends_above_start(inter), "learning",
          f"{len(mnist.sets.x_test) // mnist.sets.n_classes} test images per digit on average, so the noise term is "
          f"small: at the input {inter[:, 0].mean():.4f}, noise out {corrected[:, 0].mean():.4f}; cosine per layer "
          + ", ".join(f"{v:.4f}" for v in ml.inter["cosine"].mean(0)), task="mnist")
    value, converged, how = every_network(dev.every_layer_above_start(mm.inner["normalised_euclidean"]),
                                          mnist.converged["memorising"])
    ledger.record("chen2017.s6.4.mnist_memorising_inner_rises", value, converged,
                  _joined(how, mscale, ", ".join(f"{'100%' if d else 'below 100%'} at step {step}" for d, step
                                                 in zip(mnist.converged["memorising"], mnist.steps["memorising"]))
                          + "; cosine inner per layer " + ", ".join(f"{v:.4f}" for v in mm.inner["cosine"].mean(0))))


def networks_table(result: Outcome, images: str = "signals") -> pd.DataFrame:
    """One row per network: kind, seed, training samples, epochs trained, analysed epoch, converged, training
    accuracy there (own labels), true-label test accuracy there."""
    rows = []
    for kind in runs.KINDS:
        train_acc = result.train_acc[kind]
        for k in range(len(result.epochs[kind])):
            rows.append({"network": kind, "member": k, f"training {images}": len(result.sets.x_train),
                         "epochs trained": int(result.records[kind]["epoch"][-1]),
                         "analysed at epoch": int(result.epochs[kind][k]), "steps": int(result.steps[kind][k]),
                         "converged": "yes" if result.converged[kind][k] else "no (epoch cap)",
                         "training accuracy (own labels)": f"{train_acc[k]:.4f}",
                         "test accuracy (true labels)": f"{result.test_acc[kind][k]:.4f}"})
    return pd.DataFrame(rows)


def reading_evidence(cfg, jump: Outcome, mnist: Outcome, maps: TsneMaps) -> dict[str, str]:
    """One sentence per reading choice, computed from the run."""
    learn = jump.records["learning"]["val_loss"].numpy()  # (E, K)
    rises = int((np.diff(learn[:, 0]) > 0).sum())
    noise = jump.profiles["memorising, random"]
    mnist_val = mnist.records["learning"]["val_loss"].numpy()[:, 0]
    return {
        "sigma": f"one σ for every signal, as the jump-detection chapter estimates it; the learning networks reach "
                 f"{jump.test_acc['learning'].mean():.3f} test accuracy at it",
        "patience": f"the first learning network's validation loss rose in {rises} of its "
                    f"{len(learn) - 1} epoch-to-epoch steps, so stopping at the first rise would stop it early; "
                    f"it is analysed at its minimum (epoch {int(jump.epochs['learning'][0])})",
        "n_test": f"{cfg.n_test // runs.POSITIONS} signals per position; on random labels the input's inter-class "
                  f"Euclidean deviation is {noise.inter['euclidean'][:, 0].mean():.3f} before and "
                  f"{noise.inter['euclidean_debiased'][:, 0].mean():.3f} after the noise term is subtracted",
        "perplexity": f"{cfg.n_tsne} signals per map; the input map's neighbour gap is "
                      f"{maps.gaps['memorising'][0]:.2f} positions (random pairs {maps.random_gap:.2f})",
        "mnist_patience": f"the validation loss on all {cfg.mnist_val} validation images rose in "
                          f"{int((np.diff(mnist_val) > 0).sum())} of {len(mnist_val) - 1} check-to-check steps; the "
                          f"network is analysed at its minimum (step {int(mnist.steps['learning'][0])})",
    }


def results_summary(jump: Outcome, mnist: Outcome, maps: TsneMaps) -> dict:
    """Extra measurements for results/memorisation.json: epochs, accuracies, per-layer values (rounded)."""
    def rounded(profile: dev.DeviationProfile) -> dict:
        out = {"activation_level": np.round(profile.activation_level, 4).tolist()}
        for part in ("inner", "inter"):
            out |= {f"{part}_{m}": np.round(v, 4).tolist() for m, v in getattr(profile, part).items()}
        return out

    summary = {"tsne_neighbour_gaps": {k: [round(g, 3) for g in v] for k, v in maps.gaps.items()}}
    for task, result in (("jump", jump), ("mnist", mnist)):
        for kind in runs.KINDS:
            summary[f"{task}_{kind}_epochs"] = [int(e) for e in result.epochs[kind]]
            summary[f"{task}_{kind}_converged"] = [bool(c) for c in result.converged[kind]]
            summary[f"{task}_{kind}_test_accuracy"] = [round(float(a), 4) for a in result.test_acc[kind]]
        summary[f"{task}_deviations"] = {k: rounded(v) for k, v in result.profiles.items()}
    return summary
