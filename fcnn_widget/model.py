"""``FCNN``: a small fully connected network, its data, its training and its recorded history.

>>> from fcnn_widget import FCNN
>>> model = FCNN([4], "relu", dataset="prod", seed=0)
>>> history = model.fit(epochs=5)
>>> model.describe()
'2-4-1 relu, adam lr=0.005, 5 epochs, batch 100, 10 linear regions'
>>> trace = model.trace(model.dataset.X[:3])
>>> [a.shape for a in trace.a]
[(3, 2), (3, 4), (3, 1)]
"""

from __future__ import annotations

import functools
import sys
import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import datasets, limits, network, training
from . import history as history_mod
from .datasets import Dataset
from .training import History, TrainingBusy, TrainingDiverged

__all__ = ["FCNN", "Trace", "TrainingBusy", "TrainingDiverged", "as_dataset"]

Params = list[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Trace:
    """Every layer's values for a batch of inputs (the original ``nn_vars``): ``z[k]`` the
    pre-activation and ``a[k]`` the activation of layer k, k = 0 (input, ``z[0] = a[0] = X``)
    to L (output, ``a[L]`` the prediction)."""

    z: list[np.ndarray]
    a: list[np.ndarray]


class FCNN:
    """A fully connected network: ``dims`` are the hidden widths; the input and output widths
    and the output activation (identity, sigmoid, softmax) come from the dataset's task.

    ``dataset`` is a name of :data:`fcnn_widget.datasets.NAMES`, a :class:`Dataset` or an
    ``(X, y)`` pair. :meth:`from_params` makes one from given weights, with or without data.
    """

    def __init__(
        self,
        dims: Sequence[int],
        activation: str = "relu",
        *,
        dataset: str | Dataset | tuple = "prod",
        seed: int = 0,
    ) -> None:
        self._setup(dims, activation, as_dataset(dataset), seed, None)

    def _setup(self, dims, activation, data, seed, params) -> None:
        self.dims = _check_dims(dims)
        self.activation = network.check_activation(activation)
        self.dataset = data
        self.seed = datasets.check_seed(seed)
        self.widths = [data.n_inputs, *self.dims, data.n_outputs]
        limits.check_model(self.widths)
        if params is None:
            params = network.init_params(jax.random.key(self.seed), self.widths)
        # The history's record holds the parameters too: one commit changes both.
        self.history = History(params)
        self.last_settings: training.Settings | None = None
        self._stop_requested = False
        self._claims: dict[str, training.FitClaim] = {}  # "fit" -> the running fit's claim
        self._listeners: list = []  # weak references: a closed widget must not stay alive
        self.progress: training.Progress | None = None  # of the running or last fit

    @classmethod
    def from_params(
        cls,
        params,
        activation: str = "relu",
        *,
        dataset: str | Dataset | tuple | None = None,
        task: str | None = None,
        seed: int = 0,
    ) -> FCNN:
        """An FCNN with the given weights ``[(W, b), ...]`` (``W`` shaped (in, out), NumPy or
        JAX), the widths read from their shapes.

        ``dataset`` may be None: the model then carries no data (``task`` defaults to
        ``"regression"``), shows the samples it is given and cannot :meth:`fit`.

        >>> import numpy as np
        >>> m = FCNN.from_params([(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 1)), np.zeros(1))])
        >>> m.widths, m.task, m.dataset is None
        ([2, 3, 1], 'regression', True)
        >>> m.predict([[1.0, 2.0]]).tolist()
        [[9.0]]
        """
        limits.check_param_shapes(params)  # before any copy of weights too big to hold
        layers = _check_params(params)
        widths = [int(layers[0][0].shape[0])] + [int(W.shape[1]) for W, _ in layers]
        data = None if dataset is None else as_dataset(dataset)
        if task is None:
            task = "regression" if data is None else data.task
        data = _check_task(task, widths, data)
        placeholder = Dataset(
            np.zeros((1, widths[0]), np.float32),
            np.zeros((1, widths[-1]), np.float32),
            "regression",
        )
        model = cls.__new__(cls)
        model._setup(widths[1:-1], activation, placeholder if data is None else data, seed, layers)
        model.dataset, model._task = data, task
        return model

    # -- reading the network ------------------------------------------------------------
    @property
    def task(self) -> str:
        return self._task if self.dataset is None else self.dataset.task

    @property
    def n_classes(self) -> int:
        """Classes of a multiclass (its output width) or binary (2) task, 0 for regression."""
        if self.dataset is not None:
            return self.dataset.n_classes
        return {"regression": 0, "binary": 2}.get(self.task, self.widths[-1])

    @property
    def params(self) -> Params:
        """``[(W, b), ...]`` per layer, ``W`` shaped (in, out) — the original ``nn_prms``."""
        return [(np.asarray(W), np.asarray(b)) for W, b in self._params]

    @property
    def _params(self):
        return self.history.record.params

    @property
    def training(self) -> bool:
        """Whether a fit of this model is running (in any thread)."""
        held = self._claims.get("fit")
        return held is not None and held.live

    def claim_fit(self) -> training.FitClaim:
        """Take the right to the model's one fit now, in the calling thread, for a fit that
        will run elsewhere: ``claim = model.claim_fit()`` raises :class:`TrainingBusy` at
        once if a fit runs; then ``model.fit(..., claim=claim)`` in the worker thread uses
        it and releases it when it ends. Call ``claim.release()`` if that fit never starts.

        >>> m = FCNN([2]); claim = m.claim_fit()
        >>> m.training, claim.release(), m.training
        (True, None, False)
        """
        claim = training.take_claim(self._claims)
        self._stop_requested = False  # a stop() from now on is for this fit, even before it runs
        return claim

    @property
    def n_weights(self) -> int:
        return sum(a * b for a, b in zip(self.widths, self.widths[1:]))

    def trace(self, X, params=None) -> Trace:
        """Every layer's ``z`` and ``a`` for inputs ``X`` (n, d), with the current or given params."""
        X = self._check_inputs(X)
        zs, acts = _trace_fn(self.activation, self.task)(
            self._params if params is None else params, X
        )
        return Trace([np.asarray(z) for z in zs], [np.asarray(a) for a in acts])

    def predict(self, X) -> np.ndarray:
        """The network's output ``a[L]`` for inputs ``X`` (n, d)."""
        return self.trace(X).a[-1]

    def describe(self) -> str:
        from .regions import count_text  # the regions module builds on this one

        units = "-".join(str(w) for w in self.widths)
        s = self.last_settings
        if s is None:
            return f"{units} {self.activation}, untrained{count_text(self)}"
        r = self.history.record
        lr = "" if s.lr is None else f" lr={s.lr:g}"
        text = f"{units} {self.activation}, {s.optimizer_name}{lr}, {r.epochs} epochs, batch {s.batch_size}"
        if r.thinning:
            text += (
                f", {len(r.snapshot_epochs):,} of {r.epochs:,} epochs kept as snapshots "
                f"(budget {r.budget / 2**20:g} MB)"
            )
        return text + count_text(self)

    def __repr__(self) -> str:
        name = None if self.dataset is None else self.dataset.name
        return f"FCNN({self.describe()}, dataset={name!r})"

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        epochs: int = 100,
        lr: float | None = None,
        batch_size: int = 100,
        optimizer: str | optax.GradientTransformation = "adam",
        *,
        snapshot_every: int = 1,
        callback: Callable[[History], object] | None = None,
        claim: training.FitClaim | None = None,
    ) -> History:
        """Train on ``self.dataset`` and return :attr:`history` (which spans every fit).

        Loss by task: MSE, sigmoid or softmax cross-entropy on the logits. Each epoch shuffles
        from the seed and keeps the last partial batch. ``lr`` (default 0.005) goes with an
        optimizer name; an optax object carries its own. ``callback(history)`` runs after
        every compiled chunk of epochs. Ctrl-C (or :meth:`stop`) ends training after the
        current chunk with the history and parameters so far; a NaN/Inf loss raises
        :class:`TrainingDiverged` and keeps the last finite parameters. One fit runs at a
        time: a second one raises :class:`TrainingBusy` (``claim``: see :meth:`claim_fit`).
        """
        try:
            if self.dataset is None:
                raise ValueError(
                    "this model carries no data; pass dataset= (a name, a Dataset or an (X, y) "
                    "pair) to FCNN.from_params to train it"
                )
            settings = training.check_settings(epochs, lr, batch_size, optimizer, snapshot_every)
            limits.check_training(self.widths, len(self.dataset), settings.batch_size)
            if claim is not None and claim._owner is not self._claims:
                raise ValueError("claim is another model's; take one with this model.claim_fit()")
        except BaseException:
            if claim is not None:
                claim.release()
            raise
        interrupts = training.Interrupts()
        try:
            interrupts.install()  # from here a first Ctrl-C is a flag, read between chunks
            fresh = claim is None
            claim = training.take_claim(self._claims, claim, sys._getframe())
            if fresh:  # (claim_fit reset it when it claimed; a refused fit must not reset it)
                self._stop_requested = False
            training.bind_claim(claim, sys._getframe())
            interrupts.claim = claim
            return self._train(settings, callback, interrupts)
        finally:
            try:
                if claim is not None:
                    claim.release()
            finally:
                interrupts.restore()

    def _train(self, settings, callback, interrupts) -> History:
        """The fit itself, holding the model's claim: every chunk commits one record."""
        self.last_settings = settings
        self.history._commit(history_mod.ended(self.history.record, None))
        data = self.dataset
        tx, opt_state = training.init_optimizer(settings, self._params)
        chunk = training.chunk_epochs(len(data), settings.batch_size, self.n_weights)
        batch = min(settings.batch_size, len(data))
        run = training.compiled_chunk(
            self.task,
            self.activation,
            tx,
            len(data),
            batch,
            chunk,
            data.X_test is not None,
            layout=network.layout_for(self.widths),
        )
        y = _train_targets(data.y, self.task)
        Xt = data.X_test if data.X_test is not None else data.X[:1]
        yt = _train_targets(data.y_test, self.task) if data.y_test is not None else y[:1]
        done = 0
        progress = self.progress = training.Progress(self.history.epochs, settings.epochs)
        key = training.shuffle_key(self.seed)
        try:
            while done < settings.epochs:
                if interrupts.seen:
                    raise KeyboardInterrupt
                n_active = min(chunk, settings.epochs - done)
                record = self.history.record
                (params, opt_state), metrics, per_epoch = run(
                    record.params, opt_state, key, np.int32(record.epochs), n_active,
                    data.X, y, Xt, yt,
                )  # fmt: skip
                metrics = {k: np.asarray(v)[:n_active] for k, v in metrics.items()}
                last = done + n_active == settings.epochs
                self._commit_chunk(record, n_active, metrics, per_epoch, params, settings, last)
                done += n_active
                progress.done = done
                if callback is not None:
                    callback(self.history)
                self._notify()
                if self._stop_requested:
                    self.history._commit(history_mod.ended(self.history.record, "stopped"))
                    break
            if interrupts.seen:
                raise KeyboardInterrupt
        except TrainingDiverged as error:
            progress.error = str(error)
            raise
        except KeyboardInterrupt:
            self.history._commit(history_mod.ended(self.history.record, "interrupted"))
            warnings.warn(
                f"training interrupted after epoch {self.history.epochs}; "
                "the model keeps its history and the parameters of that epoch",
                stacklevel=3,
            )
        finally:
            progress.running = False
            r = self.history.record
            self.history._commit(history_mod.ended(r, r.stopped))
            self._notify()
        return self.history

    def stop(self) -> None:
        """Ask a running :meth:`fit` to end after its current chunk of epochs."""
        self._stop_requested = True

    def add_listener(self, listener: Callable[[FCNN], None]) -> None:
        """Call ``listener(model)`` after every chunk of a fit and whenever the parameters
        change (live views). Bound methods are held weakly."""
        ref = weakref.WeakMethod(listener) if hasattr(listener, "__self__") else (lambda: listener)
        self._listeners.append(ref)

    def remove_listener(self, listener: Callable[[FCNN], None]) -> None:
        self._listeners = [ref for ref in self._listeners if ref() not in (None, listener)]

    def set_params(self, params) -> None:
        """Replace the parameters (same shapes), e.g. to show an earlier snapshot. Refused
        with :class:`TrainingBusy` while a fit runs."""
        layers = _check_params(params, finite=False)
        shapes = [(W.shape, b.shape) for W, b in self._params]
        if [(W.shape, b.shape) for W, b in layers] != shapes:
            raise ValueError(f"params must have the shapes {shapes}")
        claim = training.take_claim(self._claims, frame=sys._getframe())
        try:
            self.history._commit(history_mod.with_params(self.history.record, layers))
        finally:
            claim.release()
        self._notify()

    # -- internals ------------------------------------------------------------------------------
    def _commit_chunk(
        self, record, n_active, metrics, per_epoch, params, settings, last, budget=None
    ):
        """Commit a chunk's metrics, snapshots and parameters as one new record; on a
        non-finite loss or non-finite parameters keep the epochs before it and raise.
        ``budget``: the snapshot bytes (default ``training.SNAPSHOT_BUDGET_BYTES``)."""
        host = jax.tree.map(np.asarray, per_epoch)  # one fetch per chunk
        loss = metrics["loss"]
        finite = np.isfinite(loss)
        for p in jax.tree.leaves(host):
            finite &= np.isfinite(p[:n_active].reshape(n_active, -1)).all(axis=1)
        bad = np.flatnonzero(~finite)
        keep = int(bad[0]) if bad.size else n_active
        first = record.epochs
        epochs = first + 1 + np.arange(keep)
        final = first + keep
        rows = (epochs % settings.snapshot_every == 0) & (epochs < final)
        if keep == n_active:
            now = params
        elif keep > 0:
            now = [(W[keep - 1], b[keep - 1]) for W, b in host]
        else:
            now = record.params
        new = history_mod.committed(
            record,
            {k: v[:keep] for k, v in metrics.items()},
            epochs[rows],
            [(W[:keep][rows], b[:keep][rows]) for W, b in host],
            now,
            params_kept=last or bad.size > 0 or final % settings.snapshot_every == 0,
            stopped="diverged" if bad.size else None,
            budget=training.SNAPSHOT_BUDGET_BYTES if budget is None else budget,
        )
        self.history._commit(new)
        if bad.size:
            self._notify()
            what = (
                f"loss became {loss[keep]}"
                if not np.isfinite(loss[keep])
                else "parameters became non-finite"
            )
            lr = "" if settings.lr is None else f"lr={settings.lr:g}, "
            raise TrainingDiverged(
                f"the training {what} in epoch {first + keep + 1} "
                f"({lr}optimizer {settings.optimizer_name}); training stopped "
                f"and the model keeps the parameters of epoch {final}. "
                "Try a smaller lr."
            )

    def _notify(self):
        for ref in list(self._listeners):
            listener = ref()
            if listener is not None:
                listener(self)

    def _check_inputs(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 1 and X.shape[0] == self.widths[0]:
            X = X[None]
        if X.ndim != 2 or X.shape[1] != self.widths[0]:
            raise ValueError(f"inputs must have shape (n, {self.widths[0]}), got {X.shape}")
        return X


def as_dataset(dataset) -> Dataset:
    """A :class:`Dataset` from a name, a ``Dataset`` or an ``(X, y)`` pair."""
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, str):
        return datasets.make(dataset)
    if isinstance(dataset, tuple) and len(dataset) == 2:
        return Dataset.from_arrays(*dataset)
    raise ValueError(
        f"dataset must be a name ({', '.join(datasets.NAMES)}), a Dataset or an (X, y) pair, "
        f"got {type(dataset).__name__}"
    )


