"""Region maths of ReLU networks: patterns, local affine maps, lines, grids and regions."""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcnn_widget import FCNN
from fcnn_widget.analysis import (
    OFF_SLOPE,
    Line,
    activation_pattern,
    clip_line,
    estimate_and_regions,
    first_layer_lines,
    grid_estimate,
    local_linear,
    local_linearization,
    local_maps,
    nearest_sample,
    pattern_maps,
    plot_domain,
    regions,
)
from fcnn_widget.network import RELU_FAMILY

SMOOTH = ("sigmoid", "tanh", "gelu")


# -- helpers ---------------------------------------------------------------------------------------
def random_net(activation, d_in, dims, d_out, seed, scale=1.0):
    """An FCNN of the given shape on random data, with random weights and biases."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, d_in))
    y = rng.normal(size=(8, d_out)) if d_out > 1 else rng.normal(size=8)
    model = FCNN(dims, activation, dataset=(X, y), seed=seed)
    widths = [d_in, *dims, d_out]
    model.set_params(
        [
            (rng.normal(size=(n_in, n_out)) * scale / np.sqrt(n_in), rng.normal(size=n_out) * scale)
            for n_in, n_out in itertools.pairwise(widths)
        ]
    )
    return model


def plane_net(dims, activation="relu", seed=0, dataset="prod"):
    """A 2-input net with random biases, so its unit lines cross the plot domain."""
    model = FCNN(dims, activation, dataset=dataset, seed=seed)
    rng = np.random.default_rng(seed)
    model.set_params(
        [(rng.normal(size=W.shape), rng.normal(size=b.shape)) for W, b in model.params]
    )
    return model


def logits_of(model, X):
    """The network's own logits z[L] (float32, from the JAX trace)."""
    return model.trace(X).z[-1].astype(np.float64)


def magnitude(model, X):
    """|x| pushed through |W|, |b|: the size of the sums float32 rounds, per sample."""
    a = np.abs(np.asarray(X, np.float64))
    for W, b in model.params:
        a = a @ np.abs(W.astype(np.float64)) + np.abs(b)
    return 1.0 + a


def numpy_logits(params, X, activation):
    """An independent float64 forward pass."""
    act = {
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.where(z > 0, z, OFF_SLOPE["leaky_relu"] * z),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
    }[activation]
    a = np.asarray(X, np.float64)
    for k, (W, b) in enumerate(params):
        z = a @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
        a = act(z) if k < len(params) - 1 else z
    return a


def row(patterns, i):
    """Sample i's pattern out of a batch pattern."""
    return [p[i] for p in patterns]


# -- the local affine map equals the network ------------------------------------------------------
@st.composite
def nets_and_points(draw):
    activation = draw(st.sampled_from(RELU_FAMILY))
    d_in = draw(st.integers(1, 4))
    dims = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    d_out = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 5.0]))
    coords = st.floats(-5, 5, allow_nan=False, width=32)
    points = draw(st.lists(st.lists(coords, min_size=d_in, max_size=d_in), min_size=1, max_size=4))
    model = random_net(activation, d_in, dims, d_out, seed, scale)
    return model, np.asarray(points, np.float32)


@settings(max_examples=60, deadline=None)
@given(nets_and_points())
def test_local_linear_reproduces_the_logits(case):
    model, X = case
    batch = activation_pattern(model, X)
    expected, scale = logits_of(model, X), magnitude(model, X)
    for i, x in enumerate(X):
        pattern = activation_pattern(model, x)
        for single, from_batch in zip(pattern, row(batch, i)):
            np.testing.assert_array_equal(single, from_batch)
        coef, intercept = local_linear(model.params, pattern, model.activation)
        assert coef.shape == (model.widths[0], model.widths[-1])
        assert intercept.shape == (model.widths[-1],)
        got = x.astype(np.float64) @ coef + intercept
        np.testing.assert_allclose(got, expected[i], rtol=0, atol=1e-4 * scale[i].max())


