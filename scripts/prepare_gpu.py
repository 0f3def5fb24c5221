"""Prepare this checkout for a GPU session: what scripts/paper_gpu.py needs on the device, and the command to paste.

    python -m scripts.prepare_gpu [--no-download] [--sections a,b]

The device machine (docs: the device tool's README and KINDS.md) runs its image's python3 (3.12, torch 2.11 with
CUDA) and reaches no network: the packages it lacks travel as cp312 wheels in .whl/, the data as the project's own
cache files in .gpu/cache/, both ignored by git through .git/info/exclude and named in the call's `carry`. This
script

1. downloads the wheels of WHEELS into .whl/ with the device README's pip flags (and removes any other wheel there);
2. stages the data caches the pending sections need into .gpu/cache/: MNIST as a compressed .npz with its content
   checksum (lib.data.mnist reads and verifies it as it is), Fashion-MNIST's four verified IDX files when
   cooperating_classifiers is pending, and the GPU networks brought back by earlier steps (.cache/gpu-store/,
   written by `paper_gpu --unpack`), checkpoints and pending sections first, while the 64 MiB limit allows;
   Before that, it runs the CPU work of the pending sections' `paper` runs (`Study.precompute`: bottleneck's
   Monte Carlo, minutes of CPU that the first GPU step spent instead of training) into .cache/precomputed/ and
   adds what it wrote to .cache/gpu-store/, so that the device finds it in its cache;
3. writes .gpu/commit (the commit the references will record: the device's copy has no .git);
4. measures what travels (tracked and untracked files git does not ignore, plus .whl/ and .gpu/) against the
   tool's 64 MiB limit, and prints the exact `run` arguments.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from lib.paths import REPO_ROOT
from scripts import paper_gpu

WHL = REPO_ROOT / ".whl"
GPU = REPO_ROOT / ".gpu"
STORE = paper_gpu.STORE
PRECOMPUTED = REPO_ROOT / ".cache" / "precomputed"  # the CPU work of paper runs, kept between preparations
LIMIT = 64 * 2**20
MARGIN = 512 * 1024  # left free under the limit for files others add before the call
# What lib.runner and the section notebooks import that the device image lacks (KINDS.md's package list), at the
# versions of requirements.lock; pure-Python unless marked. Optional imports the runs never reach are left out:
# debugpy (5 MB; ipykernel runs without its debugger), jedi and parso (IPython completes without them).
WHEELS = (
    "papermill==2.7.0", "nbclient==0.11.0", "nbformat==5.11.1", "fastjsonschema==2.22.3", "jsonschema==4.26.0",
    "jsonschema-specifications==2025.9.1", "referencing==0.37.0", "rpds-py==2026.9.1",  # rpds-py: compiled
    "jupyter_client==8.10.0", "jupyter_core==5.9.1", "platformdirs==4.14.7", "traitlets==5.16.1",
    "pyzmq==27.3.0", "tornado==6.6.1",  # compiled
    "ipykernel==7.4.0", "comm==0.2.3", "matplotlib-inline==0.2.2", "nest-asyncio2==1.7.4",
    "ipython==9.18.1", "ipython_pygments_lexers==1.1.1", "prompt_toolkit==3.0.53", "wcwidth==0.9.4",
    "pexpect==4.9.0", "ptyprocess==0.7.0", "stack-data==0.6.3", "executing==2.3.0", "asttokens==3.0.2",
    "pure_eval==0.2.4", "decorator==5.2.1",
    "entrypoints==0.4.2", "tenacity==9.2.1",  # papermill
    "myst-nb==1.4.0", "docutils==0.21.2",  # the notebooks' `from myst_nb import glue` (imports docutils)
    "openTSNE==1.0.4",  # compiled; lib.embedding (data, memorisation)
)
PIP_FLAGS = ("--no-deps", "--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp",
             "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_27_x86_64",
             "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
             "--platform", "manylinux1_x86_64")
EXCLUDES = ("/.whl/", "/.gpu/")
INSTALL = ("python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site "
           ".whl/*.whl && export PYTHONPATH=/tmp/site || exit")
STEP = "PYTHONUNBUFFERED=1 python3 -m scripts.paper_gpu --budget-s {budget}"
CARRY = [".whl", ".gpu"]


def device_command(budget_s: int = 540) -> str:
    """The one command for the device tool's `run` (its timeout_s: 600)."""
    return f"{INSTALL}; nvidia-smi -L; {STEP.format(budget=budget_s)}"


