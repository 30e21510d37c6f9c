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

import contextlib
import pathlib
import threading
import time

import anywidget
import optax
import traitlets

from . import adapters, export, hosts, live, picture, region_map, settings, state, static_repr
from . import scene as scenes
from .animation import Animated, page_request
from .datasets import check_class_names
from .model import FCNN
from .samples import Samples
from .styled import Styled
from .training import History

_STATIC = pathlib.Path(__file__).parent / "static"
# The widget's traits: one per setting (settings.SETTINGS) and the page's wire format.
_Traits = type(anywidget.AnyWidget)(
    "_Traits",
    (anywidget.AnyWidget,),
    {"__module__": __name__, **settings.traits(), **state.traits()},
)


class FCNNWidget(static_repr.StaticPicture, Styled, _Traits, export.Exports, Animated):
    """Show ``model`` for one of ``samples`` (default: the model's training data; also a
    ``Dataset``, an ``(X, y)`` pair or an array of inputs), at ``epoch`` (a recorded
    snapshot; default the latest, followed while training).

    ``settings`` are the rows of :data:`fcnn_widget.settings.SETTINGS` that are traits:
    ``palette`` (any matplotlib colormap name or ``Colormap``), ``norm``, ``norm_scope``,
    ``symmetric``, ``robust``, ``show_values``, ``title``, ``caption``, ``view``,
    ``show_lines``, ``show_regions``, ``show_matrices``, ``max_edges``, ``class_names``,
    ``preset`` ("notebook" or "figure": the picture alone), ``parts``. All are synced with the
    page both ways. Every argument is checked before the widget opens its connection to the
    page, so a bad one leaves nothing behind. ``model`` may also be a
    :class:`~fcnn_widget.Population`: its best member (or ``member=``) drawn with the
    population's loss chart (:mod:`fcnn_widget.population_widget`).
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"
    sample = traitlets.Int(0).tag(sync=True)
    epoch = traitlets.Int(0).tag(sync=True)

    # Widgets of other things than a model, {kind: subclass}: each subclass registers
    # itself (population_widget: a Population's member with the population's chart).
    widget_for: dict[type, type] = {}

    def __new__(cls, model=None, *args, **kwargs):
        if cls is FCNNWidget:
            kinds = FCNNWidget.widget_for.items()
            cls = next((sub for kind, sub in kinds if isinstance(model, kind)), cls)
        return super().__new__(cls, model, *args, **kwargs)

    def __init__(
        self,
        model: FCNN,
        samples: Samples = None,
        *,
        sample: int = 0,
        epoch: int | None = None,
        activation: str | None = None,
        **options,
    ) -> None:
        model = adapters.as_fcnn(model, activation=activation, samples=samples)
        chosen = {**settings.defaults(), **settings.check_options(options, settings.TRAIT_NAMES)}
        self.model, self._samples, self._colormaps = model, samples, settings.Colormaps()
        self._colormaps.name_of(chosen["palette"])  # a Colormap object is kept by its name
        self._uid = f"fcnn{id(self):x}"
        src = state.open_source(
            model, samples, settings.make_style(**chosen), sample=sample, epoch=epoch,
            uid=self._uid, colormaps=self._colormaps.objects,
        )  # fmt: skip
        src.scene = self._dress(src.scene)
        self.scene, self.timeline, (self._window_start, self._window_len) = (
            src.scene, src.timeline, src.window
        )  # fmt: skip
        self._latest, self._lock = self.timeline.epochs[-1], threading.RLock()
        self._budget, self._timeline_wanted = live.UpdateBudget(), False
        self._stop_reachable, self._error = True, None
        began = time.perf_counter()
        super().__init__(**state.page(src, with_timeline=False))  # opens the comm: all at once
        try:
            self._budget.pushed(began, running=False)
            self.observe(self._on_style, names=list(settings.TRAIT_NAMES))
            self.observe(self._on_epoch, names=["epoch"])
            self.observe(self._on_sample, names=["sample"])
            self.observe(self._on_page_width, names=["_page_width"])
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
        lr: float | None = None,
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
        (not in hosts that drop messages from threads, such as Colab). In marimo, which runs a
        cell to its end before it reads the page, ``fit`` always trains in the background
        (:func:`.hosts.fit_in_background`). Arguments are checked before training starts; a
        second fit of the model is refused while one runs.
        """
        with self._reporting():
            options = live.FitOptions.checked(
                epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
                snapshot_every=snapshot_every,
            )  # fmt: skip
            # marimo runs a cell to its end before it reads the page, but threads stream there
            if background or hosts.fit_in_background(hosts.detect()):
                return live.in_background(self.model, options, self._report)
            return live.in_foreground(self.model, options, self._set_reachable)

    async def fit_async(self, epochs: int = 100, **options) -> History:
        """``await w.fit_async(...)`` in a cell (arguments as :meth:`fit`): trains in a worker
        thread while the cell awaits it. Kernels that handle messages while a cell awaits
        (ipykernel 7.4 and later) keep Stop and every control working meanwhile."""
        with self._reporting():
            fit = live.FitOptions.checked(epochs=epochs, **options)
            return await live.in_thread(self.model, fit)

    def stop(self) -> None:
        """End a running fit after its current chunk, keeping history and parameters."""
        self.model.stop()

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
                scene=self.scene,
                timeline=self.timeline,
                samples=self._samples,
                sample=self.sample,
                uid=self._uid,
                window=self._span(),
                palettes=list(self._palettes),
                luts=dict(self._luts),
                colormaps=dict(self._colormaps.objects),
                progress=self._page_progress(),
            )

    def close(self) -> None:
        if getattr(self, "model", None) is not None:
            self.model.remove_listener(self._on_model)
        super().close()

    # -- checks ---------------------------------------------------------------------------------
    def _valid_more(self, name, value):
        if name == "class_names" and value is not None and self.scene.task == "multiclass":
            try:
                check_class_names(value, "multiclass", self.scene.widths[-1])
            except ValueError as error:
                raise traitlets.TraitError(str(error)) from None
        return value

    @traitlets.validate("sample")
    def _valid_sample(self, proposal):
        try:
            return picture.check_sample(proposal["value"], self.scene)
        except ValueError as error:
            raise traitlets.TraitError(str(error)) from None

    @traitlets.validate("epoch")
    def _valid_epoch(self, proposal):
        return state.check_epoch(self.model, proposal["value"])

    # -- keeping the page in step -----------------------------------------------------------------
    def _scene(self, style: settings.Style, epoch: int) -> scenes.Scene:
        return self._dress(state.scene_at(self.model, self._samples, style, self.timeline, epoch))

    def _dress(self, shown: scenes.Scene) -> scenes.Scene:
        """What a subclass adds to every scene it shows (a population's chart)."""
        return shown

    def _page_state(self, sample: int, points: bool = False) -> dict:
        start, length = self._window_start, self._window_len
        out = state.frame(self.scene, sample, self._uid, start, length, points, self._fit_width())
        out.update(state.history(self.timeline), _progress=self._page_progress())
        if self._timeline_wanted:
            out.update(state.timeline(self.timeline, self.scene.style, sample))
        return out

    def _page_progress(self) -> dict:
        return state.progress(self.model, self._stop_reachable, self._error)

    def _set_reachable(self, reachable: bool) -> None:
        self._stop_reachable = reachable

    @contextlib.contextmanager
    def _reporting(self):
        """A fit's errors (bad arguments, a diverged loss) show in the page too, then raise."""
        self._error, self._stop_reachable = None, True
        try:
            yield
        except Exception as error:
            self._report(error)
            raise

    def _report(self, error: BaseException) -> None:
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
        style = self._style_after(change)
        with self._lock:
            if style.view == "response" and self.scene.response is None:
                self.scene = self._scene(style, self.scene.epoch)  # traces the response maps
            scenes.restyle(self.scene, style)
            self._push(self._page_state(self.sample, points=True))

    def _on_epoch(self, change):
        with self._lock:
            if self.scene.epoch != change["new"]:  # else _on_model built this scene already
                self.scene = self._scene(self.scene.style, change["new"])
                frame = state.frame(self.scene, self.sample, self._uid, *self._span(), False,
                                    self._fit_width())  # fmt: skip
                self._push(frame)

    def _on_sample(self, change):
        with self._lock, self.hold_sync():
            n, length = self.scene.n_samples, self._window_len
            start = scenes.window_start(change["new"], n, length, self._window_start)
            if start != self._window_start:  # the page nears its window's edge: move it
                self._window_start = start
                self._push(state.window(self.scene, start, length))
            if self._timeline_wanted:
                self._push(state.timeline(self.timeline, self.scene.style, change["new"]))

    def _on_page_width(self, change):
        """The page shows the widget at another width: a new layout if it needs one."""
        with self._lock:
            old, new = (picture.layout_of(self.scene, change[k] or None) for k in ("old", "new"))
            if (old.mode, old.width) != (new.mode, new.width):
                self._push(self._page_state(self.sample, points=True))

    def _span(self) -> tuple[int, int]:
        return self._window_start, self._window_len

    def _on_page_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "stop":
            self.stop()
        elif kind == "timeline":  # the page starts scrubbing epochs
            self.want_timeline()
        elif kind == "animate":  # the toolbar's animation button: render it, send the file
            try:
                name, data = page_request(self, content)
            except (ValueError, TypeError, ImportError, MemoryError) as error:
                self.send({"type": "animation", "error": str(error)})
            else:
                self.send({"type": "animation", "name": name}, buffers=[data])
        elif kind == "pick":  # a click on the plane, when the page holds a window of samples
            picked = region_map.pick(self.scene, content.get("point"), content.get("region"))
            if picked is not None:
                self.sample = picked
