"""Training dynamics of binary node activations: the study as the book registers it (lib.studies)."""

from lib.studies.training_dynamics.params import PARAMS
from lib.study import Study, no_cross_rules

STUDY = Study(
    name="training_dynamics",
    title="Training dynamics of binary node activations",
    reproduces=("{cite:t}`haasbroek2020` (sample sets, activation fraction, predictability and "
              "informativeness of binary node activations during training)"),
    params=PARAMS,
    check=no_cross_rules,
)
