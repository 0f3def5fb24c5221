"""Thesis §4.2: train the bottleneck networks of every p and seed and measure them (errors, dead nodes, collapse,
the validation-selected seed, the 2-D codes of p = 2)."""

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import torch

from lib import data, models, parallel, probes
from lib.jump_errors import error_measures, predicted_positions
from lib.studies.bottleneck import evidence
from lib.studies.bottleneck import nets as bn
from lib.studies.bottleneck.params import P_SETS

DEPTHS = ("shallow", "deep")
MEASURES = ("l1", "l2", "l1_99", "l2_99")
COLLAPSE_SHARE = 0.1  # a network is 'collapsed' when at least this share of validation signals has code 0


@dataclass
class Trained:
    """Both depths' stacks (all members, merged from the width groups), their histories, the members they hold,
    the data and the width groups with the training settings of each."""

    splits: data.JumpSplits
    members: bn.Members
    data_id: dict
    groups: list  # [(Members, TrainConfig)], narrow first
    nets: dict  # depth name → StackedNet
    histories: dict  # depth name → History
    init: str  # the weight initialisation (lib.models.INITS)

    def source_config(self, p: int, deep: bool) -> dict:
        """The model-cache key of the group stack that trained width p (what a retraining starts from)."""
        group, cfg = next((g, c) for g, c in self.groups if p in g.ps)
        return bn.cache_config(group, deep, self.data_id, cfg, self.init)


def group_configs(members: bn.Members, cfg) -> list:
    """Each width group with its training settings: the thesis's SGD, cap narrow_epochs (p <= 4) or max_epochs."""
    return [(group, bn.member_config(group, lr=cfg.lr, batch_size=cfg.batch_size, patience=cfg.patience,
                                     max_epochs=cfg.narrow_epochs if max(group.ps) <= bn.NARROW else cfg.max_epochs,
                                     eval_every=1))
            for group in bn.width_groups(members)]


def draw_seed(seed: int, draw: int) -> int | list[int]:
    """The data seed of draw `draw` of a run with seed `seed`: the seed itself for draw 0 (the page's figures and
    tables use it), [seed, draw] after it (a SeedSequence entropy no other run's seed repeats)."""
    return seed if draw == 0 else [seed, draw]


def jump_data(cfg, draw: int = 0) -> tuple[data.JumpSplits, dict]:
    """The thesis §3.1 splits of this run's data draw and their identity in the model-cache key."""
    seed = draw_seed(cfg.seed, draw)
    splits = data.jump_splits(cfg.n_train, cfg.n_val, cfg.n_test, seed=seed, theta=cfg.theta, sigma=cfg.sigma)
    return splits, {"seed": seed, "sizes": [cfg.n_train, cfg.n_val, cfg.n_test], "theta": cfg.theta,
                    "sigma": cfg.sigma, "generator": "lib.data.jump_splits"}


def train_all(cfg, draw: int = 0) -> Trained:
    """All (p, seed) of each depth on data draw `draw`, one engine call per width group (trained on the machine's
    cores, lib.parallel, or loaded from the model cache), merged."""
    splits, data_id = jump_data(cfg, draw)
    members = bn.Members(P_SETS[cfg.p_set], tuple(range(cfg.n_seeds)))
    groups = group_configs(members, cfg)
    calls = {depth: [partial(bn.train_bottlenecks, group, depth == "deep", splits, data_id, c, cfg.init)
                     for group, c in groups] for depth in DEPTHS}
    costs = [((c.max_epochs, depth == "deep"), call) for depth in DEPTHS for (_, c), call in zip(groups, calls[depth])]
    parallel.fill_cache(parallel.longest_first(costs))
    nets, histories = {}, {}
    for depth in DEPTHS:
        parts = [call() for call in calls[depth]]
        nets[depth] = bn.merge_stacks([net for net, _ in parts], [g for g, _ in groups], members, depth == "deep")
        histories[depth] = bn.merge_histories([h for _, h in parts], [g for g, _ in groups], members)
    return Trained(splits, members, data_id, groups, nets, histories, cfg.init)


@torch.no_grad()
def dead_nodes_per_layer(net, x: np.ndarray, members: bn.Members, deep: bool) -> np.ndarray:
    """Nodes that are off for every sample, per hidden layer, counting only each member's own p bottleneck nodes
    (the padded ones are not part of its network): (K, hidden layers) int."""
    post = net.activations(torch.from_numpy(np.asarray(x, dtype=np.float32))).post
    dead = np.zeros((members.k, len(post)), dtype=int)
    for index, layer in enumerate(post):
        live = probes.live_nodes(layer).numpy()  # (K, width)
        for m, (p, _) in enumerate(members.pairs):
            own = live[m, :p] if index == bn.bottleneck_index(deep) else live[m]
            dead[m, index] = int((~own).sum())
    return dead


