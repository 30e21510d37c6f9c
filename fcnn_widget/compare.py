"""Several networks side by side for one sample, as one SVG: each panel the very picture
:func:`fcnn_widget.export.to_svg` draws of one model (:func:`picture.body`), under it a loss
chart with one curve per network and each network's local linear formula for the sample.

With ``shared_ranges=True`` the colour ranges are the union over every panel
(:func:`fcnn_widget.scene.shared_ranges`): a colour means the same value in each. The models
must take inputs of one width and show the same samples.

>>> from fcnn_widget import FCNN
>>> models = [FCNN([4], dataset="prod"), FCNN([5, 5], dataset="prod")]
>>> svg = to_svg(comparison(models), sample=10)
>>> svg.count('<g data-model='), svg.count('data-role="formula-network"')
(2, 2)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from html import escape

import numpy as np

from . import adapters, chart_lines, overlays, picture, rules, settings
from . import scene as scenes
from .model import FCNN
from .samples import Samples

MAX_COLUMNS = 3  # panels per row unless told
GAP = 24  # between panels
LABEL_H = 22  # the line above each panel naming its network
MARGIN = 16
CHART_W, CHART_H = 440, 150
FOOTER_W = 520  # the chart's column: room for the legend and the formulas
LINE_H = 16
MIN_SCALE = 0.45  # the page fits its cell with as many panels per row as keep this scale


@dataclasses.dataclass
class Comparison:
    """What a comparison picture is drawn from: a scene per model (ranges already shared
    when asked), each model's label, the whole picture's style and its panels per row."""

    scenes: list[scenes.Scene]
    labels: list[str]
    style: settings.Style
    columns: int
    shared: bool

    @property
    def n_samples(self) -> int:
        return self.scenes[0].n_samples


@dataclasses.dataclass(frozen=True)
class CompareLayout:
    width: float
    height: float
    top: float  # where the panels start (under the title)
    panels: list[tuple[float, float]]  # each panel's top-left corner (its label above it)
    chart: tuple[float, float, float, float]
    legend_y: float
    formula_x: float
    formula_y: float


def check_models(models: Sequence, samples: Samples = None) -> list[FCNN]:
    """The models as :class:`FCNN` s, if there is at least one and they can be compared: one
    input width, and the same data unless ``samples`` gives the inputs for all of them."""
    if isinstance(models, (str, bytes)) or not isinstance(models, Sequence):
        raise TypeError(
            f"models must be a list of networks, got {type(models).__name__}: "
            "FCNNCompare([m1, m2, m3])"
        )
    if len(models) == 0:
        raise ValueError("models is empty: give at least one network to compare")
    out = [adapters.as_fcnn(m, samples=samples) for m in models]
    inputs = [m.widths[0] for m in out]
    if len(set(inputs)) > 1:
        listed = ", ".join(f"model {i}: {d}" for i, d in enumerate(inputs))
        raise ValueError(
            f"the models take inputs of different widths ({listed}); "
            "a comparison needs one input width"
        )
    if samples is None:
        first = out[0].dataset
        for i, m in enumerate(out[1:], start=1):
            same = first is m.dataset or (
                first is not None
                and m.dataset is not None
                and first.X.shape == m.dataset.X.shape
                and first.y.shape == m.dataset.y.shape
                and np.array_equal(first.X, m.dataset.X)
                and np.array_equal(first.y, m.dataset.y)
            )
            if not same:
                name = lambda d: "none" if d is None else repr(d.name)  # noqa: E731
                raise ValueError(
                    f"model {i} shows other data than model 0 (datasets {name(m.dataset)} and "
                    f"{name(first)}); compare models of one dataset, or give samples= to show "
                    "the same inputs in every panel"
                )
    return out


# A comparison's own setting: a row of the settings table's shape (its check, its control in
# the page), kept apart because it concerns several pictures, not one.
SHARED_RANGES = settings.Setting(
    "shared_ranges",
    True,
    settings._flag,
    "colour ranges common to all panels (a colour means one value in each), else per panel",
    control="checkbox",
    label="shared ranges",
    group="norm",
    title="one colour scale for every network",
)


def check_shared(value) -> bool:
    return SHARED_RANGES.check(SHARED_RANGES.name, value)


def panel_style(style: settings.Style) -> settings.Style:
    """A panel's style: the comparison's, undressed (title, caption, background and size
    belong to the whole picture)."""
    return settings.restyled(style, title="", caption="", background=None, width=None, height=None)


def comparison(
    models: Sequence,
    samples: Samples = None,
    *,
    shared_ranges: bool = True,
    columns: int | None = None,
    **options,
) -> Comparison:
    """Trace every model over the same samples and gather the comparison's scenes;
    ``options`` are any of :data:`fcnn_widget.settings.SETTINGS` (palette, norm, title, ...)."""
    check_shared(shared_ranges)
    models = check_models(models, samples)
    style = settings.make_style(**settings.check_options(options))
    shown = [scenes.build_scene(m, samples, panel_style(style)) for m in models]
    return from_scenes(shown, [m.describe() for m in models], style, shared_ranges, columns)


def from_scenes(
    shown: list[scenes.Scene],
    labels: list[str],
    style: settings.Style,
    shared: bool = True,
    columns: int | None = None,
) -> Comparison:
    """A :class:`Comparison` of scenes already built (their ranges shared if ``shared``)."""
    if columns is None:
        columns = min(len(shown), MAX_COLUMNS)
    if isinstance(columns, bool) or not isinstance(columns, (int, np.integer)) or columns < 1:
        raise ValueError(f"columns must be an integer >= 1, got {columns!r}")
    n = {s.n_samples for s in shown}
    if len(n) > 1:
        raise ValueError(f"the scenes show different numbers of samples {sorted(n)}")
    shown = scenes.shared_ranges(shown) if shared else list(shown)
    return Comparison(shown, list(labels), style, int(columns), bool(shared))


def fit_columns(widths: Sequence[float], room: float, min_scale: float = MIN_SCALE) -> int:
    """The most panels per row (at least 1) that keep the picture at ``min_scale`` of its
    size or more when it is ``room`` pixels wide: the page asks for this to fit its cell.

    >>> fit_columns([842, 1038, 842], 1300), fit_columns([842, 1038, 842], 900)
    (3, 2)
    """
    best = 1
    for columns in range(1, len(widths) + 1):
        rows = [widths[i : i + columns] for i in range(0, len(widths), columns)]
        wide = max(sum(r) + GAP * (len(r) - 1) for r in rows) + 2 * MARGIN
        if wide * min_scale <= room:
            best = columns
    return best


def short_label(scene: scenes.Scene) -> str:
    """A network's short name: its widths and activation, e.g. ``2-4-1 relu``."""
    return f"{'-'.join(map(str, scene.widths))} {scene.activation}"


