"""The drawing rules the page repeats, as pure functions of plain values (no view, no DOM).

The kernel draws the picture (:mod:`fcnn_widget.picture`, :mod:`fcnn_widget.overlays`) and the
page restyles it when the sample or the epoch changes (``js/network.js``, ``js/analysis.js``,
``js/plane.js``, ``js/data.js``). Every rule both sides apply lives here and in its mirror
``js/rules.js``, function for function; ``tests/golden/rules.json`` holds their answers on
the same inputs, checked by pytest (``tests/test_rules.py``) and by Node
(``js/rules.test.js``), so a change to one side fails fast without a browser.

>>> lut_index(0.5, 0.0, 1.0)
128
>>> edge_style(-0.5, -1.0, 1.0, ["#000000"] * 256)
('#000000', '2.30')
>>> target_text("binary", 1.0, 0), epoch_caption(3, 30)
('y = 1', 'epoch 3 of 30')
>>> formula_text([0.444, -0.0147, 0.0266], "ŷ")
'ŷ ≈ 0.444·x₁ − 0.015·x₂ + 0.027'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import fmt

ACCENT = "#d0006f"  # non-finite values (hatch, edges, matrix cells, images) and the epoch marker
ACCENT_RGB = (0xD0, 0x00, 0x6F)
DARK_INK, LIGHT_INK = "#111111", "#ffffff"  # text drawn on a palette colour
INK_LETTERS = {"d": DARK_INK, "l": LIGHT_INK}  # a palette's ink as the page's table spells it
LUT_SIZE = 256
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


# -- colours ---------------------------------------------------------------------------------------
def lut_index(value: float, lo: float, hi: float, size: int = LUT_SIZE) -> int:
    """The table entry of ``value`` in the range [lo, hi] (clipped; a flat range -> middle).

    >>> lut_index(-5, 0, 1), lut_index(5, 0, 1), lut_index(3, 3, 3)
    (0, 255, 128)
    """
    value, lo, hi = float(value), float(lo), float(hi)
    t = (value - lo) / (hi - lo) if hi > lo else 0.5
    return int(min(size - 1, max(0, math.floor(t * (size - 1) + 0.5))))


def nonfinite_fill(uid: str) -> str:
    """The fill of a NaN or ±Inf neuron or bias: the picture's hatch pattern of ``uid``."""
    return f"url(#{uid}-nonfinite)"


def fill_and_ink(
    value: float, lo: float, hi: float, colors: Sequence[str], ink: Sequence[str], uid: str
) -> tuple[str, str]:
    """A neuron's fill and its label's ink, from the palette table ``colors`` and its ``ink``.

    >>> fill_and_ink(float("nan"), 0, 1, ["#000000"], ["#ffffff"], "u")
    ('url(#u-nonfinite)', '#111111')
    """
    if not math.isfinite(value):
        return nonfinite_fill(uid), DARK_INK
    i = lut_index(value, lo, hi, len(colors))
    return colors[i], ink[i]


def edge_style(w: float, lo: float, hi: float, colors: Sequence[str]) -> tuple[str, str]:
    """An edge's stroke and width: the width grows with |w| up to the range's largest |w|;
    a non-finite weight is an accent-coloured line of width 2."""
    if not math.isfinite(w):
        return ACCENT, "2.00"
    biggest = max(abs(lo), abs(hi)) or 1.0
    stroke = colors[lut_index(w, lo, hi, len(colors))]
    return stroke, fmt.fixed(0.6 + 3.4 * min(1.0, abs(w) / biggest), 2)


def cell_fill(w: float, lo: float, hi: float, colors: Sequence[str]) -> str:
    """A weight-matrix cell's fill: the edge's colour (the accent for a non-finite weight)."""
    return edge_style(w, lo, hi, colors)[0]


# -- text -------------------------------------------------------------------------------------------
def subscript(n: int) -> str:
    """``n`` in subscript digits: ``subscript(12)`` is ``'₁₂'``."""
    return str(n).translate(_SUB)


def layer_mark(k: int) -> str:
    """Layer ``k`` as a superscript in parentheses: ``layer_mark(2)`` is ``'⁽²⁾'``."""
    return f"({k})".translate(_SUP)


def sample_caption(sample: int, n_samples: int) -> str:
    return f"sample {sample} of {n_samples}"


def epoch_caption(epoch: int, trained: int) -> str:
    """The epoch shown, out of the epochs trained."""
    return f"epoch {epoch} of {trained}"


def target_column(task: str, j: int) -> int:
    """Which target column stands beside output neuron j: its own for a regression, else
    the one label column."""
    return j if task == "regression" else 0


