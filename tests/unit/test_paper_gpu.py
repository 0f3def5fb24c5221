"""scripts/paper_gpu.py on the CPU: the order of the sections, a section killed at the budget reported partial and
resumed by the next step, references written for finished sections, the packing limits of the device tool, the
unpacking here; and one real lib.runner run killed at its budget with its kernel."""

import io
import json
import os
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from lib.results import to_json
from lib.studies import resolve
from scripts import paper_gpu as pg

# A stand-in for lib.runner: `units` steps of work of 0.05 s each, its progress kept in the model cache (as the
# engine's checkpoints are), a grandchild in its own session (as papermill's kernel is), a model file and a results
# JSON at the end, and the runner's last line naming it.
FAKE = textwrap.dedent("""
    import json, os, pathlib, subprocess, sys, time
    section, units, runs, results = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3]), sys.argv[4]
    models = pathlib.Path(os.environ["NODEWISE_CACHE"]) / "models"
    models.mkdir(parents=True, exist_ok=True)
    kid = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    (runs / f"{section}.kernel").write_text(str(kid.pid))
    progress = models / f"{section}.partial"
    done = int(progress.read_text()) if progress.exists() else 0
    print(f"{section} resumes at {done}", flush=True)
    while done < units:
        time.sleep(0.05)
        done += 1
        progress.write_text(str(done))
        print(f"\\r{section} {done}/{units}", end="", flush=True)
    (models / f"{section}.pt").write_bytes(os.urandom(3000 * units))
    folder = runs / section / "run"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{section}.json").write_text(results)
    kid.kill()
    print(f"\\nits results: {folder / (section + '.json')}", flush=True)
""")
UNITS = {"data": 4, "jump_detection": 200, "memorisation": 4}


def fake_results(section: str) -> str:
    """A finished smoke run's results JSON, as the notebooks write it (no claims measured)."""
    return json.dumps({"section": section, "profile": "smoke", "parameters": to_json(resolve(section, "smoke")),
                       "claims": [], "environment": {"device": "cpu (test)"}, "wall_s": 1.0})


def fake_runner(runs: Path, calls: list):
    """paper_gpu's SectionRunner over FAKE, through the real run_until (deadline, kill of the process tree)."""
    runs.mkdir(parents=True, exist_ok=True)

    def run(section, profile, deadline, log):
        calls.append(section)
        command = [sys.executable, "-c", FAKE, section, str(UNITS[section]), str(runs), fake_results(section)]
        return pg.run_until(command, pg.child_environment(False, None), deadline, log)
    return run


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A model cache, runs, references and two output folders under tmp_path."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path / "cache"))
    names = ("runs", "reference", "out1", "out2", "carried", "store")
    return {name: tmp_path / name for name in names} | {"cache": tmp_path / "cache"}


def step_args(folders, out: str, budget: float) -> list[str]:
    return ["--profile", "smoke", "--sections", "memorisation,jump_detection,data", "--budget-s", str(budget),
            "--reserve-s", "0.3", "--min-start-s", "1", "--cuda-graph", "off", "--out", str(folders[out]),
            "--reference-dir", str(folders["reference"]), "--runs-dir", str(folders["runs"]),
            "--carried", str(folders["carried"]), "--commit", "abc123"]


