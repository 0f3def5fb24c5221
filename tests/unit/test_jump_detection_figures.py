"""lib.studies.jump_detection.figures: the explorer's frames."""

import matplotlib
import matplotlib.pyplot as plt
import torch

from lib import plots
from lib.studies.jump_detection import figures
from lib.studies.jump_detection.nets import SHAPES, build
from lib.studies.jump_detection.training import Trained


class FakeHistory:
    val_loss = torch.tensor([[1.0, 0.5]])


def test_explorer_frames_draw_one_signal_per_position_with_its_jump_marked():
    names = [s.name for s in SHAPES]
    trained = Trained({n: build(s, [0, 1]) for n, s in zip(names, SHAPES)}, {n: FakeHistory() for n in names},
                      None, ())
    with matplotlib.rc_context():
        plots.set_theme()
        frames = figures.explorer_frames(trained, theta=3.0, noise=0.0, positions=(30, 60))
        assert plots.readable(frames[30])
    assert list(frames) == [30, 60]
    for position, fig in frames.items():
        samples, signal = fig.axes[0].lines[0].get_data()
        assert samples[signal > 1.5][0] == position  # noise 0: the step (height 3) starts where the frame says
        assert all(ax.lines[-1].get_xdata()[0] == position for ax in fig.axes)
        assert len(fig.axes[2].lines) == len(names) + 1  # every network's output and the jump's mark
        plt.close(fig)
