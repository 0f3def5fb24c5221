"""Re-measure issue 33's probes: bad requests, corrupted checkpoints and cache files, publishing failures, bad
environment variables, malformed results, tampered data, make injections, truncated sweep results.

    .venv/bin/python -m scripts.probe_issue33 [--random 3000]

Prints one markdown row per probe: tried / handled / crashed / wrong / lost (and, for parameter requests, the
allowed values that ran). Nothing in the repository is written: every probe works in temporary folders, papermill
is replaced by a stand-in, and the make probes use a fake interpreter.
"""

import argparse
import contextlib
import errno
import functools
import gzip
import hashlib
import io
import json
import math
import os
import pickle
import random
import shutil
import subprocess
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import nbformat
import numpy as np
import torch

from lib import cache, checkpoint, results, runner, sweep, train
from lib.data import fashion_mnist as fm
from lib.data import mnist as mn
from lib.models import mlp
from lib.params import ParameterError, allows, read_value
from lib.paths import REPO_ROOT
from lib.studies import SECTIONS, resolve, section_params, study

TABLE: dict[str, Counter] = {}
NASTY = [None, True, 0, -1, 2**63, 1e308, -0.0, math.nan, math.inf, -math.inf, "", "ten", "adam", [], (), {}, set(),
         [[]], [["adam"]], [{}], [[1]], [1, [2]], [{"a": 1}], {"a": [1]}, [math.nan], [0.5, math.inf], (1, 2, 3),
         [None], ["adam", "adam"], [1, 1], [True], [1.5], [-1], [10**9], {1, 2}, ((0.5, 2.0),), "1,2", "(0.5, 2.0)"]


def tally(probe: str, outcome: str) -> None:
    """Count one outcome of a probe."""
    TABLE.setdefault(probe, Counter())[outcome] += 1


def silently(fn: Callable, *args):
    """fn(*args) with stdout, stderr and warnings swallowed; (result, stderr text)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args), err.getvalue()


@contextlib.contextmanager
def patched(obj, name: str, value):
    """Set obj.name to value for the block."""
    before = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, before)


@contextlib.contextmanager
def environment(**values: str):
    """Environment variables set for the block, then restored."""
    before = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


# --------------------------------------------------------------------------------------------------------------
# bad parameter requests
# --------------------------------------------------------------------------------------------------------------


def random_value(rng: random.Random, depth: int = 0):
    """A random value, nested lists, tuples and dicts included."""
    makers = [lambda: None, lambda: rng.choice([True, False]), lambda: rng.randint(-10**6, 10**6),
              lambda: rng.choice([rng.uniform(-1e3, 1e3), math.nan, math.inf, 0.0]),
              lambda: rng.choice(["", "x", "adam", "sgd", "he", "ce"]), lambda: rng.uniform(0, 2),
              lambda: [random_value(rng, depth + 1) for _ in range(rng.randrange(4))],
              lambda: tuple(random_value(rng, depth + 1) for _ in range(rng.randrange(3))),
              lambda: {rng.choice("ab"): random_value(rng, depth + 1)}]
    return makers[rng.randrange(len(makers) if depth < 2 else 6)]()


@functools.cache
def declared(section: str) -> frozenset[str]:
    """The notebook's parameters."""
    return frozenset(runner.papermill.inspect_notebook(str(runner.NOTEBOOKS / f"{section}.ipynb")))


def allowed(section: str, name: str, value) -> bool:
    """Whether the section runs with this value."""
    if name not in declared(section) or value is not None and not allows(section_params(section)[name], value):
        return False
    try:
        resolve(section, "smoke", **{name: value})
    except ParameterError:
        return False
    return True


