"""Models from elsewhere as :class:`~fcnn_widget.FCNN`: recognised by duck typing, without
importing the library they come from.

:func:`as_fcnn` takes

- an :class:`FCNN` (returned as it is);
- a list of ``(W, b)`` pairs, NumPy or JAX, ``W`` shaped (in, out), with ``activation=``;
- Flax Linen parameters, ``{'params': {'Dense_0': {'kernel', 'bias'}, ...}}`` (or the inner
  dict), with ``activation=``;
- a Flax NNX module: an ``nnx.Sequential`` of ``nnx.Linear`` layers and activation functions,
  or any module whose ``nnx.Linear`` layers, in the order they were assigned, make the
  network (its activation is found by matching the module's own output, or given by
  ``activation=``);
- an Equinox ``eqx.nn.MLP``, or an ``eqx.nn.Sequential`` of ``Linear`` and ``Lambda`` layers;
- a PyTorch ``nn.Sequential`` of ``Linear`` layers and activation modules (``ReLU``,
  ``Sigmoid``, ``Tanh``, ``LeakyReLU`` with its default slope 0.01, ``ELU`` with alpha 1,
  ``GELU(approximate='tanh')``, ``Softplus``, ``Identity``; ``Dropout`` is skipped);
- a Keras ``Sequential`` of ``Dense`` layers (and activation and ``Dropout`` layers).

Every hidden layer must have the same activation, since an FCNN has one. The activation
after the last layer sets the task: sigmoid (one output) is ``binary``, softmax
``multiclass``; with none the output is read as logits, and the task follows the targets of
``samples`` if they are given (``regression`` otherwise). Activations are recognised by
their values on a set of probe points, so a look-alike with other constants (a leaky ReLU of
slope 0.2, the exact erf GELU) is refused by name rather than drawn wrong. A model that can
be run is run once on a few inputs, and its output checked against the FCNN's.

A model given as bare weights carries no data: its samples come from ``samples=``, an
``(X, y)`` pair, a :class:`~fcnn_widget.Dataset` or an array of inputs (read by
:mod:`fcnn_widget.samples`, as the widget reads them).

One module per library (``pytorch``, ``keras``, ``equinox``, ``flax``, ``weights``) reads its
models into layers; ``_layers`` makes the FCNN of them, ``_activations`` recognises
activation functions, ``_util`` holds what all share.

>>> import numpy as np
>>> from fcnn_widget import FCNN
>>> m = FCNN([3], dataset="prod")
>>> as_fcnn(m) is m
True
>>> W1, b1, W2, b2 = np.ones((2, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)
>>> model = as_fcnn([(W1, b1), (W2, b2)], activation="tanh")
>>> model.widths, model.activation, model.task, model.dataset is None
([2, 3, 1], 'tanh', 'regression', True)
>>> as_fcnn([(W1, b1), (W2, b2)], activation="relu", samples=(np.zeros((4, 2)), [0, 1, 1, 0])).task
'binary'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import network
from ..model import FCNN
from ..samples import Samples
from ._util import _library, _numpy, _type_name
from .equinox import _from_equinox
from .flax import _from_nnx, _linen_pairs
from .keras import _from_keras
from .pytorch import _from_torch
from .weights import _from_weights, _is_weight_list

SUPPORTED = (
    "an FCNN, a list of (W, b) pairs with activation=, Flax Linen params or a Flax NNX module, "
    "an Equinox MLP or Sequential, a torch.nn.Sequential or a Keras Sequential"
)


def as_fcnn(model: Any, *, activation: str | None = None, samples: Samples = None) -> FCNN:
    """``model`` as an :class:`FCNN` (itself if it is one); see the module's doc for the
    kinds of model taken. ``samples`` (an ``(X, y)`` pair, a ``Dataset`` or inputs ``X``)
    become the data of a model that carries none; their targets pick the task of a model
    that ends in a plain linear layer.
    """
    if isinstance(model, FCNN):
        if activation is not None and activation != model.activation:
            raise ValueError(
                f"activation={activation!r} disagrees with the model's own {model.activation!r}; "
                "leave it out for an FCNN"
            )
        return model
    if activation is not None:
        network.check_activation(activation)
    library = _library(model)
    if library == "torch":
        return _from_torch(model, activation, samples)
    if library in ("keras", "tf_keras", "tensorflow"):
        return _from_keras(model, activation, samples)
    if library == "equinox":
        return _from_equinox(model, activation, samples)
    if library == "flax" and not isinstance(model, Mapping):
        return _from_nnx(model, activation, samples)
    if isinstance(model, Mapping):
        return _from_weights(_linen_pairs(model), activation, samples, "the Flax Linen params")
    if _is_weight_list(model):
        pairs = [(_numpy(W), _numpy(b)) for W, b in model]
        return _from_weights(pairs, activation, samples, "a list of (W, b)")
    if isinstance(model, (list, tuple)) and not model:
        raise ValueError("the list of (W, b) layers is empty: give at least one (W, b) pair")
    raise TypeError(f"FCNNWidget shows {SUPPORTED}; got {_type_name(model)}")
