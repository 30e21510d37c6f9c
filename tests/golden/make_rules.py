"""Write tests/golden/rules.json: the answers of fcnn_widget.rules and fcnn_widget.fmt on a
fixed set of inputs, which js/rules.test.js and js/format.test.js check the page's mirrors
against (tests/test_rules.py checks that Python still gives them).

Run it after changing a rule on purpose, then commit the JSON:

    PYTHONPATH=. python tests/golden/make_rules.py

Numbers JSON cannot hold (NaN, ±Infinity) are written as {"float": "NaN"} and so on; the
palette tables, long and shared by many cases, once under "tables" and as {"table": name}.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from fcnn_widget import fmt, rules

HERE = Path(__file__).with_name("rules.json")
NAN, INF = float("nan"), float("inf")
F32 = [float(np.float32(v)) for v in (0.1, -0.3, 1 / 3, 2.675, 1e-8, 123456.789)]
PALETTE = [f"#{i:02x}{255 - i:02x}{(7 * i) % 256:02x}" for i in range(256)]
INK = [rules.DARK_INK if i % 3 else rules.LIGHT_INK for i in range(256)]
SMALL = ["#000000", "#111111", "#222222", "#333333", "#444444"]
CHART = [612.5, 410.25, 260.0, 90.0]
PLANE = [[540.0, 80.0, 240.0, 240.0], [-6.0, 6.0, -6.0, 6.0]]


def cases() -> dict[str, list[list]]:
    """Arguments per rule (in Python's order); the JS mirror takes the same ones."""
    ranges = [(0.0, 1.0), (-1.0, 1.0), (-2.5, 0.75), (3.0, 3.0), (1.0, 0.0), (-1e-30, 1e-30)]
    values = [-5.0, -1.0, -0.5, 0.0, -0.0, 0.25, 0.5, 0.501, 0.998, 1.0, 7.5, *F32]
    lut = [[v, lo, hi] for lo, hi in ranges for v in values]
    lut += [[v, 0.0, 1.0, size] for v in (0.0, 0.2, 0.5, 0.9, 1.0) for size in (1, 2, 5, 256)]
    lut += [[i / 255 - 0.5 / 255, 0.0, 1.0] for i in range(0, 256, 17)]  # halfway between entries
    fills = [[v, lo, hi, PALETTE, INK, "fcnn-3f"] for lo, hi in ranges[:3] for v in values]
    fills += [[v, 0.0, 1.0, PALETTE, INK, "u"] for v in (NAN, INF, -INF)]
    edges = [[w, lo, hi, PALETTE] for lo, hi in ranges for w in (*values, NAN, INF, -INF)]
    edges += [[w, -2.0, 2.0, SMALL] for w in (-3.0, -1.0, 0.0, 1.0, 2.0)]
    coefs = [
        [0.444, -0.0147, 0.0266],
        [-0.0004, 0.0005, -0.0005],
        [1.0005, -2.0015, 3.0025],
        [-1.5],
        [12345.6789, -0.0],
        [F32[0], F32[1], F32[2], F32[3], F32[4]],
        [NAN, INF, -INF],
    ]
    targets = [
        [task, y, j]
        for task in ("binary", "multiclass")
        for y in (0.0, 1.0, 2.0)
        for j in (0, 1, 2)
    ]
    targets += [["regression", y, 0] for y in (0.125, -0.005, 1.005, 2.675, -7.0, 1e21, *F32)]
    return {
        "lut_index": lut,
        "nonfinite_fill": [["fcnn"], ["fcnn-0123456789"]],
        "fill_and_ink": fills,
        "edge_style": edges,
        "cell_fill": [[w, -1.0, 1.0, PALETTE] for w in (-1.0, 0.3, NAN)],
        "subscript": [[0], [7], [12], [3409]],
        "layer_mark": [[0], [1], [12], [3409]],
        "sample_caption": [[0, 1], [10, 2000], [99999, 100000]],
        "epoch_caption": [[0, 0], [3, 30], [250, 250]],
        "target_column": [[t, j] for t in ("regression", "binary", "multiclass") for j in (0, 3)],
        "target_text": targets,
        "formula_text": [[c, lhs] for c in coefs for lhs in ("ŷ", "logit ŷ", "z⁽²⁾₀")],
        "predicted_class": [
            [o]
            for o in ([0.1, 0.7, 0.2], [1.0, 1.0], [NAN, 2.0, -INF], [NAN], [], [-3.0, -1.0, INF])
        ],
        "class_mark": [[y, j, p] for y in (0.0, 2.0, NAN) for j in (0, 1, 2) for p in (-1, 0, 2)],
        "input_title": [[64, t, p] for t in ("", "7", "setosa") for p in ("", "7", "3")],
        "off_visibility": [[z] for z in (-1.0, -0.0, 0.0, 1e-30, 2.0, NAN)],
        "epoch_marker_x": [[e, n, CHART] for n in (0, 1, 2, 30, 1000) for e in (0, 1, 2, n)],
        "ring_position": [[x, y, *PLANE] for x in (-6.0, 0.0, 1.3, 6.0) for y in (-6.0, 2.2, 6.0)]
        + [[*F32[:2], [10.5, 20.25, 199.0, 151.0], [-1.25, 3.5, -0.75, 2.0]]],
        "timeline_row": [[2, 9, 1], [11, 17, 4], [794, 235146, 5]],
    }


def format_cases() -> dict[str, list[list]]:
    exact = [0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1 / 3, 123.456, 1e-6, 1e-7, 1.5e-7, 1e20, 1e21]
    exact += [1.5e21, 2**53, 2**53 + 2, 5e-324, 1.7976931348623157e308, NAN, INF, -INF, *F32]
    fixed = [
        [v, d]
        for v in (0.125, 0.375, -0.125, 1.005, 2.675, -0.001, 0.0, -0.0)
        for d in (0, 1, 2, 3)
    ]
    fixed += [[v, 2] for v in (1e20, 1e21, -1.5e22, 999.995, 1234.5678, NAN, INF, -INF, *F32)]
    fixed += [[v, 0] for v in (0.5, 1.5, 2.5, -0.5, -2.5, 6.0, -6.0)]
    return {"exact": [[v] for v in exact], "fixed": fixed}


TABLES = {"palette": PALETTE, "ink": INK, "small": SMALL}
CONSTANTS = {
    name: getattr(rules, name)
    for name in ("ACCENT", "DARK_INK", "LIGHT_INK", "INK_LETTERS", "LUT_SIZE")
}


def encode(value):
    """JSON-safe: non-finite floats as {"float": ...}, tuples as lists, tables by name."""
    for name, table in TABLES.items():
        if value is table:
            return {"table": name}
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


def build() -> dict:
    """Every case with the answer Python gives for it."""
    out = {"tables": TABLES, "constants": CONSTANTS, "rules": {}, "format": {}}
    for name, args in cases().items():
        fn = getattr(rules, name)
        out["rules"][name] = [{"args": encode(a), "out": encode(fn(*a))} for a in args]
    for name, args in format_cases().items():
        fn = getattr(fmt, name)
        out["format"][name] = [{"args": encode(a), "out": encode(fn(*a))} for a in args]
    return out


def text() -> str:
    """The JSON file's text: one case per line, so a change shows as a readable diff."""
    doc = build()
    lines = ["{", f' "tables": {json.dumps(doc["tables"])},']
    lines.append(f' "constants": {json.dumps(doc["constants"])},')
    for i, part in enumerate(("rules", "format")):
        lines.append(f' "{part}": {{')
        names = list(doc[part])
        for k, name in enumerate(names):
            cases = ",\n".join(f"   {json.dumps(c, ensure_ascii=False)}" for c in doc[part][name])
            lines.append(f'  "{name}": [\n{cases}\n  ]' + ("," if k < len(names) - 1 else ""))
        lines.append(" }" + ("," if i == 0 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    HERE.write_text(text(), encoding="utf-8")
    print(f"wrote {HERE}")
