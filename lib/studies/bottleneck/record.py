"""This run's measurements of the bottleneck claims, written into the ledger with convergence from the histories.

A network's error is one draw over network seeds and test-set sampling (evidence.network_error); comparisons are
judged on the difference of one network of each kind (evidence.difference), the weakest of several on its own."""

import pandas as pd

from lib.claims import Ledger, at_least, offset
from lib.studies.bottleneck import claims as c
from lib.studies.bottleneck import evidence, montecarlo, networks


def _converged(part: pd.DataFrame) -> bool:
    """All networks behind a claim reached their validation minimum before the epoch cap."""
    return bool(part.converged.all())


def _unconverged_note(part: pd.DataFrame) -> str:
    """Which networks hit their cap (or nothing)."""
    capped = part[~part.converged]
    if capped.empty:
        return ""
    return (f"{len(capped)} of {len(part)} networks still improving at the epoch cap "
            f"(best epochs {int(capped['best epoch'].min())}-{int(capped['best epoch'].max())})")


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def error_of(part: pd.DataFrame, measure: str, n_test: int):
    """One network's `measure` at one (depth, p): data draws × network seeds, each network's test-set sampling
    beside it (evidence.nested; one draw: evidence.network_error)."""
    column = f"{measure} test var"
    part = part.assign(draw=part["draw"] if "draw" in part else 0)
    if column not in part:
        part = part.assign(**{column: 0.0})
    values = part.pivot(index="draw", columns="seed", values=measure).to_numpy()
    variances = part.pivot(index="draw", columns="seed", values=column).to_numpy()
    return evidence.nested(values, variances, n_test)


def errors(ledger: Ledger, runs: pd.DataFrame, n_test: int) -> None:
    """Table 4.1 / 7.1: each measure of one network for every (depth, p) in both run and thesis, and Table 4.1's
    systematic offset over its rows and measures."""
    paper, ours, offset_parts = [], [], []
    for (depth, p), part in runs.groupby(["depth", "p"]):
        if (depth, p) not in c.PAPER:
            continue
        collapsed = int(part.collapsed.sum())
        remark = _join(_unconverged_note(part), f"{collapsed} collapsed seed(s)" if collapsed else "")
        for measure in c.PAPER[(depth, p)]:
            ledger.record(c.error_id(depth, p, measure), error_of(part, measure, n_test), _converged(part), remark)
            if (depth, p) in c.OFFSET_ROWS:
                paper.append(c.PAPER[(depth, p)][measure])
                ours.append(float(part[measure].mean()))
        if (depth, p) in c.OFFSET_ROWS:
            offset_parts.append(part)
    if paper:
        part = pd.concat(offset_parts)
        ledger.record("chen2017.t4.1.systematic_offset", offset(paper, ours), _converged(part),
                      _join(f"{len(paper)} rows × measures", _unconverged_note(part)))


def worse_than_mlp(ledger: Ledger, runs: pd.DataFrame, n_test: int) -> None:
    """§4.2.2: every bottleneck network's error above the thesis's MLP of the same depth (Table 4.1), and above the
    signal-processing approach (worse_than)."""
    worse_than(ledger, "chen2017.s4.2.bottleneck_worse_than_mlp", runs, n_test, c.MLP,
               lambda depth: f"the {'2' if depth == 'shallow' else '4'}-layer MLP's")
    worse_than(ledger, "chen2017.s4.2.bottleneck_worse_than_signal_processing", runs, n_test,
               {"shallow": c.SIGNAL, "deep": c.SIGNAL}, lambda depth: "the signal-processing approach's")