def probe_requests(count: int) -> None:
    """Every parameter against NASTY plus `count` random requests: the command line, a sweep grid, papermill text."""
    rng = random.Random(33)
    names = [(s, p.name) for s in SECTIONS for p in study(s).params]
    requests = [(s, n, v) for s, n in names for v in NASTY] + \
        [(*rng.choice(names), random_value(rng)) for _ in range(count)]
    with tempfile.TemporaryDirectory() as runs, patched(runner, "RUNS", Path(runs)), \
            patched(runner, "run_section", lambda s, v, d, t: d.page), patched(runner, "announce", lambda *a: None):
        for section, name, value in requests:
            good = allowed(section, name, read_value(repr(value)))
            probe_command_line(section, name, value, good)
            probe_grid(section, name, value, good)
            probe_text(section, name, value)


def probe_command_line(section: str, name: str, value, good: bool) -> None:
    """python -m lib.runner SECTION profile=smoke NAME=VALUE."""
    probe = "bad-parameter requests (command line)"
    try:
        code, err = silently(runner.main, [section, "profile=smoke", f"{name}={value!r}"])
    except BaseException:  # noqa: B036 - any escape is the crash being counted
        tally(probe, "crashed")
        return
    if good:
        tally(probe, "ran (allowed)" if code == 0 else "wrong")
    else:
        tally(probe, "handled" if code == 2 and f"'{name}'" in err else "wrong")


def probe_grid(section: str, name: str, value, good: bool) -> None:
    """lib.sweep's check of a one-point grid."""
    probe = "bad-parameter requests (sweep grid)"
    try:
        sweep.check_sweep(section, {"profile": "smoke"}, {name: [value]})
        tally(probe, "ran (allowed)" if good else "wrong")
    except ParameterError as error:
        tally(probe, "handled" if f"'{name}'" in str(error) and not good else "wrong")
    except Exception:
        tally(probe, "crashed")


def probe_text(section: str, name: str, value) -> None:
    """The value as papermill's -p passes it: text, read by resolve in the notebook."""
    probe = "bad-parameter requests (papermill text)"
    try:
        resolve(section, "smoke", **{name: repr(value)})
        tally(probe, "ran (allowed)")
    except ParameterError as error:
        tally(probe, "handled" if f"'{name}'" in str(error) else "wrong")
    except Exception:
        tally(probe, "crashed")


# --------------------------------------------------------------------------------------------------------------
# checkpoints and the model cache
# --------------------------------------------------------------------------------------------------------------

X, Y = torch.rand(64, 8, generator=torch.Generator().manual_seed(0)), torch.arange(64) % 3
DATA = train.train_data(X[:48], Y[:48], X[48:], Y[48:])


def two_calls() -> dict:
    """A model of two engine calls, the second without best-weight restore."""
    first = train.train(mlp(2, [8, 6, 3], seed=1), DATA, train.train_config(
        "sgd", lr=0.05, batch_size=16, max_epochs=4, patience=2, seed=3))
    second = train.train(mlp(2, [8, 5, 3], seed=2), DATA, train.train_config(
        "adam", lr=0.01, batch_size=8, max_epochs=3, seed=4, restore_best=False))
    return {"first": cache.result_payload(first), "second": cache.result_payload(second)}


