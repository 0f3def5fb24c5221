"""Jump detection: the study as the book registers it (lib.studies)."""

from lib.studies.jump_detection.params import PARAMS, check
from lib.study import Study

STUDY = Study(
    name="jump_detection",
    title="Jump detection",
    reproduces=("{cite:t}`chen2017`, ch. 3 (jump detection with MLPs, CNNs and a signal-processing baseline) "
              "and ch. 5 (visualisation by gradient ascent)"),
    params=PARAMS,
    check=check,
)
