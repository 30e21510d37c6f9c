"""The widget as a user meets it: a real JupyterLab (and Notebook 7) in headless Chromium."""

from __future__ import annotations

import json

import pytest
from harness.svg_compare import (
    SNAPSHOT_JS,
    assert_page_equals_python,
    neuron,
    open_widget,
    svg_elements,
)

pytestmark = pytest.mark.browser

SETUP = """
from fcnn_widget import FCNN, FCNNWidget
from fcnn_widget import analysis, overlays
model = FCNN([5, 5], "relu", dataset="prod", seed=0)
model.fit(epochs=30, lr=0.005)
w = FCNNWidget(model, sample=10)
w
"""


@pytest.fixture(scope="module")
def widget_page(lab):
    nb, root = open_widget(lab, [SETUP], timeout=180)
    yield nb, root
    nb.close() if hasattr(nb, "close") else None


def test_one_element_per_neuron_weight_and_bias(widget_page):
    nb, root = widget_page
    count = lambda sel: root.locator(sel).count()  # noqa: E731
    assert count('circle[data-kind="x"]') == 2
    assert count('circle[data-kind="z"]') == count('circle[data-kind="a"]') == 5 + 5 + 1
    assert count('line[data-kind="w"]') == 2 * 5 + 5 * 5 + 5
    assert count('rect[data-kind="b"]') == 11
    nb.screenshot(root, "widget-relu55-sample10")
    nb.assert_no_errors()


def test_fill_equals_python_colour_and_restyles_from_python(widget_page):
    nb, root = widget_page
    expected = nb.kernel_value('w.color_of("z", 2, 3)')
    assert neuron(root, "z", 2, 3).get_attribute("fill") == expected
    nb.execute('w.palette = "rainbow"; w.norm = "layer"')
    expected = nb.kernel_value('w.color_of("z", 2, 3)')
    nb.wait_for(
        "([sel, want]) => document.querySelector(sel)?.getAttribute('fill') === want",
        arg=['.fcnn-widget circle[data-kind="z"][data-layer="2"][data-index="3"]', expected],
    )
    assert root.locator('select[data-control="palette"]').input_value() == "rainbow"
    nb.execute('w.palette = "viridis"; w.norm = "component"')


def test_page_controls_set_the_kernel_traits(widget_page):
    nb, root = widget_page
    nb.execute("w.sample = 10")
    root.locator('button[data-control="next"]').click()
    nb.wait_for_kernel("w.sample == 11")
    slider = root.locator('input[data-control="sample-slider"]')
    slider.focus()
    slider.press("ArrowRight")
    nb.wait_for_kernel("w.sample == 12")
    box = root.locator('input[data-control="sample-box"]')
    box.fill("1027")
    box.press("Enter")
    nb.wait_for_kernel("w.sample == 1027")
    # The page drew sample 1027 without asking the kernel: its values are the kernel's.
    value = float(neuron(root, "a", 3, 0).get_attribute("data-value"))
    assert value == nb.kernel_value("float(w.scene.slot_values('a3')[1027, 0])")
    root.locator('select[data-control="palette"]').select_option("cool")
    nb.wait_for_kernel("w.palette == 'cool'")
    root.locator('select[data-control="norm"]').select_option("layer")
    nb.wait_for_kernel("w.norm == 'layer'")
    nb.execute('w.palette = "viridis"; w.norm = "component"')


def test_clicking_the_plane_selects_the_nearest_sample(widget_page):
    nb, root = widget_page
    # Click on the drawn point of the most isolated sample: the nearest one is that sample,
    # whatever sub-pixel rounding the click meets.
    target = nb.kernel_value(
        "(lambda X: int(((X[:, None] - X[None]) ** 2).sum(-1).__iadd__("
        "__import__('numpy').diag(__import__('numpy').full(len(X), 1e9))).min(1).argmax()))(w.scene.X)"
    )
    dot = root.locator('g[data-role="points"] circle').nth(target)
    box = dot.bounding_box()
    nb.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    nb.wait_for_kernel(f"w.sample == {target}")
    assert nb.kernel_value(f"analysis.nearest_sample(w.scene.X, w.scene.X[{target}])") == target
    assert root.evaluate("(el) => el.dataset.sample") == str(target)


def test_page_picture_equals_python_svg_element_by_element(widget_page):
    nb, root = widget_page
    for sample in (1403, 2453):
        nb.execute(f"w.sample = {sample}")
        nb.wait_for(f"() => document.querySelector('.fcnn-widget').dataset.sample === '{sample}'")
        assert_page_equals_python(nb, root)


def test_per_sample_global_ranges_restyle_edges_in_the_page(widget_page):
    # One range for everything, per sample: the page recolours edges and biases as it scrubs.
    nb, root = widget_page
    nb.execute('w.sample = 10; w.norm = "global"; w.norm_scope = "sample"')
    nb.wait_for(
        "() => document.querySelector('.fcnn-widget text[data-role=\"bar-title\"]').textContent === 'all values'"
    )
    root.locator('button[data-control="next"]').click()
    root.locator('button[data-control="next"]').click()
    nb.wait_for_kernel("w.sample == 12")
    assert_page_equals_python(nb, root)
    nb.execute('w.norm = "component"; w.norm_scope = "dataset"')


