"""FCNN: its forward pass against plain NumPy, its training and its recorded history."""

from __future__ import annotations

import math

import numpy as np
import optax
import pytest

from fcnn_widget import FCNN, TrainingDiverged, analysis, datasets, training
from fcnn_widget.datasets import Dataset

# -- a plain NumPy network -------------------------------------------------------------------


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


NP_ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "linear": lambda z: z,
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    # jax.nn.gelu defaults to approximate=True: the tanh form
    "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
    "softplus": lambda z: np.logaddexp(0, z),
}


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


NP_OUTPUTS = {"regression": lambda z: z, "binary": _sigmoid, "multiclass": _softmax}


def np_forward(params, X, activation, task):
    """Every layer's (z, a) in float64."""
    a = np.asarray(X, np.float64)
    zs, acts = [a], [a]
    for k, (W, b) in enumerate(params):
        z = a @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
        last = k == len(params) - 1
        a = NP_OUTPUTS[task](z) if last else NP_ACTIVATIONS[activation](z)
        zs.append(z)
        acts.append(a)
    return zs, acts


@pytest.fixture
def small_chunks(monkeypatch):
    """Make every compiled chunk 4 epochs long, so a short fit spans several chunks."""
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)


def _finite(params):
    return all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in params)


def _assert_params_equal(a, b):
    assert len(a) == len(b)
    for (Wa, ba), (Wb, bb) in zip(a, b):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


# -- the forward pass ------------------------------------------------------------------------

TASK_SETS = {"regression": "prod", "binary": "xor", "multiclass": "quadrants"}


@pytest.mark.parametrize("task", sorted(TASK_SETS))
@pytest.mark.parametrize("activation", sorted(NP_ACTIVATIONS))
def test_trace_matches_numpy(activation, task):
    model = FCNN([3, 5], activation, dataset=TASK_SETS[task], seed=1)
    # scale the weights up so every activation leaves its near-linear range
    model.set_params([(2.5 * W, b + 0.3) for W, b in model.params])
    X = model.dataset.X[:64]
    trace = model.trace(X)
    n_out = 4 if task == "multiclass" else 1
    assert [z.shape for z in trace.z] == [(64, 2), (64, 3), (64, 5), (64, n_out)]
    assert [a.shape for a in trace.a] == [(64, 2), (64, 3), (64, 5), (64, n_out)]
    np.testing.assert_array_equal(trace.z[0], X)
    np.testing.assert_array_equal(trace.a[0], X)
    zs, acts = np_forward(model.params, X, activation, task)
    for k in range(1, 4):
        np.testing.assert_allclose(trace.z[k], zs[k], rtol=2e-5, atol=2e-5)
        np.testing.assert_allclose(trace.a[k], acts[k], rtol=2e-5, atol=2e-5)
    if task == "multiclass":
        np.testing.assert_allclose(trace.a[-1].sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(X), trace.a[-1])


def test_gelu_is_the_tanh_approximation():
    # the tanh form and the exact erf form differ by up to ~5e-4; the trace follows the first
    model = FCNN([8], "gelu", seed=0)
    model.set_params([(3 * W, b) for W, b in model.params])
    X = model.dataset.X[:200]
    z1 = model.trace(X).z[1].astype(np.float64)
    exact = 0.5 * z1 * (1 + np.vectorize(math.erf)(z1 / np.sqrt(2)))
    a1 = model.trace(X).a[1]
    np.testing.assert_allclose(a1, NP_ACTIVATIONS["gelu"](z1), atol=2e-5)
    assert np.abs(a1 - exact).max() > 1e-4


def test_trace_with_given_params_and_one_point():
    model = FCNN([4], "tanh", dataset="prod", seed=0)
    initial = model.params
    model.fit(epochs=2)
    X = model.dataset.X[:5]
    np.testing.assert_allclose(
        model.trace(X, params=initial).a[-1],
        np_forward(initial, X, "tanh", "regression")[1][-1],
        rtol=1e-5,
        atol=1e-6,
    )
    assert model.predict(X[0]).shape == (1, 1)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        model.predict(np.zeros((3, 3)))


