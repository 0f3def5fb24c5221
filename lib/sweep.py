"""Parameter sweeps: the Cartesian product of a grid, each point a papermill run of one section, on Dask.

    python -m lib.sweep SECTION --grid "seed=0,1 sigma=0.5,1.0" [--params "profile=smoke"] [--measure KEY]

The cluster is a `LocalCluster` (one single-threaded worker process per core) unless $NODEWISE_SCHEDULER names
a running scheduler (`dask scheduler` plus `dask worker tcp://host:8786 --nthreads 1` on each machine, or
dask-jobqueue's SLURMCluster; put $NODEWISE_CACHE on a shared filesystem so workers share trained models).

A sweep lives in runs/<section>/sweep-<digest>/ (the digest of the section, the fixed parameters and the grid),
one folder per point. A point whose results exist (and read as a results record) is not run again, so a sweep
started again resumes; unreadable results (a killed write, a full disk) are set aside as <section>.json.unreadable
and the point runs again; a point that fails leaves error.txt and the others go on; a task of a lost worker is
run again on another. At the end the sweep writes sweep.csv and sweep.json (parameters × measured values × claim
verdicts) and sweep.png (a measured value against the first swept parameter). $NODEWISE_SCHEDULER, when set, must
be a scheduler address (tcp://host:8786); it is checked with the grid, before any task.
"""

import argparse
import hashlib
import itertools
import json
import os
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from tqdm import tqdm

from lib import runner
from lib.params import ParameterError, read_value, split_assignments
from lib.paths import REPO_ROOT

SCHEDULER_ENV = "NODEWISE_SCHEDULER"
SCHEDULER_ADDRESS = re.compile(r"(tcp|tls|ucx|ws|wss|inproc)://[^\s/]+")
TOP_LEVEL_COMMA = re.compile(r",(?![^()\[\]]*[)\]])")  # a comma outside brackets separates grid values


def parse_grid(text: str) -> dict[str, list[Any]]:
    """'seed=0,1 sigma=0.5,(1.0, 2.0)' -> {'seed': [0, 1], 'sigma': [0.5, (1.0, 2.0)]}."""
    grid = {}
    for pair in split_assignments(text):
        key, _, values = pair.partition("=")
        if key in grid:
            raise ParameterError(f"grid parameter {key!r} is given twice")
        grid[key] = [read_value(v) for v in TOP_LEVEL_COMMA.split(values) if v.strip()]
        if not grid[key]:
            raise ParameterError(f"grid parameter {key!r} has no values")
    if not grid:
        raise ParameterError("the grid is empty: write it as key=v1,v2 key2=w1,w2")
    return grid


