"""Summary layers: what makes a 784-H-2-10 network reach Davel 2020 Table 1? Short screening runs of many seeds
under one change each to the book's protocol (learning rate, batch size, input scaling, bias initialisation), and
the lost classes that show within the first thousand SGD steps (§4.1 leaves these choices unstated)."""

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lib.cache import cached_train
from lib.models import StackedNet, summary_mlp
from lib.scoring import strictly_correct
from lib.studies.summary_layers.theory import wedge_classes
from lib.train import train, train_config, train_data

SCALINGS = ("unit", "standardised")  # inputs in [0, 1]; or (x - mean) / std over the training pixels
BIAS_INITS = ("he", "zero")  # first-layer bias drawn like the weights (Davel 2020 §4.1), or zero
LOST_BELOW = 0.5  # a class counts as lost when fewer than this share of its validation images are correct


@dataclass(frozen=True)
class Setting:
    """One row of the experiments table: the protocol with at most one choice changed."""

    name: str
    lr: float
    batch_size: int = 64
    scaling: str = "unit"
    bias_init: str = "he"


def protocol_settings(lrs: tuple[float, ...], batch_size: int) -> tuple[Setting, ...]:
    """The book's protocol at each learning rate of the grid, then one change each at the middle rate: zero
    first-layer biases, standardised inputs, half and double the batch size."""
    mid = lrs[len(lrs) // 2]
    return (tuple(Setting(f"protocol, lr {lr:g}", lr, batch_size) for lr in lrs)
            + (Setting("zero first-layer biases", mid, batch_size, bias_init="zero"),
               Setting("standardised inputs", mid, batch_size, scaling="standardised"),
               Setting(f"batch size {batch_size // 2}", mid, max(batch_size // 2, 1)),
               Setting(f"batch size {2 * batch_size}", mid, 2 * batch_size)))


def scale_inputs(x: Tensor, scaling: str, reference: Tensor) -> Tensor:
    """x as the network sees it: unchanged ('unit', [0, 1]) or standardised with the mean and standard
    deviation of all pixels of `reference` (the training images)."""
    if scaling not in SCALINGS:
        raise ValueError(f"scaling: expected one of {SCALINGS}, got {scaling!r}")
    if scaling == "unit":
        return x
    return (x - reference.mean()) / reference.std()


def screening_net(settings: tuple[Setting, ...], seeds: tuple[int, ...], hidden: int, d_in: int,
                  classes: int) -> StackedNet:
    """One member per (setting, seed), setting-major, He-initialised from its seed; the first-layer bias set to
    zero for the settings with bias_init 'zero'."""
    net = summary_mlp(len(settings) * len(seeds), d_in=d_in, hidden=hidden, classes=classes,
                      seed=[s for _ in settings for s in seeds])
    zero = torch.tensor([st.bias_init == "zero" for st in settings for _ in seeds])
    with torch.no_grad():
        net.layers[0].bias[zero] = 0.0
    return net


def class_accuracy(logits: Tensor, y: Tensor, classes: int) -> np.ndarray:
    """Strict accuracy of each member on each class: logits (K, N, C), y (N,) → (K, C)."""
    correct = strictly_correct(logits, y).double()  # (K, N)
    return np.stack([correct[:, y == c].mean(dim=1).numpy() for c in range(classes)], axis=1)


def lost_classes(per_class: np.ndarray) -> np.ndarray:
    """(K,) number of classes of which fewer than LOST_BELOW of the images are classified correctly."""
    return (per_class < LOST_BELOW).sum(axis=1)


@dataclass(frozen=True)
class Screen:
    """Per member (setting-major) after `steps` SGD steps: strict validation accuracy (K,), per-class accuracy
    (K, C), and the classes with a wedge of angles (theory.wedge_classes) at initialisation and after (K,) each."""

    settings: tuple[Setting, ...]
    seeds: tuple[int, ...]
    steps: int
    val_acc: np.ndarray
    class_acc: np.ndarray
    wedges_init: np.ndarray
    wedges_end: np.ndarray


def screen_group(settings: tuple[Setting, ...], seeds: tuple[int, ...], hidden: int, steps: int, x_train: Tensor,
                 y_train: Tensor, x_val: Tensor, y_val: Tensor, data_id: str) -> dict[str, np.ndarray]:
    """Settings sharing batch size and scaling in one engine call of `steps` SGD steps (no early stopping):
    val_acc (K,), class_acc (K, C), wedges_init and wedges_end (K,), from the model cache when there."""
    first = settings[0]
    classes = int(y_train.max()) + 1
    net = screening_net(settings, seeds, hidden, x_train.shape[1], classes)
    cfg = train_config("sgd", lr=[st.lr for st in settings for _ in seeds], batch_size=first.batch_size,
                       max_epochs=-(-steps * first.batch_size // len(x_train)), max_steps=steps, patience=None,
                       eval_every=None, restore_best=False, seed=[s for _ in settings for s in seeds])
    xt, xv = (scale_inputs(x, first.scaling, x_train) for x in (x_train, x_val))
    key = {"section": "summary_layers", "study": "screen", "data": data_id, "arch": net.arch,
           "scaling": first.scaling, "bias_init": [st.bias_init for st in settings], "train": cfg.as_dict()}

    def run() -> dict:
        wedges_init = wedge_classes(net.layers[-1].weight.detach()).sum(dim=-1)  # (K,)
        train(net, train_data(xt, y_train, xv, y_val), cfg)
        with torch.no_grad():
            logits = net(xv)
        return {"val_acc": strictly_correct(logits, y_val).double().mean(dim=1),
                "class_acc": torch.from_numpy(class_accuracy(logits, y_val, classes)), "wedges_init": wedges_init,
                "wedges_end": wedge_classes(net.layers[-1].weight.detach()).sum(dim=-1)}

    payload = cached_train(key, run)
    return {name: payload[name].numpy() for name in ("val_acc", "class_acc", "wedges_init", "wedges_end")}


def run_screen(settings: tuple[Setting, ...], seeds: tuple[int, ...], hidden: int, steps: int, x_train: Tensor,
               y_train: Tensor, x_val: Tensor, y_val: Tensor, data_id: str) -> Screen:
    """Every setting × seed for `steps` steps, settings that share batch size and scaling trained together."""
    groups: dict[tuple[int, str], list[int]] = {}
    for i, st in enumerate(settings):
        groups.setdefault((st.batch_size, st.scaling), []).append(i)
    parts: dict[int, dict[str, np.ndarray]] = {}
    n = len(seeds)
    for members in groups.values():
        found = screen_group(tuple(settings[i] for i in members), seeds, hidden, steps, x_train, y_train, x_val,
                             y_val, data_id)
        for j, i in enumerate(members):
            parts[i] = {name: value[j * n:(j + 1) * n] for name, value in found.items()}
    joined = {name: np.concatenate([parts[i][name] for i in range(len(settings))]) for name in parts[0]}
    return Screen(settings, seeds, steps, **joined)


def screen_rows(screen: Screen) -> list[dict]:
    """One row per setting: median and best strict validation accuracy over the seeds, the lost classes (median,
    fewest), how many seeds lost no class, and the classes with a wedge of angles after the run (median)."""
    rows, n = [], len(screen.seeds)
    lost = lost_classes(screen.class_acc)
    for i, st in enumerate(screen.settings):
        part = slice(i * n, (i + 1) * n)
        acc, gone = screen.val_acc[part], lost[part]
        rows.append({"setting": st.name, "lr": st.lr, "batch size": st.batch_size, "inputs": st.scaling,
                     "first-layer bias": st.bias_init, "seeds": n,
                     "val. acc. (median)": float(np.median(acc)), "val. acc. (best)": float(acc.max()),
                     "lost classes (median)": float(np.median(gone)), "lost classes (fewest)": int(gone.min()),
                     "seeds losing no class": int((gone == 0).sum()),
                     "classes with a wedge (median)": float(np.median(screen.wedges_end[part]))})
    return rows
