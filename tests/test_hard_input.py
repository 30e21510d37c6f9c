"""Hard input: wrong shapes, NaN and Inf, empty or zero-width layers, out-of-range samples,
unknown names, wrong types, empty samples and a 10-million-weight model.

Each gets a clear error (ValueError, TypeError or TraitError) that names the bad value and the
valid choices or shapes, raised by fcnn-widget itself (or by traitlets for a trait's type),
never from deep inside JAX or NumPy; or a degraded view that still draws. The big model runs
in a subprocess with a timeout, so a hang fails its test instead of blocking the suite.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import traitlets

from fcnn_widget import FCNN, Dataset, FCNNWidget, datasets

ERRORS = (ValueError, TypeError, traitlets.TraitError)
# Where a clear error may come from: our package, or traitlets' own type checks of a trait.
OWN_CODE = re.compile(r"[/\\](fcnn_widget|traitlets)[/\\]")

rng = np.random.default_rng(0)
X = rng.uniform(-2, 2, (20, 2)).astype(np.float32)
Y = rng.uniform(-1, 1, 20).astype(np.float32)


@contextlib.contextmanager
def clear_error(*needles: str, types=ERRORS):
    """Expect an error of ``types`` whose message matches every regex of ``needles`` and
    that is raised in fcnn_widget (or traitlets), not deep inside JAX or NumPy."""
    with pytest.raises(types) as info:
        yield info
    message = str(info.value)
    for needle in needles:
        assert re.search(needle, message), f"{needle!r} not in the message {message!r}"
    origin = str(info.traceback[-1].path)
    assert OWN_CODE.search(origin), f"raised from {origin}: {type(info.value).__name__}: {message}"


def weights(widths, fill=None):
    r = np.random.default_rng(1)
    return [
        (
            r.normal(size=(a, b)).astype(np.float32) if fill is None else np.full((a, b), fill),
            np.zeros(b, np.float32),
        )
        for a, b in zip(widths, widths[1:])
    ]


def elements(svg, kind):
    return [e for e in ET.fromstring(svg).iter() if e.get("data-kind") == kind]


@pytest.fixture(scope="module")
def model():
    return FCNN([3], "relu", dataset="prod", seed=0)


@pytest.fixture(scope="module")
def widget(model):
    return FCNNWidget(model, sample=10)


# -- wrong shapes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, needles",
    [
        (lambda: Dataset.from_arrays(np.zeros(5), np.zeros(5)), [r"X must be 2-D", r"\(5,\)"]),
        (lambda: Dataset.from_arrays(np.zeros((5, 2, 2)), np.zeros(5)), [r"2-D", r"\(5, 2, 2\)"]),
        (lambda: Dataset.from_arrays(X, Y[:5]), [r"\(20,\) or \(20, m\)", r"got \(5,\)"]),
        (lambda: Dataset.from_arrays(X, np.zeros((20, 2, 2))), [r"\(20,\)", r"\(20, 2, 2\)"]),
        (
            lambda: Dataset.from_arrays(X, Y, X_test=np.zeros((3, 3)), y_test=np.zeros(3)),
            [r"X_test has 3 columns but X has 2"],
        ),
        (lambda: FCNN([3], dataset=(np.zeros(5), np.zeros(5))), [r"2-D", r"\(5,\)"]),
        (lambda: FCNN([3], dataset=(np.zeros((5, 2, 2)), np.zeros(5))), [r"\(5, 2, 2\)"]),
        (lambda: FCNN([3], dataset=(X, Y[:5])), [r"\(20,\)", r"\(5,\)"]),
    ],
    ids=["X-1d", "X-3d", "y-length", "y-3d", "X_test-width", "fcnn-X-1d", "fcnn-X-3d", "fcnn-y"],
)
def test_data_of_the_wrong_shape(make, needles):
    with clear_error(*needles):
        make()


@pytest.mark.parametrize(
    "samples, needles",
    [
        (np.zeros((4, 3)), [r"\(n, 2\)", r"\(4, 3\)"]),
        (np.zeros((4, 2, 2)), [r"\(n, 2\)", r"\(4, 2, 2\)"]),
        ((np.zeros((4, 3)), np.zeros(4)), [r"\(n, 2\)", r"\(4, 3\)"]),
        ((np.zeros((4, 2)), np.zeros(3)), [r"\(4,\) or \(4, m\)", r"\(3,\)"]),
        (Dataset.from_arrays(np.zeros((4, 3)), np.zeros(4)), [r"\(n, 2\)", r"\(4, 3\)"]),
    ],
    ids=["X-width", "X-3d", "pair-width", "pair-y-length", "dataset-width"],
)
def test_samples_of_the_wrong_shape_for_the_model(model, samples, needles):
    with clear_error(*needles):
        FCNNWidget(model, samples=samples)


def test_inputs_of_the_wrong_width(model):
    with clear_error(r"\(n, 2\)", r"\(4, 3\)"):
        model.predict(np.zeros((4, 3)))
    with clear_error(r"\(n, 2\)", r"\(4, 3\)"):
        model.trace(np.zeros((4, 3)))
    with clear_error(r"\(n, 2\)", r"\(4, 3\)"):  # a model from bare weights, samples given
        FCNNWidget(weights([2, 3, 1]), activation="relu", samples=np.zeros((4, 3)))
    with clear_error(r"3 input columns", r"takes 2"):
        FCNN.from_params(weights([2, 3, 1]), dataset=(np.zeros((4, 3)), np.zeros(4)))


def test_params_whose_shapes_do_not_chain(model):
    bad = [(np.ones((2, 3)), np.zeros(3)), (np.ones((4, 1)), np.zeros(1))]
    with clear_error(r"layer 1", r"\(3, out\)", r"\(4, 1\)"):
        FCNN.from_params(bad)
    with clear_error(r"layer 0 has 3 outputs but layer 1 takes 4 inputs"):
        FCNNWidget(bad, activation="relu", samples=X)
    with clear_error(r"layer 0", r"b shape \(out,\)", r"b \(4,\)"):
        FCNN.from_params([(np.ones((2, 3)), np.zeros(4))])
    with clear_error(r"shapes", r"\(2, 3\)", r"\(3, 1\)"):
        model.set_params(weights([2, 4, 1]))


# -- NaN and Inf ------------------------------------------------------------------------------------
def _with(array, index, value):
    array = np.array(array, np.float32)
    array[index] = value
    return array


X_NAN, Y_INF = _with(X, (3, 1), np.nan), _with(Y, 2, np.inf)


@pytest.mark.parametrize(
    "make, needles",
    [
        (lambda: Dataset.from_arrays(X_NAN, Y), [r"X holds 1 non-finite", r"row 3, column 1"]),
        (lambda: Dataset.from_arrays(X, Y_INF), [r"y holds non-finite"]),
        (
            lambda: Dataset.from_arrays(X, Y, X_test=X_NAN, y_test=Y),
            [r"X_test holds 1 non-finite", r"row 3, column 1"],
        ),
        (lambda: Dataset.from_arrays(X, Y, X_test=X, y_test=Y_INF), [r"y_test holds non-finite"]),
        (lambda: FCNN([3], dataset=(X_NAN, Y)), [r"X holds 1 non-finite", r"row 3"]),
        (lambda: FCNN([3], dataset=(X, Y_INF)), [r"y holds non-finite"]),
    ],
    ids=["X-nan", "y-inf", "X_test-nan", "y_test-inf", "fcnn-X-nan", "fcnn-y-inf"],
)
def test_nonfinite_data_is_refused(make, needles):
    with clear_error(*needles):
        make()


def test_nonfinite_samples_with_targets_are_refused(model):
    with clear_error(r"X holds 1 non-finite", r"row 3, column 1"):
        FCNNWidget(model, samples=(X_NAN, Y))
    with clear_error(r"y holds non-finite"):
        FCNNWidget(model, samples=(X, Y_INF))


def test_nonfinite_bare_inputs_are_drawn_hatched(model):
    """Inputs without targets are only shown, not learnt from: a NaN input is drawn with the
    non-finite marks (and so is everything it reaches), the other samples as usual."""
    w = FCNNWidget(model, samples=X_NAN, sample=3)
    hatch = f"url(#{w._uid}-nonfinite)"
    x = {e.get("data-index"): e for e in elements(w.to_svg(), "x")}
    assert x["1"].get("data-value") == "NaN" and x["1"].get("fill") == hatch
    assert x["0"].get("fill") != hatch
    assert all(e.get("fill") == hatch for e in elements(w.to_svg(), "a"))
    assert all(e.get("fill") != hatch for kind in "xza" for e in elements(w.to_svg(0), kind))
    assert np.isfinite(w.scene.ranges).all()


def _nonfinite_model():
    m = FCNN([3], "relu", dataset="xor", seed=0)
    (W1, b1), (W2, b2) = m.params
    m.set_params([(_with(W1, (0, 0), np.nan), _with(b1, 1, np.inf)), (W2, b2)])
    return m


def test_nonfinite_weights_are_drawn_hatched_through_every_setting():
    """NaN and Inf in the weights (see test_widget's test_nonfinite_values_are_marked_not_coloured):
    every style keeps drawing them with the non-finite marks and finite colour ranges."""
    w = FCNNWidget(_nonfinite_model(), sample=5)
    palette = w.scene.style.palette.colors
    for change in (
        {},
        {"palette": "RdBu"},
        {"norm": "global"},
        {"norm": "layer"},
        {"norm_scope": "sample"},
        {"robust": True},
        {"sample": 7},
        {"view": "response"},
        {"show_regions": True, "show_lines": True, "show_matrices": True},
    ):
        for name, value in change.items():
            setattr(w, name, value)
        svg = w.to_svg()
        weight = next(
            e for e in elements(svg, "w") if (e.get("data-from"), e.get("data-to")) == ("0", "0")
        )
        assert weight.get("data-value") == "NaN", change
        assert weight.get("stroke") not in palette, change
        bias = next(e for e in elements(svg, "b") if e.get("data-index") == "1")
        assert bias.get("data-value") == "Infinity", change
        assert bias.get("fill") == f"url(#{w._uid}-nonfinite)", change
        assert np.isfinite(w.scene.ranges).all(), change


def test_nonfinite_weights_given_as_a_list_are_refused():
    """A model made from given weights is checked (FCNN.from_params, as test_adapters pins);
    the hatched drawing above is for a model whose parameters were set (set_params)."""
    with clear_error(r"layer 0: W \(2, 3\) or b \(3,\) holds NaN or Inf"):
        FCNN.from_params(weights([2, 3, 1], fill=np.nan))
    with clear_error(r"layer 0", r"NaN or Inf"):
        FCNNWidget(weights([2, 3, 1], fill=np.nan), activation="relu", samples=X)


# -- empty and zero-width layers ----------------------------------------------------------------
def test_empty_and_zero_width_layers():
    with clear_error(r"hidden widths must be integers >= 1", r"\[0\]"):
        FCNN([0])
    with clear_error(r"hidden widths must be integers >= 1", r"\[4, 0\]"):
        FCNN([4, 0])
    zero = [(np.ones((2, 0)), np.zeros(0)), (np.ones((0, 1)), np.zeros(1))]
    with clear_error(r"layer 0", r"\(2, 0\)", r"at least 1 input and 1 output"):
        FCNN.from_params(zero)
    with clear_error(r"layer 0", r"\(2, 0\)", r"at least 1 input and 1 output"):
        FCNNWidget(zero, activation="relu", samples=X)
    with clear_error(r"layer 0", r"\(0, 3\)", r"at least 1 input"):
        FCNNWidget([(np.ones((0, 3)), np.zeros(3))], activation="relu", samples=X)
    with clear_error(r"at least one \(W, b\)"):
        FCNN.from_params([])
    with clear_error(r"empty", r"at least one \(W, b\)"):
        FCNNWidget([], activation="relu", samples=X)


def test_no_hidden_layer_is_a_linear_model_and_drawn():
    m = FCNN([], dataset="prod")
    assert m.widths == [2, 1]
    svg = FCNNWidget(m).to_svg()
    assert len(elements(svg, "w")) == 2 and len(elements(svg, "b")) == 1


# -- sample index -------------------------------------------------------------------------------
@pytest.mark.parametrize("sample", [2500, -1, 10**9])
def test_sample_out_of_range_in_the_constructor(model, sample):
    with clear_error(rf"sample {sample}", r"0\.\.2499"):
        FCNNWidget(model, sample=sample)


@pytest.mark.parametrize("sample", ["3", 2.0, None])
def test_sample_of_the_wrong_type_in_the_constructor(model, sample):
    with clear_error(r"sample", re.escape(repr(sample))):
        FCNNWidget(model, sample=sample)


@pytest.mark.parametrize("sample", [2500, -1])
def test_sample_out_of_range_as_a_trait(widget, sample):
    with clear_error(rf"sample {sample}", r"0\.\.2499", types=traitlets.TraitError):
        widget.sample = sample
    assert widget.sample == 10


def test_sample_of_the_wrong_type_as_a_trait(widget):
    with clear_error(r"'sample' trait", r"int", r"'3'", types=traitlets.TraitError):
        widget.sample = "3"
    assert widget.sample == 10


def test_sample_out_of_range_for_given_samples(model):
    with clear_error(r"sample 20", r"0\.\.19"):
        FCNNWidget(model, samples=(X, Y), sample=20)


# -- unknown names ----------------------------------------------------------------------------------
PALETTE_CHOICES = [r"'nope'", r"viridis", r"RdBu", r"matplotlib\.colormaps"]
NORM_CHOICES = [r"'nope'", r"global, component, layer"]
SCOPE_CHOICES = [r"'nope'", r"dataset, sample"]
ACTIVATION_CHOICES = [r"'nope'", r"relu, sigmoid, tanh, linear"]
DATASET_CHOICES = [r"'nope'", r"prod", r"spiral", r"gauss"]
OPTIMIZER_CHOICES = [r"'nope'", r"sgd, adam, rmsprop, adagrad"]


@pytest.mark.parametrize(
    "option, needles",
    [
        ("palette", PALETTE_CHOICES),
        ("norm", NORM_CHOICES),
        ("norm_scope", SCOPE_CHOICES),
        ("view", [r"'nope'", r"network, response"]),
    ],
)
def test_unknown_style_names(model, widget, option, needles):
    with clear_error(*needles):
        FCNNWidget(model, **{option: "nope"})
    if option == "view":
        return  # as a trait: test_unknown_view_trait_is_refused
    before = getattr(widget, option)
    with clear_error(*needles):
        setattr(widget, option, "nope")
    assert getattr(widget, option) == before


def test_unknown_view_trait_is_refused(model):
    w = FCNNWidget(model)
    with clear_error(r"'nope'", r"network, response"):
        w.view = "nope"
    assert w.view == "network"
    w.palette = "RdBu"  # and the widget still restyles


def test_unknown_epoch(widget):
    with clear_error(r"epoch 99", r"valid epochs are 0", types=traitlets.TraitError):
        widget.epoch = 99


def test_unknown_model_names():
    with clear_error(*ACTIVATION_CHOICES):
        FCNN([3], "nope")
    with clear_error(*ACTIVATION_CHOICES):
        FCNNWidget(weights([2, 3, 1]), activation="nope", samples=X)
    with clear_error(*DATASET_CHOICES):
        FCNN([3], dataset="nope")
    with clear_error(*DATASET_CHOICES):
        datasets.make("nope")
    with clear_error(r"'nope'", r"regression, binary, multiclass"):
        Dataset.from_arrays(X, Y, task="nope")
    with clear_error(r"'nope'", r"regression, binary, multiclass"):
        FCNN.from_params(weights([2, 3, 1]), task="nope")


def test_unknown_optimizer(model):
    with clear_error(*OPTIMIZER_CHOICES, r"optax\.GradientTransformation"):
        model.fit(epochs=1, optimizer="nope")
    with clear_error(r"sgd, adam", r"got int"):
        model.fit(epochs=1, optimizer=3)
    assert model.history.epochs == 0


# -- wrong types ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, needles",
    [
        ({"epochs": "10"}, [r"epochs must be an integer >= 0", r"'10'"]),
        ({"epochs": 2.5}, [r"epochs must be an integer", r"2\.5"]),
        ({"epochs": -1}, [r"epochs must be an integer >= 0", r"-1"]),
        ({"lr": [0.1]}, [r"lr must be a finite number > 0", r"\[0\.1\]"]),
        ({"lr": "0.1"}, [r"lr must be a finite number", r"'0\.1'"]),
        ({"lr": float("nan")}, [r"lr must be a finite number", r"nan"]),
        ({"batch_size": "100"}, [r"batch_size must be an integer >= 1", r"'100'"]),
        ({"batch_size": 0}, [r"batch_size must be an integer >= 1", r"got 0"]),
    ],
)
def test_fit_settings_of_the_wrong_type(model, widget, kwargs, needles):
    with clear_error(*needles):
        model.fit(**kwargs)
    with clear_error(*needles):
        widget.fit(**kwargs)
    assert model.history.epochs == 0


@pytest.mark.parametrize(
    "dims, needles",
    [
        ("32", [r"dims must be a list", r"'32'", r"\[5, 5\]"]),
        ("abc", [r"dims must be a list", r"'abc'"]),
        (b"32", [r"dims must be a list", r"b'32'"]),
        ({"a": 1}, [r"dims must be a list", r"\{'a': 1\}"]),
        (None, [r"dims must be a list", r"None"]),
        (3.0, [r"dims must be a list", r"3\.0"]),
        ([3.0], [r"integers >= 1", r"\[3\.0\]"]),
        ([[3]], [r"integers >= 1", r"\[\[3\]\]"]),
        ([True], [r"integers >= 1", r"\[True\]"]),
    ],
)
def test_dims_of_the_wrong_type(dims, needles):
    with clear_error(*needles):
        FCNN(dims)


def test_other_arguments_of_the_wrong_type(model):
    with clear_error(r"seed must be an integer >= 0", r"'x'"):
        FCNN([3], seed="x")
    with clear_error(r"seed must be an integer >= 0", r"-1"):
        FCNN([3], seed=-1)
    with clear_error(r"dataset must be a name", r"prod", r"a Dataset or an \(X, y\) pair", "int"):
        FCNN([3], dataset=3)
    with clear_error(r"X must be a numeric array", r"'a'"):
        Dataset.from_arrays([["a", "b"]], [1])
    with clear_error(r"y must be numeric", r"<U1"):
        Dataset.from_arrays(X, ["a"] * 20)
    with clear_error(r"FCNNWidget shows an FCNN, a list of \(W, b\) pairs", r"got str"):
        FCNNWidget("prod")
    with clear_error(r"FCNNWidget shows an FCNN", r"got NoneType"):
        FCNNWidget(None)
    with clear_error(r"'title' trait", r"unicode string", types=traitlets.TraitError):
        FCNNWidget(model, title=3)


# -- empty samples ------------------------------------------------------------------------------------
def test_empty_samples(model):
    with clear_error(r"samples is empty", r"at least one input row"):
        FCNNWidget(model, samples=np.zeros((0, 2)))
    with clear_error(r"non-empty", r"\(0, 2\)"):
        FCNNWidget(model, samples=(np.zeros((0, 2)), np.zeros(0)))
    with clear_error(r"samples= is required", r"\(X, y\) or X"):
        FCNNWidget(weights([2, 3, 1]), activation="relu")


def test_empty_samples_list(model):
    with clear_error(r"empty"):
        FCNNWidget(model, samples=[])


# -- a 10-million-weight model ------------------------------------------------------------------------
BIG_TIMEOUT = 45  # seconds for a 10-million-weight model's widget in a fresh process (~10 s today)
BIG_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from fcnn_widget import FCNN, FCNNWidget, datasets

    X = datasets.make("prod", n_points=200).X
    if sys.argv[1] == "zeros":
        widths = [2, 3200, 3200, 1]
        params = [(np.zeros((a, b), np.float32), np.zeros(b, np.float32))
                  for a, b in zip(widths, widths[1:])]
        model, samples = FCNN.from_params(params, "relu"), X
    else:
        model, samples = FCNN([3200, 3200], "relu", dataset="prod"), None
    print("weights", model.n_weights, flush=True)
    start = time.perf_counter()
    w = FCNNWidget(model, samples=samples)
    svg = w.to_svg()
    print("built", f"{time.perf_counter() - start:.1f}", len(svg), len(w._svg), flush=True)
    """
)


