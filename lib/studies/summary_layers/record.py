"""Summary layers: what a run records in the claims ledger, with the convergence of the networks behind each claim."""

from dataclasses import dataclass, field

import numpy as np

from lib.claims import Ledger
from lib.studies.summary_layers.analysis import Analysis
from lib.studies.summary_layers.claims import TOP_PAIRS
from lib.studies.summary_layers.experiments import Screen, screen_rows
from lib.studies.summary_layers.grid import Baseline, TrainedGrid
from lib.studies.summary_layers.lucky import LuckyDraw, no_loss_measurement
from lib.studies.summary_layers.selection import (
    LUCKY_PROTOCOL,
    difference,
    more_confusable,
    pair_counts,
    selected_draw,
    shortfalls,
    top_four_test,
)
from lib.studies.summary_layers.theory import boundary_pairs, eq17_positive_pairs, eq17_premise
from lib.train import History
from lib.uncertainty import Measurement, over_repeats


@dataclass(frozen=True)
class ChosenNetwork:
    """The network chosen for one H on strict validation accuracy: strict accuracies and its convergence, with the
    strict accuracies of the usable seeds at its learning rate, the networks the selection chose among."""

    hidden: int
    lr: float
    seed: int
    train_acc: float
    test_acc: float
    converged: bool
    candidates: dict[str, tuple[float, ...]] = field(default_factory=dict)  # part → accuracies of the seeds


