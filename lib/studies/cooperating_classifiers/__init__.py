"""Nodes as cooperating classifiers: the study as the book registers it (lib.studies)."""

from lib.studies.cooperating_classifiers.params import PARAMS, check
from lib.study import Study

STUDY = Study(
    name="cooperating_classifiers",
    title="Nodes as cooperating classifiers",
    reproduces=("{cite:t}`davel2020aaai`, the AAAI 2020 talk (layer perplexity, nodes as "
              "continuous, discrete and combined classifiers, label corruption)"),
    params=PARAMS,
    check=check,
)
