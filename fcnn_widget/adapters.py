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
``(X, y)`` pair, a :class:`~fcnn_widget.Dataset` or an array of inputs.

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

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from . import network
from .datasets import Dataset
from .model import FCNN

SUPPORTED = (
    "an FCNN, a list of (W, b) pairs with activation=, Flax Linen params or a Flax NNX module, "
    "an Equinox MLP or Sequential, a torch.nn.Sequential or a Keras Sequential"
)
_TORCH_ACTIVATIONS = (
    "ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU(approximate='tanh'), Softplus, Identity, "
    "and Sigmoid or Softmax after the last Linear (Dropout is skipped)"
)
_KERAS_ACTIVATIONS = (
    "relu, sigmoid, tanh, linear, elu, softplus (as Dense activations or Activation, ReLU, ELU "
    "layers), and sigmoid or softmax on the last Dense (Dropout is skipped)"
)


@dataclass(frozen=True)
class _Dense:
    """A dense layer read from a model: ``W`` (in, out), ``b`` (out,)."""

    W: np.ndarray
    b: np.ndarray
    where: str


@dataclass(frozen=True)
class _Act:
    """An activation read from a model: a key of ``network.ACTIVATIONS`` or ``"softmax"``."""

    name: str
    where: str


def as_fcnn(model, *, activation: str | None = None, samples=None) -> FCNN:
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


# -- the kinds of model ---------------------------------------------------------------------------
def _from_weights(pairs, activation, samples, what) -> FCNN:
    if len(pairs) > 1 and activation is None:
        raise ValueError(
            f"{what} carries no activation function: pass activation= "
            f"(one of {', '.join(network.ACTIVATIONS)})"
        )
    return _build(pairs, activation or "linear", None, samples, what)


