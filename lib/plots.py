"""One look for the whole book: a seaborn theme, one colour map per quantity, figure helpers that return a Figure,
and the readability rule every figure of the book keeps (its smallest text at least READABLE × the caption's size)."""

import io
import textwrap
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

# One colour map per quantity, across every chapter (DESIGN.md, Figures).
CMAPS = {
    "image": "gray_r",          # MNIST pixels
    "position": "viridis",      # jump position / class index of the jump task
    "digit": "tab10",           # MNIST class
    "weight": "RdBu_r",         # signed weights and biases, centred at 0
    "activation": "magma",      # non-negative activations
    "fraction": "cividis",      # activation fractions, probabilities in [0, 1]
}
# Pixels per inch of the PNGs the notebooks embed: sharp on high-density screens (the browser test checks it).
FIGURE_DPI = 150

# Readability, measured in the built book (sphinx-book-theme) in Chromium at a 1400 px wide window: a figure's
# image is drawn COLUMN_PX CSS px wide (the article column; myst-nb renders images at width 100 %), its caption
# in CAPTION_PX px type. Every text of a figure (em size) must show at least READABLE × the caption's size there.
VIEWPORT_PX = 1400
COLUMN_PX = 768
CAPTION_PX = 16.0
READABLE = 0.9
MIN_TEXT_PX = READABLE * CAPTION_PX
# On a phone (a 400 px screen, a column of about 370 px) a figure is shown at least as wide as makes its smallest
# text PHONE_TEXT_PX CSS px (Apple's smallest recommended type, 11 pt), scrolling sideways in its own box where
# that is wider than the column (book/_ext/nodewise_book.py, _static/nodewise.css): a column-wide figure shrunk to
# the phone shows its 9.5 pt labels at about 7 px.
PHONE_TEXT_PX = 11.0
# The key of the PNG text chunk that carries a figure's smallest drawn text size in image pixels.
MIN_FONT_KEY = "nodewise:min-font-px"
# The width (in) of a figure as wide as the column. Its PNG is about WIDTH + 0.2 in (the tight box's padding) at
# FIGURE_DPI, shown COLUMN_PX wide: its "small" text (9.5 pt, the smallest the book's figures use) shows at ≈ 15.3 px.
WIDTH = 6.4


def set_theme() -> None:
    """The book's seaborn theme (called once at the top of every notebook); notebook figures become book PNGs."""
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.95)
    plt.rcParams.update({"figure.dpi": FIGURE_DPI, "savefig.dpi": FIGURE_DPI, "figure.constrained_layout.use": True})
    register_png_formatter()


def register_png_formatter(shell=None) -> bool:
    """Show every Figure of an IPython shell (display, the inline backend, myst-nb glue) as figure_png(); False
    outside IPython."""
    if shell is None:
        from IPython import get_ipython
        shell = get_ipython()
    if shell is None:
        return False
    plt.switch_backend(matplotlib.get_backend())  # load it now: the inline backend sets its own formatter on load
    shell.display_formatter.formatters["image/png"].for_type(Figure, figure_png)
    return True


@contextmanager
def drawn_font_sizes() -> Iterator[list[float]]:
    """Within the block, the font size (pt) of every non-empty visible text that matplotlib draws is collected."""
    sizes, draw = [], Text.draw

    def recording(self, renderer):
        if renderer is not None and self.get_visible() and self.get_text().strip():
            sizes.append(float(self.get_fontsize()))
        return draw(self, renderer)

    Text.draw = recording
    try:
        yield sizes
    finally:
        Text.draw = draw


def png_text_chunk(png: bytes, key: str, value: str) -> bytes:
    """The PNG with a tEXt chunk key=value inserted before its first IDAT chunk (readers see it unloaded)."""
    body = key.encode("latin-1") + b"\0" + value.encode("latin-1")
    chunk = len(body).to_bytes(4, "big") + b"tEXt" + body + zlib.crc32(b"tEXt" + body).to_bytes(4, "big")
    at = png.index(b"IDAT") - 4
    return png[:at] + chunk + png[at:]


def figure_png(fig: Figure) -> bytes:
    """The PNG the book shows (tight box, FIGURE_DPI, as the inline backend) with its smallest text size in image
    pixels under MIN_FONT_KEY ("none" when it has no text)."""
    buffer = io.BytesIO()
    with drawn_font_sizes() as sizes:
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    value = f"{min(sizes) * FIGURE_DPI / 72:.2f}" if sizes else "none"
    return png_text_chunk(buffer.getvalue(), MIN_FONT_KEY, value)


def min_font_px(png: bytes) -> float | None:
    """The smallest text size (image pixels) a book PNG records; inf for a PNG without text, None without the key."""
    value = Image.open(io.BytesIO(png)).info.get(MIN_FONT_KEY)
    return None if value is None else float("inf") if value == "none" else float(value)


