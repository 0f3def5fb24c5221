"""A sweep point whose results file is truncated runs again instead of being "resumed" and failing every re-run;
the table reads what it can; a bad scheduler address is refused with the grid (issue 33)."""

import json
from pathlib import Path

import pytest

from lib import sweep
from lib.params import ParameterError


def writes_results(section, request, destination, *args):
    """Stand-in for runner.run_section: the point's results record."""
    Path(destination.results).write_text(json.dumps({"section": section, "measured": {"x": 1.5}, "claims": []}))
    return destination.page


@pytest.mark.parametrize("text", ['{"section": "da', "", "[1]", "null"])
def test_a_truncated_results_file_is_set_aside_and_the_point_runs_again(tmp_path, monkeypatch, text):
    (tmp_path / "data.json").write_text(text)
    monkeypatch.setattr(sweep.runner, "run_section", writes_results)
    outcome = sweep.execute_point("data", {"profile": "smoke"}, str(tmp_path), 1)
    assert outcome.status == "done"
    assert json.loads((tmp_path / "data.json").read_text())["measured"] == {"x": 1.5}
    assert (tmp_path / "data.json.unreadable").read_text() == text


def test_the_table_marks_a_point_with_unreadable_results_as_failed(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    for folder in (good, bad):
        folder.mkdir()
    (good / "data.json").write_text(json.dumps({"measured": {"x": 2.0, "flag": True}, "claims": [{"id": "c1"}],
                                                "wall_s": 3.0}))
    (bad / "data.json").write_text('{"measured": ')
    outcomes = [sweep.Outcome(str(good), "resumed"), sweep.Outcome(str(bad), "resumed")]
    table = sweep.sweep_table("data", [{"seed": 0}, {"seed": 1}], [good, bad], outcomes)
    assert list(table["status"]) == ["resumed", "failed"]
    assert table.loc[0, "x"] == 2.0 and "unreadable" in table.loc[1, "error"]


@pytest.mark.parametrize("address", ["", "localhost", "tcp://", "tcp://host:8786 extra"])
def test_a_bad_scheduler_address_is_refused_with_the_grid(monkeypatch, address):
    monkeypatch.setenv("NODEWISE_SCHEDULER", address)
    with pytest.raises(ParameterError, match="NODEWISE_SCHEDULER.*allowed: a scheduler address"):
        sweep.check_sweep("data", {"profile": "smoke"}, {"seed": [0, 1]})


def test_a_good_scheduler_address_passes(monkeypatch):
    monkeypatch.setenv("NODEWISE_SCHEDULER", "tcp://10.0.0.5:8786")
    assert len(sweep.check_sweep("data", {"profile": "smoke"}, {"seed": [0, 1]})) == 2
