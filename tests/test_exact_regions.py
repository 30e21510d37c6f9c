"""The exact partition of the plane into linear regions (fcnn_widget/regions.py).

Exactness is checked against the network itself: a float64 forward pass of the same weights
(the arithmetic the partition is cut in) and the model's own float32 trace.

Uniqueness: the points with one activation pattern form a convex set (each layer's
pre-activations are affine on the previous pattern's set), so no pattern can own two separated
regions; the tests assert that every region's pattern is distinct, without exceptions.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fcnn_widget import FCNN, analysis
from fcnn_widget import regions as exact

DOMAIN = ((-3.0, 3.0), (-3.0, 3.0))
AREA = 36.0


def random_net(hidden, n_out=1, activation="relu", seed=0, task=None, bias=0.5) -> FCNN:
    rng = np.random.default_rng(seed)
    widths = [2, *hidden, n_out]
    params = [
        (rng.normal(size=(a, b)) / np.sqrt(a), rng.normal(scale=bias, size=b))
        for a, b in zip(widths[:-1], widths[1:])
    ]
    params = [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]
    return FCNN.from_params(params, activation, task=task)


def trained(hidden, dataset, epochs=60):
    model = FCNN(hidden, "relu", dataset=dataset, seed=0)
    model.fit(epochs, lr=0.01)
    return model


def inside_distance(part, r, points) -> np.ndarray:
    """Per point, the least signed distance to the edges of region r (>= 0 inside)."""
    V = part[r].vertices
    E = np.roll(V, -1, axis=0) - V
    cross = E[:, 0] * (points[:, None, 1] - V[:, 1]) - E[:, 1] * (points[:, None, 0] - V[:, 0])
    return (cross / np.hypot(E[:, 0], E[:, 1])).min(axis=1)


def check_grid(model, part, n):
    xs = np.linspace(*DOMAIN[0], n)
    points = analysis.grid_points(xs, np.linspace(*DOMAIN[1], n))
    layers = analysis._float64_layers(model.params)
    bits = exact.patterns64(layers, model.activation, points)
    keys = {row.tobytes(): r for r, row in enumerate(part.bits)}
    owner = np.array([keys.get(row.tobytes(), -1) for row in bits])
    # A pattern no region has: only a point within 1e-9 of a cut (a sliver kept whole).
    for i in np.flatnonzero(owner < 0):
        r = part.locate(points[i : i + 1])[0]
        assert inside_distance(part, r, points[i : i + 1])[0] >= -1e-9
    for r in np.unique(owner[owner >= 0]):
        mine = points[owner == r]
        assert inside_distance(part, r, mine).min() >= -1e-9, f"region {r}"
    found = owner >= 0
    assert np.array_equal(part.locate(points)[found], owner[found])
    return points, bits


def check_polygons(part):
    areas = part.areas()
    assert areas.min() > 0
    assert abs(areas.sum() - AREA) <= 1e-9 * AREA
    for region in part:
        V = region.vertices
        assert V.shape[1] == 2 and len(V) >= 3
        E = np.roll(V, -1, axis=0) - V
        turn = E[:, 0] * np.roll(E[:, 1], -1) - E[:, 1] * np.roll(E[:, 0], -1)
        assert turn.min() >= -1e-9 * np.abs(E).max() ** 2  # counter-clockwise, convex


def check_maps(model, part):
    """coef·x + intercept against the model's own float32 logits at centroids and at
    vertices moved 1e-7 inward."""
    centroids = part.centroids()
    points = [centroids]
    regions = [np.arange(len(part))]
    owner = np.repeat(np.arange(len(part)), np.diff(part.starts))
    step = centroids[owner] - part.vertices
    step /= np.maximum(np.linalg.norm(step, axis=1, keepdims=True), 1e-300)
    points.append(part.vertices + 1e-7 * step)
    regions.append(owner)
    points, regions = np.concatenate(points), np.concatenate(regions)
    got = part.logits_at(points, regions)
    want = model.trace(points.astype(np.float32)).z[-1]
    scale = 1.0 + np.abs(want).max()
    np.testing.assert_allclose(got, want, atol=5e-5 * scale, rtol=1e-4)
    assert np.array_equal(part.locate(centroids), np.arange(len(part)))


def unique_patterns(part) -> bool:
    return len({row.tobytes() for row in part.bits}) == len(part)


NETS = {
    "2-4-1 seed": lambda: FCNN([4], "relu", dataset="prod", seed=0),
    "2-5-5-1 prod": lambda: trained([5, 5], "prod"),
    "2-16-16-4 circles": lambda: trained([16, 16], "circles", 30),
    "2-8-8-1 leaky": lambda: random_net([8, 8], activation="leaky_relu", seed=3),
    "2-12-6-3 random": lambda: random_net([12, 6], n_out=3, seed=4),
}


@pytest.fixture(scope="module", params=list(NETS))
def net(request):
    model = NETS[request.param]()
    return model, analysis.exact_regions(model, DOMAIN)


def test_every_grid_point_lies_in_the_region_of_its_pattern(net):
    model, part = net
    points, bits64 = check_grid(model, part, 501)
    # The model's own float32 patterns agree but for points within float32 rounding of a cut.
    bits32 = np.concatenate(analysis.activation_pattern(model, points.astype(np.float32)), axis=1)
    differ = np.flatnonzero((bits32 != bits64).any(axis=1))
    a, near = points[differ], np.zeros(len(differ), bool)
    for W, b in analysis._float64_layers(model.params)[:-1]:
        pre = a @ W + b
        near |= (np.abs(pre) <= 1e-5 * (1 + np.abs(pre).max(initial=0))).any(axis=1)
        a = np.where(pre > 0, pre, analysis.OFF_SLOPE[model.activation] * pre)
    assert near.all()


def test_areas_add_up_and_polygons_are_convex_and_counter_clockwise(net):
    check_polygons(net[1])


def test_patterns_are_unique_and_match_activation_pattern_shapes(net):
    model, part = net
    assert unique_patterns(part)
    r = part[0]
    assert [m.shape for m in r.pattern] == [(w,) for w in model.widths[1:-1]]
    assert all(m.dtype == bool for m in r.pattern)
    assert r.coef.shape == (2, model.widths[-1]) and r.intercept.shape == (model.widths[-1],)


def test_affine_maps_equal_the_network_inside_each_region(net):
    check_maps(*net)


def test_pattern_and_map_equal_those_of_analysis(net):
    model, part = net
    for r in list(part)[:: max(1, len(part) // 20)]:
        c = r.centroid.astype(np.float32)
        got = analysis.activation_pattern(model, c)
        if all(np.array_equal(a, b) for a, b in zip(got, r.pattern)):  # not a float32 near-tie
            coef, intercept = analysis.local_linear(model.params, got, model.activation)
            np.testing.assert_allclose(coef, r.coef, atol=1e-12)
            np.testing.assert_allclose(intercept, r.intercept, atol=1e-12)


def test_count_is_at_least_the_raster_estimate():
    for seed, hidden in enumerate([[4], [5, 5], [16, 16], [8, 8, 8]]):
        model = random_net(hidden, seed=seed)
        raster = analysis.regions(model, n=101, X=np.array(DOMAIN).T + [[1.0], [-1.0]])
        assert (raster.xs[0], raster.xs[-1]) == DOMAIN[0]
        assert len(analysis.exact_regions(model, DOMAIN)) >= raster.n_regions


def test_boundaries_lie_on_their_units_switching_lines(net):
    model, part = net
    cuts = part.boundaries()
    assert len(cuts) >= len(part) - 1  # every cut adds one region
    assert set(np.unique(cuts.layer)) <= set(range(1, len(model.widths) - 1))
    layers = analysis._float64_layers(model.params)
    for t in (0.0, 0.5, 1.0):
        a = cuts.segments[:, 0] * (1 - t) + cuts.segments[:, 1] * t
        for k, (W, b) in enumerate(layers[:-1], start=1):
            pre = a @ W + b
            mine = cuts.layer == k
            z = pre[mine, cuts.unit[mine]]
            assert np.abs(z).max(initial=0) <= 1e-9 * (1 + np.abs(pre).max())
            a = np.where(pre > 0, pre, analysis.OFF_SLOPE[model.activation] * pre)


def test_locate_is_minus_one_outside_the_domain(net):
    part = net[1]
    out = part.locate([[-3.5, 0.0], [0.0, 3.01], [3.0, 3.0], [0.0, 0.0]])
    assert out[0] == -1 and out[1] == -1 and out[2] >= 0 and out[3] >= 0


def test_binary_decision_boundary_is_the_zero_level_set():
    model = trained([8, 8], "circle", 40)
    part = analysis.exact_regions(model, DOMAIN)
    lines = part.decision_boundary()
    assert lines and all(line.ndim == 2 and line.shape[1] == 2 for line in lines)
    points = np.concatenate(lines)
    logit = model.trace(points.astype(np.float32)).z[-1][:, 0]
    assert np.abs(logit).max() <= 1e-4
    # Crossing the boundary changes the predicted class; a circle's border is closed.
    assert sum(len(line) for line in lines) >= 8


def test_multiclass_borders_are_where_the_two_largest_logits_tie():
    model = random_net([10, 6], n_out=3, seed=5, task="multiclass")
    part = analysis.exact_regions(model, DOMAIN)
    lines = part.decision_boundary()
    assert lines
    points = np.concatenate(lines)
    z = np.sort(part.logits_at(points, part.locate(points)), axis=1)
    assert np.abs(z[:, -1] - z[:, -2]).max() <= 1e-9 * (1 + np.abs(z).max())
    # Every class that wins somewhere on the grid borders another.
    xs = np.linspace(-3, 3, 101)
    grid = analysis.grid_points(xs, xs)
    won = np.unique(np.argmax(model.trace(grid.astype(np.float32)).z[-1], axis=1))
    assert len(won) >= 2


def test_regression_has_no_decision_boundary():
    part = analysis.exact_regions(FCNN([4], "relu", dataset="prod", seed=0))
    with pytest.raises(ValueError, match="classification net"):
        part.decision_boundary()


def test_smooth_activations_are_refused_naming_the_supported_ones():
    with pytest.raises(ValueError, match="relu, leaky_relu, linear.*'tanh'"):
        analysis.exact_regions(FCNN([4], "tanh", dataset="prod"))


def test_linear_hidden_layers_make_one_region():
    model = random_net([5, 3], activation="linear", seed=1)
    part = analysis.exact_regions(model, DOMAIN)
    assert len(part) == 1 and part.areas()[0] == pytest.approx(AREA)
    x = np.array([[0.3, -2.0]])
    np.testing.assert_allclose(part.logits_at(x, [0]), model.predict(x), atol=1e-5)


def test_the_budget_stops_with_a_clear_message():
    model = random_net([16, 16], seed=2)
    with pytest.raises(exact.RegionBudgetExceeded, match="budget of 20 regions.*analysis.regions"):
        analysis.exact_regions(model, DOMAIN, budget=20)


def test_nonfinite_weights_are_refused():
    model = random_net([4], seed=1)
    model.set_params([(W * np.nan, b) for W, b in model.params])
    with pytest.raises(exact.NonFiniteWeights, match="NaN or Inf"):
        analysis.exact_regions(model, DOMAIN)


def test_results_are_cached_per_params():
    model = random_net([6, 6], seed=7)
    first = analysis.exact_regions(model, DOMAIN)
    assert analysis.exact_regions(model, DOMAIN) is first
    model.set_params([(W, b + 0.25) for W, b in model.params])
    assert analysis.exact_regions(model, DOMAIN) is not first


def test_slivers_are_not_cut_off():
    # Two first-layer lines 1e-13 apart: the strip between them is below SNAP.
    W = np.array([[1.0, 1.0], [0.0, 0.0]], np.float32)
    b = np.array([0.0, np.float32(-1e-13)])
    params = [(W, b.astype(np.float32)), (np.ones((2, 1), np.float32), np.zeros(1, np.float32))]
    part = analysis.exact_regions(FCNN.from_params(params), DOMAIN)
    check_polygons(part)
    assert unique_patterns(part)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    h1=st.integers(1, 16),
    h2=st.integers(0, 16),
    n_out=st.integers(1, 3),
    activation=st.sampled_from(["relu", "leaky_relu"]),
    seed=st.integers(0, 2**16),
)
def test_property_random_nets(h1, h2, n_out, activation, seed):
    hidden = [h1] if h2 == 0 else [h1, h2]
    model = random_net(hidden, n_out, activation, seed)
    part = analysis.exact_regions(model, DOMAIN)
    check_polygons(part)
    assert unique_patterns(part)
    check_maps(model, part)
    check_grid(model, part, 61)
