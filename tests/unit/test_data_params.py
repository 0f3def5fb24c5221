"""The data section's parameters: one σ for every signal (the jump-detection estimate), bad values refused by name."""

import dataclasses

import pytest

from lib.data.jumps import SIGMA_ESTIMATE
from lib.params import ParameterError
from lib.studies import resolve
from lib.studies.data.params import check


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_every_profile_draws_its_signals_at_the_one_sigma_of_the_jump_chapters(profile):
    assert resolve("data", profile).sigma == SIGMA_ESTIMATE


def test_a_range_of_sigma_is_allowed_and_a_reversed_one_refused():
    assert resolve("data", "smoke", sigma=(0.5, 2.0)).sigma == (0.5, 2.0)
    with pytest.raises(ParameterError, match="sigma"):
        resolve("data", "smoke", sigma=(2.0, 0.5))


def test_cross_parameter_rules_name_their_parameters():
    cfg = resolve("data", "default")
    assert check(cfg) == []
    assert any("n_tsne" in p and "n_signals" in p for p in check(dataclasses.replace(cfg, n_tsne=20000)))
    assert any("perplexity" in p for p in check(dataclasses.replace(cfg, n_tsne=60, perplexity=30.0)))
