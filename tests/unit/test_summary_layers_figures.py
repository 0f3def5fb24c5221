"""lib.studies.summary_layers.figures: every figure builds from small random inputs (shapes and infinite interval
ends)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lib import plots  # noqa: E402
from lib.studies.summary_layers import figures  # noqa: E402

RNG = np.random.default_rng(0)
LOW = np.array([-np.inf, 0.1, 0.5, 1.0])
HIGH = np.array([0.1, 0.5, 1.0, np.inf])


def test_every_figure_builds_and_reads_in_the_book():
    n = 40
    with matplotlib.rc_context():
        plots.set_theme()
        built = _built(n)
        assert all(isinstance(fig, Figure) for fig in built)
        assert [plots.displayed_text_px(fig) >= plots.MIN_TEXT_PX for fig in built] == [True] * len(built)
    plt.close("all")


def _built(n: int) -> list[Figure]:
    """Every figure of the chapter from random inputs."""
    return [
        figures.weight_gap_panels({"a": (RNG.normal(size=6), RNG.normal(size=6)), "b": (RNG.normal(size=6),
                                                                                  RNG.normal(size=6))}),
        figures.ratio_figure(RNG.uniform(0.1, 2, n), RNG.uniform(0.1, 2, n), RNG.random(n) > 0.5, RNG.random(n) > 0.8,
                        limits=(0.0, 2.0), log=False),
        figures.ratio_figure(RNG.uniform(0.1, 2, n), RNG.uniform(0.1, 2, n), RNG.random(n) > 0.5, RNG.random(n) > 0.8,
                        limits=None, log=True),
        figures.interval_figure(LOW, HIGH, RNG.uniform(0.01, 3, n), RNG.integers(0, 4, n), [3], seed=0),
        figures.eq18_figure(RNG.normal(size=n), RNG.normal(size=n)),
        figures.organisation_figure(RNG.random((4, 12)), RNG.normal(size=12), LOW, HIGH, "test"),
        figures.organisation_scatter(RNG.random(5), RNG.random(5), np.array([0.01, 0.1, 0.1, 1.0, 1.0]), {"x": 1}),
        figures.explorer_figure(0.7, 2, 3, LOW, HIGH, RNG.normal(size=(12, 2))),
    ]


def test_sample_explorer_draws_the_contributions_of_one_sample():
    import torch
    hidden, w2 = torch.rand(3, 12), torch.randn(12, 2)
    fig = figures.sample_explorer(1, hidden, w2, np.array([0.1, 0.7, 2.0]), [0, 2, 3], [0, 3, 3], LOW, HIGH)
    assert isinstance(fig, Figure)
    plt.close("all")
