"""How long the summary-layer networks of Table 1 need (Davel 2020 §4.1 trains "until convergence"): the `default`
profile's grid (same data, learning rate, seeds and batches) trained on to the `paper` profile's epoch cap and
patience.

This run does not fit the book's budget, so it is run on its own (`python -m lib.studies.summary_layers.long_run`)
and its summary is committed beside this module (LONG_RUN_FILE) with its provenance; the page shows it as such.
"""

import json
import platform
import subprocess
import time
from pathlib import Path

import pandas as pd
import torch

from lib import train
from lib.studies import resolve
from lib.studies.summary_layers import experiments, grid
from lib.studies.summary_layers.selection import selected_draw
from lib.uncertainty import Measurement

LONG_RUN_FILE = Path(__file__).with_name("table1_long_run.json")


def long_specs(cfg, paper) -> dict[int, grid.GridSpec]:
    """Per H, the grid of profile `cfg` with the epoch cap and patience of profile `paper`."""
    lrs = grid.lr_grid(cfg.lr_low, cfg.lr_high, cfg.n_lr)
    seeds = tuple(cfg.seed + i for i in range(cfg.n_seeds))
    return {h: grid.GridSpec(hidden=h, lrs=lrs, seeds=seeds, batch_size=cfg.batch_size,
                             max_epochs=paper.max_epochs, patience=paper.patience) for h in cfg.hidden_sizes}


def network_rows(g: grid.TrainedGrid, d: grid.Data) -> list[dict]:
    """One row per member of a trained grid: strict accuracies at its validation minimum, the epoch of that
    minimum, the epoch early stopping ended it (0: still improving at the cap), and its lost test classes."""
    lrs, seeds = g.spec.members()
    with torch.no_grad():
        per_class = experiments.class_accuracy(g.net(d.x_eval), d.y_eval, int(d.y_eval.max()) + 1)
    lost = experiments.lost_classes(per_class)
    return [{"H": g.spec.hidden, "lr": lrs[k], "seed": seeds[k],
             **{f"{part} acc": round(float(g.acc[part][k]), 4) for part in ("train", "val", "test")},
             "best epoch": int(g.history.best_epoch[k]), "stopped at": int(g.history.stopped_epoch[k]),
             "lost test classes": int(lost[k])} for k in range(len(seeds))]


def load(path: Path = LONG_RUN_FILE) -> tuple[pd.DataFrame, dict]:
    """The committed summary as a table (one row per network) and its provenance."""
    stored = json.loads(path.read_text())
    return pd.DataFrame(stored["networks"]), stored["provenance"]


def chosen_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Per H the network the paper's protocol would report: the best strict validation accuracy (one learning
    rate here, so the seed with the best validation accuracy; grid.select_member)."""
    return table.loc[table.groupby("H")["val acc"].idxmax()].set_index("H")


def page_table(table: pd.DataFrame) -> pd.DataFrame:
    """The long run's networks for reading, one row per (H, lr, seed): a stopping epoch of 0 reads "still improving
    at the cap"."""
    page = table.set_index(["H", "lr", "seed"]).astype(object)
    page["stopped at"] = page["stopped at"].map(lambda epoch: epoch if epoch > 0 else "still improving at the cap")
    return page


def draws(table: pd.DataFrame, test_images: int) -> dict[int, Measurement]:
    """Per H the chosen network's strict test accuracy as one draw of the selection protocol: the spread of the
    seeds at its learning rate, binomial sampling of `test_images` (selection.selected_draw)."""
    found = {}
    for h, row in chosen_rows(table).iterrows():
        seeds = table[(table["H"] == h) & (table["lr"] == row["lr"])]["test acc"]
        found[int(h)] = selected_draw(float(row["test acc"]), seeds.tolist(), test_images, "test images")
    return found


def test_images(provenance: dict) -> int:
    """The test images the long run scored: its profile's n_eval."""
    return int(provenance.get("n_eval") or resolve("summary_layers", provenance["profile"]).n_eval)


def facts(table: pd.DataFrame, paper_test: dict[int, float], test_images: int = 10_000) -> dict:
    """For the page's sentences: per H the chosen network's strict test accuracy, its shortfall against the
    paper's (paper_test: H → Table 1 test accuracy) and the verdict of Table 1's test claim on it by the book's rule
    (verdict, why), how many networks patience stopped, and the latest best epoch."""
    from lib.studies.summary_layers.claims import CLAIMS
    criteria = {claim.id: claim.criterion for claim in CLAIMS}
    chosen = chosen_rows(table)
    judged = {h: criteria[f"davel2020.t1.h{h}.test_acc"].judge(m) for h, m in draws(table, test_images).items()
              if f"davel2020.t1.h{h}.test_acc" in criteria}
    return {"networks": len(table), "stopped": int((table["stopped at"] > 0).sum()),
            "latest_best": int(table["best epoch"].max()),
            "test": {int(h): float(row["test acc"]) for h, row in chosen.iterrows()},
            "train": {int(h): float(row["train acc"]) for h, row in chosen.iterrows()},
            "shortfall": {int(h): paper_test[h] - float(row["test acc"]) for h, row in chosen.iterrows()
                          if h in paper_test},
            "verdict": {h: (j.verdict, j.why) for h, j in judged.items()},
            "lost": {int(h): int(row["lost test classes"]) for h, row in chosen.iterrows()}}


def main() -> None:
    """Train the default profile's grids to the paper profile's cap and patience; write LONG_RUN_FILE."""
    train.set_threads()
    cfg, paper = resolve("summary_layers", "default"), resolve("summary_layers", "paper")
    started, cpu = time.time(), time.process_time()
    d = grid.load_data(cfg.n_train, cfg.n_eval)
    rows = []
    for spec in long_specs(cfg, paper).values():
        rows += network_rows(grid.trained_grid(spec, d), d)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    provenance = {"command": "python -m lib.studies.summary_layers.long_run", "profile": "default",
                  "cap": paper.max_epochs, "patience": paper.patience, "n_eval": cfg.n_eval,
                  "wall_s": round(time.time() - started), "cpu_s": round(time.process_time() - cpu),
                  "threads": torch.get_num_threads(),
                  "commit": commit, "date": time.strftime("%Y-%m-%d"),
                  "machine": platform.processor() or platform.machine(), "torch": torch.__version__}
    LONG_RUN_FILE.write_text(json.dumps({"provenance": provenance, "networks": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
