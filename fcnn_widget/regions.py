"""The exact linear regions of a piecewise-linear network on its 2-D input plane.

A network whose hidden layers are ``relu``, ``leaky_relu`` or ``linear`` is affine on each
cell of a partition of the plane into convex polygons. :func:`exact_regions` finds that
partition by cutting: start from the domain rectangle; for each hidden layer, each unit's
pre-activation is affine inside every current polygon (its map follows from the polygon's
pattern so far, :func:`fcnn_widget.maps._pattern_maps`), so cut every polygon by it at
once. Vertices live in flat float64 arrays (``vertices`` (N, 2) with each polygon's run
given by ``starts``); one cut is a handful of NumPy operations over all polygons.

Tolerances (both relative, both documented on the constants):

* :data:`SNAP`: a vertex whose pre-activation is within ``SNAP`` times the unit's scale on
  the domain (the largest ``|w₁|·|x|max + |w₂|·|y|max + |b|`` of its affine maps there) counts
  as lying exactly on the unit's line: it belongs to both pieces. This is the sliver rule: a
  cut that would leave a piece thinner than that (about 1e-12 of the domain's extent) is not
  made, and the polygon stays whole on the side of its other vertices. No piece is ever
  dropped, so the areas always add up to the domain's (no holes).

Every region's pattern is unique: the set of points with one activation pattern is an
intersection of half-planes (each layer's pre-activations are affine on the previous
pattern's set), so it is convex and connected, and two polygons separated by a cut differ in
that cut's bit. Neighbours whose affine maps happen to agree (a unit whose outgoing weights
are zero) stay separate activation regions.

Past a budget (:data:`MAX_REGIONS`) the cutting stops with :class:`RegionBudgetExceeded`;
the picture then falls back to the raster estimate (:func:`fcnn_widget.analysis.regions`).

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.analysis import exact_regions  # partition() of a model's parts
>>> model = FCNN([4], "relu", dataset="prod", seed=0)
>>> model.set_params([(W, b + 0.1) for W, b in model.params])
>>> part = exact_regions(model)
>>> len(part), round(float(part.areas().sum()), 9)
(10, 36.0)
>>> r = part[part.locate([[0.5, -1.0]])[0]]
>>> bool(np.allclose([0.5, -1.0] @ r.coef + r.intercept, model.predict([[0.5, -1.0]])[0], atol=1e-5))
True
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from . import linear_maps as maps
from .linear_maps import Domain, Pattern

SUPPORTED = ("relu", "leaky_relu", "linear")
MAX_REGIONS = 50_000  # the budget: more regions than this stop the cutting
SNAP = 1e-12  # |z| <= SNAP * (unit's scale on the domain) at a vertex counts as z = 0
_CACHE_SIZE = 8


class RegionBudgetExceeded(ValueError):
    """The exact partition would hold more regions than the budget."""


class NonFiniteWeights(ValueError):
    """Weights with NaN or Inf have no partition."""


@dataclass(frozen=True, eq=False)
class ExactRegion:
    """One linear region: a convex polygon (vertices counter-clockwise), the activation
    pattern of its points (one boolean mask per hidden layer) and the affine map
    ``x @ coef + intercept`` of the logits there (``coef`` (2, d_out), ``intercept`` (d_out,))."""

    index: int
    vertices: np.ndarray
    pattern: Pattern
    coef: np.ndarray
    intercept: np.ndarray

    @property
    def centroid(self) -> np.ndarray:
        return _centroids(self.vertices, np.array([0, len(self.vertices)]))[0]

    @property
    def area(self) -> float:
        return float(_areas(self.vertices, np.array([0, len(self.vertices)]))[0])


@dataclass(frozen=True, eq=False)
class Boundaries:
    """The cut segments: ``segments[i]`` (2 end points) is where hidden unit ``unit[i]`` of
    layer ``layer[i]`` (1 = first hidden layer) switches inside the polygon it cut."""

    segments: np.ndarray  # (m, 2, 2)
    layer: np.ndarray  # (m,) int
    unit: np.ndarray  # (m,) int

    def __len__(self) -> int:
        return len(self.segments)


class Partition:
    """The exact partition of a domain into linear regions (see :func:`partition`).

    ``vertices`` (N, 2) holds every region's corners, region ``r`` the rows
    ``starts[r]:starts[r + 1]``; ``bits`` (R, hidden units) its pattern side by side; ``coef``
    (R, 2, d_out) and ``intercept`` (R, d_out) its affine map of the logits.
    """

    def __init__(self, vertices, starts, bits, coef, intercept, cuts, domain, model_info):
        self.vertices, self.starts, self.bits = vertices, starts, bits
        self.coef, self.intercept, self.domain = coef, intercept, domain
        self._cuts = cuts
        self.layers, self.activation, self.task, self.widths = model_info

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, r: int) -> ExactRegion:
        if isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, np.integer)):
            raise TypeError(f"region index must be an integer, got {r!r}")
        if not -len(self) <= r < len(self):
            raise IndexError(f"region {r} out of range: the partition has {len(self)} regions")
        r = int(r) % len(self)
        a, b = self.starts[r], self.starts[r + 1]
        return ExactRegion(
            r,
            self.vertices[a:b],
            maps._unpack(self.bits[r], self.widths[1:-1]),
            self.coef[r],
            self.intercept[r],
        )

    def __iter__(self):
        return (self[r] for r in range(len(self)))

    def __repr__(self) -> str:
        return f"Partition({len(self)} regions on {self.domain})"

    def areas(self) -> np.ndarray:
        """Every region's area (R,)."""
        return _areas(self.vertices, self.starts)

    def centroids(self) -> np.ndarray:
        """Every region's centroid (R, 2): a point inside it."""
        return _centroids(self.vertices, self.starts)

    def logits_at(self, points, regions) -> np.ndarray:
        """The logits at ``points`` (n, 2) by the affine maps of ``regions`` (n,)."""
        points = np.asarray(points, np.float64)
        return np.einsum("nd,ndo->no", points, self.coef[regions]) + self.intercept[regions]

    def outputs_at_centroids(self) -> np.ndarray:
        """The network's output a[L] (after its output activation) at every centroid (R, d_out)."""
        z = self.logits_at(self.centroids(), np.arange(len(self)))
        if self.task == "binary":
            return 1.0 / (1.0 + np.exp(-z))
        if self.task == "multiclass":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        return z

    def locate(self, points) -> np.ndarray:
        """The region index of each point (n, 2), -1 outside the domain.

        A point's float64 activation pattern names its region; a point whose pattern no
        region has (one in a sliver that was not cut off, :data:`SNAP`) is found by the
        polygons' edges instead.
        """
        points = np.asarray(points, np.float64).reshape(-1, 2)
        (x0, x1), (y0, y1) = self.domain
        inside = (points[:, 0] >= x0) & (points[:, 0] <= x1)
        inside &= (points[:, 1] >= y0) & (points[:, 1] <= y1)
        out = np.full(len(points), -1, np.int64)
        if self.activation == "linear":
            out[inside] = 0
            return out
        bits = patterns64(self.layers, self.activation, points[inside])
        _, _, inverse, _ = maps._unique_rows(np.concatenate([self.bits, bits]))
        key_region = np.full(inverse.max() + 1, -1, np.int64)
        key_region[inverse[: len(self)]] = np.arange(len(self))
        found = key_region[inverse[len(self) :]]
        for i in np.flatnonzero(found < 0):
            found[i] = self._contains(points[inside][i])
        out[inside] = found
        return out

    def _contains(self, point) -> int:
        """The region whose polygon holds ``point`` (the least outside one)."""
        V, starts = self.vertices, self.starts
        nxt = _next_index(starts)
        edge = V[nxt] - V
        cross = edge[:, 0] * (point[1] - V[:, 1]) - edge[:, 1] * (point[0] - V[:, 0])
        return int(np.argmax(np.minimum.reduceat(cross, starts[:-1])))

    def boundaries(self) -> Boundaries:
        """The segments the cutting made, each tagged with its layer and unit."""
        return self._cuts

    def decision_boundary(self) -> list[np.ndarray]:
        """The exact decision boundary of a classification net, as polylines ((k, 2) arrays):
        binary, the zero level set of the logit; multiclass, where the two largest logits tie."""
        if self.task == "binary":
            s = self._logit_at_vertices(0)
            segs = _cut(self.vertices, self.starts, s, _scale(s, self.starts))[3]
            return chain(segs)
        if self.task == "multiclass":
            return chain(self._class_borders())
        raise ValueError(
            f"decision_boundary needs a classification net (task binary or multiclass), "
            f"got task {self.task!r}"
        )

    def _logit_at_vertices(self, j: int, V=None, owner=None) -> np.ndarray:
        V = self.vertices if V is None else V
        owner = _owners(self.starts) if owner is None else owner
        return np.einsum("nd,nd->n", V, self.coef[owner, :, j]) + self.intercept[owner, j]

    def _class_borders(self) -> np.ndarray:
        """Per class c: clip every region to where z_c is the largest logit; the cells' edges
        on a line z_c = z_j (j > c) are the border of c and j."""
        n_out = self.coef.shape[2]
        segs = []
        for c in range(n_out):
            V, starts, reg = self.vertices, self.starts, np.arange(len(self))
            for j in range(n_out):
                if j == c or len(starts) < 2:
                    continue
                owner = reg[_owners(starts)]
                s = self._logit_at_vertices(c, V, owner) - self._logit_at_vertices(j, V, owner)
                V, starts, parents, _, on = _cut(V, starts, s, _scale(s, starts))
                reg = reg[parents]
                V, starts = _select(V, starts, on)
                reg = reg[on]
            if len(starts) < 2:
                continue
            owner, nxt = reg[_owners(starts)], _next_index(starts)
            for j in range(c + 1, n_out):
                d = self._logit_at_vertices(c, V, owner) - self._logit_at_vertices(j, V, owner)
                tol = 1e3 * SNAP * _scale(d, starts) + 1e-300
                on_line = (np.abs(d) <= tol) & (np.abs(d[nxt]) <= tol)
                segs.append(np.stack([V[on_line], V[nxt][on_line]], axis=1))
        return np.concatenate(segs) if segs else np.zeros((0, 2, 2))