def layout(comp: Comparison) -> CompareLayout:
    """Where the panels, the loss chart and the formulas sit: a pure function of the
    panels' sizes, the columns and how many lines the formulas take. The chart, its legend
    and the formulas stand in a column of their own: in the last row's free cell when it
    has one (three panels in two columns), else under the panels."""
    sizes = [picture.layout_of(s) for s in comp.scenes]
    top = MARGIN + (30 if comp.style.title else 0)
    panels, y, width = [], top, 0.0
    row_top, row_right, row_len = top, float(MARGIN), 0
    for first in range(0, len(sizes), comp.columns):
        row = sizes[first : first + comp.columns]
        x, row_top, row_len = float(MARGIN), y, len(row)
        for size in row:
            panels.append((x, y + LABEL_H))
            x += size.width + GAP
        row_right = x
        width = max(width, x - GAP + MARGIN)
        y += LABEL_H + max(size.height for size in row) + GAP
    n_lines = sum(1 + overlays.formula_lines(s) for s in comp.scenes)
    footer_h = 20 + CHART_H + 24 + LINE_H * len(sizes) + 24 + LINE_H * (n_lines + 1)
    beside = row_len < comp.columns and len(sizes) > comp.columns
    x0, y0 = (row_right, row_top + LABEL_H) if beside else (float(MARGIN), y)
    chart = (x0 + 40, y0 + 20, CHART_W, CHART_H)
    legend_y = chart[1] + CHART_H + 24
    formula_x, formula_y = chart[0], legend_y + LINE_H * len(sizes) + 20
    if not beside and width >= chart[0] + CHART_W + 48 + FOOTER_W:  # a wide row: side by side
        formula_x, formula_y = chart[0] + CHART_W + 48, chart[1] + 4
        footer_h = max(20 + CHART_H + 24 + LINE_H * len(sizes), 24 + LINE_H * (n_lines + 1))
    width = max(width, chart[0] + FOOTER_W)
    bottom = max(y - GAP, y0 + footer_h) if beside else y0 + footer_h
    height = bottom + (28 if comp.style.caption else 12)
    return CompareLayout(width, height, top, panels, chart, legend_y, formula_x, formula_y)