def chosen_network(hidden: int, acc: dict[str, np.ndarray], chosen: int, history: History,
                   lrs: tuple[float, ...], seeds: tuple[int, ...], usable: np.ndarray | None = None) -> ChosenNetwork:
    """The chosen member of a grid (per-member strict accuracies `acc`, lr and seed per member) as a record; the
    candidates are the members at its learning rate that are `usable` (all when None)."""
    ok = np.ones(len(lrs), dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    at_lr = [k for k in range(len(lrs)) if lrs[k] == lrs[chosen] and (ok[k] or k == chosen)]
    return ChosenNetwork(hidden, float(lrs[chosen]), int(seeds[chosen]), float(acc["train"][chosen]),
                         float(acc["test"][chosen]), bool(history.converged[chosen]),
                         {part: tuple(float(acc[part][k]) for k in at_lr) for part in ("train", "test")})


def draw(net: ChosenNetwork, part: str, items: int, error: bool = False) -> Measurement:
    """The chosen network's strict accuracy on `part` (or its error, 1 − accuracy) as one draw of the paper's
    selection protocol (selection.selected_draw) over `items` scored images."""
    value = net.train_acc if part == "train" else net.test_acc
    flip = (lambda a: 1.0 - a) if error else (lambda a: a)
    return selected_draw(flip(value), [flip(a) for a in net.candidates[part]], items, f"{part} images")


def protocol_note(short: list[str]) -> str:
    """What the profile shrinks below the paper's protocol, for a record's note ('' when nothing)."""
    return "below the paper's protocol: " + "; ".join(short) if short else ""


PAPER_ANALYSED = 300  # Davel 2020 §4.1: "The 300-node network is selected for analysis"


def profile_shortfalls(cfg) -> list[str]:
    """What this run's config shrinks below the paper's protocol (the `paper` profile's values; selection.PROTOCOL)."""
    from lib.studies import resolve
    return shortfalls(cfg, resolve("summary_layers", "paper"))


def _record(ledger: Ledger, claim_id: str, measured, converged: bool, note: str, short: list[str]) -> None:
    """Record a claim on the trained networks: not comparable when the profile shrinks the protocol, whether or
    not this grid measured it (then the measured value reads what is missing; in the paper's protocol a claim
    with nothing measured stays "not run")."""
    if measured is None and short:
        measured = f"not measured: {note}"
    ledger.record(claim_id, measured, converged=converged, comparable=not short,
                  note="; ".join(part for part in (note, protocol_note(short)) if part))


def record_table1(ledger: Ledger, chosen: dict[int, ChosenNetwork], sizes: dict[str, int], short: list[str]) -> None:
    """Table 1's rows for every H this run trained (the others stay "not run"), each the chosen network as one
    draw of the selection protocol (sizes: part → images scored); §4.1's "the 100-node network does not perform
    as well" on one more draw of each difference; §5's evaluation error of the H = 300 network."""
    for h, net in chosen.items():
        note = (f"lr {net.lr:g}, seed {net.seed}, chosen on strict validation accuracy among "
                f"{len(net.candidates['test'])} usable seed(s) at that rate")
        for part in ("train", "test"):
            if f"davel2020.t1.h{h}.{part}_acc" in ledger.claims:
                _record(ledger, f"davel2020.t1.h{h}.{part}_acc", draw(net, part, sizes[part]), net.converged, note,
                        short)
    if PAPER_ANALYSED in chosen:
        net = chosen[PAPER_ANALYSED]
        _record(ledger, "davel2020.s5.evaluation_error", draw(net, "test", sizes["test"], error=True), net.converged,
                "the selected H = 300 network, strict (the same network as Table 1's H = 300 test row)", short)
    if {100, 300, 600} <= set(chosen):
        gaps = {h: difference(draw(chosen[h], "test", sizes["test"]), draw(chosen[100], "test", sizes["test"]))
                for h in (300, 600)}
        h = min(gaps, key=lambda k: gaps[k].mean)
        _record(ledger, "davel2020.s4.1.h100_weaker", gaps[h],
                all(chosen[k].converged for k in (100, 300, 600)),
                "; ".join(f"H = {k} − H = 100: {gaps[k].mean:+.4f}" for k in gaps) + f" (judged: H = {h})", short)


def record_baseline(ledger: Ledger, chosen: dict[int, ChosenNetwork], baseline: dict[int, ChosenNetwork],
                    test_images: int, short: list[str]) -> None:
    """The summary layer's cost in test accuracy (beyond the paper): for each H trained both ways, one more draw
    of (selected network without − selected network with); the smallest over H is judged."""
    both = sorted(set(chosen) & set(baseline))
    if not both:
        return
    drops = {h: difference(draw(baseline[h], "test", test_images), draw(chosen[h], "test", test_images))
             for h in both}
    h = min(drops, key=lambda k: drops[k].mean)
    _record(ledger, "davel2020.beyond.summary_layer_costs_accuracy", drops[h],
            all(chosen[k].converged and baseline[k].converged for k in both),
            "; ".join(f"H = {k}: {baseline[k].test_acc:.4f} without, {chosen[k].test_acc:.4f} with" for k in both)
            + f" (judged: H = {h})", short)


def lucky_shortfalls(cfg) -> list[str]:
    """What this run's config shrinks below the paper profile's protocol and lucky draw (selection.LUCKY_PROTOCOL)."""
    from lib.studies import resolve
    return shortfalls(cfg, resolve("summary_layers", "paper"), LUCKY_PROTOCOL)


def record_dead_at_init(ledger: Ledger, dead: np.ndarray, hidden: int) -> None:
    """The share of validation images both summary nodes silence at He initialisation, over seeds (beyond the
    paper); it needs no training, so only an H other than the paper's analysed 300 makes it not comparable."""
    m = over_repeats(dead, "He-initialisation seeds (every validation image each)")
    ledger.record("davel2020.beyond.dead_share_at_init", m, comparable=hidden == PAPER_ANALYSED,
                  note=f"H = {hidden}, {len(dead)} seeds, median {float(np.median(dead)):.3f}, range "
                       f"{float(np.min(dead)):.3f}-{float(np.max(dead)):.3f}"
                       + ("" if hidden == PAPER_ANALYSED else f"; below the paper's protocol: H {hidden} ≠ 300"))


def record_lucky(ledger: Ledger, draws: dict[int, LuckyDraw], short: list[str]) -> None:
    """Per H of the lucky draw, the share of seeds that lose no test class (beyond the paper), converged when every
    seed trained on converged."""
    for h, draw in draws.items():
        claim = f"davel2020.beyond.h{h}.no_lost_class_typical"
        if claim not in ledger.claims:
            continue
        lucky, seeds = int(draw.lucky.sum()), len(draw.spec.seeds)
        recovered = int((draw.control & (draw.final_lost == 0)).sum())
        note = (f"lr {draw.spec.lr:g}: {int((draw.screen_lost == 0).sum())} of {seeds} seeds lost no validation "
                f"class after {draw.spec.screen_epochs} epoch(s); {lucky} lost no test class at the end; "
                f"{recovered} of {int(draw.control.sum())} control seed(s) recovered")
        _record(ledger, claim, no_loss_measurement(lucky, seeds), bool(draw.converged[draw.continued].all()), note,
                short)


def record_linear(ledger: Ledger, chosen: dict[int, ChosenNetwork], test_images: int, short: list[str]) -> None:
    """Per H of the linear arm, its selected network's strict test accuracy as one draw of the protocol."""
    for h, net in chosen.items():
        claim = f"davel2020.beyond.linear_summary.h{h}.test_acc"
        if claim in ledger.claims:
            _record(ledger, claim, draw(net, "test", test_images), net.converged,
                    f"lr {net.lr:g}, seed {net.seed}, chosen on strict validation accuracy", short)


def record_theory(ledger: Ledger, an: Analysis) -> None:
    """The checks of our code on the analysed network: normalisation, eq. 12-13, 17 (for the pairs it is derived
    for) and 18 hold for any weights, trained or not, so they are recorded whatever the profile."""
    change, scale = an.logit_change()
    ledger.record("davel2020.s3.3.normalisation_invariant", an.outcomes_unchanged(),
                  note=f"largest |logit change| {change:.2g} on logits up to {scale:.3g} (float64)")
    wrong64 = int((an.predicted != an.actual64).sum())
    ledger.record("davel2020.eq12.agreement", wrong64 == 0,
                  note=f"{len(an.y) - wrong64} of {len(an.y)} samples in float64; against the network's own float32 "
                       f"logits {int(an.agreement.trace())} of {len(an.y)} (Appendix A.1's condition for a_B = 0)")
    positive, premise = eq17_premise(an.normed.w3, an.y, an.actual64)
    everywhere = eq17_positive_pairs(an.normed.w3)
    ledger.record("davel2020.eq17.all_pairs_positive", positive == premise if premise else None,
                  note=f"{positive} of {premise} pairs whose classes both have correct samples; {everywhere[0]} of "
                       f"{everywhere[1]} pairs in all")
    pairs, violations = an.eq18.pairs, an.eq18.violations
    ledger.record("davel2020.eq18.no_violations", violations if pairs else None,
                  note=f"{violations} violations in {pairs:,} pairs" if pairs else "no pair of correct samples")


def record_networks(ledger: Ledger, *, organised: tuple[float, float] | None, pair_converged: bool, analysis: Analysis,
                    analysed_converged: bool, short: list[str]) -> None:
    """Fig. 7-8 (organisation of the well- and the poorly-generalising network, None without a contrasting
    pair) and §5 on the analysed network: the pairs above 0.20% of the evaluation set, whether the boundary pairs
    are the more confused, and whether the paper's four top pairs are ours. An analysed network of another width
    than the paper's is not comparable either."""
    width = int(analysis.raw.w1.shape[1])
    short = short + ([f"analysed H {width} ≠ {PAPER_ANALYSED}"] if width != PAPER_ANALYSED else [])
    _record(ledger, "davel2020.fig7_8.organised_generalises_better",
            None if organised is None else bool(organised[0] > organised[1]), pair_converged,
            "no contrasting pair in this grid" if organised is None else
            f"organisation {organised[0]:.3f} (better test) vs {organised[1]:.3f}", short)
    above, on_boundary = analysis.pairs_above()
    _record(ledger, "davel2020.s5.boundary_pairs_most_confused", on_boundary == len(above) if above else None,
            analysed_converged, f"{on_boundary} of {len(above)} pairs above 0.20%", short)
    rates = analysis.pair_rates()
    more, p = more_confusable(rates, boundary_pairs(analysis.normed.w3))
    _record(ledger, "davel2020.s5.boundary_pairs_more_confusable", more if p == p else None, analysed_converged,
            f"Mann-Whitney one-sided p = {p:.2g}", short)
    if analysis.n_classes <= max(max(pair) for pair in TOP_PAIRS):
        ledger.record("davel2020.s5.top_confusable_pairs", None, note=f"only {analysis.n_classes} classes")
        return
    holds, rows = top_four_test(pair_counts(rates, len(analysis.y)), TOP_PAIRS)
    _record(ledger, "davel2020.s5.top_confusable_pairs", holds, analysed_converged,
            "; ".join(f"{r['pair']}: {r['count']} errors, rank {r['rank']}"
                      + ("" if r["p_value"] is None else f" (p = {r['p_value']:.2g})") for r in rows), short)


def reading_evidence(g: TrainedGrid, n_train: int, cfg) -> dict[str, str]:
    """What this run shows for each reading choice (batch size, learning-rate grid, epoch cap, patience)."""
    lrs, seeds = g.spec.members()
    at_cap = int((g.history.best_epoch == g.history.eval_epoch.max()).sum())
    return {"batch_size": f"{-(-n_train // cfg.batch_size)} SGD steps per epoch on {n_train} images",
            "lr_low": f"grid {', '.join(f'{lr:g}' for lr in g.spec.lrs)} × {len(g.spec.seeds)} seeds; chosen for "
                      f"H = {g.spec.hidden}: lr {lrs[g.chosen]:g}, seed {seeds[g.chosen]}",
            "max_epochs": f"{at_cap} of {g.net.k} networks of H = {g.spec.hidden} had their best epoch at the cap",
            "patience": f"{int(g.history.converged.sum())} of {g.net.k} networks of H = {g.spec.hidden} were stopped "
                        "by patience (converged)"}


def measured(grids: dict[int, TrainedGrid], baselines: dict[int, Baseline], an: Analysis, screen: Screen,
             organised: np.ndarray, correlations: tuple[float, float]) -> dict:
    """The numbers of the page beyond the ledger, for results/summary_layers.json (organisation: (K,) of the
    analysed grid, the one whose width is the analysed network's)."""
    analysed = int(an.raw.w1.shape[1])
    def num(x: float, digits: int = 4):
        return None if x is None or not np.isfinite(x) else round(float(x), digits)
    found = {f"table1_{part}_acc_H{h}": num(g.acc[part][g.chosen]) for h, g in grids.items()
             for part in ("train", "test")}
    found.update({f"baseline_test_acc_H{h}": num(b.acc["test"][b.chosen]) for h, b in baselines.items()})
    change, _ = an.logit_change()
    above, on_boundary = an.pairs_above()
    found.update({
        "normalisation_max_logit_change": float(f"{change:.0e}"),
        "eq12_13_agree": f"{int(an.agreement.trace())} of {len(an.y)}", "eq12_13_table": an.agreement.tolist(),
        "eq18_violations": an.eq18.violations, "eq18_pairs": an.eq18.pairs,
        "evaluation_error": num(1 - float(an.actual.double().mean())), "tied_samples": int(an.ties.sum()),
        "pairs_above_0.20%_boundary": f"{on_boundary} of {len(above)}",
        "organisation_vs_test_acc_pearson": num(correlations[0], 3),
        "organisation_vs_test_acc_spearman": num(correlations[1], 3),
        "screen": [{k: (num(v) if isinstance(v, float) else v) for k, v in row.items()}
                   for row in screen_rows(screen)],
        "screen_wedges_init": screen.wedges_init[:len(screen.seeds)].tolist(),
    })
    found["grid"] = [{"H": h, "lr": g.spec.members()[0][k], "seed": g.spec.members()[1][k],
                      **{f"{part}_acc": num(g.acc[part][k]) for part in ("train", "val", "test")},
                      "best_epoch": int(g.history.best_epoch[k]), "converged": bool(g.history.converged[k]),
                      "wedges_init": int(g.wedges[0, k]), "wedges_last": int(g.wedges[-1, k]),
                      "organisation": num(organised[k]) if h == analysed else None}
                     for h, g in grids.items() for k in range(g.net.k)]
    return found

