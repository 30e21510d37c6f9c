"""FCNNWidget(pop) as a user meets it in a real JupyterLab: a click on a faint curve of the
population chart draws that member (its neurons show that member's trace), the highlighted
curve moves; hover names a member; the chart reads (no text over another) at the cell's width."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from harness.svg_compare import open_widget
from harness.text_boxes import collisions, page_items, smallest_font_px

from fcnn_widget import picture, population_chart
from fcnn_widget.layout import MIN_FONT

pytestmark = pytest.mark.browser

K = 16
SETUP = """
import json
import numpy as np
from fcnn_widget import FCNNWidget, Population
pop = Population([4], "relu", dataset="prod", seeds=range(16))
pop.fit(epochs=250, lr=0.005, batch_size=100)
w = FCNNWidget(pop, sample=10)
w
"""
NEURONS_JS = """
(root) => Object.fromEntries(Array.from(root.querySelectorAll('svg.fcnn-picture circle[data-kind]'),
  (c) => [`${c.dataset.kind}-${c.dataset.layer}-${c.dataset.index}`, Number(c.dataset.value)]))
"""
TRACE = """
json.dumps((lambda m, tr: {f"{'x' if k == 0 else kind}-{k}-{i}": float(v)
    for k in range(len(m.widths))
    for kind, layer in (("z", tr.z), ("a", tr.a)) if not (k == 0 and kind == "z")
    for i, v in enumerate(np.asarray(layer[k])[10])})(pop[MEMBER], pop[MEMBER].trace(pop[MEMBER].dataset.X)))
"""
CURVES = """
json.dumps([[c.get("data-member"), c.get("data-drawn"), c.get("points")] for c in
    __import__("xml.etree.ElementTree", fromlist=["_"]).fromstring(w._svg).iter(
        "{http://www.w3.org/2000/svg}polyline") if c.get("data-role") == "member-curve"])
"""
FRAME = """
json.dumps([float(v) for v in __import__("fcnn_widget").population_chart.box(
    __import__("fcnn_widget").picture.layout_of(w.scene, w._fit_width()), bool(w.caption))])
"""
# Picture units -> the page's client pixels, through the shown SVG's own transform.
TO_CLIENT_JS = """
([x, y]) => { const svg = document.querySelector('.fcnn-widget svg.fcnn-picture');
  const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()); return [p.x, p.y]; }
"""
DRAWN_JS = """
(root) => { const curves = Array.from(root.querySelectorAll('polyline[data-role="member-curve"]'));
  return { drawn: curves.filter((c) => c.dataset.drawn === "1").map((c) => c.dataset.member),
           last: curves[curves.length - 1].dataset.member, count: curves.length,
           label: root.querySelector('text[data-role="population-member"]').textContent }; }
"""


@pytest.fixture(scope="module")
def pop_page(lab):
    nb, root = open_widget(lab, [SETUP], timeout=300)
    yield nb, root
    nb.close()


def expected_trace(nb, member: int) -> dict:
    return json.loads(nb.kernel_value(TRACE.replace("MEMBER", str(member))))


def separated_point(nb) -> tuple[int, float, float]:
    """A faint member and a point on its curve (picture units) far from every other curve."""
    curves = json.loads(nb.kernel_value(CURVES))
    x0, _, w, _ = json.loads(nb.kernel_value(FRAME))
    return far_point(curves, x0, w, faint=True)


def far_point(curves, x0: float, w: float, faint: bool) -> tuple[int, float, float]:
    """Of ``curves`` ([member, drawn, points]), a faint one (else the drawn one) and the point
    on it, in the chart's span, farthest from every other curve."""
    best = None
    for at in np.linspace(x0 + 0.1 * w, x0 + 0.95 * w, 18):
        heights = {}
        for member, _, points in curves:
            xy = np.array([p.split(",") for p in points.split()], float)
            heights[int(member)] = float(np.interp(at, xy[:, 0], xy[:, 1]))
        drawn = next(int(m) for m, d, _ in curves if d == "1")
        for m, y in heights.items():
            gap = min(abs(y - o) for n, o in heights.items() if n != m)
            if (m != drawn) == faint and (best is None or gap > best[0]):
                best = (gap, m, float(at), y)
    assert best is not None and best[0] > 4, best  # a curve a click can tell apart
    return best[1], best[2], best[3]


def shows_member(nb, root, member: int) -> None:
    nb.wait_for_kernel(f"w.member == {member}", timeout=60)
    nb.wait_for(
        "(m) => { const t = document.querySelector('.fcnn-widget text[data-role=\"population-member\"]');"
        " return t && t.textContent.startsWith(`member ${m} of 16 `); }",
        arg=member,
    )


def test_a_click_on_a_faint_curve_draws_that_member(pop_page):
    nb, root = pop_page
    best = int(nb.kernel_value("w.member"))
    assert best == int(nb.kernel_value("int(np.nanargmin(pop.final_losses()))"))
    shown = root.evaluate(DRAWN_JS)
    assert shown["count"] == K and shown["drawn"] == [str(best)] and shown["last"] == str(best)
    before = root.evaluate(NEURONS_JS)
    assert before == pytest.approx(expected_trace(nb, best), rel=1e-6, abs=1e-7)
    target, x, y = separated_point(nb)
    root.locator('g[data-role="population-chart"]').scroll_into_view_if_needed()
    cx, cy = nb.page.evaluate(TO_CLIENT_JS, [x, y])
    nb.page.mouse.click(cx, cy)
    shows_member(nb, root, target)
    shown = root.evaluate(DRAWN_JS)
    assert shown["drawn"] == [str(target)] and shown["last"] == str(target)
    assert shown["label"].startswith(f"member {target} of 16 (seed {target}), ")
    after = root.evaluate(NEURONS_JS)
    assert after == pytest.approx(expected_trace(nb, target), rel=1e-6, abs=1e-7)
    assert after != before
    # The member's own loss chart and epoch follow: its final loss under its own chart.
    final = float(nb.kernel_value(f"float(pop[{target}].history.loss[-1])"))
    assert f"epoch 250: {final:.3g}" in root.locator('g[data-role="loss-chart"]').text_content()
    nb.page.mouse.move(1, 1)  # the tooltip away: the picture as one sees it
    nb.screenshot(root, f"population-member{target}-clicked")
    nb.assert_no_errors()


