"""Everything one picture of a model needs, computed once by JAX and held as NumPy arrays:
every sample's layer values, the parameters, the colour settings and ranges, the model's
estimate over the input plane and the loss history. The widget and the exporters both read
a :class:`Scene`; nothing downstream computes a network value again.

>>> from fcnn_widget import FCNN
>>> scene = build_scene(FCNN([4], dataset="prod"))
>>> scene.values.shape, scene.slots
((2500, 12), ['x0', 'z1', 'a1', 'z2', 'a2'])
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from . import analysis, colors
from .datasets import check_class_names
from .model import FCNN
from .samples import Samples, to_show
from .settings import Style, make_style

# The page holds every sample's layer values when they fit in this; else a window of
# samples of WINDOW_BUDGET_BYTES (small, so moving it is quick), which the kernel moves when
# the selected sample nears its edge.
PAYLOAD_BUDGET_BYTES = 32 * 2**20
WINDOW_BUDGET_BYTES = 8 * 2**20
# The kernel holds every shown sample's layer values; past this it keeps the first that fit.
KERNEL_BUDGET_BYTES = 2 * 2**30


GRID = 81  # points per axis of the plane's estimate and local maps
RESPONSE_GRID = 29  # points per axis of each neuron's response map
MAX_FORMULA_INPUTS = 4  # local linear formulas are shown for inputs up to this wide
MAX_ANALYSIS_WEIGHTS = 200_000  # local maps and regions for networks up to this size


@dataclass
class Scene:
    widths: list[int]
    activation: str
    task: str
    n_classes: int
    params: list[tuple[np.ndarray, np.ndarray]]
    X: np.ndarray  # (n, d) the samples shown
    targets: np.ndarray | None  # (n, m) float32, or None when unknown
    values: np.ndarray  # (n, cols) float32: x, then z and a of every layer
    slots: list[str]  # neuron slots in column order: "x0", "z1", "a1", ...
    offsets: dict[str, int]  # first column of each slot
    n_total: int  # samples the caller passed (values may hold fewer: the kernel's budget)
    style: Style
    group_names: list[str] = field(default_factory=list)
    slot_group: dict[str, int] = field(default_factory=dict)
    ranges: np.ndarray | None = None  # (1 or n, groups, 2)
    grid: analysis.Grid | None = None
    plane_range: tuple[float, float] = (0.0, 1.0)
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    test_loss: np.ndarray | None = None
    epoch: int = 0
    local: np.ndarray | None = None  # (n, out, d + 1): each sample's local affine map
    grid_local: np.ndarray | None = None  # (GRID * GRID, out, 3): the same per grid point
    region_ids: np.ndarray | None = None  # (GRID, GRID) linear-region id (ReLU family)
    region_patterns: np.ndarray | None = None  # (regions, hidden units) bool: which are on
    response: np.ndarray | None = None  # (RESPONSE_GRID², cols): every neuron over the plane
    response_axes: tuple[np.ndarray, np.ndarray] | None = None
    data_class_names: tuple[str, ...] | None = None  # the dataset's, if it names its classes
    population: object | None = None  # a population's chart (population_chart.PopulationChart)

    @property
    def n_samples(self) -> int:
        return int(self.values.shape[0])

    @cached_property
    def x_range(self) -> tuple[float, float]:
        """The inputs' own range over every shown sample (finite values; [0, 1] if none)."""
        return colors.finite_range([self.slot_values("x0")])

    def slot_values(self, slot: str) -> np.ndarray:
        start = self.offsets[slot]
        return self.values[:, start : start + self.widths[int(slot[1:])]]

    def param_values(self) -> dict[str, np.ndarray]:
        out = {}
        for k, (W, b) in enumerate(self.params, start=1):
            out[f"w{k}"], out[f"b{k}"] = W, b
        return out

    def range_of(self, slot: str, sample: int) -> tuple[float, float]:
        row = self.ranges[sample if self.ranges.shape[0] > 1 else 0, self.slot_group[slot]]
        return float(row[0]), float(row[1])

    def color(self, slot: str, sample: int, value: float) -> str:
        """The fill Python computes for a value of ``slot`` — what the page must show."""
        lo, hi = self.range_of(slot, sample)
        return colors.color_of(value, lo, hi, self.style.palette)


