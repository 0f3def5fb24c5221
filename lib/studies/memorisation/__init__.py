"""Memorisation versus learning: the study as the book registers it (lib.studies)."""

from lib.studies.memorisation.params import PARAMS, check
from lib.study import Study

STUDY = Study(
    name="memorisation",
    title="Memorisation versus learning",
    reproduces=("{cite:t}`chen2017`, ch. 6 (memorising random labels versus learning, after "
              "{cite:t}`zhang2017`; inner- and inter-class deviation)"),
    params=PARAMS,
    check=check,
)