def count_text(model) -> str:
    """``", N linear regions"`` for a model with 2 inputs, piecewise-linear hidden layers and
    data (its plot domain), else ``""`` — :meth:`fcnn_widget.FCNN.describe` reports it.

    >>> from fcnn_widget import FCNN
    >>> count_text(FCNN([4], "relu", dataset="prod", seed=0)), count_text(FCNN([4], "tanh", dataset="prod"))
    (', 8 linear regions', '')
    """
    if model.widths[0] != 2 or model.dataset is None or model.activation not in SUPPORTED:
        return ""
    domain = maps.widened(model.dataset.domain)
    try:
        n = len(partition(model.params, model.activation, model.task, domain))
    except RegionBudgetExceeded:
        return f", over {MAX_REGIONS:,} linear regions"
    except NonFiniteWeights:
        return ""
    return f", {n:,} linear region{'' if n == 1 else 's'}"


def partition(params, activation: str, task: str, domain: Domain, *, budget: int = MAX_REGIONS):
    """The exact partition from the parts of a model (:func:`fcnn_widget.analysis.exact_regions`
    takes the model): ``params`` ``[(W, b), ...]`` (2 inputs), the hidden layers' activation,
    the task and the domain. Past ``budget`` regions: RegionBudgetExceeded. Cached per params.

    >>> import numpy as np
    >>> params = [(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2)), (np.ones((2, 1)), np.zeros(1))]
    >>> len(partition(params, "relu", "regression", ((-1, 1), (-1, 1))))
    4
    """
    if activation not in SUPPORTED:
        raise ValueError(
            f"exact_regions needs piecewise-linear hidden layers ({', '.join(SUPPORTED)}), "
            f"got {activation!r}; for smooth activations use analysis.local_linearization"
        )
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ValueError(f"budget must be a positive integer, got {budget!r}")
    layers = maps._float64_layers(params)
    if layers[0][0].shape[0] != 2:
        raise ValueError(
            f"exact_regions works on the 2-D input plane, but params take {layers[0][0].shape[0]} inputs"
        )
    if not all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in layers):
        raise NonFiniteWeights("exact_regions needs finite weights: params hold NaN or Inf")
    bounds = maps._check_domain(domain)
    domain = tuple((float(lo), float(hi)) for lo, hi in bounds)
    widths = [2] + [int(W.shape[1]) for W, _ in layers]
    key = (_params_key(layers), activation, task, domain, int(budget))
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    part = _partition(layers, activation, task, widths, domain, int(budget))
    _cache[key] = part
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return part


