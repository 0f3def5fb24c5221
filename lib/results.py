"""results/<section>.json: the numbers a section's tables show, with what produced them (ARCHITECTURE.md,
"From parameters to verdicts").

A notebook writes its record where lib.runner tells it ($NODEWISE_RESULTS: a staging folder of the run). Run any
other way (plain papermill, Jupyter) it writes into a new folder runs/<section>/<time>-notebook/ and never over the
book's results/: only `lib.runner --publish` (make book, PUBLISH=1) puts a record there. NaN and infinite numbers,
which JSON cannot hold, are written as null.
"""

import dataclasses
import json
import math
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lib.paths import REPO_ROOT, RESULTS_ENV, claim_folder, results_dir, timestamp


def environment() -> dict[str, str]:
    """Library versions and the device the numbers were computed on."""
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"cpu ({os.cpu_count()} cores)"
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "platform": platform.platform(), "device": device, "threads": str(torch.get_num_threads())}


def to_json(value: Any) -> Any:
    """Plain JSON values from tensors, arrays, NumPy scalars, tuples and dataclasses."""
    if dataclasses.is_dataclass(value):
        return to_json(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, torch.Tensor):
        return to_json(value.detach().cpu().numpy())
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, np.generic):
        return to_json(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN or infinity
    return value


def write_results(section: str, config: Any, measured: dict, started: float, *, claims: list[dict] | None = None,
                  paper: dict | None = None) -> Path:
    """Write results/<section>.json atomically (a unique temp file, then rename); `started` is the time.time() the
    section began. A study in the ledger passes `claims` (Ledger.evaluate()); one not yet migrated, `paper`."""
    record = {"section": section, "profile": config.profile, "parameters": to_json(config),
              "measured": to_json(measured), "environment": environment(),
              "elapsed_s": round(time.time() - started, 2)}
    if claims is not None:
        record["claims"] = to_json(claims)
    if paper is not None:
        record["paper"] = to_json(paper)
    path = results_folder(section) / f"{section}.json"
    write_json_atomic(path, record)
    return path


def results_folder(section: str) -> Path:
    """$NODEWISE_RESULTS when set (lib.runner sets it for every run), else a new runs/<section>/<time>-notebook/."""
    if RESULTS_ENV in os.environ:
        return results_dir()
    folder = claim_folder(REPO_ROOT / "runs" / section, f"{timestamp()}-notebook")
    print(f"results written to {folder} (run through lib.runner --publish to put them into the book)")
    return folder


def write_json_atomic(path: Path, record: dict) -> None:
    """Write JSON to a uniquely named temp file beside `path`, then rename it over `path` (concurrent writers
    never share a temp file)."""
    handle = tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp",
                                         delete=False, encoding="utf-8")
    try:
        with handle:
            handle.write(json.dumps(record, indent=2, allow_nan=False) + "\n")
        os.chmod(handle.name, 0o644)  # a temp file is private (0600); the results are for everyone to read
        os.replace(handle.name, path)
    except (OSError, ValueError):
        Path(handle.name).unlink(missing_ok=True)
        raise


def read_results(section: str) -> dict:
    """The last results of a section."""
    return json.loads((results_dir() / f"{section}.json").read_text())


def comparison_table(paper: dict, measured: dict) -> pd.DataFrame:
    """The "paper vs this run" table of a study not yet in the ledger: one row per measured key."""
    rows = [{"quantity": key, "paper": paper.get(key, "—"), "this run": value} for key, value in measured.items()]
    return pd.DataFrame(rows).set_index("quantity").astype(str)