def target_text(task: str, y: float, j: int) -> str:
    """What stands beside output neuron j, whose target (see :func:`target_column`) is y."""
    if task == "multiclass":
        return "◀ y" if math.trunc(y) == j else ""
    if task == "binary":
        return f"y = {math.trunc(y)}"
    return f"y = {fmt.fixed(y, 2)}"


def predicted_class(outputs: Sequence[float]) -> int:
    """The class a classifier picks: its largest finite output (the first of equals); -1
    when no output is finite.

    >>> predicted_class([0.1, 0.7, 0.2]), predicted_class([float("nan")])
    (1, -1)
    """
    best = -1
    for j, v in enumerate(outputs):
        v = float(v)
        if math.isfinite(v) and (best < 0 or v > float(outputs[best])):
            best = j
    return best


def class_mark(y: float, j: int, predicted: int) -> tuple[str, str]:
    """The mark beside a classifier's output neuron j and its colour: "◀ y" for the true
    class (label y; NaN: unknown), "◀ ŷ" for the predicted one, in the accent colour when
    it is not the true one, "◀ y = ŷ" when they agree."""
    y = float(y)
    true = target_text("multiclass", y, j) if math.isfinite(y) else ""
    if predicted != j:
        return true, "currentColor"
    return (true + " = ŷ", "currentColor") if true else ("◀ ŷ", ACCENT)


def input_title(n_values: int, true_name: str, predicted_name: str) -> str:
    """The input panel's title: the true and the predicted class where known ("": unknown),
    ticked when they agree, crossed when not.

    >>> input_title(64, "7", "3"), input_title(64, "", "")
    ('input: true 7, predicted 3 ✗', 'input x of the sample (64 values)')
    """
    if not predicted_name:
        return f"input x of the sample ({n_values} values)"
    if not true_name:
        return f"input: predicted {predicted_name}"
    tick = "✓" if true_name == predicted_name else "✗"
    return f"input: true {true_name}, predicted {predicted_name} {tick}"


def formula_text(coefs: Sequence[float], lhs: str) -> str:
    """``lhs ≈ c₁·x₁ + … + c₀`` with 3 decimals (the intercept comes last in ``coefs``)."""
    parts = []
    for i, c in enumerate(coefs[:-1]):
        c = float(c)
        term = f"{fmt.fixed(abs(c), 3)}·x{subscript(i + 1)}"
        parts.append(f"{'−' if c < 0 else '+'} {term}" if parts else ("-" if c < 0 else "") + term)
    c0 = float(coefs[-1])
    parts.append(f"{'−' if c0 < 0 else '+'} {fmt.fixed(abs(c0), 3)}")
    return f"{lhs} ≈ {' '.join(parts)}"


def off_visibility(z: float) -> str:
    """The off mark (ring and badge) of a ReLU-family unit: shown when it is off (not z > 0)."""
    return "hidden" if z > 0 else "visible"


# -- positions --------------------------------------------------------------------------------------
def epoch_marker_x(epoch: int, trained: int, chart: Sequence[float]) -> float:
    """Where the loss chart (x, y, w, h) marks the shown epoch: loss[e - 1] belongs to epoch e."""
    x, _, w, _ = chart
    return x + max(0, epoch - 1) / max(1, trained - 1) * w


def ring_position(
    x: float, y: float, rect: Sequence[float], domain: Sequence[float]
) -> tuple[float, float]:
    """Pixel position of input (x, y) in the plane drawn at ``rect`` (px, py, pw, ph) over
    ``domain`` (x0, x1, y0, y1); y grows upwards."""
    px, py, pw, ph = rect
    x0, x1, y0, y1 = domain
    return px + (x - x0) / (x1 - x0) * pw, py + (1 - (y - y0) / (y1 - y0)) * ph


# -- buffers ----------------------------------------------------------------------------------------
def timeline_row(n_cols: int, n_params: int, n_groups: int) -> dict:
    """Where the parts of one epoch's row of the timeline buffer sit, in float32 items: the
    sample's layer values, the flat parameters (W then b per layer) and its colour ranges
    (lo, hi per group); ``stride`` is the row's length.

    >>> timeline_row(11, 17, 4)
    {'values': [0, 11], 'params': [11, 28], 'ranges': [28, 36], 'stride': 36}
    """
    head = n_cols + n_params
    stride = head + 2 * n_groups
    return {
        "values": [0, n_cols],
        "params": [n_cols, head],
        "ranges": [head, stride],
        "stride": stride,
    }
