"""Watching a network learn, in a real JupyterLab: live updates during a running cell, the
Stop button, and scrubbing back through the recorded epochs."""

from __future__ import annotations

import time

import pytest
from harness.lab import make_notebook

pytestmark = pytest.mark.browser

SETUP = """
from fcnn_widget import FCNN, FCNNWidget, datasets
data = datasets.make("prod", n_points=20000, seed=0)
model = FCNN([32, 32], "relu", dataset=data, seed=0)
w = FCNNWidget(model, samples=(data.X[:400], data.y[:400]), sample=3)
w
"""
TRAIN = "history = await w.fit_async(epochs=3000, lr=0.002, batch_size=32, snapshot_every=2)"
TRAIN_FOREGROUND = "history = w.fit(epochs=3000, lr=0.002, batch_size=32)"


def train_points(root) -> int:
    return root.evaluate(
        "(el) => (el.querySelector('polyline[data-series=\"train\"]')?.getAttribute('points') || '')"
        ".trim().split(/\\s+/).filter(Boolean).length"
    )


def shown_epoch(root) -> int:
    return int(root.evaluate("(el) => el.dataset.epoch"))


def shown_values(root) -> tuple[str, list[float]]:
    """The epoch the page says it shows and the first four first-layer activations of the
    shown sample, read at one moment."""
    return tuple(
        root.evaluate(
            """(el) => [el.dataset.epoch, [0, 1, 2, 3].map((i) => Number(el.querySelector(
                `circle[data-kind="a"][data-layer="1"][data-index="${i}"]`).getAttribute("data-value")))]"""
        )
    )


def test_live_training_stop_and_epoch_scrub(lab):
    nb = lab.open_notebook([SETUP, TRAIN, "print(len(history.loss), history.stopped)"])
    nb.command("notebook:run-cell-and-select-next")  # the widget first, then the training
    root = nb.page.locator(".fcnn-widget").first
    root.locator("svg.fcnn-picture").wait_for(timeout=120_000)
    nb.command("notebook:run-cell", wait=False)  # resolves only when the cell is done

    # The page moves while the training cell still runs.
    nb.wait_for(
        "() => Number(document.querySelector('.fcnn-widget')?.dataset.epoch) >= 4", timeout=120
    )
    first_epoch, first_points = shown_epoch(root), train_points(root)
    nb.wait_for(
        f"() => Number(document.querySelector('.fcnn-widget').dataset.epoch) > {first_epoch}",
        timeout=60,
    )
    assert train_points(root) >= first_points
    assert root.locator('[data-control="progress"]').is_visible()
    assert "training" in root.locator('[data-control="train-text"]').inner_text()
    nb.screenshot(root, "live-training")

    # Stop from the page ends the foreground fit early, keeping what it learned.
    root.locator('button[data-control="stop"]').click()
    nb.wait_kernel_idle(120)
    epochs, stopped = nb.kernel_value("(len(w.model.history.loss), w.model.history.stopped)")
    assert stopped == "stopped" and 4 <= epochs < 3000
    assert nb.kernel_value("w.epoch") == epochs
    nb.wait_for(f"() => document.querySelector('.fcnn-widget').dataset.epoch === '{epochs}'")
    # The whole loss curve (thinned to the chart's pixel columns once epochs outnumber them).
    assert train_points(root) == nb.kernel_value(
        "len(__import__('re').search(r'data-series=\"train\" points=\"([^\"]*)', w.to_svg())[1].split())"
    )

    # Scrub the epoch control in the page: the network shows that epoch's values at once.
    slider = root.locator('input[data-control="epoch-slider"]')
    slider.focus()
    slider.press("Home")
    slider.press("ArrowRight")  # the second snapshot offered: epoch 2 (4, ... when thinned)
    second = nb.kernel_value("w.epochs[1]")
    nb.wait_for(
        f"() => document.querySelector('.fcnn-widget').dataset.epoch === '{second}'", timeout=10
    )
    expected = nb.kernel_value(
        f"[float(v) for v in w.timeline.values_at({second})[3, w._meta['offsets']['a1']:][:4]]"
    )
    # The label and the values in one read: the page may redraw between two reads.
    assert shown_values(root) == (str(second), expected)
    edge = root.locator('line[data-kind="w"][data-layer="2"][data-from="0"][data-to="0"]')
    assert float(edge.get_attribute("data-value")) == nb.kernel_value(
        f"float(w.timeline.params_at({second})[1][0][0, 0])"
    )
    # ...and the kernel catches up with the full frame of that epoch.
    nb.wait_for_kernel(f"w.epoch == {second} and w.scene.epoch == {second}")
    assert shown_values(root) == (str(second), expected)
    nb.screenshot(root, "epoch-2")
    nb.assert_no_errors()


def test_foreground_fit_hears_the_page_and_stops_from_its_button(lab):
    foreground_fit_stops_from_its_button(lab)


