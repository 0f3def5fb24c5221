"""lib.studies.data.figures and the MNIST and t-SNE measures of the data page, on small inputs."""

import matplotlib
import numpy as np
import pandas as pd

from lib import data, plots
from lib.studies.data import figures, measures

matplotlib.use("Agg")


def test_signal_panel_draws_each_signal_over_its_posterior():
    signals = data.jump_signals(2, seed=0)
    posterior = measures.position_posterior(signals, 3.0)
    fig = figures.signal_panel(signals.x, ["a", "b"], signals.positions, posterior)
    axes = np.array(fig.axes).reshape(2, 2)
    assert [ax.get_title() for ax in axes[0]] == ["a", "b"]
    assert len(axes[1, 0].patches) == 60 and np.allclose(axes[1, 1].patches[5].get_height(), posterior[1, 5])


def test_class_count_bars_and_digit_grid():
    counts = {"train": np.arange(10), "test": np.ones(10, dtype=int)}
    assert len(figures.class_count_bars(counts).axes[0].patches) == 20
    images, labels = np.zeros((20, 28, 28), np.uint8), np.repeat(np.arange(10), 2)
    assert len(figures.digit_grid(images, labels, per_class=2).axes) == 20


def test_the_pages_figures_read_in_the_book():
    signals = data.jump_signals(2, seed=0)
    with matplotlib.rc_context():
        plots.set_theme()
        built = [figures.class_count_bars({"train": np.arange(10), "val": np.arange(10), "test": np.ones(10)}),
                 figures.digit_grid(np.zeros((100, 28, 28), np.uint8), np.repeat(np.arange(10), 10), per_class=10),
                 figures.signal_panel(signals.x, ["(a) jump at 30: easy", "(b) jump at 60: hard"], signals.positions,
                                      measures.position_posterior(signals, 3.0)),
                 plots.embedding_scatter(np.random.default_rng(0).normal(size=(50, 2)), np.arange(50), "position",
                                         "jump position $t_0$")]
        assert [plots.readable(fig) for fig in built] == [True] * len(built)


def test_part_counts_reads_the_rows_of_one_split():
    table = pd.DataFrame([{"split": "s", "part": "train", **{f"digit {c}": c for c in range(10)}},
                          {"split": "t", "part": "train", **{f"digit {c}": 0 for c in range(10)}}])
    assert measures.part_counts(table, "s")["train"].tolist() == list(range(10))


def level_map(x: np.ndarray, perplexity: float, seed: int) -> np.ndarray:
    """A stand-in for t-SNE: each signal's sum on one axis (it falls as the jump moves right), zeros on the other."""
    return np.stack([x.sum(axis=1), np.zeros(len(x))], axis=1)


def test_position_continuity_is_small_for_a_map_ordered_by_position_and_near_one_for_noise(monkeypatch):
    monkeypatch.setattr(measures.embedding, "tsne_map", level_map)
    steps = data.jump_signals(300, sigma=0.3, seed=0)
    noise = data.jump_signals(300, theta=0.0, sigma=1.0, seed=0)
    ordered = measures.position_continuity(steps, 200, 10.0, seed=0)
    scattered = measures.position_continuity(noise, 200, 10.0, seed=0)
    assert ordered.points.shape == (200, 2) and len(set(ordered.positions)) > 30
    assert ordered.ratio < 0.1 and 0.8 < scattered.ratio < 1.2
