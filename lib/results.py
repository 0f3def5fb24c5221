"""results/<section>.json: the numbers a section's tables show, with what produced them (DESIGN.md, Contracts)."""

import dataclasses
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lib.paths import results_dir


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
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def write_results(section: str, config: Any, paper: dict, measured: dict, started: float) -> Path:
    """Write results/<section>.json atomically; `started` is the time.time() the section began."""
    record = {"section": section, "profile": config.profile, "parameters": to_json(config),
              "paper": to_json(paper), "measured": to_json(measured), "environment": environment(),
              "elapsed_s": round(time.time() - started, 2)}
    path = results_dir() / f"{section}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2, allow_nan=False) + "\n")
    os.replace(tmp, path)
    return path


def read_results(section: str) -> dict:
    """The last results of a section."""
    return json.loads((results_dir() / f"{section}.json").read_text())


def comparison_table(paper: dict, measured: dict) -> pd.DataFrame:
    """The "paper vs this run" table: one row per measured key, '—' where the paper quotes no value."""
    rows = [{"quantity": key, "paper": paper.get(key, "—"), "this run": value} for key, value in measured.items()]
    return pd.DataFrame(rows).set_index("quantity").astype(str)
