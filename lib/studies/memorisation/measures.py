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
from lib.uncertainty import over_repeats

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
    gaps: dict[str, list[float]]  # kind -> neighbour gap (true positions) of input, hidden layers
    random_gap: float  # the gap of random pairs


def tsne_maps(result: Outcome, n_tsne: int, perplexity: float, seed: int) -> TsneMaps:
    """Maps of the first network of each kind (thesis Fig. 6.5, 6.6), with the true-position neighbour gap."""
    idx = np.sort(np.random.default_rng(seed + 2).permutation(len(result.sets.x_train))[:n_tsne])
    x = result.sets.x_train[idx]
    true_y, random_y = result.sets.y_true[idx].numpy(), result.sets.y_random[idx].numpy()
    points = {"input": [embedding.tsne_map(x.numpy(), perplexity=perplexity, seed=seed, n_jobs=1)]}
    for kind in runs.KINDS:
        hidden = dev.layer_representations(result.nets[kind], x)[1:-1]
        points[kind] = [embedding.tsne_map(a[0].numpy(), perplexity=perplexity, seed=seed, n_jobs=1)
                        for a in hidden]
    gaps = {kind: [embedding.neighbour_gap(p, true_y, k=5) for p in points["input"] + points[kind]]
            for kind in runs.KINDS}
    shuffled = np.random.default_rng(seed + 3).permutation(true_y)
    return TsneMaps(points, true_y, random_y, gaps, float(np.abs(shuffled - true_y).mean()))


def fraction(holds: np.ndarray) -> float:
    """Fraction of True entries, as a plain float."""
    return float(np.mean(np.asarray(holds, dtype=bool)))


def per_measure(holds: list[np.ndarray]) -> str:
    """'normalised_euclidean 3/3, cosine 0/3, ...': in how many networks each level-insensitive measure holds."""
    return ", ".join(f"{m} {int(np.sum(h))}/{np.size(h)}" for m, h in zip(LEVEL_INSENSITIVE, holds))