def test_hover_names_the_member_under_the_pointer(pop_page):
    nb, root = pop_page
    target, x, y = separated_point(nb)
    root.locator('g[data-role="population-chart"]').scroll_into_view_if_needed()
    cx, cy = nb.page.evaluate(TO_CLIENT_JS, [x, y])
    nb.page.mouse.move(cx, cy)
    seed = int(nb.kernel_value(f"pop.seeds[{target}]"))
    final = float(nb.kernel_value(f"float(pop.final_losses()[{target}])"))
    nb.wait_for(
        "(want) => { const t = document.querySelector('.fcnn-widget .fcnn-tooltip');"
        " return t && !t.hidden && t.textContent.startsWith(want); }",
        arg=f"member {target} of 16 (seed {seed}), ",
    )
    tip = root.locator(".fcnn-tooltip").inner_text()
    assert f"{final:.3g}" in tip and tip.endswith("(click to draw it)")
    nb.assert_no_errors()


def test_member_set_in_python_redraws_the_page(pop_page):
    nb, root = pop_page
    nb.execute("w.member = 3")
    shows_member(nb, root, 3)
    shown = root.evaluate(DRAWN_JS)
    assert shown["drawn"] == ["3"] and shown["last"] == "3"
    assert root.evaluate(NEURONS_JS) == pytest.approx(expected_trace(nb, 3), rel=1e-6, abs=1e-7)
    assert nb.kernel_value("w.describe().startswith('member 3 of 16 (seed 3), ')") in (True, "True")
    nb.assert_no_errors()


def test_the_population_chart_reads_at_the_cells_width(pop_page):
    nb, root = pop_page
    nb.execute("w.member = int(np.nanargmin(pop.final_losses()))")
    shows_member(nb, root, int(nb.kernel_value("w.member")))
    root.scroll_into_view_if_needed()
    items, scale = page_items(root)
    size, smallest = smallest_font_px(items, scale)
    assert size >= MIN_FONT - 0.01, (smallest.role, smallest.text, size, scale)
    assert collisions(items) == []
    chart = root.locator('g[data-role="population-chart"]')
    box, picture = chart.bounding_box(), root.locator("svg.fcnn-picture").bounding_box()
    assert box["width"] > 0.6 * picture["width"]  # spans the picture, under it
    assert box["y"] > root.locator('g[data-role="loss-chart"]').bounding_box()["y"]
    nb.page.mouse.move(1, 1)
    nb.screenshot(root, "population-widget")
    nb.screenshot(chart, "population-chart")
    nb.assert_no_errors()


# -- the saved page: no kernel to draw another member ------------------------------------------
@pytest.fixture(scope="module")
def saved_page(browser, tmp_path_factory):
    from fcnn_widget import FCNNWidget, Population

    pop = Population([4], "relu", dataset="prod", seeds=range(6)).fit(epochs=20, lr=0.01)
    w = FCNNWidget(pop, sample=10)
    path = w.save_html(tmp_path_factory.mktemp("pop") / "population.html")
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.goto(path.resolve().as_uri())
    page.locator('svg.fcnn-picture g[data-role="population-chart"]').wait_for(timeout=30_000)
    yield w, page
    context.close()


def test_the_saved_page_keeps_the_chart_and_names_members(saved_page):
    w, page = saved_page
    curves = page.locator('polyline[data-role="member-curve"]')
    assert curves.count() == 6
    assert curves.nth(5).get_attribute("data-member") == str(w.member)
    # Hover names the drawn member's curve; with no kernel, a click draws nothing else.
    svg = ET.fromstring(w.to_svg())  # laid out as the saved page (its natural width)
    curves = [
        [c.get("data-member"), c.get("data-drawn"), c.get("points")]
        for c in svg.iter("{http://www.w3.org/2000/svg}polyline")
        if c.get("data-role") == "member-curve"
    ]
    x0, _, width, _ = population_chart.box(picture.layout_of(w.scene), False)
    to_client = """([x, y]) => { const svg = document.querySelector("svg.fcnn-picture");
      const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()); return [p.x, p.y]; }"""
    member, x, y = far_point(curves, x0, width, faint=False)
    assert member == w.member
    page.mouse.move(*page.evaluate(to_client, [x, y]))
    tip = page.locator(".fcnn-tooltip")
    tip.wait_for(state="visible")
    assert tip.inner_text().startswith(f"member {w.member} of 6 ") and "(drawn)" in tip.inner_text()
    other, x, y = far_point(curves, x0, width, faint=True)
    page.mouse.move(*page.evaluate(to_client, [x, y]))
    page.wait_for_function(
        "(m) => document.querySelector('.fcnn-tooltip').textContent.startsWith(`member ${m} of 6 `)",
        arg=other,
    )
    assert "click" not in tip.inner_text()  # no kernel: nothing to draw it with
    page.mouse.click(*page.evaluate(to_client, [x, y]))
    assert page.locator('polyline[data-drawn="1"]').get_attribute("data-member") == str(w.member)
    assert page.problems == []