def same(a, b) -> bool:
    """Equal nested payloads."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return torch.equal(a, b) if torch.is_tensor(a) else a == b


def checkpoint_case(mutate: Callable[[Path], None]) -> str:
    """Train, keep the second call's checkpoint without the model file (a kill), damage it, run again."""
    with tempfile.TemporaryDirectory() as root, environment(NODEWISE_CACHE=f"{root}/fresh"):
        expected = cache.cached_train({"m": 1}, two_calls)
        os.environ.update(NODEWISE_CACHE=f"{root}/c", NODEWISE_CHECKPOINT_S="0")
        with patched(checkpoint, "discard", lambda stem: None):
            cache.cached_train({"m": 1}, two_calls)
        path = cache.model_path(cache.config_key({"m": 1}))
        path.unlink()
        mutate(path.with_name(path.stem + ".2.partial"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                got = cache.cached_train({"m": 1}, two_calls)
            except Exception:
                return "crashed"
        warned = any(issubclass(w.category, checkpoint.CheckpointWarning) for w in caught)
        return "handled" if same(got, expected) and warned else "wrong"


def stored(part: Path) -> dict:
    """A checkpoint's {"config", "state"}."""
    return torch.load(io.BytesIO(part.read_bytes().partition(b"\n")[2]), weights_only=True)


def resaved(change: Callable[[dict], object]) -> Callable[[Path], None]:
    """Change the state and write it back with a valid checksum."""
    def mutate(part: Path) -> None:
        saved = stored(part)
        change(saved["state"])
        part.write_bytes(checkpoint.encode(saved["config"], saved["state"]))
    return mutate


def flip_exponent(part: Path) -> None:
    """Flip the top exponent bit of the first weight, checksum untouched."""
    blob = bytearray(part.read_bytes())
    at = bytes(blob).find(stored(part)["state"]["params"][0].numpy().tobytes()[:16])
    blob[at + 3] ^= 0x40
    part.write_bytes(bytes(blob))


def into_folder(path: Path) -> None:
    """Replace the file by a folder."""
    path.unlink()
    path.mkdir()
    (path / "junk").write_text("x")


CHECKPOINTS = {
    "flipped exponent bit": flip_exponent, "zero bytes": lambda p: p.write_bytes(b""),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[:300]), "garbage": lambda p: p.write_bytes(os.urandom(2000)),
    "another call's": lambda p: p.write_bytes(checkpoint.encode("other", {"step": 1})),
    "no params": resaved(lambda s: s.pop("params")),
    "bad mt19937": resaved(lambda s: s.update(generators=[torch.zeros(9, dtype=torch.uint8)] * len(s["generators"]))),
    "infinite weight": resaved(lambda s: s["params"][0].view(-1).__setitem__(0, math.inf)),
    "wrong shapes": resaved(lambda s: s.update(params=[t[:1] for t in s["params"]])),
    "a folder": into_folder,
}


class Evil:
    """A pickle that would run a command."""

    def __reduce__(self):
        return os.system, ("touch /tmp/nodewise-probe-pwned",)


def malicious(path: Path) -> None:
    """A body that unpickles to a command, under a valid header."""
    body = pickle.dumps({"x": Evil()})
    path.write_bytes(cache.FORMAT + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def rewritten(change: Callable[[dict], object]) -> Callable[[Path], None]:
    """Replace the payload by change(payload) under a valid header."""
    return lambda path: path.write_bytes(cache.encode(change(cache.decode(path.read_bytes()))))


def flip_byte(path: Path) -> None:
    """Flip one bit in the middle of the file."""
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 1
    path.write_bytes(bytes(blob))


CACHE_FILES = {
    "zero bytes": lambda p: p.write_bytes(b""), "truncated": lambda p: p.write_bytes(p.read_bytes()[:100]),
    "garbage": lambda p: p.write_bytes(os.urandom(999)), "flipped bit": flip_byte,
    "malicious pickle, valid header": malicious,
    "size mismatch": rewritten(lambda q: {**q, "state": {k: torch.zeros(1, 2) for k in q["state"]}}),
    "no state": rewritten(lambda q: {k: v for k, v in q.items() if k != "state"}),
    "list payload": rewritten(lambda q: [q["config"]]), "a folder": into_folder,
}


def cache_case(mutate: Callable[[Path], None]) -> str:
    """Train through the cache, damage the model file, train again: the same weights, a warning, no code run."""
    cfg = train.train_config("sgd", lr=0.1, batch_size=10, max_epochs=2)
    with tempfile.TemporaryDirectory() as root, environment(NODEWISE_CACHE=root):
        net = mlp(2, [8, 4, 3], seed=0)
        cache.train_cached(net, DATA, cfg, "toy")
        want = {k: v.clone() for k, v in net.state_dict().items()}
        mutate(cache.model_path(cache.config_key(cache.training_config(mlp(2, [8, 4, 3], seed=0), cfg, "toy"))))
        net = mlp(2, [8, 4, 3], seed=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                cache.train_cached(net, DATA, cfg, "toy")
            except Exception:
                return "crashed"
        good = all(torch.equal(net.state_dict()[k], v) for k, v in want.items())
        warned = any(issubclass(w.category, cache.CacheWarning) for w in caught)
        return "handled" if good and warned and not Path("/tmp/nodewise-probe-pwned").exists() else "wrong"


# --------------------------------------------------------------------------------------------------------------
# publishing, run folders, environment, results
# --------------------------------------------------------------------------------------------------------------


def stand_in(src, out, parameters, **kwargs) -> None:
    """papermill's stand-in: a page and the results the notebook would write."""
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Data")]), out)
    record = {"section": "data", "profile": "smoke", "elapsed_s": 1.0, "parameters": {}}
    (Path(os.environ["NODEWISE_RESULTS"]) / "data.json").write_text(json.dumps(record))


def publish_case(root: Path, setup: Callable[[Path], contextlib.AbstractContextManager]) -> str:
    """--publish under one failure: published, or refused/kept under runs/ with a message; 'lost' otherwise."""
    with patched(runner, "RUNS", root / "runs"), patched(runner, "BOOK", root / "book"), \
            environment(NODEWISE_RESULTS=str(root / "results")), setup(root):
        try:
            code, err = silently(runner.main, ["data", "profile=smoke", "--publish"])
        except BaseException:  # noqa: B036 - any escape is the crash being counted
            return "crashed"
        published = code == 0 and (Path(os.environ["NODEWISE_RESULTS"]) / "data.json").exists() \
            and (root / "book" / "data.ipynb").exists()
    kept = list((root / "runs").glob("data/*/data.json"))
    return "handled" if published or code in (1, 2) and "error:" in err and (kept or "nothing was run" in err
                                                                           or code == 2) else "lost"


@contextlib.contextmanager
def other_filesystem(root: Path):
    """$NODEWISE_RESULTS on /dev/shm (a tmpfs)."""
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder, environment(NODEWISE_RESULTS=folder):
        yield


def failing(obj, name: str, error: OSError) -> Callable[[Path], contextlib.AbstractContextManager]:
    """A setup that makes obj.name raise `error`."""
    def raise_(*args, **kwargs):
        raise error
    return lambda root: patched(obj, name, raise_)


@contextlib.contextmanager
def exdev_at_rename(root: Path):
    """os.replace into book/ or results/ fails with EXDEV."""
    real = os.replace

    def replace(src, dst):
        if Path(dst).parent in (root / "book", root / "results"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real(src, dst)

    with patched(runner.os, "replace", replace):
        yield


@contextlib.contextmanager
def results_is_a_file(root: Path):
    """$NODEWISE_RESULTS names a file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "afile").write_text("x")
    with environment(NODEWISE_RESULTS=str(root / "afile")):
        yield


def probe_publishing() -> None:
    """Publishing to another filesystem, a failing rename, an unwritable destination, a full disk, a file."""
    setups = {"another filesystem": other_filesystem, "EXDEV at the rename": exdev_at_rename,
              "read-only destination": failing(runner.tempfile, "mkdtemp", PermissionError(errno.EROFS, "Read-only")),
              "full disk at the end": failing(runner, "stamp_results", OSError(errno.ENOSPC, "No space left")),
              "results is a file": results_is_a_file}
    with patched(runner.papermill, "execute_notebook", stand_in):
        for setup in setups.values():
            with tempfile.TemporaryDirectory() as root:
                tally("publishing", publish_case(Path(root), setup))
        with tempfile.TemporaryDirectory() as root, patched(runner, "RUNS", Path(root)):
            a, b = (runner.run_destination("data", {"profile": "smoke"}) for _ in range(2))
            tally("same-second identical runs", "handled" if a.page.parent != b.page.parent else "lost")
        probe_stale_staging()
        probe_environment()


def probe_stale_staging() -> None:
    """A staging folder of a dead process is removed by the next run."""
    with tempfile.TemporaryDirectory() as tmp, patched(runner, "RUNS", Path(tmp) / "runs"), \
            patched(runner, "BOOK", Path(tmp) / "book"), environment(NODEWISE_RESULTS=f"{tmp}/results"):
        stale = Path(tmp) / "book" / ".data-killed"
        stale.mkdir(parents=True)
        (stale / runner.OWNER).write_text(f"{runner.socket.gethostname()} 999999\n")
        silently(runner.main, ["data", "profile=smoke", "--publish"])
        tally("stale staging folder of a killed run", "handled" if not stale.exists() else "wrong")


ENVIRONMENT = [("NODEWISE_THREADS", v) for v in ("0", "abc", "", "-1")] + \
    [("NODEWISE_CHECKPOINT_S", v) for v in ("nan", "abc", "", "-1", "inf")] + \
    [("NODEWISE_CUDA_GRAPH", "yes"), ("NODEWISE_CACHE", ""), ("NODEWISE_RESULTS", ""), ("NODEWISE_CACHE", "FILE"),
     ("NODEWISE_RESULTS", "FILE")]


def probe_environment() -> None:
    """Each bad variable stops the run before any work, naming the variable; a bad scheduler stops a sweep."""
    for name, value in ENVIRONMENT:
        with tempfile.TemporaryDirectory() as tmp, patched(runner, "RUNS", Path(tmp) / "runs"):
            (Path(tmp) / "f").write_text("x")
            with environment(**{name: f"{tmp}/f" if value == "FILE" else value}):
                try:
                    code, err = silently(runner.main, ["data", "profile=smoke"])
                    tally("bad environment variables", "handled" if code == 2 and name in err else "wrong")
                except BaseException:  # noqa: B036 - any escape is the crash being counted
                    tally("bad environment variables", "crashed")
    with environment(NODEWISE_SCHEDULER="localhost"):
        try:
            sweep.check_sweep("data", {"profile": "smoke"}, {"seed": [0]})
            tally("bad environment variables", "wrong")
        except ParameterError as error:
            tally("bad environment variables", "handled" if "NODEWISE_SCHEDULER" in str(error) else "wrong")


def probe_results() -> None:
    """Malformed earlier results, NaN/inf measurements, truncated sweep results."""
    for text in ("[1]", '{"profile": "default", "wall_s": "fast"}', "{", '{"profile": "default", "wall_s": NaN}'):
        with tempfile.TemporaryDirectory() as tmp, environment(NODEWISE_RESULTS=tmp), \
                patched(runner, "RUNS", Path(tmp) / "runs"):
            (Path(tmp) / "data.json").write_text(text)
            try:
                silently(runner.announce, "data", runner.run_destination("data", {}), "default")
                tally("malformed earlier results JSON", "handled")
            except Exception:
                tally("malformed earlier results JSON", "crashed")
    for value in (np.float64("nan"), math.inf, np.array([1.0, -np.inf]), np.float32("nan")):
        with tempfile.TemporaryDirectory() as tmp, environment(NODEWISE_RESULTS=tmp):
            try:
                json.loads(results.write_results("data", resolve("data", "smoke"), {"x": value}, 0.0).read_text())
                tally("NaN/inf in results", "handled")
            except Exception:
                tally("NaN/inf in results", "crashed")
    for text in ('{"section": "da', "", "[1]", "null"):
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "data.json").write_text(text)
            rerun = lambda s, r, d, *a: Path(d.results).write_text('{"section": "data"}')  # noqa: E731
            with patched(sweep.runner, "run_section", rerun):
                outcome = sweep.execute_point("data", {"profile": "smoke"}, tmp, 1)
            tally("sweep point with truncated results",
                  "handled" if outcome.status == "done" and (Path(tmp) / "data.json.unreadable").exists() else "wrong")


def probe_late_failures() -> None:
    """Combinations that passed the checks and failed minutes later."""
    for section, values in (("data", {"sigma": 0.0, "theta": 0.0}), ("data", {"sigma": (0.0, 0.0), "theta": 0.0}),
                            ("data", {"n_tsne": 31, "perplexity": 2.0}),
                            ("memorisation", {"n_tsne": 40, "perplexity": 2.0})):
        try:
            resolve(section, "smoke", **values)
            tally("accepted, then failed later", "wrong")
        except ParameterError as error:
            tally("accepted, then failed later", "handled" if any(f"'{k}'" in str(error) for k in values) else "wrong")


# --------------------------------------------------------------------------------------------------------------
# make, tampered data
# --------------------------------------------------------------------------------------------------------------


def probe_make() -> None:
    """Shell commands in S/MEASURE and make functions in P/PUBLISH never run."""
    if shutil.which("make") is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        fake = Path(tmp)
        (fake / "bin").mkdir()
        (fake / "bin" / "python").write_text("#!/bin/sh\nexit 0\n")
        (fake / "bin" / "python").chmod(0o755)
        (fake / "stamp").write_text("")
        for args in (["section", f"S=data; touch {tmp}/m1"], ["section", "S=data", f"P=$(shell touch {tmp}/m2)"],
                     ["sweep", "S=data", "GRID=seed=0", f"MEASURE=x; touch {tmp}/m3"],
                     ["paper", f"S=data;touch {tmp}/m4"], ["section", "S=data", f"PUBLISH=$(shell touch {tmp}/m5)"]):
            subprocess.run(["make", "-s", "-C", str(REPO_ROOT), f"BIN={tmp}/bin", f"STAMP={tmp}/stamp", *args],
                           capture_output=True, check=False)
            tally("make: shell or make injection", "handled" if not list(fake.glob("m*")) else "wrong")


def probe_tampered_data() -> None:
    """One pixel changed in the MNIST and Fashion-MNIST caches (the checksum beside MNIST recomputed)."""
    source = REPO_ROOT / ".cache"
    if (source / "mnist" / "mnist.npz").exists():
        with tempfile.TemporaryDirectory() as tmp, environment(NODEWISE_CACHE=tmp):
            (Path(tmp) / "mnist").mkdir()
            with np.load(source / "mnist" / "mnist.npz") as npz:
                arrays = {k: npz[k].copy() for k in npz.files}
            arrays["x_train"][0, 14, 14] ^= 0xFF
            mn.write_mnist_cache(mn.mnist_cache_path(), arrays)
            tally("tampered data caches", outcome(lambda: mn.load_mnist(sources=()), mn.MNISTUnavailable))
    if (source / "fashion-mnist").exists():
        with tempfile.TemporaryDirectory() as tmp, environment(NODEWISE_CACHE=tmp):
            shutil.copytree(source / "fashion-mnist", fm.fashion_cache_dir())
            path = fm.fashion_cache_dir() / fm.FILES["x_test"][0]
            raw = bytearray(gzip.decompress(path.read_bytes()))
            raw[500] ^= 0xFF
            path.write_bytes(gzip.compress(bytes(raw)))
            tally("tampered data caches", outcome(lambda: fm.load_fashion_mnist(sources=()),
                                                  fm.FashionMNISTUnavailable))


def outcome(load: Callable, refusal: type[Exception]) -> str:
    """'handled' when loading refuses the tampered data, 'wrong' when it accepts it."""
    try:
        silently(load)
    except refusal:
        return "handled"
    return "wrong"


def main() -> None:
    """Run every probe and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=3000, help="random parameter requests besides the fixed list")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with patched(runner.papermill, "inspect_notebook", functools.cache(runner.papermill.inspect_notebook)):
        probe_requests(args.random)
    for mutate in CHECKPOINTS.values():
        tally("corrupted checkpoints", checkpoint_case(mutate))
    for mutate in CACHE_FILES.values():
        tally("corrupted model-cache files", cache_case(mutate))
    probe_publishing()
    probe_results()
    probe_late_failures()
    probe_make()
    probe_tampered_data()
    print("| probe | tried | handled | crashed | wrong | lost | allowed (ran) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for probe, counts in TABLE.items():
        print(f"| {probe} | {sum(counts.values())} | {counts['handled']} | {counts['crashed']} | {counts['wrong']} | "
              f"{counts['lost']} | {counts['ran (allowed)']} |")


if __name__ == "__main__":
    main()
