"""Shared pytest fixtures.

Browser fixtures (see tests/lab.py for the harness):

* ``browser``  - session-scoped headless Debian Chromium (Playwright sync API).
* ``jupyter_server`` - session-scoped real ``jupyter lab`` server (also serves Notebook 7).
* ``lab``      - session-scoped ``lab.Lab`` (server + browser); ``lab.open_notebook(...)``.
  Pages a test opened are closed (and their kernels shut down) after that test.

Mark browser tests with ``@pytest.mark.browser``; run only them with ``-m browser``
or skip them with ``-m "not browser"``. They are skipped when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab as lab_harness  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Jupyter server in headless Chromium")


def _browser_unavailable() -> str | None:
    if not os.path.exists(lab_harness.CHROMIUM_PATH):
        return f"Chromium not found at {lab_harness.CHROMIUM_PATH}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


@pytest.fixture(scope="session")
def playwright_instance():
    reason = _browser_unavailable()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = lab_harness.launch_browser(playwright_instance)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="session")
def jupyter_server():
    reason = _browser_unavailable()
    if reason:
        pytest.skip(reason)
    server = lab_harness.JupyterServer("lab")
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def lab(jupyter_server, browser):
    the_lab = lab_harness.Lab(jupyter_server, browser)
    yield the_lab
    the_lab.close_pages()


@pytest.fixture(autouse=True)
def _close_lab_pages(request):
    """Close pages opened by a test (and shut their kernels) when it ends."""
    yield
    if "lab" in request.fixturenames:
        request.getfixturevalue("lab").close_pages()
