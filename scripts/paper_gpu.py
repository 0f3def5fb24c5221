"""One step of the papers' scale on a GPU: the `paper` profile of every section without a fresh reference run.

    python -m scripts.paper_gpu [--budget-s 540] [--out DIR] [--sections a,b] [--workers N]   # on the device
    python -m scripts.paper_gpu --unpack DIR                                                 # here, afterwards

A step runs the sections whose reference (results/reference/<section>.json, lib.reference) is missing or stale, in
the order that commits the most claims first: claims of the study's ledger per projected hour of its `paper`
profile (benchmarks/paper_workloads-cuda.json when measured, else benchmarks/paper_workloads.json). Each section
is `python -m lib.runner SECTION --params "profile=paper"` in a child process, with CUDA graphs on where torch sees
a GPU and checkpoints every 20 s. The whole step ends inside `--budget-s` (default 540 s, so that it fits a
9-minute device command): a section still running when its share of the budget is spent is killed with every
process it started (the kernel, its workers) and reported `partial`, never cut short and published; its finished
networks stay in the model cache and the call in training in its checkpoint, so the next step continues it. A
finished section becomes results/reference/<section>.json (lib.reference.make_reference; the commit comes from
`--commit` or .gpu/commit, written by scripts/prepare_gpu.py, since the device's copy has no .git).

At the end it prints a table (section, claims, status done / partial / failed / not started, wall time, verdict
counts) and packs into `--out` (default $OUT, else runs/gpu/<time>/) at most 8 files of at most 16 MiB, 64 MiB
together, which is what the device tool brings back:

    paper_gpu.tar.gz       the new references, the step's log, summary.json (the table, the packing manifest),
                           each finished run's results JSON, progress log and executed notebook (while they fit)
    models.tar.000, ...    the model-cache files this machine wrote and has not sent before (networks and
                           checkpoints), as one tar stream cut into parts, sections with the fewest bytes first;
                           what does not fit is listed in summary.json as left on the device

First it copies into the model cache what was carried in .gpu/cache/ and the cache lacks (the data, the networks of
earlier steps). `--unpack DIR` (here) checks the parts' SHA-256, puts the references into results/reference/, the
networks into .cache/gpu-store/ (scripts/prepare_gpu.py carries them to the next GPU session, so that it resumes)
and the log and run files into runs/gpu/<time>/. A profile
other than `paper` (`--profile smoke`, for the tests) runs the same code but never writes results/reference/.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lib.paths import CACHE_ENV, REPO_ROOT, cache_dir, timestamp

STARTED = time.monotonic()  # the budget counts from here: imports (torch, the studies) are part of the step

DEFAULT_BUDGET_S = 540.0  # a 9-minute device command (the tool allows 10), pip install and start-up included
PACK_RESERVE_S = 25.0  # kept back from the sections for killing, the references and the packing
MIN_START_S = 30.0  # a section is not started with less left (its kernel alone takes seconds)
CHECKPOINT_S = "20"  # NODEWISE_CHECKPOINT_S for the runs: a killed call loses at most ~20 s of training
MAX_FILES = 8
MAX_FILE_BYTES = 16 * 2**20
MAX_TOTAL_BYTES = 64 * 2**20
SAFETY_BYTES = 64 * 1024  # kept free under each limit
REFERENCE_DIR = REPO_ROOT / "results" / "reference"
RUNS_DIR = REPO_ROOT / "runs"
CARRIED = REPO_ROOT / ".gpu" / "cache"  # staged by scripts/prepare_gpu.py, carried to the device: data, networks
STORE = REPO_ROOT / ".cache" / "gpu-store"  # here: every GPU network brought back (prepare_gpu carries what fits)
STORE_INDEX = "index.json"  # in STORE: file name → the section that wrote it
COMMIT_FILE = REPO_ROOT / ".gpu" / "commit"
SENT = ".paper_gpu_sent.json"  # in the model cache folder: the files already packed by an earlier step
KEPT = "paper_gpu-references"  # in the cache folder: the references this machine wrote (a later step's tree may
# come without them: the device tool copies this checkout's results/reference/ again at each call)
WORKLOADS = (REPO_ROOT / "benchmarks" / "paper_workloads-cuda.json", REPO_ROOT / "benchmarks" / "paper_workloads.json")
DEFAULT_HOURS = 0.05  # a section the workloads do not list (data: it trains nothing)
RESULTS_LINE = "its results: "  # what lib.runner prints last, with the results JSON's path
INTERRUPTED = "interrupted (Ctrl-C or SIGTERM); its networks and checkpoints resume it in the next step"

# The runner in a child process, with its runs/ folder given (lib.runner.RUNS is read at call time).
RUNNER = ("import pathlib, sys; import lib.runner as r; r.RUNS = pathlib.Path(sys.argv[1]); "
          "sys.exit(r.main(sys.argv[2:]))")


@dataclass
class Outcome:
    """What a step did with one section."""

    section: str
    claims: int
    priority: float  # claims per projected hour
    status: str = "not started"  # done | partial | failed | not started
    wall_s: float = 0.0
    run: str | None = None  # the run folder (runs/<section>/<id>/)
    verdicts: dict[str, int] = field(default_factory=dict)
    note: str = ""
    started: float = 0.0  # time.time() at start and end, to tell which cache files the section wrote
    ended: float = 0.0


# ---------------------------------------------------------------------------------------------------------------
# Which sections, in which order
# ---------------------------------------------------------------------------------------------------------------


def stale(record: dict, profile: str) -> bool:
    """Whether a reference record no longer stands for the current profile: lib.reference's rule for `paper`, the
    same comparison of parameters for another profile (the tests)."""
    from lib import reference
    from lib.results import to_json
    from lib.studies import resolve

    if profile == "paper":
        return reference.is_stale(record)
    return record.get("parameters") != to_json(resolve(record["section"], profile))


def pending(sections: Sequence[str], reference_dir: Path, profile: str) -> list[str]:
    """The sections whose reference record in `reference_dir` is missing, unreadable or stale."""
    out = []
    for section in sections:
        path = reference_dir / f"{section}.json"
        try:
            record = json.loads(path.read_text())
            fresh = not stale(record, profile)
        except (OSError, ValueError, KeyError, TypeError):
            fresh = False
        if not fresh:
            out.append(section)
    return out


def projected_hours(paths: Sequence[Path] = WORKLOADS) -> dict[str, float]:
    """Section → projected hours of its `paper` engine calls at the epoch caps, from the first workloads file that
    exists (the GPU's when measured)."""
    for path in paths:
        try:
            sections = json.loads(path.read_text())["sections"]
        except (OSError, ValueError, KeyError):
            continue
        return {name: float(row["hours_at_cap"]) for name, row in sections.items()}
    return {}


def claim_count(section: str) -> int:
    """The claims of a section's ledger (every role)."""
    from lib.studies import study

    return len(study(section).claims)


def ordered(sections: Sequence[str], claims: dict[str, int], hours: dict[str, float]) -> list[str]:
    """Most claims per projected hour first (ties: more claims first, then the book's order)."""
    def key(section):
        return (-claims[section] / max(hours.get(section, DEFAULT_HOURS), 1e-9), -claims[section],
                sections.index(section))
    return sorted(sections, key=key)


# ---------------------------------------------------------------------------------------------------------------
# Running one section under a deadline
# ---------------------------------------------------------------------------------------------------------------


def process_tree(pid: int) -> list:
    """The process and every descendant (a kernel in its own session too), as psutil processes."""
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def kill_tree(pid: int) -> int:
    """Stop the process and all it started: freeze the tree until no new process appears (so none escapes by being
    re-parented), then kill every one. Returns how many were killed."""
    import psutil

    frozen = {}
    while True:
        new = [p for p in process_tree(pid) if p.pid not in frozen]
        if not new:
            break
        for proc in new:
            try:
                proc.suspend()
            except psutil.NoSuchProcess:
                continue
            frozen[proc.pid] = proc
    for proc in frozen.values():
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(list(frozen.values()), timeout=10)
    return len(frozen)


class Echo:
    """Copies a child's output into the log file and, readably, onto our stdout: whole lines always, the
    carriage-return updates of progress bars at most every `every_s` seconds."""

    def __init__(self, log, every_s: float = 30.0):
        self.log, self.every_s, self.last, self.lines = log, every_s, 0.0, []

    def feed(self, stream) -> None:
        buffer = ""
        for chunk in iter(lambda: stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536), b""):
            text = chunk.decode("utf-8", errors="replace")
            self.log.write(text)
            self.log.flush()
            buffer += text
            *lines, buffer = buffer.replace("\r\n", "\n").split("\n")
            for line in lines:
                self.show(line.split("\r")[-1], always=True)
            segments = buffer.split("\r")
            buffer = segments[-1]
            if len(segments) > 1:
                self.show(segments[-2], always=False)  # the last complete bar
        if buffer:
            self.show(buffer, always=True)

    def show(self, line: str, always: bool) -> None:
        if not line.strip():
            return
        self.lines = (self.lines + [line.strip()])[-20:]  # the last lines, progress bars too
        now = time.monotonic()
        if always or now - self.last >= self.every_s:
            self.last = now
            print(line, flush=True)


