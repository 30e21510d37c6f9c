"""``FCNNWidget``: the network drawn for one sample, with sample, palette and norm controls.

Python computes every value (JAX), every colour range and the picture itself; the page
receives the picture once per style change plus the layer values of every sample as float32
buffers, and restyles the neurons locally when the sample changes — scrubbing needs no
kernel round trip.

>>> from fcnn_widget import FCNN, FCNNWidget
>>> w = FCNNWidget(FCNN([4], dataset="prod"), sample=10, palette="RdBu")
>>> w.symmetric, w.norm, len(w._values) == 4 * 2500 * 12
(True, 'component', True)
"""

from __future__ import annotations

import pathlib
import warnings

import anywidget
import numpy as np
import traitlets
from matplotlib.colors import Colormap

from . import adapters, colors, export, picture, view
from .model import FCNN

_STATIC = pathlib.Path(__file__).parent / "static"
_STYLE_TRAITS = (
    "palette",
    "norm",
    "norm_scope",
    "symmetric",
    "robust",
    "show_values",
    "title",
    "caption",
)


class FCNNWidget(anywidget.AnyWidget):
    """Show ``model`` for one of ``samples`` (default: the model's training data; also a
    ``Dataset``, an ``(X, y)`` pair or an array of inputs).

    ``palette`` is any matplotlib colormap name or ``Colormap``; ``norm`` one of
    ``"global"``, ``"component"``, ``"layer"``; ``norm_scope`` ``"dataset"`` or ``"sample"``;
    ``symmetric`` centres ranges on zero (default: on for diverging palettes); ``robust``
    clips ranges at the 1st/99th percentiles. All are synced with the page both ways.
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    sample = traitlets.Int(0).tag(sync=True)
    palette = traitlets.Unicode("viridis").tag(sync=True)
    norm = traitlets.Unicode("component").tag(sync=True)
    norm_scope = traitlets.Unicode("dataset").tag(sync=True)
    symmetric = traitlets.Bool(None, allow_none=True).tag(sync=True)
    robust = traitlets.Bool(False).tag(sync=True)
    show_values = traitlets.Bool(True).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)

    # What the page draws from (private: written by Python only).
    _svg = traitlets.Unicode("").tag(sync=True)
    _meta = traitlets.Dict().tag(sync=True)
    _values = traitlets.Bytes(b"").tag(sync=True)
    _targets = traitlets.Bytes(b"").tag(sync=True)
    _params = traitlets.Bytes(b"").tag(sync=True)
    _ranges = traitlets.Bytes(b"").tag(sync=True)
    _palettes = traitlets.List(list(colors.COMMON_PALETTES)).tag(sync=True)

    def __init__(
        self,
        model: FCNN,
        samples=None,
        *,
        sample: int = 0,
        palette: str | Colormap = "viridis",
        norm: str = "component",
        norm_scope: str = "dataset",
        symmetric: bool | None = None,
        robust: bool = False,
        show_values: bool = True,
        title: str = "",
        caption: str = "",
        activation: str | None = None,
    ) -> None:
        model = adapters.as_fcnn(model, activation=activation, samples=samples)
        self.model = model
        self._samples = samples
        self._colormaps: dict[str, Colormap] = {}
        name = self._remember_palette(palette)
        style = self._make_style(
            name, norm, norm_scope, symmetric, robust, show_values, title, caption
        )
        self.view = view.build_view(model, samples, style)
        if self.view.n_samples < self.view.n_total:
            warnings.warn(
                f"{self.view.n_total} samples exceed the widget's {view.PAYLOAD_BUDGET_BYTES >> 20} MB "
                f"budget; showing the first {self.view.n_samples}",
                stacklevel=2,
            )
        picture.check_sample(sample, self.view)
        super().__init__(
            sample=sample,
            palette=name,
            norm=norm,
            norm_scope=norm_scope,
            symmetric=style.symmetric if symmetric is None else symmetric,
            robust=robust,
            show_values=show_values,
            title=title,
            caption=caption,
        )
        self._uid = f"fcnn{id(self):x}"
        self._push_all()
        self.observe(self._on_style, names=list(_STYLE_TRAITS))

    # -- Python API ------------------------------------------------------------------------------
    def to_svg(self, sample: int | None = None) -> str:
        """The picture the page shows, as SVG text (for ``sample``, default the current one)."""
        return picture.to_svg(self.view, self.sample if sample is None else sample, uid=self._uid)

    def save_svg(self, path, sample: int | None = None):
        """Write :meth:`to_svg` to ``path``."""
        return export.save_svg(self.to_svg(sample), path)

    def save_png(self, path, scale: float = 2, sample: int | None = None):
        """Rasterise the picture to a PNG at ``scale`` times its size (no browser needed)."""
        return export.save_png(self.to_svg(sample), path, scale)

    def color_of(self, kind: str, layer: int, index: int, sample: int | None = None) -> str:
        """The fill of a neuron (``kind`` "x", "z" or "a") as the page must draw it."""
        sample = self.sample if sample is None else sample
        slot = "x0" if kind == "x" else f"{kind}{layer}"
        value = float(self.view.slot_values(slot)[sample, index])
        return self.view.color(slot, sample, value)

    # -- validation ------------------------------------------------------------------------------
    @traitlets.validate("sample")
    def _valid_sample(self, proposal):
        value = proposal["value"]
        if hasattr(self, "view"):
            n = self.view.n_samples
            if not 0 <= value < n:
                raise traitlets.TraitError(
                    f"sample {value} is out of range; valid samples are 0..{n - 1}"
                )
        return value

    @traitlets.validate("palette")
    def _valid_palette(self, proposal):
        value = proposal["value"]
        if value not in self._colormaps:
            colors.resolve_palette(value)  # raises with the valid choices
        return value

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

    # -- keeping the page in step -----------------------------------------------------------------
    def _remember_palette(self, palette) -> str:
        if isinstance(palette, Colormap):
            self._colormaps[palette.name] = palette
            return palette.name
        colors.resolve_palette(palette)
        return palette

    def _make_style(
        self, palette, norm, norm_scope, symmetric, robust, show_values, title, caption
    ):
        return view.make_style(
            self._colormaps.get(palette, palette),
            norm,
            norm_scope,
            symmetric,
            robust,
            show_values=show_values,
            title=title,
            caption=caption,
        )

    def _on_style(self, change):
        if change["name"] == "palette" and change["old"] != change["new"]:
            # A new palette brings its own default for centring (diverging or not).
            old_default = colors.resolve_palette(
                self._colormaps.get(change["old"], change["old"])
            ).diverging
            if self.symmetric == old_default:
                with self.hold_trait_notifications():
                    self.symmetric = colors.resolve_palette(
                        self._colormaps.get(change["new"], change["new"])
                    ).diverging
        style = self._make_style(
            self.palette,
            self.norm,
            self.norm_scope,
            self.symmetric,
            self.robust,
            self.show_values,
            self.title,
            self.caption,
        )
        view.restyle(self.view, style)
        with self.hold_sync():
            self._push_style()

    def _push_all(self):
        v = self.view
        with self.hold_sync():
            self._values = v.values.tobytes()
            targets = v.targets if v.targets is not None else np.zeros((v.n_samples, 0), np.float32)
            self._targets = np.ascontiguousarray(targets, np.float32).tobytes()
            self._params = b"".join(
                np.ascontiguousarray(a, np.float32).tobytes() for W, b in v.params for a in (W, b)
            )
            self._push_style()

    def _push_style(self):
        v = self.view
        lay = picture.network_layout(
            v.widths,
            n_groups=len(v.group_names),
            has_plane=v.grid is not None,
            title=bool(v.style.title),
        )
        self._ranges = np.ascontiguousarray(v.ranges, np.float32).tobytes()
        self._meta = {
            "uid": self._uid,
            "n_samples": v.n_samples,
            "n_cols": int(v.values.shape[1]),
            "widths": v.widths,
            "slots": v.slots,
            "offsets": v.offsets,
            "slot_group": v.slot_group,
            "group_names": v.group_names,
            "range_rows": int(v.ranges.shape[0]),
            "task": v.task,
            "activation": v.activation,
            "target_width": 0 if v.targets is None else int(v.targets.shape[1]),
            "colors": list(v.style.palette.colors),
            "ink": list(v.style.palette.ink),
            "symmetric": v.style.symmetric,
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
        self._svg = picture.to_svg(v, self.sample, uid=self._uid)
