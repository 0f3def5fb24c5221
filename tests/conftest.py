"""Test-wide settings: one torch thread per test process (pytest-xdist runs two, and the notebook tests start
kernels beside them; oversubscribed threads make small networks far slower)."""

import torch

torch.set_num_threads(1)
