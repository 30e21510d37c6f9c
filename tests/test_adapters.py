"""Bring your own model: weights, Flax, Equinox, PyTorch and Keras models shown as an FCNN.

Each foreign model is built with known weights and its own forward pass is the reference:
the FCNN read from it must give the same output (``trace(X).a[-1]``, or the logits
``z[-1]`` where its output is read as logits) and draw one edge per weight.
"""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fcnn_widget import FCNN, Dataset, FCNNWidget, adapters, analysis

RNG = np.random.default_rng(0)
X = RNG.uniform(-2, 2, size=(64, 2)).astype(np.float32)
Y_REG = (X[:, 0] * X[:, 1] / 4).astype(np.float32)
Y_BIN = (X[:, 0] * X[:, 1] > 0).astype(np.int32)
Y_3 = np.digitize(X[:, 0], [-0.7, 0.7]).astype(np.int32)


def weights(widths, seed=0):
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0, 0.8, (a, b)).astype(np.float32), rng.normal(0, 0.3, b).astype(np.float32))
        for a, b in zip(widths, widths[1:])
    ]


def numpy_forward(params, X, act):
    a = X.astype(np.float64)
    for k, (W, b) in enumerate(params):
        a = a @ W + b
        if k < len(params) - 1:
            a = act(a)
    return a


def assert_shows(foreign, theirs, samples=(X, Y_REG), logits=False, **kw):
    """The widget of ``foreign`` traces its outputs ``theirs`` and draws every weight."""
    w = FCNNWidget(foreign, samples=samples, **kw)
    trace = w.model.trace(X)
    ours = trace.z[-1] if logits else trace.a[-1]
    np.testing.assert_allclose(ours, np.asarray(theirs).reshape(ours.shape), rtol=1e-5, atol=1e-6)
    assert w.to_svg().count('data-kind="w"') == w.model.n_weights
    return w.model


# -- weights ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("to_array", [np.asarray, jnp.asarray], ids=["numpy", "jax"])
def test_weight_list_with_activation(to_array):
    params = weights([2, 5, 3, 1])
    foreign = [(to_array(W), to_array(b)) for W, b in params]
    model = assert_shows(foreign, numpy_forward(params, X, np.tanh), activation="tanh")
    assert (model.widths, model.activation, model.task) == ([2, 5, 3, 1], "tanh", "regression")
    np.testing.assert_array_equal(model.dataset.X, X)


def test_weight_list_needs_an_activation_and_samples():
    params = weights([2, 4, 1])
    with pytest.raises(ValueError, match="carries no activation function: pass activation="):
        FCNNWidget(params, samples=X)
    with pytest.raises(ValueError, match="samples= is required when the model carries no data"):
        FCNNWidget(params, activation="relu")
    with pytest.raises(ValueError, match="samples have 3 input columns but the model takes 2"):
        FCNNWidget(params, activation="relu", samples=(np.zeros((4, 3)), np.zeros(4)))
    bad = [params[0], (np.ones((5, 1)), np.zeros(1))]
    with pytest.raises(ValueError, match=r"layer 0 has 4 outputs but layer 1 takes 5 inputs"):
        adapters.as_fcnn(bad, activation="relu")
    with pytest.raises(TypeError, match="FCNNWidget shows an FCNN, a list of"):
        adapters.as_fcnn("not a model")