def ensure_excluded(root: Path = REPO_ROOT) -> None:
    """Add /.whl/ and /.gpu/ to .git/info/exclude (so they travel only when carried and are never committed)."""
    path = root / ".git" / "info" / "exclude"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = path.read_text().splitlines() if path.exists() else []
    missing = [line for line in EXCLUDES if line not in lines]
    if missing:
        path.write_text("\n".join([*lines, *missing]) + "\n")


def normalised(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def download_wheels(folder: Path = WHL) -> None:
    """pip download each wheel of WHEELS into `folder` for the device (cp312, manylinux x86-64); remove others."""
    folder.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", *PIP_FLAGS, "-d", str(folder), *WHEELS],
                   check=True)
    wanted = {(normalised(s.split("==")[0]), s.split("==")[1]) for s in WHEELS}
    for path in folder.glob("*.whl"):
        if (normalised(path.name.split("-")[0]), path.name.split("-")[1]) not in wanted:
            path.unlink()


def stage_data(pending: list[str], cache: Path) -> list[Path]:
    """The data caches the pending sections read, as lib.data verifies them, into `cache` (.gpu/cache)."""
    import numpy as np

    from lib.data import fashion_mnist, mnist

    staged = []
    target = cache / "mnist" / "mnist.npz"
    arrays = mnist.load_mnist()
    sums = target.with_name("mnist.npz.sha256")
    if not (target.exists() and sums.exists() and sums.read_text().strip() == arrays.sha256):
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as handle:
            np.savez_compressed(handle, **{k: np.asarray(getattr(arrays, k)) for k in mnist.MNIST_ARRAYS})
        sums.write_text(f"{arrays.sha256}\n")
    staged += [target, sums]
    folder = cache / "fashion-mnist"
    if "cooperating_classifiers" in pending:
        fashion_mnist.load_fashion_mnist()  # verified (fetched if missing) in the local cache
        source = fashion_mnist.fashion_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        for name, _ in fashion_mnist.FILES.values():
            shutil.copyfile(source / name, folder / name)
            staged.append(folder / name)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return staged


def travelling_bytes(root: Path = REPO_ROOT) -> int:
    """Bytes of the files that travel without `carry`: tracked, and untracked that git does not ignore."""
    names = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                           capture_output=True, check=True).stdout.split(b"\0")
    total = 0
    for name in filter(None, names):
        path = root / name.decode()
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under a folder."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def stage_models(pending: list[str], room: int, store: Path = STORE, cache: Path = GPU / "cache") -> tuple[int, int]:
    """Copy the stored GPU networks into .gpu/cache/models while `room` bytes allow: checkpoints first, then the
    networks of the pending sections in paper_gpu's order, then the rest. Returns (files staged, files left)."""
    target = cache / "models"
    shutil.rmtree(target, ignore_errors=True)
    files = sorted(p for p in store.glob("*") if p.is_file() and not p.name.startswith(".")
                   and p.name != paper_gpu.STORE_INDEX) if store.exists() else []
    if not files:
        return 0, 0
    sections = read_index(store)
    rank = {s: i for i, s in enumerate(pending)}

    def key(path: Path):
        return (not path.name.endswith(".partial"), rank.get(sections.get(path.name, ""), len(rank)), path.name)

    target.mkdir(parents=True)
    staged = used = 0
    for path in sorted(files, key=key):
        size = path.stat().st_size
        if used + size > room:
            continue
        shutil.copyfile(path, target / path.name)
        used += size
        staged += 1
    return staged, len(files) - staged


