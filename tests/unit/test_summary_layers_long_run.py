"""The summary-layer long run: its grids, its per-network rows, the chosen network per H and the page's facts."""

import json

import pandas as pd
import torch

from lib.studies import resolve
from lib.studies.summary_layers import experiments, grid, long_run


def test_long_specs_keep_the_default_grid_and_take_the_paper_cap_and_patience():
    cfg, paper = resolve("summary_layers", "default"), resolve("summary_layers", "paper")
    specs = long_run.long_specs(cfg, paper)
    assert sorted(specs) == sorted(cfg.hidden_sizes)
    for h, spec in specs.items():
        assert spec.hidden == h and spec.max_epochs == paper.max_epochs and spec.patience == paper.patience
        assert spec.lrs == grid.lr_grid(cfg.lr_low, cfg.lr_high, cfg.n_lr) and spec.batch_size == cfg.batch_size
        assert spec.seeds == tuple(cfg.seed + i for i in range(cfg.n_seeds))


def tiny_data() -> grid.Data:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(150, 6, generator=gen), torch.randint(3, (150,), generator=gen)
    return grid.Data(x[:90], y[:90], x[90:120], y[90:120], x[120:], y[120:], "random-150")


def test_network_rows_report_each_members_strict_accuracies_epochs_and_lost_classes(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    d = tiny_data()
    spec = grid.GridSpec(hidden=5, lrs=(0.05, 0.2), seeds=(1, 2), batch_size=30, max_epochs=3, patience=1,
                         device="cpu")
    g = grid.trained_grid(spec, d)
    rows = long_run.network_rows(g, d)
    assert [(r["lr"], r["seed"]) for r in rows] == list(zip(*spec.members()))
    with torch.no_grad():
        logits = g.net(d.x_eval)
    lost = experiments.lost_classes(experiments.class_accuracy(logits, d.y_eval, 3))
    for k, row in enumerate(rows):
        assert row["H"] == 5 and row["test acc"] == round(float(g.acc["test"][k]), 4)
        assert row["best epoch"] == int(g.history.best_epoch[k])
        assert row["stopped at"] == int(g.history.stopped_epoch[k])
        assert row["lost test classes"] == int(lost[k])
    json.dumps(rows)  # what main() writes


def test_chosen_rows_facts_and_page_table():
    table = pd.DataFrame([
        {"H": 100, "lr": 0.1, "seed": 0, "train acc": 0.9, "val acc": 0.80, "test acc": 0.79, "best epoch": 50,
         "stopped at": 70, "lost test classes": 1},
        {"H": 100, "lr": 0.1, "seed": 1, "train acc": 0.95, "val acc": 0.93, "test acc": 0.92, "best epoch": 120,
         "stopped at": 0, "lost test classes": 0},
        {"H": 300, "lr": 0.1, "seed": 0, "train acc": 0.97, "val acc": 0.94, "test acc": 0.94, "best epoch": 90,
         "stopped at": 110, "lost test classes": 0}])
    chosen = long_run.chosen_rows(table)
    assert list(chosen.index) == [100, 300] and chosen.loc[100, "seed"] == 1
    facts = long_run.facts(table, {100: 0.936, 300: 0.950, 600: 0.950})
    assert facts["networks"] == 3 and facts["stopped"] == 2 and facts["latest_best"] == 120
    assert facts["test"] == {100: 0.92, 300: 0.94} and abs(facts["shortfall"][100] - 0.016) < 1e-12
    assert facts["lost"] == {100: 0, 300: 0}
    page = long_run.page_table(table)
    assert page.loc[(100, 0.1, 1), "stopped at"] == "still improving at the cap"
    assert page.loc[(100, 0.1, 0), "stopped at"] == 70


def test_long_run_text_reads_the_verdict_rule():
    from lib.studies.summary_layers import text
    provenance = {"patience": 20, "cap": 300, "wall_s": 1800, "threads": 1, "date": "2026-12-01", "commit": "abc1234"}
    paper = {100: 0.936, 300: 0.950}
    close = {"networks": 6, "stopped": 6, "latest_best": 80, "test": {100: 0.93, 300: 0.945},
             "shortfall": {100: 0.006, 300: 0.005}, "lost": {100: 0, 300: 0},
             "verdict": {100: ("reproduced", ""), 300: ("reproduced", "")}}
    far = {**close, "test": {100: 0.82, 300: 0.945}, "shortfall": {100: 0.116, 300: 0.005}, "lost": {100: 1, 300: 0},
           "verdict": {100: ("differs", ""), 300: ("inconclusive", "")}}
    said = text.long_run_text(close, provenance, paper)
    assert "**0.9300** (paper 0.936, 0 lost test classes; reproduced)" in said and "one of training time" in said
    assert "**6 of 6**" in said and "epoch 80" in said and "took 30 min" in said and "abc1234" in said
    assert "0.01" not in said  # no typed tolerance: the rule decides
    said = text.long_run_text(far, provenance, paper)
    assert "For H = 100 Table 1's test accuracy lies outside the prediction interval" in said
    assert "training time" not in said and "For H = 300 the seeds spread too widely to tell" in said
    assert "The chosen network of H = 100 still loses whole classes" in said and "no class" not in said
    whole = {**far, "lost": {100: 0, 300: 0}}
    said = text.long_run_text(whole, provenance, paper)
    assert "The chosen network of H = 100 loses no class, and still falls short by 0.116" in said
    assert "whole classes" not in said


def test_long_run_draws_and_verdicts_follow_the_rule():
    from lib.claims import judge_match
    from lib.studies.summary_layers.selection import selected_draw
    table = pd.DataFrame([{"H": 300, "lr": 0.1, "seed": s, "train acc": 0.9, "val acc": v, "test acc": t,
                           "best epoch": 10, "stopped at": 30, "lost test classes": 0}
                          for s, v, t in ((0, 0.90, 0.89), (1, 0.95, 0.948), (2, 0.85, 0.84))])
    m = long_run.draws(table, 10_000)[300]
    assert m == selected_draw(0.948, [0.89, 0.948, 0.84], 10_000, "test images")
    found = long_run.facts(table, {300: 0.950}, 10_000)["verdict"][300]
    assert found[0] == judge_match(m, 0.950, 0.01).verdict == "inconclusive"  # three seeds spread by 0.05
    assert long_run.test_images({"profile": "default"}) == 10_000 and long_run.test_images({"n_eval": 500}) == 500
