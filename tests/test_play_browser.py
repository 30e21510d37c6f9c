"""Play in the page (js/player.js) in a real JupyterLab and in a saved page: play advances
the shown sample or epoch at about the chosen rate with no kernel round trip per frame,
pauses when a control is touched (or on space), and the page equals ``to_svg`` after it."""

from __future__ import annotations

import time

import pytest
from harness.lab import ARTIFACTS_DIR as ARTIFACTS
from harness.svg_compare import assert_page_equals_python, open_widget

from fcnn_widget import FCNN, FCNNWidget

pytestmark = pytest.mark.browser

SETUP = """
from fcnn_widget import FCNN, FCNNWidget
model = FCNN([5, 5], "relu", dataset="prod", seed=0)
model.fit(epochs=40, lr=0.005)
w = FCNNWidget(model, sample=10)
w
"""
FPS = 10


@pytest.fixture(scope="module")
def widget_page(lab):
    nb, root = open_widget(lab, [SETUP], timeout=180)
    yield nb, root


def shown(root, what: str) -> int:
    return int(root.evaluate(f"(el) => el.dataset.{what}"))


def play_for(root, over: str, seconds: float) -> tuple[int, int, float]:
    """Play ``over`` for about ``seconds``: (first, last shown, elapsed)."""
    root.locator('select[data-control="play-over"]').select_option(over)
    root.locator('input[data-control="play-fps"]').fill(str(FPS))
    first = shown(root, over)
    root.locator('button[data-control="play"]').click()
    began = time.perf_counter()
    root.page.wait_for_timeout(seconds * 1000)
    last, elapsed = shown(root, over), time.perf_counter() - began
    return first, last, elapsed


def test_play_samples_at_the_rate_then_pause_on_a_control_touch(widget_page):
    nb, root = widget_page
    first, last, elapsed = play_for(root, "sample", 2.0)
    assert root.evaluate("(el) => el.querySelector('.fcnn-play').dataset.playing") == "true"
    rate = (last - first) / elapsed
    assert 0.3 * FPS <= rate <= 1.5 * FPS, rate  # loosely: a busy machine drops frames
    # The kernel heard nothing per frame: its sample is still the first one.
    assert nb.kernel_value("w.sample") == first
    root.locator('select[data-control="palette"]').dispatch_event("pointerdown")
    assert root.evaluate("(el) => el.querySelector('.fcnn-play').dataset.playing") == "false"
    stopped = shown(root, "sample")
    root.page.wait_for_timeout(500)
    assert shown(root, "sample") == stopped
    nb.wait_for_kernel(f"w.sample == {stopped}")  # told once, on pause
    root.page.wait_for_timeout(300)
    assert_page_equals_python(nb, root)
    root.page.screenshot(path=str(ARTIFACTS / "play_samples_paused.png"))


def test_play_epochs_and_space_toggles(widget_page):
    nb, root = widget_page
    first, last, elapsed = play_for(root, "epoch", 2.0)
    epochs = nb.kernel_value("w.epochs")
    assert last != first and last in epochs
    steps = (epochs.index(last) - epochs.index(first)) % len(epochs)
    assert steps >= 0.3 * FPS * (elapsed - 0.5), (steps, elapsed)  # the timeline may take a moment
    root.focus()
    root.press(" ")
    assert root.evaluate("(el) => el.querySelector('.fcnn-play').dataset.playing") == "false"
    stopped = shown(root, "epoch")
    nb.wait_for_kernel(f"w.epoch == {stopped}")
    root.page.wait_for_timeout(500)
    assert shown(root, "epoch") == stopped
    assert_page_equals_python(nb, root)
    root.press(" ")
    assert root.evaluate("(el) => el.querySelector('.fcnn-play').dataset.playing") == "true"
    root.press(" ")


def test_play_once_stops_at_the_end(widget_page):
    nb, root = widget_page
    root.locator('select[data-control="play-over"]').select_option("epoch")
    root.locator('input[data-control="play-loop"]').uncheck()
    root.locator('input[data-control="play-fps"]').fill("60")
    root.locator('button[data-control="play"]').click()
    root.page.wait_for_function(
        "() => document.querySelector('.fcnn-play').dataset.playing === 'false'", timeout=20_000
    )
    assert shown(root, "epoch") == nb.kernel_value("w.epochs[-1]")
    root.locator('input[data-control="play-loop"]').check()


def test_record_button_downloads_the_kernels_gif(widget_page, tmp_path):
    nb, root = widget_page
    root.locator('select[data-control="play-over"]').select_option("epoch")
    with root.page.expect_download(timeout=240_000) as info:
        root.locator('button[data-control="record"]').click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    from PIL import Image

    with Image.open(path) as im:
        assert im.format == "GIF" and im.n_frames == len(nb.kernel_value("w.epochs"))


def test_saved_page_plays(browser, tmp_path):
    model = FCNN([4], dataset="prod", seed=1)
    model.fit(epochs=10, lr=0.005)
    path = FCNNWidget(model, sample=3).save_html(tmp_path / "page.html")
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri())
        root = page.locator(".fcnn-widget")
        root.locator("svg.fcnn-picture").wait_for(timeout=30_000)
        assert root.locator('button[data-control="record"]').is_hidden()  # no kernel
        first, last, elapsed = play_for(root, "sample", 1.5)
        assert last > first
        root.locator('button[data-control="play"]').click()
        # A saved page holds the epochs of its saved sample only: back to it, then epochs play.
        box = root.locator('input[data-control="sample-box"]')
        box.fill("3")
        box.press("Enter")
        first, last, elapsed = play_for(root, "epoch", 1.5)
        assert last != first
    finally:
        page.close()
