"""Equinox: an ``eqx.nn.MLP``, or an ``eqx.nn.Sequential`` of ``Linear`` and ``Lambda`` layers."""

from __future__ import annotations

import numpy as np

from ..model import FCNN
from ._activations import _identify
from ._layers import _Act, _Dense, _from_items
from ._util import _has_class, _numpy, _type_name


def _from_equinox(model, activation, samples) -> FCNN:
    import jax

    if _has_class(model, "equinox", "MLP"):
        return _from_equinox_mlp(model, activation, samples)
    if not _has_class(model, "equinox", "Sequential"):
        raise TypeError(
            f"an Equinox model is taken as an eqx.nn.MLP or an eqx.nn.Sequential of Linear and "
            f"Lambda layers; got {_type_name(model)}"
        )
    items = []
    for i, layer in enumerate(model.layers):
        name = type(layer).__name__
        where = f"equinox {name} at position {i}"
        if _has_class(layer, "equinox", "Linear"):
            items.extend(_equinox_linear(layer, i))
        elif _has_class(layer, "equinox", "Lambda"):
            items.append(_Act(_identify(lambda x, f=layer.fn: f(x[0])[None], where), where))
        elif not _has_class(layer, "equinox", "Module") and callable(layer):
            items.append(_Act(_identify(lambda x, f=layer: f(x[0])[None], where), where))
        elif not _has_class(layer, "equinox", "Identity"):
            raise ValueError(
                f"{_type_name(layer)} at position {i} is not supported; fcnn-widget draws "
                "Linear layers with element-wise activations (as eqx.nn.Lambda)"
            )
    return _from_items(
        items, activation, samples, "the equinox Sequential", lambda X: jax.vmap(model)(X)
    )


def _from_equinox_mlp(model, activation, samples) -> FCNN:
    import jax

    denses = [d for i, layer in enumerate(model.layers) for d in _equinox_linear(layer, i)]
    between = _equinox_activation(model.activation, "the MLP's activation")
    items = [denses[0]]
    for dense in denses[1:]:
        items += [between, dense]
    items.append(
        _equinox_activation(
            model.final_activation,
            "the MLP's final_activation (which equinox applies to each output on its own)",
        )
    )

    def forward(X):
        out = jax.vmap(model)(X[:, 0] if model.in_size == "scalar" else X)
        return np.asarray(out).reshape(len(X), -1)

    return _from_items(items, activation, samples, "the equinox MLP", forward)


def _equinox_linear(layer, position) -> list[_Dense]:
    """An equinox Linear (``weight`` (out, in)) as one dense layer, or a stack of them (an
    MLP built with ``scan=True``: ``weight`` (k, out, in)) as k."""
    weight = _numpy(layer.weight)
    weights = weight[None] if weight.ndim == 2 else weight
    biases = (
        [None] * len(weights)
        if layer.bias is None
        else _numpy(layer.bias).reshape(len(weights), -1)
    )
    return [
        _Dense(
            W.T,
            np.zeros(W.shape[0], W.dtype) if b is None else b,
            f"equinox Linear {position}" + (f"[{k}]" if weight.ndim == 3 else ""),
        )
        for k, (W, b) in enumerate(zip(weights, biases))
    ]


def _equinox_activation(fn, where) -> _Act:
    import jax

    leaves = [x for x in jax.tree.leaves(fn) if hasattr(x, "shape")]
    if leaves:
        raise ValueError(f"{where} has learnt parameters; fcnn-widget draws fixed activations")
    # The MLP applies its activations to each unit on its own (a vmap over scalars).
    return _Act(_identify(lambda x: jax.vmap(fn)(x[0])[None], where), where)
