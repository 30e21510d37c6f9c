"""Flax: an NNX module (an ``nnx.Sequential``, or any module whose ``nnx.Linear`` layers in
the order they were assigned make the network) and Linen parameters."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from ..model import FCNN
from ._activations import _identify
from ._layers import _Act, _Dense, _from_items, _from_opaque
from ._util import _has_class, _numpy, _type_name


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
