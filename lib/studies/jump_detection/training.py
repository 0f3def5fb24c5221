"""The networks of thesis Tables 3.3-3.4 (and Fig. 3.19's length-5 CNN) for one configuration: data, engine
settings, every shape trained (or loaded from the model cache), and the CNNs again with the other conv activation.

The thesis's experiment is replicated on `n_draws` independent data draws (training, validation and test signals):
draw 0 carries every network of the chapter (figures, weights, ascent); the seven shapes of Table 3.4 are trained
again, with their own network seeds, on every further draw (lib.studies.jump_detection.replicates)."""

from dataclasses import dataclass
from functools import partial

from lib import data, models, parallel, train
from lib.studies.jump_detection.nets import LENGTH_5, SHAPES, TrainingCurve, train_shape
from lib.studies.jump_detection.replicates import draw_seed, network_seeds

CURVE_SHAPE = "2-layer MLP"  # the model of thesis Fig. 3.9: only it pays for a training-set pass per epoch
LOSS_READINGS = {"categorical": "ce", "eq3.5": "bce"}  # thesis §3.3.1's words and eq. 3.5 → lib.train's losses
CNN_NAMES = ("1-conv-layer CNN", "2-conv-layer CNN", "3-conv-layer CNN")


def make_splits(cfg, draw: int = 0) -> data.JumpSplits:
    """The three data sets of thesis §3.1 at the configured σ, of data draw `draw` (0: the chapter's own)."""
    return data.jump_splits(cfg.n_train, cfg.n_val, cfg.n_test, seed=draw_seed(cfg.seed, draw), theta=cfg.theta,
                            sigma=cfg.sigma)


def draw_splits(cfg) -> list[data.JumpSplits]:
    """The data sets of every draw, 0..n_draws−1."""
    return [make_splits(cfg, d) for d in range(cfg.n_draws)]


def data_identity(cfg, draw: int = 0) -> dict:
    """What the data of one draw depend on, for the model-cache key."""
    return {"generator": "lib.data.jump_splits", "sizes": [cfg.n_train, cfg.n_val, cfg.n_test],
            "seed": draw_seed(cfg.seed, draw), "theta": cfg.theta, "sigma": cfg.sigma}


def engine_config(cfg, seeds: int | range, loss: str | None = None) -> train.TrainConfig:
    """Plain SGD, batch 100, lr 0.01, the weights of the lowest validation loss kept (thesis §3.3.1), the loss of
    reading `loss` (LOSS_READINGS; default cfg.loss); the engine seeds (data order) are `seeds`, or 0..seeds−1."""
    seeds = range(seeds) if isinstance(seeds, int) else seeds
    return train.train_config(optimizer="sgd", lr=cfg.lr, loss=LOSS_READINGS[loss or cfg.loss],
                              batch_size=cfg.batch_size, max_epochs=cfg.max_epochs, patience=cfg.patience,
                              eval_every=1, restore_best=True,
                              seed=list(seeds), device="auto")


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
    replicates: dict[str, list[models.StackedNet]] | None = None  # Table 3.4 shapes: one stack per data draw
    replicate_histories: dict[str, list[train.History]] | None = None

    @property
    def main(self) -> tuple[str, ...]:
        """The seven models of Table 3.4."""
        return tuple(s.name for s in SHAPES)

    def shown(self, name: str) -> int:
        """The seed with the lowest validation loss (the one the figures show)."""
        return int(self.histories[name].val_loss.min(dim=0).values.argmin())

    def draws(self, name: str) -> list[models.StackedNet]:
        """The stacks of one Table 3.4 shape, one per data draw (draw 0's is nets[name])."""
        return (self.replicates or {}).get(name, [self.nets[name]])

    def draw_histories(self, name: str) -> list[train.History]:
        """The histories of draws(name)."""
        return (self.replicate_histories or {}).get(name, [self.histories[name]])

    def converged(self, *names: str) -> bool:
        """Every seed on every data draw of every named model stopped before its epoch cap (patience ran out)."""
        return all(bool(h.converged.all()) for n in names for h in self.draw_histories(n))


def shape_calls(cfg, splits: data.JumpSplits) -> list[tuple[str, partial]]:
    """(name, engine call) of every network of the run: the seven shapes and the length-5 CNN with n_seeds seeds,
    then the three CNNs with the other conv activation and alt_seeds seeds; each shape one engine call."""
    main_cfg = engine_config(cfg, cfg.n_seeds)
    calls = [(shape.name, partial(train_shape, shape, range(cfg.n_seeds), splits, data_identity(cfg), main_cfg,
                                  record_curve=shape.name == CURVE_SHAPE, conv_activation=cfg.conv_activation,
                                  select_by=cfg.select_by))
             for shape in (*SHAPES, LENGTH_5)]
    if cfg.alt_seeds:
        other = other_activation(cfg.conv_activation)
        calls += [(alternative_name(shape.name, other),
                   partial(train_shape, shape, range(cfg.alt_seeds), splits, data_identity(cfg),
                           engine_config(cfg, cfg.alt_seeds), record_curve=False, conv_activation=other,
                           select_by=cfg.select_by))
                  for shape in SHAPES if shape.name in CNN_NAMES]
    return calls


def draw_calls(cfg, splits: list[data.JumpSplits] | None) -> list[tuple[str, int, partial]]:
    """(name, draw, engine call) of the seven shapes of Table 3.4 on every data draw after the first, n_seeds
    network seeds each (replicates.network_seeds), conv_activation as on draw 0, no training-set curve."""
    return [(shape.name, d, partial(train_shape, shape, network_seeds(d, cfg.n_seeds),
                                    splits[d] if splits is not None else None, data_identity(cfg, d),
                                    engine_config(cfg, network_seeds(d, cfg.n_seeds)), record_curve=False,
                                    conv_activation=cfg.conv_activation, select_by=cfg.select_by))
            for d in range(1, cfg.n_draws) for shape in SHAPES]


def train_all(cfg, splits: list[data.JumpSplits]) -> Trained:
    """Every network of shape_calls (on draw 0) and draw_calls (on the other draws), trained on the machine's
    cores (lib.parallel) or loaded from the cache."""
    calls, replicated = shape_calls(cfg, splits[0]), draw_calls(cfg, splits)
    parallel.fill_cache([call for _, call in calls] + [call for _, _, call in replicated])
    nets, histories, curve = {}, {}, None
    for name, call in calls:
        nets[name], histories[name], recorded = call()
        curve = recorded if recorded is not None else curve
    replicates = {s.name: [nets[s.name]] for s in SHAPES}
    replicate_histories = {s.name: [histories[s.name]] for s in SHAPES}
    for name, _, call in replicated:
        net, history, _ = call()
        replicates[name].append(net)
        replicate_histories[name].append(history)
    alternatives = tuple(name for name, _ in calls[len(SHAPES) + 1:])
    return Trained(nets, histories, curve, alternatives, replicates, replicate_histories)
