"""The picture in the page reads at the width its cell gives it: in a real JupyterLab the
widget reports its width, the kernel lays the picture out for it, and the page shows it at
that size, so every text is at least 11 px on screen and none lies over another text or
under a mark (the browser's own getBBox: tests/harness/text_boxes.py). A classifier's
class marks and its input panel's title follow the sample as the page scrubs."""

from __future__ import annotations

import pytest
from harness.svg_compare import open_widget
from harness.text_boxes import collisions, page_items, smallest_font_px

from fcnn_widget.layout import MIN_FONT

pytestmark = pytest.mark.browser

SEEDS = """
from fcnn_widget import FCNN, FCNNWidget
ws = {}
for name, hidden, act, seed in [("relu_4", [4], "relu", 1), ("relu_5_5", [5, 5], "relu", 0),
                                ("sigmoid_4", [4], "sigmoid", 0)]:
    model = FCNN(hidden, act, dataset="prod", seed=seed)
    model.fit(epochs=40, lr=0.01, batch_size=100)
    ws[name] = FCNNWidget(model, sample=10, title=f"prod: {act} {hidden}")
w = ws["relu_5_5"]
"""
NAMES = ("relu_4", "relu_5_5", "sigmoid_4")

DIGITS = """
import numpy as np
from sklearn.datasets import load_digits
from fcnn_widget import FCNN, FCNNWidget, Dataset
d = load_digits()
X = (d.data / 16.0).astype(np.float32)
data = Dataset.from_arrays(X[:1400], d.target[:1400], X_test=X[1400:], y_test=d.target[1400:])
model = FCNN([32, 16], "relu", dataset=data, seed=0)
model.fit(epochs=3, lr=0.003, batch_size=64)
picked = model.predict(data.X).argmax(1)
wrong, right = int(np.flatnonzero(picked != data.y)[0]), int(np.flatnonzero(picked == data.y)[0])
w = FCNNWidget(model, sample=right, title="digits: 64-32-16-10 relu")
w
"""


def set_width(nb, root, widget: str, width: int | None) -> None:
    """Give the widget ``width`` px (None: its cell's), and wait for the picture laid out
    for it (the page reports its width; the kernel sends the new picture)."""
    root.evaluate("(el, w) => { el.style.width = w ? `${w}px` : ''; }", width)
    wanted = width or int(root.evaluate("(el) => el.clientWidth")) // 20 * 20
    nb.wait_for_kernel(f"{widget}._page_width == {wanted}", timeout=60)
    want = nb.kernel_value(
        f"__import__('fcnn_widget').picture.layout_of({widget}.scene, {widget}._fit_width()).width"
    )
    root.locator("svg.fcnn-picture").wait_for(timeout=60_000)
    nb.page.wait_for_function(
        "([el, w]) => Math.abs(el.querySelector('svg.fcnn-picture').viewBox.baseVal.width - w) < 0.5",
        arg=[root.element_handle(), want],
        timeout=60_000,
    )
    nb.page.wait_for_timeout(300)


def check_readable(root) -> None:
    items, scale = page_items(root)
    size, smallest = smallest_font_px(items, scale)
    assert size >= MIN_FONT - 0.01, (smallest.role, smallest.text, size, scale)
    assert collisions(items) == []


def test_seed_networks_read_at_720_and_1400_px(lab):
    cells = [SEEDS] + [f"ws[{name!r}]" for name in NAMES]
    nb, _ = open_widget(lab, cells, timeout=300)
    nb.page.set_viewport_size({"width": 1700, "height": 1100})
    for n, name in enumerate(NAMES):
        root = nb.page.locator(".fcnn-widget").nth(n)
        root.scroll_into_view_if_needed()
        for width in (720, 1400):
            set_width(nb, root, f"ws[{name!r}]", width)
            for sample in (10, 1027):  # the page restyles: the off marks follow the sample
                root.locator('input[data-control="sample-box"]').fill(str(sample))
                root.locator('input[data-control="sample-box"]').press("Enter")
                nb.wait_for_kernel(f"ws[{name!r}].sample == {sample}")
                check_readable(root)
            nb.screenshot(root.locator("svg.fcnn-picture"), f"layout-page-{name}-{width}px")
            svg_width = root.evaluate("(el) => el.querySelector('svg').viewBox.baseVal.width")
            assert svg_width == 720 if width == 720 else svg_width <= 1400
    nb.assert_no_errors()


def test_a_normal_cell_keeps_the_wide_picture(lab):
    """At a normal cell width the notebook shows the wide picture, as before."""
    nb, root = open_widget(lab, [SEEDS, "w"], timeout=300)
    set_width(nb, root, "w", None)
    mode = nb.kernel_value(
        "__import__('fcnn_widget').picture.layout_of(w.scene, w._fit_width()).mode"
    )
    assert mode == "wide"
    check_readable(root)
    nb.assert_no_errors()


def test_classifier_marks_follow_the_sample_in_the_page(lab):
    nb, root = open_widget(lab, [DIGITS], timeout=300)
    nb.page.set_viewport_size({"width": 1400, "height": 1500})
    set_width(nb, root, "w", 720)
    read = (
        "(el) => ({marks: Array.from(el.querySelectorAll('text[data-mark=\"class\"]'))"
        ".map((t) => [t.textContent, t.getAttribute('fill')]),"
        " title: el.querySelector('text[data-role=\"panel-title\"]').textContent})"
    )
    expected_js = (
        "(lambda s: ([[t.text or '', t.get('fill')] for t in s.iter() if t.get('data-mark') == 'class'],"
        " next(t.text for t in s.iter() if t.get('data-role') == 'panel-title')))"
        "(__import__('xml.etree.ElementTree').etree.ElementTree.fromstring(w.to_svg()))"
    )
    wrong, right = nb.kernel_value("(wrong, right)")
    titles = []
    for sample in (wrong, right, wrong + 1, right + 1):
        root.locator('input[data-control="sample-box"]').fill(str(sample))
        root.locator('input[data-control="sample-box"]').press("Enter")  # the page restyles
        nb.wait_for_kernel(f"w.sample == {sample}")
        got = root.evaluate(read)
        marks, title = nb.kernel_value(expected_js)
        assert got["marks"] == marks, sample
        assert got["title"] == title, sample
        titles.append(title)
        check_readable(root)
        if sample == wrong:
            nb.screenshot(
                root.locator("svg.fcnn-picture"), "layout-page-digits-720px-misclassified"
            )
    assert titles[0].endswith("✗") and titles[1].endswith("✓")
    nb.assert_no_errors()


def test_figure_preset_shows_the_picture_alone(lab):
    cells = [
        "from fcnn_widget import FCNN, FCNNWidget\n"
        'w = FCNNWidget(FCNN([4], dataset="prod"), preset="figure", title="T", caption="C")\nw'
    ]
    nb, root = open_widget(lab, cells, timeout=180)
    assert root.locator(".fcnn-controls").is_hidden()
    assert root.locator('svg text[data-role="caption"]').text_content() == "C"
    nb.screenshot(root, "layout-page-figure-preset")
    nb.execute('w.preset = "notebook"')
    nb.wait_for(
        "() => !document.querySelector('.fcnn-widget').classList.contains('fcnn-as-figure')"
    )
    assert root.locator(".fcnn-controls").is_visible()
    nb.assert_no_errors()