def to_svg(comp: Comparison, sample: int = 0, *, uid: str = "fcnn-cmp", points: bool = True) -> str:
    """The comparison for ``sample`` as one SVG document. Panel i is ``<g data-model="i">``
    holding its label, then the picture of model i (its ids prefixed ``{uid}-{i}``);
    ``points=False`` leaves
    the planes' data points out (the widget sends them apart)."""
    sample = picture.check_sample(sample, comp.scenes[0])
    lay = layout(comp)
    style = comp.style
    out = [
        picture.svg_open(
            lay, style, uid, "fcnn-picture fcnn-compare", f' data-models="{len(comp.scenes)}"'
        )
    ]
    if style.background:
        out.append(
            f'<rect data-role="background" x="0" y="0" width="100%" height="100%" fill="{escape(style.background, quote=True)}"/>'
        )
    if style.title:
        out.append(
            f'<text data-role="title" x="{lay.width / 2:.2f}" y="{MARGIN + 16}" text-anchor="middle" font-size="18" font-weight="bold" fill="currentColor">{escape(style.title)}</text>'
        )
    for i, (shown, (x, y)) in enumerate(zip(comp.scenes, lay.panels)):
        out.append(
            f'<g data-model="{i}" data-uid="{uid}-{i}" transform="translate({x:.2f},{y:.2f})">'
        )
        out.append(  # above the picture: which network this is, in its colour
            f'<g data-role="panel-label"><rect x="0" y="{3 - LABEL_H}" width="12" height="12" fill="{model_color(i)}"/>'
            f'<text x="18" y="{13 - LABEL_H}" font-size="12" font-weight="bold" fill="currentColor">{escape(comp.labels[i])}</text></g>'
        )
        out += picture.body(shown, sample, uid=f"{uid}-{i}", points=points)
        out.append("</g>")
    out += _loss_chart(comp, lay)
    out += _formulas(comp, lay, sample)
    if style.caption:
        out.append(
            f'<text data-role="caption" x="{MARGIN}" y="{lay.height - 10:.2f}" font-size="11" font-style="italic" fill="currentColor">{escape(style.caption)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def model_color(i: int) -> str:
    """Network i's colour in the comparison (its label and its loss curve)."""
    return overlays.unit_color(i)


def _loss_chart(comp: Comparison, lay: CompareLayout) -> list[str]:
    x, y, w, h = lay.chart
    out = [
        '<g data-role="compare-loss">',
        f'<text x="{x:.2f}" y="{y - 8:.2f}" font-size="12" fill="currentColor">training loss (log scale), one curve per network</text>',
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="none" stroke="currentColor" stroke-opacity="0.5" stroke-width="1"/>',
    ]
    losses = [np.asarray(s.loss, np.float64) for s in comp.scenes]
    bounds = chart_lines.log_bounds(losses)
    for i, label in enumerate(comp.labels):
        ly = lay.legend_y + LINE_H * i
        last = f": final {losses[i][-1]:.3g}" if losses[i].size else ""
        out.append(
            f'<line x1="{x:.2f}" y1="{ly - 4:.2f}" x2="{x + 22:.2f}" y2="{ly - 4:.2f}" stroke="{model_color(i)}" stroke-width="2.5"/>'
            f'<text data-role="loss-label" data-model="{i}" x="{x + 28:.2f}" y="{ly:.2f}" font-size="11" fill="currentColor">{escape(label + last)}</text>'
        )
    if bounds is None:
        out.append(
            f'<text x="{x + w / 2:.2f}" y="{y + h / 2:.2f}" text-anchor="middle" font-size="11" fill="currentColor" fill-opacity="0.7">not trained yet</text>'
        )
        out.append("</g>")
        return out
    top, bottom = bounds
    n = max(len(s) for s in losses)
    for i, s in enumerate(losses):
        pts = chart_lines.curve_points(s, n, lay.chart, top, bottom)
        if not pts:
            continue
        out.append(
            f'<polyline data-role="loss-curve" data-model="{i}" points="{pts}" fill="none" stroke="{model_color(i)}" stroke-width="1.8"/>'
        )
    out.append(
        f'<text x="{x - 4:.2f}" y="{y + 10:.2f}" text-anchor="end" font-size="10" fill="currentColor">{10**top:.3g}</text>'
    )
    out.append(
        f'<text x="{x - 4:.2f}" y="{y + h:.2f}" text-anchor="end" font-size="10" fill="currentColor">{10**bottom:.3g}</text>'
    )
    out.append(
        f'<text x="{x + w:.2f}" y="{y + h + 13:.2f}" text-anchor="end" font-size="10" fill="currentColor">epoch {n}</text>'
    )
    out.append("</g>")
    return out


def _formulas(comp: Comparison, lay: CompareLayout, sample: int) -> list[str]:
    """Each network's local linear formula for the sample (the same text as its panel's
    :func:`overlays.formulas`, which the page rewrites the same way on a scrub)."""
    x, y = lay.formula_x, lay.formula_y
    out = [
        '<g data-role="compare-formulas">',
        f'<text x="{x:.2f}" y="{y:.2f}" font-size="12" fill="currentColor">the sample\'s local linear formula, per network</text>',
    ]
    line = 1
    for i, shown in enumerate(comp.scenes):
        kind = "its linear region" if shown.activation in overlays.RELU_FAMILY else "tangent"
        out.append(
            f'<text data-role="formula-network" data-model="{i}" x="{x:.2f}" y="{y + LINE_H * line + 4:.2f}" font-size="11" '
            f'font-weight="bold" fill="{model_color(i)}">{escape(short_label(shown))} ({kind})</text>'
        )
        line += 1
        if shown.local is None:
            continue
        for j in range(overlays.formula_lines(shown)):
            text = rules.formula_text(shown.local[sample, j], overlays.formula_lhs(shown, j))
            out.append(
                f'<text data-role="formula" data-model="{i}" data-output="{j}" x="{x + 12:.2f}" y="{y + LINE_H * line + 4:.2f}" '
                f'font-size="11" fill="currentColor">{escape(text)}</text>'
            )
            line += 1
    out.append("</g>")
    return out
