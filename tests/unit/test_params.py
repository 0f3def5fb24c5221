"""Parameters: profiles fill defaults, explicit values win, bad requests stop before any work."""

import json
import os
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import runner
from lib.params import PROFILES, ParameterError, read_value, split_assignments
from lib.studies import SECTIONS, resolve, section_params, study


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_default_is_allowed(profile):
    for section in SECTIONS:
        for p in study(section).params:
            assert p.check(p.defaults[profile]), (section, p.name, profile)
        assert study(section).check(resolve(section, profile)) == [], (section, profile)


def test_explicit_values_win_and_none_means_profile_default():
    cfg = resolve("data", "smoke", n_signals=1000, theta=None)
    assert cfg.profile == "smoke" and cfg.n_signals == 1000
    assert cfg.theta == section_params("data")["theta"].defaults["smoke"]


def test_config_is_frozen_and_lists_become_tuples():
    cfg = resolve("data", sigma=[0.5, 1.0])
    assert cfg.sigma == (0.5, 1.0)
    with pytest.raises(AttributeError):
        cfg.sigma = 2.0


def test_unknown_name_is_refused_with_the_allowed_names():
    with pytest.raises(ParameterError, match=r"unknown parameter 'sigmaa'.*sigma"):
        resolve("data", sigmaa=1.0)


def test_bad_profile_and_unknown_section_are_refused():
    with pytest.raises(ParameterError, match=r"'profile'.*'smoke', 'default', 'paper'"):
        resolve("data", "fast")
    with pytest.raises(ParameterError, match="unknown section"):
        resolve("nosuch")


def test_all_problems_are_named_in_one_message():
    with pytest.raises(ParameterError) as err:
        resolve("data", n_signals=-1, theta="big")
    assert "'n_signals'" in str(err.value) and "'theta'" in str(err.value)


bad_values = st.one_of(st.text(max_size=5), st.booleans(), st.floats(allow_nan=True), st.integers(),
                       st.lists(st.integers(), max_size=3), st.none())


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from([(s, p.name) for s in SECTIONS for p in study(s).params]), value=bad_values)
def test_any_value_is_either_accepted_as_allowed_or_refused_by_name(name, value):
    section, pname = name
    param = section_params(section)[pname]
    read = read_value(value) if isinstance(value, str) else value  # text is read as papermill's -p gives it
    if value is None or param.check(read):
        try:
            assert resolve(section, **{pname: value})
        except ParameterError as error:  # allowed by its range, but a rule of the study's check() refuses it
            assert f"'{pname}'" in str(error).split("cannot run:", 1)[1]
    else:
        with pytest.raises(ParameterError, match=f"parameter '{pname}'.*allowed: "):
            resolve(section, **{pname: value})


def test_runner_parses_literals_and_text():
    assert runner.parse_assignments(["sigma=1.5", "sigma2=(0.5, 2)", "profile=smoke"]) == {
        "sigma": 1.5, "sigma2": (0.5, 2), "profile": "smoke"}
    with pytest.raises(ParameterError, match="key=value"):
        runner.parse_assignments(["sigma"])


@pytest.mark.parametrize("request_values, message", [
    ({"nosuch": 1}, "unknown parameter 'nosuch'"),
    ({"theta": -1.0}, "parameter 'theta'"),
    ({"profile": "huge"}, "parameter 'profile'"),
])
def test_runner_refuses_before_executing(monkeypatch, request_values, message):
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    with pytest.raises(ParameterError, match=message):
        runner.run_section("data", request_values)


def test_runner_command_line_exits_2_with_the_reason(monkeypatch, capsys):
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    assert runner.main(["data", "theta=abc"]) == 2
    assert "parameter 'theta'" in capsys.readouterr().err
    assert runner.main(["nosuch"]) == 2


def test_runner_injects_tuples_as_lists_so_the_notebook_reads_a_sequence(monkeypatch, tmp_path):
    seen = {}

    def execute(src, out, parameters, **kw):
        """Stand-in for papermill: record the parameters, write a notebook and the results it would write."""
        seen.update(parameters)
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Data")]), out)
        record = {"section": "data", "profile": "smoke", "elapsed_s": 1.0, "parameters": {"sigma": [0.5, 1.0]}}
        (Path(os.environ["NODEWISE_RESULTS"]) / "data.json").write_text(json.dumps(record))

    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path))  # the runner stamps its wall time into the results
    monkeypatch.setattr(runner.papermill, "execute_notebook", execute)
    runner.run_section("data", {"sigma": (0.5, 1.0), "profile": "smoke"},
                       runner.publish_destination("data", tmp_path / "data.ipynb"))
    assert seen["sigma"] == [0.5, 1.0] and (tmp_path / "data.ipynb").exists()


def test_corruption_fractions_need_a_partly_corrupted_run():
    """Without a fraction strictly between 0 and 1 the quarantine figure and table would have nothing to show."""
    with pytest.raises(ParameterError, match=r"parameter 'fractions'.*strictly between 0 and 1"):
        resolve("cooperating_classifiers", "smoke", fractions=(0.0, 1.0))
    assert resolve("cooperating_classifiers", "smoke", fractions=(0.0, 0.3)).fractions == (0.0, 0.3)