def dead_hidden_nodes(net, x: np.ndarray, members: bn.Members, deep: bool) -> np.ndarray:
    """Dead nodes over all hidden layers (dead_nodes_per_layer summed): (K,) int."""
    return dead_nodes_per_layer(net, x, members, deep).sum(axis=1)


def network_runs(trained: Trained) -> pd.DataFrame:
    """One row per network: depth, p, seed, its test errors (§3.2.3) and their test-sampling variances, dead nodes
    (in all and per hidden layer), collapse and convergence."""
    rows, splits, members = [], trained.splits, trained.members
    for depth in DEPTHS:
        net, history, deep = trained.nets[depth], trained.histories[depth], depth == "deep"
        predicted = predicted_positions(net, splits.test.x)  # (K, N)
        codes = bn.bottleneck_codes(net, splits.val.x, deep)  # (K, N, max p)
        live, origin = bn.live_counts(codes, members), bn.origin_share(codes, members)
        shares = bn.active_shares(codes, members)
        dead = dead_nodes_per_layer(net, splits.val.x, members, deep)  # (K, layers)
        dead_train = dead_hidden_nodes(net, splits.train.x, members, deep)  # off for every training signal
        best_loss = np.nanmin(history.val_loss.numpy(), axis=0)
        for m, (p, s) in enumerate(members.pairs):
            rows.append({"depth": depth, "p": p, "seed": s, "dead bottleneck nodes": int(p - live[m]),
                         "dead hidden nodes": int(dead[m].sum()),
                         "dead on every training signal": int(dead_train[m]),
                         **{f"dead in layer {i + 1}": int(d) for i, d in enumerate(dead[m])},
                         "least active node": float(np.nanmin(shares[m])),
                         "origin share": float(origin[m]), "collapsed": bool(origin[m] >= COLLAPSE_SHARE),
                         "best val loss": float(best_loss[m]), "best epoch": int(history.best_epoch[m]),
                         "converged": bool(history.converged[m]),
                         **error_measures(predicted[m], splits.test.positions).as_dict(),
                         **{f"{k} test var": v for k, v in
                            evidence.sampling_variances(predicted[m], splits.test.positions).items()}})
    return pd.DataFrame(rows)


def draw_runs(cfg, runs: pd.DataFrame) -> pd.DataFrame:
    """The networks of every data draw: `runs` (draw 0, the page's networks) and network_runs of the same (p, seed)
    trained on each further draw (cfg.n_draws in all), with a 'draw' column."""
    parts = [runs.assign(draw=0)]
    parts += [network_runs(train_all(cfg, draw)).assign(draw=draw) for draw in range(1, cfg.n_draws)]
    return pd.concat(parts, ignore_index=True)


