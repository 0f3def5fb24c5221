"""Explorers that work in the static book: a slider over precomputed pictures, switched in the browser without a
kernel (the live ipywidgets version needs one; the rendered book has none)."""

import base64
import hashlib
import html
import io
import json
from collections.abc import Mapping

import matplotlib.pyplot as plt
from IPython.display import HTML
from matplotlib.collections import Collection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image, PngImagePlugin

from lib.plots import FIGURE_DPI, MIN_FONT_KEY, figure_png, hidden_by, legend_below, phone_width_px

PALETTE = 128  # colours of an explorer frame: a third of the full-colour PNG's bytes, the same picture to the eye


def artist_colours(fig: Figure) -> list[tuple[int, int, int]]:
    """The opaque colours the figure's lines, markers and filled shapes are drawn in (8-bit RGB, each once, in
    drawing order): the colours a reader matches a legend by."""
    found = []
    for artist in fig.findobj(lambda a: isinstance(a, Line2D | Collection | Patch)):
        if isinstance(artist, Line2D):
            candidates = [artist.get_color(), artist.get_markerfacecolor()]
        elif isinstance(artist, Patch):
            candidates = [artist.get_facecolor()] if artist.get_fill() else []
        else:
            candidates = list(artist.get_facecolors()) + list(artist.get_edgecolors())
        for colour in candidates:
            rgba = to_rgba(colour)
            rgb = tuple(round(255 * c) for c in rgba[:3])
            if rgba[3] == 1 and rgb not in found:
                found.append(rgb)
    return found


def quantized(full: Image.Image, keep: list[tuple[int, int, int]]) -> Image.Image:
    """An RGB image in a PALETTE-colour palette that holds every colour of `keep` exactly (a line drawn in few
    pixels keeps its legend colour; median cut alone would fold it into a larger neighbour), the rest of the
    palette from median cut."""
    keep = keep[:PALETTE // 2]
    rest = full.quantize(colors=PALETTE - len(keep), method=Image.Quantize.MEDIANCUT).getpalette()
    colours = [c for rgb in keep for c in rgb] + rest[:3 * (PALETTE - len(keep))]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + colours[:3] * (256 - len(colours) // 3))
    return full.quantize(palette=palette, dither=Image.Dither.NONE)


def png_data_url(fig: Figure) -> str:
    """A figure as a base64 PNG data URL at the book's resolution, in a PALETTE-colour palette that keeps the
    colour of every line (quantized), with its smallest text size (lib.plots.figure_png); the figure is closed."""
    keep = artist_colours(fig)
    full = Image.open(io.BytesIO(figure_png(fig)))
    plt.close(fig)
    frame = quantized(full.convert("RGB"), keep)
    text = PngImagePlugin.PngInfo()
    text.add_text(MIN_FONT_KEY, full.info[MIN_FONT_KEY])
    small = io.BytesIO()
    frame.save(small, format="png", optimize=True, dpi=(FIGURE_DPI, FIGURE_DPI), pnginfo=text)
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii")


def legends_off_the_data(frames: list[Figure]) -> list[int]:
    """Move the legend of every axes whose legend covers its data in any frame below the figure, in every frame
    (the slider moves the data under a legend that stays put, so a legend inside the axes hides some frame's
    peak, and every frame keeps one layout); the indices of the axes whose legends moved."""
    moved = set()
    for fig in frames:
        fig.canvas.draw()
        moved |= {i for i, ax in enumerate(fig.axes) if ax.get_legend() is not None and hidden_by(ax.get_legend(), ax)}
    for fig in frames:
        axes = [fig.axes[i] for i in sorted(moved)]
        entries = sum(len(ax.get_legend_handles_labels()[1]) for ax in axes)
        if axes:
            legend_below(fig, axes, ncols=min(4, entries))
    return sorted(moved)


def frames_explorer(frames: Mapping[object, Figure], control: str, alt: str, start: object | None = None) -> HTML:
    """A slider named `control` over the keys of `frames` (in their order) that shows the picture drawn for each
    key, legends off the data (legends_off_the_data); `alt` describes the pictures, `start` is the key shown first
    (default the first)."""
    if not frames:
        raise ValueError("frames: expected at least one (key, figure) pair, got none")
    keys = list(frames)
    if start is not None and start not in keys:
        raise ValueError(f"start: expected one of the frame keys {keys}, got {start!r}")
    first = keys.index(start) if start is not None else 0
    legends_off_the_data(list(frames.values()))
    sources = [png_data_url(fig) for fig in frames.values()]
    phone = max((w for src in sources if (w := phone_width_px(base64.b64decode(src.split(",", 1)[1])))), default=None)
    style = "max-width:100%" + (f";--nw-phone-min:{phone}px" if phone else "")
    labels = [str(k) for k in keys]
    name = "nw-explorer-" + hashlib.sha1(json.dumps([control, labels, sources]).encode()).hexdigest()[:10]
    script = (f"const e=document.getElementById('{name}'),s={json.dumps(sources)},l={json.dumps(labels)};"
              "const r=e.querySelector('input'),i=e.querySelector('img'),o=e.querySelector('output');"
              "r.addEventListener('input',()=>{i.src=s[r.value];o.textContent=l[r.value];});")
    return HTML(
        f'<div class="nw-explorer" id="{name}">'
        f'<label>{html.escape(control)} <input type="range" min="0" max="{len(keys) - 1}" step="1" value="{first}" '
        f'aria-label="{html.escape(control)}"> <output>{html.escape(labels[first])}</output></label>'
        f'<img src="{sources[first]}" alt="{html.escape(alt)}" style="{style}">'
        f"<script>{script}</script></div>")