def _from_torch(model, activation, samples) -> FCNN:
    import torch

    if not _has_class(model, "torch.nn", "Sequential"):
        raise TypeError(
            f"a PyTorch model is taken as a torch.nn.Sequential of Linear layers and "
            f"activations; got {_type_name(model)}. Wrap its layers in nn.Sequential, or pass "
            "[(W.T, b), ...] with activation="
        )
    modules = _torch_flatten(model)
    items = []
    for i, m in enumerate(modules):
        name = type(m).__name__
        where = f"torch.nn.{name} at position {i}"
        if not type(m).__module__.startswith("torch.nn"):
            name = None
        if name == "Linear":
            W = _numpy(m.weight).T
            b = np.zeros(W.shape[1], np.float32) if m.bias is None else _numpy(m.bias)
            items.append(_Dense(W, b, where))
        elif name in ("ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "GELU", "Softplus", "Softmax"):
            if name == "GELU" and m.approximate != "tanh":
                raise ValueError(
                    f"{where} is the exact (erf) GELU; fcnn-widget's gelu is the tanh "
                    "approximation (jax.nn.gelu's default): use nn.GELU(approximate='tanh')"
                )

            def apply(x, m=m):
                with torch.no_grad():
                    return m(torch.as_tensor(x)).numpy()

            items.append(_Act(_identify(apply, f"{where} ({m!r})"), where))
        elif name not in ("Identity", "Dropout"):
            raise ValueError(
                f"{_type_name(m)} at position {i} is not supported; fcnn-widget draws Linear "
                f"layers with element-wise activations: {_TORCH_ACTIVATIONS}"
            )
    linear = next((m for m in modules if _has_class(m, "torch.nn", "Linear")), None)

    def forward(X):
        weight = linear.weight
        training = model.training
        model.eval()
        try:
            with torch.no_grad():
                out = model(torch.as_tensor(X, dtype=weight.dtype, device=weight.device))
        finally:
            model.train(training)
        return _numpy(out)

    return _from_items(
        items, activation, samples, "the torch.nn.Sequential", forward if linear else None
    )


def _torch_flatten(model) -> list:
    out = []
    for m in model:
        if _has_class(m, "torch.nn", "Sequential"):
            out.extend(_torch_flatten(m))
        else:
            out.append(m)
    return out


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


def _from_nnx(model, activation, samples) -> FCNN:
    if not _has_class(model, "flax.nnx", "Module"):
        raise TypeError(
            f"a Flax model is taken as an NNX module or Linen params; got {_type_name(model)}"
        )
    if _has_class(model, "flax.nnx", "Sequential"):
        items = []
        for i, layer in enumerate(model.layers):
            where = f"flax.nnx.Sequential item {i}"
            if _has_class(layer, "flax.nnx", "Linear"):
                items.append(_nnx_dense(layer, where))
            elif _has_class(layer, "flax.nnx", "Module"):
                raise ValueError(
                    f"{_type_name(layer)} at {where} is not supported; fcnn-widget draws "
                    "nnx.Linear layers with element-wise activation functions"
                )
            elif callable(layer):
                items.append(_Act(_identify(layer, where), where))
        return _from_items(items, activation, samples, "the nnx.Sequential", lambda X: model(X))
    layers = _nnx_linears(model, "")
    if not layers:
        raise ValueError(f"found no nnx.Linear layers in {_type_name(model)}")
    return _from_opaque(layers, activation, samples, _type_name(model), lambda X: model(X))


def _nnx_dense(layer, where) -> _Dense:
    W = _numpy(layer.kernel)
    b = np.zeros(W.shape[1], W.dtype) if layer.bias is None else _numpy(layer.bias)
    return _Dense(W, b, where)


def _nnx_linears(node, path) -> list[_Dense]:
    """The nnx.Linear layers under ``node`` in the order its attributes were assigned."""
    from flax import nnx

    if _has_class(node, "flax.nnx", "Linear"):
        return [_nnx_dense(node, f"nnx.Linear {path!r}")]
    if isinstance(node, Mapping):
        children = list(node.items())
    elif isinstance(node, (list, tuple)) or _has_class(node, "flax.nnx", "List"):
        children = list(enumerate(node))
    elif _has_class(node, "flax.nnx", "Module"):
        if type(node).__module__.startswith("flax.") and not _has_class(
            node, "flax.nnx", "Sequential"
        ):
            if nnx.state(node, nnx.Param):
                raise ValueError(
                    f"{_type_name(node)} at {path!r} is not supported; fcnn-widget draws "
                    "nnx.Linear layers with one element-wise activation"
                )
            return []
        children = [(k, v) for k, v in vars(node).items() if not str(k).startswith("_")]
    else:
        return []
    out = []
    for key, child in children:
        out.extend(_nnx_linears(child, f"{path}.{key}" if path else str(key)))
    return out


def _linen_pairs(params) -> list[tuple[np.ndarray, np.ndarray]]:
    """The Dense layers of Flax Linen params, in the order of their names' numbers."""
    if "params" in params and isinstance(params["params"], Mapping):
        params = params["params"]
    pairs: list = []
    _linen_walk(params, "", pairs)
    if not pairs:
        raise ValueError(
            "a dict is read as Flax Linen params, {'params': {'Dense_0': {'kernel': ..., "
            "'bias': ...}, ...}}, but it holds no Dense kernels"
        )
    return _chained(pairs)


def _chained(pairs: list) -> list:
    """``pairs`` in the order of their names if their shapes chain, else in the one order
    that does (Linen numbers layers as they are built: ``Dense(1)(Dense(4)(x))`` builds the
    outer one first); an error if there is none or more than one."""
    if all(a[0].shape[1] == b[0].shape[0] for a, b in zip(pairs, pairs[1:])):
        return pairs
    found: list[list[int]] = []

    def extend(order):
        if len(found) > 1:
            return
        if len(order) == len(pairs):
            found.append(order)
            return
        for k in range(len(pairs)):
            if k not in order and (
                not order or pairs[order[-1]][0].shape[1] == pairs[k][0].shape[0]
            ):
                extend([*order, k])

    if len(pairs) <= 8:  # a search over orders: only for small networks
        extend([])
    shapes = ", ".join(f"{tuple(W.shape)}" for W, _ in pairs)
    if len(found) != 1:
        why = "no order of them chains" if not found else "their shapes chain in several orders"
        raise ValueError(
            f"the Dense kernels of the Flax Linen params, {shapes} in the order of their names, "
            f"do not chain and {why}: pass [(W, b), ...] in order with activation="
        )
    return [pairs[k] for k in found[0]]


def _linen_walk(node, path, pairs) -> None:
    if "kernel" in node:
        W = _numpy(node["kernel"])
        if W.ndim != 2 or set(node) - {"kernel", "bias"}:
            raise ValueError(
                f"Flax params {path!r} are not a Dense layer (kernel {W.shape}, entries "
                f"{sorted(node)}); fcnn-widget draws Dense layers only"
            )
        b = _numpy(node["bias"]) if "bias" in node else np.zeros(W.shape[1], W.dtype)
        pairs.append((W, b))
        return
    keys = list(node)
    if all(re.fullmatch(r".*_\d+", str(k)) for k in keys):
        keys.sort(key=lambda k: (str(k).rsplit("_", 1)[0], int(str(k).rsplit("_", 1)[1])))
    for key in keys:
        child = node[key]
        where = f"{path}/{key}" if path else str(key)
        if not isinstance(child, Mapping):
            raise ValueError(
                f"Flax params {where!r} are not a Dense layer; fcnn-widget draws Dense layers only"
            )
        _linen_walk(child, where, pairs)


# -- from layers to an FCNN ------------------------------------------------------------------------
def _from_items(items, activation, samples, what, forward) -> FCNN:
    """An FCNN from a model's layers and activations in order: one activation for all hidden
    layers, the last activation giving the task; checked against the model's own output."""
    items = [it for it in items if not (isinstance(it, _Act) and it.name == "linear")]
    if not items or not any(isinstance(it, _Dense) for it in items):
        raise ValueError(f"{what} holds no dense (Linear) layer")
    if isinstance(items[0], _Act):
        raise ValueError(f"{items[0].where} comes before the first dense layer")
    layers: list[tuple[_Dense, _Act | None]] = []
    for it in items:
        if isinstance(it, _Dense):
            layers.append((it, None))
        elif layers[-1][1] is not None:
            raise ValueError(
                f"{it.where} follows {layers[-1][1].where} directly; fcnn-widget draws one "
                "activation per layer"
            )
        else:
            layers[-1] = (layers[-1][0], it)
    hidden = [(act.name if act else "linear", act, dense) for dense, act in layers[:-1]]
    for name, act, _ in hidden:
        if name == "softmax":
            raise ValueError(
                f"{act.where} is a softmax, which is not element-wise: it can only end the network"
            )
    names = sorted({name for name, _, _ in hidden})
    if len(names) > 1:
        uses = "; ".join(
            f"hidden layer {k} ({dense.where}) uses {name}"
            for k, (name, _, dense) in enumerate(hidden, start=1)
        )
        raise ValueError(
            f"{what} mixes activations ({uses}); an FCNN has one activation for all its "
            "hidden layers"
        )
    found = names[0] if names else None
    if activation is not None and found is not None and activation != found:
        raise ValueError(
            f"activation={activation!r} disagrees with the model's own {found!r}; leave it out"
        )
    final = layers[-1][1]
    out_kind = None
    if final is not None:
        out_kind = {"sigmoid": "binary", "softmax": "multiclass"}.get(final.name)
        if out_kind is None:
            raise ValueError(
                f"{final.where} after the last dense layer is a {final.name}; an FCNN's output "
                "is linear (regression or logits), sigmoid (binary) or softmax (multiclass)"
            )
    pairs = [(dense.W, dense.b) for dense, _ in layers]
    return _build(pairs, found or activation or "linear", out_kind, samples, what, forward)


def _from_opaque(layers: list[_Dense], activation, samples, what, forward) -> FCNN:
    """An FCNN from a model's dense layers whose activations are not to be read: the
    activation and output that reproduce the model's own output."""
    pairs = [(d.W, d.b) for d in layers]
    _check_chain(pairs, [d.where for d in layers], what)
    n_out = pairs[-1][0].shape[1]
    X = _probe_inputs(pairs[0][0].shape[0], _samples_X(samples))
    theirs = _run(forward, X, n_out)
    if len(pairs) == 1:
        candidates = [activation or "linear"]
    else:
        candidates = [activation] if activation else list(network.ACTIVATIONS)
    outs = [None, "binary" if n_out == 1 else "multiclass"]
    params = [(np.asarray(W, np.float32), np.asarray(b, np.float32)) for W, b in pairs]
    for name in candidates:
        for out_kind in outs:
            zs, acts = network.forward_trace(params, X, name, out_kind or "regression")
            if theirs is not None and _close(
                np.asarray(zs[-1] if out_kind is None else acts[-1]), theirs
            ):
                return _build(pairs, name, out_kind, samples, what)
    shapes = ", ".join(f"{d.where} {d.W.shape[0]}->{d.W.shape[1]}" for d in layers)
    tried = f"activation {activation!r}" if activation else "any one activation"
    raise ValueError(
        f"could not reproduce the output of {what} from its nnx.Linear layers in the order they "
        f"were assigned ({shapes}) with {tried}: its __call__ does more than that. Use "
        "nnx.Sequential, or pass [(W, b), ...] with activation="
    )


def _build(pairs, activation, out_kind, samples, what, forward=None) -> FCNN:
    pairs = [(np.asarray(W), np.asarray(b)) for W, b in pairs]
    _check_chain(pairs, [f"layer {k}" for k in range(len(pairs))], what)
    n_in, n_out = pairs[0][0].shape[0], pairs[-1][0].shape[1]
    if out_kind == "binary" and n_out != 1:
        raise ValueError(
            f"{what} ends in a sigmoid over {n_out} outputs (multi-label); an FCNN's binary "
            "task has one output unit"
        )
    dataset, task = _data_for(samples, n_in, n_out, out_kind)
    model = FCNN.from_params(pairs, activation, dataset=dataset, task=task)
    if forward is not None:
        X = _probe_inputs(n_in, _samples_X(samples))
        theirs = _run(forward, X, n_out)
        trace = model.trace(X)
        ours = trace.z[-1] if out_kind is None else trace.a[-1]
        if theirs is None or not _close(ours, theirs):
            diff = "a different shape" if theirs is None else f"{np.abs(ours - theirs).max():.3g}"
            raise ValueError(
                f"the FCNN read from {what} does not reproduce the model's own output "
                f"(largest difference {diff}); please report this model"
            )
    return model


def _data_for(samples, n_in, n_out, out_kind) -> tuple[Dataset | None, str]:
    """The dataset a model without data gets from ``samples``, and its task: the output
    activation's, else the targets' (labels that fit the outputs make a classification)."""
    if samples is None or not (
        isinstance(samples, Dataset) or isinstance(samples, tuple) and len(samples) == 2
    ):
        X = _samples_X(samples)
        if X is not None and (X.ndim not in (1, 2) or X.shape[-1] != n_in):
            raise ValueError(f"samples must have shape (n, {n_in}) for this model, got {X.shape}")
        return None, out_kind or "regression"
    if isinstance(samples, Dataset):
        data = samples
        if out_kind is None and data.task == "binary" and n_out > 1:
            data = replace(data, task="multiclass")
    else:
        X, y = samples
        data = Dataset.from_arrays(X, y, task=out_kind)
        if out_kind is None and data.task != "regression":
            if data.task == "multiclass" or n_out > 1:
                fits = n_out > 1 and int(data.y.max()) < n_out
                data = Dataset.from_arrays(X, y, task="multiclass" if fits else "regression")
    if data.n_inputs != n_in:
        raise ValueError(
            f"samples have {data.n_inputs} input columns but the model takes {n_in} inputs"
        )
    return data, data.task


def _check_chain(pairs, names, what) -> None:
    for k, (W, b) in enumerate(pairs):
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"{what}: {names[k]} has W {W.shape} and b {b.shape}")
        if 0 in W.shape:
            raise ValueError(
                f"{what}: {names[k]} has W {W.shape}; every layer needs at least 1 input and "
                "1 output unit"
            )
        if k and pairs[k - 1][0].shape[1] != W.shape[0]:
            raise ValueError(
                f"{what}: {names[k - 1]} has {pairs[k - 1][0].shape[1]} outputs but "
                f"{names[k]} takes {W.shape[0]} inputs (W {W.shape})"
            )


