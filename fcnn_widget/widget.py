"""``FCNNWidget``: the network drawn for one sample, with sample, epoch, palette and norm
controls, live while it trains.

Python computes every value (JAX), every colour range and the picture itself; the page
receives the picture once per style change, the layer values of every sample as float32
buffers, and a timeline of every snapshot for the selected sample. It restyles locally when
the sample or the epoch changes — scrubbing needs no kernel round trip.

>>> from fcnn_widget import FCNN, FCNNWidget
>>> w = FCNNWidget(FCNN([4], dataset="prod"), sample=10, palette="RdBu")
>>> w.symmetric, w.norm, len(w._values) == 4 * 2500 * 12
(True, 'component', True)
>>> _ = w.fit(epochs=3)  # trains the model; the page follows live
>>> w.epoch, list(w.epochs)
(3, [0, 1, 2, 3])
"""

from __future__ import annotations

import asyncio
import dataclasses
import pathlib
import threading
import time
import warnings

import anywidget
import numpy as np
import optax
import traitlets
from matplotlib.colors import Colormap

from . import adapters, analysis, colors, export, hosts, overlays, picture, static_repr, ui_poll
from . import view as views
from .model import FCNN
from .network import RELU_FAMILY
from .timeline import Timeline
from .training import History

_STATIC = pathlib.Path(__file__).parent / "static"
_STYLE_TRAITS = (
    "max_edges",
    "view",
    "show_lines",
    "show_regions",
    "show_matrices",
    "palette",
    "norm",
    "norm_scope",
    "symmetric",
    "robust",
    "show_values",
    "title",
    "caption",
)
MAX_UPDATES_PER_SECOND = 30
# Live updates may take at most this share of the training's wall time as timed in
# _on_model; what the timing cannot see (the comm layer's own work, garbage collection)
# adds 1-2 points (measured by bench/stream_overhead.py), so the total stays within 10%.
UPDATE_SHARE = 0.07