def alive(pid: int, wait_s: float = 5.0) -> bool:
    """Whether the process still runs `wait_s` seconds from now at the latest (a killed one may take a moment)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def test_the_order_is_claims_per_projected_hour():
    claims = {"a": 10, "b": 40, "c": 40, "d": 5}
    hours = {"a": 1.0, "b": 2.0, "c": 8.0}  # d is not listed: DEFAULT_HOURS
    assert pg.ordered(["a", "b", "c", "d"], claims, hours) == ["d", "b", "a", "c"]
    real = {s: pg.claim_count(s) for s in ("memorisation", "jump_detection", "summary_layers")}
    assert pg.ordered(list(real), real, pg.projected_hours()) == ["jump_detection", "summary_layers", "memorisation"]


def test_a_step_kills_at_the_budget_and_the_next_resumes(folders, capsys):
    (folders["carried"] / "mnist").mkdir(parents=True)
    (folders["carried"] / "mnist" / "mnist.npz").write_bytes(b"data")
    calls: list[str] = []
    runner = fake_runner(folders["runs"], calls)
    assert pg.main(step_args(folders, "out1", 6), runner=runner) == 0
    first = json.loads(tarfile.open(folders["out1"] / "paper_gpu.tar.gz").extractfile("summary.json").read())
    status = {o["section"]: o["status"] for o in first["outcomes"]}
    assert calls == ["data", "jump_detection"]  # 4/0.05 h, 47/2.4 h; memorisation (19/162 h) not reached
    assert status == {"data": "done", "jump_detection": "partial", "memorisation": "not started"}
    note = next(o["note"] for o in first["outcomes"] if o["section"] == "jump_detection")
    assert "0 networks cached and 1 training calls checkpointed" in note and "last output: jump_detection" in note
    assert (folders["cache"] / "mnist" / "mnist.npz").read_bytes() == b"data"  # the carried data copied in
    kernel = int((folders["runs"] / "jump_detection.kernel").read_text())
    assert not alive(kernel)  # the runner's grandchild in its own session was killed too
    progress = int((folders["cache"] / "models" / "jump_detection.partial").read_text())
    assert 0 < progress < UNITS["jump_detection"]
    record = json.loads((folders["reference"] / "data.json").read_text())
    assert record["reference"]["commit"] != "" and record["reference"]["device"] == "cpu (test)"
    assert not (folders["reference"] / "jump_detection.json").exists()
    table = capsys.readouterr().out
    assert "jump_detection  47" in table and "partial" in table and "not started" in table

    calls.clear()
    (folders["reference"] / "data.json").unlink()  # the device tool copies this checkout's tree again
    assert pg.main(step_args(folders, "out2", 20), runner=runner) == 0
    assert calls == ["jump_detection", "memorisation"]  # data's reference of the first step was restored
    assert "restored: data" in capsys.readouterr().out
    log = tarfile.open(folders["out2"] / "paper_gpu.tar.gz").extractfile("paper_gpu.log").read().decode()
    assert f"jump_detection resumes at {progress}" in log
    assert {p.name for p in folders["reference"].glob("*.json")} == {"data.json", "jump_detection.json",
                                                                      "memorisation.json"}
    second = json.loads(tarfile.open(folders["out2"] / "paper_gpu.tar.gz").extractfile("summary.json").read())
    sent = [m["name"] for m in second["manifest"]["models"]]
    assert "data.pt" not in sent and "mnist.npz" not in sent  # packed by the first step / carried in
    assert sent[:2] == ["memorisation.partial", "memorisation.pt"]  # the section with fewer bytes first
    assert {"jump_detection.partial", "jump_detection.pt"} <= set(sent)  # the checkpoint changed: sent again

    # here: the references, the networks (with their sections) and the log put in place
    summary = pg.unpack(folders["out2"], folders["reference"] / "here", folders["store"], folders["runs"])
    assert {p.name for p in (folders["reference"] / "here").glob("*.json")} == {"jump_detection.json",
                                                                               "memorisation.json"}
    index = json.loads((folders["store"] / pg.STORE_INDEX).read_text())
    assert index["memorisation.pt"] == "memorisation" and (folders["store"] / "jump_detection.pt").exists()
    assert summary["outcomes"][0]["status"] == "done"
    part = folders["out2"] / summary["manifest"]["parts"][0]["name"]
    part.write_bytes(b"x" + part.read_bytes()[1:])  # a part damaged on the way: the references still come in
    damaged = pg.unpack(folders["out2"], folders["reference"] / "again", folders["store"] / "again", folders["runs"])
    assert damaged["networks_unpacked"] is False and not (folders["store"] / "again").exists()
    assert (folders["reference"] / "again" / "memorisation.json").exists()


def test_packing_keeps_the_device_tools_limits(folders):
    models = folders["cache"] / "models"
    models.mkdir(parents=True)
    sizes = {"big": [900_000] * 4, "small": [100_000] * 3, "mid": [400_000, 500_000]}
    outcomes = []
    for i, (section, files) in enumerate(sizes.items()):
        outcomes.append(pg.Outcome(section, 1, 1.0, status="done", started=1000.0 * (i + 1),
                                   ended=1000.0 * (i + 1) + 10))
        for j, size in enumerate(files):
            path = models / f"{section}{j}.pt"
            path.write_bytes(bytes([j]) * size)
            stamp = int((1000.0 * (i + 1) + 5) * 1e9)
            os.utime(path, ns=(stamp, stamp))
    log = folders["cache"] / "log"
    log.write_text("log\n" * 1000)
    out, mib = folders["out1"], 2**20
    manifest = pg.pack(out, outcomes, folders["cache"], folders["reference"], log, {"outcomes": []},
                       max_files=4, max_file=mib, max_total=int(2.5 * mib))
    files = list(out.iterdir())
    assert len(files) <= 4 and all(f.stat().st_size <= mib for f in files)
    assert sum(f.stat().st_size for f in files) <= 2.5 * mib
    packed = [m["name"] for m in manifest["models"]]
    assert packed[:3] == ["small0.pt", "small1.pt", "small2.pt"] and "mid0.pt" in packed  # fewest bytes first
    left = [m["name"] for m in manifest["models_left_on_device"]]
    assert left and all(name.startswith("big") for name in left) and set(packed) | set(left) == {
        f"{s}{j}.pt" for s, files in sizes.items() for j in range(len(files))}
    stream = b"".join((out / p["name"]).read_bytes() for p in manifest["parts"])
    with tarfile.open(fileobj=io.BytesIO(stream)) as tar:
        assert tar.getnames() == packed
        assert tar.extractfile("mid1.pt").read() == bytes([1]) * 500_000
    again = pg.pack(folders["out2"], outcomes, folders["cache"], folders["reference"], log, {"outcomes": []},
                    max_files=4, max_file=mib, max_total=int(2.5 * mib))
    again = [m["name"] for m in again["models"]]
    assert again and set(again) <= set(left)  # a later step sends what stayed behind, nothing twice


def test_the_runs_get_graphs_workers_checkpoints_and_the_repository():
    env = pg.child_environment(True, 4)
    assert env["NODEWISE_CUDA_GRAPH"] == "1" and env["NODEWISE_WORKERS"] == "4"
    assert env["PYTHONPATH"].split(":")[0] == str(pg.REPO_ROOT) and env["PYTHONUNBUFFERED"] == "1"
    assert pg.child_environment(False, None)["NODEWISE_CUDA_GRAPH"] == "0"
    assert "NODEWISE_CHECKPOINT_S" in env


def test_a_test_profile_never_writes_the_books_references(capsys):
    assert pg.main(["--profile", "smoke", "--cuda-graph", "off"]) == 2
    assert "never writes results/reference/" in capsys.readouterr().err


# The engine's CUDA-graph path on a CPU, as tests/unit/test_train_cuda_graph.py replaces it, in every process of a
# run (the runner, the kernel, its workers): a capture is the plain call, no side stream, no device check.
PLAIN_GRAPHS = """
import contextlib, os
if os.environ.get("NODEWISE_PLAIN_GRAPHS") == "1":
    try:
        import lib.train as engine
    except ImportError:
        engine = None
    if engine is not None:
        engine.capture, engine.side_stream = (lambda fn: fn), contextlib.nullcontext
        engine._check_graph_device = lambda device: None