def as_samples(model: FCNN, samples: Samples) -> tuple[np.ndarray, np.ndarray | None]:
    """The inputs (and targets, where known) to show: the model's data by default, a
    ``Dataset``, an ``(X, y)`` pair or a bare array of inputs."""
    return to_show(samples, model.dataset, model.task)


def column_layout(widths: list[int]) -> tuple[list[str], dict[str, int]]:
    """The slots of the values matrix in column order ("x0", "z1", "a1", ...) and the first
    column of each.

    >>> column_layout([2, 4, 1])
    (['x0', 'z1', 'a1', 'z2', 'a2'], {'x0': 0, 'z1': 2, 'a1': 6, 'z2': 10, 'a2': 11})
    """
    slots = ["x0"] + [f"{kind}{k}" for k in range(1, len(widths)) for kind in "za"]
    sizes = [widths[int(slot[1:])] for slot in slots]
    return slots, dict(zip(slots, np.cumsum([0] + sizes[:-1]).tolist()))


def trace_values(
    model: FCNN, X: np.ndarray, params=None
) -> tuple[np.ndarray, list[str], dict[str, int]]:
    """Every sample's x, z and a of every layer side by side (n, cols) float32, computed by
    JAX in one batch; with the slot names and each slot's first column."""
    trace = model.trace(X, params=params)
    blocks = [trace.a[0]]
    for k in range(1, len(model.widths)):
        blocks += [trace.z[k], trace.a[k]]
    slots, offsets = column_layout(model.widths)
    return np.ascontiguousarray(np.concatenate(blocks, axis=1), dtype=np.float32), slots, offsets


def n_columns(widths: list[int]) -> int:
    """Columns of the values matrix: x, then z and a of every layer."""
    return sum(widths) + sum(widths[1:])


