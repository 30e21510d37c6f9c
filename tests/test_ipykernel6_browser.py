"""The foreground Stop test of test_live_browser.py on ipykernel 6 (6.29.5), where a running
cell hears the page through jupyter_ui_poll (a runtime dependency; ipykernel 7 needs none).
``./setup.sh --test`` installs that ipykernel into .cache/ipykernel6; a kernelspec written
into the test server's data dir puts it first on the kernel's PYTHONPATH."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from harness.lab import REPO_ROOT
from test_live_browser import foreground_fit_stops_from_its_button

pytestmark = pytest.mark.browser

IPYKERNEL6 = REPO_ROOT / ".cache" / "ipykernel6"
VERSION = "6.29.5"
NAME = "python3-ipykernel6"


@pytest.fixture(scope="module")
def kernelspec(jupyter_server) -> dict:
    if not (IPYKERNEL6 / "ipykernel").is_dir():
        pytest.skip(f"no ipykernel {VERSION} in {IPYKERNEL6}: run ./setup.sh --test")
    folder = Path(jupyter_server.data_dir) / "kernels" / NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python 3 (ipykernel {VERSION})",
        "language": "python",
        "env": {"PYTHONPATH": f"{IPYKERNEL6}:{REPO_ROOT}"},
    }
    (folder / "kernel.json").write_text(json.dumps(spec))
    return {"name": NAME, "display_name": spec["display_name"], "language": "python"}


def test_foreground_stop_on_ipykernel_6(lab, kernelspec):
    nb = foreground_fit_stops_from_its_button(lab, kernelspec)
    version, host = nb.kernel_value(
        "(__import__('ipykernel').__version__, str(__import__('fcnn_widget.hosts').hosts.detect()))"
    )
    assert version == VERSION
    assert host == f"Host(name='jupyter', kernel='{VERSION}', mode=None, ui_poll=True)"
