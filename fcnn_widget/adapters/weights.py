"""Plain weights: a list of ``(W, b)`` pairs, NumPy or JAX, ``W`` shaped (in, out)."""

from __future__ import annotations

from .. import network
from ..model import FCNN
from ._layers import _build


def _from_weights(pairs, activation, samples, what) -> FCNN:
    if len(pairs) > 1 and activation is None:
        raise ValueError(
            f"{what} carries no activation function: pass activation= "
            f"(one of {', '.join(network.ACTIVATIONS)})"
        )
    return _build(pairs, activation or "linear", None, samples, what)


def _is_weight_list(model) -> bool:
    if not isinstance(model, (list, tuple)) or not model:
        return False
    return all(isinstance(p, (list, tuple)) and len(p) == 2 for p in model)
