"""Kernel-free explorers: a slider over precomputed pictures."""

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lib.explorer import frames_explorer  # noqa: E402


def line(slope: float):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, slope])
    return fig


def test_every_frame_is_embedded_and_the_slider_spans_them_starting_at_the_chosen_key():
    out = frames_explorer({k: line(k) for k in (1, 2, 3)}, "slope", "a line of the given slope", start=2).data
    sources = re.search(r"s=(\[.*?\])", out).group(1)
    assert sources.count("data:image/png;base64,") == 3
    assert len(set(re.findall(r'"(data:image/png;base64,[^"]+)"', sources))) == 3, "the frames differ"
    assert 'min="0" max="2"' in out and 'value="1"' in out and "<output>2</output>" in out
    assert 'alt="a line of the given slope"' in out
    shown = re.search(r'<img src="([^"]+)"', out).group(1)
    assert shown == re.findall(r'"(data:image/png;base64,[^"]+)"', sources)[1]


def test_the_same_frames_give_the_same_page_and_different_frames_another_id():
    a = frames_explorer({0: line(0), 1: line(1)}, "k", "x").data
    b = frames_explorer({0: line(0), 1: line(1)}, "k", "x").data
    c = frames_explorer({0: line(0), 1: line(2)}, "k", "x").data
    name = re.compile(r'id="(nw-explorer-\w+)"')
    assert name.search(a).group(1) == name.search(b).group(1) != name.search(c).group(1)


def test_bad_frames_or_start_are_refused_with_the_parameter_named():
    with pytest.raises(ValueError, match="frames"):
        frames_explorer({}, "k", "x")
    with pytest.raises(ValueError, match="start"):
        frames_explorer({0: line(0)}, "k", "x", start=5)


def test_a_frame_keeps_the_books_resolution_and_its_picture_in_a_small_palette():
    import base64
    import io

    import numpy as np
    from PIL import Image

    from lib.explorer import PALETTE, png_data_url
    from lib.plots import FIGURE_DPI

    fig = line(1.0)
    fig.canvas.draw()
    full = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    frame = Image.open(io.BytesIO(base64.b64decode(png_data_url(fig).split(",", 1)[1])))
    assert frame.mode == "P" and len(frame.getcolors()) <= PALETTE
    assert round(frame.info["dpi"][0]) == FIGURE_DPI
    drawn = np.asarray(frame.convert("RGB")).astype(int)
    assert drawn.mean() < 255 and abs(drawn.mean() - full.mean()) < 20  # the same picture, not a blank one


def peaks(position: int):
    """An explorer frame as the jump-detection one: a legend inside the axes, seven models' outputs peaking at
    `position` (one of them drawn in few pixels, under the others)."""
    import numpy as np

    fig, axes = plt.subplots(2, 1, figsize=(6.4, 4.4), layout="constrained")
    axes[0].imshow(np.random.default_rng(0).random((30, 30, 3)))  # many colours, to crowd the palette
    grid = np.arange(21, 81)
    for k in range(7):
        axes[1].plot(grid, np.exp(-((grid - position) / 1.5) ** 2) * (1 - 0.01 * k), lw=1, label=f"model {k}")
    axes[1].legend(loc="upper left", ncols=2)
    return fig


def test_every_line_keeps_its_own_colour_in_the_small_palette():
    """Median cut alone folded the rarely seen lines into their neighbours' colours (two models drawn alike)."""
    import base64
    import io

    import numpy as np
    from matplotlib.colors import to_rgb
    from PIL import Image

    from lib.explorer import png_data_url

    frame = Image.open(io.BytesIO(base64.b64decode(png_data_url(peaks(25)).split(",", 1)[1])))
    drawn = np.unique(np.asarray(frame.convert("RGB")).reshape(-1, 3).astype(int), axis=0)
    for k in range(7):
        colour = np.round(255 * np.array(to_rgb(f"C{k}")))
        assert np.abs(drawn - colour).sum(axis=1).min() == 0, f"the colour of C{k} is not in the frame"


def test_a_legend_that_covers_the_data_in_any_frame_moves_below_the_figure_in_every_frame():
    from lib import plots
    from lib.explorer import legends_off_the_data

    frames = [peaks(25), peaks(50), peaks(75)]
    assert plots.legends_on_data(frames[0]) and not plots.legends_on_data(frames[1])  # the peak under it at 25
    assert legends_off_the_data(frames) == [1]
    assert all(plots.legends_on_data(fig) == [] and len(fig.legends) == 1 for fig in frames)
    assert len(frames[1].legends[0].get_texts()) == 7
    plt.close("all")