# -- recognising activations ------------------------------------------------------------------------
_PROBE = np.concatenate(
    [np.linspace(-6.0, 6.0, 25), [-2.7, -1.3, -0.45, -0.05, 0.05, 0.3, 1.1, 2.7]]
).astype(np.float32)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


# Reference values of the activations an FCNN draws (float64), and of softmax for the end.
_REFERENCE: dict[str, Callable] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "gelu": _gelu_tanh,
    "softplus": lambda x: np.logaddexp(0.0, x),
    "softmax": lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
}
# Look-alikes, named in the error.
_LOOKALIKES: dict[str, Callable] = {
    "the exact (erf) GELU; fcnn-widget's gelu is the tanh approximation "
    "(jax.nn.gelu's default, torch's GELU(approximate='tanh'))": lambda x: (
        0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    ),
    "SiLU (swish), which fcnn-widget does not draw": lambda x: x * _sigmoid(x),
    "log-softmax; end the network in a softmax, or in no activation (logits)": lambda x: (
        x - x.max() - np.log(np.exp(x - x.max()).sum())
    ),
}


def _identify(apply: Callable, where: str) -> str:
    """Which activation ``apply`` computes, from its values at :data:`_PROBE` (given as a
    (1, k) float32 array): a key of :data:`_REFERENCE`, or a ValueError naming it."""
    x = _PROBE.astype(np.float64)
    try:
        y = np.asarray(_numpy(apply(_PROBE[None])), np.float64).reshape(-1)
    except Exception as e:  # any failure means "not an activation we know"
        raise ValueError(f"{where} could not be evaluated as an activation: {e}") from None
    if y.shape != x.shape:
        raise ValueError(f"{where} is not element-wise (it maps {x.shape} to {y.shape})")
    for name, ref in _REFERENCE.items():
        if _close(y, ref(x), tight=True):
            return name
    for text, ref in _LOOKALIKES.items():
        if _close(y, ref(x), tight=True):
            raise ValueError(f"{where} computes {text}")
    pos, neg = x > 0, x < 0
    slope, alpha = y[0] / x[0], y[0] / np.expm1(x[0])  # x[0] = -6
    if _close(y[pos], x[pos]) and _close(y[neg], slope * x[neg]):
        raise ValueError(
            f"{where} computes a leaky ReLU with negative slope {slope:.3g}; fcnn-widget's "
            "leaky_relu has slope 0.01 (jax.nn.leaky_relu's default)"
        )
    if _close(y[pos], x[pos]) and _close(y[neg], alpha * np.expm1(x[neg])):
        raise ValueError(
            f"{where} computes an ELU with alpha {alpha:.3g}; fcnn-widget's elu has alpha 1"
        )
    raise ValueError(
        f"{where} computes none of the activations fcnn-widget draws "
        f"({', '.join(network.ACTIVATIONS)}, and sigmoid or softmax at the end)"
    )


