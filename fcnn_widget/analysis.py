"""The region maths of a ReLU network on its input plane.

Every unit of a ReLU-family network (:data:`fcnn_widget.network.RELU_FAMILY`) is either "on"
(``z > 0``, slope 1) or "off" (slope 0 for ``relu``, 0.01 for ``leaky_relu``). The pattern of
on/off units splits the input space into regions, and inside one region the network's logits
``z[L]`` are an affine function ``x @ coef + intercept`` of the input. For smooth activations
the same picture holds only locally: :func:`local_linearization` gives the tangent map.

>>> from fcnn_widget import FCNN
>>> model = FCNN([4, 3], "relu", dataset="prod", seed=0)
>>> model.set_params([(W, b + 0.1) for W, b in model.params])
>>> x = np.array([0.5, -1.0], np.float32)
>>> coef, intercept = local_linear(model.params, activation_pattern(model, x))
>>> bool(np.allclose(x @ coef + intercept, model.trace(x).z[-1][0], atol=1e-5))
True
>>> r = regions(model, n=41)
>>> r.ids.shape, sum(region.count for region in r.table)
((41, 41), 1681)
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from . import regions as _exact
from .linear_maps import (
    MARGIN as MARGIN,
)
from .linear_maps import (
    OFF_SLOPE,
    Domain,
    Pattern,
    _check_domain,
    _float64_layers,
    _pack,
    _pattern_maps,
    _unique_rows,
    _unpack,
    require_relu_family,
    widened,
)
from .model import FCNN, Params
from .network import RELU_FAMILY, logits


@dataclass(frozen=True, eq=False)
class Line:
    """The line ``w · x + b = 0`` where first-layer unit ``unit`` switches on or off."""

    unit: int
    w: np.ndarray
    b: float

    def endpoints(self, domain: Domain) -> np.ndarray | None:
        """The two points (rows of a (2, 2) array) where the line enters and leaves the
        rectangle ``domain = ((x0, x1), (y0, y1))``, or None if it misses it (or ``w = 0``).

        >>> Line(0, np.array([1.0, -1.0]), 0.0).endpoints(((-2, 2), (-2, 2))).tolist()
        [[-2.0, -2.0], [2.0, 2.0]]
        >>> Line(0, np.array([1.0, 0.0]), -5.0).endpoints(((-2, 2), (-2, 2))) is None
        True
        """
        return clip_line(self.w, self.b, domain)


@dataclass(frozen=True, eq=False)
class Grid:
    """A function of the input plane sampled on a grid: ``values[i, j]`` is at
    ``(xs[j], ys[i])``."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray

    @property
    def points(self) -> np.ndarray:
        """The grid points (n * n, 2), in the order of ``values.reshape(-1, d_out)``."""
        return grid_points(self.xs, self.ys)


@dataclass(frozen=True, eq=False)
class Region:
    """One activation pattern found on a grid: its units' on/off masks, the affine map the
    logits follow there, and how many grid cells have it."""

    id: int
    pattern: Pattern
    coef: np.ndarray
    intercept: np.ndarray
    count: int

    def evaluate(self, X) -> np.ndarray:
        """The region's affine map at inputs ``X`` (n, d)."""
        return np.asarray(X, np.float64) @ self.coef + self.intercept


@dataclass(frozen=True, eq=False)
class Regions:
    """The linear regions of a ReLU network over a grid: ``ids[i, j]`` (the region at
    ``(xs[j], ys[i])``) indexes ``table``; ids run 0..R-1 in order of first appearance."""

    xs: np.ndarray
    ys: np.ndarray
    ids: np.ndarray
    table: list[Region]

    @property
    def n_regions(self) -> int:
        return len(self.table)


