"""The picture as SVG text, built from a :class:`~fcnn_widget.scene.Scene` for one sample.

The widget sends this picture to the page, which restyles only what a sample changes (neuron
fills and labels, the ring in the plane, the target, per-sample ranges) in ``js/network.js``
with the same rules; the exporters save it as it is. Colours are inline attributes, so the
file looks the same in any viewer; text colours use ``currentColor`` so the page can follow
JupyterLab's theme.

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.scene import build_scene
>>> svg = to_svg(build_scene(FCNN([4], dataset="prod")), sample=10)
>>> svg.count('data-kind="w"'), svg.count('data-kind="b"'), svg.count('data-kind="a"')
(12, 5, 5)
"""

from __future__ import annotations

import hashlib
import math
from html import escape

import numpy as np

from . import chart_lines, colors, fmt, overlays, population_chart, rules
from .layout import BAR_H, BAR_W, MIN_FONT, Layout, network_layout, text_width
from .network import OUTPUT_NAMES
from .rules import epoch_caption, epoch_marker_x, layer_mark, subscript
from .scene import Scene, class_names

THEMES = {
    "light": {"fg": "#222222", "bg": "#ffffff", "edge": "#888888"},
    "dark": {"fg": "#e6e6e6", "bg": "#111418", "edge": "#777777"},
}
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
MAX_PLANE_POINTS = 5000
MIN_LABEL_RADIUS = 15.0  # smaller neurons carry no printed value (hover shows it)
NONFINITE_STROKE = rules.ACCENT  # edges whose weight is NaN or ±Inf


def to_svg(
    scene: Scene,
    sample: int = 0,
    *,
    uid: str = "fcnn",
    points: bool = True,
    fit_width: float | None = None,
) -> str:
    """The whole picture for ``sample`` as one SVG document (a string). ``points=False``
    leaves the plane's data points out (the widget sends them once, apart). It is laid out
    for ``style.width`` (an export's width) or else ``fit_width`` (the width the page shows
    it at), so its text is at least :data:`~fcnn_widget.layout.MIN_FONT` px there."""
    sample = check_sample(sample, scene)
    style = scene.style
    lay = layout_of(scene, fit_width)
    out = [svg_open(lay, style, uid)]
    out += body(scene, sample, uid=uid, points=points, fit_width=fit_width)
    out.append("</svg>")
    return "\n".join(out)


def background_of(style) -> str | None:
    """The colour behind the picture: ``background``, else the theme's for a figure (print
    wants an opaque page), else none (transparent: the notebook's own shows through)."""
    if style.background:
        return style.background
    return THEMES[style.theme]["bg"] if style.preset == "figure" else None


def svg_open(lay: Layout, style, uid: str, classes: str = "fcnn-picture", extra: str = "") -> str:
    """The root ``<svg>`` tag of a picture laid out as ``lay``: sized by ``style.width`` or
    ``style.height`` (the other side follows the aspect ratio), else at 1 px per unit."""
    scale = (
        (style.width / lay.width)
        if style.width
        else (style.height / lay.height)
        if style.height
        else 1
    )
    width = style.width or round(lay.width * scale)
    height = style.height or round(lay.height * scale)
    opaque = ' data-background="1"' if background_of(style) else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{classes}" '
        f'viewBox="0 0 {fmt.fixed(lay.width, 2)} {fmt.fixed(lay.height, 2)}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="11" '
        f'color="{THEMES[style.theme]["fg"]}" data-uid="{uid}"{opaque}{extra}>'
    )


