"""lib.studies.bottleneck: width groups trained apart and merged, the long run's replayed early stopping."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch

from lib import data, models, train
from lib.studies.bottleneck import long_run, networks
from lib.studies.bottleneck import nets as bn
from lib.studies.bottleneck.params import check

MEMBERS = bn.Members((2, 4, 6, 10), (0, 1))


def test_width_groups_split_narrow_from_wide_and_keep_the_seeds():
    narrow, wide = bn.width_groups(MEMBERS)
    assert narrow == bn.Members((2, 4), (0, 1)) and wide == bn.Members((6, 10), (0, 1))
    assert bn.width_groups(bn.Members((10,), (0,))) == [bn.Members((10,), (0,))]
    assert sorted(narrow.pairs + wide.pairs) == sorted(MEMBERS.pairs)


def test_group_configs_give_each_group_its_own_cap():
    cfg = SimpleNamespace(lr=0.01, batch_size=100, patience=5, max_epochs=70, narrow_epochs=30)
    (narrow, narrow_cfg), (wide, wide_cfg) = networks.group_configs(MEMBERS, cfg)
    assert (narrow_cfg.max_epochs, wide_cfg.max_epochs) == (30, 70)
    assert narrow_cfg.seed == (0, 1, 0, 1) and wide.ps == (6, 10)


def test_merged_stack_computes_every_group_member():
    groups = bn.width_groups(MEMBERS)
    parts = [bn.padded_bottlenecks(g, deep=True) for g in groups]
    merged = bn.merge_stacks(parts, groups, MEMBERS, deep=True)
    x = torch.randn(30, 100)
    for m, (p, s) in enumerate(MEMBERS.pairs):
        plain = models.bottleneck(1, p, deep=True, seed=s).member(0)
        assert torch.allclose(merged(x)[m], plain(x), atol=1e-5)


def _history(val_loss, best, stopped):
    v = torch.tensor(val_loss, dtype=torch.float32)  # (V, K)
    epochs = torch.arange(1, len(v) + 1)
    return train.History(v + 1, v, v / 10, epochs * 7, epochs, torch.tensor(best), torch.tensor(stopped),
                         7 * len(v), len(v))


def test_merged_histories_pad_the_shorter_group_with_nan_in_member_order():
    groups = [bn.Members((2,), (0, 1)), bn.Members((6,), (0, 1))]
    members = bn.Members((2, 6), (0, 1))
    short = _history([[3.0, 4.0]], [1, 1], [0, 0])
    long = _history([[2.0, 1.0], [1.5, 0.5], [1.6, 0.4]], [2, 3], [3, 0])
    merged = bn.merge_histories([short, long], groups, members)
    assert merged.val_loss.shape == (3, 4) and merged.epochs == 3 and merged.eval_epoch.tolist() == [1, 2, 3]
    assert merged.val_loss[0].tolist() == [3.0, 4.0, 2.0, 1.0]
    assert torch.isnan(merged.val_loss[1:, :2]).all() and torch.isnan(merged.train_loss[1:, :2]).all()
    assert merged.best_epoch.tolist() == [1, 1, 2, 3] and merged.converged.tolist() == [False, False, True, False]


def _loop_stop(curve, patience):
    """Early stopping as the engine does it, one epoch at a time."""
    best, best_epoch, waited = np.inf, 0, 0
    for epoch, loss in enumerate(curve, start=1):
        if loss < best:
            best, best_epoch, waited = loss, epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, 0


def test_patience_stop_replays_early_stopping_like_a_loop():
    rng = np.random.default_rng(0)
    curves = np.cumsum(rng.normal(-0.01, 0.05, size=(300, 8)), axis=0)
    for patience in (1, 5, 20, 400):
        best, stop = long_run.patience_stop(curves, np.arange(1, 301), patience)
        expected = [_loop_stop(curves[:, k], patience) for k in range(8)]
        assert list(zip(best.tolist(), stop.tolist())) == expected


def test_patience_stop_ignores_the_nan_tail_of_a_shorter_curve():
    curve = np.array([[3.0], [2.0], [2.5], [np.nan], [np.nan]])
    assert long_run.patience_stop(curve, np.arange(1, 6), 2) == (np.array([2]), np.array([0]))


def test_summary_and_needs_on_a_hand_curve(tmp_path):
    members = bn.Members((2,), (0, 1))
    curve = np.array([[4.0, 4.0], [3.0, 3.9], [3.1, 3.8], [3.2, 3.7], [2.9, 3.6]])
    rows = long_run.summary(curve, np.arange(1, 6), members, "deep")
    assert rows[0]["epoch of the lowest"] == 5 and rows[1]["lowest val loss"] == 3.6
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"provenance": {"cap": 5}, "networks": rows}))
    table, provenance = long_run.load(path)
    assert provenance == {"cap": 5} and len(table) == 2
    table.loc[0, "stops at, patience 50"] = 40
    got = long_run.needs(table, cap=30, patience=50)
    assert got == {"networks": 2, "within_cap": 0, "stopped": 1, "latest_stop": 40, "latest_best": 5}


def test_the_committed_long_run_covers_the_default_narrow_networks():
    table, provenance = long_run.load()
    assert provenance["cap"] <= long_run.LONG_CAP and provenance["patience"] == long_run.LONG_PATIENCE
    assert sorted(set(table.p)) == [2, 4] and sorted(set(table.depth)) == ["deep", "shallow"]
    assert len(table) == 2 * 2 * 3 and (table["epoch of the lowest"] <= provenance["cap"]).all()


def test_origin_share_at_init_is_near_two_to_the_minus_p():
    x = data.jump_signals(2000, seed=1, sigma=1.0).x
    share = bn.origin_share_at_init(bn.Members((2, 10), tuple(range(30))), False, x)
    assert abs(share[:30].mean() - 0.25) < 0.08 and share[30:].mean() < 0.02


def test_narrow_and_initialisation_caps_must_leave_room_for_patience():
    base = dict(batch_size=100, n_train=1000, patience=50, max_epochs=100, narrow_epochs=100, init_epochs=100,
                sep_trials=10, claim_trials=100)
    assert check(SimpleNamespace(**base)) == []
    found = check(SimpleNamespace(**{**base, "narrow_epochs": 20, "init_epochs": 10}))
    assert any("'narrow_epochs'" in f for f in found) and any("'init_epochs'" in f for f in found)


def test_origin_at_init_table_has_a_row_per_depth_and_width():
    cfg = SimpleNamespace(seed=0, n_train=200, n_val=100, n_test=100, theta=3.0, sigma=1.0, p_set="table",
                          n_seeds=1, lr=0.01, batch_size=100, max_epochs=1, narrow_epochs=1, patience=1,
                          init="glorot")
    table = networks.origin_at_init(networks.train_all(cfg), seeds=3)
    assert len(table) == 6 and isinstance(table, pd.DataFrame)
    assert ((table.filter(like="at init") >= 0) & (table.filter(like="at init") <= 1)).all().all()


def test_page_table_names_a_missing_network_and_a_run_still_improving():
    table = pd.DataFrame([{"depth": "deep", "p": 2, "seed": s, "lowest val loss": 1.0, "epoch of the lowest": 9,
                           **{f"best epoch, patience {q}": 9 for q in long_run.PATIENCES},
                           **{f"stops at, patience {q}": stop for q in long_run.PATIENCES}}
                          for s, stop in ((0, 0), (1, 59))])
    this_run = pd.DataFrame([{"depth": "deep", "p": 2, "seed": 0, "best val loss": 1.23456}])
    page = long_run.page_table(table, this_run)
    column = f"stops at, patience {long_run.PATIENCES[0]}"
    assert list(page[column]) == ["still improving", 59]
    assert list(page["best val loss, this page"]) == [1.2346, "not in this run"]


def test_the_workers_get_the_longest_calls_first(monkeypatch, tmp_path):
    """Wide (high-cap) calls before narrow ones, deep before shallow: the two cores finish together."""
    from lib import parallel

    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    handed = []
    monkeypatch.setattr(parallel, "fill_cache", lambda calls: handed.extend(calls))
    cfg = SimpleNamespace(seed=0, n_train=200, n_val=100, n_test=100, theta=3.0, sigma=1.0, p_set="table",
                          n_seeds=1, lr=0.01, batch_size=100, max_epochs=2, narrow_epochs=1, patience=1,
                          init="glorot")
    networks.train_all(cfg)
    order = [(call.args[4].max_epochs, call.args[1]) for call in handed]
    assert order == [(2, True), (2, False), (1, True), (1, False)]
