"""Data: the study as the book registers it (lib.studies)."""

from lib.studies.data.claims import CLAIMS
from lib.studies.data.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="data",
    title="Data",
    reproduces="the jump signals of {cite:t}`chen2017` (§3.1, eq. 3.1) and the MNIST digits {cite:p}`lecun1998`",
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    reading_choices=(
        ReadingChoice("sigma", "noise σ of the signals", "\"varying σ (ranging from 0.5 to 2)\"; the σ of its "
                      "experiments is not stated", ("one σ (the jump-detection chapter's estimate)",
                                                    "a range (a, b): one σ per signal")),
        ReadingChoice("perplexity", "t-SNE perplexity of Fig. 3.2", "not stated", ("2 to 200",)),
        ReadingChoice("n_tsne", "signals in the t-SNE map of Fig. 3.2", "\"our training dataset\" (12000)",
                      ("30 to the signals drawn",)),
    ),
)
