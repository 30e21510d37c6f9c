"""The network's maths as pure JAX functions of ``params``: a list of ``(W, b)``, ``W`` (in, out).

>>> import jax, numpy as np
>>> params = init_params(jax.random.key(0), [2, 4, 1])
>>> zs, acts = forward_trace(params, np.zeros((3, 2), np.float32), "relu", "regression")
>>> [z.shape for z in zs]
[(3, 2), (3, 4), (3, 1)]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp

ACTIVATIONS: dict[str, Callable] = {
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "linear": lambda z: z,
    "leaky_relu": jax.nn.leaky_relu,
    "elu": jax.nn.elu,
    "gelu": jax.nn.gelu,
    "softplus": jax.nn.softplus,
}
# Activations that are piecewise linear with a kink at zero: their on/off pattern splits the
# input plane into linear regions.
RELU_FAMILY = ("relu", "leaky_relu")
# The output activation follows the task; training applies the loss to the logits.
OUTPUT_ACTIVATIONS: dict[str, Callable] = {
    "regression": lambda z: z,
    "binary": jax.nn.sigmoid,
    "multiclass": lambda z: jax.nn.softmax(z, axis=-1),
}
OUTPUT_NAMES = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}


def check_activation(name: str) -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; valid activations are {', '.join(ACTIVATIONS)}"
        )
    return name


def init_params(key, widths: Sequence[int]) -> list[tuple[jax.Array, jax.Array]]:
    """Glorot-uniform weights and zero biases (the Keras defaults of the original trainer)."""
    params = []
    keys = jax.random.split(key, len(widths) - 1)
    for layer_key, (n_in, n_out) in zip(keys, itertools.pairwise(widths)):
        limit = (6.0 / (n_in + n_out)) ** 0.5
        W = jax.random.uniform(layer_key, (n_in, n_out), jnp.float32, -limit, limit)
        params.append((W, jnp.zeros((n_out,), jnp.float32)))
    return params


# How a layer's ``a @ W`` is computed in training (see :func:`layout_for`): "dot" a matrix
# product; "bms" broadcast-multiply-sum ``(a[..., :, None] * W).sum(-2)``, which XLA fuses
# with its neighbours: faster on a CPU for tiny layers, where a dot is mostly call overhead.
LAYOUTS = ("dot", "bms")
BMS_MAX_WEIGHTS = 64  # the largest in * out of a layer "bms" is chosen for (measured)


def layout_for(widths: Sequence[int], members: int = 0) -> str:
    """The layer maths that trains this shape fastest (``bench/population.py`` measures
    both): "bms" for one network (or a population of one) whose every layer is tiny, else
    "dot" (vmapped over 16 or more ``members`` the elementwise form is 2-3x slower than the
    batched dot, as the issue's measurements found too).

    >>> layout_for([2, 5, 5, 1]), layout_for([2, 5, 5, 1], members=16), layout_for([64, 32, 10])
    ('bms', 'dot', 'dot')
    """
    tiny = all(a * b <= BMS_MAX_WEIGHTS for a, b in itertools.pairwise(widths))
    return "bms" if tiny and members <= 1 else "dot"


def dense(a, W, layout: str = "dot"):
    """``a @ W`` for ``a`` (..., in) and ``W`` (in, out), computed as ``layout`` says."""
    if layout == "bms":
        return (a[..., :, None] * W).sum(-2)
    return a @ W


def logits(params, X, activation: str, layout: str = "dot"):
    """The output layer's pre-activation z^(L)."""
    act = ACTIVATIONS[activation]
    a = X
    for k, (W, b) in enumerate(params):
        z = dense(a, W, layout) + b
        a = act(z) if k < len(params) - 1 else z
    return a


def forward_trace(params, X, activation: str, task: str):
    """Every layer's pre-activation ``z[k]`` and activation ``a[k]``; ``z[0] = a[0] = X``."""
    act = ACTIVATIONS[activation]
    zs, acts = [X], [X]
    for k, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        zs.append(z)
        acts.append(act(z) if k < len(params) - 1 else OUTPUT_ACTIVATIONS[task](z))
    return zs, acts


def loss_per_sample(params, X, y, activation: str, task: str, layout: str = "dot"):
    """MSE for regression, sigmoid / softmax cross-entropy on the logits for classification."""
    import optax

    z = logits(params, X, activation, layout)
    if task == "regression":
        return jnp.mean((z - y) ** 2, axis=-1)
    if task == "binary":
        return optax.sigmoid_binary_cross_entropy(z[:, 0], y.astype(z.dtype))
    return optax.softmax_cross_entropy_with_integer_labels(z, y)


def correct(params, X, y, activation: str, task: str):
    """1.0 where the predicted class equals the label (classification tasks)."""
    z = logits(params, X, activation)
    pred = (z[:, 0] > 0).astype(y.dtype) if task == "binary" else jnp.argmax(z, axis=-1)
    return (pred == y).astype(jnp.float32)
