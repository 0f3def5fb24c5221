"""The jump_detection section's profiles: paper = the thesis's settings; bad values stop the run."""

import pytest

from lib.params import ParameterError, resolve


def test_paper_profile_has_the_thesis_settings():
    cfg = resolve("jump_detection", "paper")
    assert (cfg.n_train, cfg.n_val, cfg.n_test) == (12000, 6000, 6000)
    assert (cfg.theta, cfg.lr, cfg.batch_size, cfg.alpha, cfg.n_per_class) == (3.0, 0.01, 100, 10.0, 1000)
    assert cfg.n_seeds >= 5 and cfg.max_epochs >= 1400 and cfg.sweep_models == "all"


def test_default_profile_has_at_least_three_seeds():
    assert resolve("jump_detection", "default").n_seeds >= 3


@pytest.mark.parametrize("name, value", [("sigma", -1.0), ("n_seeds", 0), ("sweep_models", "some"),
                                         ("scan_step", 0.0), ("alpha", "ten")])
def test_bad_values_are_refused_by_name(name, value):
    with pytest.raises(ParameterError, match=name):
        resolve("jump_detection", "default", **{name: value})
