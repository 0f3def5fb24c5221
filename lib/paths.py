"""Where the project keeps what it generates: the cache, the results, the executed book pages.

$NODEWISE_CACHE and $NODEWISE_RESULTS, when set, must name a folder (existing or creatable) that this process may
write; anything else is a SettingError that names the variable and the fix.
"""

import os
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_ENV = "NODEWISE_CACHE"
RESULTS_ENV = "NODEWISE_RESULTS"


class SettingError(ValueError):
    """An environment variable of the project holds a value it does not allow, or names an unusable folder."""


def folder_from(env: str, default: Path) -> Path:
    """The folder $env names (else `default`), created if missing; SettingError if it cannot be a folder."""
    text = os.environ.get(env)
    if text is not None and not text.strip():
        raise SettingError(f"environment variable {env} is empty; allowed: a folder path (unset: {default})")
    path = Path(text) if text is not None else default
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SettingError(f"{_named(env, path)} is a file, not a folder; point {env} at a folder or unset it") \
            from None
    except OSError as error:
        raise SettingError(f"{_named(env, path)} cannot be created ({error.strerror}); point {env} at a "
                           "writable folder or unset it") from None
    return path


def check_writable(env: str, path: Path) -> None:
    """SettingError if this process cannot create files in the folder `path` (named by $env or its default)."""
    if not os.access(path, os.W_OK | os.X_OK):
        raise SettingError(f"{_named(env, path)} is not writable; make it writable or point {env} at another "
                           "folder")


def _named(env: str, path: Path) -> str:
    """'NODEWISE_CACHE=/x' when the variable is set, else the default folder's path."""
    return f"{env}={path}" if env in os.environ else f"the folder {path}"


def cache_dir() -> Path:
    """Directory for data and trained models: $NODEWISE_CACHE, else .cache/ in the repository."""
    return folder_from(CACHE_ENV, REPO_ROOT / ".cache")


def results_dir() -> Path:
    """Directory of <section>.json (the numbers the book's tables show): $NODEWISE_RESULTS, else results/."""
    return folder_from(RESULTS_ENV, REPO_ROOT / "results")


def usable_folder(env: str, default: Path) -> str | None:
    """Why $env (else `default`) cannot serve as a writable folder, without creating anything; None if it can."""
    text = os.environ.get(env)
    if text is not None and not text.strip():
        return f"environment variable {env} is empty; allowed: a folder path (unset: {default})"
    path = Path(text) if text is not None else default
    existing = next(p for p in (path, *path.parents) if p.exists() or p == p.parent)
    if not existing.is_dir():
        return f"{_named(env, path)}: {existing} is a file, not a folder; point {env} at a folder or unset it"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{_named(env, path)}: {existing} is not writable; make it writable or point {env} at another folder"
    return None


def claim_folder(parent: Path, name: str) -> Path:
    """Create and return parent/name, or parent/name with -2, -3, ... inserted before its last '-' part when taken:
    mkdir is atomic, so two runs started in the same second never share a folder."""
    parent.mkdir(parents=True, exist_ok=True)
    head, dash, tail = name.rpartition("-")
    for n in range(1, 10000):
        candidate = parent / (name if n == 1 else f"{head}-{n}{dash}{tail}" if dash else f"{name}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free folder name for {parent / name}")


def timestamp() -> str:
    """Local time as YYYYmmdd-HHMMSS (run folders sort by it)."""
    return time.strftime("%Y%m%d-%H%M%S")