def selected(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (depth, p) the seed with the lowest best validation loss (what a practitioner would keep)."""
    return runs.loc[runs.groupby(["depth", "p"])["best val loss"].idxmin()].set_index(["depth", "p"])


def error_table(runs: pd.DataFrame, paper: dict) -> pd.DataFrame:
    """Per (depth, p): each measure's mean ± sd over seeds, the validation-selected seed's value, the thesis's
    value where it gives one, collapsed seeds and converged networks."""
    best, rows = selected(runs), []
    for (depth, p), part in runs.groupby(["depth", "p"], sort=False):
        row = {"network": network_name(depth, p)}
        for k in MEASURES:
            spread = part[k].std() if len(part) > 1 else 0.0
            row[f"{k} mean ± sd"] = f"{part[k].mean():.3f} ± {spread:.3f}"
            row[f"{k} selected"] = round(float(best.loc[(depth, p), k]), 3)
            row[f"{k} thesis"] = paper.get((depth, p), {}).get(k, "—")
        row["selected seed"] = int(best.loc[(depth, p), "seed"])
        row["collapsed seeds"] = ", ".join(str(s) for s in part.seed[part.collapsed]) or "none"
        row["converged"] = f"{int(part.converged.sum())} of {len(part)}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("network")


def network_name(depth: str, p: int) -> str:
    """Table 4.1's name of a bottleneck network."""
    return f"shallow 100-{p}-60" if depth == "shallow" else f"deep 100-25-{p}-25-60"


def origin_table(trained: Trained) -> pd.DataFrame:
    """Narrowest networks: share of test signals at the all-zero code, L1 there and elsewhere, its share of L1."""
    rows, splits, members = [], trained.splits, trained.members
    for depth in DEPTHS:
        net = trained.nets[depth]
        codes = bn.bottleneck_codes(net, splits.test.x, depth == "deep")
        predicted = predicted_positions(net, splits.test.x)
        for m, (p, s) in enumerate(members.pairs):
            if p != min(members.ps):
                continue
            at_origin = (codes[m, :, :p] <= 0).all(dim=1).numpy()
            error = np.abs(predicted[m] - splits.test.positions)
            rows.append({"network": f"{depth} p = {p}, seed {s}",
                         "test signals at the origin": float(at_origin.mean()),
                         "L1 at the origin": float(error[at_origin].mean()) if at_origin.any() else 0.0,
                         "L1 elsewhere": float(error[~at_origin].mean()) if (~at_origin).any() else 0.0,
                         "share of all L1 error from the origin":
                             float(error[at_origin].sum() / max(error.sum(), 1e-12))})
    return pd.DataFrame(rows).set_index("network")


def origin_at_init(trained: Trained, seeds: int = 20) -> pd.DataFrame:
    """Per depth and p: the mean share of validation signals at the all-zero code of `seeds` untrained networks
    under each initialisation (not stated in the thesis) beside 2^-p, the share if the p nodes were independent
    fair coins, and beside the trained networks' mean share."""
    rows, x = [], trained.splits.val.x
    for depth in DEPTHS:
        members = bn.Members(trained.members.ps, tuple(range(seeds)))
        trained_share = bn.origin_share(bn.bottleneck_codes(trained.nets[depth], x, depth == "deep"),
                                        trained.members)
        at_init = {init: bn.origin_share_at_init(members, depth == "deep", x, init) for init in models.INITS}
        for i, p in enumerate(members.ps):
            own = slice(i * seeds, (i + 1) * seeds)
            row = {"network": network_name(depth, p), "2^-p": 2.0 ** -p}
            row.update({f"at init, {init}": float(share[own].mean()) for init, share in at_init.items()})
            row["trained"] = float(np.mean([trained_share[m] for m, (q, _) in enumerate(trained.members.pairs)
                                            if q == p]))
            rows.append(row)
    return pd.DataFrame(rows).set_index("network")


@dataclass
class Codes2D:
    """The 2-D codes of one p = 2 network, its on-axis classes and its per-class test L1 error."""

    depth: str
    seed: int
    codes: np.ndarray  # (N, 2) training codes
    positions: np.ndarray  # (N,) their jump positions
    labels: np.ndarray  # (N,) their classes
    on_axis: np.ndarray  # (60,) bool
    class_error: np.ndarray  # (60,)


def codes_2d(trained: Trained, runs: pd.DataFrame) -> dict[str, Codes2D]:
    """Per depth, the validation-selected p = 2 network's codes (thesis §4.2.3); empty when p = 2 is not trained."""
    if 2 not in trained.members.ps:
        return {}
    best, out, splits = selected(runs), {}, trained.splits
    for depth in DEPTHS:
        seed = int(best.loc[(depth, 2), "seed"])
        m = trained.members.pairs.index((2, seed))
        net = trained.nets[depth]
        codes = bn.bottleneck_codes(net, splits.train.x, depth == "deep")[m, :, :2].numpy()
        fraction = bn.on_axis_fraction(codes, splits.train.y, 60)
        predicted = predicted_positions(net, splits.test.x)[m]
        error = bn.class_l1_error(predicted, splits.test.positions, splits.test.y, 60)
        out[depth] = Codes2D(depth, seed, codes, splits.train.positions, splits.train.y, fraction >= 0.5, error)
    return out


def on_axis_table(codes: dict[str, Codes2D]) -> pd.DataFrame:
    """Per depth: on-axis classes, mean per-class L1 of on-axis and other classes, on-axis among the 10 worst."""
    rows = []
    for depth, c in codes.items():
        on, off = c.class_error[c.on_axis], c.class_error[~c.on_axis]
        worst = np.argsort(c.class_error)[::-1][:10]
        rows.append({"network": f"{network_name(depth, 2)}, seed {c.seed}",
                     "on-axis classes": ", ".join(str(k + 21) for k in np.flatnonzero(c.on_axis)) or "none",
                     "mean L1, on-axis": float(on.mean()) if on.size else None,
                     "mean L1, other": float(off.mean()) if off.size else None,
                     "on-axis among the 10 worst": int(c.on_axis[worst].sum())})
    return pd.DataFrame(rows).set_index("network")


def on_axis_worst(codes: dict[str, Codes2D]) -> bool | None:
    """The thesis's §4.2.3 claim on this run: in every p = 2 network the on-axis classes err more on average
    than the others (None when no network has both kinds of class)."""
    verdicts = [bool(c.class_error[c.on_axis].mean() > c.class_error[~c.on_axis].mean())
                for c in codes.values() if c.on_axis.any() and (~c.on_axis).any()]
    return all(verdicts) if verdicts else None