# -- activation patterns and local maps ---------------------------------------------------------
def activation_pattern(model: FCNN, x, params=None) -> Pattern:
    """Which hidden units are on (``z > 0``) at ``x``: one boolean array per hidden layer,
    shaped (width,) for one point (d,) and (n, width) for a batch (n, d).

    >>> model = FCNN([4, 3], "relu", dataset="prod", seed=0)
    >>> [p.shape for p in activation_pattern(model, [0.5, -1.0])]
    [(4,), (3,)]
    >>> [p.shape for p in activation_pattern(model, np.zeros((5, 2)))]
    [(5, 4), (5, 3)]
    """
    require_relu_family(model.activation, "activation_pattern")
    single = np.ndim(x) == 1
    masks = [z > 0 for z in model.trace(x, params=params).z[1:-1]]
    return [m[0] for m in masks] if single else masks


def local_linear(
    params: Params, pattern: Pattern, activation: str = "relu"
) -> tuple[np.ndarray, np.ndarray]:
    """The affine map ``x @ coef + intercept`` that the logits ``z[L]`` follow wherever the
    hidden units are on/off as in ``pattern`` (one point's masks, one per hidden layer).

    ``params`` is ``[(W, b), ...]`` with ``W`` (in, out), NumPy or JAX. Computed in float64:
    returns ``coef`` (d_in, d_out) and ``intercept`` (d_out,).

    >>> params = [(np.array([[1.0, -1.0]]), np.zeros(2)), (np.array([[2.0], [3.0]]), np.ones(1))]
    >>> coef, intercept = local_linear(params, [np.array([True, False])])
    >>> coef.tolist(), intercept.tolist()
    ([[2.0]], [1.0])
    """
    off = OFF_SLOPE[require_relu_family(activation, "local_linear")]
    layers = _float64_layers(params)
    masks = _check_pattern(pattern, [W.shape[1] for W, _ in layers[:-1]])
    coef = np.eye(layers[0][0].shape[0])
    intercept = np.zeros(layers[0][0].shape[0])
    for (W, b), mask in zip(layers, [*masks, None]):
        coef, intercept = coef @ W, intercept @ W + b
        if mask is not None:
            gain = np.where(mask, 1.0, off)
            coef, intercept = coef * gain, intercept * gain
    return coef, intercept


def local_linearization(model: FCNN, x) -> tuple[np.ndarray, np.ndarray]:
    """The tangent map of the logits at one point ``x`` (d,): ``coef`` (d_in, d_out) the
    Jacobian (``jax.jacfwd``) and ``intercept`` (d_out,) such that
    ``y ≈ x @ coef + intercept`` near ``x``. Works for every activation.

    >>> model = FCNN([3], "tanh", dataset="prod", seed=0)
    >>> x = np.array([0.3, 0.7], np.float32)
    >>> coef, intercept = local_linearization(model, x)
    >>> coef.shape, bool(np.allclose(x @ coef + intercept, model.predict(x)[0], atol=1e-6))
    ((2, 1), True)
    """
    x = _single_point(model, x)
    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in model.params]

    def f(v):
        y = logits(params, v[None], model.activation)[0]
        return y, y

    jac, y = jax.jacfwd(f, has_aux=True)(jnp.asarray(x))
    coef = np.asarray(jac, np.float64).T
    return coef, np.asarray(y, np.float64) - x.astype(np.float64) @ coef


def local_maps(params, activation: str, X) -> np.ndarray:
    """The affine map the network's logits follow near each row of ``X`` (n, d), as
    (n, d_out, d + 1) float64: coefficients of x₁..x_d, then the constant.

    For ReLU-family nets it is exact on the point's whole linear region (:func:`local_linear`
    of its activation pattern); for smooth activations it is the tangent (the Jacobian).

    >>> model = FCNN([4], "relu", dataset="prod", seed=0)
    >>> X = model.dataset.X[:3]
    >>> maps = local_maps(model.params, "relu", X)
    >>> bool(np.allclose(np.einsum("nd,nod->no", X, maps[..., :2]) + maps[..., 2],
    ...                  model.trace(X).z[-1], atol=1e-5))
    True
    """
    X = np.asarray(X, np.float32)
    layers = [(jnp.asarray(W, jnp.float32), jnp.asarray(b, jnp.float32)) for W, b in params]
    if activation in RELU_FAMILY:
        return _exact_maps(layers, activation, X)
    return _tangent_maps(layers, activation, X)


