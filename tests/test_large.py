"""Wide inputs and large networks stay readable: grids for wide layers, the strongest
edges past the edge budget, the sample's inputs where 2-D inputs have their plane."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from fcnn_widget import FCNN, FCNNWidget, picture


def elements(svg, attr, value=None):
    return [
        e
        for e in ET.fromstring(svg).iter()
        if e.get(attr) is not None and (value is None or e.get(attr) == value)
    ]


@pytest.fixture(scope="module")
def mnist_sized():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (600, 784)).astype(np.float32)
    return FCNN([256, 128], dataset=(X, rng.integers(0, 10, 600)))


def test_784_256_128_10_draws_within_the_edge_budget(mnist_sized):
    start = time.perf_counter()
    w = FCNNWidget(mnist_sized, max_edges=1500)
    elapsed = time.perf_counter() - start
    svg = w.to_svg()
    edges = elements(svg, "data-kind", "w")
    assert 256 + 128 + 10 <= len(edges) <= 1500  # at least one edge into every neuron
    assert "showing" in svg and "234,752 weights" in svg
    assert len(elements(svg, "data-kind", "x")) == 784  # every neuron is still drawn
    assert elapsed < 30  # generous: it takes ~1 s here; a hang would fail
    # The drawn edges into a neuron are its strongest inputs.
    W1 = mnist_sized.params[0][0]
    into = sorted(
        int(e.get("data-from"))
        for e in edges
        if e.get("data-layer") == "1" and e.get("data-to") == "7"
    )
    strongest = sorted(np.argsort(-np.abs(W1[:, 7]), kind="stable")[: len(into)].tolist())
    assert into == strongest
    w.max_edges = 100_000_000
    assert len(elements(w._svg, "data-kind", "w")) == 784 * 256 + 256 * 128 + 128 * 10


def test_wide_layers_are_grids_inside_the_picture(mnist_sized):
    view = FCNNWidget(mnist_sized).scene
    lay = picture.layout_of(view)
    assert lay.blocks["x0"] == (28, 28) and lay.blocks["z1"] == (16, 16)
    for nodes in lay.nodes.values():
        xs = [x for x, _ in nodes]
        ys = [y for _, y in nodes]
        assert (
            min(xs) > 0 and max(xs) < lay.width and min(ys) > lay.top - 20 and max(ys) < lay.height
        )


def test_wide_inputs_show_the_sample_as_an_image():
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1, (50, 64)).astype(np.float32)
    w = FCNNWidget(FCNN([32, 16], dataset=(X, rng.integers(0, 10, 50))), sample=3)
    pixels = elements(w.to_svg(), "data-role", "input-pixel")
    assert len(pixels) == 64
    lo, hi = picture.input_range(w.scene)
    palette = w.scene.style.palette
    from fcnn_widget import colors

    for p in pixels[:5]:
        assert p.get("fill") == colors.color_of(
            float(X[3, int(p.get("data-index"))]), lo, hi, palette
        )


def test_a_hundred_thousand_samples_stay_in_the_page():
    from fcnn_widget import datasets

    model = FCNN([5, 5], dataset=datasets.make("prod", n_points=100_000))
    w = FCNNWidget(model, sample=99_999)
    assert w._meta["n_samples"] == 100_000  # 9.6 MB of layer values: within the 32 MB budget
    assert len(w._values) == 4 * 100_000 * w._meta["n_cols"]
    assert w._points.count("<circle") == 5000  # the plane draws the first 5,000 points
    w.sample = 54_321  # scrubbing anywhere is the page's own work


@pytest.fixture
def small_budgets(monkeypatch):
    """Budgets for a 2500-sample prod net (240 kB of layer values): a window of 416."""
    from fcnn_widget import scene

    monkeypatch.setattr(scene, "PAYLOAD_BUDGET_BYTES", 100_000)
    monkeypatch.setattr(scene, "WINDOW_BUDGET_BYTES", 40_000)


def test_the_page_holds_a_window_of_samples_that_follows_the_sample(small_budgets):
    model = FCNN([5, 5], dataset="prod", seed=0)
    w = FCNNWidget(model, sample=2000, norm_scope="sample")
    cols, n = w._meta["n_cols"], w._meta["n_samples"]
    first, length = w._window
    assert n == 2500 and length == 40_000 // (4 * cols) == 416
    assert first <= 2000 < first + length and first == 2000 - length // 2

    def page_rows():
        first, length = w._window
        values = np.frombuffer(w._values, np.float32).reshape(length, cols)
        ranges = np.frombuffer(w._ranges, np.float32).reshape(length, -1, 2)
        local = np.frombuffer(w._local, np.float32).reshape(length, 1, 3)
        targets = np.frombuffer(w._targets, np.float32).reshape(length, 1)
        window = slice(first, first + length)
        np.testing.assert_array_equal(values, w.scene.values[window])
        np.testing.assert_array_equal(ranges, w.scene.ranges[window])
        np.testing.assert_array_equal(local, w.scene.local[window])
        np.testing.assert_array_equal(targets, w.scene.targets[window])
        return first

    assert page_rows() == first
    w.sample = first + length // 2 + 50  # in the middle half: the window stays
    assert w._window[0] == first
    w.sample = first + length - 10  # near its edge: the window moves to centre the sample
    assert w._window[0] == w.sample - length // 2 and page_rows() == w._window[0]
    w.sample = 3  # far away: clipped at the start
    assert w._window == [0, length] and page_rows() == 0
    w.sample = 2499
    assert w._window == [2500 - length, length] and page_rows() == 2500 - length
    # Training keeps sending the same window, with the new values.
    w.fit(epochs=2)
    assert w._window == [2500 - length, length] and page_rows() == 2500 - length


def test_a_saved_page_offers_the_samples_of_its_window(small_budgets):
    from fcnn_widget import standalone

    w = FCNNWidget(FCNN([5, 5], dataset="prod", seed=0), sample=1000)
    first, length = w._window
    state, _, _ = standalone.collect_state(w, palettes=["viridis"], norms=["global"])
    assert state["_meta"]["sample_limits"] == [first, first + length - 1]
    assert "sample_limits" not in w._meta  # the live widget reaches every sample


def test_a_click_on_the_plane_outside_the_window_is_picked_by_the_kernel(small_budgets):
    model = FCNN([5, 5], dataset="prod", seed=0)
    w = FCNNWidget(model, sample=2000)
    assert w._window[0] > 100
    X = w.scene.X
    w._on_page_message(w, {"type": "pick", "point": [float(X[7, 0]), float(X[7, 1])]}, [])
    assert w.sample == 7 and w._window[0] == 0  # the window came along
    for bad in ([1.0], [np.nan, 0.0], [1.0, "x"], "here", None):  # ignored, never a traceback
        w._on_page_message(w, {"type": "pick", "point": bad}, [])
        assert w.sample == 7