_cache: OrderedDict = OrderedDict()


def _params_key(layers) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for W, b in layers:
        h.update(np.ascontiguousarray(W).tobytes())
        h.update(np.ascontiguousarray(b).tobytes())
        h.update(str(W.shape).encode())
    return h.digest()


def _partition(layers, activation, task, widths, domain, budget) -> Partition:
    (x0, x1), (y0, y1) = domain
    V = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    starts = np.array([0, 4])
    hidden = widths[1:-1]
    reach = np.array([max(abs(x0), abs(x1)), max(abs(y0), abs(y1))])
    bits = np.zeros((1, 0), bool)
    cuts: list[tuple[np.ndarray, int, int]] = []
    act = "relu" if activation == "linear" else activation
    off = maps.OFF_SLOPE[act]
    # Each polygon's map of the current layer's pre-activation (one layer on at a time, as
    # linear_maps._pattern_maps goes through them all).
    coef, intercept = maps._through(np.eye(2)[None], np.zeros((1, 2)), *layers[0])
    for k, width in enumerate(hidden if activation != "linear" else []):
        store = _Store(V, starts, width)
        # Per unit, one row per polygon of the layer's start: z = x A0 + y A1 + C.
        A0, A1, C = (np.ascontiguousarray(a.T) for a in (coef[:, 0], coef[:, 1], intercept))
        tol = SNAP * (np.abs(A0) * reach[0] + np.abs(A1) * reach[1] + np.abs(C)).max(axis=1)
        for u in range(width):
            segs = store.cut(A0[u], A1[u], C[u], tol[u], u)
            cuts.append((segs, k + 1, u))
            if store.n_alive > budget:
                raise RegionBudgetExceeded(
                    f"the exact partition passed the budget of {budget:,} regions "
                    f"(at layer {k + 1}, unit {u}, {store.n_alive:,} regions so far); "
                    "use analysis.regions for the raster estimate or pass a larger budget="
                )
        V, starts, src, layer_bits = store.result()
        bits = np.concatenate([bits[src], layer_bits], axis=1)
        gated = maps._gated(coef[src], intercept[src], layer_bits, off)
        coef, intercept = maps._through(*gated, *layers[k + 1])
    if activation == "linear":
        bits = np.ones((1, sum(hidden)), bool)
        coef, intercept = maps._pattern_maps(layers, bits, act)
    counts = [len(s) for s, _, _ in cuts]
    boundaries = Boundaries(
        np.concatenate([s for s, _, _ in cuts]) if cuts else np.zeros((0, 2, 2)),
        np.repeat(np.array([k for _, k, _ in cuts], int), counts),
        np.repeat(np.array([u for _, _, u in cuts], int), counts),
    )
    info = (layers, activation, task, widths)
    return Partition(V, starts, bits, coef, intercept, boundaries, domain, info)