def _exact_maps(layers, activation: str, X: np.ndarray) -> np.ndarray:
    z = X
    masks = []
    for k, (W, b) in enumerate(layers):
        z = np.asarray(logits([(W, b)], z, "linear"))
        if k < len(layers) - 1:
            masks.append(z > 0)
            z = np.asarray(jax.nn.relu(z) if activation == "relu" else jax.nn.leaky_relu(z))
    return pattern_maps(layers, activation, _pack(masks, len(X)))


def pattern_maps(params, activation: str, bits: np.ndarray) -> np.ndarray:
    """:func:`local_maps` from the points' activation patterns (n, hidden units) — the bits
    of ``z > 0`` of every hidden layer side by side, as a trace already gives them.

    >>> model = FCNN([4], "relu", dataset="prod", seed=0)
    >>> X = model.dataset.X[:5]
    >>> bits = model.trace(X).z[1] > 0
    >>> bool(np.array_equal(pattern_maps(model.params, "relu", bits),
    ...                     local_maps(model.params, "relu", X)))
    True
    """
    unique, _, inverse, _ = _unique_rows(np.asarray(bits, bool))
    coef, intercept = _pattern_maps(params, unique, activation)
    maps = np.concatenate([coef.transpose(0, 2, 1), intercept[..., None]], axis=2)
    return maps[inverse]


def _tangent_maps(layers, activation: str, X: np.ndarray) -> np.ndarray:
    def f(v):
        y = logits(layers, v[None], activation)[0]
        return y, y

    jac, y = jax.vmap(jax.jacfwd(f, has_aux=True))(jnp.asarray(X))
    jac, y = np.asarray(jac, np.float64), np.asarray(y, np.float64)  # (n, out, d), (n, out)
    intercept = y - np.einsum("nod,nd->no", jac, X.astype(np.float64))
    return np.concatenate([jac, intercept[..., None]], axis=-1)


# -- the input plane ------------------------------------------------------------------------------
def first_layer_lines(model: FCNN) -> list[Line]:
    """Each first-layer unit's switching line ``w · x + b = 0`` in the 2-D input plane.

    >>> model = FCNN([4], "relu", dataset="prod", seed=0)
    >>> [line.unit for line in first_layer_lines(model)]
    [0, 1, 2, 3]
    """
    _require_plane(model, "first_layer_lines")
    W, b = model.params[0]
    return [
        Line(unit, np.asarray(W[:, unit], np.float64), float(b[unit])) for unit in range(len(b))
    ]


def clip_line(w, b: float, domain: Domain) -> np.ndarray | None:
    """The segment of ``w · x + b = 0`` inside the rectangle ``domain``, as a (2, 2) array of
    its two end points, or None if the line misses it (or only touches a corner) or ``w = 0``.

    >>> clip_line([0.0, 2.0], -1.0, ((-1, 1), (-1, 1))).tolist()
    [[1.0, 0.5], [-1.0, 0.5]]
    """
    w = np.asarray(w, np.float64)
    if w.shape != (2,):
        raise ValueError(f"w must have shape (2,), got {w.shape}")
    bounds = _check_domain(domain)
    size = float(np.abs(w).max())
    if size == 0.0 or not np.isfinite(b / size):
        return None
    w, b = w / size, b / size  # the same line, with |w| in [1, sqrt 2]
    origin, direction = -b * w / float(w @ w), np.array([-w[1], w[0]])
    return _clip_segment(origin, direction, bounds)


def on_side_polygon(w, b: float, domain: Domain) -> np.ndarray | None:
    """The part of the rectangle ``domain`` where ``w·x + b > 0`` (where a first-layer unit
    is on), as polygon corners (k, 2) in order, or None if it is empty.

    >>> on_side_polygon([1.0, 0.0], 0.0, ((-1, 1), (-1, 1))).tolist()
    [[0.0, -1.0], [1.0, -1.0], [1.0, 1.0], [0.0, 1.0]]
    """
    w = np.asarray(w, np.float64)
    (x0, x1), (y0, y1) = _check_domain(domain)
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    side = corners @ w + b
    points = []
    for i in range(4):  # walk the rectangle's edges, keeping the on side (Sutherland–Hodgman)
        p, q, sp, sq = corners[i], corners[(i + 1) % 4], side[i], side[(i + 1) % 4]
        if sp > 0:
            points.append(p)
        if (sp > 0) != (sq > 0) and sp != sq:
            points.append(p + (q - p) * (sp / (sp - sq)))
    return np.array(points) if len(points) >= 3 else None


