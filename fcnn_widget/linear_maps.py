"""The float64 affine maps of activation patterns, and the small helpers the region maths
shares (:mod:`fcnn_widget.analysis` on grids, :mod:`fcnn_widget.regions` exactly).

>>> params = [(np.array([[1.0, -1.0]]), np.zeros(2)), (np.array([[2.0], [3.0]]), np.ones(1))]
>>> coef, intercept = _pattern_maps(params, np.array([[True, False]]), "relu")
>>> coef.tolist(), intercept.tolist()
([[[2.0]]], [[1.0]])
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import jax
import numpy as np

from .network import RELU_FAMILY

Pattern = list[np.ndarray]
Domain = tuple[tuple[float, float], tuple[float, float]]

# The slope of an "off" unit: jax.nn.leaky_relu's own default, so it cannot drift from training.
OFF_SLOPE: dict[str, float] = {
    "relu": 0.0,
    "leaky_relu": float(inspect.signature(jax.nn.leaky_relu).parameters["negative_slope"].default),
}
# How far the plots reach beyond the data on every side (the original ``plotModelEstimate``).
MARGIN = 1.0


def require_relu_family(activation: str, what: str) -> str:
    """``activation`` if it is piecewise linear (:data:`RELU_FAMILY`), else a ValueError."""
    if activation not in RELU_FAMILY:
        raise ValueError(
            f"{what} needs a ReLU-family activation ({', '.join(RELU_FAMILY)}), got "
            f"{activation!r}; for smooth activations use local_linearization"
        )
    return activation


def _float64_layers(params) -> list[tuple[np.ndarray, np.ndarray]]:
    layers = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]
    if not layers:
        raise ValueError("params must hold at least one (W, b) layer")
    n_in = layers[0][0].shape[0] if layers[0][0].ndim == 2 else None
    for k, (W, b) in enumerate(layers):
        if W.ndim != 2 or W.shape[0] != n_in or b.shape != (W.shape[1],):
            raise ValueError(
                f"layer {k}: W must have shape ({n_in}, out) and b shape (out,), "
                f"got W {W.shape} and b {b.shape}"
            )
        n_in = W.shape[1]
    return layers


def _check_domain(domain) -> np.ndarray:
    bounds = np.asarray(domain, np.float64)
    if bounds.shape != (2, 2) or not np.all(bounds[:, 0] < bounds[:, 1]):
        raise ValueError(f"domain must be ((x0, x1), (y0, y1)) with x0 < x1, y0 < y1, got {domain}")
    return bounds


def _pack(masks: Pattern, n_rows: int) -> np.ndarray:
    """A batch pattern as one row of bits per sample (n_rows, total hidden units)."""
    return np.concatenate(masks, axis=1) if masks else np.zeros((n_rows, 0), bool)


def _unpack(bits: np.ndarray, widths: Sequence[int]) -> Pattern:
    """One sample's row of bits back into one mask per hidden layer."""
    ends = np.cumsum(widths, dtype=int)
    return [bits[end - width : end] for width, end in zip(widths, ends)]


def _pattern_maps(params, bits: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`local_linear` for many patterns at once (rows of ``bits``, every hidden unit
    side by side): ``coef`` (R, d_in, d_out) and ``intercept`` (R, d_out), float64."""
    off = OFF_SLOPE[require_relu_family(activation, "local_linear")]
    layers = _float64_layers(params)
    d = layers[0][0].shape[0]
    coef = np.broadcast_to(np.eye(d), (len(bits), d, d))
    intercept = np.zeros((len(bits), d))
    masks = _unpack(bits.T, [W.shape[1] for W, _ in layers[:-1]])
    coef, intercept = _through(coef, intercept, *layers[0])
    for (W, b), mask in zip(layers[1:], masks):
        coef, intercept = _through(*_gated(coef, intercept, mask.T, off), W, b)
    return coef, intercept


def _through(coef, intercept, W, b) -> tuple[np.ndarray, np.ndarray]:
    """Maps of a layer's input (R, d, in), (R, in) to maps of its pre-activation (R, d, out),
    (R, out): one (R * (d + 1), in) @ (in, out) product (a stack of small ones is ~10x slower)."""
    R, d = coef.shape[:2]
    both = np.concatenate([coef, intercept[:, None, :]], axis=1).reshape(-1, W.shape[0]) @ W
    both = both.reshape(R, d + 1, W.shape[1])
    return both[:, :d], both[:, d] + b


def _gated(coef, intercept, on, off: float) -> tuple[np.ndarray, np.ndarray]:
    """Maps of pre-activations to maps of activations, units ``on`` (R, width) at slope 1 and
    the others at slope ``off``."""
    gain = np.where(on, 1.0, off)
    return coef * gain[:, None, :], intercept * gain


def _unique_rows(bits: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix, each one's first row index, every row's index
    into them and their counts (``np.unique(bits, axis=0, ...)`` in another order). Rows are
    packed to one integer key first: ``np.unique`` on rows sorts them as byte strings, ~10x
    slower, and this runs on every frame of a live fit.
    """
    packed = np.packbits(bits, axis=1)
    if packed.shape[1] <= 8:
        keys = np.zeros(len(bits), np.uint64)
        for column in packed.T:
            keys = (keys << np.uint64(8)) | column
    else:
        keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    return bits[first], first, inverse.reshape(-1), counts


def widened(domain: Domain) -> Domain:
    """A data domain widened by :data:`MARGIN` on every side: the plots' domain.

    >>> widened(((-2.0, 2.0), (0.0, 1.0)))
    ((-3.0, 3.0), (-1.0, 2.0))
    """
    (x0, x1), (y0, y1) = domain
    return (x0 - MARGIN, x1 + MARGIN), (y0 - MARGIN, y1 + MARGIN)
