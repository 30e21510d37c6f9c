"""Pictures without a browser: the page's SVG from Python, and PNG through resvg.

>>> from fcnn_widget import FCNN
>>> svg = to_svg(FCNN([4], dataset="prod"), sample=3, palette="cool", title="prod, relu [4]")
>>> svg.startswith("<svg") and "prod, relu [4]" in svg
True
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.colors import Colormap

from . import picture, view
from .model import FCNN
from .samples import Samples


def to_svg(
    model: FCNN,
    sample: int = 0,
    *,
    samples: Samples = None,
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
    """Write SVG text to ``path`` (UTF-8)."""
    path = Path(path)
    path.write_text(svg, encoding="utf-8")
    return path


def svg_to_png(svg: str, scale: float = 2) -> bytes:
    """Rasterise SVG text with resvg at ``scale`` times its size (1, 2, 3, ...)."""
    import resvg_py

    if not (isinstance(scale, (int, float)) and np.isfinite(scale) and 0 < scale <= 8):
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=float(scale)))


def save_png(svg: str, path: str | os.PathLike, scale: float = 2) -> Path:
    """Rasterise SVG text to a PNG file at ``scale`` times its size."""
    path = Path(path)
    path.write_bytes(svg_to_png(svg, scale))
    return path


def save_html(widget_or_model, path: str | os.PathLike, **style) -> Path:
    """Write one self-contained HTML page of the widget (or of a model shown with
    ``**style``): the page's own front end and state inlined, no kernel or network needed.
    Sample, palette and norm controls keep working; see :mod:`fcnn_widget.standalone` for
    what else works and its options (``palettes``, ``norms``, ``scopes``, ``page_title``).
    The seed example (``FCNN([5, 5])`` on prod, 2500 samples) gives a file of about 0.6 MB."""
    from . import standalone  # it imports the widget, which imports this module

    return standalone.save_html(widget_or_model, path, **style)
