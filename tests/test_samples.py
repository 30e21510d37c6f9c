"""One reading of ``samples=`` for the widget, the exporters and the adapters."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn_widget import FCNN, Dataset, adapters, samples, scene

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], np.float32)
y = np.array([1, 1, 0, 0])


@pytest.mark.parametrize(
    "given, kind",
    [(None, "none"), (Dataset.from_arrays(X, y), "dataset"), ((X, y), "pair"), (X, "inputs")],
)
def test_each_kind_is_read_once_and_alike_everywhere(given, kind):
    assert samples.parse(given).kind == kind
    model = FCNN([3], dataset=Dataset.from_arrays(X, y), seed=0)
    shown_X, shown_y = scene.as_samples(model, given)
    np.testing.assert_array_equal(shown_X, X)
    assert (shown_y is None) == (kind == "inputs")
    if kind != "none":
        np.testing.assert_array_equal(samples.inputs(given), X)
        pairs = [(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 1)), np.zeros(1))]
        built = adapters.as_fcnn(pairs, activation="relu", samples=given)
        assert built.task == ("regression" if kind == "inputs" else "binary")
        assert (built.dataset is None) == (kind == "inputs")


def test_bad_samples_name_what_is_wrong():
    with pytest.raises(
        ValueError, match=r"samples must have shape \(n, 2\) for this model, got \(4, 3\)"
    ):
        samples.dataset_for(np.zeros((4, 3)), 2, 1, None)
    with pytest.raises(ValueError, match="samples is empty: give at least one input row"):
        samples.to_show(np.zeros((0, 2)), None, "regression")
    with pytest.raises(ValueError, match=r"samples= is required .* pass \(X, y\) or X"):
        samples.to_show(None, None, "regression")
