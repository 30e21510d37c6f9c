"""The mirrored drawing rules: Python gives the golden answers the page's JS is checked
against (js/rules.test.js, run by tests/test_js_rules.py), and the picture uses them."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

from fcnn_widget import colors, fmt, overlays, picture, rules

GOLDEN = Path(__file__).parent / "golden"


def _maker():
    spec = importlib.util.spec_from_file_location("make_rules", GOLDEN / "make_rules.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_reproduce_the_golden_file():
    # A failure means a rule changed on one side only: if on purpose, run
    # `PYTHONPATH=. python tests/golden/make_rules.py`, and change js/rules.js to match.
    written = (GOLDEN / "rules.json").read_text(encoding="utf-8")
    assert _maker().text() == written


def test_every_mirrored_rule_has_golden_cases():
    functions = {
        name
        for name, fn in inspect.getmembers(rules, inspect.isfunction)
        if fn.__module__ == rules.__name__ and not name.startswith("_")
    }
    assert functions == set(_maker().cases())
    assert set(_maker().format_cases()) == {"exact", "fixed"}


def test_the_callers_use_the_rules():
    # The modules that drew these before keep their names, as the rules themselves.
    assert colors.lut_index is rules.lut_index
    assert overlays.formula_text is rules.formula_text
    assert picture.epoch_marker_x is rules.epoch_marker_x
    assert picture.NONFINITE_STROKE == rules.ACCENT == "#d0006f"
    assert colors.DARK_INK is rules.DARK_INK
    assert "#{:02x}{:02x}{:02x}".format(*rules.ACCENT_RGB) == rules.ACCENT  # for images


@pytest.mark.parametrize("k, mark", [(0, "⁽⁰⁾"), (1, "⁽¹⁾"), (12, "⁽¹²⁾"), (3409, "⁽³⁴⁰⁹⁾")])
def test_layer_mark(k, mark):
    assert rules.layer_mark(k) == mark
    assert picture.slot_title(f"z{k}", 99) == "z" + mark


def test_fixed_vectors_cover_ties_and_marks():
    cases = _maker().format_cases()["fixed"]
    assert [0.125, 2] in cases and [-0.0, 2] in cases  # a tie, and a signless zero
    assert fmt.fixed(0.125, 2) == "0.13" and fmt.fixed(-0.0, 2) == "0.00"
