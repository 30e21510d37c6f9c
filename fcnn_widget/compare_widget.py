"""``FCNNCompare``: several networks side by side for one sample, one shared sample control.

The kernel draws the comparison once per style (:mod:`fcnn_widget.compare`) and sends each
panel's arrays as one :class:`FCNNWidget` would (:func:`fcnn_widget.state.frame_data`, in the
list ``_panels``); the page (``js/compare.js``) restyles every panel locally when the sample
changes, with the single widget's own code (``js/network.js``) — no kernel round trip per
frame. Settings are the rows of :mod:`fcnn_widget.settings`; ``shared_ranges`` makes the
colour ranges common to all panels.

>>> from fcnn_widget import FCNN, FCNNCompare
>>> ms = [FCNN([4], dataset="prod"), FCNN([5, 5], dataset="prod")]
>>> w = FCNNCompare(ms, sample=10, palette="RdBu")
>>> len(w._panels), w.symmetric, w.to_svg().count("<g data-model=")
(2, True, 2)
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import threading
from collections.abc import Sequence
from pathlib import Path

import anywidget
import traitlets

from . import analysis, colors, compare, export, picture, settings, state, static_repr
from . import scene as scenes
from .samples import Samples
from .styled import Styled
from .timeline import Timeline

_STATIC = pathlib.Path(__file__).parent / "static"

PAGE_KEYS = (*settings.TRAIT_NAMES, "sample", "shared_ranges", "_svg", "_points", "_panels")
PAGE_KEYS += ("_meta", "_palettes", "_luts", "_schema")


def panels_to_json(panels, _widget=None):
    """Trait serialiser of ``_panels``: each panel's :class:`~state.Buffer` s with dtype and
    shape, as :func:`state.array_to_json` sends a single widget's."""
    return [{k: state.array_to_json(v) for k, v in p.items()} for p in panels]


_Traits = type(anywidget.AnyWidget)(
    "_CompareTraits",
    (anywidget.AnyWidget,),
    {"__module__": __name__, **settings.traits()},
)


