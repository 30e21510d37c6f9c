"""Where everything sits in the picture: a pure function of the layer widths and options.

Columns run left to right: x, then z⁽ᵏ⁾ and a⁽ᵏ⁾ of every layer k; the input plane and the
loss chart stand to the right of the network, the colour bars below it.

>>> lay = network_layout([2, 4, 1], n_groups=4, has_plane=True, title=True)
>>> [round(lay.column_x[s]) for s in ("x0", "z1", "a1", "z2", "a2")]
[64, 214, 260, 410, 456]
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    top: float
    column_x: dict[str, float]  # slot -> x of its column
    node_y: dict[str, list[float]]  # slot -> y of each neuron
    radius: float
    net_bottom: float
    bar_positions: list[tuple[float, float]]  # (x, y) of each colour bar
    plane: tuple[float, float, float, float] | None  # x, y, w, h
    formula_y: float  # baseline of the first local-formula line, under the plane
    chart: tuple[float, float, float, float]
    matrices: list[tuple[float, float, float]]  # (x, y, cell size) of each layer's W

    def node(self, slot: str, index: int) -> tuple[float, float]:
        return self.column_x[slot], self.node_y[slot][index]


def network_layout(
    widths: list[int],
    *,
    n_groups: int,
    has_plane: bool,
    title: bool,
    formula_lines: int = 0,
    matrices: bool = False,
) -> Layout:
    top = TOP + (26 if title else 0)
    tallest = max(widths)
    spacing = max(MIN_SPACING, min(MAX_SPACING, 420 / tallest))
    radius = min(16.0, spacing * 0.34)
    formula_h = (30 + 16 * formula_lines) if formula_lines else 0
    side_h = (PLANE + 40 + formula_h if has_plane else formula_h) + CHART_H
    net_h = max(spacing * tallest, side_h if has_plane else CHART_H + 20)
    column_x = {"x0": float(LEFT)}
    x = float(LEFT)
    for k in range(1, len(widths)):
        x += EDGE_GAP
        column_x[f"z{k}"] = x
        x += ZA_GAP
        column_x[f"a{k}"] = x
    net_right = x + RIGHT
    node_y = {}
    for slot in column_x:
        n = widths[int(slot[1:])]
        first = top + (net_h - spacing * n) / 2 + spacing / 2
        node_y[slot] = [first + i * spacing for i in range(n)]
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
    plane = (side_x, top, PLANE, PLANE) if has_plane else None
    formula_y = top + (PLANE + 48 if has_plane else 0)
    chart_y = top + (PLANE + 40 if has_plane else 0) + formula_h
    chart = (side_x, chart_y, PLANE, CHART_H)
    height = max(bars_bottom, chart_y + CHART_H + 30) + 8
    return Layout(
        width,
        height,
        top,
        column_x,
        node_y,
        radius,
        net_bottom,
        bar_positions,
        plane,
        formula_y,
        chart,
        boxes,
    )


def _matrix_boxes(widths: list[int], y: float) -> tuple[list[tuple[float, float, float]], float]:
    """Each layer's weight matrix (rows: inputs, columns: outputs) side by side."""
    boxes, x, tallest = [], float(LEFT), 0.0
    for n_in, n_out in zip(widths, widths[1:]):
        cell = max(2.0, min(12.0, 110 / max(n_in, n_out)))
        boxes.append((x, y, cell))
        x += n_out * cell + 36
        tallest = max(tallest, n_in * cell)
    return boxes, y + tallest + 8
