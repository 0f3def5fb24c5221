"""Summary layers: the odds of a lucky draw. How likely is a Table 1 network (no class lost, Davel 2020 §4.1) under
the stated protocol at one learning rate? Many seeds are screened for a few epochs; the seeds that lose no class
on validation, and `control` seeds that do, are trained on to early stopping. A seed not trained on counts as
losing a class; the controls show how often that assumption is wrong.

Both stages run in the engine (lib.train) from the model cache; along both, after every epoch, the share of the
validation images with both summary nodes off, with one off, and the stuck classes are recorded (dead_nodes).
"""

from dataclasses import dataclass

import numpy as np
import torch
from scipy import stats
from torch import Tensor

from lib.cache import cached_train, history_of, result_payload
from lib.models import summary_mlp
from lib.studies.summary_layers import dead_nodes
from lib.studies.summary_layers.experiments import class_accuracy, lost_classes
from lib.studies.summary_layers.grid import Data, accuracies
from lib.train import History, resolve_device, train, train_config, train_data
from lib.uncertainty import LEVEL, Measurement, binomial_variance, exact, with_sampling


@dataclass(frozen=True)
class LuckySpec:
    """Seeds of one H at one learning rate: screened for screen_epochs, then trained on to max_epochs (patience)."""

    hidden: int
    lr: float
    seeds: tuple[int, ...]
    batch_size: int
    screen_epochs: int
    max_epochs: int
    patience: int
    control: int
    device: str = "auto"

    def __post_init__(self):
        if not 1 <= self.screen_epochs < self.max_epochs:
            raise ValueError(f"screen_epochs: expected 1 <= screen_epochs < max_epochs = {self.max_epochs}, got "
                             f"{self.screen_epochs}")
        if self.control < 0:
            raise ValueError(f"control: expected a number of seeds >= 0, got {self.control}")


def mechanism_recorder(x_probe: Tensor, y_probe: Tensor, record: list[dict]):
    """A training callback appending, per member, the both-off share (K,), the one-off shares (K, 2) and the number
    of stuck classes (K,) of the probe images (dead_nodes), on the CPU."""
    def measure(step: int, net) -> None:
        a = dead_nodes.summary_output(net, x_probe)
        record.append({"dead": dead_nodes.dead_share(a).cpu(), "one_off": dead_nodes.one_off_shares(a).cpu(),
                       "stuck": dead_nodes.stuck_classes(a, y_probe, net.layers[-1].weight.detach())
                       .sum(dim=-1).cpu()})
    return measure


def _stacked(record: list[dict]) -> dict[str, Tensor]:
    """The recorder's list of per-epoch dicts as one tensor per measure, epochs first."""
    return {name: torch.stack([r[name] for r in record]) for name in record[0]}