def runner_command(section: str, profile: str, runs_dir: Path) -> list[str]:
    """lib.runner for one section and profile, writing its run under `runs_dir`."""
    return [sys.executable, "-c", RUNNER, str(runs_dir), section, "--params", f"profile={profile}"]


def child_environment(cuda_graph: bool, workers: int | None) -> dict[str, str]:
    """The runs' environment: unbuffered output, the repository importable by the kernel, checkpoints every 20 s
    (unless set), CUDA graphs where asked, and the worker count where given."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env.setdefault("NODEWISE_CHECKPOINT_S", CHECKPOINT_S)
    env["NODEWISE_CUDA_GRAPH"] = "1" if cuda_graph else "0"
    if workers:
        env["NODEWISE_WORKERS"] = str(workers)
    return env


def run_until(command: list[str], env: dict[str, str], deadline: float, log) -> tuple[int | None, list[str]]:
    """Run a command (cwd: the repository) until it ends or time.monotonic() reaches `deadline`; then kill it with
    everything it started. Returns (exit status, or None when killed; its last lines)."""
    proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    echo = Echo(log)
    reader = threading.Thread(target=echo.feed, args=(proc.stdout,), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
        proc.wait()
        reader.join(timeout=5)
        return None, echo.lines
    except KeyboardInterrupt:
        kill_tree(proc.pid)
        raise
    reader.join(timeout=30)
    return proc.returncode, echo.lines


def results_path(lines: Sequence[str]) -> Path | None:
    """The results JSON the runner names on its last line."""
    for line in reversed(lines):
        if line.startswith(RESULTS_LINE):
            return Path(line[len(RESULTS_LINE):].strip())
    return None


SectionRunner = Callable[[str, str, float, object], tuple[int | None, list[str]]]


def make_runner(runs_dir: Path, env: dict[str, str]) -> SectionRunner:
    """(section, profile, deadline, log) → (exit status or None when killed, last lines): lib.runner in a child."""
    return lambda section, profile, deadline, log: run_until(runner_command(section, profile, runs_dir), env,
                                                             deadline, log)


# ---------------------------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------------------------


def reference_record(results: Path, profile: str, commit: str | None) -> dict:
    """A finished run as a reference record (lib.reference.make_reference for `paper`; the same fields for a test
    profile), with the prepared commit where the device's copy has no git."""
    from lib import reference

    if profile == "paper":
        record = reference.make_reference(results)
    else:
        record = json.loads(results.read_text())
        record["reference"] = {"commit": reference.git_commit(), "device": record.get("environment", {}).get(
            "device", "?"), "date": time.strftime("%Y-%m-%d", time.gmtime()), "wall_s": record.get("wall_s")}
    if commit and record["reference"]["commit"] == "unknown":
        record["reference"]["commit"] = commit
    return record


