"""FCNNCompare as a user meets it: three networks in a real JupyterLab, one sample control."""

from __future__ import annotations

import pytest
from harness.lab import ARTIFACTS_DIR as ARTIFACTS
from harness.svg_compare import assert_page_equals_python, open_widget

pytestmark = pytest.mark.browser

SETUP = """
import numpy as np
from fcnn_widget import FCNN, FCNNCompare
models = [
    FCNN([4], "relu", dataset="prod", seed=1),
    FCNN([5, 5], "relu", dataset="prod", seed=0),
    FCNN([4], "sigmoid", dataset="prod", seed=0),
]
for m in models:
    m.fit(epochs=20, lr=0.005)
w = FCNNCompare(models, sample=10, palette="viridis", shared_ranges=True)
w
"""

# Each panel's neurons, by model: {model: {"a-1-0": value, ...}} as the page shows them.
PANEL_VALUES_JS = """
(root) => Array.from(root.querySelectorAll('g[data-model][data-uid]')).map((g) =>
  Object.fromEntries(Array.from(g.querySelectorAll('circle[data-kind]')).map((c) =>
    [`${c.dataset.kind}-${c.dataset.layer}-${c.dataset.index}`, Number(c.dataset.value)])))
"""
BAR_RANGES_JS = """
(root) => Array.from(root.querySelectorAll('g[data-model][data-uid]')).map((g) =>
  Array.from(g.querySelectorAll('text[data-range]')).map((t) => t.textContent).join(' '))
"""
TRACES = """
__import__('json').dumps([
    {f"{'x' if k == 0 else kind}-{k}-{i}": float(v)
     for k in range(len(m.widths))
     for kind, layer in (("z", tr.z), ("a", tr.a)) if not (k == 0 and kind == "z")
     for i, v in enumerate(np.asarray(layer[k])[SAMPLE])}
    for m, tr in ((m, m.trace(m.dataset.X)) for m in models)
])
"""


@pytest.fixture(scope="module")
def compare_page(lab):
    nb, root = open_widget(lab, [SETUP], timeout=240)
    yield nb, root
    nb.close()


def page_sample(nb, sample: int) -> None:
    nb.wait_for(f"() => document.querySelector('.fcnn-compare')?.dataset.sample === '{sample}'")


def expected_values(nb, sample: int) -> list[dict]:
    import json

    return json.loads(nb.kernel_value(TRACES.replace("SAMPLE", str(sample))))


def test_three_panels_one_scrub_moves_all(compare_page):
    nb, root = compare_page
    assert root.locator("g[data-model][data-uid]").count() == 3
    assert root.locator('input[data-control="sample-slider"]').count() == 1
    page_sample(nb, 10)
    before = root.evaluate(PANEL_VALUES_JS)
    for shown, want in zip(before, expected_values(nb, 10)):
        assert shown == pytest.approx(want, rel=1e-6, abs=1e-7)
    # One scrub in the page (the number box): every panel shows the new sample's trace.
    box = root.locator('input[data-control="sample-box"]')
    box.fill("1027")
    box.press("Enter")
    page_sample(nb, 1027)
    after = root.evaluate(PANEL_VALUES_JS)
    for shown, want, old in zip(after, expected_values(nb, 1027), before):
        assert shown == pytest.approx(want, rel=1e-6, abs=1e-7)
        assert shown != old
    nb.wait_for_kernel("w.sample == 1027")
    # The kernel laid the panels out for the cell's width: as many per row as stay legible.
    width = root.evaluate("(el) => el.getBoundingClientRect().width")
    nb.wait_for_kernel(
        "w.comparison.columns == __import__('fcnn_widget').compare.fit_columns("
        f"[__import__('fcnn_widget').picture.layout_of(s).width for s in w.scenes], {width})"
    )
    nb.screenshot(root, "compare-three-networks-sample1027")
    nb.assert_no_errors()


def test_scrub_is_in_the_page(compare_page):
    """The slider's input event redraws every panel at once, before the kernel hears of it."""
    nb, root = compare_page
    nb.execute("w.sample = 10")
    page_sample(nb, 10)
    moved = root.evaluate(
        """(root) => {
          const slider = root.querySelector('input[data-control="sample-slider"]');
          const first = root.querySelector('g[data-model="2"][data-uid] circle[data-kind="a"]').dataset.value;
          slider.value = "11";
          slider.dispatchEvent(new Event("input"));  // synchronously restyles every panel
          const now = root.querySelector('g[data-model="2"][data-uid] circle[data-kind="a"]').dataset.value;
          return [root.dataset.sample, first !== now];
        }"""
    )
    assert moved == ["11", True]
    want = expected_values(nb, 11)
    shown = root.evaluate(PANEL_VALUES_JS)
    for s, w in zip(shown, want):
        assert s == pytest.approx(w, rel=1e-6, abs=1e-7)
    nb.wait_for_kernel("w.sample == 11")


