"""Training a model while a widget shows it: the page's update budget and the three ways a
fit runs — in the foreground (handling the page's messages between chunks), in a thread the
cell awaits, or in a background thread that returns a :class:`FitHandle` at once.

>>> from fcnn_widget import FCNN
>>> model = FCNN([3], dataset="xor")
>>> handle = in_background(model, FitOptions.checked(epochs=5))
>>> handle.result(timeout=60).epochs, handle.done(), handle.exception()
(5, True, None)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import threading
import time
from collections.abc import Callable

import optax

from . import training, ui_poll
from .training import History

MAX_UPDATES_PER_SECOND = 30
# Live updates may take at most this share of the training's wall time as timed by the
# widget; what that timing cannot see (the comm layer's own work, garbage collection) adds
# 1-2 points (measured by bench/stream_overhead.py), so the total stays within 10%.
UPDATE_SHARE = 0.07


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """One fit's arguments, validated in the caller before any thread starts."""

    epochs: int = 100
    lr: float | None = None  # None: the optimizer's own, or training.DEFAULT_LR
    batch_size: int = 100
    optimizer: str | optax.GradientTransformation = "adam"
    snapshot_every: int = 1

    @classmethod
    def checked(cls, **options) -> FitOptions:
        fit = cls(**options)
        training.check_settings(
            fit.epochs, fit.lr, fit.batch_size, fit.optimizer, fit.snapshot_every
        )
        return fit

    def run(self, model, **extra) -> History:
        return model.fit(
            self.epochs,
            self.lr,
            self.batch_size,
            self.optimizer,
            snapshot_every=self.snapshot_every,
            **extra,
        )


class UpdateBudget:
    """When a running fit's page may be updated: the newest state at most
    MAX_UPDATES_PER_SECOND times a second, and only while every update so far, this one and
    the final one (always sent) stay within UPDATE_SHARE of the time trained."""

    def __init__(self) -> None:
        self.last_push = 0.0  # when the page was last updated
        self.cost = 0.0  # what one update costs (the last one, timed)
        self.fit_started: float | None = None  # the fit whose budget this is
        self.spent = 0.0  # what this fit's updates have cost so far

    def due(self, started: float, now: float) -> bool:
        if self.fit_started != started:  # a new fit: its own budget
            self.fit_started, self.spent = started, 0.0
        if now - max(self.last_push, started) < 1.0 / MAX_UPDATES_PER_SECOND:
            return False
        return self.spent + 2 * self.cost <= UPDATE_SHARE * (now - started)

    def pushed(self, began: float, running: bool) -> None:
        """An update that began at ``began`` is done."""
        self.last_push = time.perf_counter()
        self.cost = self.last_push - began
        self.spent = self.spent + self.cost if running else 0.0


class FitHandle:
    """A fit running in a background thread, as a ``concurrent.futures.Future``: ``result()``
    waits and returns the history or raises the fit's exception, ``exception()``, ``done()``,
    ``running()``; ``cancel()`` stops the fit after its current chunk (history kept)."""

    def __init__(self, model, future: concurrent.futures.Future, thread: threading.Thread):
        self._model, self._future, self.thread = model, future, thread

    def result(self, timeout: float | None = None) -> History:
        return self._future.result(timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        return self._future.exception(timeout)

    def done(self) -> bool:
        return self._future.done()

    def running(self) -> bool:
        return not self._future.done()

    def cancel(self) -> bool:
        """Stop the fit after its current chunk; True if it was still running."""
        if self._future.done():
            return False
        self._model.stop()
        return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread (as ``threading.Thread.join``), without raising its error."""
        self.thread.join(timeout)

    def is_alive(self) -> bool:
        return self.thread.is_alive()

    def __repr__(self) -> str:
        state = "running" if self.running() else "finished"
        return f"<FitHandle {state}>"


def in_foreground(model, options: FitOptions, reachable: Callable[[bool], object]) -> History:
    """Train in the calling thread, handling the page's messages (Stop, sliders) between
    chunks where the kernel allows (:mod:`.ui_poll`); ``reachable(bool)`` is told first
    whether a click on Stop can reach this fit (else the page offers the kernel's interrupt)."""
    poll = ui_poll.poller()
    reachable(poll is not None)
    try:
        return options.run(model, callback=poll)
    finally:
        if poll is not None:
            poll.close()


def in_background(model, options: FitOptions, on_error: Callable | None = None) -> FitHandle:
    """Train in a daemon thread and return its :class:`FitHandle` at once. The model is
    claimed here, in the caller, so a second fit is refused before any thread starts."""
    claim = model.claim_fit()
    future: concurrent.futures.Future = concurrent.futures.Future()
    future.set_running_or_notify_cancel()

    def work():
        try:
            future.set_result(options.run(model, claim=claim))
        except BaseException as error:  # kept for result()/exception(), shown by on_error
            if on_error is not None:
                on_error(error)
            future.set_exception(error)

    thread = threading.Thread(target=work, name="fcnn-fit", daemon=True)
    try:
        thread.start()
    except BaseException:
        claim.release()
        raise
    return FitHandle(model, future, thread)


async def in_thread(model, options: FitOptions) -> History:
    """Train in a worker thread while the awaiting cell yields to the kernel."""
    claim = model.claim_fit()
    try:
        return await asyncio.to_thread(options.run, model, claim=claim)
    finally:
        claim.release()  # idempotent: the fit released it unless the thread never ran