def precompute(pending: list[str], store: Path = STORE, folder: Path = PRECOMPUTED, profile: str = "paper") -> int:
    """Run each pending section's Study.precompute at `profile` with the model cache at `folder` (kept, so a second
    preparation reuses it), and copy the cache files it holds into `store`, indexed by section. Files copied."""
    from lib.paths import CACHE_ENV
    from lib.studies import resolve, study

    index, copied = read_index(store), 0
    for section in pending:
        work = study(section).precompute
        if work is None:
            continue
        cache = folder / section
        previous = os.environ.get(CACHE_ENV)
        os.environ[CACHE_ENV] = str(cache)
        try:
            started = time.monotonic()
            work(resolve(section, profile))
            print(f"precomputed {section} ({profile}) in {time.monotonic() - started:.0f} s")
        finally:
            if previous is None:
                os.environ.pop(CACHE_ENV)
            else:
                os.environ[CACHE_ENV] = previous
        for path in sorted((cache / "models").glob("*.pt")):
            store.mkdir(parents=True, exist_ok=True)
            if not (store / path.name).exists():
                shutil.copyfile(path, store / path.name)
                copied += 1
            index[path.name] = section
    if copied or index:
        store.mkdir(parents=True, exist_ok=True)
        (store / paper_gpu.STORE_INDEX).write_text(json.dumps(index, indent=0, sort_keys=True) + "\n")
    return copied


def read_index(store: Path) -> dict[str, str]:
    """File name → section, as `paper_gpu --unpack` recorded them (empty when none)."""
    try:
        return json.loads((store / paper_gpu.STORE_INDEX).read_text())
    except (OSError, ValueError):
        return {}


def write_commit(path: Path = GPU / "commit") -> str:
    """The checked-out commit, with "+changes" when tracked files differ from it (lib.reference.git_commit)."""
    from lib.reference import git_commit

    commit = git_commit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(commit + "\n")
    return commit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-download", action="store_true", help="keep .whl/ as it is")
    parser.add_argument("--sections", help="the sections the step will consider (default: the pending ones)")
    parser.add_argument("--budget-s", type=int, default=int(paper_gpu.DEFAULT_BUDGET_S))
    args = parser.parse_args(argv)
    ensure_excluded()
    from lib.studies import SECTIONS

    pending = args.sections.split(",") if args.sections else paper_gpu.pending(list(SECTIONS),
                                                                                paper_gpu.REFERENCE_DIR, "paper")
    hours = paper_gpu.projected_hours()
    pending = paper_gpu.ordered(pending, {s: paper_gpu.claim_count(s) for s in pending}, hours)
    print(f"pending sections, in paper_gpu's order: {', '.join(pending) or 'none'}")
    if not args.no_download:
        download_wheels()
    precompute(pending)
    stage_data(pending, GPU / "cache")
    commit = write_commit()
    tree, wheels = travelling_bytes(), folder_bytes(WHL)
    data = folder_bytes(GPU) - folder_bytes(GPU / "cache" / "models")
    staged, left = stage_models(pending, LIMIT - MARGIN - tree - wheels - data)
    models = folder_bytes(GPU / "cache" / "models")
    total = tree + wheels + data + models
    mib = 2**20
    print(f"travels: tree {tree / mib:.1f} MiB + wheels {wheels / mib:.1f} MiB ({len(list(WHL.glob('*.whl')))} "
          f"files) + data {data / mib:.1f} MiB + GPU networks {models / mib:.1f} MiB ({staged} files"
          f"{f', {left} left here for lack of room' if left else ''}) = {total / mib:.1f} MiB of 64 MiB")
    print(f"references will record commit {commit}")
    if total > LIMIT:
        print("error: over the device tool's 64 MiB limit", file=sys.stderr)
        return 1
    print("\nthe device tool's run, first thing in a session that has one:")
    print(json.dumps({"command": device_command(args.budget_s), "carry": CARRY, "timeout_s": 600}, indent=1))
    print("\nthen, here: python -m scripts.paper_gpu --unpack <files_at>   (see README, 'GPU session')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