def body(
    scene: Scene,
    sample: int = 0,
    *,
    uid: str = "fcnn",
    points: bool = True,
    fit_width: float | None = None,
) -> list[str]:
    """The elements of :func:`to_svg`'s picture without its root ``<svg>``: what a
    comparison (:mod:`fcnn_widget.compare`) places as one of its panels."""
    sample = check_sample(sample, scene)
    style = scene.style
    lay = layout_of(scene, fit_width)
    out = [_defs(scene, uid)]
    if background_of(style):
        out.append(
            f'<rect data-role="background" x="0" y="0" width="100%" height="100%" fill="{_attr(background_of(style))}"/>'
        )
    out += _header(scene, lay, sample)
    if "network" in lay.parts:
        out += _edges(scene, lay, sample)
        out += _neurons(scene, lay, sample, uid)
        out += overlays.off_marks(scene, lay, sample)
        out += overlays.unit_tags(scene, lay)
        out += overlays.weight_matrices(scene, lay, sample)
        out += _bars(scene, lay, sample, uid)
    if lay.plane is not None:
        out += _plane(scene, lay, sample, points) if scene.grid is not None else []
        out += _input_panel(scene, lay, sample, uid) if scene.grid is None else []
        out += overlays.formulas(scene, lay, sample)
    if "chart" in lay.parts:
        out += _chart(scene, lay)
    out += population_chart.elements(scene, lay)  # none unless the scene shows a population
    return out


def layout_of(scene: Scene, fit_width: float | None = None) -> Layout:
    """Where everything of this scene's picture sits, laid out for the export's ``width``
    or else for ``fit_width`` (None: the natural, wide layout)."""
    lay = network_layout(
        scene.widths,
        n_groups=len(scene.group_names),
        has_plane=scene.grid is not None,
        side_panel=True,  # the plane, or for other input widths the sample's inputs
        title=bool(scene.style.title),
        formula_lines=overlays.formula_lines(scene),
        right_chars=_right_chars(scene),
        matrices=scene.style.show_matrices,
        width=scene.style.width or fit_width,
        parts=scene.style.parts,
        caption=bool(scene.style.caption),
    )
    return population_chart.extend(lay, scene)  # room for a population's chart, if shown


def _right_chars(scene: Scene) -> int:
    """Characters beside an output neuron: a class name and its mark, or the target."""
    names = class_names(scene)
    return 8 if names is None else max(map(len, names)) + 1 + len("◀ y = ŷ")


def predicted(scene: Scene, sample: int) -> int:
    """The class the network picks for ``sample`` (:func:`rules.predicted_class`)."""
    return rules.predicted_class(scene.slot_values(scene.slots[-1])[sample].tolist())


def true_class(scene: Scene, sample: int) -> float:
    """The sample's label (NaN without targets)."""
    return float("nan") if scene.targets is None else float(scene.targets[sample, 0])


def stable_uid(scene: Scene, sample: int) -> str:
    """An id prefix that follows the picture's content: two different pictures inlined in
    one page never share gradient or pattern ids, and one picture is always the same file."""
    digest = hashlib.sha1(scene.values[sample].tobytes())
    for W, b in scene.params:
        digest.update(W.tobytes() + b.tobytes())
    digest.update(repr(scene.style).encode())
    return "fcnn-" + digest.hexdigest()[:10]


def check_sample(sample, scene: Scene) -> int:
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)):
        raise ValueError(f"sample must be an integer index, got {sample!r}")
    if not 0 <= sample < scene.n_samples:
        raise ValueError(
            f"sample {sample} is out of range; valid samples are 0..{scene.n_samples - 1}"
        )
    return int(sample)


def slot_title(slot: str, n_layers: int) -> str:
    kind, k = slot[0], int(slot[1:])
    if kind == "x":
        return "x"
    if kind == "a" and k == n_layers:
        return "ŷ"
    return kind + layer_mark(k)


def ring_position(scene: Scene, lay: Layout, sample: int) -> tuple[float, float]:
    """Pixel position of a sample in the input plane (:func:`rules.ring_position`)."""
    xs, ys = scene.grid.xs, scene.grid.ys
    domain = float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])
    x, y = float(scene.X[sample, 0]), float(scene.X[sample, 1])
    return rules.ring_position(x, y, lay.plane, domain)


def target_text(scene: Scene, sample: int, j: int) -> str:
    """What stands beside output neuron j (:func:`rules.target_text`); none without targets."""
    if scene.targets is None:
        return ""
    y = float(scene.targets[sample, rules.target_column(scene.task, j)])
    return rules.target_text(scene.task, y, j)