def verdict_counts(record: dict) -> dict[str, int]:
    """Verdict → number of claims, judged by today's claims and rule (lib.reference.rejudge)."""
    from lib.reference import rejudge

    counts: dict[str, int] = {}
    for claim in rejudge(record):
        counts[claim["verdict"]] = counts.get(claim["verdict"], 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


# ---------------------------------------------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------------------------------------------


def model_files(cache: Path) -> dict[str, tuple[int, int]]:
    """Name → (size, mtime_ns) of the model cache's files (networks and checkpoints; no temporary files)."""
    folder = cache / "models"
    if not folder.is_dir():
        return {}
    out = {}
    for path in folder.iterdir():
        if path.is_file() and not path.name.startswith(".") and not path.name.endswith(".tmp"):
            stat = path.stat()
            out[path.name] = (stat.st_size, stat.st_mtime_ns)
    return out


def progress(cache: Path, since: float) -> str:
    """How far a section got: the networks and the checkpoints written since `since` (time.time())."""
    fresh = [name for name, (_, mtime_ns) in model_files(cache).items() if mtime_ns / 1e9 >= since - 0.01]
    checkpoints = sum(name.endswith(".partial") for name in fresh)
    return f"{len(fresh) - checkpoints} networks cached and {checkpoints} training calls checkpointed"


def step(sections: Sequence[str], profile: str, budget_s: float, runner: SectionRunner, log,
         reference_dir: Path, commit: str | None, claims: dict[str, int], hours: dict[str, float],
         reserve_s: float = PACK_RESERVE_S, min_start_s: float = MIN_START_S, cache: Path | None = None
         ) -> list[Outcome]:
    """Run the pending sections in priority order inside the budget; write the references of those that finish."""
    start, cache = time.monotonic(), cache or cache_dir()
    deadline = start + budget_s - reserve_s
    todo = ordered(pending(sections, reference_dir, profile), claims, hours)
    outcomes = [Outcome(s, claims[s], claims[s] / max(hours.get(s, DEFAULT_HOURS), 1e-9)) for s in todo]
    for outcome in outcomes:
        left = deadline - time.monotonic()
        if left < min_start_s:
            outcome.note = f"{max(left, 0):.0f} s of the budget left; runs first in the next step"
            continue
        print(f"\n=== {outcome.section}: {outcome.claims} claims, {left:.0f} s left in this step ===", flush=True)
        log.write(f"\n=== {outcome.section} ({profile}) ===\n")
        outcome.started, began = time.time(), time.monotonic()
        try:
            status, lines = runner(outcome.section, profile, deadline, log)
        except KeyboardInterrupt:
            outcome.wall_s, outcome.ended = time.monotonic() - began, time.time()
            outcome.status, outcome.note = "partial", INTERRUPTED
            break
        outcome.wall_s, outcome.ended = time.monotonic() - began, time.time()
        results = results_path(lines)
        outcome.run = str(results.parent) if results else None
        if status is None:
            outcome.status = "partial"
            outcome.note = (f"stopped at the budget with {progress(cache, outcome.started)}; they resume it in the "
                            f"next step; last output: {lines[-1][-160:] if lines else '-'}")
        elif status != 0 or results is None or not results.exists():
            outcome.status = "failed"
            outcome.note = f"exit {status}: " + " | ".join(lines[-3:])[-400:]
        else:
            try:
                record = reference_record(results, profile, commit)
            except (OSError, ValueError, KeyError) as error:
                outcome.status, outcome.note = "failed", f"no reference: {error}"
                continue
            from lib.results import write_json_atomic

            for folder in (reference_dir, cache / KEPT):
                folder.mkdir(parents=True, exist_ok=True)
                write_json_atomic(folder / f"{outcome.section}.json", record)
            outcome.status, outcome.verdicts = "done", verdict_counts(record)
            outcome.note = f"reference written ({record['reference']['device']})"
    return outcomes


def table(outcomes: Sequence[Outcome]) -> str:
    """The step's table, one row per pending section."""
    rows = [("section", "claims", "claims/h", "status", "wall", "verdicts", "note")]
    for o in outcomes:
        verdicts = ", ".join(f"{n} {v}" for v, n in o.verdicts.items()) or "-"
        rows.append((o.section, str(o.claims), f"{o.priority:.1f}", o.status,
                     f"{o.wall_s:.0f} s" if o.wall_s else "-", verdicts, o.note))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows)


