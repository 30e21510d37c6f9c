"""From the layers read from a model to an :class:`~fcnn_widget.FCNN`: one activation for
all hidden layers, the last one giving the task, the data from ``samples``
(:mod:`fcnn_widget.samples`), checked against the model's own output."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import network
from .. import samples as given
from ..model import FCNN
from ._activations import _close
from ._util import _numpy


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
    X = _probe_inputs(pairs[0][0].shape[0], given.inputs(samples))
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
    dataset, task = given.dataset_for(samples, n_in, n_out, out_kind)
    model = FCNN.from_params(pairs, activation, dataset=dataset, task=task)
    if forward is not None:
        X = _probe_inputs(n_in, given.inputs(samples))
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
