"""lib.runner loses nothing (issue 33): publishing stages beside its destinations, so it never renames across
filesystems, and keeps a finished run under runs/ when the book cannot take it; runs started in the same second
get their own folders; a failing cell, a bad environment variable, an unwritable folder or Ctrl-C each end in one
message; stale staging folders of killed runs are removed; a plain notebook run never writes results/."""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lib import results, runner
from lib.paths import REPO_ROOT, claim_folder
from lib.studies import resolve

SHM = Path("/dev/shm")


def fake_papermill(seen: dict | None = None):
    """Stand-in for papermill.execute_notebook: a one-cell page and the results the notebook would write."""
    def execute(src, out, parameters, **kw):
        if seen is not None:
            seen["results_dir"] = Path(os.environ["NODEWISE_RESULTS"])
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Data")]), out)
        record = {"section": "data", "profile": "smoke", "elapsed_s": 1.0, "parameters": {"seed": 0}}
        (Path(os.environ["NODEWISE_RESULTS"]) / "data.json").write_text(json.dumps(record))
    return execute


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """runs/, book/ and results/ in a temporary folder; papermill replaced by the stand-in."""
    monkeypatch.setattr(runner, "RUNS", tmp_path / "runs")
    monkeypatch.setattr(runner, "BOOK", tmp_path / "book")
    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path / "results"))
    monkeypatch.setattr(runner.papermill, "execute_notebook", fake_papermill())
    return tmp_path


@pytest.mark.skipif(not SHM.is_dir() or SHM.stat().st_dev == Path("/tmp").stat().st_dev,
                    reason="needs /dev/shm on another filesystem than /tmp")
def test_publishing_to_results_on_another_filesystem_works(isolated, monkeypatch):
    shm = Path(__import__("tempfile").mkdtemp(dir=SHM))
    try:
        monkeypatch.setenv("NODEWISE_RESULTS", str(shm))
        assert runner.main(["data", "profile=smoke", "--publish"]) == 0
        assert json.loads((shm / "data.json").read_text())["section"] == "data"
        assert (isolated / "book" / "data.ipynb").exists()
        assert [p.name for p in shm.iterdir()] == ["data.json"], "no staging folder is left behind"
    finally:
        __import__("shutil").rmtree(shm, ignore_errors=True)


def test_the_kernel_stages_its_results_beside_the_results_folder(isolated, monkeypatch):
    seen = {}
    monkeypatch.setattr(runner.papermill, "execute_notebook", fake_papermill(seen))
    runner.run_section("data", {"profile": "smoke"})
    assert seen["results_dir"].parent == isolated / "results"


def test_a_failing_rename_keeps_the_finished_run_under_runs_and_says_where(isolated, monkeypatch, capsys):
    real = os.replace

    def cross_device(src, dst):
        if Path(dst).parent in (isolated / "results", isolated / "book"):
            raise OSError(errno.EXDEV, "Invalid cross-device link", str(dst))
        real(src, dst)

    monkeypatch.setattr(runner.os, "replace", cross_device)
    assert runner.main(["data", "profile=smoke", "--publish"]) == 1
    message = capsys.readouterr().err
    (kept,) = (isolated / "runs" / "data").iterdir()
    assert str(kept) in message and "Invalid cross-device link" in message
    assert sorted(p.name for p in kept.iterdir()) == ["data.ipynb", "data.json"]
    assert json.loads((kept / "data.json").read_text())["section"] == "data"
    assert list((isolated / "results").iterdir()) == [], "no staging folder is left in results/"


def test_an_unwritable_destination_is_refused_before_any_work(isolated, monkeypatch, capsys):
    (isolated / "results").write_text("a file where the results folder should be")
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    assert runner.main(["data", "profile=smoke", "--publish"]) == 2
    assert "NODEWISE_RESULTS" in capsys.readouterr().err