class FCNNCompare(Styled, _Traits):
    """Show ``models`` (a list of networks with one input width, trained on the same data,
    or shown on the same ``samples``) side by side for one ``sample``: one panel per
    network, each the picture :class:`FCNNWidget` draws, under them a loss chart with one
    curve per network and each network's local linear formula for the sample.

    ``shared_ranges`` (default True): colour ranges common to all panels, so a colour
    means one value in each; else each panel's own. ``columns``: panels per row; by
    default the page picks as many as fit its cell (:func:`compare.fit_columns`), and
    saved files have up to 3. ``settings``: the widget settings of
    :data:`fcnn_widget.settings.SETTINGS` (palette, norm, norm_scope, symmetric, ...).
    """

    _esm = _STATIC / "compare.js"
    _css = _STATIC / "widget.css"
    sample = traitlets.Int(0).tag(sync=True)
    shared_ranges = traitlets.Bool(True).tag(sync=True)
    _svg = traitlets.Unicode("").tag(sync=True)
    _points = traitlets.List().tag(sync=True)  # each panel's plane points (markup)
    _panels = traitlets.List().tag(sync=True, to_json=panels_to_json)
    _meta = traitlets.Dict().tag(sync=True)  # what the controls read: samples, plane
    _palettes = traitlets.List().tag(sync=True)
    _luts = traitlets.Dict().tag(sync=True)
    _schema = traitlets.List().tag(sync=True)

    def __init__(
        self,
        models: Sequence,
        samples: Samples = None,
        *,
        sample: int = 0,
        shared_ranges: bool = True,
        columns: int | None = None,
        **options,
    ) -> None:
        compare.check_shared(shared_ranges)
        self.models = compare.check_models(models, samples)
        chosen = {**settings.defaults(), **settings.check_options(options, settings.TRAIT_NAMES)}
        self._samples, self._colormaps = samples, settings.Colormaps()
        self._colormaps.name_of(chosen["palette"])
        self._uid, self._lock = f"fcnncmp{id(self):x}", threading.RLock()
        style = settings.make_style(**chosen)
        self._file_columns = columns or min(len(self.models), compare.MAX_COLUMNS)
        self._own = [
            scenes.build_scene(m, samples, compare.panel_style(style)) for m in self.models
        ]
        self._labels = [m.describe() for m in self.models]
        self._auto = columns is None  # the page fits the panels to its cell
        self.comparison = compare.from_scenes(
            self._own, self._labels, style, shared_ranges, columns
        )
        picture.check_sample(sample, self.comparison.scenes[0])
        n = self.comparison.n_samples
        lengths = [scenes.window_length(s.widths, n) for s in self._own]
        self._windows = [(scenes.window_start(sample, n, k), k) for k in lengths]
        others = [p for p in colors.COMMON_PALETTES if p != style.palette.name]
        tables = [style.palette, *(colors.resolve_palette(p) for p in others)]
        super().__init__(
            **settings.trait_values(style),
            sample=int(sample),
            shared_ranges=shared_ranges,
            **self._page_state(int(sample), points=True),
            _palettes=list(colors.COMMON_PALETTES),
            _luts=state.luts(tables),
            _schema=settings.page_schema((*settings.SETTINGS, compare.SHARED_RANGES)),
        )
        self.observe(self._on_style, names=[*settings.TRAIT_NAMES, "shared_ranges"])
        self.observe(self._on_sample, names=["sample"])
        self.on_msg(self._on_page_message)
        for m in self.models:
            m.add_listener(self._on_model)

    # -- what the page shows ------------------------------------------------------------------
    @property
    def scenes(self) -> list[scenes.Scene]:
        """Each panel's scene (ranges shared when ``shared_ranges``)."""
        return self.comparison.scenes

    def _page_state(self, sample: int, points: bool = False) -> dict:
        shown = self.comparison.scenes
        out = {
            "_svg": compare.to_svg(self.comparison, sample, uid=self._uid, points=False),
            "_panels": [self._panel(i, s) for i, s in enumerate(shown)],
            "_meta": {
                "n_samples": self.comparison.n_samples,
                "n_models": len(shown),
                "plane": any(s.grid is not None for s in shown) or None,  # a control's `needs`
                "relu_family": any(s.activation in analysis.RELU_FAMILY for s in shown),
            },
        }
        if points:
            out["_points"] = [picture.points_markup(s) for s in shown]
        return out

    def _panel(self, i: int, shown: scenes.Scene) -> dict:
        start, length = self._windows[i]
        out = state.frame_data(shown, f"{self._uid}-{i}", start, length)
        out.update(state.history(Timeline(self.models[i], shown.X)))
        return out

    # -- checks and changes ---------------------------------------------------------------------
    @traitlets.validate("sample")
    def _valid_sample(self, proposal):
        try:
            return picture.check_sample(proposal["value"], self.comparison.scenes[0])
        except ValueError as error:
            raise traitlets.TraitError(str(error)) from None

    def _on_style(self, change):
        style = self._style_after(change)
        with self._lock:
            panel = compare.panel_style(style)
            for i, own in enumerate(self._own):
                if panel.view == "response" and own.response is None:
                    self._own[i] = scenes.build_scene(self.models[i], self._samples, panel)
                else:
                    scenes.restyle(own, panel)
            self.comparison = compare.from_scenes(
                self._own, self._labels, style, self.shared_ranges, self.comparison.columns
            )
            self._push(self._page_state(self.sample, points=True))

    def _on_sample(self, change):
        with self._lock:
            n, moved = self.comparison.n_samples, False
            for i, (start, length) in enumerate(self._windows):
                new = scenes.window_start(change["new"], n, length, start)
                moved |= new != start
                self._windows[i] = (new, length)
            if moved:  # the page nears a window's edge: send the panels' new windows
                self._push({"_panels": [self._panel(i, s) for i, s in enumerate(self.scenes)]})

    def _on_page_message(self, _widget, content, _buffers) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "fit" and self._auto:  # the page's width: as many panels per row as fit
            self.fit_to(content.get("width"))
        elif kind == "pick":  # a click on a plane, when the page holds a window of samples
            picked = analysis.pick(self.scenes[0].X, content.get("point"))
            if picked is not None:
                self.sample = picked

    def fit_to(self, width) -> None:
        """Lay the panels out for a cell ``width`` pixels wide (the page asks on resizes)."""
        if not isinstance(width, (int, float)) or isinstance(width, bool) or not width > 0:
            return
        sizes = [picture.layout_of(s).width for s in self.scenes]
        columns = compare.fit_columns(sizes, float(width))
        with self._lock:
            if columns != self.comparison.columns:
                self.comparison = dataclasses.replace(self.comparison, columns=columns)
                self._push({"_svg": self._page_state(self.sample)["_svg"]})

    def refresh(self) -> None:
        """Draw every model again as it is now (after training it, or new parameters)."""
        with self._lock:
            panel = compare.panel_style(self.comparison.style)
            self._own = [scenes.build_scene(m, self._samples, panel) for m in self.models]
            self._labels = [m.describe() for m in self.models]
            self.comparison = compare.from_scenes(
                self._own, self._labels, self.comparison.style, self.shared_ranges,
                self.comparison.columns,
            )  # fmt: skip
            self._push(self._page_state(self.sample, points=True))

    def _on_model(self, model) -> None:
        """A model trained on or got new parameters: redraw once its fit ends."""
        progress = model.progress
        if progress is None or not progress.running:
            self.refresh()

    def close(self) -> None:
        for m in getattr(self, "models", []):
            m.remove_listener(self._on_model)
        super().close()

    # -- pictures and files --------------------------------------------------------------------------
    def to_svg(self, sample: int | None = None) -> str:
        """The comparison the page shows, as SVG text (``sample``: default the current one;
        its panels per row as the page fits them — files keep ``columns``)."""
        return compare.to_svg(self.comparison, self._pick(sample), uid=self._uid)

    def _file_svg(self, sample: int | None, dressing: dict) -> str:
        dressing = settings.check_options(dressing, export.DRESSING)
        comp = dataclasses.replace(self.comparison, columns=self._file_columns)
        if dressing:
            comp = dataclasses.replace(comp, style=settings.restyled(comp.style, **dressing))
        sample = self._pick(sample)
        return compare.to_svg(comp, sample, uid=stable_uid(comp, sample))

    def save_svg(self, path: str | os.PathLike, sample: int | None = None, **dressing) -> Path:
        """Write the comparison of ``sample`` (default: the current one) to ``path``, one
        picture with every panel; ``dressing`` as :meth:`FCNNWidget.save_svg` (``theme``,
        ``background``, ``width``, ``height``, ``title``, ``caption``)."""
        return export.save_svg(self._file_svg(sample, dressing), path)

    def save_png(
        self, path: str | os.PathLike, scale: float = 2, sample: int | None = None, **dressing
    ) -> Path:
        """Rasterise the comparison to a PNG at ``scale`` times its size (no browser)."""
        return export.save_png(self._file_svg(sample, dressing), path, scale)

    def save_html(self, path: str | os.PathLike, **options) -> Path:
        """Write the comparison as one self-contained HTML page (no kernel): every panel,
        the shared sample control (scrubbing, arrow keys, clicking a plane) and the toolbar;
        the settings are fixed at their saved values. ``page_title``, ``note`` as
        :func:`fcnn_widget.standalone.save_html`."""
        from .standalone import compare_page

        return compare_page.save_html(self, path, **options)

    def page_values(self) -> dict:
        """Every synced value of the page as it is now (what a saved page inlines)."""
        with self._lock:
            return {name: getattr(self, name) for name in PAGE_KEYS}

    def _pick(self, sample: int | None) -> int:
        if sample is None:
            return self.sample
        return picture.check_sample(sample, self.comparison.scenes[0])

    def _repr_mimebundle_(self, **kwargs):
        found = static_repr.split_bundle(super()._repr_mimebundle_(**kwargs))
        note = f"FCNNCompare of {len(self.models)} networks: sample {self.sample}"
        data, metadata = found
        lighter = lambda: compare.to_svg(  # noqa: E731  (the planes without their points)
            self.comparison, self.sample, uid=self._uid, points=False
        )
        static = static_repr.static_bundle(self.to_svg, note, smaller=lighter)
        return {**data, **static}, metadata


def stable_uid(comp: compare.Comparison, sample: int) -> str:
    """An id prefix that follows the comparison's content (as :func:`picture.stable_uid`)."""
    digest = hashlib.sha1()
    for s in comp.scenes:
        digest.update(picture.stable_uid(s, sample).encode())
    digest.update(repr(comp.style).encode() + str(comp.columns).encode())
    return "fcnn-cmp-" + digest.hexdigest()[:10]
