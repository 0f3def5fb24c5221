"""Jump detection: the study as the book registers it (lib.studies)."""

from lib.studies.jump_detection.claims import CLAIMS
from lib.studies.jump_detection.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="jump_detection",
    title="Jump detection",
    reproduces=("{cite:t}`chen2017`, ch. 3 (jump detection with MLPs, CNNs and a signal-processing baseline) "
              "and ch. 5 (visualisation by gradient ascent)"),
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    reading_choices=(
        ReadingChoice("sigma", "noise σ of the signals behind Tables 3.1-3.4", "\"ranges from 0.5 to 2\"",
                      ("any σ > 0; estimated here from the baseline",)),
        ReadingChoice("conv_activation", "activation after each one-filter conv layer",
                      "not stated (ReLU is stated for MLP hidden layers)", ("linear", "relu")),
        ReadingChoice("loss", "the training loss", "\"The cost function is categorical cross-entropy cost\", "
                      "written as eq. 3.5, −1/N Σ [y ln h + (1 − y) ln(1 − h)] (Keras's binary cross-entropy)",
                      ("categorical", "eq3.5")),
        ReadingChoice("select_by", "which epoch's weights a network keeps", "\"the loss and classification error "
                      "reaches their minimum values at epoch=131 ... we adopt the model when the validation loss "
                      "reaches the minimum\"", ("loss", "error", "l1")),
        ReadingChoice("patience", "when training stops", "\"early stopping\"; validation minimum at epoch 131 "
                      "of a run past 1400 epochs", ("any patience < max_epochs",)),
        ReadingChoice("filter_tolerance", "when a filter counts as smoothing", "\"all coefficients share one sign\"",
                      ("0 to 1",)),
    ),
)
