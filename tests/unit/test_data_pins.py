"""MNIST and Fashion-MNIST are checked against checksums pinned in the code, not only against a file that sits
beside the data (issue 33): a cache changed by one pixel and re-checksummed is refused, deleted and fetched again."""

import gzip
import shutil

import numpy as np
import pytest

from lib.data import fashion_mnist as fm
from lib.data import mnist as data


def stand_in(seed: int = 0) -> dict[str, np.ndarray]:
    """Small MNIST-shaped arrays."""
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, 20, dtype=np.int64),
            "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, 10, dtype=np.int64)}


@pytest.fixture
def pinned(tmp_path, monkeypatch):
    """A cache in tmp holding the stand-in arrays, whose checksum is pinned as the official one; yields them."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    arrays = stand_in()
    monkeypatch.setattr(data, "PINNED_SHA256", data.content_sha256(arrays))
    data.write_mnist_cache(data.mnist_cache_path(), arrays)
    return arrays


def test_the_pin_is_the_official_mnist_checksum():
    assert data.PINNED_SHA256 == "06b3aea1de48ee02a0c68096966e05539f698ec94bebcbe05d0a6e2c4eccd982"


def test_the_pinned_cache_loads(pinned):
    assert data.load_mnist(sources=()).sha256 == data.PINNED_SHA256


def test_a_cache_changed_by_one_pixel_and_rechecksummed_is_refused_and_fetched_again(pinned):
    tampered = {k: v.copy() for k, v in pinned.items()}
    tampered["x_train"][0, 14, 14] ^= 0xFF
    data.write_mnist_cache(data.mnist_cache_path(), tampered)  # the checksum beside the data agrees with it
    with pytest.warns(data.CacheReadWarning, match="not the pinned"):
        got = data.load_mnist(sources=(data.MNISTSource("official", lambda: {k: v.copy() for k, v in
                                                                              pinned.items()}),))
    assert got.source == "official" and np.array_equal(got.x_train, pinned["x_train"])


def test_a_source_giving_other_arrays_is_refused(pinned):
    data.mnist_cache_path().unlink()
    with pytest.raises(data.MNISTUnavailable, match="mirror: ValueError: content checksum .* not the pinned"):
        data.load_mnist(sources=(data.MNISTSource("mirror", lambda: stand_in(seed=1)),))


@pytest.mark.skipif(not (fm.fashion_cache_dir().exists()), reason="needs the Fashion-MNIST cache")
def test_a_fashion_mnist_cache_changed_by_one_pixel_is_refused(tmp_path, monkeypatch):
    """Fashion-MNIST's pins were already in the code (per decompressed file); this guards them."""
    source = fm.fashion_cache_dir()
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    shutil.copytree(source, fm.fashion_cache_dir())
    name = fm.FILES["x_test"][0]
    raw = bytearray(gzip.decompress((fm.fashion_cache_dir() / name).read_bytes()))
    raw[16 + 400] ^= 0xFF
    (fm.fashion_cache_dir() / name).write_bytes(gzip.compress(bytes(raw)))
    with pytest.warns(fm.CacheReadWarning):
        with pytest.raises(fm.FashionMNISTUnavailable, match="SHA-256"):
            fm.load_fashion_mnist(sources=())
