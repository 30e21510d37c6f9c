"""Recognising an activation function by its values on a set of probe points, so a
look-alike with other constants (a leaky ReLU of slope 0.2, the exact erf GELU) is refused by
name rather than drawn wrong."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .. import network
from ._util import _numpy

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