def test_no_hidden_layer_is_a_linear_or_logistic_model():
    model = FCNN([], "relu", dataset="prod", seed=0)
    assert model.widths == [2, 1] and model.n_weights == 2
    model.fit(epochs=3)
    assert model.history.epochs == 3 and np.isfinite(model.history.loss).all()
    X = model.dataset.X[:10]
    ((W, b),) = model.params
    np.testing.assert_allclose(model.predict(X), X @ W + b, rtol=1e-5, atol=1e-6)
    model = FCNN([], dataset="circle", seed=0)
    ((W, b),) = model.params
    X = model.dataset.X[:10]
    trace = model.trace(X)
    assert len(trace.a) == 2
    np.testing.assert_allclose(trace.a[1], _sigmoid(X @ W + b), rtol=1e-5, atol=1e-6)


def test_multi_output_regression():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (50, 3)).astype(np.float32)
    Y = np.stack([X[:, 0] * X[:, 1], X[:, 2] ** 2], axis=1)
    model = FCNN([6], "tanh", dataset=(X, Y), seed=0)
    assert model.widths == [3, 6, 2]
    model.fit(epochs=2, batch_size=16)
    assert model.predict(X).shape == (50, 2)
    z = model.trace(X).z[-1].astype(np.float64)
    expected_loss = np.mean(np.mean((z - Y) ** 2, axis=1))
    # history.loss is measured during the epoch: only check it is the same kind of number
    assert 0.2 * expected_loss < model.history.loss[-1] < 5 * expected_loss


# -- reproducibility and bookkeeping ---------------------------------------------------------


def test_same_seed_same_training_and_other_seed_other_training():
    runs = []
    for seed in (3, 3, 4):
        model = FCNN([4], "relu", dataset="prod", seed=seed)
        model.fit(epochs=6, batch_size=100)
        runs.append(model)
    a, b, c = runs
    np.testing.assert_array_equal(a.history.loss, b.history.loss)
    _assert_params_equal(a.params, b.params)
    _assert_params_equal(a.history.snapshots[-1], b.history.snapshots[-1])
    assert not np.array_equal(a.history.loss, c.history.loss)
    assert not np.array_equal(a.params[0][0], c.params[0][0])


