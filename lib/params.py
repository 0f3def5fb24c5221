"""Section parameters: profiles fill in defaults, explicit values win, everything is validated before work starts."""

from collections.abc import Callable
from dataclasses import dataclass, field, make_dataclass
from numbers import Real
from typing import Any

PROFILES = ("smoke", "default", "paper")


class ParameterError(ValueError):
    """A section was asked to run with a parameter it does not have, or a value it does not allow."""


@dataclass(frozen=True)
class Param:
    """One section parameter: its per-profile defaults and the values it allows."""

    name: str
    defaults: dict[str, Any]  # profile -> value
    allowed: str  # human-readable description of the allowed values
    check: Callable[[Any], bool] = field(repr=False)
    doc: str = ""


def integer(lo: int, hi: int | None = None) -> tuple[str, Callable[[Any], bool]]:
    """An int in [lo, hi] (bool is not an int here)."""
    text = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"
    return text, lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v and (hi is None or v <= hi)


def number(lo: float, hi: float) -> tuple[str, Callable[[Any], bool]]:
    """A real number in [lo, hi]."""
    return f"a number in [{lo}, {hi}]", lambda v: _is_number(v) and lo <= v <= hi


def number_or_range(lo: float, hi: float) -> tuple[str, Callable[[Any], bool]]:
    """A number in [lo, hi], or a pair (a, b) with lo <= a <= b <= hi (a range to draw from)."""
    def ok(v: Any) -> bool:
        if isinstance(v, (tuple, list)):
            return len(v) == 2 and all(_is_number(x) for x in v) and lo <= v[0] <= v[1] <= hi
        return _is_number(v) and lo <= v <= hi
    return f"a number in [{lo}, {hi}] or a pair (a, b) with {lo} <= a <= b <= {hi}", ok


def choice(*options: str) -> tuple[str, Callable[[Any], bool]]:
    """One of a fixed set of strings."""
    return "one of " + ", ".join(repr(o) for o in options), lambda v: isinstance(v, str) and v in options


def int_list(lo: int, hi: int, max_len: int | None = None) -> tuple[str, Callable[[Any], bool]]:
    """A non-empty list of distinct integers in [lo, hi] (at most max_len of them)."""
    def ok(v: Any) -> bool:
        items = list(v) if isinstance(v, (list, tuple)) else []
        return (0 < len(items) <= (max_len or len(items)) and len(set(items)) == len(items)
                and all(integer(lo, hi)[1](x) for x in items))
    most = f"1 to {max_len} " if max_len else ""
    return f"a list of {most}distinct integers in [{lo}, {hi}]", ok


def number_list(lo: float, hi: float) -> tuple[str, Callable[[Any], bool]]:
    """A non-empty list of numbers in [lo, hi]."""
    def ok(v: Any) -> bool:
        items = list(v) if isinstance(v, (list, tuple)) else []
        return bool(items) and all(number(lo, hi)[1](x) for x in items)
    return f"a list of numbers in [{lo}, {hi}]", ok


def corruption_fractions() -> tuple[str, Callable[[Any], bool]]:
    """Fractions in [0, 1], one strictly between them: the quarantine analysis needs a partly corrupted run."""
    in_range = number_list(0.0, 1.0)[1]
    return ("a list of numbers in [0.0, 1.0], at least one strictly between 0 and 1",
            lambda v: in_range(v) and any(0 < x < 1 for x in v))


