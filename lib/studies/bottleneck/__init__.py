"""Bottleneck networks and the Moore-Penrose embedding: the study as the book registers it (lib.studies)."""

from lib.studies.bottleneck.params import PARAMS
from lib.study import Study, no_cross_rules

STUDY = Study(
    name="bottleneck",
    title="Bottleneck networks and the Moore-Penrose embedding",
    reproduces=("{cite:t}`chen2017`, ch. 4 (bottleneck networks and the Moore-Penrose embedding "
              "{cite:p}`penrose1955`)"),
    params=PARAMS,
    check=no_cross_rules,
)
