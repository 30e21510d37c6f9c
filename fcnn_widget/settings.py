"""Every setting of the picture, in one table: its name, default, what values it takes, how
the page offers it and whether it is a widget trait or an export option only.

From :data:`SETTINGS` come the widget's synced setting traits and their validation
(:func:`traits`, :func:`check`), the :class:`Style` a picture is drawn with
(:func:`make_style`), the keyword arguments of the exporters (:func:`check_options`) and the
schema the page builds its controls from (:func:`page_schema`). A new setting is one row.

>>> style = make_style(palette="RdBu", norm="layer")
>>> style.palette.name, style.norm, style.symmetric  # a diverging palette centres on zero
('RdBu', 'layer', True)
>>> check("norm", "gloabl")
Traceback (most recent call last):
...
fcnn_widget.settings.SettingError: unknown norm 'gloabl'; valid choices are global, component, layer
>>> [row["name"] for row in page_schema()][:3]
['palette', 'norm', 'norm_scope']
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable
from typing import Any

import traitlets
from matplotlib.colors import Colormap

from . import colors, files, limits

THEMES = ("light", "dark")
PRESETS = ("notebook", "figure")  # the page with its controls, or the picture alone for print
PARTS = ("network", "plane", "chart")  # what a picture shows (layout.PARTS); "plane": or the input
MODES = ("network", "response")  # the `view` setting: neurons as circles, or as response maps


class SettingError(ValueError, traitlets.TraitError):
    """A bad value for a setting: a ``ValueError`` for functions, a ``TraitError`` for traits."""


# -- value checks: each returns the value to keep or raises SettingError naming the choices ----
def _choice(choices: tuple[str, ...]) -> Callable[[str, Any], Any]:
    def check_one(name: str, value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise SettingError(f"unknown {name} {value!r}; valid choices are {', '.join(choices)}")
        return value

    return check_one


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError(f"{name} must be True or False, got {value!r}")
    return value


def _optional_flag(name: str, value: Any) -> bool | None:
    return None if value is None else _flag(name, value)


def _palette(name: str, value: Any) -> str | Colormap | colors.Palette:
    if not isinstance(value, colors.Palette):
        colors.resolve_palette(value)  # raises with the valid choices
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(
            f"the {name!r} trait expects a unicode string, got {type(value).__name__} {value!r}"
        )
    files.check_xml_text(value, name)
    return value


def _count(minimum: int) -> Callable[[str, Any], int]:
    def check_one(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
            raise SettingError(f"{name} must be an integer >= {minimum}, got {value!r}")
        return int(value)

    return check_one


def _side(name: str, value: Any) -> float | None:
    """A picture's width or height in pixels: None (its natural size) or a positive number."""
    limits.check_size(value, name)
    return value


def _names(name: str, value: Any) -> tuple[str, ...] | None:
    """None, or a list of strings (each one XML can hold)."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SettingError(f"{name} must be a list of strings or None, got {value!r}")
    for item in value:
        if not isinstance(item, str):
            raise SettingError(f"{name} must hold strings, got {item!r} in {list(value)!r}")
        files.check_xml_text(item, name)
    return tuple(value)


def _parts(name: str, value: Any) -> tuple[str, ...]:
    """Some of :data:`PARTS`, at least one, each once (kept in the table's order)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SettingError(
            f"{name} must be a tuple of parts, some of {', '.join(PARTS)}; got {value!r}"
        )
    bad = [p for p in value if p not in PARTS]
    if bad or not value or len(set(value)) != len(value):
        what = f"unknown {name} {', '.join(map(repr, bad))}" if bad else f"{name} {list(value)!r}"
        raise SettingError(
            f"{what}; valid choices are {', '.join(PARTS)} (each at most once, at least one)"
        )
    return tuple(p for p in PARTS if p in value)


def _colour(name: str, value: Any) -> str | None:
    if value is not None and not limits.is_css_colour(value):
        raise SettingError(
            f"{name} must be a CSS colour (a name such as 'white', '#rgb', '#rrggbb', "
            f"'rgb(r, g, b)', 'transparent') or None for transparent, got {value!r}"
        )
    return value


