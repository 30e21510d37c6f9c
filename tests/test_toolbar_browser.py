"""The saved page (``save_html``) opened from file:// with no kernel and no network, and the
toolbar's downloads in the real JupyterLab."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import pytest
from harness.lab import ARTIFACTS_DIR as ARTIFACTS
from harness.svg_compare import SNAPSHOT_JS, open_widget, svg_elements

from fcnn_widget import FCNN, FCNNWidget

pytestmark = pytest.mark.browser

HOSTILE = "relu [5, 5] </script><script>alert(\"x\")</script> & 'q'"
SAMPLE = 10
NEURON = 'circle[data-kind="z"][data-layer="2"][data-index="3"]'
NEURONS_JS = "() => Array.from(document.querySelectorAll('svg.fcnn-picture circle[data-kind]'), (c) => [c.getAttribute('data-value'), c.getAttribute('fill')])"


# -- the standalone page -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=30, lr=0.005, batch_size=100)
    w = FCNNWidget(model, sample=SAMPLE, title=HOSTILE)
    path = w.save_html(tmp_path_factory.mktemp("page") / "widget.html")
    return w, path


@pytest.fixture(scope="module")
def page(browser, saved):
    _, path = saved
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.problems = []
    page.requests = []
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and page.problems.append(f"{m.type}: {m.text}"),
    )
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.locator("svg.fcnn-picture").wait_for(timeout=30_000)
    yield page
    context.close()


def caption(page) -> str:
    return page.locator('svg.fcnn-picture text[data-role="sample"]').text_content()


def show_sample(page, s: int) -> None:
    box = page.locator('input[data-control="sample-box"]')
    box.fill(str(s))
    box.press("Enter")
    page.wait_for_function(f"() => document.querySelector('.fcnn-widget').dataset.sample === '{s}'")


def test_opens_offline_with_the_picture_and_nothing_fetched(page, saved):
    w, _ = saved
    assert caption(page) == f"sample {SAMPLE} of 2500"
    assert page.locator("svg.fcnn-picture circle[data-kind]").count() == 2 + 2 * 11
    assert page.locator(NEURON).get_attribute("fill") == w.color_of("z", 2, 3)
    assert page.title() == HOSTILE  # shown as text, never run (no dialog: see problems)
    assert HOSTILE in page.locator("svg.fcnn-picture").text_content()
    assert all(u.startswith(("file:", "data:", "blob:")) for u in page.requests), page.requests
    assert page.problems == []


def test_next_button_and_slider_change_values_and_caption(page, saved):
    w, _ = saved
    show_sample(page, SAMPLE)
    before = page.evaluate(NEURONS_JS)
    page.locator('button[data-control="next"]').click()
    assert caption(page) == f"sample {SAMPLE + 1} of 2500"
    after = page.evaluate(NEURONS_JS)
    assert [v for v, _ in after] != [v for v, _ in before]
    assert page.locator(NEURON).get_attribute("fill") == w.color_of("z", 2, 3, sample=SAMPLE + 1)
    slider = page.locator('input[data-control="sample-slider"]')
    slider.evaluate(
        "(s) => { s.value = '1027'; s.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    assert caption(page) == "sample 1027 of 2500"
    assert page.locator(NEURON).get_attribute("fill") == w.color_of("z", 2, 3, sample=1027)
    slider.focus()
    slider.press("ArrowRight")
    assert caption(page) == "sample 1028 of 2500"
    assert page.problems == []


def test_epoch_scrubbing_for_the_saved_sample(page):
    show_sample(page, SAMPLE)
    epoch_caption = page.locator('svg.fcnn-picture text[data-role="epoch"]')
    final = page.evaluate(NEURONS_JS)
    slider = page.locator('input[data-control="epoch-slider"]')
    slider.evaluate(
        "(s) => { s.value = '3'; s.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    assert epoch_caption.text_content() == "epoch 3 of 30"
    assert page.evaluate(NEURONS_JS) != final
    slider.evaluate(
        "(s) => { s.value = s.max; s.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    assert epoch_caption.text_content() == "epoch 30 of 30"
    assert page.evaluate(NEURONS_JS) == final
    page.wait_for_timeout(300)  # the page's delayed epoch sync: a no-op without a kernel
    assert page.problems == []


def test_epochs_of_other_samples_are_disabled_with_a_note(page):
    """The page holds the epochs of the saved sample only: elsewhere the epoch control says so
    and shows the epoch the picture shows; back on the saved sample it scrubs again."""
    slider = page.locator('input[data-control="epoch-slider"]')
    label = page.locator('[data-control="epoch-label"]')
    note = page.locator('[data-control="epoch-note"]')
    epoch_caption = page.locator('svg.fcnn-picture text[data-role="epoch"]')
    show_sample(page, SAMPLE)
    slider.evaluate(
        "(s) => { s.value = '3'; s.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    assert epoch_caption.text_content() == "epoch 3 of 30" and label.text_content() == "3 / 30"
    assert slider.is_enabled() and not note.is_visible()

    show_sample(page, SAMPLE + 1)
    assert epoch_caption.text_content() == "epoch 30 of 30"
    assert label.text_content() == "30 / 30"  # the picture's epoch, not the slider's old one
    assert slider.is_disabled()
    assert note.is_visible() and note.text_content() == f"saved for sample {SAMPLE} only"
    page.locator(".fcnn-controls").screenshot(path=str(ARTIFACTS / "saved-page-epoch-note.png"))

    show_sample(page, SAMPLE)  # back: the saved sample's epochs again, where the user left them
    assert slider.is_enabled() and not note.is_visible()
    assert epoch_caption.text_content() == "epoch 3 of 30" and label.text_content() == "3 / 30"
    slider.evaluate(
        "(s) => { s.value = s.max; s.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    assert epoch_caption.text_content() == "epoch 30 of 30"
    assert page.problems == []


def test_palette_and_norm_recolour_from_saved_variants(page, saved):
    w, _ = saved
    show_sample(page, SAMPLE)
    palette = page.locator('select[data-control="palette"]')
    assert palette.locator("option").all_text_contents() == [
        "viridis",
        "plasma",
        "coolwarm",
        "RdBu",
    ]
    before = page.evaluate(NEURONS_JS)
    expected = {}
    try:
        for p, n, scope in [
            ("RdBu", "component", "dataset"),
            ("RdBu", "layer", "dataset"),
            ("plasma", "layer", "sample"),
            ("viridis", "global", "sample"),
        ]:
            w.palette, w.norm, w.norm_scope = p, n, scope
            expected[p, n, scope] = (w.color_of("z", 2, 3), w.color_of("a", 1, 0), w.symmetric)
    finally:
        w.palette, w.norm, w.norm_scope = "viridis", "component", "dataset"
    for (p, n, scope), (z23, a10, symmetric) in expected.items():
        palette.select_option(p)
        page.locator('select[data-control="norm"]').select_option(n)
        page.locator('select[data-control="norm_scope"]').select_option(scope)
        page.wait_for_function(
            "([sel, want]) => document.querySelector(sel)?.getAttribute('fill') === want",
            arg=[NEURON, z23],
        )
        assert (
            page.locator('circle[data-kind="a"][data-layer="1"][data-index="0"]').get_attribute(
                "fill"
            )
            == a10
        )
        assert page.locator('input[data-control="symmetric"]').is_checked() == symmetric
        assert page.locator('input[data-control="symmetric"]').is_disabled()
        assert caption(page) == f"sample {SAMPLE} of 2500"  # the sample stays
    assert page.evaluate(NEURONS_JS) != before
    # Back to the saved settings: the saved picture again.
    palette.select_option("viridis")
    page.locator('select[data-control="norm"]').select_option("component")
    page.locator('select[data-control="norm_scope"]').select_option("dataset")
    page.wait_for_function(
        "([sel, want]) => document.querySelector(sel)?.getAttribute('fill') === want",
        arg=[NEURON, w.color_of("z", 2, 3)],
    )
    assert page.evaluate(NEURONS_JS) == before
    assert page.problems == []


def test_toolbar_downloads_in_the_saved_page(page):
    with page.expect_download() as info:
        page.locator('button[data-control="download-svg"]').click()
    download = info.value
    shown = page.locator(".fcnn-widget").get_attribute("data-sample")
    assert download.suggested_filename == f"fcnn-sample{shown}.svg"
    root = ET.parse(download.path()).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    page.locator('select[data-control="png-scale"]').select_option("3")
    with page.expect_download() as info:
        page.locator('button[data-control="download-png"]').click()
    width, height = png_size(open(info.value.path(), "rb").read())
    assert (width, height) == (3 * int(root.get("width")), 3 * int(root.get("height")))
    assert page.problems == []


def test_copy_puts_the_picture_on_the_clipboard(browser, saved):
    _, path = saved
    context = browser.new_context()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.goto(path.resolve().as_uri())
        page.locator("svg.fcnn-picture").wait_for(timeout=30_000)
        page.locator('button[data-control="copy"]').click()
        status = page.locator('[data-control="toolbar-status"]')
        page.wait_for_function(
            "() => document.querySelector('[data-control=\"toolbar-status\"]').textContent !== ''"
        )
        assert status.get_attribute("data-state") == "ok", status.text_content()
        types = page.evaluate(
            "async () => (await navigator.clipboard.read()).flatMap((item) => item.types)"
        )
        assert status.text_content() == "copied" and "image/png" in types
    finally:
        context.close()


# -- the toolbar in JupyterLab -------------------------------------------------------------------
SETUP = f"""
from fcnn_widget import FCNN, FCNNWidget
model = FCNN([5, 5], "relu", dataset="prod", seed=0)
model.fit(epochs=30, lr=0.005)
w = FCNNWidget(model, sample={SAMPLE})
w
"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def lab_widget(lab):
    nb, root = open_widget(lab, [SETUP], timeout=180)
    yield nb, root
    nb.close()


