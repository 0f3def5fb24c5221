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


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A tiny lucky draw and a ReLU and a linear grid of the same protocol, cached in a temporary folder."""
    mp = pytest.MonkeyPatch()
    mp.setenv("NODEWISE_CACHE", str(tmp_path_factory.mktemp("cache")))
    d = tiny_data(1)
    spec = lucky.LuckySpec(8, 0.1, (0, 1, 2, 3), 16, screen_epochs=1, max_epochs=3, patience=2, control=4,
                           device="cpu")
    relu_spec = grid.GridSpec(8, (0.05, 0.1), (0, 1), 16, 2, 1, device="cpu")
    relu = {8: grid.trained_grid(relu_spec, d)}
    linear = {8: grid.trained_grid(grid.GridSpec(8, (0.05, 0.1), (0, 1), 16, 2, 1, device="cpu", summary="linear"), d)}
    yield d, lucky.lucky_draw(spec, d), relu, linear
    mp.undo()


def test_lucky_rows_and_facts_count_the_draw(tiny_run):
    from lib.studies.summary_layers import mechanism
    _, draw, _, _ = tiny_run
    row = mechanism.lucky_rows({8: draw}).iloc[0]
    k = int(draw.lucky.sum())
    assert row["seeds"] == 4 and row["no class lost"] == k and row["P(no class lost)"] == k / 4
    assert draw.continued.all()  # control 4: every seed is trained on
    assert row["passed the screen"] == int((draw.screen_lost == 0).sum())
    facts = mechanism.lucky_facts(draw, 3)
    assert facts["lucky_any_of_protocol"] == pytest.approx(1 - (1 - k / 4) ** 3)
    assert facts["lucky_low"] <= facts["lucky_share"] <= facts["lucky_high"]
    seeds = mechanism.lucky_seed_rows({8: draw})
    assert [r["seed"] for r in seeds] == [0, 1, 2, 3] and all("test_acc" in r for r in seeds)
    assert [r["test_lost"] == 0 for r in seeds] == draw.lucky.tolist()


def test_lucky_sentence_reads_the_draw(tiny_run):
    from lib.studies.summary_layers.text import lucky_sentence
    _, draw, _, _ = tiny_run
    assert lucky_sentence(None, 8) == "" and lucky_sentence({8: draw}, 16) == ""
    assert f"{int(draw.lucky.sum())} lost no test class" in lucky_sentence({8: draw}, 8)


def test_linear_rows_and_grid_rows_read_the_chosen_networks(tiny_run):
    from lib.studies.summary_layers import mechanism
    d, _, relu, linear = tiny_run
    row = mechanism.linear_rows(relu, linear, d).iloc[0]
    g = linear[8]
    assert row["linear: test"] == g.acc["test"][g.chosen] and row["ReLU: test"] == relu[8].acc["test"][relu[8].chosen]
    assert np.isnan(row["Table 1 test"])  # H = 8 is not a row of Table 1
    rows = mechanism.grid_rows(linear, d)
    assert len(rows) == 4 and rows[g.chosen]["test_lost"] == row["linear: lost classes"]
    assert mechanism.linear_facts(mechanism.linear_rows(relu, linear, d), 8)["linear_test"] == row["linear: test"]


def test_init_rows_and_facts_summarise_the_seeds(tiny_run):
    from lib.studies.summary_layers import mechanism
    d, _, relu, _ = tiny_run
    init = {8: dead_nodes.init_measures(8, range(6), d.x_val, d.y_val)}
    row = mechanism.init_rows(init).iloc[0]
    assert row["seeds"] == 6 and row["both off (median)"] == float(np.median(init[8]["dead"]))
    facts = mechanism.init_facts(8, init, relu[8])
    g = relu[8]
    assert facts["chosen_dead_init"] == pytest.approx(float(g.states[0, g.chosen, 3]))
    assert facts["init_dead_max"] == float(init[8]["dead"].max())


def test_figures_draw_one_line_per_network_and_state(tiny_run):
    import matplotlib.pyplot as plt

    from lib.studies.summary_layers import mechanism
    _, draw, relu, _ = tiny_run
    fig = mechanism.states_figure(relu)
    assert all(len(ax.lines) == relu[8].net.k for ax in fig.axes)
    plt.close(fig)
    fig = mechanism.lucky_figure({8: draw})
    assert all(len(ax.lines) == int(draw.continued.sum()) + 1 for ax in fig.axes)  # + the screen's end
    plt.close(fig)


def test_reference_facts_judge_the_committed_rows_by_the_claims(tiny_run):
    import pandas as pd

    from lib.studies.summary_layers import lucky_run, mechanism
    d, draw, _, linear = tiny_run
    lucky_frame = mechanism.lucky_rows({8: draw}).assign(H=300)  # read as the analysed H of the paper
    linear_frame = pd.DataFrame(mechanism.grid_rows(linear, d)).assign(H=300)
    facts = lucky_run.facts(lucky_frame, linear_frame, {"cap": 3, "wall_s": 60, "n_eval": len(d.y_eval)})
    assert facts["ref_lucky"] == int(draw.lucky.sum()) and facts["ref_seeds"] == 4
    best = linear_frame.loc[linear_frame["val_acc"].idxmax()]
    assert facts["ref_linear_test"] == best["test_acc"] and facts["ref_linear_lost"] == best["test_lost"]
    assert facts["ref_verdict"] in ("reproduced", "differs", "inconclusive")
    assert facts["ref_linear_verdict"] in ("reproduced", "differs", "inconclusive")


def test_beside_long_run_pairs_the_networks_by_h_lr_and_seed():
    import pandas as pd

    from lib.studies.summary_layers import lucky_run
    long_table = pd.DataFrame([{"H": 300, "lr": 0.1, "seed": s, "train acc": 0.8 + s / 100, "val acc": 0.7,
                                "test acc": 0.75 + s / 100, "best epoch": 10 + s, "stopped at": 30,
                                "lost test classes": s} for s in range(3)])
    linear = pd.DataFrame([{"H": 300, "lr": 0.1, "seed": s, "train_acc": 0.95, "val_acc": 0.94,
                            "test_acc": 0.93 - s / 100, "test_lost": 0, "best_epoch": 20, "converged": True}
                           for s in (2, 0)])
    frame = lucky_run.beside_long_run(linear, long_table)
    assert frame["seed"].tolist() == [2, 0] and frame["ReLU: lost classes"].tolist() == [2, 0]
    assert frame["linear: test"].tolist() == [0.91, 0.93] and "val_acc" not in frame.columns
