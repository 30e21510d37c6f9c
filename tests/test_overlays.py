"""The analysis in the picture: local formulas, off units, regions, lines, response maps,
weight matrices."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from fcnn_widget import FCNN, FCNNWidget, analysis
from fcnn_widget.overlays import formula_text


@pytest.fixture(scope="module")
def relu_model():
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=40)
    return model


def elements(svg, **attrs):
    root = ET.fromstring(svg)
    return [
        e for e in root.iter() if all(e.get(k.replace("_", "-")) == v for k, v in attrs.items())
    ]


def test_formula_is_the_local_linear_map_of_the_sample(relu_model):
    w = FCNNWidget(relu_model, sample=1027)
    x = relu_model.dataset.X[1027]
    pattern = analysis.activation_pattern(relu_model, x)
    coef, intercept = analysis.local_linear(relu_model.params, pattern)
    expected = formula_text(np.append(coef[:, 0], intercept[0]), "ŷ")
    (shown,) = elements(w.to_svg(), data_role="formula")
    assert shown.text == expected
    # Evaluated at the sample, the map gives the network's output.
    local = np.frombuffer(w._local, np.float32).reshape(2500, 1, 3)[1027, 0]
    assert np.isclose(x @ local[:2] + local[2], relu_model.predict(x)[0, 0], atol=1e-5)


def test_smooth_nets_show_the_tangent_labelled_as_such():
    model = FCNN([4], "sigmoid", dataset="prod", seed=0)
    w = FCNNWidget(model, sample=3)
    svg = w.to_svg()
    assert "local linearisation (tangent at the sample)" in svg
    coef, intercept = analysis.local_linearization(model, model.dataset.X[3])
    (shown,) = elements(svg, data_role="formula")
    assert shown.text == formula_text(np.append(coef[:, 0], intercept[0]), "ŷ")


def test_off_units_are_marked_and_dead_units_ringed(relu_model):
    w = FCNNWidget(relu_model, sample=10)
    svg = w.to_svg()
    z = relu_model.trace(relu_model.dataset.X).z
    for mark in elements(svg):
        if mark.get("data-off"):
            k, i = map(int, mark.get("data-off").split("-"))
            assert (mark.get("visibility") == "visible") == (not z[k][10, i] > 0)
    # The mark leaves the value legible: its badge lies outside the unit's circle.
    for badge in elements(svg, data_role="off-badge"):
        bx, by, b = (float(badge.get(a)) for a in ("cx", "cy", "r"))
        unit = min(
            elements(svg, data_kind="a"),
            key=lambda c: (float(c.get("cx")) - bx) ** 2 + (float(c.get("cy")) - by) ** 2,
        )
        gap = np.hypot(float(unit.get("cx")) - bx, float(unit.get("cy")) - by)
        assert gap >= float(unit.get("r")) + b * 0.5
    dead = [(k, i) for k in (1, 2) for i in range(5) if not np.any(z[k][:, i] > 0)]
    rings = [
        (int(e.get("data-layer")), int(e.get("data-index")))
        for e in elements(svg, data_role="dead")
    ]
    assert rings == dead


def test_region_map_draws_the_exact_regions_as_polygons(relu_model):
    w = FCNNWidget(relu_model, show_regions=True)
    svg = w.to_svg()
    part = analysis.exact_regions(relu_model, ((-3.0, 3.0), (-3.0, 3.0)))
    polygons = [
        e
        for e in elements(svg, data_role=None)
        if e.tag.endswith("polygon") and e.get("data-region") and e.get("data-role") is None
    ]
    assert len(polygons) == len(part)
    (count,) = elements(svg, data_role="region-count")
    assert count.get("data-exact") == "1" and int(count.get("data-count")) == len(part)
    assert not elements(svg, data_role="regions")  # no raster image
    # The raster estimate's distinct patterns are all among the exact regions'.
    xs, ys = w.scene.grid.xs, w.scene.grid.ys
    patterns = analysis.activation_pattern(relu_model, analysis.grid_points(xs, ys))
    distinct = np.unique(np.concatenate(patterns, axis=1), axis=0)
    assert len(part) >= len(distinct)
    ids = np.frombuffer(w._region_ids, np.int32)
    assert ids.min() >= 0 and ids.max() < len(part)
    maps = np.frombuffer(w._region_maps, np.float32).reshape(len(part), 1, 3)
    np.testing.assert_allclose(maps[:, 0, :2], part.coef[:, :, 0], rtol=1e-5, atol=1e-6)


def test_region_map_over_its_budget_keeps_the_raster_and_says_so(relu_model, monkeypatch):
    from fcnn_widget import region_map

    monkeypatch.setattr(region_map, "PICTURE_REGIONS", 3)
    w = FCNNWidget(relu_model, show_regions=True)
    (image,) = elements(w.to_svg(), data_role="regions")
    xs, ys = w.scene.grid.xs, w.scene.grid.ys
    patterns = analysis.activation_pattern(relu_model, analysis.grid_points(xs, ys))
    distinct = np.unique(np.concatenate(patterns, axis=1), axis=0)
    assert int(image.get("data-count")) == len(distinct)
    (count,) = elements(w.to_svg(), data_role="region-count")
    assert count.get("data-exact") == "0" and "over 3 regions: raster estimate" in "".join(
        count.itertext()
    )
    ids = np.frombuffer(w._region_ids, np.int32)
    assert len(np.unique(ids)) == len(distinct)


def test_first_layer_lines_lie_where_w_x_plus_b_is_zero(relu_model):
    w = FCNNWidget(relu_model, show_lines=True)
    svg = w.to_svg()
    lines = elements(svg, data_role="unit-line")
    assert 1 <= len(lines) <= 5
    px, py, pw, ph = w._meta["plane"]["rect"]
    x0, x1, y0, y1 = w._meta["plane"]["domain"]
    W, b = relu_model.params[0]
    for line in lines:
        i = int(line.get("data-index"))
        for u, v in ((line.get("x1"), line.get("y1")), (line.get("x2"), line.get("y2"))):
            point = np.array(
                [x0 + (float(u) - px) / pw * (x1 - x0), y0 + (1 - (float(v) - py) / ph) * (y1 - y0)]
            )
            assert abs(point @ W[:, i] + b[i]) < 0.05 * np.linalg.norm(W[:, i])
    assert len(elements(svg, data_role="unit-tag")) == 5


def test_response_view_draws_one_map_per_neuron(relu_model):
    w = FCNNWidget(relu_model, view="response")
    svg = w.to_svg()
    images = [e for e in elements(svg) if e.tag.endswith("image") and e.get("data-kind")]
    assert len(images) == 2 + 2 * (5 + 5 + 1)
    assert not [e for e in elements(svg) if e.tag.endswith("circle") and e.get("data-kind")]
    with pytest.raises(
        ValueError, match="unknown view 'heatmap'; valid choices are network, response"
    ):
        FCNNWidget(relu_model, view="heatmap")


def test_weight_matrices_have_one_cell_per_weight(relu_model):
    svg = FCNNWidget(relu_model, show_matrices=True).to_svg()
    cells = elements(svg, data_role="wcell")
    assert len(cells) == 2 * 5 + 5 * 5 + 5
    cell = next(
        c
        for c in cells
        if c.get("data-layer") == "2" and c.get("data-from") == "3" and c.get("data-to") == "1"
    )
    assert np.float32(float(cell.get("data-value"))) == relu_model.params[1][0][3, 1]
    assert re.search(r"W⁽²⁾ 5×5", svg)


def test_the_samples_region_is_outlined_and_classification_draws_its_boundary():
    from fcnn_widget import FCNN

    model = FCNN([5, 5], "relu", dataset="circle", seed=0)
    model.fit(20, lr=0.01)
    w = FCNNWidget(model, show_regions=True, sample=7)
    svg = w.to_svg()
    part = analysis.exact_regions(model, ((-3.0, 3.0), (-3.0, 3.0)))
    (outline,) = elements(svg, data_role="sample-region")
    r = int(part.locate(model.dataset.X[7:8].astype(np.float64))[0])
    assert int(outline.get("data-region")) == r
    (polygon,) = [e for e in elements(svg, data_region=str(r)) if e.get("data-role") is None]
    assert outline.get("points") == polygon.get("points")
    (boundary,) = elements(svg, data_role="decision-boundary")
    assert boundary.get("d").count("L") >= len(part.decision_boundary())
    assert "linear region" in model.describe()
