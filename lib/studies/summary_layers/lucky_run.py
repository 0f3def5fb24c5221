"""The lucky draw and the linear arm for the analysed H at the `paper` profile's scale (its seeds, screen, controls,
epoch cap and patience; all 55,000 training images), at the learning rate of the `default` profile and of the
long run (long_run.py): the `paper` profile's own run would take its grid's choice instead.

Like the long run it does not fit the book's budget, so it is run on its own
(`python -m lib.studies.summary_layers.lucky_run`) and its summary is committed beside this module (LUCKY_RUN_FILE)
with its provenance; the page shows it as such.
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
from lib.studies.summary_layers import grid, lucky, mechanism
from lib.studies.summary_layers.selection import selected_draw

LUCKY_RUN_FILE = Path(__file__).with_name("lucky_run.json")


def reference_specs(cfg, paper) -> tuple[lucky.LuckySpec, grid.GridSpec]:
    """The lucky draw (paper profile's seeds, screen, controls, cap, patience) and the linear arm's grid (the
    default grid's seeds and learning rates, the paper profile's cap and patience), both for the analysed H at the
    default profile's learning rate(s)."""
    lr = grid.lr_grid(cfg.lr_low, cfg.lr_high, cfg.n_lr)
    draw = lucky.LuckySpec(paper.analysed_hidden, lr[-1], tuple(range(paper.seed, paper.seed + paper.lucky_seeds)),
                           paper.batch_size, paper.lucky_screen_epochs, paper.max_epochs, paper.patience,
                           paper.lucky_control)
    linear = grid.GridSpec(hidden=paper.analysed_hidden, lrs=lr, seeds=tuple(cfg.seed + i for i in range(cfg.n_seeds)),
                           batch_size=cfg.batch_size, max_epochs=paper.max_epochs, patience=paper.patience,
                           summary="linear")
    return draw, linear


def load(path: Path = LUCKY_RUN_FILE) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """The committed summary: the lucky draw per H, its seeds, the linear arm's networks, and the provenance."""
    stored = json.loads(path.read_text())
    return (pd.DataFrame(stored["lucky"]), pd.DataFrame(stored["seeds"]), pd.DataFrame(stored["linear"]),
            stored["provenance"])


def main() -> None:
    """Run the reference lucky draw and linear arm; write LUCKY_RUN_FILE."""
    train.set_threads()
    cfg, paper = resolve("summary_layers", "default"), resolve("summary_layers", "paper")
    started, cpu = time.time(), time.process_time()
    d = grid.load_data(paper.n_train, paper.n_eval)
    draw_spec, linear_spec = reference_specs(cfg, paper)
    draws = {draw_spec.hidden: lucky.lucky_draw(draw_spec, d)}
    linear = {linear_spec.hidden: grid.trained_grid(linear_spec, d)}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    provenance = {"command": "python -m lib.studies.summary_layers.lucky_run",
                  "profile": "paper, at the default learning rate",
                  "cap": paper.max_epochs, "patience": paper.patience, "n_eval": paper.n_eval,
                  "wall_s": round(time.time() - started), "cpu_s": round(time.process_time() - cpu),
                  "threads": torch.get_num_threads(), "commit": commit, "date": time.strftime("%Y-%m-%d"),
                  "machine": platform.processor() or platform.machine(), "torch": torch.__version__}
    rows = mechanism.lucky_rows(draws).to_dict(orient="records")
    LUCKY_RUN_FILE.write_text(json.dumps({"provenance": provenance, "lucky": rows,
                                          "seeds": mechanism.lucky_seed_rows(draws),
                                          "linear": mechanism.grid_rows(linear, d)}, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()


def facts(lucky_frame: pd.DataFrame, linear_frame: pd.DataFrame, provenance: dict) -> dict[str, float | int | str]:
    """For the page's sentences, at the analysed H of the committed run: the lucky draw (seeds, learning rate, how
    many lost no class, the share and its interval, the controls) and the linear arm's network chosen on strict
    validation accuracy, each with the verdict of its claim (role beyond) by the book's rule."""
    from lib.studies.summary_layers.claims import CLAIMS, TABLE1
    criteria = {claim.id: claim.criterion for claim in CLAIMS}
    row = lucky_frame.iloc[0]
    h, lucky_count, seeds = int(row["H"]), int(row["no class lost"]), int(row["seeds"])
    low, high = lucky.no_loss_interval(lucky_count, seeds)
    judged = criteria[f"davel2020.beyond.h{h}.no_lost_class_typical"].judge(lucky.no_loss_measurement(lucky_count,
                                                                                                    seeds))
    chosen = linear_frame.loc[linear_frame["val_acc"].idxmax()]
    at_lr = linear_frame[linear_frame["lr"] == chosen["lr"]]["test_acc"].tolist()
    linear_draw = selected_draw(float(chosen["test_acc"]), at_lr, int(provenance["n_eval"]), "test images")
    linear_judged = criteria[f"davel2020.beyond.linear_summary.h{h}.test_acc"].judge(linear_draw)
    return {"ref_h": h, "ref_lr": float(row["lr"]), "ref_seeds": seeds, "ref_screen_epochs": int(row["screen epochs"]),
            "ref_passed": int(row["passed the screen"]), "ref_controls": str(row["controls (recovered)"]),
            "ref_lucky": lucky_count, "ref_share": lucky_count / seeds, "ref_low": low, "ref_high": high,
            "ref_verdict": judged.verdict, "ref_cap": int(provenance["cap"]), "ref_wall_min": provenance["wall_s"] / 60,
            "ref_linear_test": float(chosen["test_acc"]), "ref_linear_train": float(chosen["train_acc"]),
            "ref_linear_lost": int(chosen["test_lost"]), "ref_linear_converged": bool(chosen["converged"]),
            "ref_linear_verdict": linear_judged.verdict, "ref_table1_test": TABLE1[h][1]}


def beside_long_run(linear_frame: pd.DataFrame, long_table: pd.DataFrame) -> pd.DataFrame:
    """The linear arm's networks beside the long run's ReLU networks of the same H, learning rate and seed: strict
    train and test accuracy, lost test classes and best epoch of each."""
    relu = long_table.rename(columns={"train acc": "ReLU: train", "test acc": "ReLU: test",
                                      "lost test classes": "ReLU: lost classes", "best epoch": "ReLU: best epoch"})
    linear = linear_frame.rename(columns={"train_acc": "linear: train", "test_acc": "linear: test",
                                          "test_lost": "linear: lost classes", "best_epoch": "linear: best epoch",
                                          "converged": "linear: converged"})
    keys = ["H", "lr", "seed"]
    columns = [c for c in relu.columns if c.startswith("ReLU")] + [c for c in linear.columns if c.startswith("linear")]
    return linear.merge(relu, on=keys, how="left")[keys + columns]
