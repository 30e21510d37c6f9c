"""The analysis drawn into the picture: the sample's local linear formula, which ReLU units
are off, the first-layer lines and linear regions on the plane, neuron response maps and
weight-matrix heatmaps. Each function returns SVG elements for :mod:`fcnn_widget.picture`.

Elements that change with the sample (the formula, the off marks) follow rules the page
repeats (``js/analysis.js``) with the rules of :mod:`fcnn_widget.rules`: :func:`formula_text`
and :func:`~fcnn_widget.rules.off_visibility`.

>>> import numpy as np
>>> formula_text(np.array([0.444, -0.0147, 0.0266]), "ŷ")
'ŷ ≈ 0.444·x₁ − 0.015·x₂ + 0.027'
"""

from __future__ import annotations

import base64
import io
from html import escape

import matplotlib
import numpy as np

from . import analysis, colors, fmt, rules
from . import region_map as exact_regions
from .layout import Layout
from .network import RELU_FAMILY
from .rules import formula_text, layer_mark, subscript
from .scene import Scene

MAX_FORMULAS = 3  # output lines shown; wider outputs are listed on hover


def png_uri(rgba: np.ndarray) -> str:
    """An (h, w, 4) uint8 image as a PNG data URI."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def lut_rgba(values: np.ndarray, lo: float, hi: float, palette: colors.Palette, alpha: int = 255):
    """Values through a palette (:func:`rules.lut_index`, on a whole array) as RGBA pixels;
    non-finite values in the accent colour."""
    t = (values - lo) / (hi - lo) if hi > lo else np.full_like(values, 0.5)
    t = np.clip(np.nan_to_num(t), 0.0, 1.0)  # ±Inf to the ends, not past float range
    idx = np.floor(t * (colors.LUT_SIZE - 1) + 0.5)
    idx = np.clip(idx, 0, colors.LUT_SIZE - 1).astype(int)
    hex_digits = "".join(c[1:] for c in palette.colors)
    table = np.frombuffer(bytes.fromhex(hex_digits), np.uint8).reshape(-1, 3)
    rgb = table[idx]
    rgb[~np.isfinite(values)] = rules.ACCENT_RGB
    return np.concatenate([rgb, np.full(rgb.shape[:-1] + (1,), alpha, np.uint8)], axis=-1)


# -- the local linear formula -----------------------------------------------------------------
def formula_lhs(scene: Scene, j: int) -> str:
    """What the formula approximates: the output's logit (its pre-activation z⁽ᴸ⁾)."""
    L = len(scene.widths) - 1
    if scene.task == "regression":
        return "ŷ" if scene.widths[-1] == 1 else "ŷ" + subscript(j + 1)
    if scene.task == "binary":
        return "logit ŷ"
    return "z" + layer_mark(L) + subscript(j)


def formula_kind(scene: Scene) -> str:
    if scene.activation in RELU_FAMILY:
        return "local linear map (the sample's linear region):"
    return "local linearisation (tangent at the sample):"


def formulas(scene: Scene, lay: Layout, sample: int) -> list[str]:
    if scene.local is None:
        return []
    x, y = lay.chart[0], lay.formula_y  # above the chart: under the plane or beside it
    out = [
        f'<text data-role="formula-kind" x="{x:.2f}" y="{y:.2f}" font-size="11" '
        f'fill="currentColor" fill-opacity="0.75">{formula_kind(scene)}</text>'
    ]
    for j in range(min(MAX_FORMULAS, scene.widths[-1])):
        text = formula_text(scene.local[sample, j], formula_lhs(scene, j))
        out.append(
            f'<text data-role="formula" data-output="{j}" x="{x:.2f}" y="{y + 16 * (j + 1):.2f}" '
            f'font-size="11" fill="currentColor">{escape(text)}</text>'
        )
    return out


def formula_lines(scene: Scene) -> int:
    return 0 if scene.local is None else min(MAX_FORMULAS, scene.widths[-1])


