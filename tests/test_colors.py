"""Palettes come from matplotlib; ranges follow the norm settings."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import LinearSegmentedColormap

from fcnn_widget import colors


@pytest.mark.parametrize("name", ["viridis", "rainbow", "cool", "RdBu", "coolwarm", "viridis_r"])
def test_lut_equals_matplotlib(name):
    palette = colors.resolve_palette(name)
    cmap = matplotlib.colormaps[name]
    for i in (0, 17, 128, 255):
        r, g, b, _ = cmap(i / 255)
        expected = "#{:02x}{:02x}{:02x}".format(*tuple(round(c * 255) for c in (r, g, b)))
        assert palette.colors[i] == expected


def test_colormap_object_and_diverging_flag():
    custom = LinearSegmentedColormap.from_list("mine", ["black", "orange"])
    assert colors.resolve_palette(custom).colors[0] == "#000000"
    assert colors.resolve_palette("RdBu_r").diverging
    assert not colors.resolve_palette("viridis").diverging


def test_unknown_palette_names_choices():
    with pytest.raises(ValueError, match="unknown palette 'nope'.*viridis"):
        colors.resolve_palette("nope")


def test_lut_index_ends_and_flat_range():
    assert colors.lut_index(-5, 0, 1) == 0
    assert colors.lut_index(5, 0, 1) == 255
    assert colors.lut_index(3, 3, 3) == 128  # a flat range draws the middle colour


def _ranges(norm, scope="dataset", symmetric=False, robust=False):
    nodes = {
        "x0": np.array([[0.0, 1.0], [2.0, 3.0]], np.float32),
        "z1": np.array([[-4.0], [10.0]], np.float32),
        "a1": np.array([[0.0], [10.0]], np.float32),
    }
    params = {"w1": np.array([[0.5], [-0.5]], np.float32), "b1": np.array([7.0], np.float32)}
    return colors.value_ranges(
        nodes, params, norm=norm, scope=scope, symmetric=symmetric, robust=robust
    )


def test_component_norm_groups_activations_with_inputs():
    names, group, ranges = _ranges("component")
    assert names == ["a", "z", "w", "b"]
    assert group["x0"] == group["a1"] == 0
    np.testing.assert_allclose(ranges[0], [[0, 10], [-4, 10], [-0.5, 0.5], [7, 7]])


def test_global_and_layer_norms():
    names, _, ranges = _ranges("global")
    assert names == ["all"] and ranges[0, 0].tolist() == [-4, 10]
    names, group, ranges = _ranges("layer")
    assert names == ["x0", "z1", "a1", "w1", "b1"]
    assert ranges[0, group["x0"]].tolist() == [0, 3]


def test_sample_scope_and_symmetric():
    _, group, ranges = _ranges("component", scope="sample", symmetric=True)
    assert ranges.shape == (2, 4, 2)
    assert ranges[0, group["z1"]].tolist() == [-4, 4]  # sample 0: z = -4
    assert ranges[1, group["z1"]].tolist() == [-10, 10]


def test_robust_clips_outliers_and_nonfinite_is_ignored():
    values = np.concatenate([np.linspace(0, 1, 999), [1000.0]]).astype(np.float32)[:, None]
    values[3] = np.nan
    _names, _, ranges = colors.value_ranges(
        {"x0": values}, {}, norm="global", scope="dataset", symmetric=False, robust=True
    )
    lo, hi = ranges[0, 0]
    assert 0 <= lo < 0.02 and 0.98 < hi < 1.01


def test_bad_norm_names_choices():
    with pytest.raises(ValueError, match="valid choices are global, component, layer"):
        _ranges("per-layer")
