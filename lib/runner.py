"""Execute a section notebook with papermill, refusing bad parameters before the kernel starts.

    python -m lib.runner SECTION [key=value ...] [--output PATH]

Papermill only warns about a parameter the notebook does not declare, so the names are checked against
`papermill.inspect_notebook` and the values against `lib.params` first; the run starts only when both agree.
"""

import argparse
import ast
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import papermill

from lib.book import insert_after_title, rerun_box
from lib.params import ParameterError, problems
from lib.paths import REPO_ROOT, RESULTS_ENV, results_dir
from lib.results import write_json_atomic
from lib.studies import SECTIONS

NOTEBOOKS = REPO_ROOT / "notebooks"
BOOK = REPO_ROOT / "book"


def sections() -> list[str]:
    """The section names, in the order of the book (lib.studies); each has notebooks/<section>.ipynb."""
    return list(SECTIONS)


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """`key=value` strings to a dict; values read as Python literals (numbers, tuples, ...) or else as text."""
    values = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.isidentifier():
            raise ParameterError(f"cannot read {pair!r}: write parameters as key=value, e.g. sigma=1.5")
        if key in values:
            raise ParameterError(f"parameter {key!r} is given twice; give each parameter once")
        try:
            values[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            values[key] = text
    return values


def check_request(section: str, values: dict[str, Any]) -> None:
    """Refuse a section or parameter the notebook or lib.params does not know, or a value it does not allow."""
    if section not in sections():
        raise ParameterError(f"unknown section {section!r}; sections are: {', '.join(sections())}")
    declared = papermill.inspect_notebook(str(NOTEBOOKS / f"{section}.ipynb"))
    request = dict(values)
    profile = request.pop("profile", "default")
    found = [f"unknown parameter {k!r}; the notebook declares: {', '.join(declared)}"
             for k in values if k not in declared]
    found += problems(section, profile, {k: v for k, v in request.items() if k in declared})
    if found:
        raise ParameterError(f"section {section!r} cannot run:\n  " + "\n  ".join(found))


def stamp_results(path: Path, wall_s: float) -> dict:
    """Add the runner's wall time (kernel start included) and the load average to a results JSON."""
    record = json.loads(path.read_text())
    record.update(wall_s=round(wall_s, 2), load_average=round(os.getloadavg()[0], 2))
    write_json_atomic(path, record)
    return record


def run_section(section: str, values: dict[str, Any], output: Path | None = None,
                cell_timeout: int | None = None) -> Path:
    """Validate, then execute notebooks/<section>.ipynb into book/<section>.ipynb (or `output`) and open it with
    the re-run box; a cell running longer than `cell_timeout` seconds fails the run (None: no limit, as `paper`
    runs may take hours). The notebook writes its results into a staging folder; the page and its results are
    put in place together, only once the run has finished."""
    check_request(section, values)
    source = NOTEBOOKS / f"{section}.ipynb"
    output = Path(output) if output else BOOK / f"{section}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    results = results_dir() / f"{section}.json"
    staging = Path(tempfile.mkdtemp(prefix=f".{section}-", dir=output.parent))
    partial = staging / output.name  # a failed run never stands in for a finished one
    injected = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}  # papermill writes tuples as str
    started = time.perf_counter()
    try:
        with results_in(staging):
            papermill.execute_notebook(str(source), str(partial), parameters=injected,
                                       cwd=str(REPO_ROOT), kernel_name="python3", progress_bar=False,
                                       execution_timeout=cell_timeout)
        record = stamp_results(staging / results.name, time.perf_counter() - started)
        nb = nbformat.read(partial, as_version=4)
        insert_after_title(nb, rerun_box(section, record, papermill.inspect_notebook(str(source)), values))
        nbformat.write(nb, partial)
        os.replace(staging / results.name, results)
        os.replace(partial, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output


@contextmanager
def results_in(folder: Path):
    """Point NODEWISE_RESULTS (inherited by the kernel) at `folder` for the duration of a run."""
    before = os.environ.get(RESULTS_ENV)
    os.environ[RESULTS_ENV] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(RESULTS_ENV)
        else:
            os.environ[RESULTS_ENV] = before


def main(argv: list[str] | None = None) -> int:
    """Command line: run one section; a bad request prints the reason and exits 2 before any work."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section")
    parser.add_argument("assignments", nargs="*", metavar="key=value")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--cell-timeout", type=int, help="seconds a cell may run before the run fails")
    args = parser.parse_args(argv)
    try:
        values = parse_assignments(args.assignments)
        out = run_section(args.section, values, args.output, args.cell_timeout)
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"executed {args.section} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