# -- which units are off --------------------------------------------------------------------------
def off_marks(scene: Scene, lay: Layout, sample: int) -> list[str]:
    """Every hidden ReLU-family unit that is off (not z > 0) for the sample: a grey ring on
    its outline and a small grey badge outside it, upper right, shown or hidden per sample
    (nothing covers the value printed inside); a dashed ring around units off for every
    shown sample."""
    if scene.activation not in RELU_FAMILY:
        return []
    out = [
        f'<g data-role="off-marks" stroke="{OFF_GREY}" stroke-width="1.6" stroke-linecap="round" pointer-events="none">'
    ]
    for k in range(1, len(scene.widths) - 1):
        z = scene.slot_values(f"z{k}")
        dead = ~np.any(z > 0, axis=0)
        r = lay.radii[f"a{k}"]
        for i in range(scene.widths[k]):
            cx, cy = lay.node(f"a{k}", i)
            shown = rules.off_visibility(float(z[sample, i]))
            if dead[i]:
                out.append(
                    f'<circle data-role="dead" data-layer="{k}" data-index="{i}" cx="{cx:.2f}" cy="{cy:.2f}" '
                    f'r="{r + 3.5:.2f}" fill="none" stroke-dasharray="2 2"/>'
                )
            out.append(f'<g data-off="{k}-{i}" visibility="{shown}">{_off_mark(cx, cy, r)}</g>')
    out.append("</g>")
    return out


OFF_GREY = "#7a7a7a"


def off_badge(cx: float, cy: float, r: float) -> tuple[float, float, float]:
    """Centre and radius of the off badge of a unit drawn at (cx, cy) with radius r: outside
    the circle, upper right, where no label stands."""
    b = max(2.0, min(5.5, r * 0.34))
    d = (r + b * 0.6) * 0.7071
    return cx + d, cy - d, b


def _off_mark(cx: float, cy: float, r: float) -> str:
    bx, by, b = off_badge(cx, cy, r)
    c = b * 0.5
    return (
        f'<circle data-role="off-ring" cx="{cx:.2f}" cy="{cy:.2f}" r="{r + 1:.2f}" fill="none" stroke-width="2"/>'
        f'<circle data-role="off-badge" cx="{bx:.2f}" cy="{by:.2f}" r="{b:.2f}" fill="{OFF_GREY}" stroke="#ffffff" stroke-width="1"/>'
        f'<path d="M{bx - c:.2f},{by - c:.2f} L{bx + c:.2f},{by + c:.2f} M{bx - c:.2f},{by + c:.2f} '
        f'L{bx + c:.2f},{by - c:.2f}" stroke="#ffffff" stroke-width="1.3"/>'
    )


# -- the plane: first-layer lines and linear regions ------------------------------------------------
def _to_pixels(lay: Layout, scene: Scene, points: np.ndarray) -> np.ndarray:
    px, py, pw, ph = lay.plane
    xs, ys = scene.grid.xs, scene.grid.ys
    u = px + (points[:, 0] - xs[0]) / (xs[-1] - xs[0]) * pw
    v = py + (1 - (points[:, 1] - ys[0]) / (ys[-1] - ys[0])) * ph
    return np.stack([u, v], axis=1)


def unit_color(i: int) -> str:
    """The categorical colour of first-layer unit i (matplotlib's tab10)."""
    r, g, b, _ = matplotlib.colormaps["tab10"](i % 10)
    return matplotlib.colors.to_hex((r, g, b))


def unit_lines(scene: Scene, lay: Layout) -> list[str]:
    """Each first-layer unit's line w·x + b = 0, numbered and coloured by unit, with the
    side where the unit is on lightly shaded."""
    if not scene.style.show_lines or scene.grid is None:
        return []
    xs, ys = scene.grid.xs, scene.grid.ys
    domain = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    W, b = scene.params[0]
    out = ['<g data-role="unit-lines">']
    for i in range(W.shape[1]):
        color = unit_color(i)
        polygon = analysis.on_side_polygon(W[:, i], float(b[i]), domain)
        if polygon is not None:
            pts = " ".join(f"{u:.1f},{v:.1f}" for u, v in _to_pixels(lay, scene, polygon))
            out.append(
                f'<polygon data-role="on-side" data-index="{i}" points="{pts}" fill="{color}" fill-opacity="0.10"/>'
            )
        ends = analysis.clip_line(W[:, i], float(b[i]), domain)
        if ends is None:
            continue
        (u0, v0), (u1, v1) = _to_pixels(lay, scene, np.asarray(ends))
        out.append(
            f'<line data-role="unit-line" data-index="{i}" x1="{u0:.2f}" y1="{v0:.2f}" x2="{u1:.2f}" '
            f'y2="{v1:.2f}" stroke="{color}" stroke-width="2"/>'
        )
        lu, lv = u0 + 0.12 * (u1 - u0), v0 + 0.12 * (v1 - v0)
        out.append(
            f'<text data-role="unit-label" data-index="{i}" x="{lu:.2f}" y="{lv - 3:.2f}" font-size="11" '
            f'font-weight="bold" fill="{color}" stroke="#ffffff" stroke-width="2.5" paint-order="stroke">{i + 1}</text>'
        )
    out.append("</g>")
    return out


