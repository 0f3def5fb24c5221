"""Sample sets as clusters: the 1-D regression example of Haasbroek & Davel (2020, "H&D") §3, Fig. 1-2.

One hidden layer of ReLU nodes fits noisy samples of an underlying function. Each node's fan-in line
w_j x + b_j, its contribution after the ReLU and the fan-out weight v_j max(0, w_j x + b_j), and the weighted sum
Σ_j v_j max(0, w_j x + b_j) + c at the target show how the sample-set boundaries x = -b_j / w_j cut the input
range into pieces that are then modelled separately.
"""

import math
from dataclasses import dataclass

import numpy as np
import torch

from lib.cache import cached_train
from lib.models import StackedNet, mlp


def underlying(x: np.ndarray) -> np.ndarray:
    """The underlying function of the example (H&D Fig. 1a does not survive in the text; our choice)."""
    return np.sin(2.0 * math.pi * x) + 0.5 * x


def regression_samples(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n samples x ~ U(0, 1) sorted, y = underlying(x) + N(0, noise²) (H&D Fig. 1b): (n,), (n,) float32."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 1.0, n))
    y = underlying(x) + rng.normal(0.0, noise, n)
    return x.astype(np.float32), y.astype(np.float32)


def fit_regression(x: np.ndarray, y: np.ndarray, nodes: int, steps: int, lr: float, seed: int) -> StackedNet:
    """A 1-nodes-1 ReLU network (biases everywhere) fitted by full-batch Adam on the mean squared error."""
    net = mlp(1, [1, nodes, 1], bias="all", init="he", seed=seed)
    xt, yt = torch.tensor(x)[:, None], torch.tensor(y)[None, :, None]  # (N, 1), (1, N, 1)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.mean((net(xt) - yt) ** 2).backward()
        optimizer.step()
    return net


def cached_regression(x: np.ndarray, y: np.ndarray, nodes: int, steps: int, lr: float, seed: int,
                      data_id: dict) -> StackedNet:
    """fit_regression through the model cache (key: data identity, nodes, steps, lr, seed)."""
    config = {"section": "training_dynamics", "model": "regression_1d", "version": 1, "data": data_id,
              "nodes": nodes, "steps": steps, "lr": lr, "seed": seed, "optimizer": "adam-full-batch"}

    def build() -> dict:
        net = fit_regression(x, y, nodes, steps, lr, seed)
        return {"state": {k: v.detach().clone() for k, v in net.state_dict().items()}}

    net = mlp(1, [1, nodes, 1], bias="all", init="he", seed=seed)
    net.load_state_dict(cached_train(config, build)["state"])
    return net


@dataclass(frozen=True)
class NodeContributions:
    """The three panels of H&D Fig. 2 on a grid of inputs x (G,), for n hidden nodes."""

    fan_in: np.ndarray  # (G, n) w_j x + b_j, the fan-in line of each node (Fig. 2a)
    scaled: np.ndarray  # (G, n) v_j max(0, w_j x + b_j), after the ReLU and the fan-out weight (Fig. 2b)
    total: np.ndarray  # (G,) Σ_j scaled_j + c, the weighted sum at the target (Fig. 2c)


def layer_parameters(net: StackedNet) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(w, b, v, c) of member 0 of a 1-n-1 network: fan-in weights, biases, fan-out weights (n,), output bias."""
    hidden, out = net.layers[0], net.layers[1]
    w, b = hidden.weight[0, 0].detach().numpy(), hidden.bias[0, 0].detach().numpy()
    v, c = out.weight[0, :, 0].detach().numpy(), float(out.bias[0, 0, 0].detach())
    return w.astype(np.float64), b.astype(np.float64), v.astype(np.float64), c


def node_contributions(net: StackedNet, x: np.ndarray) -> NodeContributions:
    """Fan-in lines, scaled post-activation contributions and their sum at inputs x (G,) (H&D Fig. 2)."""
    w, b, v, c = layer_parameters(net)
    fan_in = x[:, None] * w[None, :] + b[None, :]  # (G, n)
    scaled = np.maximum(fan_in, 0.0) * v[None, :]  # (G, n)
    return NodeContributions(fan_in, scaled, scaled.sum(axis=1) + c)


def sample_set_boundaries(net: StackedNet, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Boundaries x_j = -b_j / w_j of the nodes' sample sets that fall inside [lo, hi], and their nodes j."""
    w, b, _, _ = layer_parameters(net)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = -b / w
    nodes = np.flatnonzero((w != 0) & (x >= lo) & (x <= hi))
    return x[nodes], nodes


def sample_sets(net: StackedNet, x: np.ndarray) -> np.ndarray:
    """Membership of each sample x (N,) in each node's sample set, w_j x + b_j > 0: (N, n) bool."""
    w, b, _, _ = layer_parameters(net)
    return x[:, None] * w[None, :] + b[None, :] > 0


def fit_summary(net: StackedNet, x: np.ndarray, y: np.ndarray) -> dict:
    """The fitted 1-D network in numbers: sample-set boundaries inside [0, 1], nodes dead on every sample or
    active on every sample, and the training MSE."""
    x = np.asarray(x, dtype=np.float64)
    members = sample_sets(net, x).sum(axis=0)  # samples in each node's sample set
    edges, _ = sample_set_boundaries(net, 0.0, 1.0)
    return {"boundaries": int(len(edges)), "dead": int(np.sum(members == 0)),
            "always_on": int(np.sum(members == len(x))),
            "mse": float(np.mean((node_contributions(net, x).total - y) ** 2))}
