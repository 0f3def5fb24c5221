"""Fuzzing every section's parameters through the command line, the sweep and papermill's text values (issue 33):
any value, nested lists, tuples, sets and dicts included, either runs or is refused with exit 2 and a message that
names the parameter; nothing else (no traceback) ever comes out."""

import functools
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib import runner, sweep
from lib.params import ParameterError, allows, read_value
from lib.studies import SECTIONS, resolve, section_params, study

NAMES = [(section, p.name) for section in SECTIONS for p in study(section).params]
leaves = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=True),
                   st.text(max_size=6), st.sampled_from(["adam", "sgd", "he", "relu", "60k/10k", "mse", "ce"]))
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.text(max_size=3), inner, max_size=2),
    st.frozensets(st.integers(-3, 3), max_size=3).map(set)), max_leaves=8)


@functools.cache
def declared(section: str) -> frozenset[str]:
    """The parameters the section's notebook declares (the runner refuses any other name)."""
    return frozenset(runner.papermill.inspect_notebook(str(runner.NOTEBOOKS / f"{section}.ipynb")))


def allowed(section: str, name: str, value) -> bool:
    """Whether the section runs with this one value (declared by its notebook, allowed by its own rule and the
    study's cross-parameter rules)."""
    spec = section_params(section)[name]
    if name not in declared(section) or value is not None and not allows(spec, value):
        return False
    try:
        resolve(section, "smoke", **{name: value})
    except ParameterError:
        return False
    return True


@pytest.fixture
def no_runs(tmp_path, monkeypatch):
    """runs/ in a temporary folder, and no notebook ever executed: the fuzz only reaches the checks."""
    monkeypatch.setattr(runner, "RUNS", tmp_path)
    monkeypatch.setattr(runner, "run_section", lambda section, values, destination, timeout: destination.page)
    monkeypatch.setattr(runner, "announce", lambda *args: None)
    monkeypatch.setattr(runner.papermill, "inspect_notebook", functools.cache(runner.papermill.inspect_notebook))


def refused_by_name(section: str, name: str, value, capsys) -> None:
    """Run the command line with one value: exit 0 if the section allows it, else exit 2 naming the parameter."""
    text = repr(value)
    code = runner.main([section, "profile=smoke", f"{name}={text}"])
    err = capsys.readouterr().err
    if allowed(section, name, read_value(text)):
        assert code == 0, err
    else:
        assert code == 2, (section, name, text, err)
        assert err.startswith("error: ") and f"'{name}'" in err, err
        assert "Traceback" not in err


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), value=values)
def test_the_command_line_runs_or_exits_2_naming_the_parameter(no_runs, capsys, name, value):
    refused_by_name(*name, value, capsys)


NASTY = [None, True, 0, -1, 2**63, 1e308, -0.0, math.nan, math.inf, -math.inf, "", "ten", "adam", [], (), {}, set(),
         [[]], [["adam"]], [{}], [[1]], [1, [2]], [{"a": 1}], {"a": [1]}, [math.nan], [0.5, math.inf], (1, 2, 3),
         [None], ["adam", "adam"], [1, 1], [True], [1.5], [-1], [10**9], {1, 2}, ((0.5, 2.0),), "1,2", "(0.5, 2.0)"]


@pytest.mark.parametrize("name", NAMES, ids=[f"{s}.{p}" for s, p in NAMES])
def test_every_parameter_against_a_list_of_nasty_values(no_runs, capsys, name):
    for value in NASTY:
        refused_by_name(*name, value, capsys)


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(NAMES), first=values, second=values)
def test_a_sweep_grid_is_checked_or_refused_naming_the_parameter(name, first, second):
    section, pname = name
    grid = {pname: [first, second]}
    try:
        sweep.check_sweep(section, {"profile": "smoke"}, grid)
    except ParameterError as error:
        assert f"'{pname}'" in str(error)
        assert not (allowed(section, pname, first) and allowed(section, pname, second))
    else:
        assert allowed(section, pname, first) and allowed(section, pname, second)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(NAMES), value=values)
def test_papermill_text_values_resolve_or_are_refused_naming_the_parameter(name, value):
    section, pname = name
    try:
        resolve(section, "smoke", **{pname: repr(value)})  # papermill's -p gives text; resolve reads it
    except ParameterError as error:
        assert f"'{pname}'" in str(error)


@pytest.mark.parametrize("section, value", [
    ("cooperating_classifiers", [["adam"]]), ("cooperating_classifiers", [{}]), ("cooperating_classifiers", [[1]]),
    ("training_dynamics", [["he"]]),
])
def test_nested_lists_in_choice_lists_are_refused_not_crashed(section, value):
    name = {"cooperating_classifiers": "optimizers", "training_dynamics": "compare_inits"}[section]
    with pytest.raises(ParameterError, match=rf"parameter '{name}': got"):
        resolve(section, "smoke", **{name: value})


@pytest.mark.parametrize("sigma", [0, 0.0, (0.0, 0.0), [0, 0]])
def test_data_refuses_sigma_0_with_theta_0_before_the_run(sigma):
    """All signals would be one flat line: t-SNE fails on NaN after ~35 s (issue 33)."""
    with pytest.raises(ParameterError, match=r"parameters 'sigma' and 'theta'.*allowed: sigma > 0 or theta > 0"):
        resolve("data", "smoke", sigma=sigma, theta=0.0)
    assert resolve("data", "smoke", sigma=sigma, theta=3.0).theta == 3.0
    assert resolve("data", "smoke", sigma=0.5, theta=0.0).sigma == 0.5


@pytest.mark.parametrize("n_tsne", [31, 49])
def test_data_refuses_a_map_of_fewer_signals_than_its_50_principal_components(n_tsne):
    """Found by probing edge values: n_tsne = 31 passed every check and failed in PCA after ~100 s (issue 33)."""
    with pytest.raises(ParameterError, match=r"parameter 'n_tsne': got .*allowed: n_tsne >= 50"):
        resolve("data", "smoke", n_tsne=n_tsne, perplexity=2.0)
    assert resolve("data", "smoke", n_tsne=50, perplexity=2.0).n_tsne == 50


def test_memorisation_refuses_maps_of_fewer_signals_than_their_50_principal_components():
    """The same PCA limit in the memorisation maps: embedding.tsne_map fails on 40 rows of 60 columns (checked
    directly), so n_tsne = 40 would fail after the networks are trained."""
    with pytest.raises(ParameterError, match=r"parameter 'n_tsne': got 40.*allowed: n_tsne >= 50"):
        resolve("memorisation", "smoke", n_tsne=40, perplexity=2.0)
    assert resolve("memorisation", "smoke", n_tsne=50, perplexity=2.0).n_tsne == 50