def record_claims(ledger: Ledger, jump: Outcome, mnist: Outcome, maps: TsneMaps) -> None:
    """Record every claim of claims.py from the run, with converged= from the networks behind it."""
    conv = {kind: bool(jump.converged[kind].all()) for kind in runs.KINDS}
    mconv = {kind: bool(mnist.converged[kind].all()) for kind in runs.KINDS}
    learn, mem_true, mem_rand = (jump.profiles[k] for k in ("learning", "memorising", "memorising, random"))
    ledger.record("chen2017.s6.2.memorised", over_repeats(jump.train_acc["memorising"]),
                  converged=conv["memorising"],
                  note=f"epochs to 100%: {', '.join(map(str, jump.epochs['memorising']))}")
    ledger.record("chen2017.s6.2.fails_true_labels", over_repeats(jump.test_acc["memorising"]),
                  converged=conv["memorising"], note=f"learning networks: {jump.test_acc['learning'].mean():.4f}")
    ratio = float(jump.epochs["memorising"].mean() / jump.epochs["learning"].mean())
    ledger.record("chen2017.s7.2.memorising_slower", ratio, converged=conv["memorising"] and conv["learning"],
                  note=f"mean epochs {jump.epochs['memorising'].mean():.0f} vs {jump.epochs['learning'].mean():.0f}")
    gaps = maps.gaps["memorising"]
    ledger.record("chen2017.fig6.5.tsne_structure_loosens", gaps[-1] / gaps[0], converged=conv["memorising"],
                  note="gaps per layer " + ", ".join(f"{g:.1f}" for g in gaps)
                  + f"; random pairs {maps.random_gap:.1f}")
    euclid = learn.inner["euclidean"]
    ledger.record("chen2017.fig6.7.euclidean_inner_dips_then_rises",
                  fraction((euclid[:, 1] < euclid[:, 0]) & (euclid[:, -1] > euclid[:, 1])), converged=conv["learning"])
    ledger.record("chen2017.fig6.8.activation_level_rises",
                  fraction(dev.increases_every_layer(learn.activation_level[:, 1:])),
                  converged=conv["learning"])
    level = learn.activation_level
    ledger.record("chen2017.fig6.8.activation_level_input_step", fraction(level[:, 1] > level[:, 0]),
                  converged=conv["learning"],
                  note=f"input level {level[:, 0].mean():.1f} (it grows with θ and the input scale, which the "
                       f"thesis does not state) vs layer 1 {level[:, 1].mean():.1f}")
    above = bool((mem_true.activation_level[:, 1:].mean(0) > learn.activation_level[:, 1:].mean(0)).all())
    ledger.record("chen2017.s6.4.memorising_level_above_learning", above,
                  converged=conv["memorising"] and conv["learning"],
                  note="hidden-layer levels memorising / learning: " + ", ".join(
                      f"{r:.2f}" for r in mem_true.activation_level[:, 1:].mean(0)
                      / learn.activation_level[:, 1:].mean(0)))
    falls = [dev.ends_below_start(learn.inner[m]) for m in LEVEL_INSENSITIVE]
    ledger.record("chen2017.fig6.9.inner_class_falls", fraction(falls), converged=conv["learning"],
                  note=per_measure(falls))
    inter = learn.inter["normalised_euclidean_debiased"]
    ledger.record("chen2017.fig6.9.inter_class_dips_then_rises", fraction(dev.dips_then_rises(inter)),
                  converged=conv["learning"],
                  note="per layer " + ", ".join(f"{v:.4f}" for v in inter.mean(0)))
    rises = [dev.every_layer_above_start(mem_rand.inner[m]) for m in LEVEL_INSENSITIVE]
    ledger.record("chen2017.fig6.13.inner_class_rises_random", fraction(rises), converged=conv["memorising"],
                  note=per_measure(rises))
    for claim, prof in (("chen2017.fig6.13.inter_class_rises_random", mem_rand),
                        ("chen2017.fig6.14.inter_class_rises_true", mem_true)):
        inter = prof.inter["normalised_euclidean_debiased"]
        ledger.record(claim, fraction(dev.ends_above_start(inter)), converged=conv["memorising"],
                      note=f"input {inter[:, 0].mean():.4f}, last hidden {inter[:, -1].mean():.4f}")
    rises = [dev.every_layer_above_start(mem_true.inner[m]) for m in LEVEL_INSENSITIVE]
    ledger.record("chen2017.fig6.14.inner_class_rises_true", fraction(rises), converged=conv["memorising"],
                  note=per_measure(rises))
    ml, mm = mnist.profiles["learning"], mnist.profiles["memorising"]
    scale = (f"{len(mnist.sets.x_train)} training images and {mnist.sets.sizes[1]} nodes per hidden layer (thesis: "
             "48000 and 784, reduced for the budget)")
    ledger.record("chen2017.s6.4.mnist_test_accuracy", over_repeats(mnist.test_acc["learning"]),
                  converged=mconv["learning"],
                  note=f"{scale}; {mnist.how.optimizer.upper()} {mnist.how.lr:g}, batch {mnist.how.batch_size}; "
                       f"validation minimum at step "
                       f"{', '.join(map(str, mnist.steps['learning']))}")
    ledger.record("chen2017.fig6.12.mnist_activation_level_rises",
                  fraction(dev.increases_every_layer(ml.activation_level[:, 1:])),
                  converged=mconv["learning"], note=scale)
    ledger.record("chen2017.fig6.12.mnist_inner_drops",
                  fraction(ml.inner["euclidean"][:, 1] < ml.inner["euclidean"][:, 0]), converged=mconv["learning"],
                  note=scale)
    inter, corrected = ml.inter["normalised_euclidean"], ml.inter["normalised_euclidean_debiased"]
    ledger.record("chen2017.fig6.12.mnist_inter_dips_then_rises",
                  fraction(dev.dips_then_ends_above_start(inter)),
                  converged=mconv["learning"],
                  note=f"{scale}; {len(mnist.sets.x_test) // mnist.sets.n_classes} test images per digit on "
                       f"average, so the noise term is small: at the input {inter[:, 0].mean():.4f}, noise out "
                       f"{corrected[:, 0].mean():.4f}; cosine per layer "
                       + ", ".join(f"{v:.4f}" for v in ml.inter["cosine"].mean(0)))
    ledger.record("chen2017.s6.4.mnist_memorising_inner_rises",
                  fraction(dev.every_layer_above_start(mm.inner["normalised_euclidean"])),
                  converged=mconv["memorising"],
                  note=f"{scale}; " + ", ".join(f"{'100%' if done else 'below 100%'} at step {step}" for done, step
                                                in zip(mnist.converged["memorising"], mnist.steps["memorising"]))
                  + "; cosine inner per layer " + ", ".join(f"{v:.4f}" for v in mm.inner["cosine"].mean(0)))


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