# -- pieces ----------------------------------------------------------------------------------
def _defs(scene: Scene, uid: str) -> str:
    pal = scene.style.palette.colors
    entries = [round(i / 32 * (len(pal) - 1)) for i in range(33)]
    stops = "".join(
        f'<stop offset="{fmt.fixed(i / 32, 4)}" stop-color="{pal[e]}" data-lut="{e}"/>'
        for i, e in enumerate(entries)
    )
    return (
        f'<defs><linearGradient id="{uid}-grad" x1="0" x2="1" y1="0" y2="0">{stops}</linearGradient>'
        f'<pattern id="{uid}-nonfinite" patternUnits="userSpaceOnUse" width="6" height="6">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<path d="M0,6 L6,0 M-1,1 L1,-1 M5,7 L7,5" stroke="{rules.ACCENT}" stroke-width="1.6"/></pattern></defs>'
    )


def _header(scene: Scene, lay: Layout, sample: int) -> list[str]:
    out = []
    style = scene.style
    y = 22
    if style.title:
        out.append(
            f'<text data-role="title" x="{lay.width / 2:.2f}" y="{y}" text-anchor="middle" font-size="16" font-weight="bold" fill="currentColor">{escape(style.title)}</text>'
        )
        y += 26
    units = f"{'-'.join(map(str, scene.widths))} {scene.activation}"
    # Each caption where the previous one ends at its longest (captions change on scrubbing).
    at_sample = max(150, 16 + text_width(units, 12) + 24)
    longest = rules.sample_caption(scene.n_samples - 1, scene.n_samples)
    at_epoch = max(330, at_sample + text_width(longest, 12.5) + 24)
    out.append(
        f'<text data-role="model" x="16" y="{y}" font-size="12" fill="currentColor">{escape(units)}</text>'
    )
    out.append(
        f'<text data-role="sample" x="{at_sample:.2f}" y="{y}" font-size="12" font-weight="bold" fill="currentColor">{sample_caption(scene, sample)}</text>'
    )
    out.append(
        f'<text data-role="epoch" x="{at_epoch:.2f}" y="{y}" font-size="12" fill="currentColor">{epoch_caption(scene.epoch, len(scene.loss))}</text>'
    )
    n_layers = len(scene.widths) - 1
    if "network" not in lay.parts:
        n_layers = 0  # no column titles nor activation names
    for slot, x in lay.column_x.items():
        out.append(
            f'<text data-role="column-title" x="{x:.2f}" y="{lay.top - 14:.2f}" text-anchor="middle" font-size="13" fill="currentColor">{slot_title(slot, n_layers)}</text>'
        )
    for k in range(1, n_layers + 1):
        name = scene.activation if k < n_layers else OUTPUT_NAMES[scene.task]
        mid = (lay.column_x[f"z{k}"] + lay.column_x[f"a{k}"]) / 2
        below = max(y for _, y in lay.nodes[f"z{k}"]) + lay.radii[f"z{k}"] + 16
        out.append(
            f'<text data-role="activation" x="{mid:.2f}" y="{below:.2f}" text-anchor="middle" font-size="11" fill="currentColor" fill-opacity="0.7">{escape(name)}</text>'
        )
    if style.caption:
        out.append(
            f'<text data-role="caption" x="16" y="{lay.height - 8:.2f}" font-size="11" font-style="italic" fill="currentColor">{escape(style.caption)}</text>'
        )
    return out


def sample_caption(scene: Scene, sample: int) -> str:
    return rules.sample_caption(sample, scene.n_samples)