def test_svg_download_in_jupyterlab_is_the_page_picture(lab_widget):
    nb, root = lab_widget
    root.locator('button[data-control="next"]').click()  # a page-side restyle, then download
    nb.wait_for_kernel(f"w.sample == {SAMPLE + 1}")
    with nb.page.expect_download() as info:
        root.locator('button[data-control="download-svg"]').click()
    download = info.value
    assert download.suggested_filename == f"fcnn-sample{SAMPLE + 1}.svg"
    text = open(download.path(), encoding="utf-8").read()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    svg = ET.fromstring(text.split("?>", 1)[1].strip())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    page_elements = root.evaluate(SNAPSHOT_JS)
    downloaded = svg_elements(svg)
    assert len(downloaded) == len(page_elements)
    for (tag, attrs, own), (ptag, pattrs, pown) in zip(downloaded, page_elements):
        assert (tag, attrs, own) == (ptag, pattrs, pown), (tag, attrs)
    served = root.locator("svg.fcnn-picture").evaluate(
        "(s) => new XMLSerializer().serializeToString(s)"
    )
    assert text.split("?>", 1)[1].strip() == served
    caption = [e for e in svg.iter() if e.get("data-role") == "sample"]
    assert caption[0].text == f"sample {SAMPLE + 1} of 2500"
    nb.assert_no_errors()


def test_png_download_in_jupyterlab_at_2x(lab_widget):
    nb, root = lab_widget
    root.locator('select[data-control="png-scale"]').select_option("2")
    with nb.page.expect_download() as info:
        root.locator('button[data-control="download-png"]').click()
    download = info.value
    assert download.suggested_filename.endswith("@2x.png")
    width, height = png_size(open(download.path(), "rb").read())
    svg = root.locator("svg.fcnn-picture")
    w_attr, h_attr = (float(svg.get_attribute(a)) for a in ("width", "height"))
    assert (width, height) == (round(2 * w_attr), round(2 * h_attr))
    nb.assert_no_errors()
