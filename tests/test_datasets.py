"""The toy datasets and the validation of a user's own arrays.

Every formula is recomputed here, independently, from the stored inputs ``X`` (in float64).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcnn_widget import datasets
from fcnn_widget.datasets import Dataset


def _quadrant(x1, x2):
    q = np.floor(2 * (np.arctan2(x2, x1) / np.pi + 1))
    return np.where(q == 4, 3, q)


# name -> (independent formula, task, number of classes)
EXPECTED = {
    "and": (lambda x1, x2: (x1 > 0) & (x2 > 0), "binary", 2),
    "or": (lambda x1, x2: (x1 > 0) | (x2 > 0), "binary", 2),
    "xor": (lambda x1, x2: x1 * x2 > 0, "binary", 2),
    "stripe": (lambda x1, x2: np.abs(x1 - x2) <= 1, "binary", 2),
    "square": (lambda x1, x2: np.abs(x1) + np.abs(x2) <= 1, "binary", 2),
    "circle": (lambda x1, x2: x1**2 + x2**2 <= 1, "binary", 2),
    "prod": (lambda x1, x2: x1 * x2 / 4, "regression", 0),
    "sumSquares": (lambda x1, x2: (x1**2 + x2**2) / 4, "regression", 0),
    "polynom": (lambda x1, x2: (x1**2 - 3 * x1 * x2 - x2**2) / 4, "regression", 0),
    "squares": (lambda x1, x2: np.floor(np.abs(x1) + np.abs(x2)), "multiclass", 4),
    "circles": (lambda x1, x2: np.floor((x1**2 + x2**2) / 2), "multiclass", 4),
    "quadrants": (_quadrant, "multiclass", 4),
}
FORMULAS = sorted(EXPECTED)
PLAYGROUND = ("spiral", "gauss")


def test_names_are_the_twelve_formulas_and_the_playground_sets():
    assert sorted(datasets.NAMES) == sorted([*EXPECTED, *PLAYGROUND])


def _check_formula(name, data):
    formula, task, n_classes = EXPECTED[name]
    x = data.X.astype(np.float64)
    expected = formula(x[:, 0], x[:, 1])
    if task == "regression":
        assert data.y.dtype == np.float32
        np.testing.assert_allclose(data.y, expected, rtol=1e-6, atol=1e-7)
    else:
        assert data.y.dtype == np.int32
        np.testing.assert_array_equal(data.y, expected.astype(np.int32))
        assert data.y.min() >= 0 and data.y.max() < n_classes


@pytest.mark.parametrize("name", FORMULAS)
def test_formula_matches_an_independent_computation(name):
    data = datasets.make(name, n_points=2500, seed=3)
    _check_formula(name, data)
    _, task, n_classes = EXPECTED[name]
    assert data.task == task
    assert data.n_classes == n_classes
    assert data.name == name
    if task != "regression":
        # 2500 uniform points hit every class of every formula
        assert set(np.unique(data.y)) == set(range(n_classes))


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(FORMULAS),
    n=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_formula_property(name, n, seed):
    data = datasets.make(name, n_points=n, seed=seed)
    assert data.X.shape == (n, 2) and data.y.shape == (n,)
    _check_formula(name, data)


def test_quadrants_folds_atan2_pi_into_the_third_quadrant():
    # atan2(+0, x1 < 0) == pi gives floor(2 * 2) == 4: it belongs to quadrant 3.
    x1 = np.array([-1.0, 1.0, 1.0, -1.0, -1.0, 0.5])
    x2 = np.array([0.0, 1.0, -1.0, -1.0, 1.0, 0.0])
    q = datasets._FORMULAS["quadrants"][0](x1, x2)
    np.testing.assert_array_equal(q, [3, 2, 1, 0, 3, 2])


@pytest.mark.parametrize("name", FORMULAS)
def test_inputs_are_uniform_on_the_square(name):
    data = datasets.make(name, n_points=4000, seed=1)
    X = data.X
    assert X.dtype == np.float32 and X.shape == (4000, 2)
    assert X.min() >= -2.0 and X.max() <= 2.0
    # uniform on [-2, 2]: mean 0, std 4/sqrt(12) = 1.155, and it reaches the edges
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=0.08)
    np.testing.assert_allclose(X.std(axis=0), 4 / np.sqrt(12), atol=0.04)
    assert (X.min(axis=0) < -1.95).all() and (X.max(axis=0) > 1.95).all()
    # each quarter of each axis holds about a quarter of the points
    for col in X.T:
        counts = np.histogram(col, bins=4, range=(-2, 2))[0]
        assert (np.abs(counts - 1000) < 120).all(), counts
    assert data.domain == ((-2.0, 2.0), (-2.0, 2.0))


@pytest.mark.parametrize("name", PLAYGROUND)
def test_playground_sets_are_binary_and_balanced(name):
    data = datasets.make(name, n_points=501, seed=0)
    assert data.task == "binary" and data.n_classes == 2 and data.n_outputs == 1
    assert data.X.dtype == np.float32 and data.X.shape == (501, 2)
    assert data.y.dtype == np.int32 and data.y.shape == (501,)
    assert set(np.unique(data.y)) == {0, 1}
    assert abs(int(data.y.sum()) - 250) <= 1
    assert np.abs(data.X).max() <= 2.0


def test_gauss_blobs_sit_on_opposite_diagonal_corners():
    data = datasets.make("gauss", n_points=1000, seed=0)
    assert (data.X[data.y == 1].mean(axis=0) > 1).all()
    assert (data.X[data.y == 0].mean(axis=0) < -1).all()


def test_spiral_arms_are_half_a_turn_apart():
    data = datasets.make("spiral", n_points=200)
    arm1, arm0 = data.X[data.y == 1], data.X[data.y == 0]
    np.testing.assert_allclose(arm1, -arm0, atol=1e-6)


@pytest.mark.parametrize("name", datasets.NAMES)
def test_same_seed_same_data_and_other_seed_other_data(name):
    a = datasets.make(name, n_points=300, seed=7)
    b = datasets.make(name, n_points=300, seed=7)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    if name != "spiral":  # the spiral is deterministic without noise
        c = datasets.make(name, n_points=300, seed=8)
        assert not np.array_equal(a.X, c.X)
    noisy = [datasets.make(name, n_points=300, seed=7, noise=0.1) for _ in range(2)]
    np.testing.assert_array_equal(noisy[0].X, noisy[1].X)
    np.testing.assert_array_equal(noisy[0].y, noisy[1].y)


def test_noise_goes_to_regression_targets_and_classification_inputs():
    clean, noisy = (datasets.make("prod", 500, seed=2, noise=s) for s in (0.0, 0.1))
    np.testing.assert_array_equal(clean.X, noisy.X)
    assert 0.07 < np.std(noisy.y - clean.y) < 0.13
    clean, noisy = (datasets.make("xor", 500, seed=2, noise=s) for s in (0.0, 0.1))
    np.testing.assert_array_equal(clean.y, noisy.y)
    assert 0.07 < np.std(noisy.X - clean.X) < 0.13


def _rows(X):
    return {tuple(row) for row in X.tolist()}


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(datasets.NAMES),
    n=st.integers(2, 300),
    fraction=st.floats(0.01, 0.95),
    seed=st.integers(0, 2**31),
)
def test_test_fraction_splits_disjointly(name, n, fraction, seed):
    n_test = int(round(n * fraction))
    if not 0 < n_test < n:
        with pytest.raises(ValueError, match="test_fraction"):
            datasets.make(name, n, seed=seed, test_fraction=fraction)
        return
    full = datasets.make(name, n, seed=seed)
    data = datasets.make(name, n, seed=seed, test_fraction=fraction)
    assert len(data) == n - n_test and data.y.shape == (n - n_test,)
    assert data.X_test.shape == (n_test, 2) and data.y_test.shape == (n_test,)
    assert data.X_test.dtype == np.float32 and data.y_test.dtype == data.y.dtype
    train, test = _rows(data.X), _rows(data.X_test)
    if len(_rows(full.X)) == n:  # the points are distinct (the spiral's centre may repeat)
        assert not train & test
        assert train | test == _rows(full.X)
    # each point keeps its label
    both_X = np.concatenate([data.X, data.X_test])
    both_y = np.concatenate([data.y, data.y_test])
    order = np.lexsort((both_y, both_X[:, 1], both_X[:, 0]))
    full_order = np.lexsort((full.y, full.X[:, 1], full.X[:, 0]))
    np.testing.assert_array_equal(both_X[order], full.X[full_order])
    np.testing.assert_array_equal(both_y[order], full.y[full_order])


def test_split_is_reproducible():
    a, b = (datasets.make("circle", 100, seed=4, test_fraction=0.3) for _ in range(2))
    np.testing.assert_array_equal(a.X_test, b.X_test)
    np.testing.assert_array_equal(a.X, b.X)
    assert (len(a), len(a.X_test)) == (70, 30)


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5, float("nan")])
def test_bad_test_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.make("xor", 100, test_fraction=fraction)


def test_test_fraction_that_leaves_no_test_point():
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.make("xor", 10, test_fraction=0.01)


@pytest.mark.parametrize("n", [0, -5, 2.5, True, "100"])
def test_bad_n_points(n):
    with pytest.raises(ValueError, match="n_points"):
        datasets.make("xor", n)


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf")])
def test_bad_noise(noise):
    with pytest.raises(ValueError, match="noise"):
        datasets.make("prod", 10, noise=noise)


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="moons") as info:
        datasets.make("moons")
    for name in datasets.NAMES:
        assert name in str(info.value)


def test_one_point():
    data = datasets.make("prod", n_points=1, seed=0)
    assert data.X.shape == (1, 2) and len(data) == 1


# -- Dataset.from_arrays ---------------------------------------------------------------------


X4 = np.arange(8, dtype=np.float64).reshape(4, 2)


@pytest.mark.parametrize(
    "y, task, n_classes, dtype",
    [
        ([0, 1, 1, 0], "binary", 2, np.int32),
        ([True, False, True, True], "binary", 2, np.int32),
        ([0.0, 1.0, 1.0, 0.0], "binary", 2, np.int32),
        ([1, 1, 1, 1], "binary", 2, np.int32),
        ([0, 1, 2, 1], "multiclass", 3, np.int32),
        ([0.0, 3.0, 2.0, 1.0], "multiclass", 4, np.int32),
        (np.array([0, 1, 2, 4], np.uint8), "multiclass", 5, np.int32),
        ([0.5, 1.0, 2.0, 3.0], "regression", 0, np.float32),
        ([-0.25, 0.0, 0.1, 7.0], "regression", 0, np.float32),
    ],
)
def test_from_arrays_infers_the_task(y, task, n_classes, dtype):
    data = Dataset.from_arrays(X4, y)
    assert (data.task, data.n_classes, data.y.dtype) == (task, n_classes, dtype)
    assert data.X.dtype == np.float32 and data.X.shape == (4, 2)
    np.testing.assert_array_equal(data.y, np.asarray(y).astype(dtype))
    assert data.n_outputs == (n_classes if task == "multiclass" else 1)
    assert data.name == "custom"


def test_from_arrays_column_targets_and_multi_output_regression():
    data = Dataset.from_arrays(X4, np.array([[0], [1], [1], [0]]))
    assert data.task == "binary" and data.y.shape == (4,)
    data = Dataset.from_arrays(X4, np.ones((4, 3)))
    assert data.task == "regression" and data.y.shape == (4, 3) and data.n_outputs == 3


def test_from_arrays_explicit_task_and_domain():
    data = Dataset.from_arrays(X4, [0, 1, 2, 3], "regression", name="mine")
    assert data.task == "regression" and data.y.dtype == np.float32 and data.name == "mine"
    assert data.domain == ((0.0, 6.0), (1.0, 7.0))
    data = Dataset.from_arrays(X4, [0, 1, 1, 0], "multiclass")
    assert data.task == "multiclass" and data.n_classes == 2
    data = Dataset.from_arrays(np.ones((5, 3)), [0, 1, 0, 1, 1])
    assert data.n_inputs == 3 and len(data) == 5


def test_from_arrays_test_set():
    data = Dataset.from_arrays(X4, [0, 1, 2, 1], X_test=X4[:2], y_test=[2, 0])
    assert data.X_test.dtype == np.float32 and data.y_test.dtype == np.int32
    np.testing.assert_array_equal(data.y_test, [2, 0])
    assert data.n_classes == 3


@pytest.mark.parametrize(
    "X, y, kwargs, message",
    [
        (np.zeros(4), [0, 1, 0, 1], {}, "2-D"),
        (np.zeros((4, 2, 1)), [0, 1, 0, 1], {}, "2-D"),
        (np.zeros((0, 2)), [], {}, "non-empty"),
        (np.zeros((4, 0)), [0, 1, 0, 1], {}, "non-empty"),
        (X4, [0, 1, 0], {}, r"shape \(4,\)"),
        (X4, [0, 1, 0, 1, 1], {}, "match X"),
        (X4, np.zeros((4, 2, 2)), {}, "match X"),
        ([[0, 1], [np.nan, 2], [3, 4], [5, 6]], [0, 1, 0, 1], {}, "non-finite.*row 1, column 0"),
        ([[0, 1], [0, np.inf], [3, 4], [5, 6]], [0, 1, 0, 1], {}, "non-finite"),
        (X4, [0, np.nan, 1, 0], {}, "non-finite"),
        (X4, [0, 1, np.inf, 0], {}, "non-finite"),
        ([["a", "b"]] * 4, [0, 1, 0, 1], {}, "numeric"),
        (X4, ["a", "b", "a", "b"], {}, "numeric"),
        (X4, [0, 1, None, 1], {}, "numeric"),
        (X4, [0, 1, 0, 1], {"task": "ranking"}, "regression, binary, multiclass"),
        (X4, [0, 1, 2, 1], {"task": "binary"}, "0 or 1"),
        (X4, [0, -1, 1, 0], {}, ">= 0"),
        (X4, [0, 0.5, 1, 0], {"task": "binary"}, "integer labels"),
        (X4, np.ones((4, 2)), {"task": "multiclass"}, "one column"),
        (X4, [0, 1, 0, 1], {"X_test": X4}, "both X_test and y_test"),
        (X4, [0, 1, 0, 1], {"y_test": [0, 1]}, "both X_test and y_test"),
        (X4, [0, 1, 0, 1], {"X_test": np.zeros((2, 3)), "y_test": [0, 1]}, "3 columns"),
        (X4, [0, 1, 0, 1], {"X_test": X4, "y_test": [0, 1]}, "y_test"),
        (X4, [0, 1, 0, 1], {"X_test": [[np.nan, 0]], "y_test": [0]}, "X_test.*non-finite"),
        (X4, [0, 1, 0, 1], {"X_test": X4[:1], "y_test": [2]}, "0 or 1"),
        (X4, [0, 1, 2, 1], {"X_test": X4[:1], "y_test": [3]}, "classes"),
    ],
)
def test_from_arrays_rejects_bad_data_with_a_message(X, y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Dataset.from_arrays(X, y, **kwargs)


def test_from_arrays_keeps_the_point_of_a_bad_value():
    X = np.zeros((10, 3))
    X[7, 2] = np.nan
    with pytest.raises(ValueError) as info:
        Dataset.from_arrays(X, np.zeros(10))
    assert "row 7, column 2" in str(info.value)
    assert "1 non-finite" in str(info.value)