@dataclasses.dataclass(frozen=True)
class Setting:
    """One row of the table.

    ``trait``: a synced widget trait (else an export option only). ``control``: how the page
    offers it ("select", "checkbox", "number", or None: not in the page). ``group``: the page's
    group of controls it sits in. ``needs``: what the picture must show for the control to
    appear ("plane": the input plane; "plane_relu": the plane of a ReLU-family net).
    ``applies``: "page" if the page can apply it at once while the kernel redraws, "kernel"
    if only the kernel's new picture shows it.
    """

    name: str
    default: Any
    check: Callable[[str, Any], Any]
    doc: str
    trait: bool = True
    control: str | None = None
    label: str = ""
    group: str = ""
    choices: tuple = ()
    needs: str | None = None
    applies: str = "kernel"
    title: str = ""
    prefix: str = ""  # the text before a number box


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "palette",
        "viridis",
        _palette,
        "any matplotlib colormap name or Colormap",
        control="select",
        label="palette",
        group="palette",
        applies="page",
    ),
    Setting(
        "norm",
        "component",
        _choice(colors.NORMS),
        "colour ranges shared by all values, by component (a, z, w, b) or by layer",
        control="select",
        label="colour normalisation",
        group="norm",
        choices=colors.NORMS,
    ),
    Setting(
        "norm_scope",
        "dataset",
        _choice(colors.SCOPES),
        "ranges over every sample or over the shown sample only",
        control="select",
        label="normalisation scope",
        group="norm",
        choices=colors.SCOPES,
    ),
    Setting(
        "symmetric",
        None,
        _optional_flag,
        "centre ranges on zero (None: on for diverging palettes)",
        control="checkbox",
        label="centre 0",
        group="norm",
    ),
    Setting(
        "robust",
        False,
        _flag,
        "clip ranges at the 1st and 99th percentiles",
        control="checkbox",
        label="robust",
        group="norm",
    ),
    Setting(
        "show_values",
        True,
        _flag,
        "print each neuron's value inside it",
        control="checkbox",
        label="values",
        group="norm",
    ),
    Setting(
        "view",
        "network",
        _choice(MODES),
        'neurons drawn as circles ("network") or as maps over the input plane ("response")',
        control="select",
        label="neurons drawn as",
        group="view",
        choices=MODES,
    ),
    Setting(
        "show_lines",
        False,
        _flag,
        "the first layer's lines w·x + b = 0 on the input plane",
        control="checkbox",
        label="unit lines",
        group="view",
        needs="plane",
    ),
    Setting(
        "show_regions",
        False,
        _flag,
        "the linear regions of a ReLU-family net on the input plane",
        control="checkbox",
        label="regions",
        group="view",
        needs="plane_relu",
    ),
    Setting(
        "show_matrices",
        False,
        _flag,
        "each layer's weight matrix as a heatmap",
        control="checkbox",
        label="W matrices",
        group="view",
    ),
    Setting(
        "max_edges",
        2000,
        _count(1),
        "past this many weights, draw the strongest into each neuron",
        control="number",
        label="most edges drawn",
        group="view",
        title="most edges drawn: past this, the strongest into each neuron",
        prefix="edges ≤ ",
    ),
    Setting(
        "class_names",
        None,
        _names,
        "a classifier's class names, beside its output neurons (None: the dataset's, else 0..n-1)",
    ),
    Setting(
        "preset",
        "notebook",
        _choice(PRESETS),
        'how the widget is shown: "notebook" (with its controls) or "figure" (for print: '
        "the picture alone, with its title and caption)",
        choices=PRESETS,
    ),
    Setting(
        "parts",
        PARTS,
        _parts,
        "what the picture draws, some of: network, plane (or the input panel), chart",
    ),
    Setting("title", "", _text, "a line of text above the picture"),
    Setting("caption", "", _text, "a line of text below the picture"),
    Setting(
        "theme", "light", _choice(THEMES), "text colours for a light or dark page", trait=False
    ),
    Setting(
        "background",
        None,
        _colour,
        "a CSS colour behind the picture (None: transparent)",
        trait=False,
    ),
    Setting("width", None, _side, "the picture's width in pixels (None: natural)", trait=False),
    Setting("height", None, _side, "the picture's height in pixels (None: natural)", trait=False),
)
BY_NAME = {s.name: s for s in SETTINGS}
TRAIT_NAMES = tuple(s.name for s in SETTINGS if s.trait)
NAMES = tuple(BY_NAME)


def check(name: str, value: Any) -> Any:
    """The value to keep for setting ``name``, or a :class:`SettingError` naming the choices."""
    return BY_NAME[name].check(name, value)