def test_shared_ranges_give_equal_colour_bars(compare_page):
    nb, root = compare_page
    bars = root.evaluate(BAR_RANGES_JS)
    assert len(bars) == 3 and bars[0] == bars[1] == bars[2], bars
    nb.execute("w.shared_ranges = False")
    nb.wait_for(
        """() => { const t = Array.from(document.querySelectorAll('.fcnn-compare g[data-model][data-uid]'),
              (g) => Array.from(g.querySelectorAll('text[data-range]')).map((t) => t.textContent).join(' '));
            return t.length === 3 && t[0] !== t[1]; }"""
    )
    # The page's own checkbox sets it back (the kernel redraws every panel).
    root.locator('input[data-control="shared_ranges"]').check()
    nb.wait_for_kernel("w.shared_ranges is True")
    nb.wait_for(
        """() => { const t = Array.from(document.querySelectorAll('.fcnn-compare g[data-model][data-uid]'),
              (g) => Array.from(g.querySelectorAll('text[data-range]')).map((t) => t.textContent).join(' '));
            return t.length === 3 && t[0] === t[1] && t[1] === t[2]; }"""
    )


def test_page_equals_python_after_scrubbing(compare_page):
    nb, root = compare_page
    root.locator('button[data-control="next"]').click()
    nb.wait_for_kernel("w.sample == 12")
    page_sample(nb, 12)
    assert_page_equals_python(nb, root)
    root.locator('select[data-control="palette"]').select_option("plasma")
    nb.wait_for_kernel("w.palette == 'plasma'")
    nb.wait_for(
        "() => document.querySelector('.fcnn-compare stop[data-lut]') && "
        "document.querySelector('.fcnn-compare svg').outerHTML.includes('#0d0887')"
    )
    assert_page_equals_python(nb, root)
    nb.assert_no_errors()


# -- the saved page: no kernel --------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_page(browser, tmp_path_factory):
    from fcnn_widget import FCNN, FCNNCompare

    models = [FCNN([4], "relu", dataset="prod", seed=1), FCNN([4], "sigmoid", dataset="prod")]
    for m in models:
        m.fit(epochs=10, lr=0.005)
    w = FCNNCompare(models, sample=10, title="saved comparison")
    path = w.save_html(tmp_path_factory.mktemp("cmp") / "compare.html")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.problems, page.requests = [], []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.locator("svg.fcnn-picture g[data-model]").first.wait_for(timeout=30_000)
    yield w, page
    context.close()


def test_saved_page_scrubs_every_panel_offline(saved_page):
    import numpy as np

    w, page = saved_page
    assert page.locator("g[data-model][data-uid]").count() == 2
    box = page.locator('input[data-control="sample-box"]')
    box.fill("1027")
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.fcnn-compare').dataset.sample === '1027'"
    )
    shown = page.evaluate(f"() => ({PANEL_VALUES_JS})(document.querySelector('.fcnn-compare'))")
    for values, m in zip(shown, w.models):
        out = float(np.asarray(m.trace(m.dataset.X).a[-1])[1027, 0])
        assert values[f"a-{len(m.widths) - 1}-0"] == pytest.approx(out, rel=1e-6)
    assert all(u.startswith(("file:", "data:", "blob:")) for u in page.requests), page.requests
    assert page.locator('select[data-control="palette"]').is_disabled()
    page.screenshot(path=str(ARTIFACTS / "compare-saved-page.png"))
    assert page.problems == []


def test_hover_shows_the_panels_own_values(compare_page):
    nb, root = compare_page
    for i in (0, 1):
        circle = root.locator(
            f'g[data-model="{i}"][data-uid] circle[data-kind="z"][data-layer="1"][data-index="0"]'
        )
        circle.hover()
        tip = root.locator(".fcnn-tooltip")
        tip.wait_for(state="visible")
        value = circle.get_attribute("data-value")
        nb.wait_for(
            "(want) => document.querySelector('.fcnn-compare .fcnn-tooltip').textContent.endsWith(want)",
            arg=f"= {value}",
        )
    nb.assert_no_errors()
