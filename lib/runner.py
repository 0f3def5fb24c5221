"""Execute a section notebook with papermill, refusing bad parameters before the kernel starts.

    python -m lib.runner SECTION [key=value ...] [--params "k=v k2=v2"] [--publish | --output PATH] [--quiet]

A run lands in its own folder, runs/<section>/<run-id>/ (the executed notebook, its results JSON and the
progress log), with run-id = time + a short hash of the resolved parameters; only `--publish` (what `make book`
uses) writes the book's page book/<section>.ipynb and results/<section>.json. Papermill only warns about a
parameter the notebook does not declare, so the names are checked against `papermill.inspect_notebook` and the
values against the study's parameters and cross-parameter rules first; the run starts only when both agree.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill

from lib import progress
from lib.book import format_duration, insert_after_title, rerun_box
from lib.params import ParameterError, problems, read_value, resolve, split_assignments
from lib.paths import REPO_ROOT, RESULTS_ENV, results_dir
from lib.results import to_json, write_json_atomic
from lib.studies import SECTIONS

NOTEBOOKS = REPO_ROOT / "notebooks"
BOOK = REPO_ROOT / "book"
RUNS = REPO_ROOT / "runs"


def sections() -> list[str]:
    """The section names, in the order of the book (lib.studies); each has notebooks/<section>.ipynb."""
    return list(SECTIONS)


def parse_assignments(pairs: list[str]) -> dict[str, Any]:
    """`key=value` strings to a dict, each value read by lib.params.read_value; a key given twice is refused."""
    values = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.isidentifier():
            raise ParameterError(f"cannot read {pair!r}: write parameters as key=value, e.g. sigma=1.5")
        if key in values:
            raise ParameterError(f"parameter {key!r} is given twice; give each parameter once")
        values[key] = read_value(text)
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


@dataclass(frozen=True)
class Destination:
    """Where a run puts its executed notebook and results, and the engine's progress log (None: quiet)."""

    page: Path
    results: Path
    progress_log: Path | None = None


def parameter_digest(section: str, values: dict[str, Any]) -> str:
    """A short hash of the resolved parameters (profile defaults filled in): the same run, the same digest."""
    request = dict(values)
    config = to_json(resolve(section, request.pop("profile", "default"), **request))
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:8]


def run_folder(section: str, values: dict[str, Any], root: Path | None = None) -> Path:
    """runs/<section>/<YYYYmmdd-HHMMSS>-<digest>/ (a new, readable, sortable name for every run)."""
    return (root or RUNS) / section / f"{time.strftime('%Y%m%d-%H%M%S')}-{parameter_digest(section, values)}"


def earlier_runs(folder: Path) -> list[Path]:
    """Finished runs of the same section with the same parameters (same digest) as `folder`."""
    digest = folder.name.rsplit("-", 1)[-1]
    return sorted(p for p in folder.parent.glob(f"*-{digest}")
                  if p != folder and (p / f"{folder.parent.name}.json").exists())


def run_destination(section: str, values: dict[str, Any], quiet: bool = False) -> Destination:
    """A new folder under runs/ for this run."""
    folder = run_folder(section, values)
    return Destination(folder / f"{section}.ipynb", folder / f"{section}.json",
                       None if quiet else folder / "progress.log")


def publish_destination(section: str, output: Path | None = None, progress_log: Path | None = None) -> Destination:
    """The book's page (book/<section>.ipynb, or `output`) and results/<section>.json (or $NODEWISE_RESULTS)."""
    return Destination(Path(output) if output else BOOK / f"{section}.ipynb", results_dir() / f"{section}.json",
                       progress_log)