def test_from_params_checks_its_weights_and_has_no_data():
    with pytest.raises(ValueError, match="at least one"):
        FCNN.from_params([])
    with pytest.raises(ValueError, match=r"layer 1: W must have shape \(4, out\)"):
        FCNN.from_params([(np.ones((2, 4)), np.zeros(4)), (np.ones((3, 1)), np.zeros(1))])
    with pytest.raises(ValueError, match=r"layer 0: W must have shape \(in, out\).*b \(3,\)"):
        FCNN.from_params([(np.ones((2, 4)), np.zeros(3))])
    with pytest.raises(ValueError, match="layer 0: W .* holds NaN or Inf"):
        FCNN.from_params([(np.full((2, 1), np.nan), np.zeros(1))])
    with pytest.raises(ValueError, match="binary task needs 1 output unit"):
        FCNN.from_params(weights([2, 2]), task="binary")
    model = FCNN.from_params(weights([2, 3, 3]), "elu", task="multiclass")
    assert model.dataset is None and model.n_classes == 3 and repr(model).endswith("dataset=None)")
    assert model.params[0][0].dtype == np.float32
    with pytest.raises(ValueError, match="this model carries no data; pass dataset="):
        model.fit(epochs=1)
    with pytest.raises(ValueError, match="carries no data: pass X="):
        analysis.plot_domain(model)


def test_from_params_with_data_trains():
    model = FCNN.from_params(weights([2, 4, 1]), "relu", dataset="prod")
    before = model.params[0][0].copy()
    model.fit(epochs=2)
    assert model.history.epochs == 2 and not np.array_equal(model.params[0][0], before)


def test_task_follows_the_output_or_the_targets():
    one, two = weights([2, 3, 1]), weights([2, 3, 2])
    as_fcnn = adapters.as_fcnn
    assert as_fcnn(one, activation="relu", samples=(X, Y_BIN)).task == "binary"
    assert as_fcnn(one, activation="relu", samples=(X, Y_REG)).task == "regression"
    assert as_fcnn(one, activation="relu", samples=(X, Y_3)).task == "regression"  # counts
    m = as_fcnn(two, activation="relu", samples=(X, Y_BIN))
    assert (m.task, m.n_classes) == ("multiclass", 2)
    m = as_fcnn(weights([2, 3, 4]), activation="relu", samples=(X, Y_3))
    assert (m.task, m.n_classes, m.dataset.n_classes) == ("multiclass", 4, 4)
    assert as_fcnn(one, activation="relu", samples=X).task == "regression"
    data = Dataset.from_arrays(X, Y_BIN)
    assert as_fcnn(two, activation="relu", samples=data).task == "multiclass"


def test_plane_of_a_model_without_data_spans_its_samples():
    model = adapters.as_fcnn(weights([2, 4, 1]), activation="relu")
    w = FCNNWidget(model, samples=X * 3)
    lo, hi = (X * 3).min(axis=0), (X * 3).max(axis=0)
    np.testing.assert_allclose(
        [w.scene.grid.xs[0], w.scene.grid.xs[-1], w.scene.grid.ys[0], w.scene.grid.ys[-1]],
        [lo[0] - analysis.MARGIN, hi[0] + analysis.MARGIN, lo[1] - 1, hi[1] + 1],
        rtol=1e-6,
    )
    assert w.scene.targets is None


# -- Flax ------------------------------------------------------------------------------------------
def test_flax_linen_params():
    pytest.importorskip("flax")
    import flax.linen as nn

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.gelu(nn.Dense(6)(x))
            x = nn.gelu(nn.Dense(4)(x))
            return nn.Dense(1)(x)

    variables = MLP().init(jax.random.key(1), X[:1])
    theirs = MLP().apply(variables, X)
    assert_shows(variables, theirs, activation="gelu")
    assert_shows(variables["params"], theirs, activation="gelu")


def test_flax_linen_params_numbered_as_built():
    pytest.importorskip("flax")
    import flax.linen as nn

    class Nested(nn.Module):  # Dense(1) is built before Dense(5): it is Dense_0
        @nn.compact
        def __call__(self, x):
            return nn.Dense(1)(nn.sigmoid(nn.Dense(5)(x)))

    variables = Nested().init(jax.random.key(2), X[:1])
    assert_shows(variables, Nested().apply(variables, X), activation="sigmoid")


