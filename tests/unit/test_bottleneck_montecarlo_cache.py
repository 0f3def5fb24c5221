"""The Monte-Carlo counts of thesis §4.3.4 through the model cache (montecarlo.cached_count): the same count as
embedding.success_count, computed once, and a damaged entry counted again, never used."""

import pytest

from lib import cache
from lib.paths import CACHE_ENV
from lib.studies.bottleneck import embedding as mp
from lib.studies.bottleneck import montecarlo


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path


def test_a_cached_count_is_the_count_and_is_computed_once(fresh_cache, monkeypatch):
    expected = mp.success_count(2, 5, 3000, "linear", r=0.1, seed=4)
    assert montecarlo.cached_count(2, 5, 3000, "linear", r=0.1, seed=4) == expected
    monkeypatch.setattr(mp, "success_count", lambda *a, **k: pytest.fail("counted again despite the cache"))
    assert montecarlo.cached_count(2, 5, 3000, "linear", r=0.1, seed=4) == expected
    assert len(list((fresh_cache / "models").glob("*.pt"))) == 1


def test_every_argument_is_part_of_the_key(fresh_cache):
    base = dict(p=2, n=5, trials=500, construction="affine", r=0.0, seed=1, distribution="unit_cube")
    for change in ({"n": 6}, {"trials": 501}, {"construction": "linear"}, {"seed": 2}, {"distribution": "gaussian"},
                   {"p": 3}, {"r": 0.1}):
        args = {**base, **change}
        assert montecarlo.cached_count(**args) == mp.success_count(**args)
    assert len(list((fresh_cache / "models").glob("*.pt"))) == 7


def test_a_damaged_count_is_counted_again(fresh_cache, monkeypatch):
    expected = montecarlo.cached_count(2, 4, 800, "affine", seed=9)
    (entry,) = (fresh_cache / "models").glob("*.pt")
    text = cache.decode(entry.read_bytes())["config"]
    entry.write_bytes(cache.encode({"successes": -3, "config": text}))  # a well-formed file with a wrong count
    with pytest.warns(cache.CacheWarning):
        assert montecarlo.cached_count(2, 4, 800, "affine", seed=9) == expected
    entry.write_bytes(b"nodewise-model 1 0000\ngarbage")
    with pytest.warns(cache.CacheWarning):
        assert montecarlo.cached_count(2, 4, 800, "affine", seed=9) == expected


def test_precompute_fills_the_cache_the_run_then_reads(fresh_cache, monkeypatch):
    from lib.studies import resolve

    cfg = resolve("bottleneck", "smoke")
    montecarlo.precompute(cfg)
    monkeypatch.setattr(mp, "success_count", lambda *a, **k: pytest.fail("the run counted what was precomputed"))
    grid, quoted, separation = montecarlo.tables(cfg)
    assert len(grid) and len(quoted) and len(separation)
