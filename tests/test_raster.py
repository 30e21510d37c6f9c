"""What resvg is given (fcnn_widget/raster.py): the plane's points as one image layer, and
many pictures drawn by helper processes with the very pixels this process draws."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
import resvg_py
from PIL import Image

from fcnn_widget import FCNN, export, pool, raster
from fcnn_widget.export import to_svg


@pytest.fixture(scope="module")
def model():
    m = FCNN([3], dataset="prod", seed=0)
    m.fit(epochs=3, lr=0.05, batch_size=100)
    return m


def direct(svg: str, scale: float) -> np.ndarray:
    """resvg drawing the SVG as it is (every circle in place)."""
    return raster.pixels(bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=float(scale)))).astype(
        int
    )


@pytest.mark.parametrize("scale", [1, 2, 1.5])
def test_the_points_layer_is_within_a_few_units_of_drawing_them_in_place(model, scale):
    svg = to_svg(model, sample=5, width=420, background="#ffffff")
    layered = export.resvg_input(svg, scale)
    assert layered.count("<circle") < svg.count("<circle") - 2000
    assert layered.count('data-role="points-layer"') == 1
    got = raster.pixels(export.svg_to_png(svg, scale)).astype(int)
    want = direct(svg, scale)
    assert got.shape == want.shape
    diff = np.abs(got - want).max(axis=2)
    assert diff.max() <= 8  # compositing's rounding only: no point lost, moved or cut
    # Only on the plane, where the points are; the ring drawn after them stays on top.
    m = re.search(r'<image data-role="estimate" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', svg)
    x, y, w = (
        float(v) * scale * 420 / float(re.search(r'viewBox="0 0 ([\d.]+)', svg)[1])
        for v in m.groups()
    )
    ys, xs = np.nonzero(diff)
    assert (
        xs.min() >= x - 2 and xs.max() <= x + w + 2 and ys.min() >= y - 2 and ys.max() <= y + w + 2
    )
    ring = re.search(r'<circle data-role="ring-inner" cx="([\d.]+)" cy="([\d.]+)"', svg)
    k = scale * 420 / float(re.search(r'viewBox="0 0 ([\d.]+)', svg)[1])
    cx, cy = float(ring[1]) * k, float(ring[2]) * k
    yy, xx = np.mgrid[: got.shape[0], : got.shape[1]]
    on_ring = np.abs(np.hypot(xx + 0.5 - cx, yy + 0.5 - cy) - 7 * k) < 0.5 * k
    assert on_ring.sum() > 20 and diff[on_ring].max() == 0  # drawn after the points: on top


@pytest.mark.parametrize("scale", [1, 2, 1.5])
def test_the_estimate_scaled_here_is_within_two_units_of_resvgs_own_scaling(model, scale):
    svg = to_svg(model, sample=5, width=420, background="#ffffff")
    given = raster._estimate_scaled(svg, scale)
    assert given.count('data-role="estimate"') == 1 and 'image-rendering="optimizeSpeed"' in given
    got = direct(given, scale)
    want = direct(svg, scale)
    diff = np.abs(got - want).max(axis=2)
    assert diff.max() <= 2 and diff.any()  # bilinear against resvg's filter, nothing moved
    # Only on the plane (its edge within a pixel: the box is snapped to the pixel grid).
    m = re.search(r'<image data-role="estimate" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', svg)
    k = scale * 420 / float(re.search(r'viewBox="0 0 ([\d.]+)', svg)[1])
    x, y, w = (float(v) * k for v in m.groups())
    ys, xs = np.nonzero(diff)
    assert (
        xs.min() >= x - 1 and xs.max() <= x + w + 1 and ys.min() >= y - 1 and ys.max() <= y + w + 1
    )


def test_an_estimate_it_cannot_vouch_for_is_left_as_it_is(model):
    svg = to_svg(model, sample=0, width=400)
    faded = svg.replace('<g data-role="plane"', '<g data-role="plane" opacity="0.5"', 1)
    assert raster._estimate_scaled(faded, 1) == faded
    broken = re.sub(r'(data-role="estimate"[^>]*base64,)[^"]*', r"\1bm90IGEgcG5n", svg)
    assert raster._estimate_scaled(broken, 1) == broken  # not a PNG: resvg's own business
    assert raster._estimate_scaled("<svg/>", 1) == "<svg/>"


def test_the_layer_is_drawn_once_per_points_and_scale(model):
    raster._LAYERS.clear()
    a = to_svg(model, sample=1, width=400)
    b = to_svg(model, sample=9, width=400)  # another sample: the same points
    assert export.resvg_input(a, 1).count("points-layer") == 1
    assert len(raster._LAYERS) == 1
    export.resvg_input(b, 1)
    assert len(raster._LAYERS) == 1
    export.resvg_input(b, 2)
    assert len(raster._LAYERS) == 2


def test_pictures_it_cannot_vouch_for_are_left_as_they_are(model):
    svg = to_svg(model, sample=0, width=400)
    moved = svg.replace(
        '<g data-role="plane"', '<g transform="translate(3 4)"><g data-role="plane"', 1
    )
    moved = moved.replace("</svg>", "</g></svg>")
    assert raster.prepared(moved, 1) == moved  # a transform around the points
    faded = svg.replace('<g data-role="plane"', '<g data-role="plane" opacity="0.5"', 1)
    assert raster.prepared(faded, 1) == faded
    bare = to_svg(FCNN([3], dataset="xor", seed=0), width=400)
    empty = re.sub(r'(<g data-role="points"[^>]*>).*?(</g>)', r"\1\2", bare, flags=re.S)
    assert raster._points_layered(empty, 1) == empty  # no points
    assert raster.prepared("<svg/>", 1) == "<svg/>"


def test_a_helper_draws_the_same_pixels_as_this_process(model):
    svg = to_svg(model, sample=3, width=360, background="#ffffff")
    helper = raster.Helper()
    try:
        got = helper.render(export.resvg_input(svg, 1), 1)
        again = helper.render(export.resvg_input(svg, 2), 2)
    finally:
        helper.close()
    assert np.array_equal(got, raster.pixels(export.svg_to_png(svg, 1)))
    assert np.array_equal(again, raster.pixels(export.svg_to_png(svg, 2)))


def test_many_pictures_with_helpers_are_each_what_this_process_draws(model, monkeypatch):
    monkeypatch.setattr(pool, "HELPERS", 1)
    svgs = [to_svg(model, sample=k, width=300) for k in range(7)]
    svgs.insert(3, svgs[2])  # a picture shown twice is drawn once
    assert pool.helper_count(len(svgs)) == 1
    ticks = []
    got = pool.rasterise_all(svgs, 1, ticks.append)
    assert ticks == sorted(ticks) and ticks[-1] == len(svgs)
    for svg, image in zip(svgs, got):
        assert np.array_equal(image, raster.pixels(export.svg_to_png(svg, 1)))
    assert got[3] is got[2]


def test_a_failing_helper_leaves_its_pictures_to_this_process(model, monkeypatch):
    monkeypatch.setattr(pool, "HELPERS", 1)

    def broken(self, svg, scale):
        raise RuntimeError("the rasterising helper stopped")

    monkeypatch.setattr(raster.Helper, "render", broken)
    svgs = [to_svg(model, sample=k, width=300) for k in range(6)]
    got = pool.rasterise_all(svgs, 1)
    for svg, image in zip(svgs, got):
        assert np.array_equal(image, raster.pixels(export.svg_to_png(svg, 1)))


def test_few_pictures_need_no_helper():
    assert pool.helper_count(pool.MIN_SHARED - 1) == 0


def test_save_png_is_the_layered_picture(model, tmp_path):
    svg = to_svg(model, sample=2, width=400)
    path = export.save_png(svg, tmp_path / "a.png", scale=1)
    with Image.open(path) as im:
        saved = np.asarray(im.convert("RGBA"))
    png = bytes(resvg_py.svg_to_bytes(svg_string=export.resvg_input(svg, 1), zoom=1.0))
    with Image.open(io.BytesIO(png)) as im:
        assert np.array_equal(saved, np.asarray(im.convert("RGBA")))