def test_history_spans_fits_and_snapshots_the_right_epochs(small_chunks):
    model = FCNN([4], "relu", dataset="prod", seed=0)
    history = model.fit(epochs=10, snapshot_every=3)  # chunks of 4, 4 and 2 epochs
    assert history is model.history and history.epochs == 10 and len(history.loss) == 10
    assert history.snapshot_epochs.tolist() == [0, 3, 6, 9, 10]
    assert history.stopped is None
    model.fit(epochs=7, snapshot_every=3)
    assert len(history.loss) == 17
    assert history.snapshot_epochs.tolist() == [0, 3, 6, 9, 10, 12, 15, 17]
    assert len(history.snapshots) == len(history.snapshot_epochs)
    assert np.isfinite(history.loss).all()
    assert history.accuracy is None and history.test_loss is None
    _assert_params_equal(history.snapshots[-1], model.params)
    regions = len(analysis.exact_regions(model))  # the exact count of the plot domain
    assert (
        model.describe()
        == f"2-4-1 relu, adam lr=0.005, 17 epochs, batch 100, {regions} linear regions"
    )

    # a snapshot holds the parameters after its epoch: the same as a 6-epoch training
    short = FCNN([4], "relu", dataset="prod", seed=0)
    short.fit(epochs=6, snapshot_every=3)
    for (Wa, ba), (Wb, bb) in zip(history.snapshots[2], short.params):
        np.testing.assert_allclose(Wa, Wb, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ba, bb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(history.loss[:6], short.history.loss, rtol=1e-5)


def test_initial_snapshot_and_zero_epochs():
    model = FCNN([4], "relu", dataset="prod", seed=0)
    assert model.history.snapshot_epochs.tolist() == [0]
    _assert_params_equal(model.history.snapshots[0], model.params)
    model.fit(epochs=0)
    assert model.history.epochs == 0 and model.history.snapshot_epochs.tolist() == [0]


def _np_mse_step(params, Xb, yb, lr):
    """One SGD step of the batch-mean MSE of a tanh network, back-propagated by hand."""
    zs, acts = np_forward(params, Xb, "tanh", "regression")
    n = len(Xb)
    loss = np.mean((acts[-1][:, 0] - yb) ** 2)
    delta = 2 * (acts[-1] - yb[:, None]) / n  # d loss / d z_L
    grads = []
    for k in range(len(params), 0, -1):
        W = np.asarray(params[k - 1][0], np.float64)
        grads.append((acts[k - 1].T @ delta, delta.sum(axis=0)))
        if k > 1:
            delta = (delta @ W.T) * (1 - np.tanh(zs[k - 1]) ** 2)
    grads.reverse()
    new = [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(params, grads)]
    return new, loss


def test_last_partial_batch_is_kept():
    rng = np.random.default_rng(5)
    X = rng.uniform(-2, 2, (10, 2)).astype(np.float32)
    y = (X[:, 0] * X[:, 1] / 4).astype(np.float32)
    model = FCNN([3], "tanh", dataset=Dataset.from_arrays(X, y, "regression"), seed=2)
    params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in model.params]
    lr = 0.3
    model.fit(epochs=1, lr=lr, batch_size=4, optimizer="sgd")

    order = training.epoch_orders(model.seed, 0, 1, 10, 4)[0, :10]
    assert sorted(order.tolist()) == list(range(10))
    total = 0.0
    for batch in (order[0:4], order[4:8], order[8:10]):  # 4 + 4 + 2: the last 2 count
        params, loss = _np_mse_step(params, X[batch], y[batch], lr)
        total += loss * len(batch)
    for (W, b), (Wm, bm) in zip(params, model.params):
        np.testing.assert_allclose(Wm, W, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(bm, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.history.loss[0], total / 10, rtol=1e-5)

    # dropping the last two samples would give visibly different parameters
    dropped = [
        (np.asarray(W, np.float64), np.asarray(b, np.float64))
        for W, b in model.history.snapshots[0]
    ]
    for batch in (order[0:4], order[4:8]):
        dropped, _ = _np_mse_step(dropped, X[batch], y[batch], lr)
    assert max(np.abs(W - Wm).max() for (W, _), (Wm, _) in zip(dropped, model.params)) > 1e-3


def test_batch_larger_than_the_data():
    model = FCNN([3], dataset=datasets.make("prod", 30), seed=0)
    model.fit(epochs=2, batch_size=1000)
    assert model.history.epochs == 2 and np.isfinite(model.history.loss).all()


# -- classification metrics ------------------------------------------------------------------


def test_classification_accuracy_without_a_test_set():
    model = FCNN([4], "tanh", dataset=datasets.make("xor", 400), seed=0)
    history = model.fit(epochs=3)
    assert history.accuracy.shape == (3,) and history.test_loss is None
    assert history.test_accuracy is None
    d = model.dataset
    accuracy = np.mean((model.predict(d.X)[:, 0] > 0.5) == d.y)
    np.testing.assert_allclose(history.accuracy[-1], accuracy, atol=1e-6)


@pytest.mark.parametrize("name", ["xor", "quadrants"])
def test_classification_metrics_with_a_test_set(name):
    model = FCNN([5], "relu", dataset=datasets.make(name, 500, test_fraction=0.2), seed=0)
    history = model.fit(epochs=4)
    for metric in (history.loss, history.accuracy, history.test_loss, history.test_accuracy):
        assert metric.shape == (4,) and np.isfinite(metric).all()
    assert ((history.accuracy >= 0) & (history.accuracy <= 1)).all()
    d = model.dataset
    p_train, p_test = model.predict(d.X).astype(np.float64), model.predict(d.X_test)
    if name == "xor":
        train_pred, test_pred = p_train[:, 0] > 0.5, p_test[:, 0] > 0.5
        p = np.clip(model.predict(d.X_test)[:, 0].astype(np.float64), 1e-12, 1 - 1e-12)
        test_loss = -np.mean(d.y_test * np.log(p) + (1 - d.y_test) * np.log(1 - p))
    else:
        train_pred, test_pred = p_train.argmax(axis=1), p_test.argmax(axis=1)
        test_loss = -np.mean(np.log(p_test[np.arange(len(d.y_test)), d.y_test]))
    np.testing.assert_allclose(history.accuracy[-1], np.mean(train_pred == d.y), atol=1e-6)
    np.testing.assert_allclose(history.test_accuracy[-1], np.mean(test_pred == d.y_test), atol=1e-6)
    np.testing.assert_allclose(history.test_loss[-1], test_loss, rtol=1e-4)


def test_regression_with_a_test_set_has_a_test_loss_only():
    model = FCNN([4], dataset=datasets.make("prod", 300, test_fraction=0.3), seed=0)
    history = model.fit(epochs=2)
    assert history.test_loss.shape == (2,) and history.accuracy is None
    d = model.dataset
    mse = np.mean((model.predict(d.X_test)[:, 0] - d.y_test) ** 2)
    np.testing.assert_allclose(history.test_loss[-1], mse, rtol=1e-4)


# -- optimizers and settings -----------------------------------------------------------------


@pytest.mark.parametrize("optimizer", sorted(training.OPTIMIZERS))
def test_named_optimizers_train(optimizer):
    model = FCNN([4], "relu", dataset="prod", seed=0)
    model.fit(epochs=5, lr=0.01, optimizer=optimizer)
    loss = model.history.loss
    assert np.isfinite(loss).all() and loss[-1] < loss[0]
    assert model.describe().startswith(f"2-4-1 relu, {optimizer} lr=0.01,")


def test_optax_transformation_object_and_numpy_lr():
    model = FCNN([4], "relu", dataset="prod", seed=0)
    tx = optax.chain(optax.clip_by_global_norm(1.0), optax.sgd(0.05, momentum=0.9))
    model.fit(epochs=3, optimizer=tx)
    assert np.isfinite(model.history.loss).all()
    assert model.history.loss[-1] < model.history.loss[0]
    model.fit(epochs=1, lr=np.float32(0.01))  # a NumPy scalar from a slider is fine
    assert model.history.epochs == 4


def test_lr_changes_the_training():
    a, b = (FCNN([4], dataset="prod", seed=0) for _ in range(2))
    a.fit(epochs=2, lr=0.001)
    b.fit(epochs=2, lr=0.01)
    assert not np.array_equal(a.history.loss, b.history.loss)


# -- bad input -------------------------------------------------------------------------------


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="swish") as info:
        FCNN([4], "swish")
    for name in NP_ACTIVATIONS:
        assert name in str(info.value)


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ValueError, match="moons") as info:
        FCNN([4], dataset="moons")
    for name in datasets.NAMES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="dataset must be"):
        FCNN([4], dataset=42)