def test_local_linear_by_hand_relu_and_leaky():
    # z1 = (x, -x); on x > 0 the first unit is on and the second off.
    params = [(np.array([[1.0, -1.0]]), np.zeros(2)), (np.array([[1.0], [1.0]]), np.array([0.5]))]
    pattern = [np.array([True, False])]
    coef, intercept = local_linear(params, pattern, "relu")
    assert coef.tolist() == [[1.0]] and intercept.tolist() == [0.5]
    coef, intercept = local_linear(params, pattern, "leaky_relu")
    np.testing.assert_allclose(coef, [[0.99]])
    np.testing.assert_allclose(intercept, [0.5])


def test_local_linear_takes_jax_params_and_matches_the_jacobian():
    model = plane_net([5, 4, 3], "relu", seed=3)
    x = np.array([0.3, -0.8], np.float32)
    pattern = activation_pattern(model, x)
    jax_params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in model.params]
    coef, intercept = local_linear(jax_params, pattern)
    assert coef.dtype == np.float64
    np_coef, np_intercept = local_linear(model.params, pattern)
    np.testing.assert_array_equal(coef, np_coef)
    np.testing.assert_array_equal(intercept, np_intercept)
    tangent, tangent_intercept = local_linearization(model, x)
    np.testing.assert_allclose(tangent, coef, atol=1e-5)
    np.testing.assert_allclose(tangent_intercept, intercept, atol=1e-5)


# -- activation patterns ------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", RELU_FAMILY)
def test_activation_pattern_shapes_and_values(activation):
    model = plane_net([4, 3], activation, seed=1)
    X = np.random.default_rng(0).uniform(-3, 3, size=(5, 2)).astype(np.float32)
    single = activation_pattern(model, X[0])
    assert [(p.shape, p.dtype) for p in single] == [((4,), bool), ((3,), bool)]
    batch = activation_pattern(model, X)
    assert [p.shape for p in batch] == [(5, 4), (5, 3)]
    # Independently: the pre-activations of a float64 forward pass.
    a, expected = X.astype(np.float64), []
    for W, b in model.params[:-1]:
        z = a @ W + b
        expected.append(z > 0)
        a = np.where(z > 0, z, OFF_SLOPE[activation] * z)
    for got, want in zip(batch, expected):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(single, row(batch, 0)):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("activation", SMOOTH)
def test_region_maths_rejects_smooth_activations(activation):
    model = FCNN([3], activation, dataset="prod")
    for call in (lambda: activation_pattern(model, [0.0, 0.0]), lambda: regions(model, n=5)):
        with pytest.raises(
            ValueError, match=rf"{activation}.*relu, leaky_relu|relu, leaky_relu.*{activation}"
        ):
            call()
    with pytest.raises(ValueError, match=activation):
        local_linear(model.params, [np.ones(3, bool)], activation)


def test_activation_pattern_rejects_wrong_input_width():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        activation_pattern(FCNN([3], "relu", dataset="prod"), [1.0, 2.0, 3.0])


# -- local_linear validation ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def params_2_4_3_1():
    return FCNN([4, 3], "relu", dataset="prod").params


@pytest.mark.parametrize(
    "pattern, message",
    [
        ([np.ones(4, bool)], r"one mask per hidden layer, 2 of shapes \[\(4,\), \(3,\)\], got 1"),
        ([np.ones(4, bool)] * 3, r"2 of shapes \[\(4,\), \(3,\)\], got 3"),
        ([np.ones(4, bool), np.ones(5, bool)], r"pattern\[1\] .* shape \(3,\).* got bool \(5,\)"),
        ([np.ones((7, 4), bool), np.ones((7, 3), bool)], r"pattern\[0\] .* shape \(4,\)"),
        ([np.ones(4), np.ones(3)], r"pattern\[0\] must be a boolean array.* got float64"),
    ],
)
def test_local_linear_checks_the_pattern(params_2_4_3_1, pattern, message):
    with pytest.raises(ValueError, match=message):
        local_linear(params_2_4_3_1, pattern)


