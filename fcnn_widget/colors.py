"""Values to colours: matplotlib's colormaps sampled to lookup tables, and the value ranges
that the ``norm`` settings give each group of drawn values.

The page repeats only the last, tiny step — a value and its range to a table entry — with
:func:`~fcnn_widget.rules.lut_index` (``js/rules.js``: ``lutIndex``).

>>> palette = resolve_palette("RdBu")
>>> palette.name, palette.diverging, len(palette.colors)
('RdBu', True, 256)
>>> lut_index(0.5, 0.0, 1.0)
128
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.colors import Colormap

from .rules import DARK_INK, INK_LETTERS, LIGHT_INK, LUT_SIZE, lut_index

# The page's dropdown; Python accepts any registered name (and "_r" reversals) or a Colormap.
COMMON_PALETTES = (
    "viridis",
    "plasma",
    "inferno",
    "cividis",
    "rainbow",
    "cool",
    "turbo",
    "coolwarm",
    "RdBu",
    "RdBu_r",
    "bwr",
    "seismic",
    "Spectral",
    "PiYG",
)
# matplotlib does not tag its diverging maps, so we name them (per its documentation).
DIVERGING = frozenset(
    [
        "PiYG",
        "PRGn",
        "BrBG",
        "PuOr",
        "RdGy",
        "RdBu",
        "RdYlBu",
        "RdYlGn",
        "Spectral",
        "coolwarm",
        "bwr",
        "seismic",
        "berlin",
        "managua",
        "vanimo",
    ]
)
NORMS = ("global", "component", "layer")
SCOPES = ("dataset", "sample")


@dataclass(frozen=True)
class Palette:
    name: str
    diverging: bool
    colors: tuple[str, ...]  # LUT_SIZE "#rrggbb" entries
    ink: tuple[str, ...]  # a readable text colour on each entry


def resolve_palette(palette: str | Colormap) -> Palette:
    """Sample a matplotlib colormap (registered name or object) into a lookup table."""
    if isinstance(palette, Colormap):
        cmap = palette
    elif isinstance(palette, str) and palette in matplotlib.colormaps:
        cmap = matplotlib.colormaps[palette]
    else:
        common = ", ".join(COMMON_PALETTES)
        raise ValueError(
            f"unknown palette {palette!r}; use a matplotlib colormap name such as {common} "
            "(any name in matplotlib.colormaps, '_r' reverses one) or a Colormap object"
        )
    rgba = cmap(np.linspace(0.0, 1.0, LUT_SIZE))
    rgb = np.clip(np.round(rgba[:, :3] * 255), 0, 255).astype(np.uint8)
    colors = tuple("#{:02x}{:02x}{:02x}".format(*tuple(c)) for c in rgb)
    # WCAG relative luminance picks dark or light ink for labels drawn on a fill.
    lin = np.where(
        rgba[:, :3] <= 0.04045, rgba[:, :3] / 12.92, ((rgba[:, :3] + 0.055) / 1.055) ** 2.4
    )
    luminance = lin @ np.array([0.2126, 0.7152, 0.0722])
    ink = tuple(DARK_INK if lum > 0.2 else LIGHT_INK for lum in luminance)
    base = cmap.name.removesuffix("_r")
    return Palette(cmap.name, base in DIVERGING, colors, ink)


def page_lut(palette: Palette) -> dict:
    """A palette's table as the page reads it to recolour in place: ``colors`` all entries'
    hex digits run together, ``ink`` one letter per entry ("d" dark, "l" light).

    >>> lut = page_lut(resolve_palette("viridis"))
    >>> lut["colors"][:12], lut["ink"][:3], lut["ink"][-1], lut["diverging"]
    ('440154440256', 'lll', 'd', False)
    """
    letter = {ink: k for k, ink in INK_LETTERS.items()}
    return {
        "colors": "".join(c[1:] for c in palette.colors),
        "ink": "".join(letter[i] for i in palette.ink),
        "diverging": palette.diverging,
    }


def color_of(value: float, lo: float, hi: float, palette: Palette, nonfinite: str = "none") -> str:
    """The fill of ``value``: its palette entry, or ``nonfinite`` for NaN and ±Inf (the
    picture passes its hatch pattern, never a palette colour)."""
    if not np.isfinite(value):
        return nonfinite
    return palette.colors[lut_index(float(value), float(lo), float(hi))]


def check_choice(value: str, what: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; valid choices are {', '.join(choices)}")
    return value


def group_of(slot: str, norm: str) -> str:
    """Which colour group a slot (``"x0"``, ``"z1"``, ``"a1"``, ``"w1"``, ``"b1"``) is in."""
    if norm == "global":
        return "all"
    if norm == "component":
        return "a" if slot[0] == "x" else slot[0]  # inputs are the activations of layer 0
    return slot


def value_ranges(
    node_values: dict[str, np.ndarray],
    param_values: dict[str, np.ndarray],
    *,
    norm: str,
    scope: str,
    symmetric: bool,
    robust: bool,
) -> tuple[list[str], dict[str, int], np.ndarray]:
    """The colour range of every group.

    ``node_values[slot]`` is (n_samples, width) for neuron slots; ``param_values[slot]`` the
    flat weights or biases of a layer. Returns the group names, each slot's group index and
    ranges (n_scope, n_groups, 2) float32: n_scope = 1 for the ``"dataset"`` scope, one row
    per sample for ``"sample"``. Non-finite values are left out of every range.
    """
    check_choice(norm, "norm", NORMS)
    check_choice(scope, "norm_scope", SCOPES)
    slots = list(node_values) + list(param_values)
    names: list[str] = []
    for slot in slots:
        if group_of(slot, norm) not in names:
            names.append(group_of(slot, norm))
    slot_group = {slot: names.index(group_of(slot, norm)) for slot in slots}
    n = next(iter(node_values.values())).shape[0]
    rows = n if scope == "sample" else 1
    ranges = np.zeros((rows, len(names), 2), np.float32)
    for g in range(len(names)):
        nodes = [node_values[s] for s in node_values if slot_group[s] == g]
        params = [param_values[s].ravel() for s in param_values if slot_group[s] == g]
        if scope == "dataset" and not robust:  # no copies: the values may be 100k samples
            ranges[0, g] = finite_range([*nodes, *params])
            continue
        per_sample = np.concatenate(nodes, axis=1) if nodes else np.zeros((n, 0), np.float32)
        constant = np.concatenate(params) if params else np.zeros(0, np.float32)
        if scope == "dataset":
            ranges[0, g] = _range(np.concatenate([per_sample.ravel(), constant])[None], robust)[0]
        else:
            ranges[:, g] = _range_per_row(per_sample, constant, robust)
    if symmetric:
        m = np.max(np.abs(ranges), axis=-1)
        ranges = np.stack([-m, m], axis=-1)
    return names, slot_group, ranges


def finite_range(arrays: list[np.ndarray]) -> tuple[float, float]:
    """The least and greatest finite value of all ``arrays`` ([0, 1] if there is none),
    as :func:`_range` finds them, without joining or copying them."""
    lo, hi = np.inf, -np.inf
    for a in arrays:
        if a.size == 0:
            continue
        a_lo, a_hi = a.min(), a.max()
        if not (np.isfinite(a_lo) and np.isfinite(a_hi)):  # NaN or ±inf in there: leave out
            finite = a[np.isfinite(a)]
            if finite.size == 0:
                continue
            a_lo, a_hi = finite.min(), finite.max()
        lo, hi = min(lo, float(a_lo)), max(hi, float(a_hi))
    return (lo, hi) if lo <= hi else (0.0, 1.0)


def _range_per_row(per_sample: np.ndarray, constant: np.ndarray, robust: bool) -> np.ndarray:
    """Each sample's range over its own values plus the sample-independent ones."""
    out = np.empty((per_sample.shape[0], 2), np.float32)
    if not robust:
        # min/max need not repeat the constant part for every sample.
        finite = constant[np.isfinite(constant)]
        rows = np.where(np.isfinite(per_sample), per_sample, np.nan)
        lo = np.fmin(np.nanmin(rows, axis=1, initial=np.inf), finite.min(initial=np.inf))
        hi = np.fmax(np.nanmax(rows, axis=1, initial=-np.inf), finite.max(initial=-np.inf))
        out[:, 0], out[:, 1] = lo, hi
        return _fix_empty(out)
    step = max(1, int(2e7 // max(1, per_sample.shape[1] + constant.size)))
    for start in range(0, per_sample.shape[0], step):
        block = per_sample[start : start + step]
        joined = np.concatenate(
            [block, np.broadcast_to(constant, (block.shape[0], constant.size))], axis=1
        )
        out[start : start + step] = _range(joined, robust)
    return out


def _range(rows: np.ndarray, robust: bool) -> np.ndarray:
    """(lo, hi) of each row over its finite values; 1st/99th percentiles when robust."""
    finite = np.isfinite(rows)
    if not robust:  # min and max are exact in float32: no copy to float64 needed
        out = np.stack(
            [
                np.min(np.where(finite, rows, np.inf), axis=1, initial=np.inf),
                np.max(np.where(finite, rows, -np.inf), axis=1, initial=-np.inf),
            ],
            axis=1,
        )
        return _fix_empty(out.astype(np.float32))
    rows = np.where(finite, rows, np.nan).astype(np.float64)
    out = np.full((rows.shape[0], 2), np.nan)
    has = ~np.all(np.isnan(rows), axis=1) if rows.shape[1] else np.zeros(rows.shape[0], bool)
    if has.any():
        out[has] = np.nanpercentile(rows[has], [1, 99], axis=1).T
    return _fix_empty(out.astype(np.float32))


def _fix_empty(ranges: np.ndarray) -> np.ndarray:
    """A group with no finite value gets the range [0, 1] rather than NaN or ±inf."""
    bad = ~np.all(np.isfinite(ranges), axis=1)
    ranges[bad] = (0.0, 1.0)
    return ranges
