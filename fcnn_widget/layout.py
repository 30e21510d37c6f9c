"""Where everything sits in the picture: a pure function of the layer widths and options.

Columns run left to right: x, then z⁽ᵏ⁾ and a⁽ᵏ⁾ of every layer k; the input plane and the
loss chart stand to the right of the network, the colour bars below it.

>>> lay = network_layout([2, 4, 1], n_groups=4, has_plane=True, title=True)
>>> [round(lay.column_x[s]) for s in ("x0", "z1", "a1", "z2", "a2")]
[64, 214, 260, 410, 456]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EDGE_GAP = 150  # between a layer's activations and the next layer's pre-activations
ZA_GAP = 46  # between a neuron's z and its a
LEFT = 64  # room for the input labels
RIGHT = 78  # room for the target beside the output
TOP = 64  # column titles and the sample caption
PLANE = 260  # side of the input plane
CHART_H = 110
BAR_W, BAR_H, BAR_GAP = 112, 10, 30
MAX_SPACING, MIN_SPACING = 52, 18
NET_H = 420  # the network's height for wide layers
MAX_COLUMN = 40  # wider layers are drawn as a grid of small neurons
MAX_BLOCK_W = 160  # the widest such grid


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

    @property
    def radius(self) -> float:
        """The largest neuron radius (what the labels are sized for)."""
        return max(self.radii.values())

    def node(self, slot: str, index: int) -> tuple[float, float]:
        return self.nodes[slot][index]


def network_layout(
    widths: list[int],
    *,
    n_groups: int,
    has_plane: bool,
    title: bool,
    formula_lines: int = 0,
    matrices: bool = False,
    side_panel: bool | None = None,
) -> Layout:
    """``side_panel`` (default: ``has_plane``) reserves the plane's square beside the
    network; a wide input without a plane uses it to show the sample's input values."""
    side_panel = has_plane if side_panel is None else side_panel
    top = TOP + (26 if title else 0)
    columns = [w for w in widths if w <= MAX_COLUMN] or [MAX_COLUMN]
    spacing = max(MIN_SPACING, min(MAX_SPACING, NET_H / max(columns)))
    formula_h = (36 + 16 * formula_lines) if formula_lines else 0
    side_h = (PLANE + 40 if side_panel else 0) + formula_h + CHART_H
    shapes = {k: _block_shape(w) for k, w in enumerate(widths)}
    tallest = max(
        (spacing * rows if cols == 1 else min(NET_H, rows * spacing))
        for rows, cols in shapes.values()
    )
    net_h = max(tallest, side_h if side_panel else CHART_H + 20)
    slots = ["x0"] + [f"{kind}{k}" for k in range(1, len(widths)) for kind in "za"]
    column_x, nodes, radii, blocks = {}, {}, {}, {}
    x = float(LEFT)
    for slot in slots:
        k = int(slot[1:])
        rows, cols = shapes[k]
        cell = spacing if cols == 1 else min(spacing, NET_H / rows, MAX_BLOCK_W / cols)
        half = (cols - 1) * cell / 2
        x += (0 if slot == "x0" else ZA_GAP if slot[0] == "a" else EDGE_GAP) + half
        column_x[slot] = x
        first_y = top + (net_h - cell * rows) / 2 + cell / 2
        nodes[slot] = [
            (x - half + (i % cols) * cell, first_y + (i // cols) * cell) for i in range(widths[k])
        ]
        radii[slot] = min(16.0, cell * 0.34) if cols == 1 else max(1.5, cell * 0.42)
        if cols > 1:
            blocks[slot] = (rows, cols)
        x += half
    net_right = x + RIGHT
    net_bottom = top + net_h + 26  # room for the activation names under the columns
    side_x = net_right + 24
    width = side_x + PLANE + 24
    boxes, below = _matrix_boxes(widths, net_bottom + 30) if matrices else ([], net_bottom)
    per_row = max(1, int((width - LEFT - 24 + BAR_GAP) // (BAR_W + BAR_GAP)))
    bar_positions = [
        (LEFT + (g % per_row) * (BAR_W + BAR_GAP), below + 24 + (g // per_row) * 52)
        for g in range(n_groups)
    ]
    bars_bottom = bar_positions[-1][1] + 34 if bar_positions else below
    plane = (side_x, top, PLANE, PLANE) if side_panel else None
    formula_y = top + (PLANE + 48 if side_panel else 0)
    chart_y = top + (PLANE + 40 if side_panel else 0) + formula_h
    chart = (side_x, chart_y, PLANE, CHART_H)
    height = max(bars_bottom, chart_y + CHART_H + 30) + 8
    return Layout(
        width,
        height,
        top,
        column_x,
        nodes,
        radii,
        blocks,
        net_bottom,
        bar_positions,
        plane,
        formula_y,
        chart,
        boxes,
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