# ---------------------------------------------------------------------------------------------------------------
# Packing what comes back
# ---------------------------------------------------------------------------------------------------------------


class PartWriter(io.RawIOBase):
    """A write-only stream cut into files <stem>.000, .001, ... of at most `part_bytes` each."""

    def __init__(self, folder: Path, stem: str, part_bytes: int):
        self.folder, self.stem, self.part_bytes = folder, stem, part_bytes
        self.paths: list[Path] = []
        self.handle, self.filled = None, 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        written = 0
        while written < len(view):
            if self.handle is None or self.filled == self.part_bytes:
                self._next()
            n = min(len(view) - written, self.part_bytes - self.filled)
            self.handle.write(view[written:written + n])
            self.filled += n
            written += n
        return written

    def _next(self) -> None:
        if self.handle is not None:
            self.handle.close()
        path = self.folder / f"{self.stem}.{len(self.paths):03d}"
        self.paths.append(path)
        self.handle, self.filled = open(path, "wb"), 0

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        super().close()


def tar_bytes(size: int) -> int:
    """Bytes one regular file takes in a tar stream: a 512-byte header and the data padded to 512."""
    return 512 + -(-size // 512) * 512


def to_send(cache: Path, outcomes: Sequence[Outcome]) -> list[tuple[str, str, int]]:
    """The model-cache files not sent before, as (name, section or '', size), sections with the fewest bytes first
    (files written by no section of this step, e.g. left over from an earlier step, before them)."""
    sent = read_sent(cache)
    files = {name: stat for name, stat in model_files(cache).items() if sent.get(name) != list(stat)}
    owner = {}
    for name, (_, mtime_ns) in files.items():
        t = mtime_ns / 1e9
        running = [o for o in outcomes if o.started and o.started - 0.01 <= t <= o.ended + 1]  # the last started
        owner[name] = max(running, key=lambda o: o.started).section if running else ""
    totals: dict[str, int] = {}
    for name, (size, _) in files.items():
        totals[owner[name]] = totals.get(owner[name], 0) + size
    rank = {s: (s != "", total) for s, total in totals.items()}
    return sorted(((n, owner[n], files[n][0]) for n in files), key=lambda f: (rank[f[1]], f[1], files[f[0]][1], f[0]))


def read_sent(cache: Path) -> dict[str, list[int]]:
    """Name → [size, mtime_ns] of the model files an earlier step on this machine packed."""
    try:
        return json.loads((cache / "models" / SENT).read_text())
    except (OSError, ValueError):
        return {}


def mark_sent(cache: Path, names: Sequence[str]) -> None:
    """Record these files (as they are now) as packed."""
    sent = read_sent(cache)
    stats = model_files(cache)
    sent.update({name: list(stats[name]) for name in names if name in stats})
    (cache / "models").mkdir(parents=True, exist_ok=True)
    (cache / "models" / SENT).write_text(json.dumps(sent))


def seed_cache(carried: Path, cache: Path) -> int:
    """Copy into the cache the carried files it lacks (data, networks of earlier steps); how many were copied."""
    copied = 0
    if carried.is_dir():
        for source in sorted(carried.rglob("*")):
            target = cache / source.relative_to(carried)
            if source.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied += 1
    return copied


def restore_references(cache: Path, reference_dir: Path, profile: str) -> list[str]:
    """Put back the references an earlier step on this machine wrote where the tree has none as fresh (so that
    a second step does not run them again); the sections restored."""
    restored = []
    for kept in sorted((cache / KEPT).glob("*.json")):
        target = reference_dir / kept.name
        if pending([kept.stem], reference_dir, profile) and not pending([kept.stem], cache / KEPT, profile):
            reference_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(kept, target)
            restored.append(kept.stem)
    return restored


def mark_present_as_sent(cache: Path) -> None:
    """On a machine's first step, the files already there (carried in from .gpu/) are not sent back again."""
    if not (cache / "models" / SENT).exists():
        mark_sent(cache, list(model_files(cache)))


def results_archive(out: Path, outcomes: Sequence[Outcome], reference_dir: Path, log_path: Path, summary: dict,
                    limit: int) -> tuple[Path, list[str]]:
    """paper_gpu.tar.gz: summary.json, the log, the new references, then each finished run's files while the
    archive stays under `limit` bytes. Returns its path and what was left out."""
    candidates = [(f"reference/{o.section}.json", reference_dir / f"{o.section}.json")
                  for o in outcomes if o.status == "done"]
    for o in outcomes:
        if o.run:
            folder = Path(o.run)
            for name in (f"{o.section}.json", "progress.log", f"{o.section}.ipynb", f"{o.section}.failed.ipynb"):
                candidates.append((f"runs/{o.section}/{folder.name}/{name}", folder / name))
    candidates = [(arc, path) for arc, path in candidates if path.is_file()]
    left_out: list[str] = []
    while True:
        summary["results_left_out"] = left_out
        path = out / "paper_gpu.tar.gz"
        with tarfile.open(path, "w:gz", compresslevel=6) as tar:
            add_bytes(tar, "summary.json", json.dumps(summary, indent=1).encode())
            tar.add(log_path, arcname="paper_gpu.log")
            for arc, file in candidates:
                tar.add(file, arcname=arc)
        if path.stat().st_size <= limit or not candidates:
            return path, left_out
        dropped = max(range(len(candidates)), key=lambda i: (not candidates[i][0].startswith("reference/"),
                                                             candidates[i][1].stat().st_size))
        left_out.append(candidates.pop(dropped)[0])


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    """A file of these bytes in the archive."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(time.time())
    tar.addfile(info, io.BytesIO(data))


def pack(out: Path, outcomes: Sequence[Outcome], cache: Path, reference_dir: Path, log_path: Path,
         summary: dict, max_files: int = MAX_FILES, max_file: int = MAX_FILE_BYTES,
         max_total: int = MAX_TOTAL_BYTES) -> dict:
    """Write what must come back into `out` within the limits; return the manifest (also in summary.json)."""
    out.mkdir(parents=True, exist_ok=True)
    files = to_send(cache, outcomes)
    # First a provisional results archive to know its size, the models in what is left, then the final archive
    # (its summary now names the parts) under the size the first one had plus a margin.
    manifest = {"parts": [], "models": [], "models_left_on_device": []}
    summary["manifest"] = manifest
    first, _ = results_archive(out, outcomes, reference_dir, log_path, summary, max_file - SAFETY_BYTES)
    results_room = first.stat().st_size + 256 * 1024  # the manifest adds a few lines per model file
    # the tar stream ends with two zero blocks and is padded to a 10240-byte record
    room = min((max_files - 1) * (max_file - SAFETY_BYTES), max_total - SAFETY_BYTES - results_room) - 12 * 1024
    used = 0
    for name, section, size in files:
        if used + tar_bytes(size) <= room:
            manifest["models"].append({"name": name, "section": section, "bytes": size})
            used += tar_bytes(size)
        else:
            manifest["models_left_on_device"].append({"name": name, "section": section, "bytes": size})
    if manifest["models"]:
        writer = PartWriter(out, "models.tar", max_file - SAFETY_BYTES)
        with tarfile.open(fileobj=writer, mode="w|", format=tarfile.USTAR_FORMAT) as tar:
            for entry in manifest["models"]:
                tar.add(cache / "models" / entry["name"], arcname=entry["name"])
        writer.close()
        manifest["parts"] = [{"name": p.name, "sha256": sha256(p), "bytes": p.stat().st_size}
                             for p in writer.paths]
        mark_sent(cache, [m["name"] for m in manifest["models"]])
    results_archive(out, outcomes, reference_dir, log_path, summary, min(max_file, results_room) - SAFETY_BYTES)
    return manifest


def sha256(path: Path) -> str:
    """The file's SHA-256 (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------------------
# Unpacking here
# ---------------------------------------------------------------------------------------------------------------


def unpack(folder: Path, reference_dir: Path = REFERENCE_DIR, store: Path = STORE, runs: Path = RUNS_DIR) -> dict:
    """Put a step's files in place: the references (only `paper` ones into results/reference/), the log and run
    files (runs/gpu/<time>/), then the networks (into the store that prepare_gpu carries to the next GPU session);
    parts missing or whose SHA-256 differs from the manifest leave the networks out, with a message."""
    with tarfile.open(folder / "paper_gpu.tar.gz", "r:gz") as tar:
        summary = json.loads(tar.extractfile("summary.json").read())
        target = runs / "gpu" / timestamp()
        target.mkdir(parents=True, exist_ok=True)
        tar.extractall(target, filter="data")
    written: list[Path] = []
    for path in sorted((target / "reference").glob("*.json")):
        if json.loads(path.read_text()).get("profile") != "paper" and reference_dir == REFERENCE_DIR:
            print(f"{path.name}: not a paper run; left in {target}")
            continue
        reference_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, reference_dir / path.name)
        written.append(reference_dir / path.name)
    print(table([Outcome(**o) for o in summary["outcomes"]]))
    names = [str(p.relative_to(REPO_ROOT)) if p.is_relative_to(REPO_ROOT) else str(p) for p in written]
    print(f"\nreferences: {', '.join(names) or 'none'}\nlog and run files: {target}")
    manifest = summary["manifest"]
    bad = [p["name"] for p in manifest["parts"]
           if not (folder / p["name"]).is_file() or sha256(folder / p["name"]) != p["sha256"]]
    if bad:
        summary["networks_unpacked"] = False
        print(f"networks NOT unpacked: {', '.join(bad)} missing or not matching the manifest's SHA-256")
    elif manifest["parts"]:
        store.mkdir(parents=True, exist_ok=True)
        stream = b"".join((folder / part["name"]).read_bytes() for part in manifest["parts"])
        with tarfile.open(fileobj=io.BytesIO(stream), mode="r:") as tar:
            tar.extractall(store, filter="data")
        try:
            index = json.loads((store / STORE_INDEX).read_text())
        except (OSError, ValueError):
            index = {}
        index.update({m["name"]: m["section"] for m in manifest["models"]})
        (store / STORE_INDEX).write_text(json.dumps(index, indent=0))
    if not bad:
        print(f"networks: {len(manifest['models'])} files into {store}; {len(manifest['models_left_on_device'])} "
              "did not fit and stayed on the device")
    if names:
        print(f"to commit: git add {' '.join(names)} && git commit -m 'Reference runs at the papers scale (GPU)'")
    return summary


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------


