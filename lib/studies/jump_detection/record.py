"""This run's measurements of the chapter's claims, recorded in its ledger with `converged` from the histories."""

import numpy as np

from lib import data
from lib.claims import Ledger, offset
from lib.jump_errors import ErrorMeasures
from lib.studies.jump_detection import measures
from lib.studies.jump_detection.ascent import Ascent
from lib.studies.jump_detection.claims import MEASURES, OFFSET_ROWS, ORDERINGS, PAPER_TABLE, table_claim_id
from lib.studies.jump_detection.measures import over_seeds
from lib.studies.jump_detection.params import PARAMS
from lib.studies.jump_detection.replicates import sources
from lib.studies.jump_detection.sigma import SigmaScan
from lib.studies.jump_detection.training import CURVE_SHAPE, Trained
from lib.uncertainty import over_draws_and_seeds, over_repeats, prediction_interval

PAPER_PATIENCE = next(p.defaults["paper"] for p in PARAMS if p.name == "patience")


def record_claims(ledger: Ledger, cfg, trained: Trained, splits: list[data.JumpSplits],
                  stats: dict, replicated: dict[str, list[list[ErrorMeasures]]], baseline: dict,
                  scan: SigmaScan, found: dict[str, Ascent]) -> None:
    """Record every claim of claims.CLAIMS from this run's results: `stats` from measures.network_stats,
    `replicated` from measures.replicate_errors (every data draw × seed), `baseline` over the scan's test draws."""
    draws, seeds = len(splits), cfg.n_seeds
    what = sources(draws, seeds, cfg.n_test)
    by_key = {key: name for key, (name, _, _) in PAPER_TABLE.items()}
    for key, name in by_key.items():
        row = baseline if key == "baseline" else stats[name]
        converged = True if key == "baseline" else trained.converged(name)
        for measure in MEASURES:
            ledger.record(table_claim_id(key, measure), row[measure], converged=converged)
    for table, keys in OFFSET_ROWS.items():
        names = [by_key[k] for k in keys]
        paper = [v for k in keys for v in PAPER_TABLE[k][2]]
        ours = [stats[by_key[k]][m].mean for k in keys for m in MEASURES]
        ledger.record(f"chen2017.t{table}.systematic_offset", offset(paper, ours), converged=trained.converged(*names),
                      note=f"{len(ours)} values ({len(keys)} rows × {len(MEASURES)} measures); means {what}")
    for claim_id, (better, worse) in ORDERINGS.items():
        names = [by_key[k] for k in better + worse]
        gap = measures.ordering(replicated, tuple(by_key[k] for k in better), tuple(by_key[k] for k in worse))
        ledger.record(claim_id, over_draws_and_seeds(gap, what), converged=trained.converged(*names),
                      note=f"gap > 0 in {int((gap > 0).sum())} of {gap.size} network sets")
    cnn2 = "2-conv-layer CNN"
    pattern = measures.smooth_then_derivative(trained.draws(cnn2), cfg.filter_tolerance)
    holds, converged = measures.every_network(pattern, measures.converged_networks(trained, cnn2))
    ledger.record("chen2017.s3.4.cnn2_smooth_then_derivative", holds, converged=converged,
                  note=f"{int(pattern.sum())} of {pattern.size} networks ({cfg.conv_activation} convs, filter "
                       f"tolerance {cfg.filter_tolerance:g})")
    worst = measures.replicate_max_errors(trained, splits, CURVE_SHAPE)
    ledger.record("chen2017.fig3.10.nn_max_error", over_draws_and_seeds(worst, what),
                  converged=trained.converged(CURVE_SHAPE),
                  note=f"per network {worst.astype(int).tolist()}")
    epochs = measures.best_epochs(trained, CURVE_SHAPE)
    ledger.record("chen2017.fig3.9.best_epoch", over_draws_and_seeds(epochs, what),
                  converged=trained.converged(CURVE_SHAPE),
                  comparable=cfg.patience >= PAPER_PATIENCE,
                  note=f"best epochs per network {epochs.astype(int).tolist()}" + (
                      "" if cfg.patience >= PAPER_PATIENCE else
                      f"; patience {cfg.patience} < {PAPER_PATIENCE}: the thesis watched its validation loss for "
                      f"over 1400 epochs, a short patience can stop at an earlier local minimum"))
    row = int(np.argmin(np.abs(scan.grid - cfg.sigma)))
    ledger.record("chen2017.fig3.7.baseline_99_within_2",
                  over_repeats(scan.max_99[row], sources=f"{scan.max_99.shape[1]} independent test draws"),
                  note=f"≤ 2 in {int((scan.max_99[row] <= 2).sum())} of {scan.max_99.shape[1]} test draws at "
                       f"σ = {scan.grid[row]:g}")
    baseline_l1 = measures.baseline_l1_per_draw(splits)
    beats = np.stack([measures.measure_array(replicated[n], "l1") < baseline_l1[:, None] for n in trained.main])
    every = np.stack([measures.converged_networks(trained, n) for n in trained.main])
    holds, converged = measures.every_network(beats, every)
    worse = measures.not_below_baseline(replicated, baseline_l1)
    ledger.record("chen2017.s3.4.all_beat_baseline", holds, converged=converged,
                  note=("not below the baseline: " + ", ".join(worse)) if worse else f"{beats.size} networks")
    runs = measures.member_ascents(trained, list(trained.main), cfg, found)
    reached = np.stack([[not a.hit_cap.any() for a in runs[n]] for n in trained.main])  # (models, seeds)
    holds, converged = measures.every_network(reached, np.stack([trained.histories[n].converged.numpy()
                                                                  for n in trained.main]))
    capped = [f"{n} (seed {k})" for n in trained.main for k, a in enumerate(runs[n]) if a.hit_cap.any()]
    ledger.record("chen2017.ch5.ascent_reaches_target", holds, converged=converged,
                  note=(f"stopped by ascent_cap ({cfg.conv_activation} convs): " + ", ".join(capped)) if capped else
                  f"{reached.size} networks of data draw 0")
    shares = measures.replicate_diagonal_shares(trained.draws("1-layer NN"))
    holds, converged = measures.every_network(shares == 1, measures.converged_networks(trained, "1-layer NN"))
    ledger.record("chen2017.fig3.14.diagonal_weights", holds, converged=converged,
                  note=f"share of positions per network {np.round(shares, 3).tolist()}")
    per_draw = over_repeats(scan.per_draw[np.isfinite(scan.per_draw)])
    low, high = prediction_interval(per_draw)
    ledger.record("chen2017.beyond.sigma_consistent", bool(low <= cfg.sigma <= high),
                  note=f"σ̂ = {scan.estimate:.3f} ± {scan.spread:.3f} over {per_draw.n} draws, prediction interval "
                       f"[{low:.3f}, {high:.3f}], sigma = {cfg.sigma:g}")
    bayes = measures.bayes_exact_per_draw(splits, cfg.theta)
    exact = measures.replicate_exact_shares(trained, splits)
    holds, converged = measures.every_network(np.stack([e <= bayes[:, None] + 0.01 for e in exact.values()]), every)
    above = measures.above_bayes(exact, bayes)
    ledger.record("chen2017.beyond.bayes_bound", holds, converged=converged,
                  note="Bayes exact share per draw " + ", ".join(f"{b:.3f}" for b in bayes) +
                       (f"; above it: {', '.join(above)}" if above else ""))


