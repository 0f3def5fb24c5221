"""Summary layers: the study as the book registers it (lib.studies)."""

from lib.studies.summary_layers.claims import CLAIMS
from lib.studies.summary_layers.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="summary_layers",
    title="Summary layers",
    reproduces="{cite:t}`davel2020summary` (summary layers: gaps, φ-, α- and node-ratios)",
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    reading_choices=(
        ReadingChoice("batch_size", "SGD mini-batch size", "not stated", ("1 to 55000",)),
        ReadingChoice("lr_low", "learning-rate grid (lowest rate; lr_high and n_lr complete it)",
                      "\"hyper parameters are optimised on a 5,000 sample validation set\" (grid not stated)",
                      ("1e-5 to 10",)),
        ReadingChoice("max_epochs", "epoch cap", "\"training continues until convergence\"", ("1 to 10000",)),
        ReadingChoice("patience", "early-stopping patience (epochs without a lower validation loss)",
                      "not stated", ("1 to 1000",)),
    ),
)
