"""Training dynamics of binary node activations: the study as the book registers it (lib.studies)."""

from lib.studies.training_dynamics.claims import CLAIMS
from lib.studies.training_dynamics.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="training_dynamics",
    title="Training dynamics of binary node activations",
    reproduces=("{cite:t}`haasbroek2020` (sample sets, activation fraction, predictability and "
                "informativeness of binary node activations during training)"),
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    reading_choices=(
        ReadingChoice("init", "weight initialisation of every network", "not stated", ("torch", "he", "glorot")),
    ),
)
