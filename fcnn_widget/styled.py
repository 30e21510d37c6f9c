"""What every widget drawn from the settings table shares (:class:`FCNNWidget` and
:class:`FCNNCompare`): a palette given as a ``Colormap`` is kept by its name, the settings
traits are checked by their rows, a change of them makes one new :class:`~settings.Style`,
and several traits reach the page in one message.

>>> from fcnn_widget import FCNN, FCNNWidget, datasets
>>> w = FCNNWidget(FCNN([3], dataset=datasets.make("prod", n_points=50, seed=0)))
>>> w.palette = "viridis"; w.scene.style.palette.name
'viridis'
"""

from __future__ import annotations

import traitlets
from matplotlib.colors import Colormap

from . import settings, state


class Styled:
    """Mixin for an ``anywidget.AnyWidget`` with the settings traits, ``_luts`` and a
    ``settings.Colormaps`` in ``self._colormaps``."""

    _colormaps: settings.Colormaps

    def __setattr__(self, name, value):
        # A Colormap object for `palette` is kept by name, so the synced trait stays a string.
        if name == "palette" and isinstance(value, Colormap):
            value = self._colormaps.name_of(value)
        super().__setattr__(name, value)

    @traitlets.validate(*settings.TRAIT_NAMES)
    def _valid_setting(self, proposal):
        name, value = proposal["trait"].name, proposal["value"]
        known = name == "palette" and value in self._colormaps.objects
        return self._valid_more(name, value if known else settings.check(name, value))

    def _valid_more(self, name: str, value):
        """A widget's own check of a setting beyond its row (the value, or a TraitError)."""
        return value

    def _style_after(self, change) -> settings.Style:
        """The style the traits make after ``change``. A new palette of the other kind
        (diverging or not) brings its own centring; the page gets its colour table."""
        if change["name"] == "palette" and change["old"] != change["new"]:
            centred = self._colormaps.centring_after(change["old"], change["new"], self.symmetric)
            with self.hold_trait_notifications():
                self.symmetric = centred
        values = {name: getattr(self, name) for name in settings.TRAIT_NAMES}
        style = settings.make_style(**{**values, "palette": self._colormaps.lookup(self.palette)})
        if style.palette.name not in self._luts:
            self._luts = {**self._luts, **state.luts([style.palette])}
        return style

    def _push(self, values: dict) -> None:
        """Set several traits at once: the page gets them in one message."""
        with self.hold_sync():
            for name, value in values.items():
                self.set_trait(name, value)