def shown_edges(scene: Scene) -> list[np.ndarray]:
    """Which weights are drawn, per layer, as (m, 2) index pairs (from, to): all of them up
    to ``max_edges``; past it the strongest |w| into each neuron, within the budget split
    over the layers by their size (the hover and the matrices still give every weight)."""
    total = sum(W.size for W, _ in scene.params)
    budget = scene.style.max_edges
    out = []
    for W, _ in scene.params:
        if total <= budget:
            i, j = np.meshgrid(np.arange(W.shape[0]), np.arange(W.shape[1]), indexing="ij")
            out.append(np.stack([i.ravel(), j.ravel()], axis=1))
            continue
        per_neuron = max(1, int(budget * W.size / total) // W.shape[1])
        strength = np.nan_to_num(np.abs(W), nan=np.inf, posinf=np.inf)
        top = np.argsort(-strength, axis=0, kind="stable")[:per_neuron]  # (k, out)
        pairs = np.stack([top.ravel(), np.tile(np.arange(W.shape[1]), top.shape[0])], axis=1)
        out.append(pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))])
    return out


def _edges(scene: Scene, lay: Layout, sample: int) -> list[str]:
    out = ['<g data-role="edges" stroke-linecap="round">']
    shown = shown_edges(scene)
    for k, ((W, _), pairs) in enumerate(zip(scene.params, shown), start=1):
        lo, hi = scene.range_of(f"w{k}", sample)
        source, target = f"a{k - 1}" if k > 1 else "x0", f"z{k}"
        r_from, r_to = lay.radii[source], lay.radii[target]
        for i, j in pairs.tolist():
            w = float(W[i, j])
            stroke, wide = edge_style(w, lo, hi, scene.style.palette)
            (x1, y1), (x2, y2) = lay.node(source, i), lay.node(target, j)
            out.append(
                f'<line data-kind="w" data-layer="{k}" data-from="{i}" data-to="{j}" data-value="{fmt.exact(w)}" '
                f'x1="{x1 + r_from:.2f}" y1="{y1:.2f}" x2="{x2 - r_to:.2f}" y2="{y2:.2f}" stroke="{stroke}" stroke-width="{wide}"/>'
            )
    out.append("</g>")
    drawn, total = sum(len(p) for p in shown), sum(W.size for W, _ in scene.params)
    if drawn < total:
        out.append(
            f'<text data-role="edge-note" x="16" y="{lay.net_bottom + 4:.2f}" font-size="11" fill="currentColor" '
            f'fill-opacity="0.75">showing {drawn:,} of {total:,} weights: the strongest into each neuron</text>'
        )
    return out


def edge_style(w: float, lo: float, hi: float, palette: colors.Palette) -> tuple[str, str]:
    """An edge's stroke and width (:func:`rules.edge_style` with the palette's table)."""
    return rules.edge_style(w, lo, hi, palette.colors)


def _neurons(scene: Scene, lay: Layout, sample: int, uid: str) -> list[str]:
    out = ['<g data-role="neurons">']
    n_layers = len(scene.widths) - 1
    # z -> a connectors first, so circles cover their ends (not for layers drawn as grids).
    for k in range(1, n_layers + 1):
        if f"z{k}" in lay.blocks:
            continue
        for (zx, zy), (ax, ay) in zip(lay.nodes[f"z{k}"], lay.nodes[f"a{k}"]):
            out.append(
                f'<line data-role="connector" x1="{zx:.2f}" y1="{zy:.2f}" x2="{ax:.2f}" y2="{ay:.2f}" stroke="currentColor" stroke-opacity="0.45" stroke-width="1.5"/>'
            )
    response = scene.style.view == "response" and scene.response is not None
    for slot in scene.slots:
        kind, k = slot[0], int(slot[1:])
        values = scene.slot_values(slot)[sample]
        r = lay.radii[slot]
        thin = 1 if slot not in lay.blocks else 0.4
        if response:
            out += overlays.response_images(scene, lay, slot, sample)
        for i, v in enumerate(values):
            cx, cy = lay.node(slot, i)
            fill, ink = _fill_and_ink(scene, slot, sample, float(v), uid)
            if not response:
                out.append(
                    f'<circle data-kind="{kind}" data-layer="{k}" data-index="{i}" data-value="{fmt.exact(v)}" '
                    f'cx="{cx:.2f}" cy="{cy:.2f}" r="{r:.2f}" fill="{fill}" stroke="currentColor" stroke-width="{thin}"/>'
                )
            if scene.style.show_values and r >= MIN_LABEL_RADIUS and not response:
                out.append(
                    f'<text data-label="{kind}-{k}-{i}" x="{cx:.2f}" y="{cy + 4:.2f}" text-anchor="middle" pointer-events="none" '
                    f'font-size="{MIN_FONT}" fill="{ink}">{fmt.fixed(v, 2)}</text>'
                )
            if kind == "x" and slot not in lay.blocks:
                name = "x" + subscript(i + 1)
                out.append(
                    f'<text data-role="input-name" x="{cx - r - 6:.2f}" y="{cy + 4:.2f}" text-anchor="end" font-size="12" fill="currentColor">{name}</text>'
                )
            if kind == "a" and k == n_layers:
                out += _output_labels(scene, cx + r + 6, cy, sample, i)
        if kind == "z":
            out += _biases(scene, lay, k, sample, uid)
    out.append("</g>")
    return out