def test_local_linear_checks_the_params(params_2_4_3_1):
    (W0, b0), (W1, b1), last = params_2_4_3_1
    pattern = [np.ones(4, bool), np.ones(3, bool)]
    with pytest.raises(ValueError, match=r"layer 1: W must have shape \(4, out\).* got W \(5, 3\)"):
        local_linear([(W0, b0), (np.ones((5, 3)), b1), last], pattern)
    with pytest.raises(ValueError, match=r"layer 0: .*b \(3,\)"):
        local_linear([(W0, np.ones(3)), (W1, b1), last], pattern)
    with pytest.raises(ValueError, match="at least one"):
        local_linear([], [])
    with pytest.raises(ValueError, match="unknown|ReLU-family"):
        local_linear(params_2_4_3_1, pattern, "swish")


def test_local_linear_without_hidden_layers_is_the_linear_layer():
    W, b = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([0.5, -0.5])
    coef, intercept = local_linear([(W, b)], [])
    np.testing.assert_array_equal(coef, W)
    np.testing.assert_array_equal(intercept, b)


# -- linearization of smooth networks ----------------------------------------------------------------
@pytest.mark.parametrize("d_out", [1, 3])
def test_local_linearization_of_a_sigmoid_net(d_out):
    model = random_net("sigmoid", 3, [5, 4], d_out, seed=7, scale=2.0)
    x = np.array([0.4, -1.2, 0.9], np.float32)
    coef, intercept = local_linearization(model, x)
    assert coef.shape == (3, d_out) and intercept.shape == (d_out,)
    np.testing.assert_allclose(x @ coef + intercept, logits_of(model, x[None])[0], atol=1e-5)
    # Central differences of an independent float64 forward pass.
    h, params = 1e-5, model.params
    for i in range(3):
        step = np.eye(3)[i] * h
        up = numpy_logits(params, (x + step)[None], "sigmoid")[0]
        down = numpy_logits(params, (x - step)[None], "sigmoid")[0]
        np.testing.assert_allclose(coef[i], (up - down) / (2 * h), rtol=1e-4, atol=1e-5)
    # Near x the tangent map is accurate to second order.
    for delta in (1e-1, 1e-2):
        near = x.astype(np.float64) + delta * np.array([0.6, -0.3, 0.5])
        err = np.abs(near @ coef + intercept - numpy_logits(params, near[None], "sigmoid")[0])
        assert err.max() < 10 * delta**2 + 1e-5


def test_local_linearization_checks_the_point():
    model = FCNN([3], "tanh", dataset="prod")
    with pytest.raises(ValueError, match=r"one point of shape \(2,\), got \(4, 2\)"):
        local_linearization(model, np.zeros((4, 2)))


# -- first-layer lines ---------------------------------------------------------------------------------
def on_boundary(points, domain, atol=1e-9):
    (x0, x1), (y0, y1) = domain
    x, y = points[:, 0], points[:, 1]
    inside = (x >= x0 - atol) & (x <= x1 + atol) & (y >= y0 - atol) & (y <= y1 + atol)
    edge = np.min(np.abs([x - x0, x - x1, y - y0, y - y1]), axis=0) <= atol
    return inside & edge


def test_first_layer_lines_end_on_the_domain_boundary():
    model = plane_net([8, 3], seed=2)
    domain = plot_domain(model)
    lines = first_layer_lines(model)
    W, b = model.params[0]
    assert [line.unit for line in lines] == list(range(8))
    hits = 0
    for line in lines:
        np.testing.assert_array_equal(line.w, W[:, line.unit])
        assert line.b == pytest.approx(b[line.unit])
        ends = line.endpoints(domain)
        if ends is None:
            continue
        hits += 1
        assert ends.shape == (2, 2) and not np.allclose(ends[0], ends[1])
        np.testing.assert_allclose(ends @ line.w + line.b, 0, atol=1e-9)
        assert on_boundary(ends, domain).all()
    assert hits >= 4  # random unit-scale lines mostly cross [-3, 3]^2


