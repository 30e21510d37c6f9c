"""Mini-batch training with optax, compiled once per shape: ``lax.scan`` over the steps of an
epoch inside ``lax.scan`` over a chunk of epochs, so Python runs once per chunk, not per step.

The learning rate is an input of the compiled function (``optax.inject_hyperparams``), so a
new ``lr`` reuses the compiled code, in this process and through JAX's persistent cache.
"""

from __future__ import annotations

import functools
import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import network

OPTIMIZERS: dict[str, Callable] = {
    "sgd": optax.sgd,
    "adam": optax.adam,
    "rmsprop": optax.rmsprop,
    "adagrad": optax.adagrad,
}
# Aim for chunks of about this many multiply-adds, so a chunk takes ~10-30 ms on a CPU core
# and a live view gets a few dozen updates a second without Python running per step.
_CHUNK_WORK = 3e7
_MAX_CHUNK_EPOCHS = 64


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; the model keeps the last finite parameters."""


@dataclass
class History:
    """What a training recorded, across every ``fit`` of a model.

    ``loss[e]`` is the mean train loss over the samples of epoch ``e + 1`` (as each batch
    saw it); ``test_loss``, ``accuracy`` and ``test_accuracy`` are measured with the
    parameters at the end of the epoch, where they apply (else ``None``).
    ``snapshots[i]`` holds the parameters after epoch ``snapshot_epochs[i]`` (0 = initial).
    """

    loss: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    test_loss: np.ndarray | None = None
    accuracy: np.ndarray | None = None
    test_accuracy: np.ndarray | None = None
    snapshots: list[list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=list)
    snapshot_epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    stopped: str | None = None  # None, "interrupted", "stopped" or "diverged"

    @property
    def epochs(self) -> int:
        return int(self.loss.shape[0])

    def _append(self, metrics: dict[str, np.ndarray]) -> None:
        self.loss = np.concatenate([self.loss, metrics["loss"]])
        for name in ("test_loss", "accuracy", "test_accuracy"):
            if name in metrics:
                old = getattr(self, name)
                new = metrics[name] if old is None else np.concatenate([old, metrics[name]])
                setattr(self, name, new)

    def _snapshot(self, epoch: int, params) -> None:
        """Record ``params`` as those after ``epoch`` (replacing a record of the same epoch)."""
        params = [(np.asarray(W), np.asarray(b)) for W, b in params]
        if len(self.snapshot_epochs) and self.snapshot_epochs[-1] == epoch:
            self.snapshots[-1] = params
            return
        self.snapshots.append(params)
        self.snapshot_epochs = np.append(self.snapshot_epochs, epoch)


@dataclass
class Progress:
    """How far the running (or last) ``fit`` got: for progress bars and time-left estimates."""

    first_epoch: int  # epochs trained before this fit
    total: int  # epochs this fit was asked for
    done: int = 0
    running: bool = True
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)

    def seconds_left(self) -> float | None:
        if self.done == 0 or not self.running:
            return None
        elapsed = time.perf_counter() - self.started
        return elapsed / self.done * (self.total - self.done)


@dataclass(frozen=True)
class Settings:
    """One ``fit`` call's hyper-parameters, validated."""

    epochs: int
    lr: float
    batch_size: int
    optimizer: Any  # a name of OPTIMIZERS or an optax.GradientTransformation
    snapshot_every: int

    @property
    def optimizer_name(self) -> str:
        return self.optimizer if isinstance(self.optimizer, str) else type(self.optimizer).__name__


def check_settings(epochs, lr, batch_size, optimizer, snapshot_every) -> Settings:
    for name, value, low in (
        ("epochs", epochs, 0),
        ("batch_size", batch_size, 1),
        ("snapshot_every", snapshot_every, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if (
        isinstance(lr, bool)
        or not isinstance(lr, numbers.Real)
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {optimizer!r}; valid names are {', '.join(OPTIMIZERS)}, "
                "or pass an optax.GradientTransformation"
            )
    elif not isinstance(optimizer, optax.GradientTransformation):
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)} or an optax.GradientTransformation, "
            f"got {type(optimizer).__name__}"
        )
    return Settings(int(epochs), float(lr), int(batch_size), optimizer, int(snapshot_every))


