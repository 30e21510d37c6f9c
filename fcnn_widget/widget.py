"""``FCNNWidget``: the network drawn for one sample, with sample, epoch and setting controls,
live while it trains.

Python computes every value (JAX), every colour range and the picture itself; the page
receives the picture once per style change, the layer values of every sample as float32
buffers, and a timeline of every snapshot for the selected sample. It restyles locally when
the sample or the epoch changes — scrubbing needs no kernel round trip. The settings are the
rows of :mod:`.settings`; what the page receives is built by :mod:`.state`; fits run by
:mod:`.live`. This class holds the traits, its lifecycle and the page's messages.

>>> from fcnn_widget import FCNN, FCNNWidget
>>> w = FCNNWidget(FCNN([4], dataset="prod"), sample=10, palette="RdBu")
>>> w.symmetric, w.norm, w._values.shape
(True, 'component', (2500, 12))
>>> _ = w.fit(epochs=3)  # trains the model; the page follows live
>>> w.epoch, list(w.epochs)
(3, [0, 1, 2, 3])
"""

from __future__ import annotations

import pathlib
import threading
import time
import warnings

import anywidget
import numpy as np
import optax
import traitlets
from matplotlib.colors import Colormap

from . import adapters, analysis, colors, export, live, picture, settings, state
from . import scene as scenes
from .model import FCNN
from .timeline import Timeline
from .training import History

_STATIC = pathlib.Path(__file__).parent / "static"
# The widget's traits: one per setting (settings.SETTINGS) and the page's wire format.
_Traits = type(anywidget.AnyWidget)(
    "_Traits",
    (anywidget.AnyWidget,),
    {"__module__": __name__, **settings.traits(), **state.traits()},
)


