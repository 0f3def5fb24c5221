"""The training explorer's frames: one per weight snapshot, every hidden layer drawn."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from lib import plots  # noqa: E402
from lib.studies.cooperating_classifiers import figures  # noqa: E402
from lib.studies.cooperating_classifiers import measures as ms  # noqa: E402
from lib.studies.cooperating_classifiers import runs as cr  # noqa: E402

TASK = cr.Task(torch.rand(60, 784), torch.arange(60) % 10, torch.rand(20, 784), torch.arange(20) % 10,
               torch.rand(40, 784), torch.arange(40) % 10, "fake-sha")


class Cfg:
    seed, n_seeds, n_train, optimizers, adam_lrs, sgd_lrs = 0, 1, 60, ("adam",), (1e-2,), (0.1,)
    max_epochs, patience, sigmoid_epochs = 2, 1, 2


def test_one_frame_per_snapshot_with_every_layer_and_the_weights_of_that_step(tmp_path, monkeypatch):
    monkeypatch.setenv("NODEWISE_CACHE", str(tmp_path))
    grid = ms.train_grid(TASK, 4, Cfg, snapshot_steps=(0, 1, 2))
    frames = figures.snapshot_patterns(grid, TASK)
    assert list(frames) == [0, 1, 2]
    for step, fig in frames.items():
        shown = [ax for ax in fig.axes if ax.get_visible()]
        assert len(shown) == 4 and fig._suptitle.get_text() == f"after {step} training steps"
    first = frames[0].axes[0].images[0].get_array()
    expected = (cr.hidden_values(cr.at_snapshot(grid.spec, grid.run.snapshots[0]),
                                 TASK.x_test[torch.cat([torch.nonzero(TASK.y_test == c)[:20, 0] for c in range(10)])],
                                 "pre")[0][grid.members[0]] > 0).float().numpy()
    assert np.array_equal(np.asarray(first), expected)
    with matplotlib.rc_context():
        plots.set_theme()
        assert plots.readable(figures.patterns_frame(grid.run.net, grid.members[0], TASK, "a title"))
        assert plots.readable(figures.activation_patterns(grid, TASK))


def layer_eval(accuracies, network: float, n: int = 200) -> ms.LayerEval:
    """A LayerEval whose layers score the given accuracies (one member)."""
    correct = lambda a: torch.arange(n) < round(a * n)  # noqa: E731
    layers = torch.stack([correct(a) for a in accuracies])[None]
    return ms.LayerEval(correct(network)[None], {k: layers for k in ("continuous", "discrete", "combined")})


def test_the_depth_panels_legend_hides_no_line_not_even_the_untrained_control():
    """Fig. 7.4 of the default run: the legend in the last panel hid the untrained control's fall to 55 %."""
    evals = {name: {"trained": layer_eval(trained, 0.89), "untrained": layer_eval(untrained, 0.1)}
             for name, trained, untrained in (("FMNIST 1x100", [0.82], [0.71]),
                                              ("FMNIST 3x100", [0.83, 0.86, 0.88], [0.71, 0.68, 0.64]),
                                              ("FMNIST 6x100", [0.83, 0.87, 0.88, 0.88, 0.88, 0.88],
                                               [0.71, 0.68, 0.64, 0.61, 0.58, 0.55]))}
    with matplotlib.rc_context():
        plots.set_theme()
        fig = figures.layer_classifiers(evals, list(evals))
        assert plots.legends_on_data(fig) == [] and plots.readable(fig)
        assert "untrained, combined" in [t.get_text() for t in fig.legends[0].get_texts()]
