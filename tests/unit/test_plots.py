"""lib.plots: the readability rule (smallest drawn text, the PNG's metadata, its size in the book) and the IPython
formatter that gives every notebook figure that metadata."""

import base64
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from lib import plots

matplotlib.use("Agg")


def hand_built(width: float = 6.0, small: float = 7.0) -> plt.Figure:
    """One axes with 10 pt ticks, a 12 pt label, a `small` pt note, and texts that are never drawn."""
    fig, ax = plt.subplots(figsize=(width, 3.0), layout="constrained")
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=10)
    ax.set_xlabel("x", fontsize=12)
    ax.text(0.5, 0.5, "note", fontsize=small)
    ax.text(0.2, 0.2, "hidden", fontsize=2, visible=False)
    ax.text(0.3, 0.3, "  ", fontsize=3)  # blank: nothing to read
    return fig


def test_only_visible_non_empty_drawn_text_counts():
    fig = hand_built()
    with plots.drawn_font_sizes() as sizes:
        fig.canvas.draw()
    assert min(sizes) == 7.0 and 2.0 not in sizes and 3.0 not in sizes and 10.0 in sizes and 12.0 in sizes
    assert plots.Text.draw is matplotlib.text.Text.draw  # the recorder is gone after the block
    plt.close(fig)


def test_the_png_records_its_smallest_text_in_image_pixels_at_the_books_resolution():
    fig = hand_built()
    png = plots.figure_png(fig)
    image = Image.open(io.BytesIO(png))
    assert round(image.info["dpi"][0]) == plots.FIGURE_DPI
    assert plots.min_font_px(png) == pytest.approx(7.0 * plots.FIGURE_DPI / 72, abs=0.01)
    assert np.asarray(image.convert("L")).min() < 128  # the picture itself is intact
    blank = plt.figure(figsize=(2, 2))
    assert plots.min_font_px(plots.figure_png(blank)) == float("inf")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert plots.min_font_px(buffer.getvalue()) is None  # a PNG saved any other way has no size
    plt.close("all")


def test_displayed_size_is_scaled_to_the_column_only_when_the_figure_is_wider():
    narrow, wide = hand_built(4.0, small=9.0), hand_built(14.0, small=9.0)
    assert plots.displayed_text_px(narrow) == pytest.approx(9.0 * plots.FIGURE_DPI / 72, abs=0.01)
    width = Image.open(io.BytesIO(plots.figure_png(wide))).width
    assert width > plots.COLUMN_PX
    assert plots.displayed_text_px(wide) == pytest.approx(9.0 * plots.FIGURE_DPI / 72 * plots.COLUMN_PX / width,
                                                          rel=1e-3)
    assert plots.readable(narrow) and not plots.readable(wide)
    plt.close("all")


def test_the_column_width_figure_keeps_small_text_readable_and_a_wider_one_does_not():
    plots.set_theme()
    for width, ok in ((plots.WIDTH, True), (plots.WIDTH + 1.0, False)):
        fig, ax = plt.subplots(figsize=(width, 3.0))
        ax.plot([0, 1], [0, 1], label="a line")
        ax.set(xlabel="x", ylabel="y", title="t")
        ax.legend(fontsize="small")
        assert plots.readable(fig) is ok, (width, plots.displayed_text_px(fig))
    plt.close("all")


def test_the_ipython_formatter_gives_every_figure_the_books_png(monkeypatch):
    from types import SimpleNamespace

    import IPython
    from IPython.core.formatters import DisplayFormatter

    shell = SimpleNamespace(display_formatter=DisplayFormatter())  # what display(), the inline backend and glue use
    assert plots.register_png_formatter(shell)
    fig = hand_built()
    data, _ = shell.display_formatter.format(fig)
    png = data["image/png"]
    png = base64.b64decode(png) if isinstance(png, str) else png
    assert plots.min_font_px(png) == pytest.approx(7.0 * plots.FIGURE_DPI / 72, abs=0.01)
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert not plots.register_png_formatter()  # outside IPython: nothing to register
    plt.close(fig)


def test_an_explorer_frame_keeps_the_metadata():
    from lib.explorer import png_data_url

    url = png_data_url(hand_built())
    assert plots.min_font_px(base64.b64decode(url.split(",", 1)[1])) == pytest.approx(7.0 * plots.FIGURE_DPI / 72,
                                                                                       abs=0.01)


def test_panel_grid_hides_the_cells_left_over():
    fig, axes = plots.panel_grid(5, 3, 2.0)
    assert len(axes) == 5 and len(fig.axes) == 6 and not fig.axes[5].get_visible()
    assert fig.get_size_inches()[0] == plots.WIDTH and fig.get_size_inches()[1] == 4.0
    plt.close(fig)


def test_a_legend_over_a_line_is_found_and_legend_below_takes_it_off_the_data():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.plot([0, 1], [1, 1], label="top")
    ax.plot([0, 1], [0, 0], label="bottom")
    ax.set_title("panel")
    ax.legend(loc="upper left")
    assert plots.legends_on_data(fig) == ["panel: legend covers top"]
    plots.legend_below(fig, [ax])
    assert plots.legends_on_data(fig) == [] and ax.get_legend() is None
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["top", "bottom"]
    clear, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 0.1], label="low")
    ax.set_ylim(-0.1, 1)
    ax.legend(loc="upper right")
    assert plots.legends_on_data(clear) == []  # a legend over empty axes space is fine
    plt.close("all")


def test_a_legend_over_the_segment_between_two_points_counts():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0.0, 1.0], label="diagonal")  # no data point near the legend, the segment passes under it
    ax.set(xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="center")
    assert plots.legends_on_data(fig) == ["axes 0: legend covers diagonal"]
    plt.close(fig)
