"""Helpers of every adapter: which library a model comes from, its classes by name (the
library is never imported to recognise it), and its arrays as NumPy."""

from __future__ import annotations

import numpy as np


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
