"""The jump_detection section's profiles: paper = the thesis's settings; bad values and broken rules stop the run."""

import dataclasses

import pytest

from lib.params import ParameterError
from lib.studies import resolve
from lib.studies.jump_detection.params import check


def test_paper_profile_has_the_thesis_settings():
    cfg = resolve("jump_detection", "paper")
    assert (cfg.n_train, cfg.n_val, cfg.n_test) == (12000, 6000, 6000)
    assert (cfg.theta, cfg.lr, cfg.batch_size, cfg.alpha, cfg.n_per_class) == (3.0, 0.01, 100, 10.0, 1000)
    assert cfg.n_seeds >= 3 and cfg.n_draws >= 5 and cfg.max_epochs >= 1400 and cfg.alt_seeds >= 3


def test_default_profile_trains_at_the_thesis_sizes_to_a_patience_stop():
    cfg = resolve("jump_detection", "default")
    assert (cfg.n_train, cfg.n_val, cfg.n_test) == (12000, 6000, 6000)
    # several data draws, not only seeds: the data draw moves a network's error as much as its seed does
    assert cfg.n_draws >= 4 and cfg.n_seeds >= 2 and cfg.patience < cfg.max_epochs
    assert cfg.conv_activation == "linear"


@pytest.mark.parametrize("name, value", [("sigma", -1.0), ("n_seeds", 1), ("n_draws", 1), ("conv_activation", "tanh"),
                                         ("scan_step", 0.0), ("alpha", "ten")])
def test_bad_values_are_refused_by_name(name, value):
    with pytest.raises(ParameterError, match=name):
        resolve("jump_detection", "default", **{name: value})


def test_cross_parameter_rules_name_their_parameters():
    cfg = resolve("jump_detection", "default")
    assert check(cfg) == []
    narrow = check(dataclasses.replace(cfg, scan_low=1.0, scan_high=1.01))
    assert len(narrow) == 1 and "scan_low" in narrow[0] and "scan_step" in narrow[0]
    stuck = check(dataclasses.replace(cfg, patience=400, max_epochs=400))
    assert len(stuck) == 1 and "patience" in stuck[0] and "max_epochs" in stuck[0]
    with pytest.raises(ParameterError, match="patience"):
        resolve("jump_detection", "default", patience=400, max_epochs=400)