def check_options(options: dict, allowed: tuple[str, ...] = NAMES, what: str = "option") -> dict:
    """Validate keyword arguments against the table: unknown names are a ``TypeError``
    listing the valid ones; each value is checked by its row.

    >>> check_options({"norm": "layer", "width": 300})
    {'norm': 'layer', 'width': 300}
    """
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"unknown {what}s {', '.join(unknown)}; valid: {', '.join(allowed)}")
    return {name: check(name, value) for name, value in options.items()}


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


# -- what the table gives -----------------------------------------------------------------------
Style = dataclasses.make_dataclass(
    "Style",
    [(s.name, Any, dataclasses.field(default=s.default)) for s in SETTINGS],
    frozen=True,
    namespace={"__module__": __name__},
)
Style.__doc__ = (
    "How values become colours and how the picture is dressed: one field per row of "
    "SETTINGS, ``palette`` resolved to a :class:`~fcnn_widget.colors.Palette` and "
    "``symmetric`` to a bool."
)


def make_style(**values) -> Style:
    """A validated :class:`Style` from setting values (defaults for the rest);
    ``symmetric=None`` centres ranges on zero for diverging palettes."""
    values = {**defaults(), **check_options(values, what="setting")}
    palette = values["palette"]
    if not isinstance(palette, colors.Palette):
        palette = colors.resolve_palette(palette)
    symmetric = values["symmetric"]
    values.update(palette=palette, symmetric=palette.diverging if symmetric is None else symmetric)
    return Style(**values)


def restyled(style: Style, **values) -> Style:
    """``style`` with some settings changed (validated as :func:`make_style`)."""
    current = {s.name: getattr(style, s.name) for s in SETTINGS}
    return make_style(**{**current, **values})


def trait_values(style: Style) -> dict[str, Any]:
    """The widget's setting traits for ``style`` (the palette by name)."""
    out = {name: getattr(style, name) for name in TRAIT_NAMES}
    out["palette"] = style.palette.name
    return out


_TRAIT_KINDS = {
    _flag: lambda d: traitlets.Bool(d),
    _optional_flag: lambda d: traitlets.Bool(d, allow_none=True),
    _text: lambda d: traitlets.Unicode(d),
    _palette: lambda d: traitlets.Unicode(d),
    _names: lambda d: traitlets.List(traitlets.Unicode(), default_value=d, allow_none=True),
    _parts: lambda d: traitlets.List(traitlets.Unicode(), default_value=list(d)),
}


def traits() -> dict[str, traitlets.TraitType]:
    """A synced trait per widget setting (its type; :func:`check` validates the value)."""
    out = {}
    for s in SETTINGS:
        if not s.trait:
            continue
        if s.check in _TRAIT_KINDS:
            trait = _TRAIT_KINDS[s.check](s.default)
        elif isinstance(s.default, int):
            trait = traitlets.Int(s.default)
        else:
            trait = traitlets.Unicode(s.default)
        out[s.name] = trait.tag(sync=True)
    return out


def page_schema(rows: tuple[Setting, ...] = SETTINGS) -> list[dict]:
    """The controls the page builds, in order (js/controls.js reads this once); ``rows``:
    the table's, or with a view's own rows (a comparison's ``shared_ranges``)."""
    keys = ("name", "control", "label", "group", "choices", "needs", "applies", "title", "prefix")
    return [
        {k: list(v) if isinstance(v, tuple) else v for k in keys if (v := getattr(s, k)) != ""}
        for s in rows
        if s.control is not None
    ]


class Colormaps:
    """The ``Colormap`` objects a user gave for ``palette``, by name: the synced trait holds
    the name, drawing needs the object.

    >>> from matplotlib.colors import ListedColormap
    >>> book = Colormaps()
    >>> book.name_of(ListedColormap(["#000000", "#ffffff"], name="mine")), book.lookup("mine").N
    ('mine', 2)
    """

    def __init__(self) -> None:
        self.objects: dict[str, Colormap] = {}

    def name_of(self, palette) -> str:
        """Remember a Colormap and give its name; check a name."""
        if isinstance(palette, Colormap):
            self.objects[palette.name] = palette
            return palette.name
        return check("palette", palette)

    def lookup(self, name: str) -> str | Colormap:
        return self.objects.get(name, name)

    def centring_after(self, old: str, new: str, symmetric: bool | None) -> bool | None:
        """``symmetric`` after the palette changes from ``old`` to ``new``: a palette brings
        its own default (centred if diverging) unless centring was set apart from the old."""
        was = colors.resolve_palette(self.lookup(old)).diverging
        if symmetric != was:
            return symmetric
        return colors.resolve_palette(self.lookup(new)).diverging
