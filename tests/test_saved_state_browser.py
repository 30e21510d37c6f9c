"""A notebook saved with widget state shows the last picture when reopened without running
anything, and the page still scrubs samples from the saved buffers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from harness.lab import execute_saved

pytestmark = pytest.mark.browser

CELL = """
from fcnn_widget import FCNN, FCNNWidget
model = FCNN([4], "relu", dataset="prod", seed=1)
model.fit(epochs=20)
FCNNWidget(model, sample=7, palette="cool")
"""


def test_saved_widget_state_reopens_without_running(lab, jupyter_server, tmp_path):
    path = tmp_path / "saved.ipynb"
    nb = execute_saved(CELL, path, timeout=180)
    assert "application/vnd.jupyter.widget-state+json" in nb.metadata["widgets"]
    # JupyterLab renders widgets only in trusted notebooks, as for any user's own notebook.
    subprocess.run(
        [sys.executable, "-m", "jupyter", "trust", str(path)], env=jupyter_server.env(), check=True
    )
    page = lab.open_notebook(str(path))
    root = page.page.locator(".fcnn-widget").first
    root.locator("svg.fcnn-picture").wait_for(timeout=60_000)
    caption = root.locator('text[data-role="sample"]')
    assert caption.text_content() == "sample 7 of 2500"
    assert page.cells()[0].get("execution_count") in (None, 1)  # nothing was run again
    root.locator('button[data-control="next"]').click()
    assert caption.text_content() == "sample 8 of 2500"
    page.screenshot(root, "saved-state-reopened")