def _output_labels(scene: Scene, x: float, cy: float, sample: int, j: int) -> list[str]:
    """Beside output neuron j: its target, or for a classifier its class name and the
    mark of the true and the predicted class (:func:`rules.class_mark`)."""
    names = class_names(scene)
    if names is None:
        return [
            f'<text data-target="{j}" x="{x:.2f}" y="{cy + 4:.2f}" font-size="11" fill="currentColor">{target_text(scene, sample, j)}</text>'
        ]
    mark, fill = rules.class_mark(true_class(scene, sample), j, predicted(scene, sample))
    at = x + text_width(max(names, key=len)) + 6
    return [
        f'<text data-role="class-name" data-index="{j}" x="{x:.2f}" y="{cy + 4:.2f}" font-size="11" fill="currentColor">{escape(names[j])}</text>',
        f'<text data-target="{j}" data-mark="class" x="{at:.2f}" y="{cy + 4:.2f}" font-size="11" font-weight="bold" fill="{fill}">{mark}</text>',
    ]


def _biases(scene: Scene, lay: Layout, k: int, sample: int, uid: str) -> list[str]:
    out = []
    lo, hi = scene.range_of(f"b{k}", sample)
    r = lay.radii[f"z{k}"]
    side = max(6.0, r * 0.6) if f"z{k}" not in lay.blocks else max(1.5, r * 0.6)
    pal = scene.style.palette
    for i, bias in enumerate(scene.params[k - 1][1]):
        cx, cy = lay.node(f"z{k}", i)
        fill = rules.fill_and_ink(float(bias), lo, hi, pal.colors, pal.ink, uid)[0]
        x = cx - r * 0.7 - side
        y = cy - r * 0.7 - side
        out.append(
            f'<rect data-kind="b" data-layer="{k}" data-index="{i}" data-value="{fmt.exact(bias)}" '
            f'x="{x:.2f}" y="{y:.2f}" width="{side:.2f}" height="{side:.2f}" fill="{fill}" stroke="currentColor" stroke-width="0.8"/>'
        )
    return out


def _fill_and_ink(scene: Scene, slot: str, sample: int, v: float, uid: str) -> tuple[str, str]:
    lo, hi = scene.range_of(slot, sample)
    palette = scene.style.palette
    return rules.fill_and_ink(v, lo, hi, palette.colors, palette.ink, uid)


def group_label(name: str, n_layers: int) -> str:
    """A colour group's caption: 'all', 'a', 'z', 'w', 'b', or a slot such as 'z⁽¹⁾'."""
    if name in ("all", "a", "z", "w", "b"):
        return {
            "all": "all values",
            "a": "activations a (and x)",
            "z": "pre-activations z",
            "w": "weights w",
            "b": "biases b",
        }[name]
    return slot_title(name, n_layers) if name[0] in "xza" else name[0] + layer_mark(int(name[1:]))


