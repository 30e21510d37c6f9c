"""Toy datasets on the square [-2, 2]^2, and validation of a user's own arrays.

The twelve formulas of the original trainer (``trainFCNN``) plus TensorFlow Playground's
``spiral`` and ``gauss``.

>>> from fcnn_widget import datasets
>>> d = datasets.make("prod", n_points=100, seed=1)
>>> d.X.shape, d.y.shape, d.task
((100, 2), (100,), 'regression')
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import files, limits

TASKS = ("regression", "binary", "multiclass")
MAX_SEED = 2**63 - 1  # JAX's random key takes a signed 64-bit seed
DOMAIN = ((-2.0, 2.0), (-2.0, 2.0))


def _and(x1, x2):
    return (x1 > 0) & (x2 > 0)


def _or(x1, x2):
    return (x1 > 0) | (x2 > 0)


def _quadrants(x1, x2):
    q = np.floor(2 * (np.arctan2(x2, x1) / np.pi + 1))
    return np.minimum(q, 3)  # atan2 == pi gives 4: fold it into the third quadrant


# name -> (formula of x1, x2, task, number of classes)
_FORMULAS: dict[str, tuple[Callable, str, int]] = {
    "and": (_and, "binary", 2),
    "or": (_or, "binary", 2),
    "xor": (lambda x1, x2: x1 * x2 > 0, "binary", 2),
    "stripe": (lambda x1, x2: np.abs(x1 - x2) <= 1, "binary", 2),
    "square": (lambda x1, x2: np.abs(x1) + np.abs(x2) <= 1, "binary", 2),
    "circle": (lambda x1, x2: x1**2 + x2**2 <= 1, "binary", 2),
    "prod": (lambda x1, x2: x1 * x2 / 4, "regression", 0),
    "sumSquares": (lambda x1, x2: (x1**2 + x2**2) / 4, "regression", 0),
    "polynom": (lambda x1, x2: (x1**2 - 3 * x1 * x2 - x2**2) / 4, "regression", 0),
    "squares": (lambda x1, x2: np.floor(np.abs(x1) + np.abs(x2)), "multiclass", 4),
    "circles": (lambda x1, x2: np.floor((x1**2 + x2**2) / 2), "multiclass", 4),
    "quadrants": (_quadrants, "multiclass", 4),
}
_PLAYGROUND = ("spiral", "gauss")
NAMES: tuple[str, ...] = tuple(_FORMULAS) + _PLAYGROUND


@dataclass(frozen=True)
class Dataset:
    """Inputs ``X`` (n, d) float32 and targets ``y``: float32 (n,) or (n, m) for
    regression, int32 (n,) class labels for binary and multiclass tasks."""

    X: np.ndarray
    y: np.ndarray
    task: str
    n_classes: int = 0
    name: str = "custom"
    domain: tuple[tuple[float, float], ...] = DOMAIN
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    class_names: tuple[str, ...] | None = None  # a classifier's class names (None: 0..n-1)

    @property
    def n_inputs(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        """Width of the network's output layer for this task."""
        if self.task == "multiclass":
            return self.n_classes
        if self.task == "binary":
            return 1
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def __post_init__(self) -> None:
        # A Dataset built directly is checked as from_arrays checks one: arrays of the right
        # kind and shape, a known task, labels that fit its classes.
        if not isinstance(self.task, str) or self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; valid tasks are {', '.join(TASKS)}")
        X = _check_X(self.X, "X")
        y = _check_y(self.y, len(X), "y")
        n_classes = self.n_classes
        if self.task != "regression":
            y, n_classes = _coerce_targets(y, self.task, self.n_classes or None)
        else:
            y = y.astype(np.float32, copy=False)
        set_ = object.__setattr__  # frozen: the checked arrays replace what was given
        set_(self, "X", X)
        set_(self, "y", y)
        set_(self, "n_classes", n_classes if self.task != "regression" else 0)
        if self.class_names is not None:
            set_(self, "class_names", check_class_names(self.class_names, self.task, n_classes))
        if (self.X_test is None) != (self.y_test is None):
            raise ValueError("give both X_test and y_test, or neither")
        if self.X_test is not None:
            X_test = _check_X(self.X_test, "X_test")
            if X_test.shape[1] != X.shape[1]:
                raise ValueError(f"X_test has {X_test.shape[1]} columns but X has {X.shape[1]}")
            y_test = _check_y(self.y_test, len(X_test), "y_test")
            if self.task != "regression":
                y_test, _ = _coerce_targets(y_test, self.task, n_classes)
            else:
                y_test = y_test.astype(np.float32, copy=False)
            set_(self, "X_test", X_test)
            set_(self, "y_test", y_test)

    @classmethod
    def from_arrays(
        cls,
        X,
        y,
        task: str | None = None,
        *,
        name: str = "custom",
        X_test=None,
        y_test=None,
        class_names=None,
    ) -> Dataset:
        """Validate a user's own data and infer its task.

        Integer-valued targets with two values {0, 1} are ``binary``, with more values
        ``multiclass`` (labels 0..K-1); anything else is ``regression``.

        >>> import numpy as np
        >>> Dataset.from_arrays(np.zeros((4, 3)), [0, 1, 2, 1]).task
        'multiclass'
        """
        X = _check_X(X, "X")
        y = _check_y(y, len(X), "y")
        if task is None:
            task = _infer_task(y)
        if not isinstance(task, str) or task not in TASKS:
            raise ValueError(f"unknown task {task!r}; valid tasks are {', '.join(TASKS)}")
        y, n_classes = _coerce_targets(y, task)
        if X_test is not None or y_test is not None:
            if X_test is None or y_test is None:
                raise ValueError("give both X_test and y_test, or neither")
        lo, hi = X.min(axis=0), X.max(axis=0)
        domain = tuple((float(a), float(b)) for a, b in zip(lo, hi))
        return cls(
            X, y, task, n_classes, name, domain, X_test, y_test, class_names
        )  # checked again