def phone_width_px(png: bytes) -> int | None:
    """The width (CSS px) at which a book PNG shows its smallest text at PHONE_TEXT_PX; None for a PNG without
    text or without the recorded size."""
    smallest = min_font_px(png)
    if smallest is None or np.isinf(smallest):
        return None
    return int(np.ceil(Image.open(io.BytesIO(png)).width * PHONE_TEXT_PX / smallest))


def displayed_text_px(fig: Figure) -> float:
    """The smallest text of the figure in CSS px as the book shows it at VIEWPORT_PX (image scaled down to the
    column when wider, never counted as scaled up)."""
    png = figure_png(fig)
    width = Image.open(io.BytesIO(png)).width
    return min_font_px(png) * min(1.0, COLUMN_PX / width)


def readable(fig: Figure) -> bool:
    """Whether every text of the figure shows at least MIN_TEXT_PX in the book."""
    return displayed_text_px(fig) >= MIN_TEXT_PX


def embedding_scatter(points: np.ndarray, values: np.ndarray, quantity: str, label: str) -> Figure:
    """A 2-D embedding (N, 2) coloured by a per-point quantity, with a colour bar."""
    fig, ax = plt.subplots(figsize=(6.0, 5.2))
    art = ax.scatter(points[:, 0], points[:, 1], c=values, cmap=CMAPS[quantity], s=4, linewidths=0)
    fig.colorbar(art, ax=ax, label=label)
    ax.set(xlabel="t-SNE 1 (arbitrary units)", ylabel="t-SNE 2 (arbitrary units)")
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def panel_grid(n: int, ncols: int, panel_height: float, width: float = WIDTH, **kwargs) -> tuple[Figure, np.ndarray]:
    """n panels in rows of at most ncols, `width` inches wide; the cells left over hidden; (figure, the n axes)."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, panel_height * nrows), squeeze=False, **kwargs)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def wrap(text: str, width: int = 22) -> str:
    """A panel's title or label broken into lines of at most `width` characters (a narrow panel's long name)."""
    return textwrap.fill(text, width, break_long_words=False)


def _drawn_points(artist, per_segment: int = 24) -> np.ndarray:
    """The display coordinates of a line's or a scatter's data, lines densified along each segment (a legend can
    sit on a segment between two points), NaN gaps dropped: (M, 2)."""
    if isinstance(artist, matplotlib.lines.Line2D):
        xy = np.asarray(artist.get_transform().transform(artist.get_xydata()), dtype=float)
        if len(xy) > 1:
            t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]
            xy = np.concatenate([(xy[:-1, None] + t * (xy[1:, None] - xy[:-1, None])).reshape(-1, 2), xy[-1:]])
    else:
        xy = np.asarray(artist.get_offset_transform().transform(artist.get_offsets()), dtype=float)
    return xy[np.isfinite(xy).all(axis=1)]


def inside(box, points: np.ndarray) -> np.ndarray:
    """Which display points (M, 2) lie in a bounding box: (M,) bool."""
    return ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0)
            & (points[:, 1] <= box.y1))


def hidden_by(legend, ax) -> list[str]:
    """The labels of the axes' lines and scatters that the legend covers (the figure drawn already)."""
    box = legend.get_window_extent()
    artists = [a for a in (*ax.lines, *ax.collections) if a.get_visible()
               and (isinstance(a, matplotlib.lines.Line2D) or hasattr(a, "get_offsets"))]
    return sorted({a.get_label() for a in artists if inside(box, _drawn_points(a)).any()})


def legends_on_data(fig: Figure) -> list[str]:
    """The legends of the figure that cover drawn data: for each axes' legend (and each figure legend, against
    every axes), "<axes title or index>: legend covers <labels>"; an empty list when every legend is off the data."""
    fig.canvas.draw()
    found = []
    for index, ax in enumerate(fig.axes):
        for legend in (ax.get_legend(), *fig.legends):
            if legend is not None and legend.get_visible() and (hidden := hidden_by(legend, ax)):
                found.append(f"{ax.get_title() or f'axes {index}'}: legend covers {', '.join(hidden)}")
    return found


def legend_below(fig: Figure, axes, ncols: int = 2, **kwargs) -> None:
    """One legend for `axes` (their labelled artists, each label once) below the figure, off every panel's data;
    the figure is laid out by constrained layout, which makes room for it."""
    handles, labels = {}, []
    for ax in np.atleast_1d(axes).flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in handles:
                handles[label] = handle
                labels.append(label)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")
    fig.legend([handles[label] for label in labels], labels, loc="outside lower center", ncols=ncols,
               fontsize="small", **kwargs)
