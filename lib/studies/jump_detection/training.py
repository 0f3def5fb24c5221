"""The networks of thesis Tables 3.3-3.4 (and Fig. 3.19's length-5 CNN) for one configuration: data, engine
settings, every shape trained (or loaded from the model cache), and the CNNs again with the other conv activation."""

from dataclasses import dataclass
from functools import partial

from lib import data, models, parallel, train
from lib.studies.jump_detection.nets import LENGTH_5, SHAPES, TrainingCurve, train_shape

CURVE_SHAPE = "2-layer MLP"  # the model of thesis Fig. 3.9: only it pays for a training-set pass per epoch
CNN_NAMES = ("1-conv-layer CNN", "2-conv-layer CNN", "3-conv-layer CNN")


def make_splits(cfg) -> data.JumpSplits:
    """The three data sets of thesis §3.1 at the configured σ."""
    return data.jump_splits(cfg.n_train, cfg.n_val, cfg.n_test, seed=cfg.seed, theta=cfg.theta, sigma=cfg.sigma)


def data_identity(cfg) -> dict:
    """What the data depend on, for the model-cache key."""
    return {"generator": "lib.data.jump_splits", "sizes": [cfg.n_train, cfg.n_val, cfg.n_test],
            "seed": cfg.seed, "theta": cfg.theta, "sigma": cfg.sigma}


def engine_config(cfg, n_seeds: int) -> train.TrainConfig:
    """Plain SGD, cross-entropy, batch 100, lr 0.01, best validation weights kept (thesis §3.3.1)."""
    return train.train_config(optimizer="sgd", lr=cfg.lr, loss="ce", batch_size=cfg.batch_size,
                              max_epochs=cfg.max_epochs, patience=cfg.patience, eval_every=1, restore_best=True,
                              seed=list(range(n_seeds)), device="auto")


def other_activation(activation: str) -> str:
    """The conv activation that is not `activation`."""
    return "relu" if activation == "linear" else "linear"


def alternative_name(name: str, activation: str) -> str:
    """The row name of a CNN trained with the other conv activation."""
    return f"{name} ({activation} convs)"


@dataclass
class Trained:
    """Every network of one run: by model name, the stacked seeds, their histories, and Fig. 3.9's curve."""

    nets: dict[str, models.StackedNet]
    histories: dict[str, train.History]
    curve: TrainingCurve
    alternatives: tuple[str, ...]  # names of the CNNs trained with the other conv activation

    @property
    def main(self) -> tuple[str, ...]:
        """The seven models of Table 3.4."""
        return tuple(s.name for s in SHAPES)

    def shown(self, name: str) -> int:
        """The seed with the lowest validation loss (the one the figures show)."""
        return int(self.histories[name].val_loss.min(dim=0).values.argmin())

    def converged(self, *names: str) -> bool:
        """Every seed of every named model stopped before its epoch cap (patience ran out)."""
        return all(bool(self.histories[n].converged.all()) for n in names)


def shape_calls(cfg, splits: data.JumpSplits) -> list[tuple[str, partial]]:
    """(name, engine call) of every network of the run: the seven shapes and the length-5 CNN with n_seeds seeds,
    then the three CNNs with the other conv activation and alt_seeds seeds; each shape one engine call."""
    main_cfg = engine_config(cfg, cfg.n_seeds)
    calls = [(shape.name, partial(train_shape, shape, range(cfg.n_seeds), splits, data_identity(cfg), main_cfg,
                                  record_curve=shape.name == CURVE_SHAPE, conv_activation=cfg.conv_activation))
             for shape in (*SHAPES, LENGTH_5)]
    if cfg.alt_seeds:
        other = other_activation(cfg.conv_activation)
        calls += [(alternative_name(shape.name, other),
                   partial(train_shape, shape, range(cfg.alt_seeds), splits, data_identity(cfg),
                           engine_config(cfg, cfg.alt_seeds), record_curve=False, conv_activation=other))
                  for shape in SHAPES if shape.name in CNN_NAMES]
    return calls


def train_all(cfg, splits: data.JumpSplits) -> Trained:
    """Every network of shape_calls, trained on the machine's cores (lib.parallel) or loaded from the cache."""
    calls = shape_calls(cfg, splits)
    parallel.fill_cache([call for _, call in calls])
    nets, histories, curve = {}, {}, None
    for name, call in calls:
        nets[name], histories[name], recorded = call()
        curve = recorded if recorded is not None else curve
    alternatives = tuple(name for name, _ in calls[len(SHAPES) + 1:])
    return Trained(nets, histories, curve, alternatives)
