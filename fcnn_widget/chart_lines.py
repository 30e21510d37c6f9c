"""Loss curves on a log scale: the one polyline every loss chart draws — the widget's own
chart (:mod:`.picture`), a comparison's combined chart (:mod:`.compare`) and a population's
chart (:mod:`.population_chart`).

>>> import numpy as np
>>> curves = [np.array([1.0, 0.1, 0.01]), np.array([0.5, np.nan, 0.05])]
>>> top, bottom = log_bounds(curves)
>>> float(top), float(bottom)
(0.0, -2.0)
>>> curve_points(curves[0], 3, (0, 0, 100, 58), top, bottom)
'0.0,4.0 50.0,29.0 100.0,54.0'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def log_bounds(curves: Sequence[np.ndarray]) -> tuple[float, float] | None:
    """log10 of the highest and the lowest positive finite loss of ``curves`` (None: none)."""
    finite = [c[np.isfinite(c) & (c > 0)] for c in (np.asarray(c, np.float64) for c in curves)]
    finite = np.concatenate(finite) if finite else np.zeros(0)
    if finite.size == 0:
        return None
    return float(np.log10(finite.max())), float(np.log10(finite.min()))


def curve_points(
    curve: np.ndarray,
    n_epochs: int,
    box: tuple[float, float, float, float],
    top: float,
    bottom: float,
) -> str:
    """A polyline's ``points`` for ``curve`` (one loss per epoch) in the chart ``box``
    (x, y, w, h): epoch 0 at the left edge, epoch ``n_epochs - 1`` at the right, log10 loss
    ``top`` 4 px under the top edge and ``bottom`` 4 px over the bottom. NaN, Inf and
    non-positive losses are left out; "" when none is left."""
    x, y, w, h = box
    curve = np.asarray(curve, np.float64)
    span = (top - bottom) or 1.0
    epochs = np.flatnonzero(np.isfinite(curve) & (curve > 0))
    cx = epochs / max(1, n_epochs - 1) * w
    cy = y + (top - np.log10(curve[epochs])) / span * (h - 8) + 4
    cx, cy = envelope(cx, cy)
    return " ".join(f"{a + x:.1f},{b:.1f}" for a, b in zip(cx, cy))


def envelope(px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A polyline through (px, py) (px ascending, in pixels) thinned to its highest and
    lowest point in every pixel column, plus both ends: it draws the same, and a fit of
    thousands of epochs does not cost thousands of numbers on every live update."""
    column = np.floor(px).astype(np.int64)
    if len(px) < 3 or len(px) <= 2 * (column[-1] - column[0] + 1):
        return px, py
    order = np.lexsort((py, column))  # by column, then by height within a column
    starts = np.flatnonzero(np.diff(column[order], prepend=column[order][0] - 1))
    ends = np.append(starts[1:] - 1, len(order) - 1)
    keep = np.unique(np.concatenate([order[starts], order[ends], [0, len(px) - 1]]))
    return px[keep], py[keep]
