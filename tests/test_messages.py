"""Every bad argument of issue 11 (section 5) gets a message from fcnn_widget itself that names
the parameter and what is allowed — not one from deep inside NumPy or JAX."""

from __future__ import annotations

import math
import re
import traceback
from pathlib import Path

import numpy as np
import optax
import pytest

import fcnn_widget
from fcnn_widget import FCNN, Dataset, datasets, export, network

PACKAGE = str(Path(fcnn_widget.__file__).parent)
X4 = np.zeros((4, 2), np.float32)


def _model():
    return FCNN([3], dataset=datasets.make("xor", 40))


def _triple():
    m = _model()
    m.set_params([(W, b, np.zeros(1)) for W, b in m.params])


CASES = {
    "noise='0.1'": (
        lambda: datasets.make("prod", noise="0.1"),
        ["noise", "finite number >= 0", "'0.1'"],
    ),
    "test_fraction='0.5'": (
        lambda: datasets.make("prod", test_fraction="0.5"),
        ["test_fraction", r"number in \[0, 1\)", "'0.5'"],
    ),
    "make seed='a'": (
        lambda: datasets.make("prod", seed="a"),
        ["seed", r"integer >= 0 and < 2\*\*63", "'a'"],
    ),
    "make seed=-1": (
        lambda: datasets.make("prod", seed=-1),
        ["seed", r"integer >= 0 and < 2\*\*63", "-1"],
    ),
    "FCNN seed=2**64": (
        lambda: FCNN([2], seed=2**64),
        ["seed", r"< 2\*\*63", "18446744073709551616"],
    ),
    "activation=['relu']": (
        lambda: FCNN([2], ["relu"]),
        ["activation", r"\['relu'\]", "relu, sigmoid, tanh"],
    ),
    "check_activation(None)": (
        lambda: network.check_activation(None),
        ["activation", "relu, sigmoid"],
    ),
    "from_params (W, b, extra)": (
        lambda: FCNN.from_params(
            [(np.ones((2, 3)), np.zeros(3), 1), (np.ones((3, 1)), np.zeros(1))]
        ),
        ["params", "layer 0", "3 items", r"\(W, b\) pair"],
    ),
    "from_params second layer (W, b, extra)": (
        lambda: FCNN.from_params(
            [(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 1)), np.zeros(1), 0)]
        ),
        ["params", "layer 1", r"\(W, b\) pair"],
    ),
    "set_params (W, b, extra)": (_triple, ["params", "layer 0", r"\(W, b\) pair"]),
    "X = 1e39": (
        lambda: Dataset.from_arrays(np.full((3, 2), 1e39), [0.0, 1.0, 2.0]),
        ["X", "overflow float32", "1e\\+39", "3.4e\\+38", "rescale"],
    ),
    "X_test = -1e39": (
        lambda: Dataset.from_arrays(X4, [0, 1, 0, 1], X_test=[[-1e39, 0]], y_test=[0]),
        ["X_test", "overflow float32"],
    ),
    "labels -1/+1": (
        lambda: Dataset.from_arrays(X4, [-1, 1, 1, -1]),
        ["y holds -1, 1", "0 and 1", "regression", "remap"],
    ),
    "labels -1/0/2": (
        lambda: Dataset.from_arrays(X4, [-1, 0, 2, 0]),
        ["y holds -1, 0, 2", "0..K-1", "regression", "np.unique"],
    ),
    "Dataset(X, y, 'bogus')": (
        lambda: Dataset(X4, np.zeros(4, np.float32), "bogus"),
        ["task", "'bogus'", "regression, binary, multiclass"],
    ),
    "Dataset with NaN X": (
        lambda: Dataset(np.full((4, 2), np.nan, np.float32), np.zeros(4, np.float32), "regression"),
        ["X", "non-finite"],
    ),
    "Dataset binary labels 0/2": (
        lambda: Dataset(X4, np.array([0, 2, 0, 1], np.int32), "binary", 2),
        ["binary", "0 or 1"],
    ),
    "Dataset y of the wrong length": (
        lambda: Dataset(X4, np.zeros(3, np.float32), "regression"),
        ["y", r"\(4,\)", r"\(3,\)"],
    ),
    "Dataset X_test without y_test": (
        lambda: Dataset(X4, np.zeros(4, np.float32), "regression", X_test=X4),
        ["X_test", "y_test"],
    ),
    "optax object with lr=": (
        lambda: _model().fit(epochs=1, lr=0.5, optimizer=optax.adam(0.1)),
        ["lr=0.5", "optax", "optimizer name", "sgd, adam"],
    ),
    "to_svg width='abc'": (
        lambda: export.to_svg(_model(), width="abc"),
        ["width", "positive finite number", "'abc'"],
    ),
    "to_svg width=nan": (
        lambda: export.to_svg(_model(), width=math.nan),
        ["width", "positive finite number", "nan"],
    ),
    "to_svg width=-5": (
        lambda: export.to_svg(_model(), width=-5),
        ["width", "positive finite number", "-5"],
    ),
    "to_svg height=0": (
        lambda: export.to_svg(_model(), height=0),
        ["height", "positive finite number"],
    ),
    "to_svg background": (
        lambda: export.to_svg(_model(), background="not a colour"),
        ["background", "CSS colour", "'not a colour'"],
    ),
    "to_svg theme": (lambda: export.to_svg(_model(), theme="blue"), ["theme", "light, dark"]),
    "save_png scale=True": (
        lambda: export.svg_to_png(export.to_svg(_model()), scale=True),
        ["scale", r"\(0, 8\]"],
    ),
    "save_svg of bytes": (
        lambda: export.save_svg(b"<svg/>", "/tmp/x.svg"),
        ["svg", "str", "bytes"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_message_names_the_parameter_and_the_allowed_values(case):
    call, needles = CASES[case]
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for needle in needles:
        assert re.search(needle, message), f"{needle!r} not in {message!r}"
    raised_in = traceback.extract_tb(info.tb)[-1].filename
    assert raised_in.startswith(PACKAGE), f"raised in {raised_in}, not in fcnn_widget"


def test_an_optax_object_trains_with_its_own_lr_and_describe_prints_none():
    m = _model()
    m.fit(epochs=2, optimizer=optax.sgd(0.1))
    assert "lr=" not in m.describe() and m.history.epochs == 2
    m.fit(epochs=1, optimizer="sgd")
    assert "sgd lr=0.005" in m.describe()  # a name gets the default lr
    m.fit(epochs=1, lr=0.02, optimizer="adam")
    assert "adam lr=0.02" in m.describe()


def test_a_dataset_built_directly_is_normalised_like_from_arrays():
    d = Dataset(np.zeros((4, 2)), [0, 1, 2, 1], "multiclass")
    assert d.X.dtype == np.float32 and d.y.dtype == np.int32 and d.n_classes == 3
    r = Dataset([[1.0, 2.0]], [[0.5]], "regression")
    assert r.y.shape == (1,) and r.n_classes == 0
