"""Where everything sits in the picture: a pure function of the layer widths and options.

Columns run left to right: x, then z⁽ᵏ⁾ and a⁽ᵏ⁾ of every layer k; the colour bars stand
right below the network; the input plane and the loss chart to its right (the wide layout)
or, when that is wider than the picture is shown, below it (the narrow layout). The layout
is made for the width the picture is shown at, so its text stays at least
:data:`MIN_FONT` px there.

>>> lay = network_layout([2, 4, 1], n_groups=4, has_plane=True, title=True)
>>> [round(lay.column_x[s]) for s in ("x0", "z1", "a1", "z2", "a2")]
[64, 214, 260, 410, 456]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .settings import PARTS  # what a picture can show (the plane: or the input panel)

EDGE_GAP = 150  # between a layer's activations and the next layer's pre-activations
MIN_EDGE_GAP = 72  # the narrowest a narrow layout squeezes it
WIDE_MIN_GAP = 110  # the narrowest the wide layout squeezes it before turning narrow
ZA_GAP = 46  # between a neuron's z and its a
LEFT = 64  # room for the input labels
RIGHT = 78  # room for the target beside the output
TOP = 64  # column titles and the sample caption
PLANE = 260  # side of the input plane
CHART_H = 110
BAR_W, BAR_H, BAR_GAP = 112, 10, 40
MAX_SPACING, MIN_SPACING = 52, 18
STRETCH_SPACING = 64  # a short network beside a tall side column spreads up to this
NET_H = 420  # the network's height for wide layers
MAX_COLUMN = 40  # wider layers are drawn as a grid of small neurons
MAX_BLOCK_W = 160  # the widest such grid
MAX_RADIUS = 17.0  # a neuron big enough for its value at MIN_FONT
MIN_FONT = 11  # every label, value and tick, in px at the picture's nominal width
CHAR_W = 0.62  # a character's advance, in font sizes (DejaVu Sans digits: 0.636)


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    top: float
    column_x: dict[str, float]  # slot -> x of its column (the centre of a block)
    nodes: dict[str, list[tuple[float, float]]]  # slot -> (x, y) of each neuron
    radii: dict[str, float]  # slot -> neuron radius
    blocks: dict[str, tuple[int, int]]  # slots drawn as a grid: (rows, columns)
    net_bottom: float
    bar_positions: list[tuple[float, float]]  # (x, y) of each colour bar
    plane: tuple[float, float, float, float] | None  # x, y, w, h
    formula_y: float  # baseline of the first local-formula line, under the plane
    chart: tuple[float, float, float, float]
    matrices: list[tuple[float, float, float]]  # (x, y, cell size) of each layer's W
    mode: str = "wide"  # "wide": the plane and chart beside the network; "narrow": below it
    parts: tuple[str, ...] = PARTS

    @property
    def radius(self) -> float:
        """The largest neuron radius (what the labels are sized for)."""
        return max(self.radii.values())

    def node(self, slot: str, index: int) -> tuple[float, float]:
        return self.nodes[slot][index]


def text_width(text: str, size: float = MIN_FONT) -> float:
    """About how wide ``text`` is at font ``size`` (for room beside labels, and tests)."""
    return len(text) * size * CHAR_W


def network_layout(
    widths: list[int],
    *,
    n_groups: int,
    has_plane: bool,
    title: bool,
    formula_lines: int = 0,
    matrices: bool = False,
    side_panel: bool | None = None,
    width: float | None = None,
    parts: tuple[str, ...] = PARTS,
    right_chars: int = 8,
    caption: bool = False,
) -> Layout:
    """Where everything sits, for a picture shown ``width`` px wide (None: its natural width).

    ``side_panel`` (default: ``has_plane``) reserves the plane's square; a wide input
    without a plane uses it to show the sample's input values. The wide arrangement (the
    plane and the loss chart beside the network) is kept when it fits ``width``; else the
    narrow one puts them below the network, side by side when there is room, and squeezes
    the gaps between layers to fit. ``parts`` says what is drawn (of :data:`PARTS`),
    ``right_chars`` how many characters stand beside an output neuron.

    >>> wide = network_layout([2, 5, 5, 1], n_groups=4, has_plane=True, title=False)
    >>> narrow = network_layout([2, 5, 5, 1], n_groups=4, has_plane=True, title=False, width=720)
    >>> wide.mode, narrow.mode, narrow.width, narrow.plane[1] > narrow.net_bottom
    ('wide', 'narrow', 720.0, True)
    """
    side_panel = has_plane if side_panel is None else side_panel
    show_net = "network" in parts
    show_side = side_panel and "plane" in parts
    show_chart = "chart" in parts
    top = TOP + (26 if title else 0)
    formula_h = (36 + 16 * formula_lines) if formula_lines and show_side else 0
    side_h = (PLANE + 40 if show_side else 0) + formula_h + (CHART_H + 40 if show_chart else 0)
    right = RIGHT if right_chars <= 8 else RIGHT + text_width("x" * (right_chars - 8))
    net = _network(widths, top, EDGE_GAP, right, side_h if show_side or show_chart else 0, n_groups)
    if not show_net:  # the plane and the chart side by side (or one of them)
        net = _Net({}, {}, {}, {}, 0.0, 0.0, top)
        both = 40 + 2 * PLANE + 56 + 16 if show_side and show_chart else 40 + PLANE + 24
        return _arrange(widths, net, top, n_groups, formula_h, show_side, show_chart, matrices,
                        parts, caption, "narrow", max(width or 0, both))  # fmt: skip
    wide_w = (net.right + 24 if show_net else LEFT) + (PLANE + 24 if show_side or show_chart else 0)
    if width is None or wide_w <= width or not (show_side or show_chart):
        return _arrange(widths, net, top, n_groups, formula_h, show_side, show_chart, matrices,
                        parts, caption, "wide", max(wide_w, net.right + 24))  # fmt: skip
    n_edges = len(widths) - 1
    squeezed = EDGE_GAP - (wide_w - width) / n_edges  # a little narrower: still side by side
    if squeezed >= WIDE_MIN_GAP:
        beside_h = side_h if show_side or show_chart else 0
        net = _network(widths, top, squeezed, right, beside_h, n_groups)
        return _arrange(widths, net, top, n_groups, formula_h, show_side, show_chart, matrices,
                        parts, caption, "wide", float(width))  # fmt: skip
    fixed = _network(widths, top, 0.0, right, 0, n_groups).right
    gap = max(MIN_EDGE_GAP, min(EDGE_GAP, (width - 24 - fixed) / n_edges))
    net = _network(widths, top, gap, right, 0, n_groups)
    return _arrange(widths, net, top, n_groups, formula_h, show_side, show_chart, matrices,
                    parts, caption, "narrow", max(float(width), net.right + 24))  # fmt: skip


@dataclass(frozen=True)
class _Net:
    column_x: dict[str, float]
    nodes: dict[str, list[tuple[float, float]]]
    radii: dict[str, float]
    blocks: dict[str, tuple[int, int]]
    right: float  # where the network's room ends (the output labels included)
    height: float  # the neurons' height
    top: float


def _network(widths, top, gap, right, beside_h, n_groups) -> _Net:
    """The neurons' columns with ``gap`` between layers; a network of single columns
    shorter than ``beside_h`` (what stands beside it) spreads out a little towards it."""
    columns = [w for w in widths if w <= MAX_COLUMN] or [MAX_COLUMN]
    spacing = max(MIN_SPACING, min(MAX_SPACING, NET_H / max(columns)))
    shapes = {k: _block_shape(w) for k, w in enumerate(widths)}
    stretch = spacing
    if beside_h and all(cols == 1 for _, cols in shapes.values()):
        bars_h = 26 + 24 + 52 * math.ceil(n_groups / 4)
        stretch = min(STRETCH_SPACING, max(spacing, (beside_h - bars_h) / max(columns)))
    tallest = max(
        (stretch * rows if cols == 1 else min(NET_H, rows * spacing))
        for rows, cols in shapes.values()
    )
    slots = ["x0"] + [f"{kind}{k}" for k in range(1, len(widths)) for kind in "za"]
    column_x, nodes, radii, blocks = {}, {}, {}, {}
    x = float(LEFT)
    for slot in slots:
        k = int(slot[1:])
        rows, cols = shapes[k]
        cell = stretch if cols == 1 else min(spacing, NET_H / rows, MAX_BLOCK_W / cols)
        base = spacing if cols == 1 else cell
        half = (cols - 1) * cell / 2
        x += (0 if slot == "x0" else ZA_GAP if slot[0] == "a" else gap) + half
        column_x[slot] = x
        first_y = top + (tallest - cell * rows) / 2 + cell / 2
        nodes[slot] = [
            (x - half + (i % cols) * cell, first_y + (i // cols) * cell) for i in range(widths[k])
        ]
        radii[slot] = min(MAX_RADIUS, base * 0.34) if cols == 1 else max(1.5, cell * 0.42)
        if cols > 1:
            blocks[slot] = (rows, cols)
        x += half
    return _Net(column_x, nodes, radii, blocks, x + right, tallest, top)


def _arrange(
    widths, net, top, n_groups, formula_h, show_side, show_chart, matrices, parts, caption,
    mode, width,
) -> Layout:  # fmt: skip
    """The network at the top left, the colour bars right under it; the plane, the formula
    and the chart beside it ("wide") or below ("narrow": side by side when they fit)."""
    show_net = "network" in parts
    net_bottom = top + net.height + 26 if show_net else top - 30
    boxes, below = (
        _matrix_boxes(widths, net_bottom + 30) if matrices and show_net else ([], net_bottom)
    )
    per_row = max(1, int((width - LEFT - 24 + BAR_GAP) // (BAR_W + BAR_GAP)))
    if mode == "wide" and (show_side or show_chart) and show_net:
        per_row = max(1, int((net.right - LEFT + BAR_GAP) // (BAR_W + BAR_GAP)))
    bar_positions = [
        (LEFT + (g % per_row) * (BAR_W + BAR_GAP), below + 24 + (g // per_row) * 52)
        for g in range(n_groups if show_net else 0)
    ]
    bars_bottom = bar_positions[-1][1] + 34 if bar_positions else below
    if mode == "wide":
        side_x, side_y = (net.right + 24 if show_net else LEFT), top
    else:
        side_x, side_y = 40.0, bars_bottom + 44
    plane = (side_x, side_y, PLANE, PLANE) if show_side else None
    formula_y = side_y + (PLANE + 48 if show_side else 0)
    chart_x, chart_y = side_x, side_y + (PLANE + 40 if show_side else 0) + formula_h
    beside = side_x + PLANE + 56
    if mode == "narrow" and show_side and beside + PLANE + 16 <= width:
        # the formula and the chart to the right of the plane
        formula_y = side_y + 4
        chart_x, chart_y = beside, side_y + formula_h + 22
    chart = (chart_x, chart_y, PLANE, CHART_H)
    side_bottom = max(
        side_y + PLANE + 30 if show_side else 0,
        formula_y + formula_h - 20 if formula_h else 0,
        chart_y + CHART_H + 30 if show_chart else 0,
    )
    height = max(bars_bottom, side_bottom) + 8 + (18 if caption else 0)
    return Layout(
        width,
        height,
        top,
        net.column_x,
        net.nodes,
        net.radii,
        net.blocks,
        net_bottom,
        bar_positions,
        plane,
        formula_y,
        chart,
        boxes,
        mode,
        tuple(parts),
    )


def _block_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of a layer: one column up to MAX_COLUMN units, else a near-square
    grid (an exact square for square inputs such as 8x8 or 28x28 images)."""
    if n <= MAX_COLUMN:
        return n, 1
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def _matrix_boxes(widths: list[int], y: float) -> tuple[list[tuple[float, float, float]], float]:
    """Each layer's weight matrix (rows: inputs, columns: outputs) side by side."""
    boxes, x, tallest = [], float(LEFT), 0.0
    for n_in, n_out in zip(widths, widths[1:]):
        cell = max(2.0, min(12.0, 110 / max(n_in, n_out)))
        boxes.append((x, y, cell))
        x += n_out * cell + 36
        tallest = max(tallest, n_in * cell)
    return boxes, y + tallest + 8
