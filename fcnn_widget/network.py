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
# with its neighbours. The "t" layouts hold a batch as (features, batch), the batch on the
# minor axis, so XLA's CPU loops run along the batch: "tbms" the broadcast-multiply-sum
# ``(W[:, :, None] * a[:, None, :]).sum(0)``, "tdot" ``W.T @ a`` (vmapped over a population's
# members, a dot_general with the member axis as its batch dimension).
LAYOUTS = ("dot", "bms", "tdot", "tbms")
TRANSPOSED = ("tdot", "tbms")  # layouts whose activations are (features, batch)
# Of these, the layouts whose regression targets come (out, batch) too (measured: for "tbms"
# a transposed loss lets XLA lay the whole step out along the batch; vmapped "tdot" is ~2x
# faster with (batch, out) targets and the logits transposed).
TRANSPOSED_TARGETS = ("tbms",)
BMS_MAX_WEIGHTS = 64  # the largest in * out of a layer "tbms" is chosen for (measured)


def layout_for(widths: Sequence[int], members: int = 0) -> str:
    """The layer maths that trains this shape fastest (``bench/population.py --layouts``
    measures every one): "tbms" for one network (or a population of one) whose every layer
    is tiny, "tdot" for a population of two or more (vmapped, the elementwise forms are 5-7x
    slower than the batched dot), and "dot" for a lone network with a large layer.

    >>> layout_for([2, 5, 5, 1]), layout_for([2, 5, 5, 1], members=16), layout_for([64, 32, 10])
    ('tbms', 'tdot', 'dot')
    """
    if members > 1:
        return "tdot"
    tiny = all(a * b <= BMS_MAX_WEIGHTS for a, b in itertools.pairwise(widths))
    return "tbms" if tiny else "dot"


def dense(a, W, layout: str = "dot"):
    """``a @ W`` for ``a`` (..., in) and ``W`` (in, out), computed as ``layout`` says; for a
    layout of :data:`TRANSPOSED` ``a`` is (in, batch) and so is the result (out, batch)."""
    if layout == "bms":
        return (a[..., :, None] * W).sum(-2)
    if layout == "tbms":
        return (W[:, :, None] * a[..., :, None, :]).sum(-3)
    if layout == "tdot":
        return W.T @ a
    return a @ W


def logits(params, X, activation: str, layout: str = "dot"):
    """The output layer's pre-activation z^(L): (batch, out) for ``X`` (batch, in), or
    (out, batch) for ``X`` (in, batch) with a layout of :data:`TRANSPOSED`."""
    act = ACTIVATIONS[activation]
    a = X
    column = layout in TRANSPOSED
    for k, (W, b) in enumerate(params):
        z = dense(a, W, layout) + (b[:, None] if column else b)
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
    """MSE for regression, sigmoid / softmax cross-entropy on the logits for classification.
    ``X`` is (batch, in), or (in, batch) for a layout of :data:`TRANSPOSED`; regression
    targets ``y`` are (batch, out), or (out, batch) for :data:`TRANSPOSED_TARGETS`; class
    labels are (batch,)."""
    import optax

    z = logits(params, X, activation, layout)
    if layout in TRANSPOSED_TARGETS and task == "regression":
        return jnp.mean((z - y) ** 2, axis=0)
    if layout in TRANSPOSED:
        z = z.T
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
