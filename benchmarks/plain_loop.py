"""The plain PyTorch loop the benchmarks compare the engine with: one nn.Sequential model, a shuffling DataLoader
whose batches are moved to the device, loss, backward, a torch.optim step."""

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader


def plain_loss(out: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """Cross-entropy, or mean squared error against the one-hot target (nn.MSELoss)."""
    return F.cross_entropy(out, y) if kind == "ce" else F.mse_loss(out, F.one_hot(y, out.shape[1]).float())


def plain_steps(model: torch.nn.Module, opt: torch.optim.Optimizer, loader: DataLoader, kind: str, count: int,
                device: torch.device | str) -> None:
    """`count` steps of the usual loop: DataLoader batches moved to the device, loss, backward, optimizer step."""
    done = 0
    while done < count:
        for xb, yb in loader:
            xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
            opt.zero_grad()
            plain_loss(model(xb), yb, kind).backward()
            opt.step()
            done += 1
            if done == count:
                return