@pytest.mark.parametrize("value", [[[1]], [{"a": 1}], [[1], [1]], [1, [2]]])
def test_a_list_parameter_holding_lists_or_dicts_is_refused_by_name(value):
    with pytest.raises(ParameterError, match=r"parameter 'depths'.*allowed: a list of"):
        resolve("training_dynamics", depths=value)


def test_a_parameter_given_twice_is_refused():
    with pytest.raises(ParameterError, match="'profile' is given twice"):
        runner.parse_assignments(["profile=smoke", "profile=paper"])


def test_an_unknown_name_is_reported_once(monkeypatch):
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    with pytest.raises(ParameterError) as caught:
        runner.run_section("data", {"nosuch": 1})
    assert str(caught.value).count("'nosuch'") == 1


@pytest.mark.parametrize("section, values, names", [
    ("data", {"n_tsne": 5000, "n_signals": 1000}, ("n_tsne", "n_signals")),
    ("data", {"n_tsne": 60, "perplexity": 30.0}, ("n_tsne", "perplexity")),
    ("jump_detection", {"sigma_low": 2.0, "sigma_high": 1.0}, ("sigma_low", "sigma_high")),
    ("summary_layers", {"hidden_sizes": [100], "analysed_hidden": 300}, ("analysed_hidden", "hidden_sizes")),
])
def test_cross_parameter_rules_stop_the_run_before_the_kernel_starts(monkeypatch, section, values, names):
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    with pytest.raises(ParameterError) as caught:
        runner.run_section(section, values)
    assert all(f"'{name}'" in str(caught.value) for name in names)


def test_an_interrupted_run_leaves_the_page_and_its_results_as_they_were(monkeypatch, tmp_path):
    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path))
    (tmp_path / "data.json").write_text('{"old": true}')
    (tmp_path / "data.ipynb").write_text("old page")

    def interrupted(src, out, parameters, **kw):
        (Path(os.environ["NODEWISE_RESULTS"]) / "data.json").write_text('{"new": true}')
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_section("data", {"profile": "smoke"}, runner.publish_destination("data", tmp_path / "data.ipynb"))
    assert (tmp_path / "data.json").read_text() == '{"old": true}'
    assert (tmp_path / "data.ipynb").read_text() == "old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.ipynb", "data.json"]


def test_values_read_the_same_in_make_the_runner_and_papermill():
    assert split_assignments("sigma=(0.5, 2.0) n_tsne=2000") == ["sigma=(0.5, 2.0)", "n_tsne=2000"]
    for text in ("0.5,2.0", "[0.5,2.0]", "(0.5, 2.0)"):
        assert tuple(read_value(text)) == (0.5, 2.0)
        assert resolve("data", sigma=text).sigma == (0.5, 2.0)  # papermill -p passes text
    assert read_value("adam") == "adam" and read_value("1e-3") == 0.001
    with pytest.raises(ParameterError, match="key=value"):
        split_assignments("1.5 sigma=2")


def test_a_run_goes_to_its_own_folder_named_by_time_and_parameters(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "RUNS", tmp_path)
    first = runner.run_destination("data", {"profile": "smoke", "sigma": 1.5})
    same = runner.run_folder("data", {"profile": "smoke", "sigma": (1.5)})
    other = runner.run_folder("data", {"profile": "smoke", "sigma": 1.0})
    assert first.page.parent.parent == tmp_path / "data" and first.page.name == "data.ipynb"
    assert first.page.parent.name.split("-")[-1] == same.name.split("-")[-1] != other.name.split("-")[-1]
    assert runner.parameter_digest("data", {"profile": "smoke"}) == \
        runner.parameter_digest("data", {"profile": "smoke", "seed": 0}), "the resolved parameters decide"


def test_the_command_line_writes_runs_not_the_book(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(runner, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(runner, "BOOK", tmp_path / "book")
    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path / "results"))

    def execute(src, out, parameters, **kw):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Data")]), out)
        record = {"section": "data", "profile": "smoke", "elapsed_s": 1.0, "parameters": {"seed": 3}}
        (Path(os.environ["NODEWISE_RESULTS"]) / "data.json").write_text(json.dumps(record))

    monkeypatch.setattr(runner.papermill, "execute_notebook", execute)
    assert runner.main(["data", "--params", "profile=smoke seed=3"]) == 0
    assert not (tmp_path / "book").exists() and not (tmp_path / "results").exists()
    (run,) = (tmp_path / "runs" / "data").iterdir()
    assert (run / "data.ipynb").exists() and (run / "data.json").exists()
    assert str(run) in capsys.readouterr().out
    assert runner.main(["data", "profile=smoke", "--publish"]) == 0
    assert (tmp_path / "book" / "data.ipynb").exists() and (tmp_path / "results" / "data.json").exists()
