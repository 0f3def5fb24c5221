"""Stacked networks: K same-shape networks (ReLU, or logistic sigmoid for MLPs) with a leading member axis K.

Every parameter has shape (K, a, b), so one (K, 1, 1) tensor scales each member's update (lib.train).
Member k is initialised from its own generator seeded with seeds[k], so a member does not depend on
how many networks it is stacked with.
"""

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from lib.seed import generator, member_seeds

INITS = ("he", "glorot", "torch")
BIASES = ("all", "first", "none")


def identity(z: torch.Tensor) -> torch.Tensor:
    """f(z) = z: a linear hidden layer (Keras Conv1D's default activation)."""
    return z


ACTIVATIONS = {"relu": (torch.relu, nn.ReLU), "sigmoid": (torch.sigmoid, nn.Sigmoid),
               "linear": (identity, nn.Identity)}  # what follows each hidden layer


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise ValueError naming the parameter unless `value` is one of `allowed`."""
    if value not in allowed:
        raise ValueError(f"{name}: expected one of {allowed}, got {value!r}")


def draw_init(init: str, shape: tuple[int, ...], fan_in: int, fan_out: int,
              gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One member's (weight, bias) in torch layout (out, in[, len]); bias shape (out,).

    he: N(0, 2/fan_in) for weights and biases (He et al. 2015; Davel 2020 §4 "weights and biases");
    glorot: normalised uniform U(±sqrt(6/(fan_in+fan_out))), zero biases (Glorot & Bengio 2010);
    torch: nn.Linear/nn.Conv1d defaults, U(±1/sqrt(fan_in)) for weights and biases.
    """
    weight, bias = torch.empty(shape), torch.empty(shape[0])
    if init == "he":
        std = math.sqrt(2.0 / fan_in)
        return weight.normal_(0.0, std, generator=gen), bias.normal_(0.0, std, generator=gen)
    if init == "glorot":
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        return weight.uniform_(-bound, bound, generator=gen), bias.zero_()
    bound = 1.0 / math.sqrt(fan_in)
    return weight.uniform_(-bound, bound, generator=gen), bias.uniform_(-bound, bound, generator=gen)


class StackedLinear(nn.Module):
    """K dense layers: weight (K, fan_in, fan_out), optional bias (K, 1, fan_out)."""

    def __init__(self, k: int, fan_in: int, fan_out: int, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(k, fan_in, fan_out))
        self.bias = nn.Parameter(torch.empty(k, 1, fan_out)) if bias else None

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Pre-activations (K, B, fan_out) of inputs h: (K, B, fan_in) or (B, fan_in) shared by all."""
        if h.dim() == 2:  # one GEMM against all members' weights side by side
            k, fan_in, fan_out = self.weight.shape
            wide = self.weight.permute(1, 0, 2).reshape(fan_in, k * fan_out)
            z = (h @ wide).view(len(h), k, fan_out).transpose(0, 1)  # (K, B, fan_out)
            return z if self.bias is None else z + self.bias
        if self.bias is None:
            return torch.bmm(h, self.weight)
        return torch.baddbmm(self.bias, h, self.weight)

    @torch.no_grad()
    def reset(self, gens: Sequence[torch.Generator], init: str) -> None:
        """Draw each member's weights (and bias) from its own generator."""
        k, fan_in, fan_out = self.weight.shape
        for i, gen in enumerate(gens):
            weight, bias = draw_init(init, (fan_out, fan_in), fan_in, fan_out, gen)
            self.weight[i] = weight.T
            if self.bias is not None:
                self.bias[i, 0] = bias

    def to_plain(self, k: int) -> nn.Linear:
        """Member k as an nn.Linear."""
        _, fan_in, fan_out = self.weight.shape
        plain = nn.Linear(fan_in, fan_out, bias=self.bias is not None)
        self.copy_to_plain(k, plain)
        return plain

    @torch.no_grad()
    def copy_to_plain(self, k: int, plain: nn.Linear) -> None:
        """Write member k's parameters into an nn.Linear."""
        plain.weight.copy_(self.weight[k].T)
        if self.bias is not None:
            plain.bias.copy_(self.bias[k, 0])

    @torch.no_grad()
    def load_plain(self, k: int, plain: nn.Linear) -> None:
        """Overwrite member k with an nn.Linear's parameters."""
        self.weight[k] = plain.weight.T
        if self.bias is not None:
            self.bias[k, 0] = plain.bias


