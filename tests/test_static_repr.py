"""Static renderers: the widget's mime bundle carries its picture and a description beside the
live widget's view, and a notebook executed and converted with nbconvert shows the network's
picture offline (no CDN, no kernel), while JupyterLab still shows the live widget."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import nbformat
import pytest
from harness.lab import execute_saved

from fcnn_widget import FCNN, FCNNWidget, static_repr

VIEW = "application/vnd.jupyter.widget-view+json"
CELL = """
from fcnn_widget import FCNN, FCNNWidget
model = FCNN([5, 5], "relu", dataset="prod", seed=0)
model.fit(epochs=250, lr=0.005, batch_size=100)
FCNNWidget(model, sample=10, title="prod: relu [5, 5]")
"""


@pytest.fixture(scope="module")
def seed():
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=250, lr=0.005, batch_size=100)
    return FCNNWidget(model, sample=10)


def test_the_bundle_carries_the_picture_beside_the_live_view(seed, record_property):
    bundle, _ = seed._repr_mimebundle_()
    assert bundle[VIEW]["model_id"] == seed.model_id
    svg = bundle["image/svg+xml"]
    assert svg == seed.to_svg() or ET.fromstring(svg).tag.endswith("svg")
    assert 'data-role="points"' in svg and svg.count("<circle") > 2500  # with the data points
    assert bundle["text/plain"] == "FCNN 2-5-5-1 relu (regression): sample 10 of 2500 at epoch 250"
    size = len(svg.encode())
    record_property("seed_static_svg_bytes", size)
    print(f"\nseed picture in the bundle: {size} bytes")
    assert size < static_repr.MAX_SVG_BYTES


def test_the_bundle_follows_the_sample(seed):
    seed.sample = 1027
    try:
        assert "sample 1027 of 2500" in seed._repr_mimebundle_()[0]["image/svg+xml"]
    finally:
        seed.sample = 10


def test_large_pictures_drop_the_points_then_the_picture():
    w = FCNNWidget(FCNN([32, 32], "relu", dataset="prod", seed=0))  # 406 kB, 271 kB no points
    full = len(w.to_svg().encode())
    bundle, _ = w._repr_mimebundle_()
    assert full > static_repr.MAX_SVG_BYTES
    svg = bundle["image/svg+xml"]
    assert len(svg.encode()) <= static_repr.MAX_SVG_BYTES
    assert svg.count("<circle") < 2500  # the plane without its dots
    print(f"\n32-32: full {full} bytes, embedded without points {len(svg.encode())} bytes")
    wide = FCNNWidget(FCNN([64, 64], "relu", dataset="prod", seed=0))  # 453 kB without dots
    note, _ = wide._repr_mimebundle_()
    assert "image/svg+xml" not in note and VIEW in note
    assert "picture not embedded" in note["text/plain"] and "w.save_svg" in note["text/plain"]


def test_fallback_html_is_the_same_picture_in_a_hidden_class(seed):
    static = static_repr.picture_bundle(seed.scene, seed.sample)
    html = static_repr.fallback_html(static)["text/html"]
    assert html.startswith('<div class="fcnn-static-picture" role="img" aria-label="FCNN 2-5-5-1')
    assert static["image/svg+xml"] in html
    assert static_repr.fallback_html({"text/plain": "x"}) == {}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The seed cell run by nbclient, widget state saved, as a user's saved notebook."""
    path = tmp_path_factory.mktemp("nb") / "seed.ipynb"
    nb = execute_saved(CELL, path)
    return path, nb


def test_the_saved_notebook_holds_both_outputs(executed, record_property):
    path, nb = executed
    outputs = nb.cells[0].outputs
    assert [sorted(o.data) for o in outputs] == [
        ["text/html", "text/plain"],
        [VIEW, "text/plain"],  # the picture is saved once, in the fallback
    ]
    state = len(
        nbformat.writes(nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"])
    )
    record_property("saved_notebook_bytes", path.stat().st_size)
    print(f"\nsaved notebook {path.stat().st_size} bytes, of which widget state ~{state}")


@pytest.mark.browser
def test_nbconvert_html_shows_the_picture_offline(executed, browser, tmp_path):
    from harness.lab import ARTIFACTS_DIR

    path, _ = executed
    html = tmp_path / "seed.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "html",
            str(path),
            "--output",
            str(html),
        ],
        check=True,
        capture_output=True,
    )
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    blocked = []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("file:")
            else (blocked.append(route.request.url), route.abort())[1]
        ),
    )
    page.goto(html.resolve().as_uri())
    picture = page.locator(".fcnn-static-picture svg.fcnn-picture")
    picture.wait_for(state="visible", timeout=30_000)
    box = picture.bounding_box()
    assert box["width"] > 600 and box["height"] > 400
    assert page.locator('.fcnn-static-picture text[data-role="sample"]').text_content() == (
        "sample 10 of 2500"
    )
    assert blocked, "the page asks a CDN for the widget manager (blocked here)"
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "nbconvert-offline.png"), full_page=True)
    page.context.close()


@pytest.mark.browser
def test_jupyterlab_shows_the_live_widget_not_the_static_picture(lab):
    nb = lab.open_notebook([CELL])
    nb.run_all(timeout=300)
    root = nb.page.locator(".fcnn-widget").first
    root.locator("svg.fcnn-picture").wait_for(timeout=120_000)
    static = nb.page.locator(".fcnn-static-picture")
    assert static.count() == 1 and not static.is_visible()
    hidden_child = nb.page.locator(".jp-OutputArea-child:has(.fcnn-static-picture)")
    assert hidden_child.evaluate("(el) => getComputedStyle(el).display") == "none"
    nb.screenshot(root, "jupyterlab-live-with-static-fallback")
    nb.assert_no_errors()


@pytest.mark.browser
def test_voila_shows_the_live_widget_not_the_static_picture(executed, browser, tmp_path):
    import os
    import shutil
    import urllib.request

    from harness.lab import REPO_ROOT, _die_with_parent, free_port, wait_until

    pytest.importorskip("voila")
    path, _ = executed
    shutil.copy(path, tmp_path / "seed.ipynb")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    log = open(tmp_path / "voila.log", "wb")  # noqa: SIM115 - the server writes it
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", "seed.ipynb", "--no-browser", f"--port={port}"]
        + ["--Voila.ip=127.0.0.1"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )

    def up():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200
        except OSError:
            return False

    try:
        wait_until(up, 120, 0.5, message=lambda: (tmp_path / "voila.log").read_text()[-2000:])
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        root = page.locator(".fcnn-widget").first
        root.locator("svg.fcnn-picture").wait_for(timeout=300_000)
        static = page.locator(".fcnn-static-picture")
        assert static.count() == 1 and not static.is_visible()
        page.context.close()
    finally:
        server.terminate()
        server.wait(20)
