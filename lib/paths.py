"""Where the project keeps what it generates: the cache, the results, the executed book pages."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_ENV = "NODEWISE_CACHE"
RESULTS_ENV = "NODEWISE_RESULTS"


def cache_dir() -> Path:
    """Directory for data and trained models: $NODEWISE_CACHE, else .cache/ in the repository."""
    path = Path(os.environ.get(CACHE_ENV, REPO_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir() -> Path:
    """Directory of <section>.json (the numbers the book's tables show): $NODEWISE_RESULTS, else results/."""
    path = Path(os.environ.get(RESULTS_ENV, REPO_ROOT / "results"))
    path.mkdir(parents=True, exist_ok=True)
    return path
