"""lib.studies.jump_detection.figures: the explorer's frames."""

import matplotlib
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
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


def shown_texts(fig) -> list[matplotlib.text.Text]:
    """The texts a reader sees: titles, axis labels and the tick labels whose ticks lie inside their axis's limits."""
    fig.canvas.draw()
    texts = []
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if low <= tick.get_loc() <= high:
                    texts.append(tick.label1)
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def overlapping_texts(fig, gap: float = 3.0) -> list[tuple[str, str]]:
    """Pairs of shown texts whose boxes, each grown by `gap` pixels, intersect: texts that touch or crowd."""
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer).padded(gap)) for t in shown_texts(fig)]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


def test_error_histograms_labels_do_not_overlap():
    rng = np.random.default_rng(0)
    errors = np.concatenate([np.repeat([0, 1, 2], [3000, 2450, 490]), rng.integers(3, 40, 60)])  # as the baseline
    with matplotlib.rc_context():
        plots.set_theme()
        fig = figures.error_histograms(errors)
        assert overlapping_texts(fig) == [] and plots.readable(fig)
        counts = [t.get_text() for ax in fig.axes for t in shown_texts(fig) if t in ax.get_yticklabels(which="both")]
        assert counts and all("times" not in c for c in counts)  # decades only: no crowded 2×10², 3×10², ...
        assert fig.axes[0].get_shared_y_axes().joined(fig.axes[0], fig.axes[1])
        plt.close(fig)
