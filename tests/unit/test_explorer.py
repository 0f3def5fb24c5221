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