def _close(a, b, tight: bool = False) -> bool:
    """Equal up to float32 rounding: of one activation (``tight``), or of a whole network."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.abs(b).max(initial=0.0)))
    rtol, atol = (1e-5, 1e-6) if tight else (1e-4, 1e-5)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol * scale))


# -- helpers ------------------------------------------------------------------------------------------
def _library(model) -> str:
    """The top-level package of ``model``'s class (or of any class it derives from)."""
    for cls in type(model).__mro__:
        top = cls.__module__.split(".")[0]
        if top in ("torch", "keras", "tf_keras", "tensorflow", "equinox", "flax"):
            return top
    return type(model).__module__.split(".")[0]


def _has_class(obj, prefixes, name: str) -> bool:
    """Whether a class named ``name`` from a module under ``prefixes`` is in ``obj``'s MRO."""
    prefixes = (prefixes,) if isinstance(prefixes, str) else tuple(prefixes)
    return any(
        cls.__name__ == name and (cls.__module__ + ".").startswith(tuple(p + "." for p in prefixes))
        for cls in type(obj).__mro__
    )


def _type_name(obj) -> str:
    cls = type(obj)
    module = cls.__module__
    if module.startswith("torch.nn.modules"):
        module = "torch.nn"
    elif module.startswith("flax.nnx"):
        module = "flax.nnx"
    elif module.startswith(("keras.src", "equinox.")):
        module = module.split(".")[0]
    return f"{module}.{cls.__name__}" if module != "builtins" else cls.__name__


