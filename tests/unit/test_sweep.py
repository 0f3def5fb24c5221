"""lib.sweep without a cluster: grids, points, validation before any task, stable folders, the table's figure."""

import json

import pandas as pd
import pytest

from lib import sweep
from lib.params import ParameterError


def test_grid_values_split_on_commas_outside_brackets():
    assert sweep.parse_grid("seed=0,1 sigma=0.5,(1.0, 2.0)") == {"seed": [0, 1], "sigma": [0.5, (1.0, 2.0)]}
    assert sweep.parse_grid("depths=[2,5],[9] losses=ce") == {"depths": [[2, 5], [9]], "losses": ["ce"]}
    for bad in ("", "seed", "seed=0 seed=1", "seed="):
        with pytest.raises(ParameterError):
            sweep.parse_grid(bad)


def test_points_are_the_cartesian_product_first_parameter_slowest():
    points = sweep.grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert points == [{"a": a, "b": b} for a in (1, 2) for b in ("x", "y", "z")]


def test_bad_values_are_refused_before_any_task_naming_the_parameter(monkeypatch):
    monkeypatch.setattr(sweep, "connect", lambda *a, **k: pytest.fail("a cluster was started"))
    with pytest.raises(ParameterError, match=r"parameter 'sigma': got -1"):
        sweep.check_sweep("data", {"profile": "smoke"}, {"sigma": [-1, 0.5]})
    with pytest.raises(ParameterError, match="both fixed and swept"):
        sweep.check_sweep("data", {"seed": 1}, {"seed": [0, 1]})
    with pytest.raises(ParameterError, match="unknown parameter 'nosuch'"):
        sweep.check_sweep("data", {}, {"nosuch": [1]})
    assert sweep.main(["data", "--grid", "n_tsne=10,20"]) == 2


def test_the_same_sweep_gets_the_same_folder_and_another_a_new_one(tmp_path):
    first = sweep.sweep_folder("data", {"profile": "smoke"}, {"seed": [0, 1]}, tmp_path)
    assert first == sweep.sweep_folder("data", {"profile": "smoke"}, {"seed": [0, 1]}, tmp_path)
    assert first != sweep.sweep_folder("data", {"profile": "smoke"}, {"seed": [0, 2]}, tmp_path)
    request = {"profile": "smoke", "seed": 0}
    assert sweep.point_folder(first, "data", request, {"seed": 0}).name.startswith("seed=0-")


def test_a_point_whose_results_exist_is_not_run_again(tmp_path, monkeypatch):
    (tmp_path / "data.json").write_text("{}")
    monkeypatch.setattr(sweep.runner, "run_section", lambda *a, **k: pytest.fail("ran again"))
    assert sweep.execute_point("data", {}, str(tmp_path), 1).status == "resumed"


def test_a_failing_point_is_recorded_not_raised(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("kernel died")

    monkeypatch.setattr(sweep.runner, "run_section", boom)
    outcome = sweep.execute_point("data", {}, str(tmp_path / "p"), 1)
    assert outcome.status == "failed" and "kernel died" in outcome.error
    assert "RuntimeError: kernel died" in (tmp_path / "p" / "error.txt").read_text()


def test_the_table_is_written_with_a_figure_of_the_measure(tmp_path):
    table = pd.DataFrame({"seed": [0, 0, 1, 1], "sigma": [0.5, 1.0, 0.5, 1.0], "status": ["done"] * 4,
                          "gap": [1.0, 2.0, 1.5, 2.5]})
    assert sweep.default_measure(table, {"seed": [0, 1], "sigma": [0.5, 1.0]}) == "gap"
    sweep.write_table(table, tmp_path, "gap", ["sigma", "seed"])
    assert json.loads((tmp_path / "sweep.json").read_text())[3]["gap"] == 2.5
    assert (tmp_path / "sweep.csv").exists() and (tmp_path / "sweep.png").stat().st_size > 1000
