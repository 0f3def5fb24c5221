"""Execute a section notebook with papermill, refusing bad parameters before the kernel starts.

    python -m lib.runner SECTION [key=value ...] [--params "k=v k2=v2"] [--publish | --output PATH] [--quiet]

A run lands in its own folder, runs/<section>/<run-id>/ (the executed notebook, its results JSON and the
progress log), with run-id = time + a short hash of the resolved parameters; only `--publish` (what `make book`
uses) writes the book's page book/<section>.ipynb and results/<section>.json. Papermill only warns about a
parameter the notebook does not declare, so the names are checked against `papermill.inspect_notebook` and the
values against the study's parameters and cross-parameter rules first (and the project's environment variables);
the run starts only when all agree.

Nothing is lost: a run folder is claimed atomically (two runs in the same second get two folders); the kernel
stages its page beside the page's destination and its results beside the results' (renames never cross a
filesystem), both checked writable before the kernel starts; a run that fails, or that the book cannot take, keeps
what it made under runs/ and says where, in one message; Ctrl-C ends in one line; staging folders of killed runs
are removed by the next run.
"""

import argparse
import hashlib
import json
import math
import os
import shutil
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill

from lib import checkpoint, progress
from lib.book import format_duration, insert_after_title, rerun_box
from lib.params import ParameterError, read_value, split_assignments
from lib.paths import (
    CACHE_ENV,
    REPO_ROOT,
    RESULTS_ENV,
    SettingError,
    claim_folder,
    results_dir,
    timestamp,
    usable_folder,
)
from lib.results import to_json, write_json_atomic
from lib.studies import SECTIONS, problems, resolve

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
    found += environment_problems()
    if found:
        raise ParameterError(f"section {section!r} cannot run:\n  " + "\n  ".join(found))


THREADS_ENV = "NODEWISE_THREADS"  # read by lib.train.set_threads in the kernel
GRAPH_ENV = "NODEWISE_CUDA_GRAPH"  # read by lib.train.graph_from_environment
WORKERS_ENV = "NODEWISE_WORKERS"  # read by lib.parallel.workers


def environment_problems() -> list[str]:
    """The project's environment variables checked like parameters, before any work: one line per problem."""
    found = [usable_folder(CACHE_ENV, REPO_ROOT / ".cache"), usable_folder(RESULTS_ENV, REPO_ROOT / "results")]
    threads = os.environ.get(THREADS_ENV)
    if threads is not None and not (threads.strip().isdigit() and int(threads) >= 1):
        found.append(f"environment variable {THREADS_ENV}: got {threads!r}, allowed: an integer >= 1 (torch "
                     "threads per run; unset: every core this process may use)")
    workers = os.environ.get(WORKERS_ENV)
    if workers and not (workers.strip().isdigit() and int(workers) >= 1):
        found.append(f"environment variable {WORKERS_ENV}: got {workers!r}, allowed: an integer >= 1 (processes "
                     "for independent training calls; unset: one per core, or one when NODEWISE_THREADS is set)")
    if os.environ.get(GRAPH_ENV, "0") not in ("0", "1"):
        found.append(f"environment variable {GRAPH_ENV}: got {os.environ[GRAPH_ENV]!r}, allowed: 1 or 0 "
                     "(unset: 0)")
    try:
        checkpoint.interval_s()
    except SettingError as error:
        found.append(str(error))
    return [line for line in found if line]


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


def run_name(section: str, values: dict[str, Any]) -> str:
    """<YYYYmmdd-HHMMSS>-<digest>: readable, sortable, the same digest for the same resolved parameters."""
    return f"{timestamp()}-{parameter_digest(section, values)}"


def run_folder(section: str, values: dict[str, Any], root: Path | None = None) -> Path:
    """runs/<section>/<YYYYmmdd-HHMMSS>-<digest>/ (a name for a run; claim_folder makes it unique on creation)."""
    return (root or RUNS) / section / run_name(section, values)


def earlier_runs(folder: Path) -> list[Path]:
    """Finished runs of the same section with the same parameters (same digest) as `folder`."""
    digest = folder.name.rsplit("-", 1)[-1]
    return sorted(p for p in folder.parent.glob(f"*-{digest}")
                  if p != folder and (p / f"{folder.parent.name}.json").exists())