def shown_samples(model: FCNN, samples=None) -> tuple[np.ndarray, np.ndarray | None, int]:
    """The validated inputs and targets (n, m) to show, cut to the kernel's budget, and how
    many the caller passed."""
    X, y = as_samples(model, samples)
    X = model._check_inputs(X)
    if len(X) == 0:
        raise ValueError("samples is empty: give at least one input row")
    keep = max(1, min(len(X), KERNEL_BUDGET_BYTES // (4 * n_columns(model.widths))))
    targets = None if y is None else np.asarray(y, np.float32).reshape(len(y), -1)[:keep]
    return X[:keep], targets, len(X)


def window_length(widths: list[int], n: int) -> int:
    """How many samples' layer values the page holds at once: all ``n`` when they fit the
    payload budget, else a window's worth.

    >>> window_length([2, 5, 5, 1], 100_000), window_length([784, 256, 128, 10], 100_000)
    (100000, 1334)
    """
    row = 4 * n_columns(widths)
    if n * row <= PAYLOAD_BUDGET_BYTES:
        return n
    return max(1, min(n, WINDOW_BUDGET_BYTES // row))


def window_start(sample: int, n: int, length: int, start: int | None = None) -> int:
    """The first sample of the page's window of ``length`` (of ``n``) samples when ``sample``
    is selected: ``start`` (the current window) while the sample stays off its outer
    quarters, else a window centred on the sample — so scrubbing on finds its next samples
    already in the page.

    >>> window_start(10, 100, 40), window_start(29, 100, 40, start=0), window_start(30, 100, 40, 0)
    (0, 0, 10)
    >>> window_start(99, 100, 40, start=11), window_start(5, 100, 100)
    (60, 0)
    """
    if length >= n:
        return 0
    if start is not None and start <= sample < start + length:
        margin = length // 4
        far_from_low = start == 0 or sample >= start + margin
        far_from_high = start + length == n or sample < start + length - margin
        if far_from_low and far_from_high:
            return start
    return int(min(max(sample - length // 2, 0), n - length))


def build_scene(
    model: FCNN,
    samples=None,
    style: Style | None = None,
    params=None,
    *,
    epoch: int | None = None,
    values: np.ndarray | None = None,
) -> Scene:
    """Trace every sample through the model (JAX) and gather what a picture needs.

    ``params`` (default: the current ones) and ``epoch`` (default: the last trained) pick
    the moment shown; ``values`` passes a trace already computed for those params.
    """
    style = style or make_style()
    X, targets, n_total = shown_samples(model, samples)
    record = model.history.record  # one committed record: losses and epoch agree
    params = model.params if params is None else params
    if values is None:
        values, slots, offsets = trace_values(model, X, params)
    else:
        slots, offsets = column_layout(model.widths)
    scene = Scene(
        widths=list(model.widths),
        activation=model.activation,
        task=model.task,
        n_classes=model.n_classes,
        params=[(np.asarray(W, np.float32), np.asarray(b, np.float32)) for W, b in params],
        X=X,
        targets=targets,
        values=values,
        slots=slots,
        offsets=offsets,
        n_total=n_total,
        style=style,
        loss=np.asarray(record.loss, np.float32),
        test_loss=record.test_loss,
        epoch=record.epochs if epoch is None else int(epoch),
        data_class_names=_dataset_class_names(model, samples),
    )
    _add_analysis(scene, model, params)
    return restyle(scene, style)


def _dataset_class_names(model: FCNN, samples) -> tuple[str, ...] | None:
    given = getattr(samples, "class_names", None) if samples is not None else None
    own = getattr(model.dataset, "class_names", None) if model.dataset is not None else None
    return given or own


def class_names(scene: Scene) -> list[str] | None:
    """A classifier's class names, in label order: the ``class_names`` setting, else the
    dataset's, else 0..n-1; None for a regression or a binary classifier (one output).

    >>> from fcnn_widget import FCNN
    >>> class_names(build_scene(FCNN([4], dataset="quadrants")))
    ['0', '1', '2', '3']
    """
    if scene.task != "multiclass":
        return None
    names = scene.style.class_names or scene.data_class_names
    n = scene.widths[-1]
    if names is None:
        return [str(i) for i in range(n)]
    return list(check_class_names(names, "multiclass", n))


def _add_analysis(scene: Scene, model: FCNN, params) -> None:
    """The plane's estimate, every sample's local affine map, and for 2-D inputs the same
    over the plane, the linear regions and every neuron's response map. Past
    MAX_ANALYSIS_WEIGHTS the local maps and regions are left out (each distinct ReLU pattern
    costs a pass through every weight); the picture and the estimate remain."""
    small = model.n_weights <= MAX_ANALYSIS_WEIGHTS
    relu = model.activation in analysis.RELU_FAMILY
    if model.widths[0] <= MAX_FORMULA_INPUTS and small:
        if relu:  # the patterns of the values shown, so formula and off marks agree
            bits = [scene.slot_values(f"z{k}") > 0 for k in range(1, len(model.widths) - 1)]
            bits = np.concatenate(bits, axis=1) if bits else np.zeros((scene.n_samples, 0), bool)
            scene.local = analysis.pattern_maps(params, model.activation, bits)
        else:
            scene.local = analysis.local_maps(params, model.activation, scene.X)
        scene.local = scene.local.astype(np.float32)
    if model.widths[0] != 2:
        return
    if small and relu and len(model.widths) > 2:
        # One pass gives all three: the estimate, each grid point's region and its affine map.
        scene.grid, found = analysis.estimate_and_regions(model, n=GRID, X=scene.X, params=params)
        scene.region_ids = found.ids.astype(np.int32)
        scene.region_patterns = np.stack([np.concatenate(r.pattern) for r in found.table])
        maps = np.stack(
            [np.concatenate([r.coef.T, r.intercept[:, None]], axis=1) for r in found.table]
        )
        scene.grid_local = maps[found.ids.ravel()].astype(np.float32)
    else:
        scene.grid = analysis.grid_estimate(model, n=GRID, params=params, X=scene.X)
        if small:
            points = analysis.grid_points(scene.grid.xs, scene.grid.ys)
            scene.grid_local = analysis.local_maps(params, model.activation, points)
            scene.grid_local = scene.grid_local.astype(np.float32)
    if scene.style.view == "response":
        (x0, x1), (y0, y1) = analysis.plot_domain(model, scene.X)
        xs, ys = np.linspace(x0, x1, RESPONSE_GRID), np.linspace(y0, y1, RESPONSE_GRID)
        scene.response = trace_values(model, analysis.grid_points(xs, ys), params)[0]
        scene.response_axes = (xs, ys)


def restyle(scene: Scene, style: Style) -> Scene:
    """Recompute the colour ranges for a new style (no network values change)."""
    same_ranges = scene.ranges is not None and _range_settings(scene.style) == _range_settings(
        style
    )
    scene.style = style
    if same_ranges:  # another palette or dressing: the ranges stay
        return scene
    nodes = {slot: scene.slot_values(slot) for slot in scene.slots}
    scene.group_names, scene.slot_group, scene.ranges = colors.value_ranges(
        nodes,
        scene.param_values(),
        norm=style.norm,
        scope=style.norm_scope,
        symmetric=style.symmetric,
        robust=style.robust,
    )
    if scene.grid is not None:
        scene.plane_range = _plane_range(scene)
    return scene


def _range_settings(style: Style) -> tuple:
    return style.norm, style.norm_scope, style.symmetric, style.robust


def _plane_range(scene: Scene) -> tuple[float, float]:
    """The colour range of the input plane, shared by targets and estimate: the targets'
    range (steady while training), or the estimate's when no targets are known."""
    if scene.task == "binary":
        return 0.0, 1.0
    if scene.task == "multiclass":
        return 0.0, float(max(1, scene.n_classes - 1))
    if scene.targets is not None:
        vals = scene.targets[:, 0]
    else:
        vals = scene.grid.values[..., 0].ravel()
    vals = vals[np.isfinite(vals)]
    lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
    if scene.style.symmetric:
        m = max(abs(lo), abs(hi))
        lo, hi = -m, m
    return lo, hi


def shared_ranges(scenes: list[Scene]) -> list[Scene]:
    """The scenes with colour ranges common to all of them: each group's range (by name:
    "a", "z1", ...) is the union of that group's range in every scene that has it, row by
    row (the scenes show the same samples), and so is the plane's. The scenes themselves
    are left as they are (pure): a colour then means one value in every picture.

    >>> from fcnn_widget import FCNN
    >>> a, b = build_scene(FCNN([4], dataset="prod")), build_scene(FCNN([5, 5], dataset="prod"))
    >>> sa, sb = shared_ranges([a, b])
    >>> bool((sa.ranges == sb.ranges).all()), bool((sa.ranges[..., 0] <= a.ranges[..., 0]).all())
    (True, True)
    """
    if not scenes:
        return []
    rows = {s.ranges.shape[0] for s in scenes}
    if len(rows) > 1:
        raise ValueError(f"the scenes' ranges have different rows {sorted(rows)}: not one scope")
    lo: dict[str, np.ndarray] = {}
    hi: dict[str, np.ndarray] = {}
    for s in scenes:
        for g, name in enumerate(s.group_names):
            r = s.ranges[:, g]
            lo[name] = np.minimum(lo[name], r[:, 0]) if name in lo else r[:, 0]
            hi[name] = np.maximum(hi[name], r[:, 1]) if name in hi else r[:, 1]
    plane = [s.plane_range for s in scenes if s.grid is not None]
    plane_range = (min(p[0] for p in plane), max(p[1] for p in plane)) if plane else None
    out = []
    for s in scenes:
        ranges = np.stack(
            [np.stack([lo[n], hi[n]], axis=-1) for n in s.group_names], axis=1
        ).astype(np.float32)
        changes = {"ranges": ranges}
        if s.grid is not None:
            changes["plane_range"] = plane_range
        out.append(replace(s, **changes))
    return out