def reading_evidence(cfg, scan: SigmaScan, errors: dict[str, list[ErrorMeasures]], trained: Trained,
                     types, readings: dict[str, str]) -> dict[str, str]:
    """One sentence per reading choice, computed from this run; `readings` (offset.reading_sentences) for the loss
    and the stopping rule."""
    l1 = {name: over_seeds(errs)["l1"] for name, errs in errors.items()}
    cnns = [n for n in trained.alternatives]
    side = "; ".join(f"{n.split(' (')[0]}: {l1[n.split(' (')[0]].mean:.3f} ({cfg.conv_activation}) vs "
                     f"{l1[n].mean:.3f} ({n.split('(')[1].split(' ')[0]})" for n in cnns)
    converged = sum(int(h.converged.sum()) for h in trained.histories.values())
    total = sum(len(h.converged) for h in trained.histories.values())
    derivative = int(types["derivative (seeds)"].sum())
    return {
        **readings,
        "sigma": f"the baseline meets Table 3.1 at σ̂ = {scan.estimate:.3f} ± {scan.spread:.3f} over "
                 f"{len(scan.per_draw)} test draws",
        "conv_activation": "CNN test L1 on data draw 0, " + (side or "no side-by-side run (alt_seeds = 0)"),
        "patience": f"{converged} of {total} trained networks of data draw 0 stopped before max_epochs = "
                    f"{cfg.max_epochs}",
        "filter_tolerance": f"{derivative} of {int(types[['smoothing (seeds)', 'derivative (seeds)']].sum().sum())} "
                            f"learnt filters read as derivative-type",
    }