def worse_than(ledger: Ledger, claim: str, runs: pd.DataFrame, n_test: int, benchmark: dict, name) -> None:
    """Every bottleneck network's error above a benchmark of Table 4.1 (per depth and measure), judged on the ratio
    of one network's error to the benchmark's value, row and measure closest to 1; decided on the converged
    (depth, p)."""
    groups = {(depth, p): part for (depth, p), part in runs.groupby(["depth", "p"])}
    done = {key: part for key, part in groups.items() if part.converged.all()}
    if not done:
        ledger.record(claim, 0.0, False, _unconverged_note(runs))
        return
    ratios = {(depth, p, m): evidence.scaled(error_of(part, m, n_test), benchmark[depth][m])
              for (depth, p), part in done.items() for m in evidence.MEASURES}
    (depth, p, m), judged = evidence.weakest(ratios, at_least(1.0))
    left = [key for key in groups if key not in done]
    ledger.record(claim, ratios[(depth, p, m)], judged.verdict == "differs" or not left,
                  _join(f"closest: {depth} p = {p} {m} against {name(depth)} {benchmark[depth][m]}; {len(done)} of "
                        f"{len(groups)} (depth, p) converged",
                        "unconverged: " + ", ".join(f"{d} p = {q}" for d, q in left) if left else ""))


def _l1(part: pd.DataFrame, n_test: int):
    return error_of(part, "l1", n_test)


def _differences(ledger: Ledger, claim: str, pairs: dict, n_test: int) -> None:
    """Record the weakest of the differences (larger − smaller L1 of one network each) that must all be > 0, from
    the pairs whose networks all converged: a failing one decides; else unconverged pairs leave it not converged."""
    done = {key: (a, b) for key, (a, b) in pairs.items() if a.converged.all() and b.converged.all()}
    left = [key for key in pairs if key not in done]
    behind = pd.concat([part for a_b in pairs.values() for part in a_b])
    if not done:
        ledger.record(claim, 0.0, False, _unconverged_note(behind))
        return
    diffs = {key: evidence.difference(_l1(a, n_test), _l1(b, n_test)) for key, (a, b) in done.items()}
    key, judged = evidence.weakest(diffs, at_least(0.0))
    means = ", ".join(f"{k}: {d.mean:+.3f}" for k, d in diffs.items())
    ledger.record(claim, diffs[key], judged.verdict == "differs" or not left,
                  _join(f"closest {key}; differences of the means {means}",
                        "unconverged: " + ", ".join(left) if left else ""))


def shapes(ledger: Ledger, runs: pd.DataFrame, n_test: int) -> None:
    """Fig. 4.3-4.5 and §4.2.2: error against p, deep against shallow, dead nodes."""
    groups = {(depth, p): part for (depth, p), part in runs.groupby(["depth", "p"])}
    ps = sorted(runs.p.unique())
    if len(ps) > 1:
        steps = {f"p = {a} → {b}": (groups[("shallow", a)], groups[("shallow", b)]) for a, b in zip(ps, ps[1:])}
        _differences(ledger, "chen2017.fig4.3.shallow_error_falls_with_p", steps, n_test)
    pairs = {f"p = {p}": (groups[("shallow", p)], groups[("deep", p)]) for p in ps}
    _differences(ledger, "chen2017.s4.2.deep_beats_shallow", pairs, n_test)
    if {5, 6, 9, 10} <= set(ps):
        rises = {f"p = {a} → {b}": (groups[("deep", b)], groups[("deep", a)]) for a, b in ((5, 6), (9, 10))}
        _differences(ledger, "chen2017.fig4.4.deep_rises_5_to_6_and_9_to_10", rises, n_test)
    dead_nodes(ledger, runs)