def nearest_sample(X, point) -> int:
    """The index of the row of ``X`` (n, d) nearest ``point`` (d,) in Euclidean distance
    (the first one on ties).

    >>> nearest_sample([[0, 0], [1, 1], [2, 2]], [1.2, 0.9])
    1
    """
    X = np.asarray(X, np.float64)
    point = np.asarray(point, np.float64)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty 2-D array (n, d), got shape {X.shape}")
    if point.shape != (X.shape[1],):
        raise ValueError(f"point must have shape ({X.shape[1]},) to match X, got {point.shape}")
    return int(np.argmin(np.sum((X - point) ** 2, axis=1)))


def pick(X, point) -> int | None:
    """The sample nearest a point the page sent (a click on the plane), or None when the
    message does not hold a finite point of the inputs' width.

    >>> pick([[0, 0], [1, 1]], [0.9, 1]), pick([[0, 0]], ["a", 1]), pick([[0, 0]], [1])
    (1, None, None)
    """
    numbers = isinstance(point, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in point
    )
    if not numbers or len(point) != np.shape(X)[1] or not np.isfinite(point).all():
        return None
    return nearest_sample(X, point)


def plot_domain(model: FCNN, X=None) -> Domain:
    """The dataset's domain widened by :data:`MARGIN` on every side; for a model that
    carries no data, the domain of the inputs ``X`` (n, 2).

    >>> plot_domain(FCNN([4], "relu", dataset="prod"))
    ((-3.0, 3.0), (-3.0, 3.0))
    """
    _require_plane(model, "plot_domain")
    if model.dataset is not None:
        (x0, x1), (y0, y1) = model.dataset.domain
    elif X is not None:
        X = model._check_inputs(X)
        (x0, y0), (x1, y1) = X.min(axis=0).tolist(), X.max(axis=0).tolist()
    else:
        raise ValueError("this model carries no data: pass X= (the inputs) to span the plane")
    return widened(((x0, x1), (y0, y1)))


def grid_estimate(model: FCNN, n: int = 101, params=None, X=None) -> Grid:
    """The network's output ``a[L]`` on an ``n`` x ``n`` grid over :func:`plot_domain`
    (of the inputs ``X`` for a model that carries no data).

    >>> grid = grid_estimate(FCNN([4], "relu", dataset="prod"), n=5)
    >>> grid.xs.tolist(), grid.values.shape
    ([-3.0, -1.5, 0.0, 1.5, 3.0], (5, 5, 1))
    """
    xs, ys = _grid_axes(model, n, "grid_estimate", X)
    values = model.trace(grid_points(xs, ys), params=params).a[-1]
    return Grid(xs, ys, values.reshape(n, n, -1))


def regions(model: FCNN, n: int = 101, X=None, params=None) -> Regions:
    """The activation pattern of every cell of the :func:`grid_estimate` grid, numbered in
    order of first appearance, with each pattern's affine map and cell count.

    >>> r = regions(FCNN([4], "relu", dataset="prod", seed=0), n=11)
    >>> r.n_regions == len(np.unique(r.ids)), int(r.ids[0, 0])
    (True, 0)
    """
    return estimate_and_regions(model, n, X, params)[1]


