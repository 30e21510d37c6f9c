"""The page's wire format: pure functions from a :class:`~fcnn_widget.scene.Scene`, the
recorded timeline and the training's progress to the synced state the page draws from.

The live widget sets these as its private traits; a saved page (:mod:`fcnn_widget.standalone`)
inlines the same dicts. Arrays travel as :class:`Buffer` — bytes that carry their dtype and
shape, serialised by :func:`array_to_json` as ``{"dtype", "shape", "buffer"}`` and decoded
by ``js/codec.js``. The page reads the keys of :data:`TRAITS`; ``_meta`` is described by
:class:`Meta` (and by the JSDoc typedef in ``js/data.js``).

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.scene import build_scene
>>> s = build_scene(FCNN([4], dataset="prod"))
>>> part = window(s, 0, 10)
>>> part["_values"].dtype, part["_values"].shape, part["_window"]
('float32', (10, 12), [0, 10])
>>> sorted(meta(s, "fcnn1"))[:4]
['activation', 'chart', 'epoch', 'formula_lhs']
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from typing import Any, TypedDict

import numpy as np
import traitlets
from matplotlib.colors import Colormap

from . import colors, overlays, picture, region_map
from .network import RELU_FAMILY
from .scene import (
    KERNEL_BUDGET_BYTES,
    Scene,
    build_scene,
    shown_samples,
    window_length,
    window_start,
)
from .settings import SettingError, Style, make_style, page_schema, trait_values
from .timeline import Timeline


class Buffer(bytes):
    """The bytes of a C-ordered array, with its ``dtype`` name and ``shape``.

    >>> b = Buffer.of(np.arange(6).reshape(2, 3), np.int32)
    >>> len(b), b.dtype, b.shape, np.frombuffer(b, np.int32).tolist()
    (24, 'int32', (2, 3), [0, 1, 2, 3, 4, 5])
    """

    dtype: str
    shape: tuple[int, ...]

    def __new__(cls, data: bytes = b"", dtype: str = "uint8", shape: tuple | None = None):
        obj = super().__new__(cls, data)
        obj.dtype = dtype
        obj.shape = (len(data) // np.dtype(dtype).itemsize,) if shape is None else tuple(shape)
        return obj

    @classmethod
    def of(cls, array, dtype) -> Buffer:
        """``array`` as ``dtype`` (None: an empty buffer of that dtype)."""
        if array is None:
            return cls(b"", np.dtype(dtype).name, (0,))
        a = np.ascontiguousarray(array, dtype)
        return cls(a.tobytes(), a.dtype.name, a.shape)


def array_to_json(value, _widget=None):
    """Trait serialiser: a :class:`Buffer` goes with its dtype and shape."""
    if isinstance(value, Buffer):
        return {"dtype": value.dtype, "shape": list(value.shape), "buffer": memoryview(value)}
    return value


class Meta(TypedDict):
    """What the page knows of the shown scene besides its arrays (``_meta``)."""

    formula_lhs: list[str]  # the left side of each output's local formula
    class_names: list[str] | None  # a classifier's class names (None: not a classifier)
    grid_n: int  # points per axis of the plane's grid (0: no plane)
    relu_family: bool
    x_range: list[float]  # the input panel's colour range
    uid: str  # the picture's id prefix
    n_samples: int
    n_cols: int  # columns of _values: x, then z and a of every layer
    n_params: int  # floats of _params: W then b per layer
    widths: list[int]
    slots: list[str]
    offsets: dict[str, int]  # first column of each slot in _values
    slot_group: dict[str, int]  # the colour-range group of each slot
    group_names: list[str]
    range_rows: int  # rows of _ranges: 1, or one per sample (norm_scope "sample")
    task: str
    activation: str
    target_width: int
    palette: str  # the page colours with _luts[palette]
    recolourable: bool  # no palette-coloured image in the picture: recolour in place
    epoch: int  # the epoch the arrays show
    chart: list[float]  # the loss chart's rectangle
    plane: dict | None  # {"rect": [x, y, w, h], "domain": [x0, x1, y0, y1]}


# The synced traits the page reads, by kind: "array" (a Buffer), "text", "dict", "list", "int".
TRAITS: dict[str, str] = {
    "_svg": "text",
    "_points": "text",
    "_meta": "dict",
    "_values": "array",
    "_targets": "array",
    "_params": "array",
    "_ranges": "array",
    "_local": "array",  # (n, out, d + 1) local affine maps
    "_grid_local": "array",  # the same per plane grid point
    "_region_ids": "array",  # int32 linear region per grid point
    "_region_patterns": "array",  # uint8 (regions, hidden units)
    "_region_maps": "array",  # (regions, out, 3) each exact region's affine map, when drawn
    "_window": "list",  # first sample and count of the per-sample arrays
    "_timeline": "array",  # (epochs, timeline_stride) for _timeline_sample
    "_timeline_sample": "int",
    "_epochs": "array",
    "_history": "array",  # (2, epochs): train and test loss
    "_progress": "dict",
    "_palettes": "list",
    "_luts": "dict",  # the tables of the palettes offered, so the page recolours at once
    "_schema": "list",  # the setting controls (settings.page_schema)
    "_page_width": "int",  # how wide the page shows the widget (0: not known): its layout
}


def traits() -> dict[str, traitlets.TraitType]:
    """A synced trait per key of :data:`TRAITS` (empty defaults)."""
    make = {
        "array": lambda: traitlets.Bytes(Buffer.of(None, np.float32)).tag(
            sync=True, to_json=array_to_json
        ),
        "text": lambda: traitlets.Unicode("").tag(sync=True),
        "dict": lambda: traitlets.Dict().tag(sync=True),
        "list": lambda: traitlets.List().tag(sync=True),
        "int": lambda: traitlets.Int(0).tag(sync=True),
    }
    return {name: make[kind]() for name, kind in TRAITS.items()}


def meta(scene: Scene, uid: str, fit_width: float | None = None) -> Meta:
    lay = picture.layout_of(scene, fit_width)
    grid = scene.grid
    return {
        "formula_lhs": [overlays.formula_lhs(scene, j) for j in range(scene.widths[-1])],
        "class_names": picture.class_names(scene),
        "grid_n": 0 if grid is None else len(grid.xs),
        "relu_family": scene.activation in RELU_FAMILY,
        "x_range": list(picture.input_range(scene)),
        "uid": uid,
        "n_samples": scene.n_samples,
        "n_cols": int(scene.values.shape[1]),
        "n_params": int(sum(W.size + b.size for W, b in scene.params)),
        "widths": scene.widths,
        "slots": scene.slots,
        "offsets": scene.offsets,
        "slot_group": scene.slot_group,
        "group_names": scene.group_names,
        "range_rows": int(scene.ranges.shape[0]),
        "task": scene.task,
        "activation": scene.activation,
        "target_width": 0 if scene.targets is None else int(scene.targets.shape[1]),
        "palette": scene.style.palette.name,
        "recolourable": grid is None
        and not scene.style.show_matrices
        and scene.style.view == "network",
        "epoch": scene.epoch,
        "chart": list(lay.chart),
        "plane": None
        if grid is None or lay.plane is None
        else {
            "rect": list(lay.plane),
            "domain": [
                float(grid.xs[0]),
                float(grid.xs[-1]),
                float(grid.ys[0]),
                float(grid.ys[-1]),
            ],
        },
    }


def window(scene: Scene, start: int, length: int) -> dict[str, Any]:
    """What the page reads per sample, for the samples ``start .. start + length - 1``."""
    rows = slice(start, start + length)
    targets = scene.targets
    if targets is None:
        targets = np.zeros((scene.n_samples, 0), np.float32)
    per_sample = scene.ranges.shape[0] > 1  # norm_scope "sample": one row of ranges each
    return {
        "_targets": Buffer.of(targets[rows], np.float32),
        "_values": Buffer.of(scene.values[rows], np.float32),
        "_local": Buffer.of(None if scene.local is None else scene.local[rows], np.float32),
        "_ranges": Buffer.of(scene.ranges[rows] if per_sample else scene.ranges, np.float32),
        "_window": [int(start), int(length)],
    }


def frame_data(
    scene: Scene, uid: str, start: int, length: int, fit_width: float | None = None
) -> dict[str, Any]:
    """A frame's arrays and meta without its picture (a comparison draws one for all)."""
    flat = [np.ravel(a) for W, b in scene.params for a in (W, b)]
    return {
        **window(scene, start, length),
        "_params": Buffer.of(np.concatenate(flat), np.float32),
        "_grid_local": Buffer.of(scene.grid_local, np.float32),
        **region_arrays(scene),
        "_meta": meta(scene, uid, fit_width),
    }