def dead_nodes(ledger: Ledger, runs: pd.DataFrame) -> None:
    """Fig. 4.5 and §4.2.2 on every network: dead bottleneck nodes of the deep networks at p = 6, 9, 10 (their
    share against the thesis's counts), dead nodes in each deep hidden layer, none in the shallow networks."""
    deep, shallow = runs[runs.depth == "deep"], runs[runs.depth == "shallow"]
    wide = [p for p in (6, 9, 10) if p in set(deep.p)]
    if wide:
        shown = [evidence.some_network(deep[deep.p == p]["dead bottleneck nodes"] > 0, deep[deep.p == p].converged)
                 for p in wide]
        per_seed = "; ".join(f"p = {p}: " + "/".join(str(int(x)) for x in deep[deep.p == p]["dead bottleneck nodes"])
                             for p in wide)
        ledger.record("chen2017.fig4.5.dead_nodes", all(s[0] for s in shown),
                      all(s[1] for s in shown) or any(s[1] and not s[0] for s in shown),
                      f"dead bottleneck nodes per network, {per_seed}")
    for p in wide:
        part = deep[deep.p == p]
        share = error_of(part.assign(share=part["dead bottleneck nodes"] / p), "share", 0)
        ledger.record(f"chen2017.fig4.5.dead_share_p{p}", share, _converged(part), _unconverged_note(part))
    layers = [f"dead in layer {i}" for i in (1, 2, 3)]
    if len(deep) and all(col in deep for col in layers):
        shown = [evidence.some_network(deep[col] > 0, deep.converged) for col in layers]
        ledger.record("chen2017.s4.2.dead_nodes_every_intermediate_layer", all(s[0] for s in shown),
                      all(s[1] for s in shown) or any(s[1] and not s[0] for s in shown),
                      "deep networks with a dead node per layer (25, p, 25): "
                      + ", ".join(f"{int((deep[col] > 0).sum())}/{len(deep)}" for col in layers))
    if len(shallow):
        # a shallow node off for every training signal gets no gradient into its own input weights: it cannot revive
        permanent = shallow["dead on every training signal"] > 0 if "dead on every training signal" in shallow \
            else False
        holds, converged, note = evidence.every_network(shallow["dead hidden nodes"] > 0, shallow.converged,
                                                        permanent=permanent)
        capped = shallow[(shallow["dead hidden nodes"] > 0)]
        ledger.record("chen2017.s4.2.shallow_no_dead_nodes", holds, converged,
                      _join(note, "with a dead node: " + ", ".join(
                          f"p = {r.p} seed {r.seed} ({int(r['dead hidden nodes'])}, "
                          f"{'converged' if r.converged else 'at the cap'})" for _, r in capped.iterrows())
                            if len(capped) else ""))


def on_axis(ledger: Ledger, runs: pd.DataFrame, codes: dict) -> None:
    """§4.2.3 on the validation-selected p = 2 network of each depth (networks.codes_2d)."""
    worst = networks.on_axis_worst(codes)
    chosen = {(depth, code.seed) for depth, code in codes.items()}
    part = runs[[(depth, seed) in chosen and p == 2 for depth, p, seed in zip(runs.depth, runs.p, runs.seed)]]
    if worst is not None:
        ledger.record("chen2017.s4.2.p2_on_axis_worst", worst, _converged(part), _unconverged_note(part))


def monte_carlo(ledger: Ledger, quoted: pd.DataFrame, separation: pd.DataFrame, grid: pd.DataFrame | None = None
                ) -> None:
    """§4.3.4 for every construction and point law, Fig. 4.14's fall with n and Fig. 4.15 for both constructions
    (no training)."""
    for row in quoted.itertuples():
        measured = row.high if row.side == "below" else row.low
        trials = f"{row.successes} successes in {row.trials} trials"
        if row.verdict == "not resolved":  # the interval straddles the threshold: no verdict either way
            ledger.record(c.mp_id(row.claim, row.construction, row.distribution), None, True,
                          f"{trials}: the 95 % interval [{row.low:.2e}, {row.high:.2e}] straddles the threshold, "
                          "more trials needed")
        else:
            ledger.record(c.mp_id(row.claim, row.construction, row.distribution), float(measured), True, trials)
    if grid is not None:
        ledger.record("chen2017.s4.3.probability_falls_with_n", *_with_note(montecarlo.fall_with_n(grid, c.MP_MAIN[0])))
    ledger.record("chen2017.fig4.15.separation_helps", *_with_note(montecarlo.separation_gain(separation, "linear")))
    ledger.record("chen2017.fig4.15.separation_helps.affine",
                  *_with_note(montecarlo.separation_gain(separation, "affine")))


def _with_note(found: tuple) -> tuple:
    """(measured, converged, note) from a (Measurement, key) of the Monte-Carlo comparisons (no training)."""
    measured, key = found
    return measured, True, key


def initial_estimates(ledger: Ledger, summary: dict) -> None:
    """§4.3.5's suggestion: LS output layer against the control (both arms must reach their minimum)."""
    ledger.record("chen2017.s4.3.5.mp_initial_estimates", bool(summary["faster"] > summary["networks"] / 2),
                  summary["converged"],
                  f"LS sooner in {summary['faster']} of {summary['networks']} networks" if summary["converged"]
                  else "an arm's best validation loss is at its epoch cap")