def _check_dims(dims) -> list[int]:
    if isinstance(dims, (int, np.integer)):
        dims = [dims]
    if isinstance(dims, (str, bytes, Mapping)):  # would iterate into characters or keys
        raise ValueError(
            f"dims must be a list of hidden-layer widths (integers >= 1, e.g. [5, 5]), got {dims!r}"
        )
    try:
        dims = list(dims)
    except TypeError:
        raise ValueError(f"dims must be a list of hidden-layer widths, got {dims!r}") from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
            raise ValueError(f"hidden widths must be integers >= 1, got {dims!r}")
    return [int(d) for d in dims]


def _check_params(params, finite: bool = True) -> list[tuple[jax.Array, jax.Array]]:
    """``[(W, b), ...]`` as float32 JAX arrays, each ``W`` (in, out) chaining to the next;
    ``finite=False`` lets NaN and Inf through (set_params shows them hatched)."""
    try:
        layers = [tuple(layer) for layer in params]
    except TypeError:
        raise ValueError(
            f"params must be a list of (W, b) pairs, got {type(params).__name__}"
        ) from None
    if not layers:
        raise ValueError("params must hold at least one (W, b) layer")
    out = []
    for k, layer in enumerate(layers):
        if len(layer) != 2:
            raise ValueError(
                f"params: layer {k} has {len(layer)} items; each layer must be a (W, b) pair "
                "(W shaped (in, out), b shaped (out,))"
            )
        try:
            W, b = (np.asarray(a, np.float32) for a in layer)
        except (TypeError, ValueError) as e:
            raise ValueError(f"layer {k}: W and b must be numeric arrays: {e}") from None
        n_in = out[-1][0].shape[1] if out else (W.shape[0] if W.ndim == 2 else None)
        if W.ndim == 2 and 0 in W.shape:
            raise ValueError(
                f"layer {k}: W has shape {W.shape}; every layer needs at least 1 input and "
                "1 output unit"
            )
        if W.ndim != 2 or W.shape[0] != n_in or 0 in W.shape or b.shape != (W.shape[1],):
            want = f"({n_in}, out)" if k else "(in, out)"
            raise ValueError(
                f"layer {k}: W must have shape {want} and b shape (out,), "
                f"got W {W.shape} and b {b.shape}"
            )
        if finite and not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"layer {k}: W {W.shape} or b {b.shape} holds NaN or Inf")
        out.append((W, b))
    return [(jnp.asarray(W), jnp.asarray(b)) for W, b in out]


