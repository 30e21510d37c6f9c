"""The same training as ``FCNN.fit`` in plain NumPy, for ``train_speed.py`` to time against.

Same network (Glorot-uniform weights, zero biases, ``W`` shaped (in, out)), same loss (MSE for
regression, sigmoid / softmax cross-entropy on the logits for classification), gradients by
hand, Adam as optax does it (bias-corrected, eps outside the square root), mini-batches of a
fresh permutation every epoch with the last partial batch kept. Everything in float32.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(-2, 2, (200, 2)).astype(np.float32)
>>> y = X[:, 0] * X[:, 1] / 4
>>> params = init_params(rng, [2, 4, 1])
>>> params, losses = train(X, y, params, epochs=20, lr=0.01, batch_size=32)
>>> bool(losses[-1] < losses[0])
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

F32 = np.float32


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# name -> (activation, its derivative given z and a = act(z))
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(F32)),
    "sigmoid": (_sigmoid, lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
}


def init_params(rng: np.random.Generator, widths: Sequence[int]):
    """Glorot-uniform weights, zero biases: ``[(W, b), ...]``."""
    params = []
    for n_in, n_out in zip(widths, widths[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        W = rng.uniform(-limit, limit, (n_in, n_out)).astype(F32)
        params.append((W, np.zeros(n_out, F32)))
    return params


def loss_and_grads(params, X, y, activation: str, task: str):
    """Mean loss over the batch and its gradient for every ``(W, b)``."""
    act, dact = ACTIVATIONS[activation]
    zs, acts = [], [X]
    for k, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        zs.append(z)
        acts.append(act(z) if k < len(params) - 1 else z)
    z = acts[-1]
    n = len(X)
    if task == "regression":
        diff = z - y
        loss = float(np.mean(diff * diff))  # mean over samples and outputs
        delta = diff * F32(2 / diff.size)
    elif task == "binary":
        t = y.astype(F32)[:, None]
        # log(1 + e^-|z|) + max(z, 0) - z t: stable sigmoid cross-entropy
        loss = float(np.mean(np.logaddexp(0, -np.abs(z)) + np.maximum(z, 0) - z * t))
        delta = (_sigmoid(z) - t) * F32(1 / n)
    else:
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        p = e / e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(e.sum(axis=1)) - shifted[rows, y]))
        p[rows, y] -= 1
        delta = p * F32(1 / n)
    grads = [None] * len(params)
    for k in range(len(params) - 1, -1, -1):
        W = params[k][0]
        grads[k] = (acts[k].T @ delta, delta.sum(axis=0))
        if k > 0:
            delta = (delta @ W.T) * dact(zs[k - 1], acts[k])
    return loss, grads


class Adam:
    """optax.adam: m, v moments, bias correction, ``lr * m_hat / (sqrt(v_hat) + eps)``."""

    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.m = [np.zeros_like(p) for layer in params for p in layer]
        self.v = [np.zeros_like(p) for layer in params for p in layer]
        self.t = 0

    def update(self, params, grads):
        self.t += 1
        b1, b2 = self.b1, self.b2
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        flat = [p for layer in params for p in layer]
        flat_g = [g for layer in grads for g in layer]
        for p, g, m, v in zip(flat, flat_g, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= F32(self.lr) * (m / F32(c1)) / (np.sqrt(v / F32(c2)) + F32(self.eps))
        return params


def train(
    X,
    y,
    params,
    *,
    activation: str = "relu",
    task: str = "regression",
    epochs: int = 100,
    lr: float = 0.005,
    batch_size: int = 100,
    seed: int = 0,
    orders: Callable[[int], np.ndarray] | None = None,
):
    """Adam on mini-batches; returns the trained ``params`` (updated in place) and the mean
    loss of every epoch as the batches saw it. ``orders(epoch)`` can give each epoch's
    permutation (to follow another implementation exactly); else a seeded NumPy one."""
    X = np.asarray(X, F32)
    y = np.asarray(y, F32) if task == "regression" else np.asarray(y, np.int64)
    if task == "regression" and y.ndim == 1:
        y = y[:, None]
    params = [(np.array(W, F32), np.array(b, F32)) for W, b in params]
    n = len(X)
    rng = np.random.default_rng(seed)
    adam = Adam(params, lr)
    losses = np.zeros(epochs, F32)
    for epoch in range(epochs):
        order = rng.permutation(n) if orders is None else np.asarray(orders(epoch))
        total = 0.0
        for start in range(0, n, batch_size):  # the last partial batch is kept
            idx = order[start : start + batch_size]
            loss, grads = loss_and_grads(params, X[idx], y[idx], activation, task)
            adam.update(params, grads)
            total += loss * len(idx)
        losses[epoch] = total / n
    return params, losses
