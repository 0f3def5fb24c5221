"""The project's lint rules (pyproject.toml, [tool.ruff]) hold for every Python file."""

import subprocess
import sys
from pathlib import Path

from lib.paths import REPO_ROOT


def test_ruff_finds_nothing():
    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run([str(ruff), "check", "lib", "tests", "book/_ext", "scripts", "benchmarks"],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:]