def _is_number(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and v == v


def param(name: str, smoke: Any, default: Any, paper: Any, rule: tuple[str, Callable], doc: str = "") -> Param:
    """A parameter with its smoke / default / paper values and its allowed values."""
    allowed, check = rule
    return Param(name, {"smoke": smoke, "default": default, "paper": paper}, allowed, check, doc)


SECTIONS: dict[str, tuple[Param, ...]] = {
    "data": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of every random draw in the section"),
        param("n_signals", 600, 12000, 12000, integer(60, 100000), "jump signals drawn (thesis §3.1: 12000)"),
        param("theta", 3.0, 3.0, 3.0, number(0.0, 100.0), "jump size θ (thesis eq. 3.1)"),
        param("sigma", (0.5, 2.0), (0.5, 2.0), (0.5, 2.0), number_or_range(0.0, 100.0),
              "noise σ, a value or a range to draw from (thesis §3.1: 0.5 to 2)"),
        param("n_tsne", 300, 3000, 12000, integer(30, 100000), "signals in the t-SNE map (thesis Fig. 3.2)"),
        param("perplexity", 10.0, 30.0, 30.0, number(2.0, 200.0), "t-SNE perplexity"),
    ),
    "cooperating_classifiers": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the first network; members and draws follow from it"),
        param("n_train", 1000, 10000, 55000, integer(500, 55000), "MNIST training images (55k/5k/10k split)"),
        param("n_seeds", 1, 2, 5, integer(1, 10), "networks per architecture, stacked in one engine call"),
        param("depths", (1, 6), (1, 3, 6, 10), tuple(range(1, 11)),
              int_list(1, 10),
              "hidden layers of 100 nodes (slides: 1-10)"),
        param("widths", (20,), (20, 50, 100), (20, 50, 100, 150, 200),
              int_list(2, 1000),
              "nodes per layer of the 10-layer networks (slides: 20-200)"),
        param("optimizer", "adam", "adam", "adam", choice("adam", "sgd"), "optimiser (slides: SGD and Adam)"),
        param("lr", 1e-3, 1e-3, 1e-3, number(1e-6, 1.0), "learning rate"),
        param("max_epochs", 1, 6, 100, integer(1, 1000), "epochs at most (early stopping on the validation loss)"),
        param("patience", 1, 2, 5, integer(1, 100), "evaluations without improvement before a network stops"),
        param("n_fit", 300, 3000, 20000, integer(100, 55000), "training images that fit the node classifiers"),
        param("n_eval", 200, 1000, 10000, integer(100, 10000), "test images that score the node classifiers"),
        param("grid_size", 64, 256, 512, integer(32, 4096), "grid points of each kernel density estimate"),
        param("snapshots", 3, 8, 20, integer(2, 50), "log-spaced weight snapshots of the 6x100 network in training"),
        param("snapshot_epochs", 1, 2, 5, integer(1, 100), "epochs spanned by the snapshots"),
        param("sigmoid_lrs", (0.01,), (0.003, 0.01), (0.001, 0.003, 0.01, 0.03), number_list(1e-6, 1.0),
              "learning-rate grid of the 7x100 sigmoid network (one engine call; best mean validation loss wins)"),
        param("sigmoid_epochs", 1, 40, 200, integer(1, 1000), "epochs at most of the sigmoid network"),
        param("sigmoid_patience", 1, 5, 10, integer(1, 100), "evaluations without improvement before it stops"),
        param("sigmoid_threshold", 0.5, 0.5, 0.5, number(0.01, 0.99),
              "a sigmoid node is on where its output exceeds this (0.5: pre-activation > 0, as ReLU's on/off)"),
        param("fractions", (0.0, 0.5, 1.0), (0.0, 0.25, 0.5, 0.75, 1.0), tuple(i / 10 for i in range(11)),
              corruption_fractions(),
              "fractions of corrupted training labels (all fractions and seeds in one engine call)"),
        param("n_corrupt", 200, 1000, 10000, integer(100, 55000), "training images of the label-corruption runs"),
        param("corrupt_epochs", 3, 80, 500, integer(1, 5000), "epochs of each label-corruption run (no stopping)"),
    ),
    "jump_detection": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the data sets (network seeds are 0..n_seeds-1)"),
        param("n_train", 600, 12000, 12000, integer(60, 200000), "training signals (thesis §3.1: 12000)"),
        param("n_val", 300, 6000, 6000, integer(60, 100000), "validation signals (thesis §3.1: 6000)"),
        param("n_test", 600, 6000, 6000, integer(60, 100000), "test signals (thesis §3.1: 6000)"),
        param("theta", 3.0, 3.0, 3.0, number(0.1, 100.0), "jump size θ (thesis §3.1: 3)"),
        param("sigma", 1.05, 1.05, 1.05, number(0.0, 10.0),
              "noise σ of the networks' data (not stated; the σ where the baseline matches Table 3.1)"),
        param("sigma_low", 0.75, 0.75, 0.5, number(0.0, 10.0), "lower σ of the sweep of the main table"),
        param("sigma_high", 1.5, 1.5, 2.0, number(0.0, 10.0), "higher σ of the sweep of the main table"),
        param("sweep_models", "1-layer", "1-layer", "all", choice("1-layer", "all"),
              "networks retrained at sigma_low and sigma_high"),
        param("scan_step", 0.1, 0.025, 0.01, number(0.005, 0.5), "σ step of the baseline scan against Table 3.1"),
        param("n_seeds", 2, 3, 5, integer(1, 50), "network seeds per shape (one engine call per shape)"),
        param("lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "SGD learning rate (thesis §3.3.1: 0.01)"),
        param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis §3.3.1: 100)"),
        param("max_epochs", 2, 60, 2000, integer(1, 100000),
              "epoch cap (the thesis trained past 1400 epochs; its validation minimum came at epoch 131)"),
        param("patience", 2, 60, 200, integer(1, 100000),
              "epochs without a lower validation loss before stopping (long: CNNs sit on plateaus)"),
        param("n_per_class", 10, 1000, 1000, integer(1, 10000), "signals per position for A^(l) (eq. 3.6: 1000)"),
        param("n_width", 300, 3000, 6000, integer(60, 100000), "signals per σ in the filter-width study (Fig. 3.5)"),
        param("filter_tolerance", 0.1, 0.1, 0.1, number(0.0, 1.0),
              "filter coefficients below this fraction of the largest decide no sign"),
        param("alpha", 10.0, 10.0, 10.0, number(1e-4, 1e4), "gradient-ascent step α (thesis ch. 5: 10)"),
        param("ascent_cap", 30, 1000, 20000, integer(1, 1000000), "gradient-ascent iteration cap"),
    ),
    "summary_layers": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "first training seed; the grid uses seed, seed+1, ..."),
        param("hidden_sizes", (16,), (300,), (100, 300, 600),
              int_list(2, 4096, 6),
              "functional hidden-layer sizes H (Davel 2020 Table 1: 100, 300, 600)"),
        param("analysed_hidden", 16, 300, 300, integer(2, 4096), "H of the analysed network (Davel 2020: 300)"),
        param("lr_low", 0.1, 0.03, 0.01, number(1e-5, 10.0), "smallest SGD learning rate of the log-spaced grid"),
        param("lr_high", 0.3, 0.1, 0.3, number(1e-5, 10.0), "largest SGD learning rate of the grid"),
        param("n_lr", 2, 2, 6, integer(1, 20), "learning rates in the grid (not stated in Davel 2020)"),
        param("n_seeds", 1, 3, 3, integer(1, 10), "training seeds per learning rate (Davel 2020 §4.1: 3)"),
        param("batch_size", 64, 64, 64, integer(1, 55000), "SGD mini-batch size (not stated in Davel 2020)"),
        param("max_epochs", 2, 25, 300, integer(1, 10000), "epoch cap (the paper trains until convergence)"),
        param("patience", 1, 5, 20, integer(1, 1000), "epochs without a lower validation loss before stopping"),
        param("n_train", 1000, 55000, 55000, integer(100, 55000), "MNIST training images (55k/5k/10k split)"),
        param("n_eval", 500, 10000, 10000, integer(100, 10000), "test images analysed (Davel 2020: all 10000)"),
        param("n_scatter", 100, 1000, 1000, integer(10, 10000), "samples in Fig. 5 and pairs in Fig. 10 (1000)"),
    ),
    "training_dynamics": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "first network seed; members use seed, seed+1, ..."),
        param("depths", (2, 3), (2, 5, 9), (2, 5, 9),
              int_list(2, 12),
              "layers excluding the input, i.e. hidden layers + 1 (H&D §4.1: 2, 5, 9)"),
        param("widths", (8,), (20, 80), (20, 80, 320),
              int_list(2, 2048),
              "nodes per hidden layer (H&D §4.1: 20, 80, 320)"),
        param("losses", "both", "both", "both", choice("both", "ce", "mse"),
              "cross-entropy and/or MSE, trained in the same engine call (H&D §4.1: both)"),
        param("n_seeds", 2, 3, 3, integer(1, 10), "initialisation seeds per shape and loss (H&D §4.1: 3)"),
        param("epochs", 1, 6, 200, integer(1, 1000), "training epochs, no early stopping (H&D §4.1: 200)"),
        param("n_train", 1200, 48000, 48000, integer(120, 48000), "MNIST training images (48k/12k split)"),
        param("n_val", 600, 12000, 12000, integer(100, 12000), "validation images of the probes (H&D: 12000)"),
        param("lr", 1e-3, 1e-3, 1e-3, number(1e-6, 1.0), "Adam step size α (H&D §4.1: 0.001)"),
        param("batch_size", 60, 60, 60, integer(1, 48000), "mini-batch size (H&D §4.1: 60)"),
        param("init", "he", "he", "he", choice("he", "glorot", "torch"), "weight initialisation (not stated)"),
        param("measurements", 8, 25, 60, integer(3, 1000), "log-spaced measurement points incl. step 0 and the end"),
        param("reg_points", 60, 200, 200, integer(10, 100000), "samples of the 1-D regression example (Fig. 1)"),
        param("reg_nodes", 30, 30, 30, integer(2, 1000), "hidden ReLU nodes of the 1-D example (H&D §3: 30)"),
        param("reg_steps", 200, 4000, 4000, integer(1, 1000000), "full-batch Adam steps of the 1-D example"),
        param("reg_noise", 0.1, 0.1, 0.1, number(0.0, 10.0), "noise σ of the 1-D example's targets"),
        param("margin_lr", 0.1, 0.1, 0.1, number(1e-6, 100.0), "SGD learning rate η of the inclusion-margin steps"),
        param("margin_steps", 3, 20, 20, integer(1, 10000), "SGD steps checked against eq. 4-7 (not in the paper)"),
        param("margin_samples", 200, 2000, 2000, integer(10, 12000), "validation images t checked at each step"),
        param("timing_steps", 1, 50, 50, integer(1, 10000),
              "engine steps per paper shape timed for the projection (10 steps over-weight the first, warm-up step)"),
    ),
    "bottleneck": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of the data sets and of the Monte Carlo"),
        param("n_train", 600, 12000, 12000, integer(60, 200000), "training signals (thesis §4.2.1: 12000)"),
        param("n_val", 300, 6000, 6000, integer(60, 100000), "validation signals (thesis §4.2.1: 6000)"),
        param("n_test", 600, 6000, 6000, integer(60, 100000), "test signals (thesis §4.2.1: 6000)"),
        param("theta", 3.0, 3.0, 3.0, number(0.1, 100.0), "jump size θ (thesis §3.1: 3)"),
        param("sigma", 1.05, 1.05, 1.05, number_or_range(0.0, 10.0),
              "noise σ, a value or a range (not stated; the jump-detection chapter's σ, as 'same data')"),
        param("p_set", "table", "table", "all", choice("table", "all"),
              "bottleneck widths: 'table' = 2, 4, 10 (Table 4.1), 'all' = 2..10 (Fig. 4.3-4.5)"),
        param("n_seeds", 1, 3, 5, integer(1, 50), "network seeds per (depth, p), all in one engine call per depth"),
        param("lr", 0.01, 0.01, 0.01, number(1e-6, 10.0), "SGD learning rate (thesis §4.2.1: 0.01)"),
        param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis §4.2.1: 100)"),
        param("max_epochs", 2, 200, 3000, integer(1, 100000),
              "epoch cap (the thesis stops early only; p = 2 still improves after 800 epochs)"),
        param("patience", 1, 50, 200, integer(1, 100000),
              "epochs without a lower validation loss before stopping (long: narrow bottlenecks learn in steps)"),
        param("init_epochs", 2, 30, 1000, integer(1, 100000), "epoch cap of the output-initialisation runs"),
        param("mc_trials", 200, 2000, 100000, integer(10, 10**9), "Monte-Carlo trials per (p, n) cell (Fig. 4.14)"),
        param("claim_trials", 2000, 400000, 20000000, integer(10, 10**10),
              "trials for the p = 2, n = 10 claim (thesis §4.3.4: below 1e-5)"),
        param("sep_trials", 200, 5000, 200000, integer(10, 10**9), "trials per (n, r) cell of Fig. 4.15"),
        param("n_ratios", 2, 4, 7, integer(2, 31), "values of n between 2p and 5p (7 = every n for p = 2)"),
    ),
    "memorisation": (
        param("seed", 0, 0, 0, integer(0, 2**31 - 1), "seed of data, label shuffles, initialisations and batches"),
        param("n_seeds", 2, 3, 3, integer(1, 20), "networks of each kind (memorising, learning)"),
        param("n_train", 300, 2400, 12000, integer(120, 100000), "training jump signals (thesis §3.1: 12000)"),
        param("n_val", 120, 600, 6000, integer(60, 100000), "validation jump signals (thesis: 6000)"),
        param("n_test", 300, 3000, 60000, integer(120, 200000),
              "true-labelled test signals, equal per position (thesis §3.3.3: 60000, 1000 per position)"),
        param("theta", 3.0, 3.0, 3.0, number(0.0, 100.0), "jump size θ (thesis eq. 3.1)"),
        param("sigma", (0.5, 2.0), (0.5, 2.0), (0.5, 2.0), number_or_range(0.0, 100.0), "noise σ (thesis: 0.5 to 2)"),
        param("hidden", 16, 100, 100, integer(2, 4096), "nodes per hidden layer, 3 hidden layers (thesis: 100)"),
        param("optimizer", "adam", "adam", "sgd", choice("sgd", "adam"), "optimiser (thesis: SGD without momentum)"),
        param("lr", 0.001, 0.001, 0.01, number(1e-6, 10.0), "learning rate (thesis: 0.01 with SGD)"),
        param("batch_size", 100, 100, 100, integer(1, 100000), "batch size (thesis: 100)"),
        param("max_epochs", 10, 300, 20000, integer(1, 1000000), "epoch cap of the runs to 100% training accuracy"),
        param("sgd_epochs", 2, 300, 0, integer(0, 1000000),
              "epochs of one memorising network trained with the thesis's SGD (lr 0.01) beside the profile's "
              "optimiser, to show why `default` uses Adam (0 = skip; `paper` trains with SGD itself)"),
        param("n_tsne", 100, 600, 12000, integer(31, 100000), "training signals in each t-SNE map (thesis: 12000)"),
        param("perplexity", 5.0, 30.0, 30.0, number(2.0, 200.0), "t-SNE perplexity"),
        param("mnist_seeds", 1, 1, 3, integer(1, 20), "MNIST networks of each kind (learning, memorising)"),
        param("mnist_train", 200, 24000, 48000, integer(100, 48000),
              "MNIST training images of the learning network (thesis: 48000)"),
        param("mnist_memorise", 200, 2000, 48000, integer(100, 48000),
              "MNIST training images (the first of the split) of the memorising network, shuffled labels"),
        param("mnist_val", 100, 1000, 12000, integer(50, 12000), "MNIST validation images (thesis: 12000)"),
        param("mnist_test", 200, 2000, 10000, integer(100, 10000), "MNIST test images (thesis: 10000)"),
        param("mnist_hidden", 16, 784, 784, integer(2, 4096), "MNIST nodes per hidden layer (thesis: 784)"),
        param("mnist_optimizer", "adam", "adam", "sgd", choice("sgd", "adam"), "MNIST optimiser (thesis: SGD)"),
        param("mnist_lr", 0.001, 0.001, 0.01, number(1e-6, 10.0), "MNIST learning rate (thesis: 0.01)"),
        param("mnist_batch_size", 100, 100, 1000, integer(1, 100000), "MNIST batch size (thesis: 1000)"),
        param("mnist_max_epochs", 5, 150, 5000, integer(1, 1000000), "epoch cap of the MNIST runs"),
    ),
    # (each section adds its parameters above this line)
}


