"""Nodes as cooperating classifiers: the study as the book registers it (lib.studies)."""

from lib.studies.cooperating_classifiers.claims import CLAIMS
from lib.studies.cooperating_classifiers.params import PARAMS, check
from lib.study import ReadingChoice, Study

STUDY = Study(
    name="cooperating_classifiers",
    title="Nodes as cooperating classifiers",
    reproduces=("{cite:t}`davel2020aaai`, the AAAI 2020 talk (layer perplexity, nodes as "
              "continuous, discrete and combined classifiers, label corruption)"),
    params=PARAMS,
    check=check,
    claims=CLAIMS,
    reading_choices=(
        ReadingChoice("continuous_values", "values the continuous node classifier's density is fitted to",
                      "'Continuous: fit KDE' (slides); pre-activation values in the paper (arXiv 2001.06178)",
                      ("pre", "post")),
        ReadingChoice("sigmoid_threshold", "when a sigmoid node is 'on'", "not stated", ("0.01 to 0.99",)),
        ReadingChoice("optimizers", "optimisers trained", "'SGD, Adam' (rates of the 'lr grid search' not stated)",
                      ("adam", "sgd", "both")),
        ReadingChoice("n_perplexity", "test images behind the layer perplexity (N_c = a tenth)", "not stated",
                      ("100 to 10000",)),
    ),
)