def _bars(scene: Scene, lay: Layout, sample: int, uid: str) -> list[str]:
    out = ['<g data-role="colorbars">']
    n_layers = len(scene.widths) - 1
    row = scene.ranges[sample if scene.ranges.shape[0] > 1 else 0]
    for g, ((x, y), name) in enumerate(zip(lay.bar_positions, scene.group_names)):
        lo, hi = float(row[g, 0]), float(row[g, 1])
        out.append(
            f'<text data-role="bar-title" x="{x:.2f}" y="{y - 4:.2f}" font-size="11" fill="currentColor">{escape(group_label(name, n_layers))}</text>'
        )
        out.append(
            f'<rect data-bar="{g}" x="{x:.2f}" y="{y:.2f}" width="{BAR_W}" height="{BAR_H}" fill="url(#{uid}-grad)" stroke="currentColor" stroke-width="0.5"/>'
        )
        out.append(
            f'<text data-range="{g}" data-end="lo" x="{x:.2f}" y="{y + BAR_H + 11:.2f}" font-size="11" fill="currentColor">{fmt.fixed(lo, 2)}</text>'
        )
        out.append(
            f'<text data-range="{g}" data-end="hi" x="{x + BAR_W:.2f}" y="{y + BAR_H + 11:.2f}" text-anchor="end" font-size="11" fill="currentColor">{fmt.fixed(hi, 2)}</text>'
        )
    out.append("</g>")
    return out


def _plane(scene: Scene, lay: Layout, sample: int, points: bool) -> list[str]:
    px, py, pw, ph = lay.plane
    grid = scene.grid
    out = [
        f'<g data-role="plane" data-x0="{fmt.exact(grid.xs[0])}" data-x1="{fmt.exact(grid.xs[-1])}" data-y0="{fmt.exact(grid.ys[0])}" data-y1="{fmt.exact(grid.ys[-1])}">'
    ]
    out.append(
        f'<text x="{px:.2f}" y="{py - 14:.2f}" font-size="12" fill="currentColor">prediction over the input plane</text>'
    )
    out.append(
        f'<image data-role="estimate" x="{px:.2f}" y="{py:.2f}" width="{pw:.2f}" height="{ph:.2f}" preserveAspectRatio="none" '
        f'href="{_estimate_png(scene)}"/>'
    )
    out.append(
        f'<rect x="{px:.2f}" y="{py:.2f}" width="{pw:.2f}" height="{ph:.2f}" fill="none" stroke="currentColor" stroke-width="1"/>'
    )
    out += overlays.region_map(scene, lay, sample)
    x0, x1, y0, y1 = (float(v) for v in (grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]))
    out.append(
        f'<g data-role="points" stroke="#000000" stroke-opacity="0.55" stroke-width="0.4">{_points(scene, lay) if points else ""}</g>'
    )
    out += overlays.unit_lines(scene, lay)
    rx, ry = ring_position(scene, lay, sample)
    out.append(
        f'<circle data-role="ring" cx="{fmt.fixed(rx, 2)}" cy="{fmt.fixed(ry, 2)}" r="7" fill="none" stroke="#ffffff" stroke-width="4"/>'
    )
    out.append(
        f'<circle data-role="ring-inner" cx="{fmt.fixed(rx, 2)}" cy="{fmt.fixed(ry, 2)}" r="7" fill="none" stroke="#000000" stroke-width="2"/>'
    )
    for value, pos in ((x0, px), (x1, px + pw)):
        out.append(
            f'<text x="{pos:.2f}" y="{py + ph + 13:.2f}" text-anchor="middle" font-size="11" fill="currentColor">{fmt.fixed(value, 0)}</text>'
        )
    for value, pos in ((y0, py + ph), (y1, py)):
        out.append(
            f'<text x="{px - 9:.2f}" y="{pos + 4:.2f}" text-anchor="end" font-size="11" fill="currentColor">{fmt.fixed(value, 0)}</text>'
        )
    out.append(
        f'<text x="{px + pw / 2:.2f}" y="{py + ph + 14:.2f}" text-anchor="middle" font-size="11" fill="currentColor">x₁</text>'
    )
    out.append(
        f'<text x="{px - 9:.2f}" y="{py + ph / 2:.2f}" text-anchor="end" font-size="11" fill="currentColor">x₂</text>'
    )
    out.append("</g>")
    return out


