"""Mini-batch training with optax, compiled once per shape: ``lax.scan`` over the steps of an
epoch inside ``lax.scan`` over a chunk of epochs, so Python runs once per chunk, not per step.

The learning rate is an input of the compiled function (``optax.inject_hyperparams``), so a
new ``lr`` reuses the compiled code, in this process and through JAX's persistent cache.
"""

from __future__ import annotations

import functools
import math
import numbers
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.flatten_util import ravel_pytree

from . import network
from .history import History, Record, check_history

__all__ = ["History", "Record", "check_history"]  # re-exported: a history is what a fit records

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
DEFAULT_LR = 0.005  # of a named optimizer when fit is given no lr


# Bytes of parameter snapshots a model's history keeps; past it snapshots are thinned (every
# epoch early, geometrically fewer later). 32 MB holds ~160,000 snapshots of the seed net
# 2-5-5-1 (204 bytes each); the loss curves are kept whole (4 bytes per epoch and metric).
SNAPSHOT_BUDGET_BYTES = 32 * 2**20


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; the model keeps the last finite parameters."""


class TrainingBusy(RuntimeError):
    """A second fit of a model whose fit is running: refused at once."""


class FitClaim:
    """The right to run the one fit of a model at a time (see :meth:`FCNN.claim_fit`).

    A claim is taken with one atomic ``dict.setdefault`` and belongs to a thread and the
    fit's frame once a fit runs with it; a claim whose fit ended without releasing it (an
    interrupt at its last line) is recognised as stale and replaced, so no fault can leave a
    model refusing every fit. ``release()`` may be called any number of times.
    """

    def __init__(self, owner) -> None:
        self._owner = owner  # the model's claim table (a dict)
        self._thread: threading.Thread | None = None
        self._frame = None
        self._released = False
        self._reclaim = threading.Lock()  # taken once by the one fit that replaces this stale claim

    def release(self) -> None:
        # Off the table before marked released: a released claim counts as stale, and a
        # stale one may be replaced by another fit, whose claim the pop must not remove.
        if self._owner.get("fit") is self:
            self._owner.pop("fit", None)
        self._released = True
        self._frame = None

    @property
    def live(self) -> bool:
        """Not released, and either not yet bound to a fit or its fit's frame still runs."""
        if self._released:
            return False
        if self._thread is None:
            return True
        top = sys._current_frames().get(self._thread.ident)
        while top is not None:
            if top is self._frame:
                return True
            top = top.f_back
        return False

    def describe(self) -> str:
        where = "not started yet" if self._thread is None else f"in thread {self._thread.name!r}"
        return where


def take_claim(owner: dict, claim: FitClaim | None = None, frame=None) -> FitClaim:
    """Take the model's claim (``owner`` is its claim table), or raise :class:`TrainingBusy`.
    A new claim for the fit running in ``frame`` belongs to it before it is on the table,
    so it goes stale with the fit even if an interrupt ends the fit right after this line."""
    if claim is None:
        claim = FitClaim(owner)
        if frame is not None:
            bind_claim(claim, frame)
    held = owner.setdefault("fit", claim)  # atomic: of two racing fits exactly one gets it
    if held is claim:
        return claim
    # One line, so no line event (nor a real signal) falls between winning and replacing.
    if not held.live and held._reclaim.acquire(blocking=False): owner["fit"] = claim  # noqa: E701  # fmt: skip
    if owner.get("fit") is claim:
        return claim
    raise TrainingBusy(
        f"a fit of this model is already running ({held.describe()}); one model trains one "
        "fit at a time. Stop it first with model.stop() (w.stop() or the Stop button for a "
        "widget's fit, Kernel ▸ Interrupt for a fit in the foreground), or wait for it to end"
    )


def bind_claim(claim: FitClaim, frame) -> None:
    """Make ``claim`` belong to the running thread and the fit running in ``frame``."""
    if claim._released:
        raise ValueError("this claim was released; take a new one with model.claim_fit()")
    claim._thread, claim._frame = threading.current_thread(), frame


