"""Vendor the book's JavaScript from the npm registry so its pages work offline."""

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from lib.paths import REPO_ROOT

VENDOR = REPO_ROOT / "_vendor"  # copied beside the pages (html_extra_path), not into _static/
MATHJAX_SHA512 = ("06df9249553c7811b6ef30a155ec0e89c62ced7b1db78d2a9b8f94a47c97ee4d"
                  "3f3bd36588f73ec7bee4d7f144b0fb2328f64626fb5164cd6f3be81e5b43a11b")
HTML_MANAGER_SHA512 = ("37125ecf39a00fee1aa98c84383b93b6b342e8bee603d2583e8e4538ed2959292"
                       "b2d782c69d977e367dd7023797f466e23f39dce646fcf740ac6093ebebd3fec")
REQUIREJS_SHA512 = ("0e8b931bc4f559a9c6a24e908e0d925ee08ccecccea34787787f610d9e58e31f"
                    "097bef49077f077532d3e3f540f0e6948416b424f547274a72064335cfea43b3")
# package@version -> (sha512 hex of the npm tarball, the folder inside it the book needs, where it goes under
# _vendor/); _config.yml points mathjax_path and nb_ipywidgets_js at these copies. The widget manager loads its
# fonts from <data-jupyter-widgets-cdn>@jupyter-widgets/html-manager/dist/, hence that path.
PACKAGES = {
    "mathjax@3.2.2": (MATHJAX_SHA512, "package/es5", "mathjax"),
    "@jupyter-widgets/html-manager@1.0.13": (HTML_MANAGER_SHA512, "package/dist", "@jupyter-widgets/html-manager/dist"),
    "requirejs@2.3.7": (REQUIREJS_SHA512, "package", "requirejs"),
}


def npm_pack(spec: str, workdir: Path) -> Path:
    """Download one npm tarball into workdir (no install scripts run)."""
    name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=workdir, check=True,
                          capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return workdir / name


def vendor(spec: str, digest: str, inner: str, destination: str) -> None:
    """Unpack `inner` of the verified npm tarball `spec` into _vendor/<destination>."""
    target = VENDOR / destination
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
    for spec, (digest, inner, destination) in PACKAGES.items():
        vendor(spec, digest, inner, destination)


if __name__ == "__main__":
    main()
