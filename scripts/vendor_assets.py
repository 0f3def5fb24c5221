"""Vendor the book's JavaScript from the npm registry so its pages work offline (DESIGN.md, Offline pages)."""

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from lib.paths import REPO_ROOT

VENDOR = REPO_ROOT / "_static" / "vendor"
MATHJAX_SHA512 = ("06df9249553c7811b6ef30a155ec0e89c62ced7b1db78d2a9b8f94a47c97ee4d"
                  "3f3bd36588f73ec7bee4d7f144b0fb2328f64626fb5164cd6f3be81e5b43a11b")
# package@version -> (sha512 hex of the npm tarball, the folder inside it the book needs)
PACKAGES = {"mathjax@3.2.2": (MATHJAX_SHA512, "package/es5")}


def npm_pack(spec: str, workdir: Path) -> Path:
    """Download one npm tarball into workdir (no install scripts run)."""
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return workdir / name


def vendor(spec: str, digest: str, inner: str) -> None:
    """Unpack `inner` of the verified npm tarball `spec` into _static/vendor/<name>."""
    target = VENDOR / spec.split("@")[0]
    if target.exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_pack(spec, Path(tmp))
        actual = hashlib.sha512(tarball.read_bytes()).hexdigest()
        if actual != digest:
            raise RuntimeError(f"{spec}: sha512 {actual} does not match the pinned {digest}")
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(inner + "/") and m.isfile()]
            tar.extractall(tmp, members=members, filter="data")
        shutil.copytree(Path(tmp) / inner, target)


def main() -> None:
    """Vendor every pinned package that is not there yet."""
    for spec, (digest, inner) in PACKAGES.items():
        vendor(spec, digest, inner)


if __name__ == "__main__":
    main()