"""


@pytest.mark.slow
def test_a_real_run_killed_at_its_budget_takes_its_kernel_with_it_and_resumes(folders, monkeypatch, tmp_path):
    killed: list[int] = []
    original = pg.kill_tree

    def spy(pid):
        deadline = time.monotonic() + 120  # on a loaded machine the kernel may start after the budget: wait for it
        while len(pg.process_tree(pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        killed.extend(p.pid for p in pg.process_tree(pid))
        return original(pid)
    monkeypatch.setattr(pg, "kill_tree", spy)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(PLAIN_GRAPHS)
    for name, value in {"PYTHONPATH": str(tmp_path / "site"), "NODEWISE_PLAIN_GRAPHS": "1",
                        "NODEWISE_THREADS": "1"}.items():
        monkeypatch.setenv(name, value)

    def args(out: str, budget: int) -> list[str]:
        return ["--profile", "smoke", "--sections", "jump_detection", "--budget-s", str(budget), "--reserve-s", "0",
                "--min-start-s", "1", "--cuda-graph", "on", "--out", str(folders[out]), "--reference-dir",
                str(folders["reference"]), "--runs-dir", str(folders["runs"]), "--carried", str(folders["carried"])]

    def statuses(out: str) -> list[str]:
        summary = json.loads(tarfile.open(folders[out] / "paper_gpu.tar.gz").extractfile("summary.json").read())
        return [o["status"] for o in summary["outcomes"]]

    assert pg.main(args("out1", 15)) == 0
    assert statuses("out1") == ["partial"]
    assert len(killed) >= 2, "the runner and its papermill kernel"
    assert not any(alive(pid) for pid in killed)
    assert pg.main(args("out2", 600)) == 0
    assert statuses("out2") == ["done"]
    record = json.loads((folders["reference"] / "jump_detection.json").read_text())
    assert record["profile"] == "smoke" and record["reference"]["device"].startswith("cpu")
    bodies = [p.read_bytes() for p in (folders["cache"] / "models").glob("*.pt")]
    assert bodies and all(b"cuda_graph" in body for body in bodies)  # NODEWISE_CUDA_GRAPH=1 reached the engine


def test_prepare_gpu_command_excludes_and_networks_that_fit(tmp_path):
    from scripts import prepare_gpu as prep

    command = prep.device_command(540)
    assert len(command) <= 2000 and "--target /tmp/site .whl/*.whl" in command
    assert command.endswith("python3 -m scripts.paper_gpu --budget-s 540") and prep.CARRY == [".whl", ".gpu"]
    (tmp_path / ".git" / "info").mkdir(parents=True)
    prep.ensure_excluded(tmp_path)
    prep.ensure_excluded(tmp_path)
    assert (tmp_path / ".git" / "info" / "exclude").read_text().splitlines() == ["/.whl/", "/.gpu/"]
    store, cache = tmp_path / "store", tmp_path / "cache"
    store.mkdir()
    for name, size in {"k.0.partial": 10, "x.pt": 50, "y.pt": 50, "z.pt": 10}.items():
        (store / name).write_bytes(b"w" * size)
    (store / pg.STORE_INDEX).write_text(json.dumps({"x.pt": "s2", "y.pt": "s1", "k.0.partial": "s2"}))
    assert prep.stage_models(["s1", "s2"], 75, store, cache) == (3, 1)  # checkpoint, then s1's, then what fits
    assert sorted(p.name for p in (cache / "models").iterdir()) == ["k.0.partial", "y.pt", "z.pt"]


def test_prepare_gpu_precomputes_the_cpu_work_once_and_stores_it_for_the_device(tmp_path, monkeypatch):
    """Study.precompute (bottleneck's Monte Carlo) runs into its own cache, kept between preparations; its files go
    to the store, indexed by section, so that stage_models carries them; the run's cache setting is left as it was."""
    from lib.paths import CACHE_ENV
    from lib.studies.bottleneck import embedding as mp
    from scripts import prepare_gpu as prep

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "the-run's-cache"))
    store, folder = tmp_path / "store", tmp_path / "precomputed"
    copied = prep.precompute(["data", "bottleneck"], store, folder, profile="smoke")
    files = sorted(p.name for p in store.glob("*.pt"))
    assert copied == len(files) > 0
    assert json.loads((store / pg.STORE_INDEX).read_text()) == {name: "bottleneck" for name in files}
    assert not (tmp_path / "the-run's-cache").exists()
    monkeypatch.setattr(mp, "success_count", lambda *a, **k: pytest.fail("precomputed twice"))
    assert prep.precompute(["bottleneck"], store, folder, profile="smoke") == 0
    assert prep.stage_models(["bottleneck"], 10**9, store, tmp_path / "gpu") == (len(files), 0)
