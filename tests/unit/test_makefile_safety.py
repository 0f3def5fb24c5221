"""make passes S, P, GRID and MEASURE to the runner as data (issue 33): nothing in them is run by the shell or
expanded by make."""

import shutil
import subprocess
from pathlib import Path

import pytest

from lib.paths import REPO_ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


@pytest.fixture
def fake_bin(tmp_path):
    """A BIN folder whose `python` records its arguments, one per line, instead of running anything."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "python"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done >> {tmp_path / "args"}\n')
    script.chmod(0o755)
    (tmp_path / "stamp").write_text("")
    return tmp_path


def make(fake: Path, *assignments: str) -> list[str]:
    """Run make with the fake BIN; the arguments the fake python received."""
    subprocess.run(["make", "-s", "-C", str(REPO_ROOT), f"BIN={fake / 'bin'}", f"STAMP={fake / 'stamp'}",
                    *assignments], cwd=fake, check=False, capture_output=True, text=True, timeout=60)
    args = fake / "args"
    return args.read_text().splitlines() if args.exists() else []


def test_a_shell_command_in_S_is_not_run(fake_bin):
    marker = fake_bin / "touched"
    args = make(fake_bin, "section", f"S=data; touch {marker}")
    assert not marker.exists()
    assert args[:3] == ["-m", "lib.runner", f"data; touch {marker}"]


def test_make_functions_in_P_are_not_expanded(fake_bin):
    marker = fake_bin / "expanded"
    args = make(fake_bin, "section", "S=data", f"P=sigma=(0.5, 2.0) seed=$(shell touch {marker})")
    assert not marker.exists()
    assert args[-1] == f"sigma=(0.5, 2.0) seed=$(shell touch {marker})"


def test_sweep_passes_grid_and_measure_as_data(fake_bin):
    marker = fake_bin / "swept"
    args = make(fake_bin, "sweep", "S=data", "GRID=seed=0,1", f"MEASURE=x; touch {marker}",
                f"P=$(shell touch {marker})")
    assert not marker.exists()
    assert args == ["-m", "lib.sweep", "data", "--grid", "seed=0,1", "--params", f"$(shell touch {marker})",
                    "--measure", f"x; touch {marker}"]


def test_paper_takes_each_blank_separated_word_of_S_as_a_section_name_only(fake_bin):
    marker = fake_bin / "papered"
    args = make(fake_bin, "paper", f"S=data;touch {marker} *")
    assert not marker.exists()
    sections = [args[i + 1] for i, a in enumerate(args) if a == "lib.runner"]
    assert sections == ["data;touch", str(marker), "*"], "no shell command, no file-name expansion"