def grid_points(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the first parameter varying slowest."""
    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def check_sweep(section: str, fixed: dict[str, Any], grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every point's full request, validated before any task is submitted; ParameterError naming the parameters."""
    clash = sorted(set(fixed) & set(grid))
    if clash:
        raise ParameterError(f"parameters {clash} are both fixed and swept; give each once")
    requests, found = [], []
    for point in grid_points(grid):
        request = {**fixed, **point}
        try:
            runner.check_request(section, request)
        except ParameterError as error:
            found.append(str(error).split("\n", 1)[-1].strip())
        requests.append(request)
    scheduler = os.environ.get(SCHEDULER_ENV)
    if scheduler is not None and not SCHEDULER_ADDRESS.fullmatch(scheduler):
        found.append(f"environment variable {SCHEDULER_ENV}: got {scheduler!r}, allowed: a scheduler address such "
                     "as tcp://host:8786 (unset: a LocalCluster on this machine)")
    if found:
        raise ParameterError(f"section {section!r} cannot sweep:\n  " + "\n  ".join(dict.fromkeys(found)))
    return requests


def sweep_folder(section: str, fixed: dict[str, Any], grid: dict[str, list[Any]], root: Path | None = None) -> Path:
    """runs/<section>/sweep-<digest>/: the same sweep always gets the same folder (what makes it resumable)."""
    text = json.dumps({"section": section, "fixed": fixed, "grid": grid}, sort_keys=True, default=str)
    return (root or runner.RUNS) / section / f"sweep-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def point_folder(sweep: Path, section: str, request: dict[str, Any], point: dict[str, Any]) -> Path:
    """<sweep>/<key=value,...>-<digest of the resolved parameters>/."""
    label = ",".join(f"{k}={v}" for k, v in point.items())
    label = re.sub(r"[^\w.=,+-]+", "", label)[:80]
    return sweep / f"{label}-{runner.parameter_digest(section, request)}"


@dataclass(frozen=True)
class Outcome:
    """What became of one point: done, resumed (its results were there already) or failed (with the error)."""

    folder: str
    status: str
    error: str = ""


def read_record(path: Path) -> dict | None:
    """The results record at `path`, or None when it is missing or does not read as a JSON object."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def execute_point(section: str, request: dict[str, Any], folder: str, threads: int) -> Outcome:
    """Run one point on a worker (or skip it if its results exist and read); an error is recorded, never raised."""
    path = Path(folder)
    results = path / f"{section}.json"
    if read_record(results) is not None:
        return Outcome(folder, "resumed")
    if results.exists():  # unreadable: set aside (not deleted) and run the point again
        results.replace(results.with_name(results.name + ".unreadable"))
    os.environ["NODEWISE_THREADS"] = str(threads)  # the kernel inherits it: one core's worth per worker
    path.mkdir(parents=True, exist_ok=True)
    (path / "error.txt").unlink(missing_ok=True)
    try:
        runner.run_section(section, request, runner.Destination(path / f"{section}.ipynb", results))
    except Exception as error:  # any failure of this point is recorded; the sweep goes on with the others
        (path / "error.txt").write_text(f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}")
        return Outcome(folder, "failed", f"{type(error).__name__}: {str(error)[:300]}")
    return Outcome(folder, "done")


def connect(workers: int | None = None):
    """A Dask client: to $NODEWISE_SCHEDULER if set, else to a new LocalCluster of single-threaded processes."""
    from distributed import Client, LocalCluster

    address = os.environ.get(SCHEDULER_ENV)
    if address:
        return Client(address)
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address="127.0.0.1:0")
    return Client(cluster)


def run_sweep(section: str, grid: dict[str, list[Any]], fixed: dict[str, Any] | None = None,
              measure: str | None = None, client=None, root: Path | None = None) -> pd.DataFrame:
    """Validate every point, run the missing ones on Dask, then write and return the sweep table."""
    fixed = dict(fixed or {})
    requests = check_sweep(section, fixed, grid)
    sweep = sweep_folder(section, fixed, grid, root)
    sweep.mkdir(parents=True, exist_ok=True)
    (sweep / "sweep_request.json").write_text(json.dumps({"section": section, "fixed": fixed, "grid": grid},
                                                         indent=2, default=str) + "\n")
    points = grid_points(grid)
    folders = [point_folder(sweep, section, request, point) for request, point in zip(requests, points)]
    own_client = client is None
    client = client or connect()
    try:
        outcomes = submit_all(client, section, requests, folders)
    finally:
        if own_client:
            client.close()
            if client.cluster is not None:
                client.cluster.close()
    table = sweep_table(section, points, folders, outcomes)
    write_table(table, sweep, measure or default_measure(table, grid), list(grid))
    return table


def submit_all(client, section: str, requests: list[dict], folders: list[Path]) -> list[Outcome]:
    """Submit one task per point (retried elsewhere if its worker is lost) and wait with a progress bar."""
    from distributed import as_completed

    workers = max(1, len(client.scheduler_info().get("workers", {})))
    threads = max(1, (os.cpu_count() or 1) // workers)
    link = getattr(client, "dashboard_link", None)
    print(f"sweep of {len(requests)} runs of {section} on {workers} Dask workers"
          + (f"; dashboard: {link}" if link else ""), file=sys.stderr)
    futures = {client.submit(execute_point, section, request, str(folder), threads, pure=False, retries=2): i
               for i, (request, folder) in enumerate(zip(requests, folders))}
    outcomes: list[Outcome | None] = [None] * len(requests)
    with tqdm(total=len(futures), desc=f"sweep {section}", unit="run", file=sys.stderr) as bar:
        for future in as_completed(futures):
            outcomes[futures[future]] = future.result()
            bar.update(1)
    return outcomes


def sweep_table(section: str, points: list[dict], folders: list[Path], outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per point: its parameters, status, every scalar measured value and every claim's verdict."""
    rows = []
    for point, folder, outcome in zip(points, folders, outcomes):
        row = {**{k: str(v) if isinstance(v, list | tuple) else v for k, v in point.items()},
               "status": outcome.status, "run": str(folder.relative_to(REPO_ROOT) if folder.is_relative_to(REPO_ROOT)
                                                   else folder), "error": outcome.error}
        record = read_record(folder / f"{section}.json")
        if record is not None:
            measured = record.get("measured")
            row.update({k: v for k, v in (measured if isinstance(measured, dict) else {}).items()
                        if isinstance(v, int | float) and not isinstance(v, bool)})
            claims = record.get("claims")
            row.update({f"verdict {c['id']}": c["verdict"] for c in (claims if isinstance(claims, list) else [])
                        if isinstance(c, dict) and "id" in c and "verdict" in c})
            row["wall_s"] = record.get("wall_s")
        elif outcome.status != "failed":
            row.update(status="failed", error=f"{folder / f'{section}.json'} is missing or unreadable")
        rows.append(row)
    return pd.DataFrame(rows)


def default_measure(table: pd.DataFrame, grid: dict[str, list]) -> str | None:
    """The first measured number of the table when none was asked for."""
    skip = {*grid, "status", "run", "error", "wall_s"}
    numeric = [c for c in table.columns if c not in skip and not c.startswith("verdict ")
               and pd.api.types.is_numeric_dtype(table[c])]
    return numeric[0] if numeric else None


def write_table(table: pd.DataFrame, sweep: Path, measure: str | None, swept: list[str]) -> None:
    """sweep.csv, sweep.json and, when a measure exists, sweep.png: the measure against the first swept
    parameter, one line per combination of the others."""
    table.to_csv(sweep / "sweep.csv", index=False)
    (sweep / "sweep.json").write_text(table.to_json(orient="records", indent=2) + "\n")
    if measure is None or measure not in table:
        return
    x, others = swept[0], swept[1:]
    fig = Figure(figsize=(6.0, 3.8))  # no pyplot: workers and servers have no display
    ax = fig.subplots()
    groups = table.groupby(others, sort=False) if others else [((), table)]
    for key, rows in groups:
        label = ", ".join(f"{k}={v}" for k, v in zip(others, key if isinstance(key, tuple) else (key,)))
        ax.plot(rows[x].astype(str), rows[measure], marker="o", label=label or None)
    ax.set(xlabel=x, ylabel=measure, title=f"{measure} over the sweep")
    if others:
        ax.legend(fontsize="small")
    fig.savefig(sweep / "sweep.png", dpi=120, bbox_inches="tight")


def main(argv: list[str] | None = None) -> int:
    """Command line: a bad grid or parameter prints the reason and exits 2 before any task is submitted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section")
    parser.add_argument("--grid", required=True, help='swept values, e.g. "seed=0,1 sigma=0.5,1.0"')
    parser.add_argument("--params", default="", help='fixed values, e.g. "profile=smoke"')
    parser.add_argument("--measure", help="the measured value to draw against the first swept parameter")
    args = parser.parse_args(argv)
    try:
        fixed = runner.parse_assignments(split_assignments(args.params))
        grid = parse_grid(args.grid)
        check_sweep(args.section, fixed, grid)
    except ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        table = run_sweep(args.section, grid, fixed, args.measure)
    except KeyboardInterrupt:
        print("interrupted: the sweep stopped; start it again to resume (finished points are not run again)",
              file=sys.stderr)
        return 130
    except OSError as err:
        print(f"error: the sweep could not write its folder or table ({err}); make runs/ writable or free space, "
              "then start it again to resume", file=sys.stderr)
        return 1
    sweep = sweep_folder(args.section, fixed, grid)
    print(table.drop(columns=["run", "error"]).to_string(index=False))
    print(f"sweep table: {sweep / 'sweep.csv'} (and sweep.json, sweep.png)")
    return 1 if (table["status"] == "failed").any() else 0


if __name__ == "__main__":
    sys.exit(main())
