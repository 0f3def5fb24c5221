"""Beyond the thesis (§4.3.5's suggestion): the least-squares map (eq. 4.1) as the initial output layer of the
widest trained shallow networks (they reach their validation minimum), against a control arm whose output layer
starts at the same scale."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from lib import train
from lib.studies.bottleneck import nets as bn
from lib.studies.bottleneck.networks import Trained


@dataclass
class InitRun:
    """Both arms (LS first, then control) of every retrained network: which, start values, histories, table."""

    members: bn.Members  # the retrained (p, seed), each arm in this order
    start_loss: np.ndarray  # (2K,)
    start_error: np.ndarray  # (2K,)
    history: train.History
    table: pd.DataFrame


def run(trained: Trained, cfg) -> InitRun:
    """Retrain the widest shallow networks from their trained first layer with an LS or a control output layer."""
    widest = max(trained.members.ps)
    chosen, splits = bn.Members((widest,), trained.members.seeds), trained.splits
    start = bn.initialisation_arms(trained.nets["shallow"], trained.members, chosen, cfg.theta, init=trained.init,
                                   control=cfg.init_control)
    arms_cfg = bn.member_config(bn.Members(chosen.ps * 2, chosen.seeds), lr=cfg.lr, batch_size=cfg.batch_size,
                                max_epochs=cfg.init_epochs, patience=cfg.patience, eval_every=1)
    x_val, y_val = torch.from_numpy(splits.val.x), torch.from_numpy(splits.val.y)
    start_loss, start_error = (t.numpy() for t in train.evaluate(start, x_val, y_val, "ce"))
    _, history = bn.train_initialisation_arms(start, chosen, trained.source_config(widest, False), splits, arms_cfg,
                                              cfg.theta, control=cfg.init_control)
    return InitRun(chosen, start_loss, start_error, history, arms_table(chosen, start_loss, start_error, history))


def arms_table(members: bn.Members, start_loss: np.ndarray, start_error: np.ndarray,
               history: train.History) -> pd.DataFrame:
    """One row per network: both arms' start, best loss, best epoch, convergence and steps to the control's best."""
    val_loss, steps = history.val_loss.numpy(), history.eval_step.numpy()  # (V, 2K), (V,)
    rows = []
    for m, (p, s) in enumerate(members.pairs):
        ls, control = m, members.k + m
        target = float(val_loss[:, control].min())
        rows.append({"p": p, "seed": s, "start val error, LS": float(start_error[ls]),
                     "start val error, control": float(start_error[control]),
                     "start val loss, LS": float(start_loss[ls]), "start val loss, control": float(start_loss[control]),
                     "best val loss, LS": float(val_loss[:, ls].min()), "best val loss, control": target,
                     "best epoch, LS": int(history.best_epoch[ls]),
                     "best epoch, control": int(history.best_epoch[control]),
                     "both converged": bool(history.converged[ls] and history.converged[control]),
                     "steps to control's best, LS": bn.steps_to_reach(val_loss[:, ls], steps, target),
                     "steps to control's best, control": bn.steps_to_reach(val_loss[:, control], steps, target)})
    return pd.DataFrame(rows)


def head_start(table: pd.DataFrame) -> dict:
    """Summary: networks where LS reaches the control's best sooner, median steps of each arm, median ratio."""
    ls, control = table["steps to control's best, LS"], table["steps to control's best, control"]
    ratio = (control / ls).dropna()
    return {"faster": int((ls < control).sum()), "networks": len(table), "reached": int(ls.notna().sum()),
            "median_steps_ls": float(ls.median()) if ls.notna().any() else float("nan"),
            "median_steps_control": float(control.median()),
            "median_ratio": float(ratio.median()) if len(ratio) else float("nan"),
            "best_gap": float((table["best val loss, LS"] - table["best val loss, control"]).mean()),
            "converged": bool(table["both converged"].all())}
