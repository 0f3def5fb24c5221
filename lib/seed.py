"""Seeding: one call seeds every global random stream; explicit generators for everything else."""

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy's legacy global state and torch (CPU and every CUDA device)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch.Generator on `device` seeded with `seed`."""
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    return gen


def member_seeds(seed: int | tuple[int, ...] | list[int], k: int) -> tuple[int, ...]:
    """Per-member seeds: an int s gives (s, s+1, ..., s+k-1); a sequence must hold exactly k seeds."""
    if isinstance(seed, int):
        return tuple(seed + i for i in range(k))
    seeds = tuple(int(s) for s in seed)
    if len(seeds) != k:
        raise ValueError(f"seed: expected an int or {k} per-member seeds, got {len(seeds)}")
    return seeds
