"""What a ``samples=`` argument is, decided in one place for everyone who takes one: the
widget and the exporters (the samples to show, :func:`to_show`) and the adapters (inputs to
check a model on, :func:`inputs`, and the data of a model that carries none,
:func:`dataset_for`).

``samples`` is ``None`` (the model's own data), a :class:`~fcnn_widget.Dataset`, an
``(X, y)`` pair, or inputs ``X`` alone.

>>> import numpy as np
>>> parse((np.zeros((4, 2)), [0, 1, 1, 0])).kind, parse(np.zeros((3, 2))).X.shape
('pair', (3, 2))
>>> X, y = to_show(np.ones(2), None, "regression")  # one input row, no targets
>>> X.shape, y
((1, 2), None)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from .datasets import Dataset

# What ``samples=`` takes, for the type hints of the public functions.
Samples = Dataset | tuple[ArrayLike, ArrayLike] | ArrayLike | None


@dataclass(frozen=True)
class Given:
    """A ``samples`` argument, classified: ``X`` are its inputs as float32 (as given: a 1-D
    array stays 1-D), ``pair`` the ``(X, y)`` it was, ``dataset`` the Dataset it was."""

    kind: Literal["none", "dataset", "pair", "inputs"]
    X: np.ndarray | None = None
    pair: tuple[Any, Any] | None = None
    dataset: Dataset | None = None


def parse(samples: Samples) -> Given:
    """Which kind of ``samples`` this is, and its inputs."""
    if samples is None:
        return Given("none")
    if isinstance(samples, Dataset):
        return Given("dataset", samples.X, dataset=samples)
    if isinstance(samples, tuple) and len(samples) == 2:
        return Given("pair", np.asarray(samples[0], np.float32), pair=samples)
    return Given("inputs", np.asarray(samples, np.float32))


def inputs(samples: Samples) -> np.ndarray | None:
    """The inputs of ``samples`` (None if there are none)."""
    return parse(samples).X


def to_show(
    samples: Samples, own: Dataset | None, task: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """The inputs (and targets, where known) to show of a model whose data is ``own`` and
    whose task is ``task``: its own data by default, else what ``samples`` gives."""
    given = parse(samples)
    if given.kind == "none":
        if own is None:
            raise ValueError(
                "samples= is required when the model carries no data: pass (X, y) or X"
            )
        return own.X, own.y
    if given.kind == "dataset":
        return given.dataset.X, given.dataset.y
    if given.kind == "pair":
        data = Dataset.from_arrays(*given.pair, task=task)
        return data.X, data.y
    X = given.X
    if X.size == 0:
        raise ValueError("samples is empty: give at least one input row")
    return (X[None] if X.ndim == 1 else X), None


def dataset_for(
    samples: Samples, n_in: int, n_out: int, out_kind: str | None
) -> tuple[Dataset | None, str]:
    """The dataset a model without data gets from ``samples``, and its task: the output
    activation's (``out_kind``), else the targets' (labels that fit the outputs make a
    classification)."""
    given = parse(samples)
    if given.kind in ("none", "inputs"):
        X = given.X
        if X is not None and (X.ndim not in (1, 2) or X.shape[-1] != n_in):
            raise ValueError(f"samples must have shape (n, {n_in}) for this model, got {X.shape}")
        return None, out_kind or "regression"
    if given.kind == "dataset":
        data = given.dataset
        if out_kind is None and data.task == "binary" and n_out > 1:
            data = replace(data, task="multiclass")
    else:
        X, y = given.pair
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
