"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): the slides' second data set, in MNIST's format.

Sources, tried in order; the first whose four files pass verification wins:

1. the cache, ``<cache_dir>/fashion-mnist/`` (the four gzipped IDX files, verified on every load);
2. the official download (when a network allows it);
3. Debian's ``dataset-fashion-mnist`` package, installed: ``/usr/share/datasets/fashion-mnist/``;
4. the same package fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x`` into the cache
   (needs only the Debian package registry, no root for the download itself).

Every file is verified by the SHA-256 of its *decompressed* IDX bytes (Debian recompresses the ``.gz`` files,
so the compressed bytes differ from the official ones while the data are the same), then decoded with
``lib.data.mnist.parse_idx``. An unreadable or wrong cached file is deleted and fetched again.
"""

import gzip
import hashlib
import shutil
import subprocess
import tempfile
import urllib.request
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.data.mnist import MNIST, content_sha256, parse_idx
from lib.paths import cache_dir

N_CLASSES = 10
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
# Array name -> (file, SHA-256 of the decompressed IDX bytes; computed from Debian's dataset-fashion-mnist
# 0.0~git20200523.55506a9-1, upstream's files, whose shapes and per-class counts are the published ones).
FILES = {
    "x_train": ("train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    "y_train": ("train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    "x_test": ("t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    "y_test": ("t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
}
OFFICIAL_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
DEBIAN_PACKAGE = "dataset-fashion-mnist"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_TIMEOUT_S = 5.0
APT_TIMEOUT_S = 300
TRAIN_PER_CLASS, TEST_PER_CLASS = 6000, 1000

# What a failing source may raise; anything else is a bug and propagates.
SOURCE_ERRORS = (OSError, ValueError, EOFError, zlib.error, subprocess.SubprocessError)


class FashionMNISTUnavailable(RuntimeError):
    """Every Fashion-MNIST source failed; the message names each source and why."""


class CacheReadWarning(UserWarning):
    """A cached Fashion-MNIST file failed verification; it was deleted and fetched again."""


def fashion_cache_dir() -> Path:
    """Where the verified files are kept: <cache_dir>/fashion-mnist/."""
    return cache_dir() / "fashion-mnist"


def verified_idx(gz_bytes: bytes, expected_sha256: str, name: str) -> np.ndarray:
    """Decompress a gzipped IDX file, check the SHA-256 of its bytes and decode it."""
    raw = gzip.decompress(gz_bytes)
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected_sha256:
        raise ValueError(f"{name}: SHA-256 of the decompressed file is {actual}, expected {expected_sha256}")
    return parse_idx(raw)


def arrays_from_files(read: Callable[[str], bytes]) -> dict[str, np.ndarray]:
    """The four verified arrays, each file read by `read(file name)`; labels widened to int64."""
    arrays = {}
    for key, (name, sha256) in FILES.items():
        array = verified_idx(read(name), sha256, name)
        arrays[key] = array.astype(np.int64) if key.startswith("y") else array
    return check_arrays(arrays)


def check_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Shapes and per-class counts as published: 60,000 / 10,000 images of 28×28, 6,000 / 1,000 per class."""
    for part, n, per_class in (("train", 60000, TRAIN_PER_CLASS), ("test", 10000, TEST_PER_CLASS)):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.shape != (n, 28, 28) or y.shape != (n,):
            raise ValueError(f"{part}: shapes {x.shape}, {y.shape}, expected ({n}, 28, 28), ({n},)")
        if not (np.bincount(y, minlength=N_CLASSES) == per_class).all():
            raise ValueError(f"{part}: per-class counts are not {per_class} each")
    return arrays


def _from_directory(directory: Path) -> Callable[[str], bytes]:
    return lambda name: (directory / name).read_bytes()


def _download(name: str) -> bytes:
    with urllib.request.urlopen(OFFICIAL_URL + name, timeout=DOWNLOAD_TIMEOUT_S) as response:
        return response.read()


