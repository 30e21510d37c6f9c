"""Keras: a ``Sequential`` of ``Dense`` layers (and activation and ``Dropout`` layers)."""

from __future__ import annotations

import numpy as np

from ..model import FCNN
from ._activations import _identify
from ._layers import _Act, _Dense, _from_items
from ._util import _has_class, _numpy, _type_name

_KERAS_ACTIVATIONS = (
    "relu, sigmoid, tanh, linear, elu, softplus (as Dense activations or Activation, ReLU, ELU "
    "layers), and sigmoid or softmax on the last Dense (Dropout is skipped)"
)


def _from_keras(model, activation, samples) -> FCNN:
    if not _has_class(model, ("keras", "tf_keras", "tensorflow"), "Sequential"):
        raise TypeError(
            f"a Keras model is taken as a Sequential of Dense layers; got {_type_name(model)}"
        )
    items = []
    for i, layer in enumerate(model.layers):
        name = type(layer).__name__
        where = f"Keras {name} layer {i} ({layer.name!r})"
        if name == "Dense":
            weights = [_numpy(getattr(v, "value", v)) for v in layer.weights]
            if not weights:
                raise ValueError(
                    "the Keras model has no weights yet: build it first, e.g. "
                    "model.build((None, n_inputs)), or call it on data"
                )
            W = np.asarray(weights[0])
            b = np.asarray(weights[1]) if len(weights) > 1 else np.zeros(W.shape[1], W.dtype)
            items.append(_Dense(W, b, where))
            fn = layer.activation
            items.append(_Act(_identify(lambda x, fn=fn: _numpy(fn(x)), where), where))
        elif name in ("Activation", "ReLU", "LeakyReLU", "ELU", "Softmax"):
            items.append(_Act(_identify(lambda x, f=layer: _numpy(f(x)), where), where))
        elif name not in ("Dropout", "InputLayer"):
            raise ValueError(
                f"{where} is not supported; fcnn-widget draws Dense layers with element-wise "
                f"activations: {_KERAS_ACTIVATIONS}"
            )

    def forward(X):
        return _numpy(model(X, training=False))

    return _from_items(items, activation, samples, "the Keras Sequential", forward)
