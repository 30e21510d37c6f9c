"""PyTorch: an ``nn.Sequential`` of ``Linear`` layers and activation modules."""

from __future__ import annotations

import numpy as np

from ..model import FCNN
from ._activations import _identify
from ._layers import _Act, _Dense, _from_items
from ._util import _has_class, _numpy, _type_name

_TORCH_ACTIVATIONS = (
    "ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU(approximate='tanh'), Softplus, Identity, "
    "and Sigmoid or Softmax after the last Linear (Dropout is skipped)"
)


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