def foreground_fit_stops_from_its_button(lab, kernelspec: dict | None = None):
    """The foreground Stop flow, in the notebook's default kernel or ``kernelspec`` (the
    ipykernel 6 test runs it too); returns the notebook page."""
    notebook = make_notebook([SETUP, TRAIN_FOREGROUND])
    if kernelspec is not None:
        notebook["metadata"]["kernelspec"] = kernelspec
    nb = lab.open_notebook(notebook)
    nb.command("notebook:run-cell-and-select-next")
    root = nb.page.locator(".fcnn-widget").first
    root.locator("svg.fcnn-picture").wait_for(timeout=120_000)
    nb.command("notebook:run-cell", wait=False)  # stays on the training cell
    nb.wait_for(
        "() => Number(document.querySelector('.fcnn-widget')?.dataset.epoch) >= 3", timeout=120
    )
    # The running cell hears the page between chunks: a sample picked now reaches the kernel
    # (its new timeline comes back) while training goes on.
    stop = root.locator('button[data-control="stop"]')
    assert stop.is_visible() and not root.locator('[data-control="stop-hint"]').is_visible()
    box = root.locator('input[data-control="sample-box"]')
    box.fill("123")
    box.press("Enter")
    seen = shown_epoch(root)
    nb.wait_for(
        f"() => Number(document.querySelector('.fcnn-widget').dataset.epoch) > {seen}", timeout=60
    )
    assert root.evaluate("(el) => el.dataset.sample") == "123"
    stop.click()
    nb.wait_for(
        "() => !document.querySelector('[data-control=\"stop\"]')?.checkVisibility()", timeout=60
    )
    nb.wait_kernel_idle(120)
    epochs, stopped, sample = nb.kernel_value(
        "(len(w.model.history.loss), w.model.history.stopped, w.sample)"
    )
    assert stopped == "stopped" and 3 <= epochs < 3000, nb.cells()[1]
    assert sample == 123  # handled during the fit, not after: the fit was stopped by then
    assert nb.kernel_value("len(w.model.history.snapshots) == w.model.history.epochs + 1")
    nb.wait_for(f"() => document.querySelector('.fcnn-widget').dataset.epoch === '{epochs}'")
    # The page still reaches the kernel after the fit: each message the fit handled went
    # idle, as the page's widget manager waits for before it sends the next one.
    box.fill("45")
    box.press("Enter")
    nb.wait_for_kernel("w.sample == 45")

    # The kernel's interrupt stops a foreground fit too, keeping what it learned.
    nb.select_cell(1)  # the clicks above made the widget's cell the active one
    nb.command("notebook:run-cell", wait=False)  # the same training cell again
    nb.wait_for(
        f"() => Number(document.querySelector('.fcnn-widget').dataset.epoch) > {epochs + 2}",
        timeout=120,
    )
    nb.command("notebook:interrupt-kernel")
    nb.wait_kernel_idle(120)
    total, stopped = nb.kernel_value("(len(w.model.history.loss), w.model.history.stopped)")
    assert stopped == "interrupted" and epochs < total < epochs + 3000, nb.cells()[-1]
    assert nb.kernel_value("len(w.model.history.snapshots) == w.model.history.epochs + 1")
    nb.assert_no_errors()
    return nb


SLOW_EPOCH_0 = """
import time
_scene = w._scene
def slow_scene(style, epoch):  # a kernel under load: epoch 0's scene takes a second
    if epoch == 0:
        time.sleep(1.0)
    return _scene(style, epoch)
"""


def test_a_slow_kernel_does_not_pull_the_page_back_to_an_epoch_it_left(lab):
    """Step the epoch slider twice while the kernel is slow: it answers the first step (a
    frame of epoch 0) after the page already shows the second (epoch 1). The page keeps the
    user's epoch: every label it shows after the second step is "1"."""
    nb = lab.open_notebook([SETUP, "_ = w.fit(epochs=20, batch_size=400)"])
    nb.run_all()
    root = nb.page.locator(".fcnn-widget").first
    nb.wait_for("() => document.querySelector('.fcnn-widget')?.dataset.epoch === '20'", timeout=60)
    slider = root.locator('input[data-control="epoch-slider"]')
    slider.focus()
    for key, epoch in (("Home", 0), ("End", 20)):  # the timeline comes; the kernel follows
        slider.press(key)
        nb.wait_for_kernel(f"w.epoch == {epoch} and w.scene.epoch == {epoch}")
    nb.execute(SLOW_EPOCH_0 + "w._scene = slow_scene")
    slider.press("Home")
    time.sleep(0.4)  # the page sends epoch 0, then steps on to 1 before the kernel answers
    slider.press("ArrowRight")
    assert shown_values(root)[0] == "1"
    root.evaluate(
        """(el) => { window.__epochs = [el.dataset.epoch];
        new MutationObserver((records) => {
          for (const r of records) window.__epochs.push(r.oldValue);  // every value it held
          window.__epochs.push(el.dataset.epoch);
        }).observe(el, { attributes: true, attributeOldValue: true, attributeFilter: ["data-epoch"] }); }"""
    )
    nb.wait_for_kernel("w.epoch == 1 and w.scene.epoch == 1")
    time.sleep(0.5)  # the kernel's last frame reaches the page
    assert set(nb.page.evaluate("() => window.__epochs")) == {"1"}
    assert shown_values(root)[0] == "1"
    nb.assert_no_errors()
