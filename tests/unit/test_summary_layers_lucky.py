"""lib.studies.summary_layers.lucky (screen, train on, the no-loss probability) and the linear-summary arm of grid,
on small random data."""

import numpy as np
import pytest
import torch
from scipy import stats

from lib.studies.summary_layers import dead_nodes, grid, lucky


def tiny_data(seed: int = 0, n: int = 240, d_in: int = 12, classes: int = 4) -> grid.Data:
    """Separable random data: class c has a bright pixel block of its own."""
    gen = torch.Generator().manual_seed(seed)

    def part(count):
        y = torch.randint(classes, (count,), generator=gen)
        x = 0.2 * torch.rand(count, d_in, generator=gen)
        for c in range(classes):
            x[y == c, 3 * c:3 * c + 3] += 0.8
        return x, y

    return grid.Data(*part(n), *part(80), *part(80), f"tiny:{seed}")


def test_continued_members_are_the_passing_seeds_and_the_first_controls():
    lost = np.array([0, 2, 1, 0, 3, 1])
    np.testing.assert_array_equal(lucky.continued_members(lost, 2), [0, 1, 2, 3])
    np.testing.assert_array_equal(lucky.continued_members(lost, 0), [0, 3])
    np.testing.assert_array_equal(lucky.continued_members(np.array([1, 1]), 5), [0, 1])


def test_no_loss_interval_is_clopper_pearson():
    for k, n in ((0, 20), (3, 20), (20, 20), (7, 50)):
        low, high = lucky.no_loss_interval(k, n)
        # Clopper-Pearson from the beta quantiles, written out
        ref_low = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
        ref_high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
        assert low == pytest.approx(ref_low, abs=1e-9) and high == pytest.approx(ref_high, abs=1e-9)
    with pytest.raises(ValueError, match="lucky"):
        lucky.no_loss_interval(5, 4)


def test_no_loss_measurement_is_the_share_with_binomial_spread():
    m = lucky.no_loss_measurement(5, 20)
    assert m.mean == 0.25 and m.sd == pytest.approx(np.sqrt(0.25 * 0.75 / 20))


def test_lucky_spec_rejects_bad_stages():
    with pytest.raises(ValueError, match="screen_epochs"):
        lucky.LuckySpec(8, 0.1, (0, 1), 16, screen_epochs=3, max_epochs=3, patience=1, control=0)
    with pytest.raises(ValueError, match="control"):
        lucky.LuckySpec(8, 0.1, (0, 1), 16, screen_epochs=1, max_epochs=3, patience=1, control=-1)


def test_lucky_draw_counts_and_continues_from_the_screened_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    d = tiny_data()
    spec = lucky.LuckySpec(8, 0.1, (0, 1, 2, 3, 4), 16, screen_epochs=1, max_epochs=4, patience=2, control=1,
                           device="cpu")
    draw = lucky.lucky_draw(spec, d)
    screened = lucky.screen_stage(spec, d)
    expected = lucky.continued_members(screened["lost"].numpy(), 1)
    np.testing.assert_array_equal(np.flatnonzero(draw.continued), expected)
    assert draw.control.sum() == min(1, int((draw.screen_lost > 0).sum()))
    assert np.isnan(draw.acc["test"][~draw.continued]).all() and np.isfinite(draw.acc["test"][draw.continued]).all()
    assert set(np.flatnonzero(draw.lucky)) <= set(expected)
    # the mechanism starts at the initial networks: epoch 0 equals dead_nodes at He initialisation
    init = dead_nodes.init_measures(8, [spec.seeds[m] for m in expected], d.x_val, d.y_val)
    np.testing.assert_allclose(draw.mechanism["dead"][0], init["dead"])
    np.testing.assert_allclose(draw.mechanism["one_off"][0], init["one_off"])
    assert len(draw.mechanism["dead"]) == 1 + spec.screen_epochs + draw.history.epochs


def test_linear_summary_net_is_relu_then_linear_and_keeps_the_seeds_weights():
    relu = grid.build_grid_net(grid.GridSpec(8, (0.1,), (3, 4), 16, 2, 1), d_in=12, classes=4)
    linear = grid.build_grid_net(grid.GridSpec(8, (0.1,), (3, 4), 16, 2, 1, summary="linear"), d_in=12, classes=4)
    assert linear.arch == {**relu.arch, "summary": "linear"}
    for a, b in zip(relu.parameters(), linear.parameters()):
        assert torch.equal(a, b)
    x = torch.rand(5, 12)
    first, summary, output = linear.layers
    for k in range(2):
        h = torch.relu(x @ first.weight[k] + first.bias[k, 0])
        expected = (h @ summary.weight[k]) @ output.weight[k]
        torch.testing.assert_close(linear(x)[k], expected)
    with pytest.raises(ValueError, match="summary"):
        grid.GridSpec(8, (0.1,), (3,), 16, 2, 1, summary="tanh")


def test_scope_sizes_and_its_refusal():
    from types import SimpleNamespace

    from lib.studies.summary_layers.params import scope_sizes
    cfg = SimpleNamespace(hidden_sizes=(100, 300, 600), analysed_hidden=300)
    assert scope_sizes(cfg, "analysed") == (300,) and scope_sizes(cfg, "all") == (100, 300, 600)
    with pytest.raises(ValueError, match="scope"):
        scope_sizes(cfg, "some")