class _Store:
    """One layer's polygons as runs of a flat vertex buffer that only grows: a cut polygon is
    marked dead and its two pieces appended, so a cut touches only the polygons it splits
    (plus one evaluation of the unit at every vertex). Runs are consecutive: polygon p holds
    rows ``start[p]:start[p + 1]``. Compacted when the dead vertices outnumber the living."""

    def __init__(self, V, starts, width: int):
        n, P = len(V), len(starts) - 1
        self.V = _buffer(V, 2 * n + 64)
        self.vsrc = _buffer(_owners(starts), 2 * n + 64)  # each vertex's polygon at the start
        self.start = _buffer(starts, 2 * P + 17)
        self.src = _buffer(np.arange(P), 2 * P + 16)
        self.alive = _buffer(np.ones(P, bool), 2 * P + 16)
        self.words = np.zeros((2 * P + 16, (width + 63) // 64), np.uint64)
        self.n, self.P, self.n_alive, self.dead_vertices, self.width = n, P, P, 0, width

    def cut(self, A0, A1, C, tol: float, u: int) -> np.ndarray:
        n, P = self.n, self.P
        V, vs = self.V[:n], self.vsrc[:n]
        s = V[:, 0] * A0[vs] + V[:, 1] * A1[vs] + C[vs]
        starts = self.start[:P]
        on = self.alive[:P] & (np.maximum.reduceat(s, starts) > tol)
        split = on & (np.minimum.reduceat(s, starts) < -tol)
        word, bit = u // 64, np.uint64(1 << (u % 64))
        sp = np.flatnonzero(split)
        on[sp] = False
        self.words[np.flatnonzero(on), word] |= bit  # wholly on this unit's on side
        if len(sp) == 0:
            return np.zeros((0, 2, 2))
        first = self.start[sp]
        counts = self.start[sp + 1] - first
        idx = _runs(first, counts)
        ss = s[idx]
        ss[np.abs(ss) <= tol] = 0.0  # on the line, within SNAP
        pos, neg, segs = _split(V[idx], ss, counts)
        self._append(sp, pos, neg, word, bit, int(counts.sum()))
        return segs

    def _append(self, sp, pos, neg, word, bit, dead: int) -> None:
        m = len(sp)
        (pv, pc), (nv, nc) = pos, neg
        counts = np.concatenate([pc, nc])
        owners = np.concatenate([sp, sp])
        k = len(pv) + len(nv)
        self._reserve(k, 2 * m)
        n, P = self.n, self.P
        self.V[n : n + len(pv)] = pv
        self.V[n + len(pv) : n + k] = nv
        src = self.src[owners]
        self.vsrc[n : n + k] = np.repeat(src, counts)
        self.start[P + 1 : P + 2 * m + 1] = n + np.cumsum(counts)
        self.src[P : P + 2 * m] = src
        self.alive[P : P + 2 * m] = True
        self.words[P : P + 2 * m] = self.words[owners]
        self.words[P : P + m, word] |= bit
        self.alive[sp] = False
        self.dead_vertices += dead
        self.n, self.P, self.n_alive = n + k, P + 2 * m, self.n_alive + m
        if self.dead_vertices > self.n - self.dead_vertices:
            self._compact()

    def _reserve(self, k: int, q: int) -> None:
        if self.n + k > len(self.V):
            size = 2 * (self.n + k)
            self.V, self.vsrc = _buffer(self.V[: self.n], size), _buffer(self.vsrc[: self.n], size)
        if self.P + q + 1 > len(self.start):
            size = 2 * (self.P + q + 1)
            self.start = _buffer(self.start[: self.P + 1], size)
            self.src, self.alive = (
                _buffer(self.src[: self.P], size),
                _buffer(self.alive[: self.P], size),
            )
            words = np.zeros((size, self.words.shape[1]), np.uint64)
            words[: self.P] = self.words[: self.P]
            self.words = words

    def _compact(self) -> None:
        live = np.flatnonzero(self.alive[: self.P])
        first = self.start[live]
        counts = self.start[live + 1] - first
        idx = _runs(first, counts)
        n, P = len(idx), len(live)
        self.V[:n], self.vsrc[:n] = self.V[idx], self.vsrc[idx]
        self.start[1 : P + 1] = np.cumsum(counts)
        self.src[:P], self.words[:P] = self.src[live], self.words[live]
        self.alive[:P] = True
        self.n, self.P, self.dead_vertices = n, P, 0

    def result(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The living polygons: vertices, starts, ancestors, this layer's bits (P, width)."""
        self._compact()
        n, P = self.n, self.P
        shifts = np.arange(64, dtype=np.uint64)
        bits = ((self.words[:P, :, None] >> shifts) & np.uint64(1)).astype(bool)
        bits = bits.reshape(P, -1)[:, : self.width]
        return self.V[:n].copy(), self.start[: P + 1].copy(), self.src[:P].copy(), bits


def _buffer(values, size: int) -> np.ndarray:
    values = np.asarray(values)
    out = np.empty((max(size, len(values)), *values.shape[1:]), values.dtype)
    out[: len(values)] = values
    return out


def _runs(first, counts) -> np.ndarray:
    """The indices first[i] .. first[i] + counts[i] - 1 of every run, concatenated."""
    offsets = np.repeat(first - (np.cumsum(counts) - counts), counts)
    return offsets + np.arange(len(offsets))


def _subset(V, s, counts, keep):
    ends = np.cumsum(counts)
    idx = _runs((ends - counts)[keep], counts[keep])
    return V[idx], s[idx], counts[keep]


def _split(V, s, counts):
    """Cut m polygons (runs of ``counts`` vertices of ``V``, each with strictly positive and
    strictly negative ``s``) along s = 0 (Sutherland–Hodgman on both sides): the on pieces
    and the off pieces as (vertices, counts), and the chords (m, 2, 2)."""
    m, k = len(counts), len(V)
    ends = np.cumsum(counts)
    nxt = np.arange(1, k + 1)
    nxt[ends - 1] = ends - counts
    sn = s[nxt]
    cross = s * sn < 0
    t = s / np.where(cross, s - sn, 1.0)
    # Each vertex, then the crossing on its edge to the next, interleaved (2k candidates).
    cand = np.empty((k, 2, 2))
    cand[:, 0], cand[:, 1] = V, V + t[:, None] * (V[nxt] - V)
    cand = cand.reshape(-1, 2)
    keep = np.empty((3, k, 2), bool)
    keep[0, :, 0], keep[1, :, 0], keep[2, :, 0] = s >= 0, s <= 0, s == 0
    keep[:, :, 1] = cross
    keep_pos, keep_neg, on_line = keep.reshape(3, -1)
    owner = np.repeat(np.arange(m), 2 * counts)
    pos_v, pos_o = cand[keep_pos], owner[keep_pos]
    neg_v = cand[keep_neg]
    pos_c = np.bincount(pos_o, minlength=m)
    neg_c = np.bincount(owner[keep_neg], minlength=m)
    # The chord: the two on-line vertices of each on piece (crossings and vertices at s = 0).
    line = on_line[keep_pos]
    line_o = pos_o[line]
    good = np.bincount(line_o, minlength=m)[line_o] == 2
    segs = pos_v[line][good].reshape(-1, 2, 2)
    return (pos_v, pos_c), (neg_v, neg_c), segs


def _cut(V, starts, s, scale):
    """Cut every polygon (rows ``starts[p]:starts[p + 1]`` of ``V``) by the function whose
    values at the vertices are ``s`` (affine within each polygon): the new vertices and
    starts, each new polygon's parent, the chords and whether it lies on the on side."""
    s = np.where(np.abs(s) <= SNAP * scale, 0.0, s)
    hi, lo = np.maximum.reduceat(s, starts[:-1]), np.minimum.reduceat(s, starts[:-1])
    split = (hi > 0) & (lo < 0)
    counts = np.diff(starts)
    sp, keep = np.flatnonzero(split), np.flatnonzero(~split)
    pos, neg, segs = _split(*_subset(V, s, counts, split))
    kept_v, _, kept_c = _subset(V, s, counts, ~split)
    new_V = np.concatenate([kept_v, pos[0], neg[0]])
    new_c = np.concatenate([kept_c, pos[1], neg[1]])
    parents = np.concatenate([keep, sp, sp])
    on = np.concatenate([hi[keep] > 0, np.ones(len(sp), bool), np.zeros(len(sp), bool)])
    return new_V, np.concatenate([[0], np.cumsum(new_c)]), parents, segs, on


def _select(V, starts, keep):
    """Only the polygons where ``keep``."""
    owner = _owners(starts)
    counts = np.diff(starts)[keep]
    return V[keep[owner]], np.concatenate([[0], np.cumsum(counts)])


def _owners(starts) -> np.ndarray:
    """Each vertex's polygon."""
    return np.repeat(np.arange(len(starts) - 1), np.diff(starts))


def _next_index(starts) -> np.ndarray:
    """Each vertex's successor in its polygon (cyclic)."""
    nxt = np.arange(1, starts[-1] + 1)
    nxt[starts[1:] - 1] = starts[:-1]
    return nxt


def _areas(V, starts) -> np.ndarray:
    """Signed (counter-clockwise positive) areas by the shoelace formula."""
    if len(starts) < 2:
        return np.zeros(0)
    nxt = _next_index(starts)
    cross = V[:, 0] * V[nxt, 1] - V[nxt, 0] * V[:, 1]
    return 0.5 * np.add.reduceat(cross, starts[:-1])


def _centroids(V, starts) -> np.ndarray:
    nxt = _next_index(starts)
    cross = V[:, 0] * V[nxt, 1] - V[nxt, 0] * V[:, 1]
    area6 = 3.0 * np.add.reduceat(cross, starts[:-1])
    cx = np.add.reduceat((V[:, 0] + V[nxt, 0]) * cross, starts[:-1])
    cy = np.add.reduceat((V[:, 1] + V[nxt, 1]) * cross, starts[:-1])
    mean = np.add.reduceat(V, starts[:-1]) / np.diff(starts)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.stack([cx, cy], axis=1) / area6[:, None]
    return np.where(np.abs(area6)[:, None] > 0, c, mean)


def _scale(s, starts) -> np.ndarray:
    """Per polygon, the largest |s| at its vertices, per vertex (a scale for :data:`SNAP`)."""
    per = np.maximum.reduceat(np.abs(s), starts[:-1]) if len(starts) > 1 else np.zeros(0)
    return per[_owners(starts)]


def patterns64(layers, activation: str, X) -> np.ndarray:
    """The activation pattern (z > 0 of every hidden unit, side by side) of each row of
    ``X`` (n, 2), computed in float64 — the arithmetic the partition is cut in.

    >>> layers = [(np.array([[1.0, -1.0], [0.0, 1.0]]), np.zeros(2)), (np.ones((2, 1)), np.zeros(1))]
    >>> patterns64(layers, "relu", [[1.0, 2.0]]).tolist()
    [[True, True]]
    """
    a = np.asarray(X, np.float64)
    off = maps.OFF_SLOPE.get(activation, 1.0)
    masks = []
    for W, b in layers[:-1]:
        z = a @ W + b
        masks.append(z > 0)
        a = np.where(z > 0, z, off * z)
    return maps._pack(masks, len(a))


def chain(segments) -> list[np.ndarray]:
    """Segments (m, 2, 2) joined end to end into polylines ((k, 2) arrays); end points within
    1e-9 (relative to the extent) count as one.

    >>> [p.tolist() for p in chain(np.array([[[0, 0], [1, 0]], [[1, 1], [1, 0]]], float))]
    [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]]
    """
    segments = np.asarray(segments, np.float64).reshape(-1, 2, 2)
    if len(segments) == 0:
        return []
    extent = max(float(np.abs(segments).max()), 1.0)
    keys = np.round(segments / (extent * 1e-9)).astype(np.int64)
    ends: dict[tuple, list[tuple[int, int]]] = {}
    for i in range(len(segments)):
        for e in (0, 1):
            ends.setdefault(tuple(keys[i, e]), []).append((i, e))
    used = np.zeros(len(segments), bool)

    def walk(i: int, e: int) -> list[np.ndarray]:
        points = []
        while True:  # leave segment i through its end 1 - e
            used[i] = True
            points.append(segments[i, 1 - e])
            nxt = [(j, f) for j, f in ends[tuple(keys[i, 1 - e])] if not used[j]]
            if not nxt:
                return points
            i, e = nxt[0]

    lines = []
    # Start at loose ends first (open polylines), then whatever is left (closed loops).
    order = sorted(
        range(len(segments)),
        key=lambda i: (
            -max((len(ends[tuple(keys[i, 0])]) == 1), (len(ends[tuple(keys[i, 1])]) == 1))
        ),
    )
    for i in order:
        if used[i]:
            continue
        e = 0 if len(ends[tuple(keys[i, 0])]) == 1 or len(ends[tuple(keys[i, 1])]) != 1 else 1
        forward = walk(i, e)
        lines.append(np.array([segments[i, e], *forward]))
    return lines
