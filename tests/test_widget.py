"""The state the widget sends to the page, and the picture Python builds."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import traitlets

from fcnn_widget import FCNN, FCNNWidget, colors, picture
from fcnn_widget.export import svg_to_png

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def model():
    m = FCNN([5, 5], "relu", dataset="prod", seed=0)
    m.fit(epochs=20)
    return m


def elements(svg, kind):
    return [e for e in ET.fromstring(svg).iter() if e.get("data-kind") == kind]


def test_buffers_are_float32_of_the_right_size(model):
    w = FCNNWidget(model)
    meta = w._meta
    n, cols = 2500, 2 + 2 * (5 + 5 + 1)
    assert (meta["n_samples"], meta["n_cols"]) == (n, cols)
    values = np.frombuffer(w._values, np.float32).reshape(n, cols)
    trace = model.trace(model.dataset.X)
    np.testing.assert_array_equal(
        values[:, meta["offsets"]["z2"] : meta["offsets"]["z2"] + 5], trace.z[2]
    )
    np.testing.assert_array_equal(values[:, meta["offsets"]["a3"]], trace.a[3][:, 0])
    assert len(w._params) == 4 * sum(a.size + b.size for a, b in model.params)
    assert len(w._ranges) == 4 * 2 * len(meta["group_names"])
    assert len(w._targets) == 4 * n


def test_picture_has_one_element_per_neuron_weight_and_bias(model):
    svg = FCNNWidget(model).to_svg()
    assert len(elements(svg, "x")) == 2
    assert len(elements(svg, "z")) == len(elements(svg, "a")) == 11
    assert len(elements(svg, "w")) == 2 * 5 + 5 * 5 + 5 * 1
    assert len(elements(svg, "b")) == 11


def test_data_values_are_exact_and_fills_follow_palette_and_norm(model):
    w = FCNNWidget(model, sample=1027, palette="rainbow", norm="layer")
    # The widget traces all samples in one batch; the picture shows exactly those values
    # (one sample traced alone may differ in the last bit: XLA sums in another order).
    trace = model.trace(model.dataset.X)
    for el in elements(w.to_svg(), "z"):
        k, i = int(el.get("data-layer")), int(el.get("data-index"))
        assert np.float32(float(el.get("data-value"))) == trace.z[k][1027, i]
        assert el.get("fill") == w.color_of("z", k, i)
    lo, hi = w.scene.range_of("z2", 1027)
    value = float(trace.z[2][1027, 0])
    expected = colors.resolve_palette("rainbow").colors[colors.lut_index(value, lo, hi)]
    assert w.color_of("z", 2, 0) == expected
    W1 = model.params[0][0]
    edge = next(
        e
        for e in elements(w.to_svg(), "w")
        if e.get("data-layer") == "1" and e.get("data-from") == "1" and e.get("data-to") == "3"
    )
    assert np.float32(float(edge.get("data-value"))) == W1[1, 3]


def test_style_changes_resend_the_picture_and_ranges(model):
    w = FCNNWidget(model)
    before = (w._svg, w._ranges)
    w.palette = "RdBu"
    assert w.symmetric  # diverging palettes centre on zero by default
    ranges = np.frombuffer(w._ranges, np.float32).reshape(-1, 2)
    np.testing.assert_array_equal(ranges[:, 0], -ranges[:, 1])
    w.norm_scope = "sample"
    assert np.frombuffer(w._ranges, np.float32).size == 2500 * len(w._meta["group_names"]) * 2
    assert (w._svg, w._ranges) != before


def test_bad_values_get_clear_errors(model):
    w = FCNNWidget(model)
    with pytest.raises(ValueError, match="unknown palette 'jet2'"):
        w.palette = "jet2"
    with pytest.raises(ValueError, match="valid choices are global, component, layer"):
        w.norm = "batch"
    with pytest.raises(ValueError, match="valid choices are dataset, sample"):
        w.norm_scope = "epoch"
    with pytest.raises(traitlets.TraitError, match="valid samples are 0..2499"):
        w.sample = 2500
    with pytest.raises(ValueError, match="out of range"):
        FCNNWidget(model, sample=-1)
    with pytest.raises(TypeError, match="FCNN"):
        FCNNWidget("not a model")


def test_samples_argument_forms(model):
    X = np.array([[0.5, -1.0], [1.0, 1.0], [-2.0, 0.0]], np.float32)
    w = FCNNWidget(model, (X, X[:, 0] * X[:, 1] / 4))
    assert w._meta["n_samples"] == 3
    assert "y = -0.13" in w.to_svg(0)  # -0.125 rounds away from zero, as toFixed does
    w = FCNNWidget(model, X)  # inputs only: no targets shown
    assert w._meta["target_width"] == 0
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        FCNNWidget(model, np.zeros((4, 3)))


def test_nonfinite_values_are_marked_not_coloured(model):
    m = FCNN([3], dataset="prod")
    W1, b1 = m.params[0]
    W1 = W1.copy()
    W1[0, 0] = np.nan
    m.set_params([(W1, b1), m.params[1]])
    w = FCNNWidget(m)
    svg = w.to_svg(0)
    z = next(e for e in elements(svg, "z") if e.get("data-index") == "0")
    assert z.get("data-value") == "NaN"
    assert z.get("fill") == f"url(#{w._uid}-nonfinite)"
    assert re.search(r'data-label="z-1-0"[^>]*>NaN<', svg)


def test_svg_is_valid_and_labels_escaped(model):
    w = FCNNWidget(model, title='<script>alert("x")</script> & "quotes"', caption="a < b")
    svg = w.to_svg()
    root = ET.fromstring(svg)  # parses: nothing unescaped
    assert "<script>" not in svg
    assert any(t.text and "<script>" in t.text for t in root.iter(f"{SVG}text"))


def test_png_dimensions_follow_scale(model):
    from io import BytesIO

    from PIL import Image

    svg = FCNNWidget(model).to_svg()
    width = int(ET.fromstring(svg).get("width"))
    for scale in (1, 2, 3):
        assert Image.open(BytesIO(svg_to_png(svg, scale))).size[0] == width * scale


def test_saved_pictures_take_theme_background_size_and_are_stable(model, tmp_path):
    w = FCNNWidget(model, sample=5)
    light = w.save_svg(tmp_path / "light.svg").read_text()
    again = w.save_svg(tmp_path / "again.svg").read_text()
    assert light == again  # content-derived ids: the same picture is the same file
    assert 'data-role="background"' not in light  # transparent by default
    dark = w.save_svg(
        tmp_path / "dark.svg", theme="dark", background="#111418", width=800, title="A & B"
    ).read_text()
    root = ET.fromstring(dark)
    assert root.get("color") == "#e6e6e6" and root.get("width") == "800"
    assert any(
        e.get("data-role") == "background" and e.get("fill") == "#111418" for e in root.iter()
    )
    assert "A &amp; B" in dark
    with pytest.raises(ValueError, match="unknown theme 'sepia'"):
        w.save_svg(tmp_path / "x.svg", theme="sepia")
    with pytest.raises(TypeError, match="unknown options"):
        w.save_png(tmp_path / "x.png", dpi=300)


def test_loss_chart_of_a_long_fit_keeps_its_envelope():
    model = FCNN([2], dataset="prod", seed=0)
    model.fit(epochs=3000, batch_size=2500, lr=0.05)
    w = FCNNWidget(model)
    x, y, width, height = picture.layout_of(w.scene).chart
    points = re.search(r'data-series="train" points="([^"]*)"', w._svg).group(1)
    xy = np.array([p.split(",") for p in points.split()], float)
    assert len(xy) <= 2 * (width + 2) + 2  # about two points per pixel column, not 3000
    assert np.all(np.diff(xy[:, 0]) >= 0)  # still in epoch order
    # The thinned line spans the same epochs and reaches the same highs and lows.
    loss = np.log10(model.history.loss)
    top, bottom = loss.max(), loss.min()
    assert xy[0, 0] == pytest.approx(x, abs=0.06) and xy[-1, 0] == pytest.approx(
        x + width, abs=0.06
    )
    assert xy[:, 1].min() == pytest.approx(y + 4, abs=0.06)  # the highest loss
    assert xy[:, 1].max() == pytest.approx(y + height - 4, abs=0.06)  # the lowest
    assert top > bottom


@pytest.mark.parametrize(
    ("why", "kwargs", "error"),
    [
        ("bad sample", {"sample": 99_999}, ValueError),
        ("bad epoch", {"epoch": 7}, traitlets.TraitError),
        ("samples of the wrong width", {"samples": np.zeros((4, 3))}, ValueError),
        ("no samples", {"samples": np.zeros((0, 2))}, ValueError),
        ("unknown setting", {"pallete": "RdBu"}, TypeError),
        ("bad setting", {"norm": "gloabl"}, ValueError),
    ],
)
def test_a_failed_construction_leaves_no_open_widget(why, kwargs, error):
    """Every argument is checked before the widget opens its comm: nothing stays registered."""
    from ipywidgets.widgets import widget as ipywidget

    model = FCNN([4], dataset="prod")
    listeners = len(model._listeners)
    before = set(ipywidget._instances)
    with pytest.raises(error):
        FCNNWidget(model, **kwargs)
    assert set(ipywidget._instances) == before, why
    assert len(model._listeners) == listeners, why