def init_optimizer(settings: Settings, params):
    """The transformation (one object per name, so compiled code is reused) and its state,
    with the learning rate held in the state rather than baked into the program."""
    if not isinstance(settings.optimizer, str):
        return settings.optimizer, settings.optimizer.init(params)
    tx = _named_optimizer(settings.optimizer)
    state = tx.init(params)
    state.hyperparams["learning_rate"] = jnp.asarray(settings.lr, jnp.float32)
    return tx, state


@functools.cache
def _named_optimizer(name: str) -> optax.GradientTransformation:
    return optax.inject_hyperparams(OPTIMIZERS[name])(learning_rate=1.0)


def chunk_epochs(n_samples: int, batch_size: int, n_weights: int) -> int:
    """How many epochs one compiled call runs: about ``_CHUNK_WORK`` multiply-adds."""
    per_epoch = max(1, n_samples * n_weights * 3)  # forward + backward ~ 3x the forward
    return int(min(_MAX_CHUNK_EPOCHS, max(1, _CHUNK_WORK // per_epoch)))


def epoch_orders(seed: int, first_epoch: int, count: int, n: int, batch_size: int) -> np.ndarray:
    """The shuffled sample order of epochs ``first_epoch .. first_epoch + count - 1``
    (count, padded to whole batches): a NumPy permutation seeded by (seed, epoch), so a
    seed always trains the same way. Made on the host because ``jax.random.permutation``
    costs ~1 ms per epoch on a CPU, more than the training steps themselves."""
    padded = -(-n // batch_size) * batch_size
    orders = np.zeros((count, padded), np.int32)
    for i in range(count):
        orders[i, :n] = np.random.default_rng([seed, first_epoch + i]).permutation(n)
    return orders


@functools.lru_cache(maxsize=32)
def compiled_chunk(task, activation, tx, n, batch_size, chunk, has_test):
    """A jitted ``run(params, opt_state, orders, n_active, X, y, Xt, yt)`` that trains
    ``n_active <= chunk`` epochs, epoch i visiting the samples in ``orders[i]`` (see
    :func:`epoch_orders`), and returns the new state plus per-epoch metrics and params."""
    n_batches = -(-n // batch_size)
    padded = n_batches * batch_size
    # The last partial batch is kept: padded slots carry weight 0 in the batch mean.
    mask = (jnp.arange(padded) < n).astype(jnp.float32).reshape(n_batches, batch_size)
    is_class = task != "regression"

    def batch_loss(params, Xb, yb, mb):
        per = network.loss_per_sample(params, Xb, yb, activation, task)
        return jnp.sum(per * mb) / jnp.maximum(jnp.sum(mb), 1.0)

    grad_fn = jax.value_and_grad(batch_loss)

    def step(state, batch):
        params, opt_state = state
        Xb, yb, mb = batch
        loss, grads = grad_fn(params, Xb, yb, mb)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss * jnp.sum(mb)

    def epoch(state, order, X, y, Xt, yt):
        Xb = X[order].reshape(n_batches, batch_size, -1)
        yb = y[order].reshape((n_batches, batch_size) + y.shape[1:])
        state, losses = jax.lax.scan(step, state, (Xb, yb, mask))
        params = state[0]
        metrics = {"loss": jnp.sum(losses) / n}
        if has_test:
            metrics["test_loss"] = jnp.mean(
                network.loss_per_sample(params, Xt, yt, activation, task)
            )
        if is_class:
            metrics["accuracy"] = jnp.mean(network.correct(params, X, y, activation, task))
            if has_test:
                metrics["test_accuracy"] = jnp.mean(
                    network.correct(params, Xt, yt, activation, task)
                )
        return state, metrics

    @jax.jit
    def run(params, opt_state, orders, n_active, X, y, Xt, yt):
        def one(state, step_input):
            i, order = step_input

            def active(state):
                return epoch(state, order, X, y, Xt, yt)

            def idle(state):
                _, shapes = jax.eval_shape(active, state)
                return state, jax.tree.map(lambda s: jnp.full(s.shape, jnp.nan, s.dtype), shapes)

            state, metrics = jax.lax.cond(i < n_active, active, idle, state)
            return state, (metrics, state[0])

        state, (metrics, params_per_epoch) = jax.lax.scan(
            one, (params, opt_state), (jnp.arange(chunk), orders)
        )
        return state, metrics, params_per_epoch

    return run