class FCNNWidget(_Traits):
    """Show ``model`` for one of ``samples`` (default: the model's training data; also a
    ``Dataset``, an ``(X, y)`` pair or an array of inputs), at ``epoch`` (a recorded
    snapshot; default the latest, followed while training).

    ``settings`` are the rows of :data:`fcnn_widget.settings.SETTINGS` that are traits:
    ``palette`` (any matplotlib colormap name or ``Colormap``), ``norm``, ``norm_scope``,
    ``symmetric``, ``robust``, ``show_values``, ``title``, ``caption``, ``view``,
    ``show_lines``, ``show_regions``, ``show_matrices``, ``max_edges``. All are synced with the
    page both ways. Every argument is checked before the widget opens its connection to the
    page, so a bad one leaves nothing behind.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"
    sample = traitlets.Int(0).tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        model: FCNN,
        samples=None,
        *,
        sample: int = 0,
        epoch: int | None = None,
        activation: str | None = None,
        **options,
    ) -> None:
        model = adapters.as_fcnn(model, activation=activation, samples=samples)
        chosen = {**settings.defaults(), **settings.check_options(options, settings.TRAIT_NAMES)}
        self.model, self._samples, self._colormaps = model, samples, {}
        chosen["palette"] = self._cmap(self._remember_palette(chosen["palette"]))
        epoch = None if epoch is None else self._check_epoch(epoch)
        uid = f"fcnn{id(self):x}"
        src = state.open_source(
            model, samples, settings.make_style(**chosen), sample=sample, epoch=epoch, uid=uid,
            colormaps=self._colormaps,
        )  # fmt: skip
        if src.scene.n_samples < src.scene.n_total:
            budget = scenes.KERNEL_BUDGET_BYTES >> 20
            warnings.warn(
                f"{src.scene.n_total} samples exceed the widget's {budget} MB budget; "
                f"showing the first {src.scene.n_samples}",
                stacklevel=2,
            )
        self.scene, self.timeline, self._uid = src.scene, src.timeline, uid
        self._window_start, self._window_len = src.window
        self._latest, self._lock = self.timeline.epochs[-1], threading.RLock()
        self._budget, self._timeline_wanted = live.UpdateBudget(), False
        self._stop_reachable, self._error, self._handle = True, None, None
        began = time.perf_counter()
        first = state.page(src, with_timeline=False)
        super().__init__(**first)  # opens the comm, with the whole state in one message
        try:
            self._budget.pushed(began, running=False)
            self.observe(self._on_style, names=list(settings.TRAIT_NAMES))
            self.observe(self._on_epoch, names=["epoch"])
            self.observe(self._on_sample, names=["sample"])
            self.on_msg(self._on_page_message)
            model.add_listener(self._on_model)
        except BaseException:
            self.close()
            raise

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
    ) -> History | live.FitHandle:
        """Train the model (as :meth:`FCNN.fit`) while the page follows live: network, loss
        chart, estimate, epoch counter, progress and time left.

        In the foreground the fit handles the page's messages (Stop, the sliders) between
        chunks where the kernel allows (:mod:`.ui_poll`); elsewhere the page offers the
        kernel's interrupt, which keeps history and parameters too. ``background=True``
        trains in a thread and returns a :class:`~fcnn_widget.live.FitHandle` at once
        (``result()``, ``exception()``, ``done()``, ``cancel()``), leaving the notebook free
        (not in hosts that drop messages from threads, such as Colab). Arguments are checked
        before training starts; a second fit of the model is refused while one runs.
        """
        self._error, self._stop_reachable = None, True
        try:
            options = live.FitOptions.checked(
                epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
                snapshot_every=snapshot_every,
            )  # fmt: skip
            if background:
                self._handle = live.in_background(self.model, options, self._report)
                return self._handle
            return live.in_foreground(self.model, options, self._set_reachable)
        except Exception as error:
            self._report(error)
            raise

    async def fit_async(self, epochs: int = 100, **options) -> History:
        """``await w.fit_async(...)`` in a cell (arguments as :meth:`fit`): trains in a worker
        thread while the cell awaits it. Kernels that handle messages while a cell awaits
        (ipykernel 7.4 and later) keep Stop and every control working meanwhile."""
        self._error, self._stop_reachable = None, True
        try:
            return await live.in_thread(
                self.model, live.FitOptions.checked(epochs=epochs, **options)
            )
        except Exception as error:
            self._report(error)
            raise

    def stop(self) -> None:
        """End a running fit after its current chunk, keeping history and parameters."""
        self.model.stop()

    def to_svg(self, sample: int | None = None) -> str:
        """The picture the page shows, as SVG text (for ``sample``, default the current one)."""
        return picture.to_svg(self.scene, self.sample if sample is None else sample, uid=self._uid)

    def save_svg(self, path, sample: int | None = None, **dressing) -> pathlib.Path:
        """Write the picture of ``sample`` (default: the current one) to ``path``; its ids
        follow its content, so the same picture always makes the same file. ``dressing``:
        ``theme`` ("light"/"dark"), ``background`` (a CSS colour; default transparent),
        ``width``/``height`` in pixels, ``title``, ``caption``."""
        svg = export.scene_svg(self.scene, self._pick(sample), **dressing)
        return export.save_svg(svg, path)

    def save_png(self, path, scale: float = 2, sample: int | None = None, **dressing):
        """Rasterise the picture to a PNG at ``scale`` times its size (no browser needed)."""
        svg = export.scene_svg(self.scene, self._pick(sample), **dressing)
        return export.save_png(svg, path, scale)

    def save_html(self, path, **options) -> pathlib.Path:
        """Write the widget as one self-contained HTML page that works offline with no kernel
        (options as :func:`fcnn_widget.standalone.save_html`). About 0.6 MB for 2500 samples."""
        return export.save_html(self, path, **options)

    def color_of(self, kind: str, layer: int, index: int, sample: int | None = None) -> str:
        """The fill of a neuron (``kind`` "x", "z" or "a") as the page must draw it."""
        slot, sample = ("x0" if kind == "x" else f"{kind}{layer}"), self._pick(sample)
        return self.scene.color(slot, sample, float(self.scene.slot_values(slot)[sample, index]))

    def want_timeline(self) -> None:
        """Keep the page's epoch timeline packed from now on. It costs a trace of every
        shown sample per recorded snapshot, so it is made only once someone scrubs epochs
        (the page asks on its first epoch-slider move; ``save_html`` asks too)."""
        with self._lock, self.hold_sync():
            self._timeline_wanted = True
            self._push(state.timeline(self.timeline, self.scene.style, self.sample))

    def page_source(self) -> state.Source:
        """What a saved page is built from (:mod:`fcnn_widget.standalone`): the shown scene,
        its timeline and the position, taken together under the widget's lock."""
        with self._lock:
            return state.Source(
                self.scene, self.timeline, self._samples, self.sample, self._uid,
                self._span(), list(self._palettes), dict(self._luts), dict(self._colormaps),
                self._page_progress(),
            )  # fmt: skip

    def close(self) -> None:
        if getattr(self, "model", None) is not None:
            self.model.remove_listener(self._on_model)
        super().close()

    # -- checks ---------------------------------------------------------------------------------
    @traitlets.validate(*settings.TRAIT_NAMES)
    def _valid_setting(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        return (
            value if name == "palette" and value in self._colormaps else settings.check(name, value)
        )

    @traitlets.validate("sample")
    def _valid_sample(self, proposal):
        if hasattr(self, "scene"):
            try:
                picture.check_sample(proposal["value"], self.scene)
            except ValueError as error:
                raise traitlets.TraitError(str(error)) from None
        return proposal["value"]

    @traitlets.validate("epoch")
    def _valid_epoch(self, proposal):
        return self._check_epoch(proposal["value"]) if hasattr(self, "scene") else proposal["value"]

    def __setattr__(self, name, value):
        # A Colormap object for `palette` is kept by name, so the synced trait stays a string.
        if name == "palette" and isinstance(value, Colormap):
            value = self._remember_palette(value)
        super().__setattr__(name, value)

    def _check_epoch(self, epoch) -> int:
        """Any recorded snapshot (the page's slider steps through ``w.epochs``)."""
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

    def _pick(self, sample: int | None) -> int:
        return self.sample if sample is None else picture.check_sample(sample, self.scene)

    # -- keeping the page in step -----------------------------------------------------------------
    def _remember_palette(self, palette) -> str:
        if isinstance(palette, Colormap):
            self._colormaps[palette.name] = palette
            return palette.name
        return settings.check("palette", palette)

    def _cmap(self, name: str):
        return self._colormaps.get(name, name)

    def _scene(self, style: settings.Style, epoch: int) -> scenes.Scene:
        return state.scene_at(self.model, self._samples, style, self.timeline, epoch)

    def _page_state(self, sample: int, points: bool = False) -> dict:
        start, length = self._window_start, self._window_len
        out = state.frame(self.scene, sample, self._uid, start, length, points=points)
        out.update(state.history(self.timeline), _progress=self._page_progress())
        if self._timeline_wanted:
            out.update(state.timeline(self.timeline, self.scene.style, sample))
        return out

    def _page_progress(self) -> dict:
        return state.progress(self.model, self._stop_reachable, self._error)

    def _push(self, values: dict) -> None:
        with self.hold_sync():
            for name, value in values.items():
                self.set_trait(name, value)

    def _set_reachable(self, reachable: bool) -> None:
        self._stop_reachable = reachable

    def _report(self, error: BaseException) -> None:
        """A fit failed (bad data, a diverged loss): the page says so too."""
        if isinstance(error, Exception):
            self._error = f"{type(error).__name__}: {error}"
            self._push({"_progress": self._page_progress()})

    def _on_model(self, model: FCNN) -> None:
        """After every chunk of a fit (any fit of this model): update the page, at most
        ~30 times a second and within ~10% of the training time; always at the end."""
        began, progress = time.perf_counter(), model.progress
        running = progress is not None and progress.running
        if running and not self._budget.due(progress.started, began):
            return
        with self._lock:
            following = self.epoch == self._latest
            self._latest = self.timeline.epochs[-1]
            epoch = self._latest if following else self.epoch
            self.scene = self._scene(self.scene.style, epoch)
            with self.hold_sync():
                if epoch != self.epoch:
                    self.set_trait("epoch", epoch)
                self._push(self._page_state(self.sample))
        self._budget.pushed(began, running)

    def _on_style(self, change):
        if change["name"] == "palette" and change["old"] != change["new"]:
            # A new palette brings its own default for centring (diverging or not).
            old = colors.resolve_palette(self._cmap(change["old"]))
            if self.symmetric == old.diverging:
                new = colors.resolve_palette(self._cmap(change["new"]))
                with self.hold_trait_notifications():
                    self.symmetric = new.diverging
        values = {name: getattr(self, name) for name in settings.TRAIT_NAMES}
        style = settings.make_style(**{**values, "palette": self._cmap(self.palette)})
        if style.palette.name not in self._luts:
            self._luts = {**self._luts, **state.luts([style.palette])}
        with self._lock:
            if style.view == "response" and self.scene.response is None:
                self.scene = self._scene(style, self.scene.epoch)  # traces the response maps
            scenes.restyle(self.scene, style)
            self._push(self._page_state(self.sample, points=True))

    def _on_epoch(self, change):
        with self._lock:
            if self.scene.epoch != change["new"]:  # else _on_model built this scene already
                self.scene = self._scene(self.scene.style, change["new"])
                self._push(state.frame(self.scene, self.sample, self._uid, *self._span()))

    def _on_sample(self, change):
        with self._lock, self.hold_sync():
            n, length = self.scene.n_samples, self._window_len
            start = scenes.window_start(change["new"], n, length, self._window_start)
            if start != self._window_start:  # the page nears its window's edge: move it
                self._window_start = start
                self._push(state.window(self.scene, start, length))
            if self._timeline_wanted:
                self._push(state.timeline(self.timeline, self.scene.style, change["new"]))

    def _span(self) -> tuple[int, int]:
        return self._window_start, self._window_len

    def _on_page_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "stop":
            self.stop()
        elif kind == "timeline":  # the page starts scrubbing epochs
            self.want_timeline()
        elif kind == "pick":  # a click on the plane, when the page holds a window of samples
            point = content.get("point")
            numbers = isinstance(point, list) and all(isinstance(v, (int, float)) for v in point)
            if numbers and len(point) == self.scene.X.shape[1] and np.isfinite(point).all():
                self.sample = analysis.nearest_sample(self.scene.X, np.asarray(point, float))