def test_first_layer_lines_needs_a_plane():
    model = random_net("relu", 3, [4], 1, seed=0)
    with pytest.raises(ValueError, match="2-D input plane.* 3 inputs"):
        first_layer_lines(model)


def test_line_endpoints_special_cases():
    square = ((-1.0, 1.0), (-1.0, 1.0))
    assert Line(0, np.zeros(2), 1.0).endpoints(square) is None  # a dead unit has no line
    assert Line(0, np.array([0.0, 1.0]), -2.0).endpoints(square) is None  # y = 2 misses
    np.testing.assert_allclose(
        Line(0, np.array([0.0, 2.0]), -1.0).endpoints(square), [[1.0, 0.5], [-1.0, 0.5]]
    )
    np.testing.assert_allclose(  # an edge of the square itself
        Line(0, np.array([1.0, 0.0]), 1.0).endpoints(square), [[-1.0, -1.0], [-1.0, 1.0]]
    )
    with pytest.raises(ValueError, match="domain must be"):
        clip_line(np.ones(2), 0.0, ((1.0, -1.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match=r"w must have shape \(2,\)"):
        clip_line(np.ones(3), 0.0, square)


finite = st.floats(-10, 10, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(finite, finite, finite, finite, st.floats(0.1, 5), finite, st.floats(0.1, 5))
def test_line_endpoints_exist_exactly_when_the_corners_straddle_the_line(w0, w1, b, x0, dx, y0, dy):
    w = np.array([w0, w1])
    domain = ((x0, x0 + dx), (y0, y0 + dy))
    corners = np.array(list(itertools.product(*domain)))
    side = corners @ w + b
    ends = clip_line(w, b, domain)
    scale = np.abs(corners).max() * np.abs(w).sum() + abs(b) + 1
    if ends is not None:
        np.testing.assert_allclose(ends @ w + b, 0, atol=1e-9 * scale)
        assert on_boundary(ends, domain, atol=1e-9 * (1 + np.abs(corners).max())).all()
    if np.abs(w).max() > 1e-3 and np.abs(side).min() > 1e-6 * scale:
        straddles = side.min() < 0 < side.max()
        assert (ends is not None) == straddles


# -- nearest samples -------------------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_nearest_sample_against_brute_force(n, d, seed):
    rng = np.random.default_rng(seed)
    X, point = rng.normal(size=(n, d)), rng.normal(size=d)
    distances = [float(np.sqrt(np.sum((x - point) ** 2))) for x in X]
    best = min(range(n), key=lambda i: distances[i])
    assert nearest_sample(X, point) == best
    assert nearest_sample(X, X[n // 2]) == n // 2 or distances[nearest_sample(X, X[n // 2])] == 0


def test_nearest_sample_checks_shapes():
    with pytest.raises(ValueError, match=r"point must have shape \(2,\)"):
        nearest_sample(np.zeros((3, 2)), [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="non-empty 2-D"):
        nearest_sample(np.zeros((0, 2)), [0.0, 0.0])


# -- grids ---------------------------------------------------------------------------------------------
def test_grid_estimate_spans_the_widened_domain_and_matches_predict():
    model = plane_net([4], seed=0)
    grid = grid_estimate(model, n=9)
    assert plot_domain(model) == ((-3.0, 3.0), (-3.0, 3.0))
    np.testing.assert_allclose(grid.xs, np.linspace(-3, 3, 9))
    np.testing.assert_allclose(grid.ys, np.linspace(-3, 3, 9))
    assert grid.values.shape == (9, 9, 1)
    for i, j in [(0, 0), (0, 8), (8, 0), (3, 5), (8, 8)]:
        expected = model.predict(np.array([[grid.xs[j], grid.ys[i]]], np.float32))[0]
        np.testing.assert_allclose(grid.values[i, j], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grid.values.reshape(-1, 1), model.predict(grid.points), atol=1e-6)


def test_grid_estimate_of_a_classifier_and_a_custom_domain():
    grid = grid_estimate(FCNN([3], "tanh", dataset="quadrants"), n=4)
    assert grid.values.shape == (4, 4, 4)
    np.testing.assert_allclose(grid.values.sum(axis=-1), 1, atol=1e-5)  # softmax outputs
    X = np.array([[0.0, 10.0], [1.0, 12.0], [0.5, 11.0]])
    grid = grid_estimate(FCNN([3], "relu", dataset=(X, np.array([0.0, 1.0, 2.5]))), n=3)
    assert grid.xs.tolist() == [-1.0, 0.5, 2.0] and grid.ys.tolist() == [9.0, 11.0, 13.0]


def test_grids_check_their_arguments():
    with pytest.raises(ValueError, match="3 inputs"):
        grid_estimate(random_net("relu", 3, [2], 1, seed=0))
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        grid_estimate(FCNN([2], "relu", dataset="prod"), n=1)


# -- regions -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", RELU_FAMILY)
def test_regions_number_and_describe_every_pattern(activation):
    n = 41
    model = plane_net([5, 4], activation, seed=4)
    r = regions(model, n=n)
    # Independently: the patterns of the grid points, one row of bits per cell.
    xs = np.linspace(-3, 3, n)
    points = np.array([[x, y] for y in xs for x in xs], np.float32)
    bits = np.concatenate(activation_pattern(model, points), axis=1)
    distinct = {tuple(b) for b in bits}
    assert r.n_regions == len(distinct) == len(np.unique(r.ids)) > 3
    assert r.ids.shape == (n, n) and r.ids.min() == 0 and r.ids.max() == r.n_regions - 1
    assert sum(region.count for region in r.table) == n * n
    firsts = [np.flatnonzero(r.ids.ravel() == k)[0] for k in range(r.n_regions)]
    assert firsts == sorted(firsts)  # numbered in order of first appearance
    expected = logits_of(model, points)
    for k, region in enumerate(r.table):
        cells = np.flatnonzero(r.ids.ravel() == k)
        assert region.id == k and region.count == len(cells)
        np.testing.assert_array_equal(
            bits[cells], np.concatenate(region.pattern)[None].repeat(len(cells), 0)
        )
        got = region.evaluate(points[cells])
        np.testing.assert_allclose(
            got, expected[cells], atol=1e-4 * magnitude(model, points[cells]).max()
        )


def test_regions_of_a_net_without_hidden_layers_is_one_region():
    model = FCNN([], "relu", dataset="prod")
    r = regions(model, n=5)
    assert r.n_regions == 1 and r.table[0].count == 25 and r.table[0].pattern == []
    np.testing.assert_allclose(r.table[0].coef, model.params[0][0], atol=1e-7)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("hidden", [[3], [5, 4], [40, 30]])  # 70 units: past one 64-bit key
def test_pattern_maps_are_local_linear_of_each_row(activation, hidden):
    model = FCNN(hidden, activation, dataset="prod", seed=2)
    rng = np.random.default_rng(0)
    width = sum(hidden)
    distinct = rng.random((7, width)) > 0.5
    bits = distinct[rng.integers(0, 7, 60)]  # repeated rows share one map
    maps = pattern_maps(model.params, activation, bits)
    assert maps.shape == (60, 1, 3)
    for row, m in zip(bits, maps):
        pattern = np.split(row, np.cumsum(hidden)[:-1])
        coef, intercept = local_linear(model.params, pattern, activation)
        np.testing.assert_allclose(m[:, :2], coef.T, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(m[:, 2], intercept, rtol=1e-12, atol=1e-12)
    X = model.dataset.X[:200]
    trace_bits = np.concatenate([z > 0 for z in model.trace(X).z[1:-1]], axis=1)
    np.testing.assert_array_equal(
        pattern_maps(model.params, activation, trace_bits), local_maps(model.params, activation, X)
    )


def test_estimate_and_regions_agree_with_each_alone():
    model = plane_net([5, 4], "relu", seed=4)
    grid, found = estimate_and_regions(model, n=21)
    np.testing.assert_array_equal(grid.values, grid_estimate(model, n=21).values)
    np.testing.assert_array_equal(found.ids, regions(model, n=21).ids)