def frame(
    scene: Scene,
    sample: int,
    uid: str,
    start: int,
    length: int,
    points: bool = False,
    fit_width: float | None = None,
) -> dict[str, Any]:
    """The shown epoch: the window's values, the parameters, ranges and the picture laid
    out for ``fit_width`` (the page's width; None: natural) (the plane's points only when
    asked: they change with the style and the layout, not with training)."""
    out = {
        **frame_data(scene, uid, start, length, fit_width),
        "_svg": picture.to_svg(scene, sample, uid=uid, points=False, fit_width=fit_width),
    }
    if points:
        out["_points"] = picture.points_markup(scene, fit_width)
    return out


def region_arrays(scene: Scene) -> dict[str, Any]:
    """Each grid point's linear region and each region's pattern and map: of the exact
    partition when the picture draws it (:func:`fcnn_widget.region_map.page_arrays`)."""
    ids, patterns, maps = region_map.page_arrays(scene)
    return {
        "_region_ids": Buffer.of(ids, np.int32),
        "_region_patterns": Buffer.of(patterns, np.uint8),
        "_region_maps": Buffer.of(maps, np.float32),
    }


def timeline(tl: Timeline, style: Style, sample: int) -> dict[str, Any]:
    """One sample at every offered epoch (see :meth:`Timeline.pack`)."""
    return {"_timeline": Buffer.of(tl.pack(style, sample), np.float32), "_timeline_sample": sample}