def test_flax_nnx_sequential_and_module():
    pytest.importorskip("flax")
    from flax import nnx

    seq = nnx.Sequential(
        nnx.Linear(2, 5, rngs=nnx.Rngs(0)),
        nnx.tanh,
        nnx.Linear(5, 3, rngs=nnx.Rngs(1)),
        nnx.softmax,
    )
    model = assert_shows(seq, seq(X), samples=(X, Y_3))
    assert (model.activation, model.task) == ("tanh", "multiclass")

    class MLP(nnx.Module):
        def __init__(self, rngs):
            self.hidden = nnx.Linear(2, 6, rngs=rngs)
            self.layers = nnx.List([nnx.Linear(6, 6, rngs=rngs)])
            self.out = nnx.Linear(6, 1, rngs=rngs)

        def __call__(self, x):
            x = nnx.softplus(self.hidden(x))
            x = nnx.softplus(self.layers[0](x))
            return nnx.sigmoid(self.out(x))

    mlp = MLP(nnx.Rngs(3))
    model = assert_shows(mlp, mlp(X), samples=(X, Y_BIN))
    assert (model.widths, model.activation, model.task) == ([2, 6, 6, 1], "softplus", "binary")

    class Odd(MLP):
        def __call__(self, x):
            return self.out(self.layers[0](self.hidden(x) ** 2))

    with pytest.raises(ValueError, match="could not reproduce the output of .*Odd"):
        FCNNWidget(Odd(nnx.Rngs(0)), samples=X)


# -- Equinox ---------------------------------------------------------------------------------------
def test_equinox_mlp_and_sequential():
    eqx = pytest.importorskip("equinox")
    mlp = eqx.nn.MLP(2, 1, 5, 2, activation=jax.nn.elu, key=jax.random.key(0))
    model = assert_shows(mlp, jax.vmap(mlp)(X))
    assert (model.widths, model.activation) == ([2, 5, 5, 1], "elu")
    mlp = eqx.nn.MLP(2, 1, 4, 1, final_activation=jax.nn.sigmoid, key=jax.random.key(1))
    assert assert_shows(mlp, jax.vmap(mlp)(X), samples=(X, Y_BIN)).task == "binary"
    scanned = eqx.nn.MLP(2, 1, 4, 3, activation=jax.nn.tanh, scan=True, key=jax.random.key(4))
    assert assert_shows(scanned, jax.vmap(scanned)(X)).widths == [2, 4, 4, 4, 1]

    seq = eqx.nn.Sequential(
        [
            eqx.nn.Linear(2, 4, key=jax.random.key(2)),
            eqx.nn.Lambda(jax.nn.leaky_relu),
            eqx.nn.Linear(4, 1, key=jax.random.key(3)),
        ]
    )
    assert assert_shows(seq, jax.vmap(seq)(X)).activation == "leaky_relu"

    swish = eqx.nn.MLP(2, 1, 4, 2, activation=jax.nn.swish, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"activation computes SiLU \(swish\)"):
        adapters.as_fcnn(swish)


# -- PyTorch ---------------------------------------------------------------------------------------
def torch_forward(model):
    import torch

    with torch.no_grad():
        return model(torch.as_tensor(X)).numpy()


TORCH_ACTIVATIONS = {
    "ReLU": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "GELU": "gelu",
    "Softplus": "softplus",
}


@pytest.mark.parametrize("name", TORCH_ACTIVATIONS)
def test_torch_sequential(name):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    make = (lambda: nn.GELU(approximate="tanh")) if name == "GELU" else getattr(nn, name)
    model = nn.Sequential(nn.Linear(2, 5), make(), nn.Dropout(0.5), nn.Linear(5, 3), make())
    model.append(nn.Sequential(nn.Linear(3, 1), nn.Identity()))
    model.eval()
    ours = assert_shows(model, torch_forward(model))
    assert (ours.widths, ours.activation) == ([2, 5, 3, 1], TORCH_ACTIVATIONS[name])
    model.train()  # dropout on: checking the reading still runs the model in eval mode
    adapters.as_fcnn(model, samples=X)
    assert model.training


