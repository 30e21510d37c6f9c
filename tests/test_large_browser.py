"""A 784-256-128-10 network on more samples than the page holds at once, in a real JupyterLab:
the page keeps a window of samples and the kernel sends the window a far sample needs; a
palette picked in the page recolours it at once, and the kernel's picture that follows is
the same picture."""

from __future__ import annotations

import pytest
from harness.svg_compare import assert_page_equals_python, neuron, open_widget

pytestmark = pytest.mark.browser

N_SAMPLES = 12_000  # 75 MB of layer values: more than the page's 32 MB window
SETUP = f"""
import numpy as np
from fcnn_widget import FCNN, FCNNWidget, colors
rng = np.random.default_rng(0)
X = rng.uniform(0, 1, ({N_SAMPLES}, 784)).astype(np.float32)
model = FCNN([256, 128], dataset=(X, rng.integers(0, 10, {N_SAMPLES})), seed=0)
w = FCNNWidget(model, sample=5)
w
"""


@pytest.fixture(scope="module")
def big_page(lab):
    nb, root = open_widget(lab, [SETUP], timeout=300)
    yield nb, root


def shown(nb, sample):
    nb.wait_for(
        "(s) => { const el = document.querySelector('.fcnn-widget');"
        " return el.dataset.sample === s && !el.dataset.waiting; }",
        arg=str(sample),
        timeout=60_000,
    )


def test_a_sample_outside_the_window_arrives_and_shows_the_kernels_values(big_page):
    nb, root = big_page
    first, length = nb.kernel_value("w._window")
    assert first == 0 and length < N_SAMPLES  # the page holds a window, not all samples
    far = N_SAMPLES - 7
    box = root.locator('input[data-control="sample-box"]')
    box.fill(str(far))
    box.press("Enter")
    nb.wait_for_kernel(f"w.sample == {far}")
    shown(nb, far)
    first, length = nb.kernel_value("w._window")
    assert first <= far < first + length
    for kind, layer, index in (("a", 1, 3), ("z", 2, 100), ("a", 3, 9)):
        value = float(neuron(root, kind, layer, index).get_attribute("data-value"))
        slot = f"{kind}{layer}"
        assert value == nb.kernel_value(f"float(w.scene.slot_values('{slot}')[{far}, {index}])")
        fill = neuron(root, kind, layer, index).get_attribute("fill")
        assert fill == nb.kernel_value(f"w.color_of('{kind}', {layer}, {index})")
    assert "fcnn-waiting" not in (root.get_attribute("class") or "")
    # Scrubbing back within the window is the page's own work again.
    slider = root.locator('input[data-control="sample-slider"]')
    slider.focus()
    slider.press("ArrowLeft")
    nb.wait_for_kernel(f"w.sample == {far - 1}")
    shown(nb, far - 1)
    value = float(neuron(root, "a", 1, 3).get_attribute("data-value"))
    assert value == nb.kernel_value(f"float(w.scene.slot_values('a1')[{far - 1}, 3])")
    nb.screenshot(root, "widget-784-256-128-10-far-sample")
    nb.assert_no_errors()


def test_a_palette_picked_in_the_page_recolours_before_the_kernel_answers(big_page):
    nb, root = big_page
    nb.execute("w.sample = 40; w.palette = 'viridis'")
    shown(nb, 40)
    nb.wait_for(
        "() => document.querySelector('select[data-control=\"palette\"]').value === 'viridis'"
    )
    expected = nb.kernel_value(
        "[colors.color_of(float(w.scene.slot_values('a1')[40, i]), *w.scene.range_of('a1', 40),"
        " colors.resolve_palette('plasma')) for i in range(4)]"
    )
    # Pick plasma and read the fills in the same task: no kernel message can arrive in between.
    fills = root.evaluate(
        """(el) => {
          const select = el.querySelector('select[data-control="palette"]');
          select.value = 'plasma';
          select.dispatchEvent(new Event('change', { bubbles: true }));
          return [0, 1, 2, 3].map((i) => el.querySelector(
            `circle[data-kind="a"][data-layer="1"][data-index="${i}"]`).getAttribute('fill'));
        }"""
    )
    assert fills == expected
    assert root.evaluate("(el) => el.dataset.recoloured") == "plasma"
    nb.screenshot(root, "widget-784-256-128-10-plasma")
    nb.wait_for_kernel("w.palette == 'plasma'")
    # The recoloured picture is the kernel's picture for plasma, element by element (and so
    # is the kernel's redrawn one that replaces it).
    assert_page_equals_python(nb, root)
    nb.execute("w.palette = 'viridis'")


PLANE_SETUP = """
from fcnn_widget import FCNN, FCNNWidget, analysis, scene
scene.PAYLOAD_BUDGET_BYTES, scene.WINDOW_BUDGET_BYTES = 100_000, 40_000  # a window of 416
model = FCNN([5, 5], "relu", dataset="prod", seed=0)
w = FCNNWidget(model, sample=2000)
w
"""


def test_a_click_on_the_plane_picks_among_all_samples(lab):
    nb, root = open_widget(lab, [PLANE_SETUP], timeout=180)
    first, length = nb.kernel_value("w._window")
    assert first > 1000 and length == 416  # the page holds samples 1792..2207 only
    # The most isolated of the first 1000 samples (outside the window): a click on its dot
    # picks it, whatever sub-pixel rounding the click meets.
    target = nb.kernel_value(
        "(lambda X: int(((X[:1000, None] - X[None]) ** 2).sum(-1).__iadd__("
        "__import__('numpy').eye(1000, len(X)) * 1e9).min(1).argmax()))(w.scene.X)"
    )
    dot = root.locator('g[data-role="points"] circle').nth(target)
    box = dot.bounding_box()
    nb.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    nb.wait_for_kernel(f"w.sample == {target}")
    shown(nb, target)
    value = float(neuron(root, "a", 1, 0).get_attribute("data-value"))
    assert value == nb.kernel_value(f"float(w.scene.slot_values('a1')[{target}, 0])")
    nb.assert_no_errors()