def fetch_official() -> dict[str, np.ndarray]:
    """The four files from the official download site."""
    return arrays_from_files(_download)


def fetch_installed(directory: Path = DEBIAN_DIR) -> dict[str, np.ndarray]:
    """The files of the installed Debian package."""
    return arrays_from_files(_from_directory(directory))


def fetch_apt_download(into: Path | None = None) -> dict[str, np.ndarray]:
    """`apt-get download dataset-fashion-mnist`, unpacked with `dpkg-deb -x` into a temporary folder of the cache."""
    parent = into or cache_dir()
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix="fashion-mnist-deb-") as work:
        subprocess.run(["apt-get", "download", DEBIAN_PACKAGE], cwd=work, check=True, capture_output=True,
                       timeout=APT_TIMEOUT_S)
        debs = sorted(Path(work).glob(f"{DEBIAN_PACKAGE}_*.deb"))
        if not debs:
            raise OSError(f"apt-get download left no {DEBIAN_PACKAGE}_*.deb")
        unpacked = Path(work) / "root"
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True, capture_output=True,
                       timeout=APT_TIMEOUT_S)
        return arrays_from_files(_from_directory(unpacked / DEBIAN_DIR.relative_to("/")))


@dataclass(frozen=True)
class Source:
    """A named way of obtaining the four arrays."""

    name: str
    fetch: Callable[[], dict[str, np.ndarray]]


SOURCES = (
    Source("official download", fetch_official),
    Source(f"Debian package installed in {DEBIAN_DIR}", fetch_installed),
    Source(f"apt-get download {DEBIAN_PACKAGE} + dpkg-deb -x", fetch_apt_download),
)


def write_cache(arrays: dict[str, np.ndarray], directory: Path) -> None:
    """Store the arrays as the four gzipped IDX files (atomically: temporary file, then rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    for key, (name, _) in FILES.items():
        array = arrays[key].astype(np.uint8)
        header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
        with tempfile.NamedTemporaryFile(dir=directory, prefix=name, suffix=".tmp", delete=False) as handle:
            handle.write(gzip.compress(header + array.tobytes(), compresslevel=6, mtime=0))
        Path(handle.name).chmod(0o644)
        Path(handle.name).replace(directory / name)


def read_cache(directory: Path) -> dict[str, np.ndarray]:
    """The cached arrays, verified; a cache that fails verification is deleted (with a warning) and reported."""
    if not all((directory / name).exists() for name, _ in FILES.values()):
        raise FileNotFoundError(f"no complete cache in {directory}")
    try:
        return arrays_from_files(_from_directory(directory))
    except SOURCE_ERRORS as error:
        warnings.warn(f"Fashion-MNIST cache unreadable ({error}); deleted, fetching again", CacheReadWarning,
                      stacklevel=3)
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _read_only(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


def load_fashion_mnist(sources: Sequence[Source] = SOURCES) -> MNIST:
    """Fashion-MNIST as MNIST-format arrays (`lib.data.MNIST`, so `split_mnist` applies): from the verified cache,
    else from the first source that works (then cached). One error names every source tried and why it failed."""
    directory = fashion_cache_dir()
    try:
        arrays = read_cache(directory)
        return MNIST(**_read_only(arrays), source="cache", sha256=content_sha256(arrays))
    except SOURCE_ERRORS as error:
        reasons = [f"cache ({directory}): {type(error).__name__}: {error}"]
    for source in sources:
        try:
            arrays = source.fetch()
        except SOURCE_ERRORS as error:
            reasons.append(f"{source.name}: {type(error).__name__}: {error}")
            continue
        write_cache(arrays, directory)
        return MNIST(**_read_only(arrays), source=source.name, sha256=content_sha256(arrays))
    raise FashionMNISTUnavailable("Fashion-MNIST could not be loaded from any source:\n  " + "\n  ".join(reasons))