def test_unknown_optimizer_lists_valid_names():
    model = FCNN([4], seed=0)
    with pytest.raises(ValueError, match="adamw") as info:
        model.fit(epochs=1, optimizer="adamw")
    for name in training.OPTIMIZERS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="GradientTransformation"):
        model.fit(epochs=1, optimizer=42)
    assert model.history.epochs == 0


@pytest.mark.parametrize("dims", [[0], [-1], ["a"], [4, 0], [2.5], [True], None, "4"])
def test_bad_dims(dims):
    with pytest.raises(ValueError, match="dims|widths"):
        FCNN(dims)


def test_dims_as_an_int():
    assert FCNN(3).widths == [2, 3, 1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": 0}, "lr"),
        ({"lr": -0.1}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": float("inf")}, "lr"),
        ({"lr": "0.1"}, "lr"),
        ({"epochs": -1}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"snapshot_every": 0}, "snapshot_every"),
    ],
)
def test_bad_settings(kwargs, message):
    model = FCNN([4], seed=0)
    with pytest.raises(ValueError, match=message):
        model.fit(**kwargs)
    assert model.history.epochs == 0


# -- divergence, interruption, stop ----------------------------------------------------------


def test_divergence_raises_and_keeps_finite_params():
    model = FCNN([4], "relu", dataset="prod", seed=0)
    model.fit(epochs=2)
    with pytest.raises(TrainingDiverged, match="smaller lr"):
        model.fit(epochs=20, lr=1e6, optimizer="sgd")
    h = model.history
    assert h.stopped == "diverged"
    assert _finite(model.params)
    assert np.isfinite(h.loss).all() and h.epochs >= 2
    assert h.snapshot_epochs[-1] == h.epochs
    _assert_params_equal(h.snapshots[-1], model.params)
    assert all(_finite(s) for s in h.snapshots)
    # a sane lr trains on from there
    model.fit(epochs=2)
    assert h.stopped is None and np.isfinite(h.loss).all()


