"""Data: the study as the book registers it (lib.studies)."""

from lib.studies.data.params import PARAMS, check
from lib.study import Study

STUDY = Study(
    name="data",
    title="Data",
    reproduces="the jump signals of {cite:t}`chen2017` (§3.1, eq. 3.1) and the MNIST digits {cite:p}`lecun1998`",
    params=PARAMS,
    check=check,
)