def test_an_unwritable_book_folder_is_refused_before_any_work(isolated, monkeypatch, capsys):
    def no_write(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(runner.tempfile, "mkdtemp", no_write)
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    assert runner.main(["data", "profile=smoke", "--publish"]) == 1
    err = capsys.readouterr().err
    assert "cannot write into" in err and "Permission denied" in err and "Traceback" not in err


def test_two_runs_in_the_same_second_get_two_folders(isolated):
    first = runner.run_destination("data", {"profile": "smoke"})
    second = runner.run_destination("data", {"profile": "smoke"})
    assert first.page.parent != second.page.parent
    assert first.page.parent.is_dir() and second.page.parent.is_dir()
    assert first.page.parent.name.split("-")[-1] == second.page.parent.name.split("-")[-1], "same digest"


def test_claim_folder_never_hands_out_a_taken_name(tmp_path):
    names = {claim_folder(tmp_path, "20260101-000000-abcd1234").name for _ in range(5)}
    assert len(names) == 5 and all(n.endswith("-abcd1234") for n in names)


def test_a_failing_cell_ends_in_one_message_and_keeps_the_notebook(isolated, monkeypatch, capsys):
    def failing(src, out, parameters, **kw):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0")]), out)
        raise runner.papermill.PapermillExecutionError(3, 1, "1/0", "ZeroDivisionError", "division by zero", [])

    monkeypatch.setattr(runner.papermill, "execute_notebook", failing)
    assert runner.main(["data", "profile=smoke"]) == 1
    err = capsys.readouterr().err
    assert "failed in cell 1: ZeroDivisionError: division by zero" in err and "Traceback" not in err
    (run,) = (isolated / "runs" / "data").iterdir()
    assert sorted(p.name for p in run.iterdir()) == ["data.failed.ipynb", "progress.log"] and str(run) in err


def test_a_full_disk_at_the_end_ends_in_one_message(isolated, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "stamp_results", full)
    assert runner.main(["data", "profile=smoke"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err


def test_ctrl_c_ends_in_one_line(isolated, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.papermill, "execute_notebook", interrupted)
    assert runner.main(["data", "profile=smoke"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") <= 4 and "interrupted: data stopped" in err


def test_a_stale_staging_folder_of_a_killed_run_is_removed_at_the_next_run(isolated):
    book = isolated / "book"
    book.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = book / ".data-killed"
    stale.mkdir()
    (stale / runner.OWNER).write_text(f"{runner.socket.gethostname()} {dead}\n")
    live = book / ".data-running"
    live.mkdir()
    (live / runner.OWNER).write_text(f"{runner.socket.gethostname()} {os.getpid()}\n")
    runner.run_section("data", {"profile": "smoke"})
    assert not stale.exists() and live.exists()


@pytest.mark.parametrize("name, value, allowed", [
    ("NODEWISE_THREADS", "0", "an integer >= 1"),
    ("NODEWISE_THREADS", "abc", "an integer >= 1"),
    ("NODEWISE_THREADS", "", "an integer >= 1"),
    ("NODEWISE_THREADS", "-1", "an integer >= 1"),
    ("NODEWISE_CHECKPOINT_S", "nan", "a number of seconds >= 0"),
    ("NODEWISE_CHECKPOINT_S", "abc", "a number of seconds >= 0"),
    ("NODEWISE_CUDA_GRAPH", "yes", "1 or 0"),
    ("NODEWISE_CACHE", "", "a folder path"),
    ("NODEWISE_WORKERS", "abc", "an integer >= 1"),
    ("NODEWISE_WORKERS", "0", "an integer >= 1"),
])
def test_a_bad_environment_variable_stops_the_run_before_any_work(isolated, monkeypatch, capsys, name, value,
                                                                  allowed):
    monkeypatch.setenv(name, value)
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    assert runner.main(["data", "profile=smoke"]) == 2
    err = capsys.readouterr().err
    assert name in err and allowed in err and "Traceback" not in err


@pytest.mark.parametrize("name", ["NODEWISE_CACHE", "NODEWISE_RESULTS"])
def test_a_folder_variable_naming_a_file_stops_the_run(isolated, monkeypatch, capsys, name):
    (isolated / "a_file").write_text("x")
    monkeypatch.setenv(name, str(isolated / "a_file"))
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    assert runner.main(["data", "profile=smoke"]) == 2
    err = capsys.readouterr().err
    assert f"{name}={isolated / 'a_file'}" in err and "is a file, not a folder" in err


@pytest.mark.parametrize("text", ["[1]", '{"profile": "default", "wall_s": "fast"}', "{", '"x"',
                                  '{"profile": "default", "wall_s": NaN}', '{"profile": "default", "wall_s": true}'])
def test_a_malformed_earlier_results_file_is_skipped(isolated, text, capsys):
    (isolated / "results").mkdir()
    (isolated / "results" / "data.json").write_text(text)
    assert runner.last_wall_time("data", "default") is None
    runner.announce("data", runner.run_destination("data", {}), "default")
    assert "no earlier default run" in capsys.readouterr().err


def test_non_finite_numbers_are_written_as_null(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_RESULTS", str(tmp_path))
    measured = {"nan": np.float64("nan"), "inf": float("inf"), "array": np.array([1.0, -np.inf]),
                "f32": np.float32("nan")}
    path = results.write_results("data", resolve("data", "smoke"), measured, 0.0)
    assert json.loads(path.read_text())["measured"] == {"nan": None, "inf": None, "array": [1.0, None],
                                                        "f32": None}


def test_a_notebook_run_without_the_runner_never_writes_the_books_results(tmp_path, monkeypatch):
    monkeypatch.delenv("NODEWISE_RESULTS", raising=False)
    book_results = REPO_ROOT / "results" / "data.json"
    before = book_results.read_bytes() if book_results.exists() else None
    monkeypatch.setattr(results, "REPO_ROOT", tmp_path)
    path = results.write_results("data", resolve("data", "smoke"), {"x": 1.0}, 0.0)
    assert path.parent.parent == tmp_path / "runs" / "data" and path.parent.name.endswith("-notebook")
    assert (book_results.read_bytes() if book_results.exists() else None) == before


def test_a_read_only_runs_folder_ends_in_one_message_before_any_work(isolated, monkeypatch, capsys):
    def read_only(parent, name):
        raise PermissionError(errno.EACCES, "Permission denied", str(parent / name))

    monkeypatch.setattr(runner, "claim_folder", read_only)
    monkeypatch.setattr(runner.papermill, "execute_notebook", lambda *a, **k: pytest.fail("executed"))
    assert runner.main(["data", "profile=smoke"]) == 1
    err = capsys.readouterr().err
    assert "cannot create a run folder" in err and "Permission denied" in err and "nothing was run" in err


def test_a_dead_kernel_ends_in_one_message_and_keeps_the_notebook(isolated, monkeypatch, capsys):
    def dies(src, out, parameters, **kw):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), out)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(runner.papermill, "execute_notebook", dies)
    assert runner.main(["data", "profile=smoke"]) == 1
    err = capsys.readouterr().err
    assert "failed: RuntimeError: Kernel died" in err and "Traceback" not in err
    (run,) = (isolated / "runs" / "data").iterdir()
    assert (run / "data.failed.ipynb").exists() and str(run) in err


def test_a_page_that_cannot_be_put_in_place_leaves_the_book_as_it_was(isolated, monkeypatch, capsys):
    (isolated / "results").mkdir()
    (isolated / "results" / "data.json").write_text('{"old": true}')
    real = os.replace

    def page_fails(src, dst):
        if Path(dst) == isolated / "book" / "data.ipynb":
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        real(src, dst)

    monkeypatch.setattr(runner.os, "replace", page_fails)
    assert runner.main(["data", "profile=smoke", "--publish"]) == 1
    assert (isolated / "results" / "data.json").read_text() == '{"old": true}'
    assert not (isolated / "book" / "data.ipynb").exists()
    (kept,) = (isolated / "runs" / "data").iterdir()
    assert sorted(p.name for p in kept.iterdir()) == ["data.ipynb", "data.json"]
    assert str(kept) in capsys.readouterr().err
    assert [p.name for p in (isolated / "results").iterdir()] == ["data.json"]