def history(tl: Timeline) -> dict[str, Any]:
    """The epochs the slider offers and the loss curves of the committed history."""
    record = tl.model.history.record  # one committed record: loss and test loss agree
    loss = np.asarray(record.loss, np.float32)
    test = record.test_loss if record.test_loss is not None else np.full(len(loss), np.nan)
    return {
        "_epochs": Buffer.of(tl.epochs, np.int32),
        "_history": Buffer.of(np.stack([loss, np.asarray(test, np.float32)]), np.float32),
    }


def progress(model, stop_reachable: bool = True, error: str | None = None) -> dict[str, Any]:
    """The training bar: running or not, how far, time left, how it ended."""
    p, record = model.progress, model.history.record
    epochs = record.epochs
    if p is None:
        return {"running": False, "done": 0, "total": 0, "epoch": epochs, "error": error}
    return {
        "stop_reachable": stop_reachable,
        "running": p.running,
        "done": p.done,
        "total": p.total,
        "epoch": epochs,
        "seconds_left": p.seconds_left(),
        "error": error if error is not None else p.error,
        "stopped": record.stopped,
    }


def luts(palettes: Iterable[colors.Palette]) -> dict[str, dict]:
    return {p.name: colors.page_lut(p) for p in palettes}


# -- everything at once: what a page starts from --------------------------------------------------
@dataclasses.dataclass
class Source:
    """What a page is drawn from, taken together: the shown scene and its timeline, the
    selected sample, the page's window of samples and the palettes it offers."""

    scene: Scene
    timeline: Timeline
    samples: Any  # as the caller gave them (for scenes of other epochs)
    sample: int
    uid: str
    window: tuple[int, int]  # first sample and count the page holds
    palettes: list[str]  # offered in the page's palette menu
    luts: dict[str, dict]  # their tables (and the shown palette's)
    colormaps: dict[str, Colormap]  # Colormap objects given by the user, by name
    progress: dict[str, Any]


def open_source(
    model,
    samples=None,
    style: Style | None = None,
    *,
    sample: int = 0,
    epoch: int | None = None,
    uid: str = "fcnn",
    colormaps: dict | None = None,
) -> Source:
    """The source of a new page of ``model``: its timeline over the shown samples, the scene
    of ``epoch`` (default the latest), the window of samples around ``sample``."""
    style = style or make_style()
    X, _, n_total = shown_samples(model, samples)
    if len(X) < n_total:
        budget = KERNEL_BUDGET_BYTES >> 20
        warnings.warn(
            f"{n_total} samples exceed the widget's {budget} MB budget; showing the first {len(X)}",
            stacklevel=3,
        )
    tl = Timeline(model, X)
    epoch = tl.epochs[-1] if epoch is None else check_epoch(model, epoch)
    shown = scene_at(model, samples, style, tl, epoch)
    picture.check_sample(sample, shown)
    length = window_length(model.widths, shown.n_samples)
    start = window_start(sample, shown.n_samples, length)
    colormaps = dict(colormaps or {})
    others = [n for n in colors.COMMON_PALETTES if n != style.palette.name]
    tables = [style.palette, *(colors.resolve_palette(colormaps.get(n, n)) for n in others)]
    return Source(
        scene=shown,
        timeline=tl,
        samples=samples,
        sample=int(sample),
        uid=uid,
        window=(start, length),
        palettes=list(colors.COMMON_PALETTES),
        luts=luts(tables),
        colormaps=colormaps,
        progress=progress(model),
    )


def check_epoch(model, epoch) -> int:
    """``epoch`` if the model's history holds a snapshot of it, else a clear error."""
    record = model.history.record
    integer = isinstance(epoch, (int, np.integer)) and not isinstance(epoch, bool)
    if integer and record.snapshot_index(int(epoch)) is not None:
        return int(epoch)
    recorded = record.snapshot_epochs
    shown = ", ".join(map(str, recorded[:6].tolist())) + (", …" if len(recorded) > 6 else "")
    raise SettingError(
        f"epoch {epoch!r} has no recorded snapshot; valid epochs are {shown} "
        f"(up to {recorded[-1]}, see w.model.history.snapshot_epochs)"
    )


def scene_at(model, samples, style: Style, tl: Timeline, epoch: int) -> Scene:
    """The scene of a recorded ``epoch``: the timeline's cached trace, so frames and the
    scrubbed timeline show the very same numbers."""
    return build_scene(
        model, samples, style, params=tl.params_at(epoch), epoch=epoch,
        values=tl.values_at(epoch),
    )  # fmt: skip


def page(src: Source, *, with_timeline: bool = True) -> dict[str, Any]:
    """Every synced value of a page showing ``src``: the settings, the position, the arrays,
    the picture and the page's tables."""
    style = src.scene.style
    out: dict[str, Any] = {**trait_values(style), "sample": src.sample, "epoch": src.scene.epoch}
    out.update(frame(src.scene, src.sample, src.uid, *src.window, points=True))
    out.update(history(src.timeline), _progress=src.progress)
    if with_timeline:
        out.update(timeline(src.timeline, style, src.sample))
    out.update(_palettes=list(src.palettes), _luts=src.luts, _schema=page_schema(), _page_width=0)
    return out