def _numpy(value) -> np.ndarray:
    """A NumPy array from a NumPy, JAX, torch or Keras array, or a Flax variable."""
    if hasattr(value, "detach"):  # torch
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        return value.numpy()
    if _has_class(value, "flax", "Variable"):
        value = value[...] if hasattr(value, "__getitem__") else value.value
    return np.asarray(value)


def _is_weight_list(model) -> bool:
    if not isinstance(model, (list, tuple)) or not model:
        return False
    return all(isinstance(p, (list, tuple)) and len(p) == 2 for p in model)


def _samples_X(samples) -> np.ndarray | None:
    if samples is None:
        return None
    if isinstance(samples, Dataset):
        return samples.X
    if isinstance(samples, tuple) and len(samples) == 2:
        return np.asarray(samples[0], np.float32)
    return np.asarray(samples, np.float32)


def _probe_inputs(n_in: int, X=None) -> np.ndarray:
    """A few inputs to run a model on: the first samples given and some random points."""
    probe = np.random.default_rng(0).normal(0.0, 2.0, size=(16, n_in)).astype(np.float32)
    if X is not None and X.ndim == 2 and X.shape[1] == n_in:
        probe = np.concatenate([np.asarray(X[:16], np.float32), probe])
    return probe


def _run(forward, X, n_out) -> np.ndarray | None:
    """The model's own output on ``X`` as (n, n_out) float64, or None if it has another shape."""
    out = np.asarray(_numpy(forward(X)), np.float64)
    if out.size != len(X) * n_out:
        return None
    return out.reshape(len(X), n_out)