def test_torch_outputs_set_the_task():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(1)
    binary = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1), nn.Sigmoid())
    assert assert_shows(binary, torch_forward(binary), samples=(X, Y_BIN)).task == "binary"
    multi = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.Softmax(dim=-1))
    assert assert_shows(multi, torch_forward(multi), samples=(X, Y_3)).task == "multiclass"
    logits = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    model = assert_shows(logits, torch_forward(logits), samples=(X, Y_BIN), logits=True)
    assert model.task == "binary"  # a plain Linear end with 0/1 targets: logits
    double = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    with torch.no_grad():
        theirs = double(torch.as_tensor(X, dtype=torch.float64)).numpy()
    assert_shows(double, theirs)


@pytest.mark.parametrize(
    "layers, message",
    [
        (
            lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Conv2d(1, 1, 3)],
            r"torch\.nn\.Conv2d at position 2 is not supported; fcnn-widget draws Linear layers "
            r"with element-wise activations: ReLU, ",
        ),
        (
            lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)],
            r"mixes activations \(hidden layer 1 .* uses relu; hidden layer 2 .* uses tanh\)",
        ),
        (
            lambda nn: [nn.Linear(2, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1)],
            r"leaky ReLU with negative slope 0\.2; fcnn-widget's leaky_relu has slope 0\.01",
        ),
        (
            lambda nn: [nn.Linear(2, 3), nn.GELU(), nn.Linear(3, 1)],
            r"exact \(erf\) GELU.*approximate='tanh'",
        ),
        (
            lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.ReLU()],
            r"after the last dense layer is a relu",
        ),
        (
            lambda nn: [nn.Linear(2, 3), nn.Softmax(dim=-1), nn.Linear(3, 1)],
            r"softmax, which is not element-wise",
        ),
        (
            lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.Sigmoid()],
            r"sigmoid over 2 outputs",
        ),
    ],
    ids=[
        "conv",
        "mixed",
        "leaky-slope",
        "exact-gelu",
        "relu-output",
        "hidden-softmax",
        "multilabel",
    ],
)
def test_torch_refusals(layers, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        FCNNWidget(torch.nn.Sequential(*layers(torch.nn)), samples=X)


def test_torch_activation_argument_must_agree():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    with pytest.raises(ValueError, match="activation='relu' disagrees with the model's own 'tanh'"):
        adapters.as_fcnn(model, activation="relu")
    with pytest.raises(TypeError, match="torch.nn.Sequential"):
        adapters.as_fcnn(torch.nn.Linear(2, 1))


# -- Keras -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


def test_keras_sequential(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(5, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(4),
            keras.layers.Activation("relu"),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    ours = assert_shows(model, np.asarray(model(X)), samples=(X, Y_3))
    assert (ours.widths, ours.activation, ours.task) == ([2, 5, 4, 3], "relu", "multiclass")
    regression = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(3, "tanh"), keras.layers.Dense(1)]
    )
    assert assert_shows(regression, np.asarray(regression(X))).task == "regression"


def test_keras_refusals(keras):
    def dense(activation):
        return keras.Sequential(
            [keras.Input((2,)), keras.layers.Dense(3, activation), keras.layers.Dense(1)]
        )

    with pytest.raises(ValueError, match=r"leaky ReLU with negative slope 0\.2"):
        adapters.as_fcnn(dense("leaky_relu"))
    with pytest.raises(ValueError, match=r"exact \(erf\) GELU"):
        adapters.as_fcnn(dense("gelu"))
    with pytest.raises(ValueError, match="no weights yet"):
        adapters.as_fcnn(keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)]))
    norm = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(3), keras.layers.BatchNormalization()]
    )
    with pytest.raises(ValueError, match="BatchNormalization layer 1 .* is not supported"):
        adapters.as_fcnn(norm)


# -- no library is imported until its model is given ------------------------------------------------
def test_importing_fcnn_widget_imports_no_model_library():
    code = (
        "import fcnn_widget, fcnn_widget.adapters, sys; "
        "print([m for m in ('torch', 'flax', 'equinox', 'keras') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
