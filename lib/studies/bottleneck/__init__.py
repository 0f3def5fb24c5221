"""Bottleneck networks and the Moore-Penrose embedding: the study as the book registers it (lib.studies).

Modules: params (parameters and rules), nets (padded stacks of bottleneck networks), networks (training and
measures of §4.2), embedding (the Moore-Penrose maps and their Monte Carlo), montecarlo (the tables of §4.3.4),
initialisation (the least-squares output layer as a start), findings (the thesis's inconsistencies), claims,
record (this run's measurements into the ledger), figures.
"""

from lib.studies.bottleneck.claims import CLAIMS
from lib.studies.bottleneck.montecarlo import precompute
from lib.studies.bottleneck.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="bottleneck",
    title="Bottleneck networks and the Moore-Penrose embedding",
    reproduces=("{cite:t}`chen2017`, ch. 4 (bottleneck networks and the Moore-Penrose embedding "
              "{cite:p}`penrose1955`)"),
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    precompute=precompute,
    reading_choices=(
        ReadingChoice("sigma", "noise σ of the signals", "\"ranging from 0.5 to 2\" (§3.1), not stated for ch. 4",
                      ("a value from 0 to 10", "a range (a, b)")),
        ReadingChoice("init", "weight initialisation", "not stated", ("glorot", "he", "torch")),
        ReadingChoice("max_epochs", "epoch cap of the wide bottlenecks (p ≥ 5)",
                      "early stopping \"when the cross-entropy loss of the validation data starts to increase\"; "
                      "over 1400 epochs in ch. 3", ("1 to 100000",)),
        ReadingChoice("narrow_epochs", "epoch cap of the narrow bottlenecks (p ≤ 4)",
                      "early stopping only, as above", ("1 to 100000",)),
        ReadingChoice("init_control", "output layer of the control arm in the initialisation test",
                      "not run in the thesis (§4.3.5 only suggests it)", ("zero", "glorot")),
    ),
)
