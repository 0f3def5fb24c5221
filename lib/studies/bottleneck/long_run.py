"""How many epochs the narrow bottlenecks need (thesis §4.2.1 trains to early stopping, past 1400 epochs in
ch. 3): the `default` profile's p <= 4 networks (same data, seeds and settings) trained on to a long cap.

This run does not fit the book's budget, so it is run on its own (`python -m lib.studies.bottleneck.long_run`)
and its summary is committed beside this module (LONG_RUN_FILE) with its provenance; the page shows it as such.
"""

import dataclasses
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from lib import train
from lib.studies import resolve
from lib.studies.bottleneck import nets as bn
from lib.studies.bottleneck import networks
from lib.studies.bottleneck.params import P_SETS

LONG_RUN_FILE = Path(__file__).with_name("narrow_long_run.json")
LONG_CAP = 2500  # epochs (python -m lib.studies.bottleneck.long_run [cap])
LONG_PATIENCE = 300  # epochs: long, so that a plateau does not end the run
PATIENCES = (50, 200)  # the default's and the paper profile's patience, applied to the long curves


def patience_stop(val_loss: np.ndarray, epochs: np.ndarray, patience: int) -> tuple[np.ndarray, np.ndarray]:
    """Early stopping replayed on curves val_loss (V, K) evaluated at `epochs` (V,): per member the epoch of the
    lowest loss before patience ran out, and the epoch it ran out (0: never, still improving at the end): (K,)."""
    best_epoch = np.zeros(val_loss.shape[1], dtype=int)
    stop_epoch = np.zeros(val_loss.shape[1], dtype=int)
    for k in range(val_loss.shape[1]):
        best, since = np.inf, None
        for loss, epoch in zip(val_loss[:, k], epochs):
            if np.isnan(loss):
                break
            if loss < best:
                best, since = loss, epoch
                best_epoch[k] = epoch
            elif epoch - since >= patience:
                stop_epoch[k] = epoch
                break
    return best_epoch, stop_epoch


def summary(val_loss: np.ndarray, epochs: np.ndarray, members: bn.Members, depth: str) -> list[dict]:
    """One row per network: its lowest validation loss within the cap and its epoch, and where early stopping
    with each of PATIENCES would have stopped it (0: still improving at the cap)."""
    lowest = np.nanargmin(val_loss, axis=0)
    stops = {patience: patience_stop(val_loss, epochs, patience) for patience in PATIENCES}
    rows = []
    for m, (p, s) in enumerate(members.pairs):
        row = {"depth": depth, "p": p, "seed": s, "lowest val loss": float(val_loss[lowest[m], m]),
               "epoch of the lowest": int(epochs[lowest[m]])}
        for patience, (best, stop) in stops.items():
            row[f"best epoch, patience {patience}"] = int(best[m])
            row[f"stops at, patience {patience}"] = int(stop[m])
        rows.append(row)
    return rows


def load(path: Path = LONG_RUN_FILE) -> tuple[pd.DataFrame, dict]:
    """The committed summary as a table (one row per network) and its provenance."""
    stored = json.loads(path.read_text())
    return pd.DataFrame(stored["networks"]), stored["provenance"]


def needs(table: pd.DataFrame, cap: int, patience: int) -> dict:
    """For the page: how many networks reach their minimum within `cap` epochs at `patience`, the largest epoch
    at which one of them stops, and how many were still improving at the long run's cap."""
    stops = table[f"stops at, patience {patience}"]
    return {"networks": len(table), "within_cap": int(((stops > 0) & (stops <= cap)).sum()),
            "stopped": int((stops > 0).sum()), "latest_stop": int(stops.max()),
            "latest_best": int(table[f"best epoch, patience {patience}"].max())}


def main(cap: int = LONG_CAP) -> None:
    """Train the default profile's narrow group of both depths to `cap` epochs and write LONG_RUN_FILE."""
    train.set_threads()
    cfg = resolve("bottleneck", "default")
    started = time.process_time()
    narrow = bn.Members(tuple(p for p in P_SETS[cfg.p_set] if p <= bn.NARROW), tuple(range(cfg.n_seeds)))
    (group, group_cfg), = networks.group_configs(narrow, cfg)
    long_cfg = dataclasses.replace(group_cfg, max_epochs=cap, patience=LONG_PATIENCE)
    splits, data_id = networks.jump_data(cfg)
    rows = []
    for depth in networks.DEPTHS:
        _, history = bn.train_bottlenecks(group, depth == "deep", splits, data_id, long_cfg)
        rows += summary(history.val_loss.numpy(), history.eval_epoch.numpy(), group, depth)
    provenance = {"command": "python -m lib.studies.bottleneck.long_run", "profile": "default",
                  "cap": cap, "patience": LONG_PATIENCE, "cpu_s": round(time.process_time() - started),
                  "date": time.strftime("%Y-%m-%d"), "machine": platform.processor() or platform.machine(),
                  "torch": torch.__version__}
    LONG_RUN_FILE.write_text(json.dumps({"provenance": provenance, "networks": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else LONG_CAP)


def page_table(table: pd.DataFrame, this_run: pd.DataFrame) -> pd.DataFrame:
    """The long run beside this page's run (`this_run`: depth, p, seed, best val loss), rounded for reading: a
    stopping epoch of 0 reads "still improving", a network this profile does not train reads "not in this run"."""
    page = table.merge(this_run[["depth", "p", "seed", "best val loss"]]
                       .rename(columns={"best val loss": "best val loss, this page"}),
                       on=["depth", "p", "seed"], how="left").set_index(["depth", "p", "seed"]).round(4)
    page = page.astype(object)
    for patience in PATIENCES:
        column = f"stops at, patience {patience}"
        page[column] = page[column].map(lambda epoch: epoch if epoch > 0 else "still improving")
    page["best val loss, this page"] = page["best val loss, this page"].map(
        lambda loss: "not in this run" if pd.isna(loss) else loss)
    return page