def _check_task(task: str, widths: list[int], data: Dataset | None) -> Dataset | None:
    """Check ``task`` against the output width and the data; a multiclass dataset whose
    labels leave out the last classes gets the network's number of classes."""
    n_out = widths[-1]
    if task not in datasets.TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks are {', '.join(datasets.TASKS)}")
    if task == "binary" and n_out != 1:
        raise ValueError(f"a binary task needs 1 output unit, but the network has {n_out}")
    if task == "multiclass" and n_out < 2:
        raise ValueError(f"a multiclass task needs 2 or more output units, got {n_out}")
    if data is None:
        return None
    if data.task != task:
        raise ValueError(f"task={task!r} disagrees with the dataset's task {data.task!r}")
    if data.n_inputs != widths[0]:
        raise ValueError(
            f"the dataset has {data.n_inputs} input columns but the network takes {widths[0]}"
        )
    if task == "multiclass" and data.n_classes <= n_out:
        return replace(data, n_classes=n_out)
    if data.n_outputs != n_out:
        what = (
            f"{data.n_classes} classes"
            if task == "multiclass"
            else f"{data.n_outputs} target columns"
        )
        raise ValueError(f"the dataset has {what} but the network has {n_out} outputs")
    return data


def _train_targets(y, task):
    if task == "regression":
        return jnp.asarray(y.reshape(len(y), -1), jnp.float32)
    return jnp.asarray(y, jnp.int32)


@functools.cache
def _trace_fn(activation: str, task: str):
    return jax.jit(lambda params, X: network.forward_trace(params, X, activation, task))