def run_section(section: str, values: dict[str, Any], destination: Destination | None = None,
                cell_timeout: int | None = None) -> Path:
    """Validate, then execute notebooks/<section>.ipynb into destination.page (default: the book's page) and open
    it with the re-run box; a cell running longer than `cell_timeout` seconds fails the run (None: no limit, as
    `paper` runs may take hours). The notebook writes its results into a staging folder; the page and its results
    are put in place together, only once the run has finished."""
    check_request(section, values)
    destination = destination or publish_destination(section)
    source = NOTEBOOKS / f"{section}.ipynb"
    for folder in {destination.page.parent, destination.results.parent}:
        folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{section}-", dir=destination.page.parent))
    partial, staged = staging / destination.page.name, staging / f"{section}.json"
    injected = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}  # papermill writes tuples as str
    started = time.perf_counter()
    try:
        with kernel_environment(staging, destination.progress_log):
            papermill.execute_notebook(str(source), str(partial), parameters=injected, cwd=str(REPO_ROOT),
                                       kernel_name="python3", progress_bar=destination.progress_log is not None,
                                       execution_timeout=cell_timeout)
        record = stamp_results(staged, time.perf_counter() - started)
        nb = nbformat.read(partial, as_version=4)
        insert_after_title(nb, rerun_box(section, record, papermill.inspect_notebook(str(source)), values))
        nbformat.write(nb, partial)
        os.replace(staged, destination.results)
        os.replace(partial, destination.page)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination.page


@contextmanager
def kernel_environment(results: Path, progress_log: Path | None):
    """For the duration of a run, the kernel (which inherits this environment) writes its results into `results`
    and, when asked, the engine's progress bars into `progress_log`, which is shown here as it grows."""
    wanted = {RESULTS_ENV: str(results), progress.PROGRESS_ENV: str(progress_log) if progress_log else None}
    before = {name: os.environ.get(name) for name in wanted}
    set_environment(wanted)
    try:
        if progress_log is None:
            yield
        else:
            with progress.shown(progress_log):
                yield
    finally:
        set_environment(before)


def set_environment(values: dict[str, str | None]) -> None:
    """Set each variable, or remove it where the value is None."""
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def main(argv: list[str] | None = None) -> int:
    """Command line: run one section; a bad request prints the reason and exits 2 before any work."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section")
    parser.add_argument("assignments", nargs="*", metavar="key=value")
    parser.add_argument("--params", default="", help='parameters as one text, e.g. "sigma=(0.5, 2.0) seed=3"')
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--publish", action="store_true", help="write the book's page and results/ (make book)")
    where.add_argument("--output", type=Path, help="write the page here and its results to $NODEWISE_RESULTS")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--cell-timeout", type=int, help="seconds a cell may run before the run fails")
    args = parser.parse_args(argv)
    try:
        values = parse_assignments([*args.assignments, *split_assignments(args.params)])
        check_request(args.section, values)
        destination = publish_destination(args.section, args.output) if args.publish or args.output else \
            run_destination(args.section, values, args.quiet)
        announce(args.section, destination, values.get("profile", "default"))
        out = run_section(args.section, values, destination, args.cell_timeout)
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"executed {args.section} -> {out}\nits results: {destination.results}")
    return 0


def announce(section: str, destination: Destination, profile: str) -> None:
    """Say where the run goes, how long the last run of this profile took, and whether the same parameters ran
    before (their trained networks then come from the model cache)."""
    print(f"running {section} into {destination.page.parent}", file=sys.stderr)
    previous = last_wall_time(section, profile)
    print(f"the last {profile} run of {section} took {format_duration(previous)} of wall time" if previous else
          f"no earlier {profile} run of {section} is recorded; the training bars give ETAs as it runs",
          file=sys.stderr)
    if destination.progress_log is not None:
        same = earlier_runs(destination.page.parent)
        if same:
            print(f"same parameters as {same[-1]}: its trained networks are loaded from the model cache, "
                  "not trained again", file=sys.stderr)


def last_wall_time(section: str, profile: str) -> float | None:
    """The wall time of the newest recorded run of this section and profile (the book's results, runs/)."""
    book_results = Path(os.environ.get(RESULTS_ENV, REPO_ROOT / "results"))  # read only: never created here
    candidates = [book_results / f"{section}.json", *(RUNS / section).glob(f"*/{section}.json"),
                  *(REPO_ROOT / "results" / "reference").glob(f"{section}.json")]
    records = []
    for path in candidates:
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if record.get("profile") == profile and "wall_s" in record:
            records.append((path.stat().st_mtime, record["wall_s"]))
    return max(records)[1] if records else None


if __name__ == "__main__":
    sys.exit(main())
