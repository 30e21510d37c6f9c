"""Light and dark, decided by the host: JupyterLab's theme variables in JupyterLab (light and
dark), the background behind the widget elsewhere (a saved page whose host page turns dark,
and back), and prefers-color-scheme where nothing behind it has a colour. Every text the
widget shows on the host's background keeps a contrast of at least 4.5:1, measured from the
browser's computed colours (tests/harness/marimo.py CONTRAST_JS); marimo's themes are checked
in test_marimo_browser.py."""

from __future__ import annotations

import pytest
from harness.marimo import assert_readable
from harness.svg_compare import open_widget

from fcnn_widget import FCNN, FCNNWidget

pytestmark = pytest.mark.browser
SETUP = """
from fcnn_widget import FCNN, FCNNWidget
model = FCNN([5, 5], "relu", dataset="prod", seed=0)
model.fit(epochs=30, lr=0.005, batch_size=100)
w = FCNNWidget(model, sample=10, title="prod: relu [5, 5]")
w
"""


def test_jupyterlab_light_and_dark(lab):
    nb, root = open_widget(lab, [SETUP])
    assert root.evaluate("(el) => el.dataset.hostTheme") == "jupyter"
    assert_readable(root, "JupyterLab Light")
    nb.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    nb.wait_for("() => document.body.dataset.jpThemeLight === 'false'", timeout=30)
    nb.page.wait_for_timeout(500)  # the theme's stylesheet applies
    assert_readable(root, "JupyterLab Dark")
    nb.screenshot(root, "jupyterlab-dark")
    nb.command("apputils:change-theme", {"theme": "JupyterLab Light"})
    nb.wait_for("() => document.body.dataset.jpThemeLight === 'true'", timeout=30)
    nb.assert_no_errors()


def test_notebook_7_light_and_dark(lab):
    nb = lab.open_notebook([SETUP], app="notebook")
    nb.run_all(timeout=180)
    root = nb.page.locator(".fcnn-widget").first
    root.locator("svg.fcnn-picture").wait_for(timeout=120_000)
    assert root.evaluate("(el) => el.dataset.hostTheme") == "jupyter"
    assert_readable(root, "Notebook 7 Light")
    nb.command("apputils:change-theme", {"theme": "JupyterLab Dark"})
    nb.wait_for("() => document.body.dataset.jpThemeLight === 'false'", timeout=30)
    nb.page.wait_for_timeout(500)
    assert_readable(root, "Notebook 7 Dark")
    nb.screenshot(root, "notebook7-dark")
    nb.command("apputils:change-theme", {"theme": "JupyterLab Light"})
    nb.wait_for("() => document.body.dataset.jpThemeLight === 'true'", timeout=30)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=30, lr=0.005, batch_size=100)
    w = FCNNWidget(model, sample=10, title="prod: relu [5, 5]")
    return w.save_html(tmp_path_factory.mktemp("page") / "widget.html")


def host_theme(page) -> str:
    return page.evaluate("() => document.querySelector('.fcnn-widget').dataset.hostTheme")


def test_a_page_that_turns_dark_and_back(browser, saved):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(saved.resolve().as_uri())
    root = page.locator(".fcnn-widget")
    root.locator("svg.fcnn-picture").wait_for()
    assert host_theme(page) == "light"
    assert_readable(root, "saved page, white")
    # The host page switches its theme (as a blog's dark-mode toggle does): a class on body.
    page.add_style_tag(content="body.dark { background: #15181c; }")
    page.evaluate("() => document.body.classList.add('dark')")
    page.wait_for_function(
        "() => document.querySelector('.fcnn-widget').dataset.hostTheme === 'dark'"
    )
    page.wait_for_timeout(500)
    assert_readable(root, "saved page, dark host")
    page.screenshot(path=str(saved.parent / "dark-host.png"))
    page.evaluate("() => document.body.classList.remove('dark')")
    page.wait_for_function(
        "() => document.querySelector('.fcnn-widget').dataset.hostTheme === 'light'"
    )
    page.context.close()


def test_prefers_color_scheme_when_nothing_behind_has_a_colour(browser, saved):
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(saved.resolve().as_uri())
    page.locator("svg.fcnn-picture").wait_for()
    assert host_theme(page) == "light"  # the saved page paints its body white
    # Nothing painted behind the widget and a page that allows a dark scheme: the canvas the
    # browser shows is dark when the system prefers dark.
    page.evaluate(
        "() => { document.body.style.background = 'transparent';"
        " document.documentElement.style.colorScheme = 'light dark'; }"
    )
    page.wait_for_function(
        "() => document.querySelector('.fcnn-widget').dataset.hostTheme === 'dark'"
    )
    page.emulate_media(color_scheme="light")  # the system switches back
    page.wait_for_function(
        "() => document.querySelector('.fcnn-widget').dataset.hostTheme === 'light'"
    )
    context.close()
