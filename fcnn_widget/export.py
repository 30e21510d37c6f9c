"""Pictures without a browser: the page's SVG from Python, and PNG through resvg.

>>> from fcnn_widget import FCNN
>>> svg = to_svg(FCNN([4], dataset="prod"), sample=3, palette="cool", title="prod, relu [4]")
>>> svg.startswith("<svg") and "prod, relu [4]" in svg
True
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from pathlib import Path

import numpy as np

from . import files, limits, picture, raster, scene, settings, standalone
from .model import FCNN
from .samples import Samples

DRESSING = (
    "theme",
    "background",
    "width",
    "height",
    "title",
    "caption",
    "parts",
    "preset",
    "class_names",
)  # per picture; fmt: skip


def to_svg(model: FCNN, sample: int = 0, *, samples: Samples = None, **options) -> str:
    """The picture the widget draws for ``sample``, as SVG text; ``options`` are any of
    :data:`fcnn_widget.settings.SETTINGS` (palette, norm, theme, width, ...)."""
    style = settings.make_style(**settings.check_options(options))
    shown = scene.build_scene(model, samples, style)
    return picture.to_svg(shown, sample, uid=picture.stable_uid(shown, sample))


to_svg.__signature__ = inspect.Signature(
    [
        inspect.Parameter("model", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("sample", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=0),
        inspect.Parameter("samples", inspect.Parameter.KEYWORD_ONLY, default=None),
        *(
            inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=s.default)
            for s in settings.SETTINGS
        ),
    ]
)


def scene_svg(shown: scene.Scene, sample: int, **dressing) -> str:
    """The picture of ``shown`` for ``sample`` as a file holds it: ``dressing`` (any of
    :data:`DRESSING`) applies to this picture only; its ids follow its content, so the same
    picture always makes the same file."""
    dressing = settings.check_options(dressing, DRESSING)
    if dressing:
        shown = dataclasses.replace(shown, style=settings.restyled(shown.style, **dressing))
    return picture.to_svg(shown, sample, uid=picture.stable_uid(shown, sample))


def save_svg(svg: str, path: str | os.PathLike) -> Path:
    """Write SVG text to ``path`` (UTF-8), atomically: checked and encoded first, so a
    failed save leaves the old file as it was (:func:`fcnn_widget.files.write_atomic`)."""
    return files.write_atomic(path, _svg_bytes(svg))


def svg_to_png(svg: str, scale: float = 2) -> bytes:
    """Rasterise SVG text with resvg at ``scale`` times its size (1, 2, 3, ...); the pixel
    count is checked first (:func:`fcnn_widget.limits.check_pixels`). The plane's data
    points are drawn once per dataset and scale and placed as an image layer
    (:func:`fcnn_widget.raster.prepared`)."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=resvg_input(svg, scale), zoom=float(scale)))


def resvg_input(svg: str, scale: float) -> str:
    """What :func:`svg_to_png` gives resvg for ``svg`` at ``scale``, checked first."""
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
    return raster.prepared(svg, scale)


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
    return standalone.save_html(widget_or_model, path, **style)


class Exports:
    """A widget's pictures and files, of the scene it shows (``self.scene``) for its sample."""

    scene: scene.Scene
    sample: int
    _uid: str

    def to_svg(self, sample: int | None = None) -> str:
        """The picture the page shows, as SVG text (for ``sample``, default the current one),
        laid out for the width the page shows it at."""
        sample = self.sample if sample is None else sample
        return picture.to_svg(self.scene, sample, uid=self._uid, fit_width=self._fit_width())

    def _fit_width(self) -> float | None:
        """The width the page shows the picture at (None: not shown, or not known)."""
        return getattr(self, "_page_width", 0) or None

    def save_svg(self, path, sample: int | None = None, **dressing) -> Path:
        """Write the picture of ``sample`` (default: the current one) to ``path``; its ids
        follow its content, so the same picture always makes the same file. ``dressing``:
        ``theme`` ("light"/"dark"), ``background`` (a CSS colour; default transparent),
        ``width``/``height`` in pixels (the picture is laid out for that width), ``title``,
        ``caption``, ``parts`` (some of "network", "plane", "chart"), ``class_names``.

        >>> from fcnn_widget import FCNN, FCNNWidget
        >>> import tempfile, os
        >>> w = FCNNWidget(FCNN([4], dataset="prod"), preset="figure", title="relu [4]")
        >>> path = w.save_svg(os.path.join(tempfile.mkdtemp(), "fig.svg"), width=720,
        ...                   parts=("network", "plane"))
        >>> svg = path.read_text(); 'data-role="loss-chart"' in svg, 'width="720"' in svg
        (False, True)
        """
        svg = scene_svg(self.scene, self._pick(sample), **dressing)
        return save_svg(svg, path)

    def save_png(self, path, scale: float = 2, sample: int | None = None, **dressing):
        """Rasterise the picture to a PNG at ``scale`` times its size (no browser needed)."""
        svg = scene_svg(self.scene, self._pick(sample), **dressing)
        return save_png(svg, path, scale)

    def save_html(self, path, **options) -> Path:
        """Write the widget as one self-contained HTML page that works offline with no kernel
        (options as :func:`fcnn_widget.standalone.save_html`). About 0.6 MB for 2500 samples."""
        return save_html(self, path, **options)

    def color_of(self, kind: str, layer: int, index: int, sample: int | None = None) -> str:
        """The fill of a neuron (``kind`` "x", "z" or "a") as the page must draw it."""
        slot, sample = ("x0" if kind == "x" else f"{kind}{layer}"), self._pick(sample)
        return self.scene.color(slot, sample, float(self.scene.slot_values(slot)[sample, index]))

    def _pick(self, sample: int | None) -> int:
        return self.sample if sample is None else picture.check_sample(sample, self.scene)
