"""The README's promise: a newcomer opens examples/seed_demo.ipynb, sees the three networks
of the original post, scrubs the post's samples and switches palettes and norms — in
JupyterLab 4 and in Notebook 7."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.lab import wait_until

from fcnn_widget import colors

pytestmark = pytest.mark.browser

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed_demo.ipynb"
POST_SAMPLES = (10, 1027, 1403, 2360, 2453)


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_seed_notebook_shows_three_networks_that_react(lab, app):
    nb = lab.open_notebook(str(SEED), app=app)
    nb.run_all(timeout=300)
    widgets = nb.page.locator(".fcnn-widget")
    widgets.nth(2).locator("svg.fcnn-picture").wait_for(timeout=60_000)
    assert widgets.count() == 3
    titles = [widgets.nth(i).locator('text[data-role="model"]').text_content() for i in range(3)]
    assert titles == ["2-4-1 relu", "2-5-5-1 relu", "2-4-1 sigmoid"]
    for i in range(3):
        root = widgets.nth(i)
        box = root.locator('input[data-control="sample-box"]')
        for sample in POST_SAMPLES:
            box.fill(str(sample))
            box.press("Enter")
            caption = root.locator('text[data-role="sample"]')
            assert caption.text_content() == f"sample {sample} of 2500"
    # Arrow keys scrub in both front ends (their own shortcuts do not take them).
    slider = widgets.nth(0).locator('input[data-control="sample-slider"]')
    slider.focus()
    slider.press("ArrowRight")
    caption = widgets.nth(0).locator('text[data-role="sample"]')
    assert caption.text_content() == f"sample {POST_SAMPLES[-1] + 1} of 2500"
    root = widgets.nth(1)
    first_stop = "(el) => el.querySelector('linearGradient stop').getAttribute('stop-color')"
    for palette in ("viridis", "rainbow", "cool"):
        root.locator('select[data-control="palette"]').select_option(palette)
        expected = colors.resolve_palette(palette).colors[0]
        wait_until(lambda e=expected: root.evaluate(first_stop) == e, timeout=30, message=palette)
    bar_titles = "(el) => Array.from(el.querySelectorAll('text[data-role=\"bar-title\"]')).map((t) => t.textContent)"
    for norm, first_title in (
        ("global", "all values"),
        ("layer", "x"),
        ("component", "activations a (and x)"),
    ):
        root.locator('select[data-control="norm"]').select_option(norm)
        wait_until(
            lambda t=first_title: root.evaluate(bar_titles)[0] == t, timeout=30, message=norm
        )
    widget = nb.page.locator(".fcnn-widget").nth(1)
    widget.scroll_into_view_if_needed()
    nb.screenshot(widget, f"seed-{app}-relu55")
    nb.assert_no_errors()