def run_destination(section: str, values: dict[str, Any], quiet: bool = False) -> Destination:
    """A new folder under runs/ for this run, created here: two runs started in the same second get two folders
    (the second's time gets a -2); RunError if runs/ cannot be written."""
    try:
        folder = claim_folder(RUNS / section, run_name(section, values))
    except OSError as error:
        raise RunError(f"cannot create a run folder in {RUNS / section} ({error.strerror or error}); make it "
                       "writable (or free space); nothing was run") from None
    return Destination(folder / f"{section}.ipynb", folder / f"{section}.json",
                       None if quiet else folder / "progress.log")


def publish_destination(section: str, output: Path | None = None, progress_log: Path | None = None) -> Destination:
    """The book's page (book/<section>.ipynb, or `output`) and results/<section>.json (or $NODEWISE_RESULTS)."""
    return Destination(Path(output) if output else BOOK / f"{section}.ipynb", results_dir() / f"{section}.json",
                       progress_log)


class RunError(RuntimeError):
    """A run that could not start or finish; the message says why, what to do, and where its outputs were kept."""


@dataclass(frozen=True)
class Stage:
    """A run's staging folders: one beside the page and one beside the results (the same folder when they share
    one), so that the final renames never cross a filesystem."""

    page_dir: Path
    results_dir: Path

    def page(self, destination: Destination) -> Path:
        """Where the kernel's executed notebook is staged."""
        return self.page_dir / destination.page.name

    def results(self, section: str) -> Path:
        """Where the kernel writes its results (its $NODEWISE_RESULTS)."""
        return self.results_dir / f"{section}.json"

    def remove(self) -> None:
        """Delete both staging folders."""
        for folder in {self.page_dir, self.results_dir}:
            shutil.rmtree(folder, ignore_errors=True)


OWNER = ".owner"  # in a staging folder: "<host> <pid>" of the run that stages there


def open_stage(section: str, destination: Destination) -> Stage:
    """Staging folders beside the page and the results (stale ones of killed runs removed first); RunError naming
    the folder that cannot be written, before any work."""
    folders = []
    for parent in dict.fromkeys([destination.page.parent, destination.results.parent]):
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale_stages(parent, section)
            folder = Path(tempfile.mkdtemp(prefix=f".{section}-", dir=parent))
            (folder / OWNER).write_text(f"{socket.gethostname()} {os.getpid()}\n")
        except OSError as error:
            for made in folders:
                shutil.rmtree(made, ignore_errors=True)
            raise RunError(f"cannot write into {parent} ({error.strerror or error}); make it writable (or free "
                           "space), or choose another destination; nothing was run") from None
        folders.append(folder)
    return Stage(folders[0], folders[-1])


def remove_stale_stages(parent: Path, section: str) -> list[Path]:
    """Remove the staging folders of this section in `parent` whose run is gone (its process no longer exists on
    this host; without an owner record, older than a day); return them."""
    stale = [folder for folder in parent.glob(f".{section}-*") if folder.is_dir() and not stage_alive(folder)]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def stage_alive(folder: Path) -> bool:
    """Whether the run that stages in `folder` may still be running."""
    try:
        host, pid = (folder / OWNER).read_text().split()
    except (OSError, ValueError):
        return time.time() - folder.stat().st_mtime < 86400
    if host != socket.gethostname():
        return True  # another machine's run (a shared filesystem): never ours to remove
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def run_section(section: str, values: dict[str, Any], destination: Destination | None = None,
                cell_timeout: int | None = None) -> Path:
    """Validate, then execute notebooks/<section>.ipynb into destination.page (default: the book's page) and open
    it with the re-run box; a cell running longer than `cell_timeout` seconds fails the run (None: no limit, as
    `paper` runs may take hours). The notebook writes its results into a staging folder beside the destination;
    the page and its results are put in place together, only once the run has finished. A run that cannot be put
    in place, or whose cell failed, keeps what it made under runs/ and raises RunError saying where."""
    check_request(section, values)
    destination = destination or publish_destination(section)
    stage = open_stage(section, destination)
    try:
        execute(section, values, stage, destination, cell_timeout)
        put_in_place(section, stage, destination)
    except papermill.PapermillExecutionError as error:
        kept = keep(section, values, destination, {stage.page(destination): f"{section}.failed.ipynb"})
        raise RunError(f"section {section!r} failed in cell {error.exec_count}: {error.ename}: "
                       f"{str(error.evalue)[:500]}\n  the executed notebook with the traceback: {kept}") from None
    except OSError as error:
        kept = keep(section, values, destination, {stage.page(destination): destination.page.name,
                                                   stage.results(section): destination.results.name})
        raise RunError(f"section {section!r} could not write its outputs ({error.strerror or error}: "
                       f"{error.filename or destination.page.parent}); "
                       + (f"what it made is kept in {kept}" if kept else "nothing was kept")) from None
    except (ParameterError, RunError):
        raise
    except Exception as error:  # a dead kernel, a cell timeout: the same one message, the notebook kept
        kept = keep(section, values, destination, {stage.page(destination): f"{section}.failed.ipynb"})
        raise RunError(f"section {section!r} failed: {type(error).__name__}: {str(error)[:500]}"
                       + (f"\n  the notebook as far as it ran: {kept}" if kept else "")) from None
    finally:
        stage.remove()
    return destination.page