def region_map(scene: Scene, lay: Layout, sample: int = 0) -> list[str]:
    """The plane split into the network's linear regions: the exact polygons
    (:mod:`fcnn_widget.region_map`) or, past their budget, one colour per activation pattern
    of the raster estimate."""
    if not scene.style.show_regions or scene.region_ids is None:
        return []
    part, note = exact_regions.partition_of(scene)
    if part is not None:
        out = exact_regions.exact_map(scene, lay, part, sample)
        return [*out, exact_regions.count_text(scene, lay, len(part), True, "")]
    ids = scene.region_ids
    cmap = matplotlib.colormaps["tab20"]
    table = np.array([cmap(i % 20) for i in range(int(ids.max()) + 1)])
    rgba = (table[ids] * 255).round().astype(np.uint8)
    rgba[..., 3] = 150
    px, py, pw, ph = lay.plane
    n = int(ids.max()) + 1
    return [
        f'<image data-role="regions" data-count="{n}" x="{px:.2f}" y="{py:.2f}" width="{pw:.2f}" height="{ph:.2f}" '
        f'preserveAspectRatio="none" style="image-rendering:pixelated" href="{png_uri(rgba[::-1])}"/>',
        exact_regions.count_text(scene, lay, n, False, note),
    ]


def unit_tags(scene: Scene, lay: Layout) -> list[str]:
    """The first hidden layer's unit numbers, in the colours of their lines on the plane."""
    if not scene.style.show_lines or scene.grid is None or len(scene.widths) < 3:
        return []
    out = []
    for i in range(scene.widths[1]):
        cx, cy = lay.node("z1", i)
        out.append(
            f'<text data-role="unit-tag" data-index="{i}" x="{cx:.2f}" y="{cy + lay.radii["z1"] + 10:.2f}" '
            f'text-anchor="middle" font-size="11" font-weight="bold" fill="{unit_color(i)}">{i + 1}</text>'
        )
    return out


# -- response maps and weight matrices ---------------------------------------------------------------
def response_images(scene: Scene, lay: Layout, slot: str, sample: int) -> list[str]:
    """Every neuron of a slot as a small map of its value over the input plane."""
    kind, k = slot[0], int(slot[1:])
    start = scene.offsets[slot]
    rows = scene.ranges[:, scene.slot_group[slot]]
    lo, hi = float(rows[:, 0].min()), float(rows[:, 1].max())  # steady while scrubbing
    n = len(scene.response_axes[0])
    r = lay.radii[slot]
    out = []
    for i in range(scene.widths[k]):
        cx, cy = lay.node(slot, i)
        grid = scene.response[:, start + i].reshape(n, n)[::-1]  # top row = top of the plane
        v = float(scene.values[sample, start + i])
        out.append(
            f'<image data-kind="{kind}" data-layer="{k}" data-index="{i}" data-value="{fmt.exact(v)}" '
            f'x="{cx - r:.2f}" y="{cy - r:.2f}" width="{2 * r:.2f}" height="{2 * r:.2f}" '
            f'preserveAspectRatio="none" href="{png_uri(lut_rgba(grid, lo, hi, scene.style.palette))}"/>'
        )
        out.append(
            f'<rect data-role="response-frame" x="{cx - r:.2f}" y="{cy - r:.2f}" width="{2 * r:.2f}" '
            f'height="{2 * r:.2f}" fill="none" stroke="currentColor" stroke-width="1"/>'
        )
    return out


def weight_matrices(scene: Scene, lay: Layout, sample: int) -> list[str]:
    """Each layer's W as a heatmap: row i = input unit i, column j = output unit j."""
    if not scene.style.show_matrices:
        return []
    out = ['<g data-role="matrices">']
    for k, ((x, y, cell), (W, _)) in enumerate(zip(lay.matrices, scene.params), start=1):
        lo, hi = scene.range_of(f"w{k}", sample)
        title = "W" + layer_mark(k)
        out.append(
            f'<text data-role="matrix-title" x="{x:.2f}" y="{y - 6:.2f}" font-size="11" '
            f'fill="currentColor">{title} {W.shape[0]}×{W.shape[1]}</text>'
        )
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                w = float(W[i, j])
                fill = rules.cell_fill(w, lo, hi, scene.style.palette.colors)
                out.append(
                    f'<rect data-role="wcell" data-layer="{k}" data-from="{i}" data-to="{j}" '
                    f'data-value="{fmt.exact(w)}" x="{x + j * cell:.2f}" y="{y + i * cell:.2f}" '
                    f'width="{cell:.2f}" height="{cell:.2f}" fill="{fill}"/>'
                )
    out.append("</g>")
    return out
