"""Pictures without a browser: the page's SVG from Python, and PNG through resvg.

>>> from fcnn_widget import FCNN
>>> svg = to_svg(FCNN([4], dataset="prod"), sample=3, palette="cool", title="prod, relu [4]")
>>> svg.startswith("<svg") and "prod, relu [4]" in svg
True
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from matplotlib.colors import Colormap

from . import files, limits, picture, view
from .model import FCNN


def to_svg(
    model: FCNN,
    sample: int = 0,
    *,
    samples=None,
    palette: str | Colormap = "viridis",
    norm: str = "component",
    norm_scope: str = "dataset",
    symmetric: bool | None = None,
    robust: bool = False,
    show_values: bool = True,
    title: str = "",
    caption: str = "",
    theme: str = "light",
    background: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> str:
    """The picture the widget draws for ``sample``, as SVG text."""
    limits.check_dressing(
        theme=theme, background=background, width=width, height=height, title=title, caption=caption
    )
    style = view.make_style(
        palette,
        norm,
        norm_scope,
        symmetric,
        robust,
        show_values=show_values,
        title=title,
        caption=caption,
        theme=theme,
        background=background,
        width=width,
        height=height,
    )
    shown = view.build_view(model, samples, style)
    return picture.to_svg(shown, sample, uid=picture.stable_uid(shown, sample))


def save_svg(svg: str, path: str | os.PathLike) -> Path:
    """Write SVG text to ``path`` (UTF-8), atomically: checked and encoded first, so a
    failed save leaves the old file as it was (:func:`fcnn_widget.files.write_atomic`)."""
    return files.write_atomic(path, _svg_bytes(svg))


def svg_to_png(svg: str, scale: float = 2) -> bytes:
    """Rasterise SVG text with resvg at ``scale`` times its size (1, 2, 3, ...); the pixel
    count is checked first (:func:`fcnn_widget.limits.check_pixels`)."""
    import resvg_py

    if not (
        isinstance(scale, (int, float))
        and not isinstance(scale, bool)
        and np.isfinite(scale)
        and 0 < scale <= 8
    ):
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    _svg_bytes(svg)
    width, height = svg_size(svg)
    limits.check_pixels(width, height, scale)
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=float(scale)))


def save_png(svg: str, path: str | os.PathLike, scale: float = 2) -> Path:
    """Rasterise SVG text to a PNG file at ``scale`` times its size, rendered in memory
    and then written atomically."""
    return files.write_atomic(path, svg_to_png(svg, scale))


_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([^"]+)"[^>]*?\sheight="([^"]+)"', re.S)
_VIEWBOX = re.compile(
    r'<svg\b[^>]*?\sviewBox="\s*[-\d.eE+]+[\s,]+[-\d.eE+]+[\s,]+([\d.eE+]+)[\s,]+([\d.eE+]+)', re.S
)


def svg_size(svg: str) -> tuple[float, float]:
    """The root element's width and height in px (``width``/``height``, else ``viewBox``).

    >>> svg_size('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"/>')
    (800.0, 600.0)
    """
    for pattern in (_SIZE, _VIEWBOX):
        m = pattern.search(svg)
        if m:
            try:
                w, h = (float(v.removesuffix("px")) for v in m.groups())
            except ValueError:
                continue
            if np.isfinite(w) and np.isfinite(h) and w > 0 and h > 0:
                return w, h
    raise ValueError("svg: its root <svg> element gives no size (width/height or viewBox)")


def _svg_bytes(svg: str) -> bytes:
    if not isinstance(svg, str):
        raise ValueError(f"svg must be SVG text (a str), got {type(svg).__name__}")
    files.check_xml_text(svg, "svg")
    return files.encode_text(svg, "svg")


def save_html(widget_or_model, path: str | os.PathLike, **style) -> Path:
    """Write one self-contained HTML page of the widget (or of a model shown with
    ``**style``): the page's own front end and state inlined, no kernel or network needed.
    Sample, palette and norm controls keep working; see :mod:`fcnn_widget.standalone` for
    what else works and its options (``palettes``, ``norms``, ``scopes``, ``page_title``).
    The seed example (``FCNN([5, 5])`` on prod, 2500 samples) gives a file of about 0.6 MB."""
    from . import standalone  # it imports the widget, which imports this module

    return standalone.save_html(widget_or_model, path, **style)