class Interrupts:
    """Ctrl-C during a fit as a flag read between chunks: the first SIGINT only sets
    ``seen`` (so it cannot land between two writes, nor be swallowed inside JAX and let
    training run on); a second one raises ``KeyboardInterrupt`` as usual. Only the main
    thread receives signals; elsewhere this does nothing. The handler acts only while
    ``claim`` (the fit's) is live: one left installed by a fit that could not restore it
    hands every signal to the handler it replaced."""

    def __init__(self) -> None:
        self.seen = False
        self.claim: FitClaim | None = None
        self._handler = self._handle  # one bound method, to recognise it when restoring
        self._previous = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGINT)
        if previous in (signal.SIG_IGN, signal.SIG_DFL, None):
            return
        self._previous = previous
        signal.signal(signal.SIGINT, self._handler)

    def restore(self) -> None:
        if self._previous is not None and signal.getsignal(signal.SIGINT) == self._handler:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame) -> None:
        if not self.seen and self.claim is not None and self.claim.live:
            self.seen = True
            return
        self.restore()
        self._previous(signum, frame)  # the default handler raises KeyboardInterrupt
        raise KeyboardInterrupt


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
    lr: float | None  # None for an optax object, whose learning rate is part of it
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
    if isinstance(optimizer, str) and lr is None:
        lr = DEFAULT_LR
    if lr is not None and (
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
    elif lr is not None:
        raise ValueError(
            f"lr={lr!r} cannot apply to an optax optimizer object: its learning rate is part "
            f"of it (e.g. optax.adam({lr!r})). Pass lr only with an optimizer name "
            f"({', '.join(OPTIMIZERS)}), or leave lr out"
        )
    lr = None if lr is None else float(lr)
    return Settings(int(epochs), lr, int(batch_size), optimizer, int(snapshot_every))


def init_optimizer(settings: Settings, params):
    """The transformation (one object per name, so compiled code is reused) and its state,
    with the learning rate held in the state rather than baked into the program. A named
    optimizer's state is for all the parameters as one flat vector (see :func:`updates_flat`)."""
    if not isinstance(settings.optimizer, str):
        return settings.optimizer, settings.optimizer.init(params)
    tx = _named_optimizer(settings.optimizer)
    state = tx.init(ravel_pytree(params)[0])
    state.hyperparams["learning_rate"] = jnp.asarray(settings.lr, jnp.float32)
    return tx, state


@functools.cache
def _named_optimizer(name: str) -> optax.GradientTransformation:
    return optax.inject_hyperparams(OPTIMIZERS[name])(learning_rate=1.0)


def updates_flat(tx) -> bool:
    """Whether ``tx`` updates the parameters as one flat vector: the named optimizers, which
    act on each number alone, so the flat update is the per-layer one, in a few fused
    operations a step instead of a few per layer. An optax object may mix layers (a global
    norm clip, a per-layer mask): it gets the parameters as the list of layers."""
    return any(tx is _named_optimizer(name) for name in OPTIMIZERS)


def chunk_epochs(n_samples: int, batch_size: int, n_weights: int) -> int:
    """How many epochs one compiled call runs: about ``_CHUNK_WORK`` multiply-adds."""
    per_epoch = max(1, n_samples * n_weights * 3)  # forward + backward ~ 3x the forward
    return int(min(_MAX_CHUNK_EPOCHS, max(1, _CHUNK_WORK // per_epoch)))


# Shuffles are made inside the compiled chunk: a keyed permutation of 0..n-1 computed
# element-wise (no sort: an XLA sort of 2,500 indices takes ~0.6 ms on a CPU, and
# ``jax.random.permutation`` ~1.7 ms, 10x an epoch's training), keyed by JAX's PRNG from the
# seed and the epoch, so a seed trains the same way alone or as a population's member.
_SHUFFLE_TAG = 0x5348  # folded into the seed's key: the shuffles' keys differ from init's
_SHUFFLE_ROUNDS = 4  # Feistel rounds (4: a strong pseudo-random permutation, Luby-Rackoff)


def shuffle_key(seed: int) -> np.ndarray:
    """The raw key data (uint32) a seed's shuffles are drawn from: its
    ``jax.random.key(seed)`` with a tag folded in (init uses the key itself).

    >>> shuffle_key(0).dtype, shuffle_key(0).shape
    (dtype('uint32'), (2,))
    """
    return _shuffle_keys((int(seed),))[0]


@functools.lru_cache(maxsize=1024)
def _shuffle_keys(seeds: tuple[int, ...]) -> np.ndarray:
    keys = [jax.random.fold_in(jax.random.key(s), _SHUFFLE_TAG) for s in seeds]
    return np.stack([np.asarray(jax.random.key_data(k)) for k in keys]).astype(np.uint32)


def shuffle_keys(seeds) -> np.ndarray:
    """:func:`shuffle_key` of every seed, (K, 2)."""
    return _shuffle_keys(tuple(int(s) for s in seeds))


def permutation(key, n: int) -> jax.Array:
    """A pseudo-random permutation of ``0 .. n-1`` (int32) keyed by ``key``, computed element-
    wise: a 4-round Feistel network over the mixed radix ``a * b >= n`` (``a ~ sqrt(n)``), its
    round function a multiply-xorshift hash of the half and a round key drawn from ``key``,
    cycle-walked back into ``0 .. n-1`` (``a * b - n < a``: a few values walk; none for
    n = 2500 = 50 * 50). A bijection for every key, and a different one for every key.

    >>> p = permutation(jax.random.key(0), 10)
    >>> sorted(p.tolist()) == list(range(10)), p.dtype
    (True, dtype('int32'))
    """
    if not 1 <= n < 2**31:
        raise ValueError(f"a shuffle is made of 1 to 2**31 - 1 samples, not {n}")
    a = math.isqrt(n - 1) + 1 if n > 1 else 1
    b = -(-n // a)
    rounds = jax.random.bits(key, (_SHUFFLE_ROUNDS,), jnp.uint32)

    def feistel(x):
        for r in range(_SHUFFLE_ROUNDS):
            hi, lo = (a, b) if r % 2 == 0 else (b, a)  # x = left * lo + right
            left, right = jax.lax.div(x, lo), jax.lax.rem(x, lo)  # x >= 0
            h = (right.astype(jnp.uint32) ^ rounds[r]) * jnp.uint32(0x9E3779B1)
            h = h ^ (h >> 16)
            h = h * jnp.uint32(0x85EBCA6B)
            h = h ^ (h >> 13)
            # (h's top 16 bits * hi) >> 16: a number in 0..hi-1 without a division
            left = left + ((h >> 16) * jnp.uint32(hi) >> 16).astype(jnp.int32)
            left = jnp.where(left >= hi, left - hi, left)
            x = right * hi + left  # the halves swap: right is now the high digit (radix lo)
        return x

    x = feistel(jnp.arange(n, dtype=jnp.int32))
    if a * b > n:  # values past n walk on through the permutation until they land inside
        x = jax.lax.while_loop(
            lambda x: jnp.any(x >= n), lambda x: jnp.where(x >= n, feistel(x), x), x
        )
    return x


def epoch_order(key_data, epoch, n: int) -> jax.Array:
    """Epoch ``epoch``'s sample order (n,) for the shuffle key ``key_data``
    (:func:`shuffle_key`): :func:`permutation` keyed by the key with the epoch folded in."""
    key = jax.random.fold_in(jax.random.wrap_key_data(key_data), epoch)
    return permutation(key, n)


def epoch_orders(seed: int, first_epoch: int, count: int, n: int, batch_size: int) -> np.ndarray:
    """The shuffled sample order of epochs ``first_epoch .. first_epoch + count - 1``
    (count, padded to whole batches with 0s): what a fit with ``seed`` visits, the
    :func:`epoch_order` its compiled chunk computes (here on the host, for checks).

    >>> orders = epoch_orders(0, 0, 2, 10, 4)
    >>> orders.shape, sorted(orders[0, :10].tolist()) == list(range(10))
    ((2, 12), True)
    """
    padded = -(-n // batch_size) * batch_size
    epochs = jnp.arange(first_epoch, first_epoch + count, dtype=jnp.int32)
    made = _orders_on_host(n)(jnp.asarray(shuffle_key(seed)), epochs)
    orders = np.zeros((count, padded), np.int32)
    orders[:, :n] = np.asarray(made)
    return orders


@functools.cache
def _orders_on_host(n: int):
    return jax.jit(jax.vmap(lambda key, e: epoch_order(key, e, n), in_axes=(None, 0)))


@functools.lru_cache(maxsize=32)
def compiled_chunk(
    task, activation, tx, n, batch_size, chunk, has_test, members=False, layout="dot"
):
    """A jitted ``run(params, opt_state, key, first_epoch, n_active, X, y, Xt, yt)`` that
    trains ``n_active <= chunk`` epochs, epoch ``first_epoch + i`` visiting the samples in
    the order :func:`epoch_order` ``(key, first_epoch + i, n)`` makes (``key`` a seed's
    :func:`shuffle_key`), and returns the new state plus per-epoch metrics and params.

    ``members=True``: a population's chunk, the epoch ``jax.vmap``-ed over a leading member
    axis of ``params``, ``opt_state``, ``key`` (K, 2) and ``first_epoch`` (K,) (so the
    metrics and params come back (chunk, K, ...)); each member trains as a lone fit.
    ``layout``: how the training steps compute a layer (:func:`network.layout_for`)."""
    n_batches = -(-n // batch_size)
    padded = n_batches * batch_size
    # The last partial batch is kept: padded slots carry weight 0 in the batch mean.
    mask = (jnp.arange(padded) < n).astype(jnp.float32).reshape(n_batches, batch_size)
    is_class = task != "regression"
    transposed = layout in network.TRANSPOSED

    flat = updates_flat(tx)

    def steps(params, opt_state, Xb, yb):
        """An epoch's optimizer steps, on the flat parameter vector if ``flat``."""
        p, unravel = ravel_pytree(params) if flat else (params, lambda q: q)

        def batch_loss(p, Xb, yb, mb):
            per = network.loss_per_sample(unravel(p), Xb, yb, activation, task, layout)
            return jnp.sum(per * mb) / jnp.maximum(jnp.sum(mb), 1.0)

        grad_fn = jax.value_and_grad(batch_loss)

        def step(state, batch):
            p, opt_state = state
            Xb, yb, mb = batch
            loss, grads = grad_fn(p, Xb, yb, mb)
            updates, opt_state = tx.update(grads, opt_state, p)
            return (optax.apply_updates(p, updates), opt_state), loss * jnp.sum(mb)

        (p, opt_state), losses = jax.lax.scan(step, (p, opt_state), (Xb, yb, mask))
        return (unravel(p), opt_state), losses

    def epoch(state, key, number, X, y, Xt, yt):
        order = epoch_order(key, number, n)
        if padded > n:
            order = jnp.concatenate([order, jnp.zeros(padded - n, order.dtype)])
        Xb = X[order].reshape(n_batches, batch_size, -1)
        if transposed:  # each batch (features, batch): the batch on the minor axis
            Xb = Xb.transpose(0, 2, 1)
        yb = y[order].reshape((n_batches, batch_size) + y.shape[1:])
        if layout in network.TRANSPOSED_TARGETS and not is_class:
            yb = yb.transpose(0, 2, 1)
        state, losses = steps(*state, Xb, yb)
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

    if members:
        epoch = jax.vmap(epoch, in_axes=(0, 0, 0, None, None, None, None))

    @jax.jit
    def run(params, opt_state, key, first_epoch, n_active, X, y, Xt, yt):
        def one(state, i):
            def active(state):
                return epoch(state, key, first_epoch + i, X, y, Xt, yt)

            def idle(state):
                _, shapes = jax.eval_shape(active, state)
                return state, jax.tree.map(lambda s: jnp.full(s.shape, jnp.nan, s.dtype), shapes)

            state, metrics = jax.lax.cond(i < n_active, active, idle, state)
            return state, (metrics, state[0])

        state, (metrics, params_per_epoch) = jax.lax.scan(
            one, (params, opt_state), jnp.arange(chunk, dtype=jnp.int32)
        )
        return state, metrics, params_per_epoch

    return run