def execute(section: str, values: dict[str, Any], stage: Stage, destination: Destination,
            cell_timeout: int | None) -> dict:
    """Run the notebook into the stage, stamp its results and open the page with the re-run box; the record."""
    source = NOTEBOOKS / f"{section}.ipynb"
    partial = stage.page(destination)
    injected = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}  # papermill writes tuples as str
    started = time.perf_counter()
    with kernel_environment(stage.results_dir, destination.progress_log):
        papermill.execute_notebook(str(source), str(partial), parameters=injected, cwd=str(REPO_ROOT),
                                   kernel_name="python3", progress_bar=destination.progress_log is not None,
                                   execution_timeout=cell_timeout)
    record = stamp_results(stage.results(section), time.perf_counter() - started)
    nb = nbformat.read(partial, as_version=4)
    insert_after_title(nb, rerun_box(section, record, papermill.inspect_notebook(str(source)), values))
    nbformat.write(nb, partial)
    return record


def put_in_place(section: str, stage: Stage, destination: Destination) -> None:
    """Rename the staged results, then the staged page, over the destination's (each beside its destination: never
    crosses a filesystem). If the page cannot follow, the previous results go back, so that the book never shows a
    page with another run's results, and the new ones stay staged (to be kept)."""
    staged, previous = stage.results(section), stage.results_dir / f"previous-{section}.json"
    if destination.results.exists():
        try:
            os.link(destination.results, previous)
        except OSError:  # a filesystem without hard links
            shutil.copy2(destination.results, previous)
    os.replace(staged, destination.results)
    try:
        os.replace(stage.page(destination), destination.page)
    except OSError:
        shutil.copy2(destination.results, staged)
        if previous.exists():
            os.replace(previous, destination.results)
        else:
            destination.results.unlink(missing_ok=True)
        raise


def keep(section: str, values: dict[str, Any], destination: Destination, files: dict[Path, str]) -> Path | None:
    """Move the staged files that exist into the run's folder (a runs/ destination) or a new runs/ folder, under
    the given names; the folder, or None when nothing could be kept."""
    present = {source: name for source, name in files.items() if source.exists()}
    if not present:
        return None
    inside_runs = destination.page.parent.resolve().is_relative_to(RUNS.resolve())
    try:
        folder = destination.page.parent if inside_runs else claim_folder(RUNS / section, run_name(section, values))
        for source, name in present.items():
            shutil.move(source, folder / name)
    except OSError:
        return None
    return folder


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
    """Command line: run one section; a bad request prints the reason and exits 2 before any work, a run that
    fails prints one message (exit 1), an interrupted one a line (exit 130)."""
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
    except (ParameterError, SettingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (RunError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted: {args.section} stopped; the book is as it was, and a new run of the same parameters "
              "continues from the model cache and its checkpoints", file=sys.stderr)
        return 130
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
        except (OSError, ValueError):  # unreadable, or not JSON: not a record to learn from
            continue
        wall = record.get("wall_s") if isinstance(record, dict) and record.get("profile") == profile else None
        if isinstance(wall, int | float) and not isinstance(wall, bool) and math.isfinite(wall) and wall >= 0:
            records.append((path.stat().st_mtime, wall))
    return max(records)[1] if records else None


if __name__ == "__main__":
    sys.exit(main())