class FCNNWidget(anywidget.AnyWidget):
    """Show ``model`` for one of ``samples`` (default: the model's training data; also a
    ``Dataset``, an ``(X, y)`` pair or an array of inputs).

    ``palette`` is any matplotlib colormap name or ``Colormap``; ``norm`` one of
    ``"global"``, ``"component"``, ``"layer"``; ``norm_scope`` ``"dataset"`` or ``"sample"``;
    ``symmetric`` centres ranges on zero (default: on for diverging palettes); ``robust``
    clips ranges at the 1st/99th percentiles; ``epoch`` picks a recorded snapshot (default:
    the latest, followed while training). All are synced with the page both ways.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    sample = traitlets.Int(0).tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)
    palette = traitlets.Unicode("viridis").tag(sync=True)
    norm = traitlets.Unicode("component").tag(sync=True)
    norm_scope = traitlets.Unicode("dataset").tag(sync=True)
    symmetric = traitlets.Bool(None, allow_none=True).tag(sync=True)
    robust = traitlets.Bool(False).tag(sync=True)
    show_values = traitlets.Bool(True).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    view = traitlets.Unicode("network").tag(sync=True)  # or "response": neurons as maps
    show_lines = traitlets.Bool(False).tag(sync=True)  # first-layer lines on the plane
    show_regions = traitlets.Bool(False).tag(sync=True)  # linear regions on the plane
    show_matrices = traitlets.Bool(False).tag(sync=True)  # weight matrices as heatmaps
    max_edges = traitlets.Int(2000).tag(sync=True)  # more weights: the strongest per neuron

    # What the page draws from (private: written by Python only).
    _svg = traitlets.Unicode("").tag(sync=True)
    _points = traitlets.Unicode("").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _values = traitlets.Bytes(b"").tag(sync=True)
    _targets = traitlets.Bytes(b"").tag(sync=True)
    _params = traitlets.Bytes(b"").tag(sync=True)
    _ranges = traitlets.Bytes(b"").tag(sync=True)
    _local = traitlets.Bytes(b"").tag(sync=True)  # (n, out, d + 1) local affine maps
    _grid_local = traitlets.Bytes(b"").tag(sync=True)  # the same per plane grid point
    _region_ids = traitlets.Bytes(b"").tag(sync=True)  # int32 linear region per grid point
    _region_patterns = traitlets.Bytes(b"").tag(sync=True)  # uint8 (regions, hidden units)
    _window = traitlets.List([0, 0]).tag(sync=True)  # first sample and count in _values etc.
    _timeline = traitlets.Bytes(b"").tag(sync=True)
    _timeline_sample = traitlets.Int(0).tag(sync=True)  # the sample _timeline was packed for
    _epochs = traitlets.Bytes(b"").tag(sync=True)
    _history = traitlets.Bytes(b"").tag(sync=True)
    _progress = traitlets.Dict().tag(sync=True)
    _palettes = traitlets.List(list(colors.COMMON_PALETTES)).tag(sync=True)
    # The tables of the palettes the page offers, so it recolours the moment one is picked.
    _luts = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        model: FCNN,
        samples=None,
        *,
        sample: int = 0,
        epoch: int | None = None,
        palette: str | Colormap = "viridis",
        norm: str = "component",
        norm_scope: str = "dataset",
        symmetric: bool | None = None,
        robust: bool = False,
        show_values: bool = True,
        title: str = "",
        caption: str = "",
        view: str = "network",
        show_lines: bool = False,
        show_regions: bool = False,
        show_matrices: bool = False,
        max_edges: int = 2000,
        activation: str | None = None,
    ) -> None:
        model = adapters.as_fcnn(model, activation=activation, samples=samples)
        self.model = model
        self._samples = samples
        self._colormaps: dict[str, Colormap] = {}
        self._lock = threading.RLock()  # a background fit updates from its own thread
        # Live-update bookkeeping (see _update_due): the last push, what one costs, and
        # what this fit's updates have cost so far.
        self._last_push, self._update_cost = 0.0, 0.0
        self._fit_started, self._spent = None, 0.0
        self._thread: threading.Thread | None = None
        super().__init__(
            palette=self._remember_palette(palette),
            norm=norm,
            norm_scope=norm_scope,
            symmetric=symmetric,
            robust=robust,
            show_values=show_values,
            title=title,
            caption=caption,
            view=view,
            show_lines=show_lines,
            show_regions=show_regions,
            show_matrices=show_matrices,
            max_edges=max_edges,
        )
        style = self._style()
        self.symmetric = style.symmetric  # the palette's default, resolved (no observers yet)
        names = dict.fromkeys([self.palette, *self._palettes])
        palettes = [colors.resolve_palette(self._colormaps.get(name, name)) for name in names]
        self._luts = {p.name: colors.page_lut(p) for p in palettes}
        X, _, n_total = views.shown_samples(model, samples)
        if len(X) < n_total:
            warnings.warn(
                f"{n_total} samples exceed the widget's {views.KERNEL_BUDGET_BYTES >> 20} MB "
                f"budget; showing the first {len(X)}",
                stacklevel=2,
            )
        self.timeline = Timeline(model, X)
        epoch = self.timeline.epochs[-1] if epoch is None else self._check_epoch(epoch)
        self._latest = self.timeline.epochs[-1]
        self.frame = self._frame(style, epoch)
        picture.check_sample(sample, self.frame)
        # The page holds a window of the samples' layer values (all when they fit).
        self._window_len = views.window_length(model.widths, self.frame.n_samples)
        self._window_start = views.window_start(sample, self.frame.n_samples, self._window_len)
        self.set_trait("sample", sample)
        self.set_trait("epoch", epoch)
        self._uid = f"fcnn{id(self):x}"
        self._timeline_wanted = False
        start = time.perf_counter()
        self._push_all()
        self._update_cost = time.perf_counter() - start
        self.observe(self._on_style, names=list(_STYLE_TRAITS))
        self.observe(self._on_epoch, names=["epoch"])
        self.observe(self._on_sample, names=["sample"])
        self.on_msg(self._on_page_message)
        model.add_listener(self._on_model)

    # -- Python API ------------------------------------------------------------------------------
    @property
    def epochs(self) -> list[int]:
        """The snapshot epochs the ``epoch`` control steps through."""
        return self.timeline.epochs

    def fit(
        self,
        epochs: int = 100,
        lr: float = 0.005,
        batch_size: int = 100,
        optimizer: str | optax.GradientTransformation = "adam",
        *,
        snapshot_every: int = 1,
        background: bool = False,
    ) -> History | threading.Thread:
        """Train the model (as :meth:`FCNN.fit`) while the page follows live: network, loss
        chart, estimate, epoch counter, progress and time left.

        A kernel handles page messages (the Stop button, the sliders) only between cells, so
        in the foreground this fit handles them itself between chunks (:mod:`.ui_poll`:
        ipykernel 7 and older); in a kernel where it cannot, the page offers the kernel's
        interrupt instead, which stops training with history and parameters kept.
        ``await w.fit_async(...)`` trains in a worker thread instead; ``background=True``
        trains in a thread and returns it at once, leaving the notebook free (not in hosts
        that drop messages from threads, such as Colab). In marimo, which runs a cell to its
        end before it reads the page, ``fit`` always trains in the background
        (:func:`.hosts.fit_in_background`). :meth:`stop` ends any of them after the current
        chunk.
        """
        args = (epochs, lr, batch_size, optimizer, snapshot_every)
        self._refuse_second_fit()
        # Host hook (hosts.py): marimo cannot deliver Stop to a running cell, but threads stream.
        if hosts.fit_in_background(hosts.detect()):
            background = True
        if background:
            self._thread = threading.Thread(target=self._train, args=(*args, False), daemon=True)
            self._thread.start()
            return self._thread
        return self._train(*args, True)

    async def fit_async(
        self,
        epochs: int = 100,
        lr: float = 0.005,
        batch_size: int = 100,
        optimizer: str | optax.GradientTransformation = "adam",
        *,
        snapshot_every: int = 1,
    ) -> History:
        """``await w.fit_async(...)`` in a cell: trains in a worker thread while the cell
        awaits it, and ends when training does. Kernels that handle messages while a cell
        awaits (ipykernel 7.4 and later) keep Stop and every control working meanwhile;
        ipykernel 7.0-7.3 handle them only after the cell (use :meth:`fit` there)."""
        args = (epochs, lr, batch_size, optimizer, snapshot_every, False)
        self._refuse_second_fit()
        return await asyncio.to_thread(self._train, *args)

    def _refuse_second_fit(self) -> None:
        progress = self.model.progress
        busy = self._thread is not None and self._thread.is_alive()
        if busy or (progress is not None and progress.running):
            raise RuntimeError("this widget's model is already training; call w.stop() first")

    def stop(self) -> None:
        """End a running fit after its current chunk, keeping history and parameters."""
        self.model.stop()

    def to_svg(self, sample: int | None = None) -> str:
        """The picture the page shows, as SVG text (for ``sample``, default the current one)."""
        return picture.to_svg(self.frame, self.sample if sample is None else sample, uid=self._uid)

    def save_svg(self, path, sample: int | None = None, **dressing):
        """Write the picture of ``sample`` (default: the current one) to ``path``; its ids
        follow its content, so the same picture always makes the same file. ``dressing``:
        ``theme`` ("light"/"dark"), ``background`` (a CSS colour; default transparent),
        ``width``/``height`` in pixels, ``title``, ``caption``.
        """
        return export.save_svg(self._file_svg(sample, dressing), path)

    def save_png(self, path, scale: float = 2, sample: int | None = None, **dressing):
        """Rasterise the picture to a PNG at ``scale`` times its size (no browser needed);
        ``dressing`` as for :meth:`save_svg`."""
        return export.save_png(self._file_svg(sample, dressing), path, scale)

    def _file_svg(self, sample: int | None, dressing: dict) -> str:
        sample = self.sample if sample is None else sample
        allowed = {"theme", "background", "width", "height", "title", "caption"}
        unknown = set(dressing) - allowed
        if unknown:
            raise TypeError(
                f"unknown options {sorted(unknown)}; valid: {', '.join(sorted(allowed))}"
            )
        frame = self.frame
        if dressing:
            if dressing.get("theme", "light") not in picture.THEMES:
                raise ValueError(
                    f"unknown theme {dressing['theme']!r}; valid choices are light, dark"
                )
            style = dataclasses.replace(frame.style, **dressing)
            frame = dataclasses.replace(frame, style=style)
        return picture.to_svg(frame, sample, uid=picture.stable_uid(frame, sample))

    def save_html(self, path, **options):
        """Write the widget as one self-contained HTML page that works offline with no kernel:
        samples, palette, norm and (for the current sample) epochs stay interactive. Options
        as :func:`fcnn_widget.standalone.save_html`. About 0.6 MB for a 2500-sample model."""
        return export.save_html(self, path, **options)

    def color_of(self, kind: str, layer: int, index: int, sample: int | None = None) -> str:
        """The fill of a neuron (``kind`` "x", "z" or "a") as the page must draw it."""
        sample = self.sample if sample is None else sample
        slot = "x0" if kind == "x" else f"{kind}{layer}"
        value = float(self.frame.slot_values(slot)[sample, index])
        return self.frame.color(slot, sample, value)

    # -- static renderers (static_repr.py): the picture beside the live widget's view -----------
    def _repr_mimebundle_(self, **kwargs):
        return static_repr.with_picture(
            super()._repr_mimebundle_(**kwargs), self.frame, self.sample
        )

    def _ipython_display_(self) -> None:
        static_repr.display(super()._repr_mimebundle_(), self.frame, self.sample)

    def close(self) -> None:
        if getattr(self, "model", None) is not None:  # absent if __init__ failed early
            self.model.remove_listener(self._on_model)
        super().close()

    # -- validation ------------------------------------------------------------------------------
    @traitlets.validate("sample")
    def _valid_sample(self, proposal):
        value = proposal["value"]
        if hasattr(self, "frame"):
            n = self.frame.n_samples
            if not 0 <= value < n:
                raise traitlets.TraitError(
                    f"sample {value} is out of range; valid samples are 0..{n - 1}"
                )
        return value

    @traitlets.validate("epoch")
    def _valid_epoch(self, proposal):
        return (
            self._check_epoch(proposal["value"]) if hasattr(self, "timeline") else proposal["value"]
        )

    @traitlets.validate("palette")
    def _valid_palette(self, proposal):
        value = proposal["value"]
        if value not in self._colormaps:
            colors.resolve_palette(value)  # raises with the valid choices
        return value

    @traitlets.validate("view")
    def _valid_view(self, proposal):
        return colors.check_choice(proposal["value"], "view", views.MODES)

    @traitlets.validate("max_edges")
    def _valid_max_edges(self, proposal):
        if proposal["value"] < 1:
            raise traitlets.TraitError(f"max_edges must be >= 1, got {proposal['value']}")
        return proposal["value"]

    @traitlets.validate("norm")
    def _valid_norm(self, proposal):
        return colors.check_choice(proposal["value"], "norm", colors.NORMS)

    @traitlets.validate("norm_scope")
    def _valid_scope(self, proposal):
        return colors.check_choice(proposal["value"], "norm_scope", colors.SCOPES)

    def __setattr__(self, name, value):
        # A Colormap object for `palette` is kept by name, so the synced trait stays a string.
        if name == "palette" and isinstance(value, Colormap):
            value = self._remember_palette(value)
        super().__setattr__(name, value)

    def _check_epoch(self, epoch) -> int:
        """Any recorded snapshot (the page's slider steps through ``w.epochs``, at most
        128 of them, evenly spaced)."""
        recorded = [int(e) for e in self.model.history.snapshot_epochs]
        if (
            isinstance(epoch, bool)
            or not isinstance(epoch, (int, np.integer))
            or epoch not in recorded
        ):
            shown = ", ".join(map(str, recorded[:6])) + (", …" if len(recorded) > 6 else "")
            raise traitlets.TraitError(
                f"epoch {epoch!r} has no recorded snapshot; valid epochs are {shown} "
                f"(up to {recorded[-1]}, see w.model.history.snapshot_epochs)"
            )
        return int(epoch)

    # -- training --------------------------------------------------------------------------------
    def _train(self, epochs, lr, batch_size, optimizer, snapshot_every, poll_ui):
        poll = ui_poll.poller() if poll_ui else None
        # Whether a click on Stop can reach this fit while it runs (the page says so).
        self._stop_reachable = not poll_ui or poll is not None
        try:
            return self.model.fit(
                epochs, lr, batch_size, optimizer, snapshot_every=snapshot_every, callback=poll
            )
        except Exception as error:
            # Bad arguments or a diverged loss: say so in the page too, then raise.
            self._progress = {
                **self._progress,
                "running": False,
                "error": f"{type(error).__name__}: {error}",
            }
            raise
        finally:
            if poll is not None:
                poll.close()

    def _on_model(self, model: FCNN) -> None:
        """After every chunk of a fit (any fit of this model): update the page, at most
        ~30 times a second and within ~10% of the training time; always at the end."""
        now = time.perf_counter()
        progress = model.progress
        running = progress is not None and progress.running
        if running and not self._update_due(progress.started, now):
            return
        with self._lock:
            following = self.epoch == self._latest
            self._latest = self.timeline.epochs[-1]
            epoch = self._latest if following else self.epoch
            self.frame = self._frame(self.frame.style, epoch)
            with self.hold_sync():
                self.set_trait("epoch", epoch) if epoch != self.epoch else None
                self._push_frame()
                self._push_timeline()
        self._last_push = time.perf_counter()
        self._update_cost = self._last_push - now
        self._spent = self._spent + self._update_cost if running else 0.0

    def _update_due(self, started: float, now: float) -> bool:
        """Whether a running fit's page may be updated now: the newest state at most
        MAX_UPDATES_PER_SECOND times a second, and only while every update so far, this one
        and the final one (always sent) stay within UPDATE_SHARE of the time trained."""
        if self._fit_started != started:  # a new fit: its own budget
            self._fit_started, self._spent = started, 0.0
        if now - max(self._last_push, started) < 1.0 / MAX_UPDATES_PER_SECOND:
            return False
        return self._spent + 2 * self._update_cost <= UPDATE_SHARE * (now - started)

    def _on_page_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "stop":
            self.stop()
        elif content.get("type") == "timeline":  # the page starts scrubbing epochs
            self.want_timeline()
        elif content.get("type") == "pick":  # a click on the plane, when the page holds a window
            point = content.get("point")
            numbers = isinstance(point, list) and all(isinstance(v, (int, float)) for v in point)
            if numbers and len(point) == self.frame.X.shape[1]:
                point = np.asarray(point, np.float64)
                if np.isfinite(point).all():
                    self.sample = analysis.nearest_sample(self.frame.X, point)

    def want_timeline(self) -> None:
        """Keep the page's epoch timeline packed from now on. It costs a trace of every
        shown sample per recorded snapshot, so it is made only once someone scrubs epochs
        (the page asks on its first epoch-slider move; ``save_html`` asks too)."""
        with self._lock, self.hold_sync():
            self._timeline_wanted = True
            self._pack_timeline()

    # -- keeping the page in step -----------------------------------------------------------------
    def _remember_palette(self, palette) -> str:
        if isinstance(palette, Colormap):
            self._colormaps[palette.name] = palette
            return palette.name
        colors.resolve_palette(palette)
        return palette

    def _style(self) -> views.Style:
        """The style the traits ask for (validated)."""
        return views.make_style(
            self._colormaps.get(self.palette, self.palette),
            self.norm,
            self.norm_scope,
            self.symmetric,
            self.robust,
            show_values=self.show_values,
            title=self.title,
            caption=self.caption,
            mode=self.view,
            show_lines=self.show_lines,
            show_regions=self.show_regions,
            show_matrices=self.show_matrices,
            max_edges=self.max_edges,
        )

    def _frame(self, style: views.Style, epoch: int) -> views.View:
        """The view of ``epoch``: the timeline's cached trace, so scrubbing and frames agree."""
        return views.build_view(
            self.model,
            self._samples,
            style,
            params=self.timeline.params_at(epoch),
            epoch=epoch,
            values=self.timeline.values_at(epoch),
        )

    def _on_style(self, change):
        if change["name"] == "palette" and change["old"] != change["new"]:
            # A new palette brings its own default for centring (diverging or not).
            old = colors.resolve_palette(self._colormaps.get(change["old"], change["old"]))
            if self.symmetric == old.diverging:
                new = colors.resolve_palette(self._colormaps.get(change["new"], change["new"]))
                with self.hold_trait_notifications():
                    self.symmetric = new.diverging
        style = self._style()
        if style.palette.name not in self._luts:
            self._luts = {**self._luts, style.palette.name: colors.page_lut(style.palette)}
        with self._lock:
            if style.mode == "response" and self.frame.response is None:
                self.frame = self._frame(style, self.frame.epoch)  # traces the response maps
            views.restyle(self.frame, style)
            with self.hold_sync():
                self._push_frame(points=True)
                self._push_timeline()

    def _on_epoch(self, change):
        with self._lock:
            if self.frame.epoch == change["new"]:
                return  # _on_model built this frame already
            self.frame = self._frame(self.frame.style, change["new"])
            with self.hold_sync():
                self._push_frame()

    def _on_sample(self, change):
        with self._lock, self.hold_sync():
            start = views.window_start(
                change["new"], self.frame.n_samples, self._window_len, self._window_start
            )
            if start != self._window_start:  # the page nears its window's edge: move it
                self._window_start = start
                self._push_window()
            self._pack_timeline()

    def _pack_timeline(self):
        if not self._timeline_wanted:
            return
        self._timeline = self.timeline.pack(self.frame.style, self.sample).tobytes()
        self._timeline_sample = self.sample

    def _push_all(self):
        with self.hold_sync():
            self._push_frame(points=True)
            self._push_timeline()

    def _push_frame(self, points: bool = False):
        """The shown epoch: values, parameters, ranges and picture (points only on demand:
        they change with the style, not with training)."""
        v = self.frame
        self._push_window()
        self._params = b"".join(
            np.ascontiguousarray(a, np.float32).tobytes() for W, b in v.params for a in (W, b)
        )
        self._grid_local = _bytes(v.grid_local, np.float32)
        self._region_ids = _bytes(v.region_ids, np.int32)
        self._region_patterns = _bytes(v.region_patterns, np.uint8)
        self._meta = self._describe(v)
        if points:
            self._points = picture.points_markup(v)
        self._svg = picture.to_svg(v, self.sample, uid=self._uid, points=False)

    def _push_window(self):
        """What the page reads per sample, for the samples of its window."""
        v, window = self.frame, slice(self._window_start, self._window_start + self._window_len)
        targets = v.targets if v.targets is not None else np.zeros((v.n_samples, 0), np.float32)
        self._targets = _bytes(targets[window], np.float32)
        self._values = _bytes(v.values[window], np.float32)
        self._local = b"" if v.local is None else _bytes(v.local[window], np.float32)
        per_sample = v.ranges.shape[0] > 1  # norm_scope "sample": one row of ranges each
        self._ranges = _bytes(v.ranges[window] if per_sample else v.ranges, np.float32)
        self._window = [self._window_start, self._window_len]

    def _push_timeline(self):
        history = self.model.history
        self._epochs = np.asarray(self.timeline.epochs, np.int32).tobytes()
        test = (
            history.test_loss if history.test_loss is not None else np.full(history.epochs, np.nan)
        )
        self._history = np.stack([history.loss, test]).astype(np.float32).tobytes()
        self._pack_timeline()
        self._progress = self._progress_state()

    def _progress_state(self) -> dict:
        p = self.model.progress
        if p is None:
            return {
                "running": False,
                "done": 0,
                "total": 0,
                "epoch": self.model.history.epochs,
                "error": None,
            }
        return {
            "stop_reachable": getattr(self, "_stop_reachable", True),
            "running": p.running,
            "done": p.done,
            "total": p.total,
            "epoch": self.model.history.epochs,
            "seconds_left": p.seconds_left(),
            "error": p.error,
            "stopped": self.model.history.stopped,
        }

    def _describe(self, v: views.View) -> dict:
        lay = picture.layout_of(v)
        return {
            "formula_lhs": [overlays.formula_lhs(v, j) for j in range(v.widths[-1])],
            "grid_n": 0 if v.grid is None else len(v.grid.xs),
            "relu_family": v.activation in RELU_FAMILY,
            "x_range": list(picture.input_range(v)),
            "uid": self._uid,
            "n_samples": v.n_samples,
            "n_cols": int(v.values.shape[1]),
            "n_params": int(sum(W.size + b.size for W, b in v.params)),
            "widths": v.widths,
            "slots": v.slots,
            "offsets": v.offsets,
            "slot_group": v.slot_group,
            "group_names": v.group_names,
            "range_rows": int(v.ranges.shape[0]),
            "task": v.task,
            "activation": v.activation,
            "target_width": 0 if v.targets is None else int(v.targets.shape[1]),
            "palette": v.style.palette.name,  # the page colours with _luts[palette]
            # No picture part coloured by the palette is an image (the plane, weight matrices,
            # response maps): the page may recolour in place while the kernel redraws.
            "recolourable": v.grid is None
            and not v.style.show_matrices
            and v.style.mode == "network",
            "epoch": v.epoch,
            "chart": list(lay.chart),
            "plane": None
            if v.grid is None
            else {
                "rect": list(lay.plane),
                "domain": [
                    float(v.grid.xs[0]),
                    float(v.grid.xs[-1]),
                    float(v.grid.ys[0]),
                    float(v.grid.ys[-1]),
                ],
            },
        }


def _bytes(array, dtype) -> bytes:
    return b"" if array is None else np.ascontiguousarray(array, dtype).tobytes()