def _epoch_steps(n_train: int, batch_size: int, epochs: int) -> list[int]:
    """The global steps at the end of epochs 0..epochs (0: before training)."""
    per_epoch = -(-n_train // batch_size)
    return [per_epoch * e for e in range(epochs + 1)]


def screen_key(spec: LuckySpec, d: Data) -> dict:
    """The model-cache key of the screening stage."""
    return {"section": "summary_layers", "study": "lucky screen", "data": d.data_id, "hidden": spec.hidden,
            "seeds": list(spec.seeds), "lr": spec.lr, "batch_size": spec.batch_size, "epochs": spec.screen_epochs,
            "device": str(resolve_device(spec.device))}


def screen_stage(spec: LuckySpec, d: Data) -> dict:
    """Every seed trained screen_epochs (no early stopping): weights, lost validation classes (S,) and the
    mechanism per epoch (E + 1, S, ...), from the model cache when there."""
    classes = int(d.y_train.max()) + 1
    net = summary_mlp(len(spec.seeds), d_in=d.x_train.shape[1], hidden=spec.hidden, classes=classes,
                      seed=list(spec.seeds))
    cfg = train_config("sgd", lr=spec.lr, loss="ce", batch_size=spec.batch_size, max_epochs=spec.screen_epochs,
                       patience=None, eval_every=None, restore_best=False, seed=list(spec.seeds), device=spec.device)
    device = resolve_device(spec.device)

    def run() -> dict:
        record: list[dict] = []
        steps = _epoch_steps(len(d.x_train), spec.batch_size, spec.screen_epochs)
        train(net, train_data(d.x_train, d.y_train, d.x_val, d.y_val), cfg,
              callbacks=[(steps, mechanism_recorder(d.x_val.to(device), d.y_val.to(device), record))])
        net.cpu()
        with torch.no_grad():
            lost = lost_classes(class_accuracy(net(d.x_val), d.y_val, classes))
        state = {name: tensor.detach().cpu() for name, tensor in net.state_dict().items()}
        return {"state": state, "lost": torch.from_numpy(lost), **_stacked(record)}

    return cached_train({**screen_key(spec, d), "arch": net.arch, "train": cfg.as_dict()}, run)


def continued_members(lost: np.ndarray, control: int) -> np.ndarray:
    """Indices of the seeds trained on: every seed that lost no class at the screen, and the first `control` that
    did (sorted)."""
    lost = np.asarray(lost)
    failed = np.flatnonzero(lost > 0)[:control]
    return np.sort(np.concatenate([np.flatnonzero(lost == 0), failed])).astype(int)


def train_on(spec: LuckySpec, d: Data, screened: dict, members: np.ndarray) -> tuple[torch.nn.Module, dict]:
    """The screened seeds `members` trained on from their screened weights to max_epochs with early stopping on
    the validation loss (best weights restored): (network, payload with history and mechanism per epoch)."""
    seeds = [spec.seeds[m] for m in members]
    classes = int(d.y_train.max()) + 1
    net = summary_mlp(len(seeds), d_in=d.x_train.shape[1], hidden=spec.hidden, classes=classes, seed=seeds)
    index = torch.as_tensor(members, dtype=torch.long)
    net.load_state_dict({name: tensor[index] for name, tensor in screened["state"].items()})
    cfg = train_config("sgd", lr=spec.lr, loss="ce", batch_size=spec.batch_size,
                       max_epochs=spec.max_epochs - spec.screen_epochs, patience=spec.patience, eval_every=1,
                       restore_best=True, seed=seeds, device=spec.device)
    device = resolve_device(spec.device)
    key = {"section": "summary_layers", "study": "lucky train-on", "screen": screen_key(spec, d),
           "members": [int(m) for m in members], "arch": net.arch, "train": cfg.as_dict()}

    def run() -> dict:
        record: list[dict] = []
        steps = _epoch_steps(len(d.x_train), spec.batch_size, cfg.max_epochs)[1:]
        result = train(net, train_data(d.x_train, d.y_train, d.x_val, d.y_val), cfg,
                       callbacks=[(steps, mechanism_recorder(d.x_val.to(device), d.y_val.to(device), record))])
        return {**result_payload(result), **_stacked(record)}

    payload = cached_train(key, run)
    net.load_state_dict(payload["state"])
    return net.cpu(), payload


@dataclass(frozen=True)
class LuckyDraw:
    """Per seed (S,): lost validation classes at the screen, whether it was trained on (and as a control), its
    lost test classes and strict accuracies at the end (nan where not trained on), and whether it converged; the
    mechanism per epoch of the seeds trained on (E + 1, K', ...), screen then train-on."""

    spec: LuckySpec
    screen_lost: np.ndarray
    continued: np.ndarray
    control: np.ndarray
    final_lost: np.ndarray
    acc: dict[str, np.ndarray]
    converged: np.ndarray
    history: History | None
    mechanism: dict[str, np.ndarray]

    @property
    def lucky(self) -> np.ndarray:
        """(S,) bool: the seed was trained on and lost no test class at the end."""
        return self.continued & (self.final_lost == 0)


def lucky_draw(spec: LuckySpec, d: Data) -> LuckyDraw:
    """Screen every seed, train on the passing ones and the controls, score them strictly (see LuckyDraw)."""
    screened = screen_stage(spec, d)
    lost = screened["lost"].numpy()
    members = continued_members(lost, spec.control)
    n, classes = len(spec.seeds), int(d.y_train.max()) + 1
    continued, control = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    continued[members] = True
    control[members] = lost[members] > 0
    final_lost = np.full(n, np.nan)
    acc = {part: np.full(n, np.nan) for part in ("train", "val", "test")}
    converged = np.zeros(n, dtype=bool)
    history, mechanism = None, {}
    if len(members):
        net, payload = train_on(spec, d, screened, members)
        with torch.no_grad():
            final_lost[members] = lost_classes(class_accuracy(net(d.x_eval), d.y_eval, classes))
        for part, (x, y) in d.parts().items():
            acc[part][members] = accuracies(net, x, y)
        history = history_of(payload)
        converged[members] = history.converged.numpy()
        index = torch.as_tensor(members, dtype=torch.long)
        mechanism = {name: torch.cat([screened[name][:, index], payload[name]]).numpy()
                     for name in ("dead", "one_off", "stuck")}
    return LuckyDraw(spec, lost, continued, control, final_lost, acc, converged, history, mechanism)


def no_loss_interval(lucky: int, seeds: int, level: float = LEVEL) -> tuple[float, float]:
    """Clopper-Pearson interval of the probability that a seed loses no class, from `lucky` of `seeds`."""
    if not 0 <= lucky <= seeds or seeds < 1:
        raise ValueError(f"lucky: expected 0 <= lucky <= seeds (seeds >= 1), got {lucky} of {seeds}")
    ci = stats.binomtest(lucky, seeds).proportion_ci(level, method="exact")
    return float(ci.low), float(ci.high)


def no_loss_measurement(lucky: int, seeds: int) -> Measurement:
    """The share of seeds that lose no class as one more repetition of the lucky draw over `seeds` seeds: the share
    with its binomial sampling variance (lib.uncertainty.binomial_variance)."""
    p = lucky / seeds
    return with_sampling(exact(p, f"{lucky} of {seeds} seeds lose no class"), binomial_variance(p, seeds),
                         f"binomial sampling ({seeds} seeds)")
