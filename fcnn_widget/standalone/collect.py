"""The state a saved page holds: the page's synced state (:func:`fcnn_widget.state.page`) for
the shown scene, and one variant per ``palette x norm x norm_scope`` the page offers — each
the state the kernel would send after the page picked those three. Built from scenes; a
widget passed in is only read (its :meth:`~fcnn_widget.FCNNWidget.page_source`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence

from matplotlib.colors import Colormap

from .. import colors, settings, state
from ..picture import check_sample
from ..scene import restyle, window_start
from .codec import AXES

DEFAULT_PALETTES = ("viridis", "plasma", "coolwarm", "RdBu")
POSITION = ("sample", "epoch")


def synced_keys(widget) -> list[str]:
    """The widget's own synced traits (settings, position and the wire format)."""
    return sorted([*settings.TRAIT_NAMES, *POSITION, *state.TRAITS])


def collect_state(
    widget_or_model,
    *,
    palettes: Iterable[str | Colormap] | None = None,
    norms: Sequence[str] = colors.NORMS,
    scopes: Sequence[str] = colors.SCOPES,
    **overrides,
) -> tuple[dict, list[dict], list[str]]:
    """The saved page's base state, its variants and the settings it cannot change.

    ``widget_or_model``: a widget (its current state; ``overrides`` such as ``sample=3`` or
    ``title="..."`` apply to the page only), a model (shown as ``FCNNWidget(model,
    **overrides)`` would show it) or what :func:`page_source` made of one."""
    for n in norms:
        settings.check("norm", n)
    for s in scopes:
        settings.check("norm_scope", s)
    if isinstance(widget_or_model, state.Source):
        src = widget_or_model  # from page_source
    else:
        src = page_source(widget_or_model, **overrides)
    start = src.scene.style
    chosen = [start.palette.name, *(DEFAULT_PALETTES if palettes is None else palettes)]
    offered = offered_palettes(src, palettes)  # a Colormap counts by its name
    tables = {name: _resolve(p, src.colormaps) for p in reversed(chosen) if (name := _name(p))}
    tables[start.palette.name] = start.palette
    src = dataclasses.replace(src, luts={**src.luts, **state.luts(tables.values())})
    base = _page_state(src, offered)
    norm_list = list(dict.fromkeys([start.norm, *norms]))
    scope_list = list(dict.fromkeys([start.norm_scope, *scopes]))
    # Each palette as if picked in the page: it brings its own centring default unless
    # centring was set apart from the saved palette's.
    follows = start.symmetric == start.palette.diverging
    variants = []
    for name in offered:
        palette = tables[name]
        symmetric = palette.diverging if follows else start.symmetric
        for i, norm in enumerate(norm_list):
            for scope in scope_list if i % 2 == 0 else scope_list[::-1]:
                style = settings.restyled(
                    start, palette=palette, norm=norm, norm_scope=scope, symmetric=symmetric
                )
                shown = restyle(copy.copy(src.scene), style)
                variant = _page_state(dataclasses.replace(src, scene=shown), offered)
                changed = {k: v for k, v in variant.items() if not _same(v, base[k])}
                variants.append(
                    {"palette": name, "norm": norm, "norm_scope": scope, "state": changed}
                )
    fixed = sorted(k for k in settings.TRAIT_NAMES if k not in AXES)
    return base, variants, fixed


def page_source(widget_or_model, **overrides) -> state.Source:
    """What the saved page shows: a widget's state (with the page-only ``overrides``) or
    a model shown as ``FCNNWidget(model, **overrides)`` would show it."""
    unknown = sorted(set(overrides) - {*settings.TRAIT_NAMES, *POSITION, "samples"})
    if unknown:
        raise TypeError(
            f"unknown widget setting(s) {', '.join(unknown)}; valid: "
            f"{', '.join((*POSITION, *settings.TRAIT_NAMES))}"
        )
    return _source(widget_or_model, overrides)


def offered_palettes(src: state.Source, palettes) -> list[str]:
    """The names of the palettes the page offers: the shown one first."""
    chosen = [src.scene.style.palette.name, *(DEFAULT_PALETTES if palettes is None else palettes)]
    return list(dict.fromkeys(_name(p) for p in chosen))


def _source(widget_or_model, overrides: dict) -> state.Source:
    """The page's source: a widget's (with the page-only overrides) or a new model's."""
    if not hasattr(widget_or_model, "page_source"):
        options = dict(overrides)
        samples = options.pop("samples", None)
        position = {k: options.pop(k) for k in POSITION if k in options}
        return state.open_source(
            widget_or_model, samples, settings.make_style(**options), **position
        )
    if widget_or_model.model.training:
        raise RuntimeError("this widget's model is training; save the page when it is done")
    src = widget_or_model.page_source()
    return _overridden(src, widget_or_model.model, overrides)


def _overridden(src: state.Source, model, overrides: dict) -> state.Source:
    """``src`` with the page-only settings, epoch and sample of ``overrides``."""
    looks = {k: v for k, v in overrides.items() if k not in (*POSITION, "samples")}
    palette = looks.get("palette")
    if isinstance(palette, Colormap):
        src.colormaps[palette.name] = palette
    elif isinstance(palette, str):
        looks["palette"] = src.colormaps.get(palette, palette)
    shown = src.scene
    style = settings.restyled(shown.style, **looks) if looks else shown.style
    epoch = overrides.get("epoch", shown.epoch)
    if epoch != shown.epoch:
        shown = state.scene_at(model, src.samples, style, src.timeline, epoch)
    elif looks:
        shown = restyle(copy.copy(shown), style)
    sample = overrides.get("sample", src.sample)
    if sample != src.sample:
        check_sample(sample, shown)
        start, length = src.window
        src = dataclasses.replace(
            src,
            sample=sample,
            window=(window_start(sample, shown.n_samples, length, start), length),
        )
    return dataclasses.replace(src, scene=shown)


def _page_state(src: state.Source, offered: list[str]) -> dict:
    """The page's state; the palettes it offers are those saved, and with the samples of the
    page's window only (no kernel to send others) it offers just those."""
    out = state.page(src, with_timeline=True)
    out["_palettes"] = offered
    first, length = src.window
    if length < src.scene.n_samples:
        out["_meta"] = {**out["_meta"], "sample_limits": [first, first + length - 1]}
    return out


def _resolve(palette, colormaps: dict) -> colors.Palette:
    if isinstance(palette, colors.Palette):
        return palette
    return colors.resolve_palette(
        colormaps.get(palette, palette) if isinstance(palette, str) else palette
    )


def _name(palette) -> str:
    return palette.name if isinstance(palette, (Colormap, colors.Palette)) else str(palette)


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b
