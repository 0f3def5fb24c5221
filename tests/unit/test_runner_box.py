"""The re-run box lib.runner puts at the top of each executed page (lib.book), and the wall time it records."""

import json
import re

import nbformat
import pytest
from papermill.cli import _resolve_type

from lib import book, runner
from lib.paths import REPO_ROOT
from lib.studies import study

DECLARED = {"profile": {"help": ""}, "seed": {"help": "seed of every random draw"},
            "sigma": {"help": "noise σ, a value or a range (a, b)"}, "n_tsne": {"help": "signals in the t-SNE map"}}
RECORD = {"section": "data", "profile": "smoke", "elapsed_s": 20.5, "wall_s": 125.3, "load_average": 1.5,
          "parameters": {"profile": "smoke", "seed": 0, "sigma": [0.5, 2.0], "n_tsne": 300},
          "environment": {"device": "cpu (2 cores)", "threads": "1"}}


def bib_keys() -> set[str]:
    return set(re.findall(r"^@\w+\{([^,]+),", (REPO_ROOT / "references.bib").read_text(), flags=re.M))


def test_every_section_names_its_source_with_a_citation_that_the_bibliography_holds():
    for section in runner.sections():
        text = study(section).reproduces
        keys = re.findall(r"\{cite:[tp]\}`([^`]+)`", text)
        assert keys, f"{section}: no citation"
        assert set(keys) <= bib_keys(), f"{section}: {set(keys) - bib_keys()} not in references.bib"


@pytest.mark.parametrize(("seconds", "text"), [(4.4, "4 s"), (59.6, "1 min 00 s"), (125.3, "2 min 05 s"),
                                               (3725, "1 h 02 min")])
def test_durations_read_as_a_person_would_write_them(seconds, text):
    assert book.format_duration(seconds) == text


def test_box_states_source_profile_wall_time_and_parameters():
    box = book.rerun_box("data", RECORD, DECLARED, {"profile": "smoke", "n_tsne": 300})
    assert "{cite:t}`chen2017`" in box and "profile `smoke`" in box
    assert "**2 min 05 s**" in box and "load average 1.5" in box  # the runner's wall time, not elapsed_s
    assert "| `n_tsne` | **`300`** | signals in the t-SNE map |" in box  # set explicitly: bold
    assert "| `sigma` | `[0.5, 2.0]` | noise σ, a value or a range (a, b) |" in box
    assert "`profile`" not in box.split("| parameter |")[1]
    assert ":name: tab-data-parameters" in box and "{numref}`tab-data-parameters`" in box  # numbered, referenced


def test_box_commands_re_run_this_build_and_other_values():
    box = book.rerun_box("data", RECORD, DECLARED, {"profile": "smoke", "sigma": (0.5, 2.0)})
    assert 'make section S=data P="profile=smoke sigma=(0.5,2.0)"' in box
    assert 'make section S=data P="seed=0"' in box  # the first declared scalar parameter
    assert "papermill notebooks/data.ipynb out.ipynb -p profile smoke -p seed 0" in box
    assert box.startswith(":::::{admonition}") and box.rstrip().endswith(":::::")


def test_box_without_wall_time_falls_back_to_the_notebooks_elapsed_time():
    record = {k: v for k, v in RECORD.items() if k not in ("wall_s", "load_average")}
    box = book.rerun_box("data", record, DECLARED, {})
    assert "**20 s**" in box and "no explicit parameters" in box and "load average" not in box


@pytest.mark.parametrize("value", [0, 1.5, "table", (0.5, 2.0), [20, 80], (1, 6)])
def test_make_values_read_back_through_the_runner(value):
    text = book.make_value(value)
    assert " " not in text  # make's P="..." splits on spaces
    parsed = runner.parse_assignments([f"x={text}"])["x"]
    assert parsed == (tuple(value) if isinstance(value, list) else value)


@pytest.mark.parametrize("value", [0, 300, 1.05, "table"])
def test_papermill_example_values_read_back_through_papermill(value):
    name, example = book.papermill_example({"seed": value}, ["profile", "seed"])
    assert name == "seed" and _resolve_type(str(example)) == value


def test_papermill_example_skips_lists_and_booleans():
    assert book.papermill_example({"a": [1], "b": True, "c": 2}, ["profile", "a", "b", "c"]) == ("c", 2)
    assert book.papermill_example({"a": [1]}, ["a"]) is None


def test_box_goes_right_after_the_title_cell():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_markdown_cell("# Title\n\ntext"),
                                         nbformat.v4.new_markdown_cell("## Part")])
    book.insert_after_title(nb, "BOX")
    assert [c.source for c in nb.cells] == ["x = 1", "# Title\n\ntext", "BOX", "## Part"]
    assert nb.cells[2].metadata["tags"] == ["rerun-box"]
    untitled = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("no title")])
    book.insert_after_title(untitled, "BOX")
    assert untitled.cells[0].source == "BOX"


def test_stamp_results_adds_the_runners_wall_time(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path))
    (tmp_path / "data.json").write_text(json.dumps({"section": "data", "elapsed_s": 3.0}))
    record = runner.stamp_results(tmp_path / "data.json", 12.345)
    stored = json.loads((tmp_path / "data.json").read_text())
    assert stored == record and stored["wall_s"] == 12.35 and stored["elapsed_s"] == 3.0
    assert stored["load_average"] >= 0
