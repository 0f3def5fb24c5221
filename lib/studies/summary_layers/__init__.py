"""Summary layers: the study as the book registers it (lib.studies)."""

from lib.studies.summary_layers.params import PARAMS, check
from lib.study import Study

STUDY = Study(
    name="summary_layers",
    title="Summary layers",
    reproduces="{cite:t}`davel2020summary` (summary layers: gaps, φ-, α- and node-ratios)",
    params=PARAMS,
    check=check,
)