def input_range(scene: Scene) -> tuple[float, float]:
    """The inputs' own range over every shown sample: the panel's colour scale (the page
    gets it in its meta)."""
    return scene.x_range


def _input_panel(scene: Scene, lay: Layout, sample: int, uid: str) -> list[str]:
    """The sample's input values as a grid of cells (an image for square inputs such as
    8x8 digits), where 2-D inputs have their plane."""
    px, py, pw, ph = lay.plane
    n = scene.widths[0]
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    cell = min(pw / cols, ph / rows)
    out = [
        f'<g data-role="input-panel" shape-rendering="crispEdges"><text data-role="panel-title" x="{px:.2f}" '
        f'y="{py - 14:.2f}" font-size="12" font-weight="bold" fill="currentColor">{escape(panel_title(scene, sample))}</text>'
    ]
    lo, hi = input_range(scene)
    pal = scene.style.palette
    for i, v in enumerate(scene.slot_values("x0")[sample]):
        fill = rules.fill_and_ink(float(v), lo, hi, pal.colors, pal.ink, uid)[0]
        out.append(
            f'<rect data-role="input-pixel" data-index="{i}" x="{px + (i % cols) * cell:.2f}" '
            f'y="{py + (i // cols) * cell:.2f}" width="{cell:.2f}" height="{cell:.2f}" fill="{fill}"/>'
        )
    out.append(
        f'<rect x="{px:.2f}" y="{py:.2f}" width="{cols * cell:.2f}" height="{rows * cell:.2f}" '
        'fill="none" stroke="currentColor" stroke-width="1"/></g>'
    )
    return out


def panel_title(scene: Scene, sample: int) -> str:
    """The input panel's title (:func:`rules.input_title`): a classifier's true and
    predicted class of the sample."""
    names = class_names(scene)
    if names is None:
        return rules.input_title(scene.widths[0], "", "")
    y, p = true_class(scene, sample), predicted(scene, sample)
    known = math.isfinite(y) and 0 <= int(y) < len(names)
    return rules.input_title(
        scene.widths[0], names[int(y)] if known else "", names[p] if p >= 0 else ""
    )


_POINTS: dict[str, str] = {}  # digest of (inputs, targets, palette, plane) -> markup
POINTS_KEPT = 8


def points_markup(scene: Scene, fit_width: float | None = None) -> str:
    """The data points of the plane coloured by their targets (inside its points group)."""
    return _points(scene, layout_of(scene, fit_width))


def _points(scene: Scene, lay: Layout) -> str:
    """Kept per inputs, targets, palette and plane (by their content: every epoch's scene
    has arrays of its own), as every picture of them shares it (a saved page's variants,
    the frames of an animation); the last :data:`POINTS_KEPT` are kept."""
    grid = scene.grid
    if grid is None or lay.plane is None:
        return ""
    n = min(scene.n_samples, MAX_PLANE_POINTS)
    digest = hashlib.sha1(np.ascontiguousarray(scene.X[:n, :2], np.float64).tobytes())
    if scene.targets is not None:
        digest.update(np.ascontiguousarray(scene.targets[:n, :1], np.float64).tobytes())
    digest.update(repr((tuple(scene.style.palette.colors), scene.plane_range, lay.plane, n,
                        scene.targets is None, [float(v) for v in (grid.xs[0], grid.xs[-1],
                        grid.ys[0], grid.ys[-1])])).encode())  # fmt: skip
    key = digest.hexdigest()
    if key not in _POINTS:
        while len(_POINTS) >= POINTS_KEPT:
            _POINTS.pop(next(iter(_POINTS)))
        _POINTS[key] = _points_markup(scene, lay.plane)
    return _POINTS[key]


