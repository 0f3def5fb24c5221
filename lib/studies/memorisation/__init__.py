"""Memorisation versus learning: the study as the book registers it (lib.studies)."""

from lib.studies.memorisation.claims import CLAIMS
from lib.studies.memorisation.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="memorisation",
    title="Memorisation versus learning",
    reproduces=("{cite:t}`chen2017`, ch. 6 (memorising random labels versus learning, after "
              "{cite:t}`zhang2017`; inner- and inter-class deviation)"),
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    reading_choices=(
        ReadingChoice("sigma", "noise σ of the signals", "\"ranging from 0.5 to 2\" (ch. 3 data, value not stated)",
                      ("0.5 to 2 per signal", "one value")),
        ReadingChoice("patience", "when a learning network stops",
                      "\"when the cross-entropy loss of the validation data starts to increase\"", ("1 to 1000",)),
        ReadingChoice("n_test", "signals the deviations are measured on", "1000 per position (§3.3.3)",
                      ("60 to 200000, a multiple of 60",)),
        ReadingChoice("perplexity", "t-SNE perplexity of Fig. 6.5, 6.6", "not stated", ("2 to 200",)),
        ReadingChoice("mnist_patience", "when the MNIST learning network stops (checked every 48 steps, one "
                      "thesis epoch)", "\"when the cross-entropy loss of the validation data starts to increase\"",
                      ("1 to 1000 thesis epochs",)),
    ),
)
