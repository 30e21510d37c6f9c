"""The exact linear regions drawn on the input plane: one SVG polygon per region, filled by
the network's output at its centroid, the cuts as thin lines (darker for earlier layers),
the exact decision boundary of a classification net, and the selected sample's region
outlined. Computed only when the regions are shown (``show_regions``), cached per params
(:func:`fcnn_widget.regions.partition`). Past :data:`PICTURE_REGIONS` the picture keeps
the raster estimate (:func:`fcnn_widget.analysis.regions`) and says so.

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.scene import build_scene
>>> from fcnn_widget.settings import make_style
>>> scene = build_scene(FCNN([4], "relu", dataset="prod", seed=0), style=make_style(show_regions=True))
>>> part, note = partition_of(scene)
>>> len(part), note
(8, '')
"""

from __future__ import annotations

import numpy as np

from . import analysis, colors, regions
from .layout import Layout
from .scene import Scene

# The most regions drawn as polygons (each ~150 bytes of SVG); past it, the raster estimate.
PICTURE_REGIONS = 5_000
# The cuts of layer 1, 2, 3, 4 and deeper: white over the polygons' dark hairlines, so they
# show on dark and light fills alike; earlier layers stronger.
EDGE_OPACITY = (0.9, 0.6, 0.4, 0.3)


def partition_of(scene: Scene) -> tuple[regions.Partition | None, str]:
    """The exact partition of the scene's plane, or None with the reason (the raster
    estimate is drawn instead)."""
    if not scene.style.show_regions or scene.region_ids is None or scene.grid is None:
        return None, ""
    domain = ((scene.grid.xs[0], scene.grid.xs[-1]), (scene.grid.ys[0], scene.grid.ys[-1]))
    try:
        part = regions.partition(
            scene.params, scene.activation, scene.task, domain, budget=PICTURE_REGIONS
        )
    except regions.RegionBudgetExceeded:
        return None, f"over {PICTURE_REGIONS:,} regions: raster estimate"
    except regions.NonFiniteWeights:
        return None, "non-finite weights: raster estimate"
    return part, ""


def page_arrays(scene: Scene) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """What the page reads to describe a region: each grid point's region, each region's
    pattern and affine map (regions, out, 3) — of the exact partition when it is drawn."""
    part, _ = partition_of(scene)
    if part is None:
        return scene.region_ids, scene.region_patterns, None
    ids = part.locate(analysis.grid_points(scene.grid.xs, scene.grid.ys))
    maps = np.concatenate([part.coef.transpose(0, 2, 1), part.intercept[..., None]], axis=2)
    return ids.reshape(scene.region_ids.shape), part.bits, maps


def pick(scene: Scene, point, region=None) -> int | None:
    """The sample a click on the plane selects (:func:`fcnn_widget.analysis.pick`): with
    ``region`` (an exact region the page drew), the nearest of the samples inside it, when
    it holds any.

    >>> from fcnn_widget import FCNN
    >>> from fcnn_widget.scene import build_scene
    >>> from fcnn_widget.settings import make_style
    >>> scene = build_scene(FCNN([4], "relu", dataset="prod", seed=0), style=make_style(show_regions=True))
    >>> pick(scene, [0.0, 0.0]) == analysis.pick(scene.X, [0.0, 0.0])
    True
    """
    picked = analysis.pick(scene.X, point)
    part, _ = partition_of(scene)
    valid = isinstance(region, int) and not isinstance(region, bool)
    if picked is None or part is None or not valid or not 0 <= region < len(part):
        return picked
    inside = np.flatnonzero(part.locate(scene.X[:, :2].astype(np.float64)) == region)
    if len(inside) == 0:
        return picked
    return int(inside[analysis.nearest_sample(scene.X[inside], point)])


def _pixels(scene: Scene, lay: Layout, points: np.ndarray) -> np.ndarray:
    px, py, pw, ph = lay.plane
    xs, ys = scene.grid.xs, scene.grid.ys
    u = px + (points[..., 0] - xs[0]) / (xs[-1] - xs[0]) * pw
    v = py + (1 - (points[..., 1] - ys[0]) / (ys[-1] - ys[0])) * ph
    return np.stack([u, v], axis=-1)