def default_out() -> Path:
    """$OUT (the device tool's folder), else runs/gpu/<time>/."""
    return Path(os.environ["OUT"]) if os.environ.get("OUT") else RUNS_DIR / "gpu" / timestamp()


def read_commit(text: str | None) -> str | None:
    """--commit, else .gpu/commit (written by scripts/prepare_gpu.py), else None."""
    if text:
        return text
    try:
        return COMMIT_FILE.read_text().strip() or None
    except OSError:
        return None


def cuda_available() -> bool:
    """Whether torch sees a GPU here."""
    import torch

    return torch.cuda.is_available()


def main(argv: list[str] | None = None, runner: SectionRunner | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=DEFAULT_BUDGET_S,
                        help=f"seconds this step may take, packing included (default {DEFAULT_BUDGET_S:.0f})")
    parser.add_argument("--out", type=Path, help="where the files to bring back go (default $OUT, else runs/gpu/)")
    parser.add_argument("--sections", help="comma-separated sections to consider (default: every section)")
    parser.add_argument("--profile", default="paper", help="the profile to run (default paper; smoke: the tests)")
    parser.add_argument("--workers", type=int, help="NODEWISE_WORKERS for the runs (default: lib.parallel's)")
    parser.add_argument("--cuda-graph", choices=("auto", "on", "off"), default="auto",
                        help="NODEWISE_CUDA_GRAPH for the runs (auto: on where torch sees a GPU)")
    parser.add_argument("--commit", help="the commit the references record (default: .gpu/commit)")
    parser.add_argument("--carried", type=Path, default=CARRIED, help="files to copy into the cache first "
                        "(default .gpu/cache, staged by scripts/prepare_gpu.py)")
    parser.add_argument("--reference-dir", type=Path, default=REFERENCE_DIR)
    parser.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    parser.add_argument("--reserve-s", type=float, default=PACK_RESERVE_S, help=argparse.SUPPRESS)
    parser.add_argument("--min-start-s", type=float, default=MIN_START_S, help=argparse.SUPPRESS)
    parser.add_argument("--unpack", type=Path, metavar="DIR", help="put a step's returned files in place (here)")
    args = parser.parse_args(argv)
    if args.unpack:
        try:
            summary = unpack(args.unpack, args.reference_dir)
        except (OSError, ValueError, KeyError, tarfile.TarError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0 if summary.get("networks_unpacked", True) else 1
    if args.profile != "paper" and args.reference_dir.resolve() == REFERENCE_DIR.resolve():
        print("error: a profile other than paper never writes results/reference/; give --reference-dir",
              file=sys.stderr)
        return 2
    from lib.studies import SECTIONS

    sections = args.sections.split(",") if args.sections else list(SECTIONS)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        print(f"error: unknown section(s) {', '.join(unknown)}; sections are: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    started = STARTED if argv is None else time.monotonic()  # tests call main() many times in one process
    out = args.out or default_out()
    out.mkdir(parents=True, exist_ok=True)
    cache = cache_dir()
    seeded = seed_cache(args.carried, cache)
    mark_present_as_sent(cache)
    restored = restore_references(cache, args.reference_dir, args.profile)
    graphs = args.cuda_graph == "on" or (args.cuda_graph == "auto" and cuda_available())
    runner = runner or make_runner(args.runs_dir, child_environment(graphs, args.workers))
    claims = {s: claim_count(s) for s in sections}
    hours = projected_hours()
    log_path = args.runs_dir / "gpu" / f"paper_gpu-{timestamp()}.log"  # packed into paper_gpu.tar.gz
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"paper_gpu: profile {args.profile}, budget {args.budget_s:.0f} s, CUDA graphs {'on' if graphs else 'off'}"
          f", cache {cache} ({seeded} carried files copied in), out {out}"
          + (f"; references of an earlier step here restored: {', '.join(restored)}" if restored else ""), flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        outcomes = step(sections, args.profile, args.budget_s - (time.monotonic() - started), runner, log,
                        args.reference_dir, read_commit(args.commit), claims, hours, args.reserve_s,
                        args.min_start_s, cache)
    interrupted = any(o.note == INTERRUPTED for o in outcomes)
    summary = {"profile": args.profile, "budget_s": args.budget_s, "cuda_graph": graphs, "cache": str(cache),
               "environment_cache": os.environ.get(CACHE_ENV), "outcomes": [asdict(o) for o in outcomes],
               "elapsed_s": round(time.monotonic() - started, 1)}
    text = table(outcomes)
    print("\n" + text, flush=True)
    manifest = pack(out, outcomes, cache, args.reference_dir, log_path, summary)
    print(f"\npacked into {out}: paper_gpu.tar.gz + {len(manifest['parts'])} model part(s), "
          f"{len(manifest['models'])} model files ({sum(m['bytes'] for m in manifest['models']) / 2**20:.1f} MiB)"
          + (f"; {len(manifest['models_left_on_device'])} files did not fit and stay on the device"
             if manifest["models_left_on_device"] else "")
          + f"; {time.monotonic() - started:.0f} s in all", flush=True)
    return 130 if interrupted else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a terminated step stops its section like Ctrl-C
    sys.exit(main())