def make(
    name: str,
    n_points: int = 2500,
    *,
    noise: float = 0.0,
    seed: int = 0,
    test_fraction: float = 0.0,
) -> Dataset:
    """Make one of :data:`NAMES`: x uniform on [-2, 2]^2 and its target.

    ``noise`` adds Gaussian noise of that standard deviation to the targets of regression
    sets and to the inputs of classification sets (after labelling, as TensorFlow Playground
    does). ``test_fraction`` holds out that share of the points as ``X_test``/``y_test``.

    >>> d = make("xor", n_points=10, test_fraction=0.2)
    >>> len(d), len(d.X_test)
    (8, 2)
    """
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; valid names are {', '.join(NAMES)}")
    n_points = _check_int(n_points, "n_points", minimum=1)
    if not _is_real(noise) or not (math.isfinite(noise) and noise >= 0):
        raise ValueError(
            f"noise must be a finite number >= 0 (a standard deviation), got {noise!r}"
        )
    if not _is_real(test_fraction) or not (0.0 <= test_fraction < 1.0):
        raise ValueError(
            f"test_fraction must be a number in [0, 1) (the share held out), got {test_fraction!r}"
        )
    seed = check_seed(seed)
    limits.check_points(n_points)
    rng = np.random.default_rng(seed)
    if name in _FORMULAS:
        formula, task, n_classes = _FORMULAS[name]
        X = rng.uniform(-2.0, 2.0, size=(n_points, 2))
        y = np.asarray(formula(X[:, 0], X[:, 1]))
    else:
        X, y = (_spiral if name == "spiral" else _gauss)(rng, n_points)
        task, n_classes = "binary", 2
    if noise > 0:
        if task == "regression":
            y = y + rng.normal(0.0, noise, size=y.shape)
        else:
            X = X + rng.normal(0.0, noise, size=X.shape)
    X = X.astype(np.float32)
    y = y.astype(np.float32) if task == "regression" else y.astype(np.int32)
    data = Dataset(X, y, task, n_classes, name)
    return split(data, test_fraction, seed=seed) if test_fraction > 0 else data


def check_class_names(names, task: str, n_classes: int) -> tuple[str, ...]:
    """A classifier's class names: one string per class, in label order.

    >>> check_class_names(["no", "yes"], "binary", 2)
    ('no', 'yes')
    >>> check_class_names(["a"], "multiclass", 3)
    Traceback (most recent call last):
    ...
    ValueError: class_names must name all 3 classes (labels 0..2), got 1 name: ['a']
    """
    if task == "regression":
        raise ValueError("class_names are for classifiers; this is a regression task")
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise ValueError(f"class_names must be a list of strings, got {names!r}")
    if not all(isinstance(n, str) for n in names):
        raise ValueError(f"class_names must be strings, got {list(names)!r}")
    if len(names) != n_classes:
        count = f"{len(names)} name" + ("" if len(names) == 1 else "s")
        raise ValueError(
            f"class_names must name all {n_classes} classes (labels 0..{n_classes - 1}), "
            f"got {count}: {list(names)!r}"
        )
    for n in names:
        files.check_xml_text(n, "class_names")
    return tuple(names)


def split(data: Dataset, test_fraction: float, *, seed: int = 0) -> Dataset:
    """Hold out a random ``test_fraction`` of ``data`` as its test set."""
    n_test = round(len(data) * test_fraction)
    if not 0 < n_test < len(data):
        raise ValueError(
            f"test_fraction={test_fraction} leaves {n_test} of {len(data)} points for testing"
        )
    order = np.random.default_rng([seed, 1]).permutation(len(data))
    test, train = order[:n_test], order[n_test:]
    return replace(data, X=data.X[train], y=data.y[train], X_test=data.X[test], y_test=data.y[test])


