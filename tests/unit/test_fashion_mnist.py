"""Fashion-MNIST: sources, SHA-256 verification of the decompressed files, the cache and its repair."""

import gzip
import hashlib

import numpy as np
import pytest

from lib.data import fashion_mnist as fm
from lib.data import split_mnist


@pytest.fixture(scope="module")
def fashion():
    """The real data set, through the project's cache (fetched from the first source that works)."""
    return fm.load_fashion_mnist()


def test_published_shapes_and_classes(fashion):
    assert fashion.x_train.shape == (60000, 28, 28) and fashion.x_test.shape == (10000, 28, 28)
    assert np.bincount(fashion.y_train).tolist() == [6000] * 10
    assert np.bincount(fashion.y_test).tolist() == [1000] * 10
    assert fashion.x_train.dtype == np.uint8 and not fashion.x_train.flags.writeable
    splits = split_mnist(fashion, "55k/5k/10k")
    assert len(splits.train[0]) == 55000 and len(splits.val[0]) == 5000


def test_cache_holds_files_that_decompress_to_the_pinned_sha256(fashion):
    for name, sha256 in fm.FILES.values():
        raw = gzip.decompress((fm.fashion_cache_dir() / name).read_bytes())
        assert hashlib.sha256(raw).hexdigest() == sha256


def test_verified_idx_rejects_a_wrong_checksum():
    raw = bytes([0, 0, 0x08, 1]) + np.array([3], dtype=">u4").tobytes() + bytes([1, 2, 3])
    good = hashlib.sha256(raw).hexdigest()
    assert fm.verified_idx(gzip.compress(raw), good, "x").tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="SHA-256"):
        fm.verified_idx(gzip.compress(raw), "0" * 64, "x")


def test_every_failing_source_is_named_in_one_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))

    def fail(reason):
        def fetch():
            raise OSError(reason)
        return fetch

    sources = (fm.Source("first", fail("no network")), fm.Source("second", fail("not installed")))
    with pytest.raises(fm.FashionMNISTUnavailable) as error:
        fm.load_fashion_mnist(sources)
    text = str(error.value)
    assert "cache" in text and "first: OSError: no network" in text and "second: OSError: not installed" in text


def test_a_corrupt_cache_is_deleted_and_fetched_again(tmp_path, monkeypatch, fashion):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    arrays = {k: np.array(getattr(fashion, k)) for k in fm.FILES}
    fm.write_cache(arrays, fm.fashion_cache_dir())
    assert fm.load_fashion_mnist(()).source == "cache"
    labels = fm.fashion_cache_dir() / fm.FILES["y_test"][0]
    raw = bytearray(gzip.decompress(labels.read_bytes()))
    raw[-1] = (raw[-1] + 1) % 10  # one label changed: the checksum must catch it
    labels.write_bytes(gzip.compress(bytes(raw)))
    with pytest.warns(fm.CacheReadWarning):
        again = fm.load_fashion_mnist((fm.Source("stand-in", lambda: arrays),))
    assert again.source == "stand-in" and again.sha256 == fashion.sha256
    assert fm.load_fashion_mnist(()).source == "cache"


def test_debian_package_from_an_empty_cache(tmp_path, monkeypatch):
    """The CI path: no network but the Debian package registry; `apt-get download` + `dpkg-deb -x`."""
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    loaded = fm.load_fashion_mnist((fm.SOURCES[-1],))
    assert loaded.source.startswith("apt-get download")
    assert sorted(p.name for p in fm.fashion_cache_dir().iterdir()) == sorted(n for n, _ in fm.FILES.values())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("fashion-mnist-deb-")]