def _points_attr(pixels: np.ndarray) -> str:
    return " ".join(f"{u:.2f},{v:.2f}" for u, v in pixels)


def fills(scene: Scene, part: regions.Partition) -> list[str]:
    """Each region's fill: the output at its centroid (the class for multiclass) through
    the plane's palette and range, as the estimate is coloured."""
    out = part.outputs_at_centroids()
    value = np.argmax(out, axis=1).astype(float) if scene.task == "multiclass" else out[:, 0]
    lo, hi = scene.plane_range
    return [colors.color_of(float(v), lo, hi, scene.style.palette, "#999999") for v in value]


def exact_map(scene: Scene, lay: Layout, part: regions.Partition, sample: int) -> list[str]:
    """The polygons, the cuts by layer, the decision boundary and the sample's region."""
    V = _pixels(scene, lay, part.vertices)
    starts = part.starts
    out = [
        '<g data-role="regions-exact" stroke="#000000" stroke-opacity="0.3" stroke-width="0.5" '
        'stroke-linejoin="round">'
    ]
    for r, fill in enumerate(fills(scene, part)):
        out.append(
            f'<polygon data-region="{r}" points="{_points_attr(V[starts[r] : starts[r + 1]])}" '
            f'fill="{fill}" fill-opacity="0.85"/>'
        )
    out.append("</g>")
    cuts = part.boundaries()
    out.append(
        '<g data-role="region-edges" fill="none" stroke="#ffffff" stroke-width="0.8" '
        'pointer-events="none">'
    )
    for k in np.unique(cuts.layer):
        segs = _pixels(scene, lay, cuts.segments[cuts.layer == k])
        d = "".join(f"M{a:.2f},{b:.2f}L{c:.2f},{e:.2f}" for (a, b), (c, e) in segs)
        opacity = EDGE_OPACITY[min(int(k), len(EDGE_OPACITY)) - 1]
        out.append(f'<path data-layer="{k}" stroke-opacity="{opacity}" d="{d}"/>')
    out.append("</g>")
    if scene.task in ("binary", "multiclass"):
        lines = [_pixels(scene, lay, line) for line in part.decision_boundary()]
        d = "".join("M" + "L".join(f"{u:.2f},{v:.2f}" for u, v in line) for line in lines)
        out.append(
            f'<path data-role="decision-boundary" d="{d}" fill="none" stroke="#ffffff" '
            'stroke-width="3" stroke-opacity="0.9" pointer-events="none"/>'
        )
        out.append(
            f'<path data-role="decision-boundary-core" d="{d}" fill="none" stroke="#000000" '
            'stroke-width="1.4" pointer-events="none"/>'
        )
    r = int(part.locate(scene.X[sample : sample + 1, :2].astype(np.float64))[0])
    points = _points_attr(V[starts[r] : starts[r + 1]]) if r >= 0 else ""
    outlines = (
        ("sample-region-halo", 'stroke="#ffffff" stroke-width="3.5"'),
        ("sample-region", 'stroke="#000000" stroke-width="1.8" stroke-dasharray="5 3"'),
    )
    for role, stroke in outlines:
        out.append(
            f'<polygon data-role="{role}" data-region="{r}" points="{points}" fill="none" '
            f'{stroke} pointer-events="none"/>'
        )
    return out


def count_text(scene: Scene, lay: Layout, n: int, exact: bool, note: str) -> str:
    px, py, pw, ph = lay.plane
    text = f"{n:,} linear regions (exact)" if exact else f"≈{n:,} linear regions"
    if note:
        text += f" ({note})"
    return (
        f'<text data-role="region-count" data-count="{n}" data-exact="{int(exact)}" '
        f'x="{px + pw:.2f}" y="{py + ph + 27:.2f}" text-anchor="end" font-size="11" '
        f'fill="currentColor">{text}</text>'
    )