def test_analysis_overlays_hover_formula_and_response_view(widget_page):
    nb, root = widget_page
    nb.execute(
        "w.sample = 1027; w.show_lines = True; w.show_regions = True; w.show_matrices = True"
    )
    root.locator('g[data-role="regions-exact"]').wait_for()
    count = int(root.locator('text[data-role="region-count"]').get_attribute("data-count"))
    assert count == nb.kernel_value("len(analysis.exact_regions(model))")
    assert root.locator('line[data-role="unit-line"]').count() >= 1
    assert root.locator('rect[data-role="wcell"]').count() == 2 * 5 + 5 * 5 + 5
    # Hovering the plane shows the exact region there: its affine map and pattern.
    box = root.locator('image[data-role="estimate"]').bounding_box()
    nb.page.mouse.move(box["x"] + 0.7 * box["width"], box["y"] + 0.25 * box["height"])
    tip = root.locator(".fcnn-tooltip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    assert "exact linear region" in text and "region" in text
    region = int(text.split("region ")[1].split(" ")[0])
    formula = text.strip().splitlines()[1]
    part = "analysis.exact_regions(model)"
    assert formula == nb.kernel_value(
        f"overlays.formula_text(__import__('numpy').append({part}[{region}].coef[:, 0], "
        f"{part}[{region}].intercept[0]), 'ŷ')"
    )
    # ...and the network shows that region's activation pattern while the pointer is there.
    marks = dict(
        root.evaluate(
            "(el) => Array.from(el.querySelectorAll('g[data-off]')).map((p) => [p.dataset.off, p.getAttribute('visibility')])"
        )
    )
    pattern = nb.kernel_value(f"{part}.bits[{region}].tolist()")
    expected = {
        f"{k}-{i}": "hidden" if pattern[(k - 1) * 5 + i] else "visible"
        for k in (1, 2)
        for i in range(5)
    }
    assert marks == expected
    nb.screenshot(root, "widget-overlays")
    # Hovering a neuron tells how it was summed.
    root.locator('circle[data-kind="z"][data-layer="2"][data-index="1"]').hover()
    tip_text = tip.inner_text()
    value = root.locator('circle[data-kind="z"][data-layer="2"][data-index="1"]').get_attribute(
        "data-value"
    )
    assert "Σ w·a + b" in tip_text and tip_text.strip().endswith(value)
    nb.execute('w.view = "response"')
    nb.wait_for("() => document.querySelectorAll('.fcnn-widget image[data-kind]').length === 24")
    nb.screenshot(root, "widget-response-view")
    nb.execute('w.view = "network"; w.show_lines = w.show_regions = w.show_matrices = False')
    nb.assert_no_errors()


WIDE = """
import numpy as np
from fcnn_widget import FCNN, FCNNWidget
rng = np.random.default_rng(0)
X = rng.uniform(0, 1, (300, 64)).astype(np.float32)
wide = FCNN([32, 16], "relu", dataset=(X, rng.integers(0, 10, 300)), seed=0)
wide.fit(epochs=5, lr=0.01)
w = FCNNWidget(wide, sample=4)
w
"""


def test_wide_input_network_scrubs_and_matches_python(lab):
    nb, root = open_widget(lab, [WIDE], timeout=180)
    assert root.locator('rect[data-role="input-pixel"]').count() == 64
    root.locator('button[data-control="next"]').click()
    nb.wait_for_kernel("w.sample == 5")
    nb.wait_for("() => document.querySelector('.fcnn-widget').dataset.sample === '5'")
    page_elements = root.evaluate(SNAPSHOT_JS)
    python = svg_elements(json.loads(nb.kernel_value("__import__('json').dumps(w.to_svg())")))
    assert [e[0] for e in page_elements] == [e[0] for e in python]
    for (tag, attrs, text), (ptag, pattrs, ptext) in zip(page_elements, python):
        assert (tag, attrs, text.strip()) == (ptag, pattrs, ptext.strip()), (tag, attrs)
    nb.screenshot(root, "widget-64-32-16-10")
    nb.assert_no_errors()


def test_follows_jupyterlab_dark_theme(widget_page):
    nb, root = widget_page
    svg_color = "(el) => getComputedStyle(el.querySelector('svg.fcnn-picture')).color"
    light = root.evaluate(svg_color)
    nb.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    try:
        nb.wait_for("() => document.body.dataset.jpThemeLight === 'false'", timeout=30)
        nb.wait_for(
            "([c]) => getComputedStyle(document.querySelector('.fcnn-widget svg.fcnn-picture')).color !== c",
            arg=[light],
        )
        r, g, b = (int(v) for v in root.evaluate(svg_color).strip("rgba() ").split(",")[:3])
        assert min(r, g, b) > 150  # light text on the dark theme
        root.scroll_into_view_if_needed()
        nb.screenshot(root, "widget-dark-theme")
    finally:
        nb.command("apputils:change-theme", {"theme": "JupyterLab Light"})
        nb.wait_for("() => document.body.dataset.jpThemeLight === 'true'", timeout=30)
