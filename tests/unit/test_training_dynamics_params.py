"""training_dynamics.params: cross-parameter rules name the parameters they concern."""

import pytest

from lib.params import ParameterError
from lib.studies import resolve
from lib.studies.training_dynamics.params import check, choice_list


def test_profiles_pass_their_own_rules():
    for profile in ("smoke", "default", "paper"):
        assert check(resolve("training_dynamics", profile)) == []


def test_each_broken_rule_gives_one_message():
    with pytest.raises(ParameterError) as error:
        resolve("training_dynamics", "smoke", margin_samples=601, init="glorot", compare_inits=("torch", "he"),
                margin_steps=30)
    found = str(error.value).splitlines()[1:]
    assert len(found) == 3
    assert any("'margin_samples' and 'n_val'" in m for m in found)
    assert any("'init' and 'compare_inits'" in m for m in found)
    assert any("'margin_steps'" in m for m in found)


def test_choice_list():
    _, ok = choice_list("a", "b")
    assert ok(("a",)) and ok(["b", "a"])
    assert not ok(()) and not ok(("a", "a")) and not ok(("c",)) and not ok("a") and not ok([["a"]])


def test_the_comparison_must_be_a_prefix_of_the_grid_on_its_shapes():
    with pytest.raises(ParameterError) as error:
        resolve("training_dynamics", "smoke", compare_steps=21, compare_widths=(8, 16))
    found = str(error.value).splitlines()[1:]
    assert len(found) == 2
    assert any("'compare_steps'" in m and "compare_steps <= 20" in m for m in found)
    assert any("'compare_widths'" in m and "3×16" in m and "2×16" in m for m in found)
    assert check(resolve("training_dynamics", "smoke", compare_steps=20)) == []