@functools.lru_cache(maxsize=32)
def shift_basis(length: int, n: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """E (length, n·n) with E[t, j·n + i] = 1 where input j feeds output i through tap t of a 'same' padded
    cross-correlation (left padding (length - 1) // 2, as torch's): w @ E is the filter's (n, n) matrix."""
    offset = torch.arange(n)[:, None] - torch.arange(n)[None, :] + (length - 1) // 2  # (n, n): j - i + left
    taps = torch.arange(length)[:, None, None]
    return (offset[None] == taps).to(device=device, dtype=dtype).view(length, n * n)


class StackedConv1d(nn.Module):
    """K one-filter 1-D conv layers, 'same' padding: weight (K, 1, length), optional bias (K, 1, 1).

    torch convolutions are cross-correlations: thesis eq. 3.8 with the filter reversed.
    """

    def __init__(self, k: int, length: int, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(k, 1, length))
        self.bias = nn.Parameter(torch.empty(k, 1, 1)) if bias else None

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """Filtered signals (K, B, L) of inputs h: (K, B, L) or (B, L) shared by all members.

        The same cross-correlation as F.conv1d(padding='same'), written as h @ T with T (K, L, L) the banded
        (Toeplitz) matrix of each member's filter: on the CPU about twice as fast for these short signals.
        """
        k, length, n = self.weight.shape[0], self.weight.shape[2], h.shape[-1]
        toeplitz = (self.weight[:, 0] @ shift_basis(length, n, h.device, h.dtype)).view(k, n, n)  # (K, L, L)
        z = torch.matmul(h, toeplitz)  # (K, B, L)
        return z if self.bias is None else z + self.bias

    @torch.no_grad()
    def reset(self, gens: Sequence[torch.Generator], init: str) -> None:
        """Draw each member's filter (and bias) from its own generator; fan_in = fan_out = length."""
        length = self.weight.shape[2]
        for i, gen in enumerate(gens):
            weight, bias = draw_init(init, (1, 1, length), length, length, gen)
            self.weight[i] = weight[0]
            if self.bias is not None:
                self.bias[i, 0, 0] = bias[0]

    def to_plain(self, k: int) -> nn.Conv1d:
        """Member k as an nn.Conv1d(1, 1, length, padding='same')."""
        plain = nn.Conv1d(1, 1, self.weight.shape[2], padding="same", bias=self.bias is not None)
        self.copy_to_plain(k, plain)
        return plain

    @torch.no_grad()
    def copy_to_plain(self, k: int, plain: nn.Conv1d) -> None:
        """Write member k's parameters into an nn.Conv1d."""
        plain.weight.copy_(self.weight[k].unsqueeze(0))
        if self.bias is not None:
            plain.bias.copy_(self.bias[k, 0])

    @torch.no_grad()
    def load_plain(self, k: int, plain: nn.Conv1d) -> None:
        """Overwrite member k with an nn.Conv1d's parameters."""
        self.weight[k] = plain.weight[0]
        if self.bias is not None:
            self.bias[k, 0] = plain.bias


@dataclass(frozen=True)
class Activations:
    """One forward pass: hidden pre-activations z and outputs a = f(z), each [(K, B, n_l)], and the logits."""

    pre: list[torch.Tensor]
    post: list[torch.Tensor]
    logits: torch.Tensor


class StackedNet(nn.Module):
    """K same-shape networks: f = arch['activation'] (default ReLU) after every layer but the last (the logits)."""

    def __init__(self, layers: Sequence[nn.Module], arch: dict):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.arch = arch
        self.k = layers[0].weight.shape[0]
        self.f, self.plain_f = ACTIVATIONS[arch.get("activation", "relu")]

    def forward(self, x: torch.Tensor, return_hidden: bool = False):
        """Logits (K, B, d_out) of x: (K, B, d_in) or (B, d_in); with the hidden outputs f(z) [(K, B, n_l)]."""
        acts = self.activations(x)
        return (acts.logits, acts.post) if return_hidden else acts.logits

    def activations(self, x: torch.Tensor) -> Activations:
        """Hidden pre- and post-activations and logits; a node is active (binary 1) where pre > 0."""
        h, pre, post = x, [], []
        for layer in self.layers[:-1]:
            pre.append(layer(h))  # (K, B, n_l)
            h = self.f(pre[-1])
            post.append(h)
        return Activations(pre, post, self.layers[-1](h))

    def member(self, k: int) -> nn.Sequential:
        """Member k as a plain nn.Sequential taking (B, d_in)."""
        modules: list[nn.Module] = []
        for layer in self.layers[:-1]:
            modules += [layer.to_plain(k), self.plain_f()]
        if isinstance(self.layers[0], StackedConv1d):
            modules = [nn.Unflatten(1, (1, self.arch["length"]))] + modules + [nn.Flatten()]
        return nn.Sequential(*modules, self.layers[-1].to_plain(k))

    def weighted_modules(self, plain: nn.Sequential) -> list[nn.Module]:
        """The nn.Linear / nn.Conv1d modules of a plain model, in layer order."""
        found = [m for m in plain if isinstance(m, (nn.Linear, nn.Conv1d))]
        if len(found) != len(self.layers):
            raise ValueError(f"plain: expected {len(self.layers)} weighted layers, got {len(found)}")
        return found

    def load_member(self, k: int, plain: nn.Sequential) -> None:
        """Overwrite member k with the weights of a plain model shaped like member(k)."""
        for layer, module in zip(self.layers, self.weighted_modules(plain)):
            layer.load_plain(k, module)


def _initialised(layers: list[nn.Module], arch: dict) -> StackedNet:
    """A StackedNet whose members are drawn in layer order from generators seeded arch['seeds']."""
    gens = [generator(s) for s in arch["seeds"]]
    for layer in layers:
        layer.reset(gens, arch["init"])
    return StackedNet(layers, arch)


def _has_bias(bias: str, index: int) -> bool:
    """Whether dense layer `index` (0 = first hidden) has a bias under bias='all'|'first'|'none'."""
    return bias == "all" or (bias == "first" and index == 0)


def mlp(k: int, sizes: Sequence[int], bias: str = "all", init: str = "he",
        seed: int | Sequence[int] = 0, activation: str = "relu") -> StackedNet:
    """K MLPs [d_in, ..., d_out], hidden relu | sigmoid (same initial weights); member i seeded seed+i (or seed[i])."""
    _check_choice("bias", bias, BIASES)
    _check_choice("init", init, INITS)
    _check_choice("activation", activation, tuple(ACTIVATIONS))
    if len(sizes) < 2 or any(int(n) < 1 for n in sizes):
        raise ValueError(f"sizes: expected at least two positive layer sizes, got {list(sizes)}")
    sizes = [int(n) for n in sizes]
    layers = [StackedLinear(k, a, b, _has_bias(bias, i)) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]
    arch = {"builder": "mlp", "sizes": sizes, "bias": bias, "init": init, "seeds": list(member_seeds(seed, k))}
    if activation != "relu":  # ReLU networks keep the arch (and model-cache keys) they had before the choice
        arch["activation"] = activation
    return _initialised(layers, arch)


def bottleneck(k: int, p: int, deep: bool = False, d_in: int = 100, classes: int = 60, wide: int = 25,
               init: str = "glorot", seed: int | Sequence[int] = 0) -> StackedNet:
    """Thesis §4.2.1 bottleneck MLPs: shallow 100-p-60, or deep 100-25-p-25-60 (biases in every layer).

    The thesis does not state its initialisation; the default is glorot, the Keras default of its time.
    """
    sizes = [d_in, wide, p, wide, classes] if deep else [d_in, p, classes]
    return mlp(k, sizes, bias="all", init=init, seed=seed)


def summary_mlp(k: int, d_in: int = 784, hidden: int = 300, summary: int = 2, classes: int = 10,
                init: str = "he", seed: int | Sequence[int] = 0) -> StackedNet:
    """Davel 2020 Fig. 1 summary-layer MLP d_in-H-2-classes: bias only in the first layer, He init."""
    return mlp(k, [d_in, hidden, summary, classes], bias="first", init=init, seed=seed)


def cnn1d(k: int, length: int = 100, kernels: Sequence[int] = (7,), classes: int = 60, bias: bool = True,
          init: str = "glorot", seed: int | Sequence[int] = 0, activation: str = "relu") -> StackedNet:
    """Thesis §3.4 CNN: one filter per conv layer ('same' padding, then `activation`), one dense layer length→classes.

    Biases: §3.4.1 shows the weights and omits "the biases ... since they do not provide useful information",
    so conv and dense layers carry biases. The thesis states ReLU for MLP hidden layers and is silent for conv
    layers: 'relu' or 'linear' (Keras Conv1D's default). The thesis does not state its initialisation; the default
    is glorot, the Keras default of its time.
    """
    _check_choice("init", init, INITS)
    _check_choice("activation", activation, tuple(ACTIVATIONS))
    if not kernels or any(int(n) < 1 for n in kernels):
        raise ValueError(f"kernels: expected one or more positive filter lengths, got {list(kernels)}")
    layers = [StackedConv1d(k, int(n), bias) for n in kernels] + [StackedLinear(k, length, classes, bias)]
    arch = {"builder": "cnn1d", "length": length, "kernels": [int(n) for n in kernels], "classes": classes,
            "bias": bias, "init": init, "seeds": list(member_seeds(seed, k))}
    if activation != "relu":  # ReLU networks keep the arch they had before the choice
        arch["activation"] = activation
    return _initialised(layers, arch)