def test_divergence_in_a_later_epoch_keeps_the_epochs_before():
    # full-batch SGD at lr=1e6 on prod overflows in the third epoch
    model = FCNN([4], "relu", dataset="prod", seed=0)
    with pytest.raises(TrainingDiverged):
        model.fit(epochs=10, lr=1e6, batch_size=2500, optimizer="sgd", snapshot_every=5)
    h = model.history
    assert 0 < h.epochs < 10 and np.isfinite(h.loss).all()
    assert h.snapshot_epochs.tolist() == [0, h.epochs]
    _assert_params_equal(h.snapshots[-1], model.params)
    assert _finite(model.params)


def test_divergence_of_the_params_with_a_finite_loss():
    # one batch per epoch: the step that overflows the weights ends an epoch whose loss (measured
    # before the step) is finite; the model must still keep the finite parameters before it
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (10, 2)).astype(np.float32)
    model = FCNN([], "linear", dataset=(X, 1000 * X[:, 0]), seed=0)
    with pytest.raises(TrainingDiverged):
        model.fit(epochs=5, lr=1e36, optimizer="sgd", batch_size=10)
    assert _finite(model.params)
    assert np.isfinite(model.history.loss).all()
    _assert_params_equal(model.history.snapshots[-1], model.params)


def test_keyboard_interrupt_in_the_callback_keeps_the_chunks_done(small_chunks):
    model = FCNN([4], "relu", dataset="prod", seed=0)
    calls = []

    def callback(history):
        calls.append(history.epochs)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="interrupted after epoch 8"):
        history = model.fit(epochs=20, snapshot_every=5, callback=callback)
    assert calls == [4, 8]
    assert history.stopped == "interrupted" and history.epochs == 8
    assert np.isfinite(history.loss).all()
    assert history.snapshot_epochs.tolist() == [0, 5, 8]
    _assert_params_equal(history.snapshots[-1], model.params)

    # the parameters are those of epoch 8 of an uninterrupted training
    full = FCNN([4], "relu", dataset="prod", seed=0)
    full.fit(epochs=8)
    for (W, b), (Wf, bf) in zip(model.params, full.params):
        np.testing.assert_allclose(W, Wf, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b, bf, rtol=1e-5, atol=1e-6)


def test_stop_from_a_callback_ends_after_the_chunk(small_chunks):
    model = FCNN([4], "relu", dataset="prod", seed=0)
    seen = []

    def callback(history):
        seen.append(history.epochs)
        model.stop()

    history = model.fit(epochs=20, snapshot_every=3, callback=callback)
    assert seen == [4] and history.epochs == 4 and history.stopped == "stopped"
    assert history.snapshot_epochs.tolist() == [0, 3, 4]
    _assert_params_equal(history.snapshots[-1], model.params)
    # the next fit starts afresh
    model.fit(epochs=5)
    assert history.epochs == 9 and history.stopped is None


def test_listeners_hear_every_chunk(small_chunks):
    model = FCNN([4], seed=0)
    heard = []

    def listener(m):
        heard.append(m.history.epochs)

    model.add_listener(listener)
    model.fit(epochs=10)
    assert heard[:3] == [4, 8, 10] and heard[-1] == 10
    model.remove_listener(listener)
    model.fit(epochs=1)
    assert heard[-1] == 10


# -- training quality ------------------------------------------------------------------------


def test_prod_relu4_reaches_a_small_error_for_most_seeds():
    # The blog's configuration: prod, relu [4], adam lr 0.005, batch 100, 250 epochs.
    # Measured (jax 0.10.2, optax 0.2.8, CPU), final train MSE by seed 0..9:
    #   0.058 0.0038 0.0044 0.058 0.0039 0.0034 0.0035 0.0034 0.082 0.031
    # so 6 of 10 seeds get below 0.01; the other 4 are stuck with dead or saturated units
    # around 0.03-0.08. The gap between the groups is wide, so the count is stable.
    errors = []
    for seed in range(10):
        model = FCNN([4], "relu", dataset="prod", seed=seed)
        model.fit(epochs=250, lr=0.005, batch_size=100)
        d = model.dataset
        errors.append(float(np.mean((model.predict(d.X)[:, 0] - d.y) ** 2)))
    print("final MSE by seed:", " ".join(f"{e:.4f}" for e in errors))
    good = sum(e < 0.01 for e in errors)
    assert good >= 6, errors
    assert min(errors) < 0.005
