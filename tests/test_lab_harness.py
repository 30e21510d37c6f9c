"""Proves the real-browser harness (tests/harness/lab.py) works in JupyterLab 4 and Notebook 7."""

from __future__ import annotations

import sys
import time

import pytest
from harness import lab as harness

PROBE_CELL = '''\
import anywidget
import traitlets


class Probe(anywidget.AnyWidget):
    _esm = """
function render({ model, el }) {
  el.innerHTML = '<span class=probe>' + model.get('value') + '</span>';
  model.on('change:value', () => {
    el.querySelector('.probe').textContent = model.get('value');
  });
}
export default { render };
"""
    value = traitlets.Int(3).tag(sync=True)


w = Probe()
w
'''

SLIDER_CELL = """\
import ipywidgets as widgets

s = widgets.IntSlider(value=0, min=0, max=10, description="s")
s
"""

EXPECT_TIMEOUT_MS = 30_000


def widget_notebook():
    return harness.make_notebook(["# %% [markdown]\n# Harness probe", PROBE_CELL, SLIDER_CELL])


def expect_text(locator, text: str) -> None:
    from playwright.sync_api import expect

    expect(locator).to_have_text(text, timeout=EXPECT_TIMEOUT_MS)


# ----------------------------------------------------------------- no browser needed


def test_make_notebook_cells():
    nb = harness.make_notebook(["# %% [markdown]\n# Title", "x = 1"])
    assert [c["cell_type"] for c in nb["cells"]] == ["markdown", "code"]
    assert nb["cells"][0]["source"] == "# Title"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["cells"][1]["outputs"] == [] and nb["cells"][1]["execution_count"] is None


def test_wait_until_polls_and_times_out():
    start = time.monotonic()
    calls = []
    assert harness.wait_until(lambda: calls.append(1) or len(calls) >= 3, timeout=5, interval=0.01)
    with pytest.raises(TimeoutError, match="never"):
        harness.wait_until(lambda: False, timeout=0.2, interval=0.05, message="never")
    assert time.monotonic() - start < 3


# ----------------------------------------------------------------- JupyterLab 4


@pytest.fixture(scope="module")
def lab_nb(lab):
    """The widget notebook opened in JupyterLab and run once for the module."""
    nb = lab.open_notebook(widget_notebook(), app="lab", name="widgets-lab.ipynb")
    nb.run_all()
    yield nb
    nb.close()


@pytest.mark.browser
def test_lab_server_isolated_and_kernel_is_venv_python(lab, lab_nb):
    server = lab.server
    assert server.settings_dir != harness.REPO_ROOT and server.root_dir.is_dir()
    assert (server.root_dir / "widgets-lab.ipynb").is_file()
    # The kernel found through /api/sessions is the one the page talks to.
    assert server.kernel_id_for(lab_nb.path) == lab_nb.state()["kernelId"]
    assert server.connection_file(lab_nb.kernel_id).is_file()
    assert lab_nb.kernel_value("__import__('sys').prefix") == sys.prefix
    assert lab_nb.kernel_value("__import__('sys').executable").startswith(sys.prefix)


@pytest.mark.browser
def test_lab_run_all_executed_every_cell(lab_nb):
    code = [c for c in lab_nb.cells() if c["type"] == "code"]
    assert len(code) == 2
    assert all(c["executionCount"] is not None and not c["errors"] for c in code)
    # execute() adds no cell and runs in the notebook's namespace.
    assert lab_nb.execute("print(type(w).__name__, w.value)").strip() == "Probe 3"
    assert len(lab_nb.cells()) == 3


@pytest.mark.browser
def test_lab_anywidget_kernel_to_page(lab_nb):
    probe = lab_nb.page.locator(".probe")
    expect_text(probe, "3")
    lab_nb.execute("w.value = 7")
    expect_text(probe, "7")
    shot = lab_nb.screenshot(None, "lab-anywidget")
    assert shot.is_file() and shot.stat().st_size > 10_000
    lab_nb.screenshot(probe, "lab-anywidget-probe")


@pytest.mark.browser
def test_lab_slider_page_to_kernel(lab_nb):
    page = lab_nb.page
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.wait_for(state="visible", timeout=EXPECT_TIMEOUT_MS)
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert lab_nb.wait_for_kernel("s.value == 2", timeout=30)
    assert lab_nb.kernel_value("s.value") == 2
    # Kernel -> page for an ipywidget too: the readout follows.
    lab_nb.execute("s.value = 5")
    expect_text(page.locator(".widget-slider .widget-readout").first, "5")


@pytest.mark.browser
def test_lab_execute_raises_kernel_errors(lab_nb):
    with pytest.raises(harness.KernelExecutionError, match="ZeroDivisionError"):
        lab_nb.execute("1 / 0")
    assert lab_nb.execute("print('still alive')").strip() == "still alive"


@pytest.mark.browser
def test_lab_no_browser_errors(lab_nb):
    lab_nb.assert_no_errors()


@pytest.mark.browser
def test_lab_run_all_reports_cell_errors(lab):
    nb = lab.open_notebook(["x = 1", "raise ValueError('boom in cell')", "y = 2"])
    with pytest.raises(harness.CellErrors, match="boom in cell"):
        nb.run_all()
    cells = nb.run_all(raise_on_error=False)
    assert cells[1]["errors"][0]["ename"] == "ValueError"
    # Only the failing cell reports it. (Whether the kernel still ran the cell after it is
    # ipykernel's timing: it aborts the queued requests it has received when the error
    # happens, and under load the last one may arrive after that.)
    assert [c["index"] for c in cells if c["errors"]] == [1]


# ----------------------------------------------------------------- Notebook 7


@pytest.mark.browser
def test_notebook7_anywidget_roundtrip(lab):
    nb = lab.open_notebook(widget_notebook(), app="notebook", name="widgets-nb7.ipynb")
    assert "/notebooks/widgets-nb7.ipynb" in nb.page.url
    nb.run_all()
    probe = nb.page.locator(".probe")
    expect_text(probe, "3")
    nb.execute("w.value = 9")
    expect_text(probe, "9")
    # Page -> kernel with the mouse: Notebook 7.6 consumes ArrowRight on a focused
    # slider handle (command-mode shortcut notebook:move-cursor-heading-below-or-expand
    # on a capture-phase listener), unlike JupyterLab 4.6.
    track = nb.page.locator(".widget-slider .noUi-target").first
    box = track.bounding_box()
    nb.page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    value = nb.wait_for_kernel("s.value", timeout=30)
    assert value >= 8
    expect_text(nb.page.locator(".widget-slider .widget-readout").first, str(value))
    nb.screenshot(None, "notebook7-anywidget")
    nb.assert_no_errors()