def _run_big(kind: str, tmp_path: Path):
    script = tmp_path / "big.py"
    script.write_text(BIG_SCRIPT)
    try:
        return subprocess.run(
            [sys.executable, str(script), kind],
            capture_output=True,
            text=True,
            timeout=BIG_TIMEOUT,
            cwd=tmp_path,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"FCNNWidget of a 10-million-weight model ({kind}) ran over {BIG_TIMEOUT} s")


def _check_big(result):
    assert "weights 10249600" in result.stdout, result.stdout + result.stderr
    if result.returncode != 0:
        # A refusal: the last traceback line names the size and the limit, raised by us.
        last = result.stderr.strip().splitlines()[-1]
        frames = re.findall(r'File "([^"]+)"', result.stderr)
        assert re.match(r"(ValueError|TypeError|RuntimeError)\b", last), result.stderr[-3000:]
        assert re.search(r"weight|parameter", last, re.I) and len(re.findall(r"\d", last)) >= 2
        assert OWN_CODE.search(frames[-1]), f"raised from {frames[-1]}: {last}"
        return
    # A degraded view: built, and its picture bounded (not ten million drawn lines).
    svg_size, page_svg_size = (int(v) for v in result.stdout.split()[-2:])
    assert 0 < svg_size < 20 * 2**20 and 0 < page_svg_size < 20 * 2**20


def test_ten_million_zero_weights(tmp_path):
    """All-zero weights: one activation pattern, so the analysis stays cheap."""
    _check_big(_run_big("zeros", tmp_path))


def test_ten_million_trained_shape_weights(tmp_path):
    """FCNN([3200, 3200]) on prod, random initial weights: refuse clearly or degrade, in time."""
    _check_big(_run_big("prod", tmp_path))
