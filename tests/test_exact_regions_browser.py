"""The exact linear regions in a real JupyterLab: the polygons the kernel drew, the hover
text of a region (its formula and pattern, its off units crossed in the network) and a
click selecting the nearest sample inside the region, whose region is then outlined."""

from __future__ import annotations

import pytest
from harness.svg_compare import open_widget

pytestmark = pytest.mark.browser

SETUP = """
import numpy as np
from fcnn_widget import FCNN, FCNNWidget, region_map, overlays
model = FCNN([5, 5], "relu", dataset="circle", seed=0)
model.fit(epochs=30, lr=0.01)
w = FCNNWidget(model, sample=10, show_regions=True)
part = region_map.partition_of(w.scene)[0]
owner = part.locate(w.scene.X.astype(np.float64))
w
"""

# The screen point of a plane point given in data coordinates.
TO_SCREEN = """([x, y]) => {
  const el = document.querySelector('.fcnn-widget');
  const svg = el.querySelector('svg.fcnn-picture');
  const plane = el.querySelector('g[data-role="plane"]');
  const rect = el.querySelector('g[data-role="plane"] > rect');
  const [x0, x1, y0, y1] = ['x0', 'x1', 'y0', 'y1'].map((k) => Number(plane.dataset[k]));
  const px = Number(rect.getAttribute('x')), py = Number(rect.getAttribute('y'));
  const pw = Number(rect.getAttribute('width')), ph = Number(rect.getAttribute('height'));
  const u = px + (x - x0) / (x1 - x0) * pw, v = py + (1 - (y - y0) / (y1 - y0)) * ph;
  const p = new DOMPoint(u, v).matrixTransform(svg.getScreenCTM());
  return [p.x, p.y];
}"""


@pytest.fixture(scope="module")
def regions_page(lab):
    nb, root = open_widget(lab, [SETUP], timeout=180)
    yield nb, root
    nb.close() if hasattr(nb, "close") else None


def test_the_page_shows_the_kernels_polygons(regions_page):
    nb, root = regions_page
    root.locator('g[data-role="regions-exact"]').wait_for()
    n = nb.kernel_value("len(part)")
    assert root.locator('g[data-role="regions-exact"] polygon[data-region]').count() == n
    count = root.locator('text[data-role="region-count"]')
    assert count.get_attribute("data-exact") == "1" and int(count.get_attribute("data-count")) == n
    assert root.locator('path[data-role="decision-boundary"]').count() == 1
    assert root.locator('image[data-role="regions"]').count() == 0
    nb.assert_no_errors()


def test_hovering_a_region_shows_its_formula_and_pattern(regions_page):
    nb, root = regions_page
    # The largest region: its centroid, well inside it.
    r = nb.kernel_value("int(np.argmax(part.areas()))")
    centroid = nb.kernel_value(f"part.centroids()[{r}].tolist()")
    x, y = root.evaluate(f"(el) => ({TO_SCREEN})({centroid})")
    nb.page.mouse.move(x, y)
    tip = root.locator(".fcnn-tooltip")
    tip.wait_for(state="visible")
    nb.wait_for(
        "(r) => document.querySelector('.fcnn-tooltip').textContent.includes(`region ${r} (exact`)",
        arg=r,
    )
    lines = tip.inner_text().strip().splitlines()
    want = nb.kernel_value(
        f"overlays.formula_text(np.append(part[{r}].coef[:, 0], part[{r}].intercept[0]), "
        "overlays.formula_lhs(w.scene, 0))"
    )
    assert lines[1] == want
    bits = nb.kernel_value(f"[''.join('1' if b else '0' for b in m) for m in part[{r}].pattern]")
    assert lines[2] == f"pattern layer 1: {bits[0]}, layer 2: {bits[1]}"
    marks = dict(
        root.evaluate(
            "(el) => Array.from(el.querySelectorAll('g[data-off]')).map((p) => [p.dataset.off, p.getAttribute('visibility')])"
        )
    )
    expected = {
        f"{k}-{i}": "hidden" if bits[k - 1][i] == "1" else "visible"
        for k in (1, 2)
        for i in range(5)
    }
    assert marks == expected
    nb.screenshot(root, "exact-regions-hover")


def test_clicking_a_region_selects_its_nearest_sample_and_outlines_it(regions_page):
    nb, root = regions_page
    # A region holding samples, and a click at its centroid.
    r = nb.kernel_value("int(np.bincount(owner[owner >= 0]).argmax())")
    centroid = nb.kernel_value(f"part.centroids()[{r}].tolist()")
    expected = nb.kernel_value(f"region_map.pick(w.scene, {centroid}, {r})")
    assert nb.kernel_value(f"int(owner[{expected}])") == r
    x, y = root.evaluate(f"(el) => ({TO_SCREEN})({centroid})")
    nb.page.mouse.click(x, y)
    nb.wait_for_kernel(f"w.sample == {expected}")
    nb.wait_for(
        "(r) => document.querySelector('.fcnn-widget polygon[data-role=\"sample-region\"]').dataset.region === String(r)",
        arg=r,
    )
    outline = root.locator('polygon[data-role="sample-region"]')
    polygon = root.locator(f'g[data-role="regions-exact"] polygon[data-region="{r}"]')
    assert outline.get_attribute("points") == polygon.get_attribute("points")
    nb.page.mouse.move(0, 0)
    nb.screenshot(root, "exact-regions-click")
    nb.assert_no_errors()
