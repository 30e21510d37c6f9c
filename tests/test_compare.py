"""The comparison picture: one panel per network (the single picture, unchanged inside),
shared or per-panel colour ranges, the combined loss chart and formulas, clear errors."""

from __future__ import annotations

import collections
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from fcnn_widget import FCNN, compare, datasets, export, fmt
from fcnn_widget.overlays import formula_lhs
from fcnn_widget.rules import formula_text
from fcnn_widget.scene import build_scene, shared_ranges
from fcnn_widget.settings import SettingError, make_style

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def models():
    out = [
        FCNN([4], "relu", dataset="prod", seed=1),
        FCNN([5, 5], "relu", dataset="prod", seed=0),
        FCNN([4], "sigmoid", dataset="prod", seed=0),
    ]
    for m in out:
        m.fit(epochs=5, lr=0.005)
    return out


def panels(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    found = [g for g in root.iter(f"{NS}g") if g.get("data-model") is not None]
    assert all(g.get("data-uid") for g in found)  # only the panels' roots carry data-model
    return found


def neuron_values(panel: ET.Element) -> dict[tuple[str, int, int], float]:
    return {
        (c.get("data-kind"), int(c.get("data-layer")), int(c.get("data-index"))): float(
            c.get("data-value")
        )
        for c in panel.iter(f"{NS}circle")
        if c.get("data-kind")
    }


def bar_ranges(panel: ET.Element) -> dict[str, str]:
    return {
        f"{t.get('data-range')}-{t.get('data-end')}": t.text
        for t in panel.iter(f"{NS}text")
        if t.get("data-range")
    }


def test_one_panel_per_model_each_the_single_picture(models):
    comp = compare.comparison(models, shared_ranges=False)
    svg = compare.to_svg(comp, sample=10)
    found = panels(svg)
    assert [g.get("data-model") for g in found] == ["0", "1", "2"]
    for i, (model, g) in enumerate(zip(models, found)):
        # Inside a panel: the very elements of the model's own picture (same renderer).
        alone = build_scene(model, style=compare.panel_style(make_style()))
        body = "\n".join(compare.picture.body(alone, 10, uid=f"fcnn-cmp-{i}"))
        inner = "\n".join(ET.tostring(e, encoding="unicode") for e in g)
        expected = ET.fromstring(f'<svg xmlns="http://www.w3.org/2000/svg">{body}</svg>')
        label, *picture = list(g)
        assert label.get("data-role") == "panel-label"
        assert model.describe() in "".join(label.itertext())
        assert [e.tag for e in picture] == [e.tag for e in expected]
        assert [e.attrib for e in picture] == [e.attrib for e in expected]
        # Neurons keep their data attributes: data-value is the model's trace of the sample.
        trace = model.trace(model.dataset.X)  # one batch, as the picture traces it
        values = neuron_values(g)
        for k in range(len(model.widths)):
            for i_, v in enumerate(np.asarray(trace.a[k])[10]):
                assert values[("a" if k else "x", k, i_)] == float(fmt.exact(v))
        assert 'data-kind="w"' in inner


def test_ids_are_unique_across_panels(models):
    svg = compare.to_svg(compare.comparison(models), sample=3)
    ids = [e.get("id") for e in ET.fromstring(svg).iter() if e.get("id")]
    assert ids and len(ids) == len(set(ids)), collections.Counter(ids).most_common(3)
    for i in range(3):
        assert f"url(#fcnn-cmp-{i}-grad)" in svg


def test_shared_ranges_are_the_union_of_every_panel(models):
    own = [build_scene(m) for m in models]
    shared = compare.comparison(models, shared_ranges=True)
    apart = compare.comparison(models, shared_ranges=False)
    names = own[0].group_names
    for g, name in enumerate(names):
        lo = min(s.ranges[0, s.group_names.index(name), 0] for s in own)
        hi = max(s.ranges[0, s.group_names.index(name), 1] for s in own)
        for s in shared.scenes:
            assert tuple(s.ranges[0, g]) == (lo, hi)
    for s, alone in zip(apart.scenes, own):
        np.testing.assert_array_equal(s.ranges, alone.ranges)
    svg_shared = compare.to_svg(shared, 10)
    bars = [bar_ranges(p) for p in panels(svg_shared)]
    assert bars[0] == bars[1] == bars[2]
    bars = [bar_ranges(p) for p in panels(compare.to_svg(apart, 10))]
    assert bars[0] != bars[1]
    # Colour is the same function of value in every panel: equal value, equal fill.
    a, b = shared.scenes[0], shared.scenes[1]
    assert a.color("a1", 10, 0.5) == b.color("a1", 10, 0.5)


def test_shared_ranges_by_layer_and_per_sample():
    ms = [FCNN([4], dataset="prod", seed=0), FCNN([5, 5], dataset="prod", seed=0)]
    comp = compare.comparison(ms, norm="layer", norm_scope="sample")
    a, b = comp.scenes
    assert a.ranges.shape[0] == 2500
    for name in ("x0", "z1", "a1", "w1"):  # groups both have: one range, sample by sample
        ga, gb = a.group_names.index(name), b.group_names.index(name)
        np.testing.assert_array_equal(a.ranges[:, ga], b.ranges[:, gb])
    own = build_scene(ms[1], style=make_style(norm="layer", norm_scope="sample"))
    g = own.group_names.index("z3")  # only the deeper net has it: its own range
    np.testing.assert_array_equal(b.ranges[:, b.group_names.index("z3")], own.ranges[:, g])


def test_shared_ranges_is_pure():
    s = build_scene(FCNN([4], dataset="prod", seed=0))
    before = s.ranges.copy()
    shared_ranges([s, build_scene(FCNN([5, 5], dataset="prod", seed=3))])
    np.testing.assert_array_equal(s.ranges, before)
    assert shared_ranges([]) == []


def test_loss_chart_and_formulas(models):
    comp = compare.comparison(models)
    root = ET.fromstring(compare.to_svg(comp, sample=1027))
    curves = [e for e in root.iter(f"{NS}polyline") if e.get("data-role") == "loss-curve"]
    assert [c.get("data-model") for c in curves] == ["0", "1", "2"]
    assert len({c.get("stroke") for c in curves}) == 3
    labels = [e.text for e in root.iter(f"{NS}text") if e.get("data-role") == "loss-label"]
    assert [lab.split(": final")[0] for lab in labels] == [m.describe() for m in models]
    formulas = [
        e
        for e in root.iter(f"{NS}text")
        if e.get("data-role") == "formula" and e.get("data-model") is not None
    ]
    assert len(formulas) == 3
    for e, s in zip(formulas, comp.scenes):
        assert e.text == formula_text(s.local[1027, 0], formula_lhs(s, 0))


def test_dressing_is_the_whole_pictures(models, tmp_path):
    comp = compare.comparison(models, title="three nets", caption="prod", width=1400)
    svg = compare.to_svg(comp, 10)
    assert svg.count('data-role="title"') == 1 and svg.count('data-role="caption"') == 1
    assert export.svg_size(svg)[0] == 1400
    png = export.save_png(svg, tmp_path / "c.png", scale=1)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_columns_make_a_grid(models):
    lay = compare.layout(compare.comparison(models, columns=2))
    (x0, y0), (x1, y1), (x2, y2) = lay.panels
    assert y0 == y1 < y2 and x0 == x2 < x1
    # The chart and formulas take the last row's free cell.
    assert lay.chart[0] > x1 and y2 <= lay.chart[1] and lay.formula_y > lay.chart[1]
    row = compare.layout(compare.comparison(models, columns=3))
    assert row.chart[1] > max(y for _, y in row.panels) and row.formula_x > row.chart[0]


def test_fit_columns_keeps_the_panels_legible():
    assert compare.fit_columns([800, 800, 800], 10_000) == 3
    assert compare.fit_columns([800, 800, 800], 100) == 1  # never none
    wide = 2 * 800 + compare.GAP + 2 * compare.MARGIN
    assert compare.fit_columns([800] * 3, wide * compare.MIN_SCALE) == 2


def test_errors():
    with pytest.raises(ValueError, match="models is empty"):
        compare.comparison([])
    with pytest.raises(TypeError, match="list of networks"):
        compare.comparison(FCNN([3], dataset="prod"))
    xor3 = datasets.Dataset(np.zeros((10, 3), np.float32), np.zeros(10, np.float32), "regression")
    with pytest.raises(ValueError, match="different widths .*model 1: 3"):
        compare.comparison([FCNN([3], dataset="prod"), FCNN([3], dataset=xor3)])
    with pytest.raises(ValueError, match="other data than model 0"):
        compare.comparison([FCNN([3], dataset="prod"), FCNN([3], dataset="xor")])
    with pytest.raises(SettingError, match="shared_ranges must be True or False"):
        compare.comparison([FCNN([3], dataset="prod")], shared_ranges="yes")
    with pytest.raises(ValueError, match="columns must be an integer"):
        compare.comparison([FCNN([3], dataset="prod")], columns=0)
    with pytest.raises(TypeError, match="unknown options"):
        compare.comparison([FCNN([3], dataset="prod")], pallete="viridis")


def test_samples_given_compare_models_of_other_data():
    X = np.random.default_rng(0).uniform(-3, 3, (50, 2)).astype(np.float32)
    comp = compare.comparison([FCNN([3], dataset="prod"), FCNN([3], dataset="xor")], samples=X)
    assert all(s.n_samples == 50 for s in comp.scenes)


# -- the widget ----------------------------------------------------------------------------------
def test_widget_panels_and_exports(models, tmp_path):
    from fcnn_widget import FCNNCompare
    from fcnn_widget.standalone import read_html

    w = FCNNCompare(models, sample=10, palette="RdBu", shared_ranges=True, norm="layer")
    assert len(w._panels) == 3 and w.symmetric is True and w.norm == "layer"
    for i, (panel, s) in enumerate(zip(w._panels, w.scenes)):
        assert panel["_meta"]["uid"] == f"{w._uid}-{i}"
        np.testing.assert_array_equal(np.frombuffer(panel["_values"], np.float32), s.values.ravel())
    svg = w.save_svg(tmp_path / "c.svg", sample=1027, title="three")
    text = svg.read_text()
    assert text.count("<g data-model=") == 3 and 'data-role="title"' in text
    assert text == w.save_svg(tmp_path / "again.svg", sample=1027, title="three").read_text()
    assert w.save_png(tmp_path / "c.png", scale=1).read_bytes()[:4] == b"\x89PNG"
    doc = read_html(w.save_html(tmp_path / "c.html"))
    assert doc["widget"] == "compare" and len(doc["panels"]) == 3
    # A setting changed from Python redraws every panel; shared ranges follow.
    w.norm = "component"
    assert all(s.group_names == ["a", "z", "w", "b"] for s in w.scenes)
    assert w.scenes[0].ranges.tolist() == w.scenes[1].ranges.tolist()
    w.shared_ranges = False
    assert w.scenes[0].ranges.tolist() != w.scenes[1].ranges.tolist()
    w.sample = 5
    assert "sample 5 of 2500" in w.to_svg()
    with pytest.raises(SettingError, match="unknown norm"):
        w.norm = "gloabl"
    with pytest.raises(Exception, match="out of range"):
        w.sample = 2500


def test_widget_errors(models):
    from fcnn_widget import FCNNCompare

    with pytest.raises(ValueError, match="models is empty"):
        FCNNCompare([])
    with pytest.raises(TypeError, match="unknown options .*width"):
        FCNNCompare(models, width=300)  # a file's dressing, not a widget setting
    with pytest.raises(SettingError, match="shared_ranges"):
        FCNNCompare(models, shared_ranges=1)
    with pytest.raises(ValueError, match="sample 9999 is out of range"):
        FCNNCompare(models, sample=9999)


def test_widget_follows_fits_and_the_page_width():
    from fcnn_widget import FCNNCompare, picture

    ms = [FCNN([3], dataset="prod", seed=0), FCNN([4], "tanh", dataset="prod", seed=0)]
    w = FCNNCompare(ms, sample=4)
    before = w.scenes[0].values.copy()
    ms[0].fit(epochs=2)  # the comparison redraws when a fit ends
    assert w.scenes[0].epoch == 2 and "2 epochs" in w.to_svg()
    assert not np.array_equal(before, w.scenes[0].values)
    sizes = [picture.layout_of(s).width for s in w.scenes]
    w._on_page_message(w, {"type": "fit", "width": 500}, [])
    assert w.comparison.columns == compare.fit_columns(sizes, 500) == 1
    w._on_page_message(w, {"type": "fit", "width": 5000}, [])
    assert w.comparison.columns == 2
    w._on_page_message(w, {"type": "fit", "width": "wide"}, [])  # ignored, no error
    fixed = FCNNCompare(ms, columns=1)
    fixed._on_page_message(fixed, {"type": "fit", "width": 5000}, [])
    assert fixed.comparison.columns == 1
    w.close()
    ms[0].fit(epochs=1)  # a closed comparison no longer listens
    assert w.scenes[0].epoch == 2


def test_readers_without_a_kernel_get_the_picture():
    from fcnn_widget import FCNNCompare

    w = FCNNCompare([FCNN([3], dataset="prod"), FCNN([2], dataset="prod")], sample=7)
    data, _ = w._repr_mimebundle_()
    assert data["image/svg+xml"].count("<g data-model=") == 2
    assert data["text/plain"] == "FCNNCompare of 2 networks: sample 7"


def test_widget_moves_each_panels_window_of_samples():
    from fcnn_widget import FCNNCompare

    X = np.random.default_rng(1).uniform(-3, 3, (12_000, 2)).astype(np.float32)
    ms = [FCNN([256, 256], "tanh", dataset="prod", seed=0), FCNN([3], "tanh", dataset="prod")]
    w = FCNNCompare(ms, X, sample=0)
    big, small = w._panels
    assert big["_window"][0] == 0 and big["_window"][1] < 12_000  # a window of samples
    assert small["_window"] == [0, 12_000]  # small enough to hold every sample
    w.sample = 11_999
    big = w._panels[0]
    start, length = big["_window"]
    assert start <= 11_999 < start + length
    rows = np.frombuffer(big["_values"], np.float32).reshape(length, -1)
    np.testing.assert_array_equal(rows[11_999 - start], w.scenes[0].values[11_999])
