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
from matplotlib.figure import Figure
from PIL import Image, PngImagePlugin

from lib.plots import FIGURE_DPI, MIN_FONT_KEY, figure_png

PALETTE = 128  # colours of an explorer frame: a third of the full-colour PNG's bytes, the same picture to the eye


def png_data_url(fig: Figure) -> str:
    """A figure as a base64 PNG data URL at the book's resolution, in a PALETTE-colour palette, with its smallest
    text size (lib.plots.figure_png); the figure is closed."""
    full = Image.open(io.BytesIO(figure_png(fig)))
    plt.close(fig)
    frame = full.convert("RGB").quantize(colors=PALETTE, method=Image.Quantize.MEDIANCUT)
    text = PngImagePlugin.PngInfo()
    text.add_text(MIN_FONT_KEY, full.info[MIN_FONT_KEY])
    small = io.BytesIO()
    frame.save(small, format="png", optimize=True, dpi=(FIGURE_DPI, FIGURE_DPI), pnginfo=text)
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii")


def frames_explorer(frames: Mapping[object, Figure], control: str, alt: str, start: object | None = None) -> HTML:
    """A slider named `control` over the keys of `frames` (in their order) that shows the picture drawn for each
    key; `alt` describes the pictures, `start` is the key shown first (default the first)."""
    if not frames:
        raise ValueError("frames: expected at least one (key, figure) pair, got none")
    keys = list(frames)
    if start is not None and start not in keys:
        raise ValueError(f"start: expected one of the frame keys {keys}, got {start!r}")
    first = keys.index(start) if start is not None else 0
    sources = [png_data_url(fig) for fig in frames.values()]
    labels = [str(k) for k in keys]
    name = "nw-explorer-" + hashlib.sha1(json.dumps([control, labels, sources]).encode()).hexdigest()[:10]
    script = (f"const e=document.getElementById('{name}'),s={json.dumps(sources)},l={json.dumps(labels)};"
              "const r=e.querySelector('input'),i=e.querySelector('img'),o=e.querySelector('output');"
              "r.addEventListener('input',()=>{i.src=s[r.value];o.textContent=l[r.value];});")
    return HTML(
        f'<div class="nw-explorer" id="{name}">'
        f'<label>{html.escape(control)} <input type="range" min="0" max="{len(keys) - 1}" step="1" value="{first}" '
        f'aria-label="{html.escape(control)}"> <output>{html.escape(labels[first])}</output></label>'
        f'<img src="{sources[first]}" alt="{html.escape(alt)}" style="max-width:100%">'
        f"<script>{script}</script></div>")