def _points_markup(scene: Scene, plane: tuple[float, float, float, float]) -> str:
    grid = scene.grid
    px, py, pw, ph = plane
    lo, hi = scene.plane_range
    x0, x1, y0, y1 = (float(v) for v in (grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]))
    out = []
    for i in range(min(scene.n_samples, MAX_PLANE_POINTS)):
        x, y = float(scene.X[i, 0]), float(scene.X[i, 1])
        t = float(scene.targets[i, 0]) if scene.targets is not None else np.nan
        fill = colors.color_of(t, lo, hi, scene.style.palette, "#999999")
        cx = px + (x - x0) / (x1 - x0) * pw
        cy = py + (1 - (y - y0) / (y1 - y0)) * ph
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2.2" fill="{fill}"/>')
    return "".join(out)


def _estimate_png(scene: Scene) -> str:
    """The model's estimate over the grid, coloured like the targets, as a PNG data URI
    (slightly transparent, so the target-coloured points stand out on it)."""
    values = scene.grid.values
    if scene.task == "multiclass":
        scalar = np.argmax(values, axis=-1).astype(np.float64)
    else:
        scalar = values[..., 0].astype(np.float64)
    lo, hi = scene.plane_range
    # Row 0 of the grid is the lowest y: flip so the image's top row is the top of the plane.
    return overlays.png_uri(overlays.lut_rgba(scalar[::-1], lo, hi, scene.style.palette, alpha=200))


def _chart(scene: Scene, lay: Layout) -> list[str]:
    x, y, w, h = lay.chart
    out = ['<g data-role="loss-chart">']
    loss = np.asarray(scene.loss, np.float64)
    title = "training loss (log scale)"
    out.append(
        f'<text x="{x:.2f}" y="{y - 6:.2f}" font-size="12" fill="currentColor">{title}</text>'
    )
    out.append(
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="none" stroke="currentColor" stroke-opacity="0.5" stroke-width="1"/>'
    )
    series = [("train", loss, "")]
    if scene.test_loss is not None and len(scene.test_loss):
        series.append(("test", np.asarray(scene.test_loss, np.float64), ' stroke-dasharray="4 3"'))
    bounds = chart_lines.log_bounds([s for _, s, _ in series])
    if loss.size == 0 or bounds is None:
        out.append(
            f'<text x="{x + w / 2:.2f}" y="{y + h / 2:.2f}" text-anchor="middle" font-size="11" fill="currentColor" fill-opacity="0.7">not trained yet</text>'
        )
        out.append("</g>")
        return out
    top, bottom = bounds
    n = len(loss)
    for name, s, dash in series:
        pts = chart_lines.curve_points(s, n, lay.chart, top, bottom)
        out.append(
            f'<polyline data-series="{name}" points="{pts}" fill="none" stroke="currentColor" stroke-width="1.5"{dash}/>'
        )
    out.append(
        f'<text x="{x + 4:.2f}" y="{y + 12:.2f}" font-size="11" fill="currentColor">{10**top:.3g}</text>'
    )
    out.append(
        f'<text x="{x + 4:.2f}" y="{y + h - 4:.2f}" font-size="11" fill="currentColor">{10**bottom:.3g}</text>'
    )
    mx = epoch_marker_x(scene.epoch, n, lay.chart)
    out.append(
        f'<line data-role="epoch-marker" x1="{fmt.fixed(mx, 2)}" y1="{y:.2f}" x2="{fmt.fixed(mx, 2)}" y2="{y + h:.2f}" stroke="{rules.ACCENT}" stroke-width="1.5"/>'
    )
    last = f"epoch {n}: {loss[-1]:.3g}" + (" (dashed: test)" if len(series) > 1 else "")
    out.append(
        f'<text x="{x + w:.2f}" y="{y + h + 13:.2f}" text-anchor="end" font-size="11" fill="currentColor">{last}</text>'
    )
    out.append("</g>")
    return out


def _attr(value: str) -> str:
    return escape(str(value), quote=True)
