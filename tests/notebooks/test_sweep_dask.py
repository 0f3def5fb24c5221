"""Sweeps with the real components: smoke runs of the data section on a LocalCluster (then resumed), and on a
real `dask scheduler` with two `dask worker` processes, one of them killed mid-sweep."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lib import sweep

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]
FIXED = {"profile": "smoke", "n_signals": 200, "n_tsne": 100, "perplexity": 5.0}
DASK = Path(sys.executable).with_name("dask")


def results_of(table):
    """The results JSON of every run of the table (runs under a temporary root have absolute paths)."""
    return [json.loads((sweep.REPO_ROOT / run / "data.json").read_text()) for run in table["run"]]


def test_a_local_cluster_sweep_leaves_every_run_then_resumes_only_what_is_missing(tmp_path):
    from distributed import Client, LocalCluster

    grid = {"seed": [0, 1], "sigma": [0.5, 1.0]}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        table = sweep.run_sweep("data", grid, FIXED, "tsne_neighbour_gap", client=client, root=tmp_path)
        assert list(table["status"]) == ["done"] * 4
        records = results_of(table)
        assert [(r["parameters"]["seed"], r["parameters"]["sigma"]) for r in records] == \
            [(0, 0.5), (0, 1.0), (1, 0.5), (1, 1.0)]
        folder = sweep.sweep_folder("data", FIXED, grid, tmp_path)
        assert {"sweep.csv", "sweep.json", "sweep.png"} <= {p.name for p in folder.iterdir()}
        (Path(table["run"][2]) / "data.json").unlink()  # as if the sweep had been interrupted there
        again = sweep.run_sweep("data", grid, FIXED, "tsne_neighbour_gap", client=client, root=tmp_path)
    assert list(again["status"]) == ["resumed", "resumed", "done", "resumed"]


@pytest.fixture
def scheduler_with_two_workers(tmp_path):
    """A real scheduler and two single-threaded worker processes on 127.0.0.1."""
    file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(file)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(100):
        if file.exists():
            break
        time.sleep(0.2)
    workers = [subprocess.Popen([str(DASK), "worker", "--scheduler-file", str(file), "--nthreads", "1",
                                 "--no-dashboard", "--no-nanny", "--host", "127.0.0.1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    yield file, workers
    for proc in [*workers, *procs]:
        proc.kill()
        proc.wait(timeout=30)


def test_a_sweep_survives_a_worker_killed_mid_sweep(tmp_path, scheduler_with_two_workers):
    from distributed import Client

    file, workers = scheduler_with_two_workers
    grid = {"seed": [0, 1], "sigma": [0.5, 1.0]}
    with Client(scheduler_file=str(file)) as client:
        client.wait_for_workers(2, timeout=60)
        address_of = {pid: address for address, pid in client.run(os.getpid).items()}
        by_address = {address_of[p.pid]: p for p in workers}
        done = {}
        thread = threading.Thread(target=lambda: done.update(table=sweep.run_sweep(
            "data", grid, FIXED, client=client, root=tmp_path / "runs")))
        thread.start()
        victim = None
        for _ in range(600):  # kill the first worker seen running a task
            busy = [address for address, tasks in client.processing().items() if tasks]
            if busy:
                victim = by_address[busy[0]]
                break
            time.sleep(0.1)
        assert victim is not None, "no worker ever ran a task"
        time.sleep(3)  # mid-run: its kernel is executing the notebook
        victim.send_signal(signal.SIGKILL)
        thread.join(timeout=900)
    table = done["table"]
    assert list(table["status"]) == ["done"] * 4
    assert len(results_of(table)) == 4