def _spiral(rng, n):
    # TensorFlow Playground's two spirals, scaled from its [-6, 6] plane to [-2, 2].
    half = n // 2
    X, y = [], []
    for label, delta, count in ((1, 0.0, half), (0, np.pi, n - half)):
        i = np.arange(count)
        r = i / max(count, 1) * 5
        t = 1.75 * i / max(count, 1) * 2 * np.pi + delta
        X.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1) * (2 / 6))
        y.append(np.full(count, label))
    return np.concatenate(X), np.concatenate(y)


def _gauss(rng, n):
    # Playground's two Gaussian blobs at (2, 2) and (-2, -2) of its plane, scaled to ours.
    half = n // 2
    centres = np.where(np.arange(n)[:, None] < half, 2.0, -2.0) * (2 / 6) * 2
    X = centres + rng.normal(0.0, 0.4, size=(n, 2))
    y = (np.arange(n) < half).astype(np.int32)
    return np.clip(X, -2, 2), y


def check_seed(seed) -> int:
    """A random seed: an integer in 0..2**63 - 1 (what JAX's random key takes)."""
    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or not 0 <= seed <= MAX_SEED
    ):
        raise ValueError(f"seed must be an integer >= 0 and < 2**63, got {seed!r}")
    return int(seed)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_int(value, what, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_X(X, what):
    if isinstance(X, np.ndarray) and X.dtype == np.float32:
        given = X
    else:
        try:
            given = np.asarray(X, dtype=np.float64)  # wide first: values float32 cannot hold
        except (TypeError, ValueError) as e:
            raise ValueError(f"{what} must be a numeric array of shape (n, d): {e}") from None
    with np.errstate(over="ignore"):
        X = given.astype(np.float32, copy=False)
    if X.ndim == 1:
        raise ValueError(
            f"{what} must be 2-D (n, d), got shape {X.shape}; use X[:, None] for one input"
        )
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{what} must be a non-empty 2-D array (n, d), got shape {X.shape}")
    bad = ~np.isfinite(X)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        value = given[row, col]
        if np.isfinite(value):
            raise ValueError(
                f"{what} holds {int(bad.sum())} values that overflow float32 (first {value:g} "
                f"at row {row}, column {col}); float32 holds magnitudes up to "
                f"{np.finfo(np.float32).max:.3g}: rescale the inputs (e.g. standardise them)"
            )
        raise ValueError(
            f"{what} holds {int(bad.sum())} non-finite values (first {value} at row {row}, column {col})"
        )
    return X


def _check_y(y, n, what):
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got dtype {y.dtype}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2) or y.shape[0] != n:
        raise ValueError(f"{what} must have shape ({n},) or ({n}, m) to match X, got {y.shape}")
    if not np.isfinite(y.astype(np.float64)).all():
        raise ValueError(f"{what} holds non-finite values (NaN or Inf)")
    return y


def _infer_task(y):
    if y.ndim == 2 or y.dtype.kind == "f" and not np.all(y == np.round(y)):
        return "regression"
    values = np.unique(y)
    if values.size <= 2 and set(values.tolist()) <= {0, 1}:
        return "binary"
    return "multiclass"


def _coerce_targets(y, task, n_classes=None):
    if task == "regression":
        return y.astype(np.float32), 0
    if y.ndim != 1 or not np.all(y == np.round(y)):
        raise ValueError(
            f"{task} targets must be integer labels 0..K-1 in one column, got "
            f"{'shape ' + str(y.shape) if y.ndim != 1 else 'non-integer values'}; for real "
            "values use task='regression'"
        )
    if y.min() < 0:
        values = np.unique(y)
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if values.size > 6 else "")
        hint = (
            "remap them to 0 and 1 with (y > 0).astype(int)"
            if values.size == 2
            else "remap them to 0..K-1 with np.unique(y, return_inverse=True)[1]"
        )
        raise ValueError(
            f"class labels must be integers >= 0 (0..K-1; 0 and 1 for binary), but y holds {shown}: "
            f"{hint}, "
            "or use task='regression' to fit the values as numbers"
        )
    limits.check_classes(y)
    labels = y.astype(np.int32)
    if task == "binary":
        if labels.max() > 1:
            raise ValueError(f"binary targets must be 0 or 1, got values up to {labels.max()}")
        return labels, 2
    if n_classes and labels.max() >= n_classes:
        raise ValueError(
            f"test labels go up to {labels.max()} but the training labels give {n_classes} "
            f"classes (0..{n_classes - 1})"
        )
    return labels, n_classes or int(labels.max()) + 1