def estimate_and_regions(model: FCNN, n: int = 101, X=None, params=None) -> tuple[Grid, Regions]:
    """:func:`grid_estimate` and :func:`regions` from one trace of the grid.

    >>> grid, found = estimate_and_regions(FCNN([4], "relu", dataset="prod"), n=5)
    >>> grid.values.shape, found.ids.shape
    ((5, 5, 1), (5, 5))
    """
    require_relu_family(model.activation, "regions")
    xs, ys = _grid_axes(model, n, "regions", X)
    params = model.params if params is None else params
    trace = model.trace(grid_points(xs, ys), params=params)
    bits = _pack([z > 0 for z in trace.z[1:-1]], n * n)
    ids, first, counts = _number_by_first_appearance(bits)
    coef, intercept = _pattern_maps(params, bits[first], model.activation)
    widths = model.widths[1:-1]
    table = [
        Region(k, _unpack(bits[index], widths), coef[k], intercept[k], int(count))
        for k, (index, count) in enumerate(zip(first, counts))
    ]
    grid = Grid(xs, ys, trace.a[-1].reshape(n, n, -1))
    return grid, Regions(xs, ys, ids.reshape(n, n), table)


def grid_points(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """All ``(xs[j], ys[i])`` as rows (n_y * n_x, 2), row-major in ``i`` then ``j``."""
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def exact_regions(model: FCNN, domain: Domain | None = None, params=None, **options):
    """The exact partition of the plane into the network's linear regions (convex polygons):
    :func:`fcnn_widget.regions.exact_regions` (``budget=`` the most regions to cut).

    >>> model = FCNN([4], "relu", dataset="prod", seed=0)  # zero biases: 4 lines through 0
    >>> len(exact_regions(model)), regions(model, n=51).n_regions  # + the origin's own pattern
    (8, 9)
    """
    _require_plane(model, "exact_regions")
    domain = plot_domain(model) if domain is None else domain
    params = model.params if params is None else params
    return _exact.partition(params, model.activation, model.task, domain, **options)


# -- helpers ----------------------------------------------------------------------------------------
def _check_pattern(pattern, widths: list[int]) -> Pattern:
    expected = [(w,) for w in widths]
    masks = [np.asarray(m) for m in pattern]
    if len(masks) != len(widths):
        raise ValueError(
            f"pattern must hold one mask per hidden layer, {len(widths)} of shapes {expected}, "
            f"got {len(masks)}"
        )
    for k, (mask, shape) in enumerate(zip(masks, expected)):
        if mask.shape != shape or mask.dtype != bool:
            raise ValueError(
                f"pattern[{k}] must be a boolean array of shape {shape} (one point's masks "
                f"{expected}), got {mask.dtype} {mask.shape}"
            )
    return masks


def _single_point(model: FCNN, x) -> np.ndarray:
    x = np.asarray(x, np.float32)
    if x.shape != (model.widths[0],):
        raise ValueError(f"x must be one point of shape ({model.widths[0]},), got {x.shape}")
    return x


def _require_plane(model: FCNN, what: str) -> None:
    if model.widths[0] != 2:
        raise ValueError(
            f"{what} works on the 2-D input plane, but this network has {model.widths[0]} inputs"
        )


def _grid_axes(model: FCNN, n: int, what: str, X=None) -> tuple[np.ndarray, np.ndarray]:
    _require_plane(model, what)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    (x0, x1), (y0, y1) = plot_domain(model, X)
    return np.linspace(x0, x1, n), np.linspace(y0, y1, n)


def _clip_segment(origin, direction, bounds) -> np.ndarray | None:
    """Liang–Barsky: the part of ``origin + t * direction`` inside the box ``bounds``."""
    t_lo, t_hi = -np.inf, np.inf
    for axis, (lo, hi) in enumerate(bounds):
        if direction[axis] == 0.0:
            if not lo <= origin[axis] <= hi:
                return None
            continue
        with np.errstate(over="ignore"):  # a near-axis-parallel line: t = ±inf is right
            ts = (lo - origin[axis]) / direction[axis], (hi - origin[axis]) / direction[axis]
        t_lo, t_hi = max(t_lo, min(ts)), min(t_hi, max(ts))
    if not t_lo < t_hi:
        return None
    return origin + np.outer([t_lo, t_hi], direction)


def _number_by_first_appearance(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids of equal rows numbered by first appearance, each id's first row and its count."""
    _, first, inverse, counts = _unique_rows(rows)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)], first[order], counts[order]