def section_params(section: str) -> dict[str, Param]:
    """The parameters of a section, by name."""
    if section not in SECTIONS:
        raise ParameterError(f"unknown section {section!r}; sections are: {', '.join(sorted(SECTIONS))}")
    return {p.name: p for p in SECTIONS[section]}


def problems(section: str, profile: Any, overrides: dict[str, Any]) -> list[str]:
    """Every problem with a request (unknown names, disallowed values), one line each; empty when valid."""
    spec = section_params(section)
    if not (isinstance(profile, str) and profile in PROFILES):
        return [f"parameter 'profile': got {profile!r}, allowed: one of {', '.join(map(repr, PROFILES))}"]
    found = []
    for name, value in overrides.items():
        if name not in spec:
            found.append(f"unknown parameter {name!r}; section {section!r} has: profile, {', '.join(spec)}")
        elif value is not None and not spec[name].check(value):
            found.append(f"parameter {name!r}: got {value!r}, allowed: {spec[name].allowed}")
    return found


def resolve(section: str, profile: str = "default", **overrides: Any):
    """The frozen config of a section: profile defaults, explicit (non-None) values winning, all validated."""
    found = problems(section, profile, overrides)
    if found:
        raise ParameterError(f"section {section!r} cannot run:\n  " + "\n  ".join(found))
    values = {name: p.defaults[profile] for name, p in section_params(section).items()}
    values.update({k: _freeze(v) for k, v in overrides.items() if v is not None})
    cls = make_dataclass(f"{section.title().replace('_', '')}Config", ["profile", *values], frozen=True)
    return cls(profile=profile, **{k: _freeze(v) for k, v in values.items()})


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
