"""Shared pytest fixtures.

Browser fixtures (see tests/harness/lab.py for the harness):

* ``browser``  - session-scoped headless Debian Chromium (Playwright sync API).
* ``jupyter_server`` - session-scoped real ``jupyter lab`` server (no browser needed).
* ``lab``      - session-scoped ``lab.Lab`` (server + browser); ``lab.open_notebook(...)``,
  ``app="notebook"`` for Notebook 7 (its own ``jupyter notebook`` server, started on
  first use). Pages a test opened are closed (kernels shut down) after that test.

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

from harness import lab as lab_harness  # noqa: E402

BROWSER_FIXTURES = {"browser", "lab", "playwright_instance"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real Jupyter server in headless Chromium")


def pytest_collection_modifyitems(config, items):
    # A test that uses the browser fixtures is a browser test even if unmarked,
    # so `-m "not browser"` always leaves them out.
    for item in items:
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


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
    server = lab_harness.JupyterServer("lab")
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def lab(jupyter_server, browser):
    the_lab = lab_harness.Lab(jupyter_server, browser)
    try:
        yield the_lab
    finally:
        the_lab.close()  # pages, and the Notebook 7 server if one was started


@pytest.fixture(autouse=True)
def _close_lab_pages(request):
    """Close the pages a test opened itself (and shut their kernels) when it ends.

    Pages opened by wider-scoped fixtures (set up before this one) are left alone.
    """
    if "lab" not in request.fixturenames:
        yield
        return
    the_lab = request.getfixturevalue("lab")
    before = set(map(id, the_lab.pages))
    yield
    for page in [p for p in the_lab.pages if id(p) not in before]:
        page.close()
        the_lab.pages.remove(page)
