"""examples/marimo_demo.py in a real marimo (``marimo edit`` and ``marimo run``) in headless
Chromium: the widget renders inside marimo's shadow root, arrow keys scrub samples and the
reactive cell follows, text is readable in marimo's dark and light themes (contrast from
computed colours), the picture fits its cell, and Stop stops a long fit (which marimo runs
in a thread: it cannot deliver a click to a running cell)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from harness.lab import ARTIFACTS_DIR
from harness.marimo import MarimoServer, assert_readable, open_widget, wait_for

pytest.importorskip("marimo")
pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parent.parent / "examples" / "marimo_demo.py"


def screenshot(page, name: str) -> Path:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def overflow(widget) -> list:
    """Whatever scrolls between the widget and the cell's output area (the first ancestor
    that would scroll: overflow auto or scroll; that one in either direction, the others
    sideways), and a picture wider than the widget. [] when the whole widget shows."""
    return widget.evaluate(
        """(el) => {
        const out = [], svg = el.querySelector("svg.fcnn-picture");
        if (svg.getBoundingClientRect().width > el.clientWidth + 1) out.push(["svg", svg.getBoundingClientRect().width, el.clientWidth]);
        for (let n = el; n; n = n.parentElement || n.getRootNode().host) {
          const name = n.tagName + "." + n.className;
          if (n.clientWidth && n.scrollWidth > n.clientWidth + 1) out.push([name, "width", n.scrollWidth, n.clientWidth]);
          const style = getComputedStyle(n);
          if (["auto", "scroll"].includes(style.overflowY) || ["auto", "scroll"].includes(style.overflowX)) {
            if (n.scrollHeight > n.clientHeight + 1) out.push([name, "height", n.scrollHeight, n.clientHeight]);
            break;
          }
        }
        return out; }"""
    )


def hover_and_pick_where_scaled(widget) -> None:
    """The picture is drawn smaller than its own size: hover text and a click on the plane
    still find what is under the pointer."""
    # Narrower than the wide picture: laid out for the window (issue 17) or scaled into it.
    fits = widget.evaluate(
        "(el) => el.querySelector('svg.fcnn-picture').getBoundingClientRect().right"
        " <= document.documentElement.clientWidth + 1"
    )
    assert fits
    neuron = widget.locator('circle[data-kind="a"][data-layer="1"][data-index="2"]')
    neuron.hover()
    tip = widget.locator(".fcnn-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    assert neuron.get_attribute("data-value") in tip.inner_text()
    sample = int(widget.evaluate("(el) => el.dataset.sample"))
    ring = widget.locator('circle[data-role="ring-inner"]').bounding_box()
    widget.locator('button[data-control="next"]').click()  # the ring moves away
    wait_for(lambda: widget.evaluate("(el) => el.dataset.sample") == str(sample + 1), 10, "next")
    x, y = ring["x"] + ring["width"] / 2, ring["y"] + ring["height"] / 2
    widget.page.mouse.click(x, y)
    # The nearest sample to a click at sample's own point: that one, or a neighbour closer
    # than a screen pixel's rounding; either way the ring comes back under the pointer.
    wait_for(lambda: widget.evaluate("(el) => el.dataset.sample") != str(sample + 1), 10, "pick")
    box = widget.locator('circle[data-role="ring-inner"]').bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert abs(centre[0] - x) < 3 and abs(centre[1] - y) < 3, (centre, (x, y))


def press_arrow_and_follow(page, widget) -> None:
    """Click the picture (focus), ArrowRight: the sample moves and the reactive cell shows it."""
    start = int(widget.evaluate("(el) => el.dataset.sample"))
    widget.locator('text[data-role="sample"]').click()
    page.keyboard.press("ArrowRight")
    wait_for(
        lambda: widget.evaluate("(el) => el.dataset.sample") == str(start + 1),
        10,
        "ArrowRight scrubs",
    )
    page.get_by_text(f"Sample {start + 1} at epoch").wait_for(timeout=30_000)
    page.keyboard.press("ArrowLeft")
    wait_for(lambda: widget.evaluate("(el) => el.dataset.sample") == str(start), 10, "ArrowLeft")
    page.get_by_text(f"Sample {start} at epoch").wait_for(timeout=30_000)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_marimo_edit(browser, theme):
    with MarimoServer("edit", DEMO, theme=theme) as server:
        page, widget = open_widget(browser, server)
        wait_for(lambda: widget.evaluate("(el) => el.dataset.hostTheme") == theme, 10, theme)
        assert_readable(widget, f"marimo edit {theme}")
        press_arrow_and_follow(page, widget)
        assert overflow(widget) == []
        hover_and_pick_where_scaled(widget)
        widget.scroll_into_view_if_needed()
        screenshot(page, f"marimo-edit-{theme}")
        page.context.close()


def test_marimo_run_stops_a_long_fit_and_fits_a_narrow_window(browser):
    with MarimoServer("run", DEMO, theme="dark") as server:
        page, widget = open_widget(
            browser, server, viewport={"width": 760, "height": 1700}
        )  # narrow: the plane below
        assert widget.evaluate("(el) => el.dataset.hostTheme") == "dark"
        assert_readable(widget, "marimo run dark, 760 px")
        assert overflow(widget) == []
        press_arrow_and_follow(page, widget)
        hover_and_pick_where_scaled(widget)

        # The train button's cell calls w.fit(epochs=10_000): in marimo it returns at once and
        # trains in a thread, so the page follows and its Stop button reaches the fit.
        page.get_by_role("button", name="Train 10000 more epochs").click()
        stop = widget.locator('button[data-control="stop"]')
        stop.wait_for(state="visible", timeout=60_000)
        wait_for(
            lambda: int(widget.evaluate("(el) => el.dataset.epoch")) > 260, 60, "training runs"
        )
        clicked = time.monotonic()
        stop.click()  # at once: a fast machine trains the whole fit in seconds
        assert not widget.locator('[data-control="stop-hint"]').is_visible()
        screenshot(page, "marimo-run-training")
        text = widget.locator('[data-control="train-text"]')
        wait_for(lambda: "stopped" in text.inner_text(), 30, "the fit stops")
        took = time.monotonic() - clicked
        epoch = int(widget.evaluate("(el) => el.dataset.epoch"))
        print(f"\nmarimo run: Stop to stopped in {took:.2f} s, at epoch {epoch}")
        assert 260 < epoch < 250 + 10_000
        time.sleep(1.0)  # nothing trains on after the stop
        assert int(widget.evaluate("(el) => el.dataset.epoch")) == epoch
        assert overflow(widget) == []
        screenshot(page, "marimo-run-stopped")
        page.context.close()


BARE = """
import marimo
app = marimo.App()


@app.cell
def _():
    from fcnn_widget import FCNN, FCNNWidget

    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=20)
    w = FCNNWidget(model, sample=10)
    w
    return


if __name__ == "__main__":
    app.run()
"""


def test_a_bare_widget_in_marimo_is_the_live_widget(browser, tmp_path):
    """`w` as a cell's last expression (no mo.ui.anywidget): marimo shows the live widget,
    not the static picture its mime bundle also carries."""
    notebook = tmp_path / "bare.py"
    notebook.write_text(BARE)
    with MarimoServer("edit", notebook, theme="dark") as server:
        page, widget = open_widget(browser, server)
        assert page.locator(".fcnn-static-picture").count() == 0
        assert widget.evaluate("(el) => el.dataset.hostTheme") == "dark"
        assert_readable(widget, "marimo edit dark, bare widget")
        widget.locator('text[data-role="sample"]').click()
        page.keyboard.press("ArrowRight")
        wait_for(lambda: widget.evaluate("(el) => el.dataset.sample") == "11", 10, "ArrowRight")
        assert overflow(widget) == []
        page.context.close()
