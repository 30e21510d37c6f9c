"""What a model's training recorded, as one immutable :class:`Record` swapped in one step.

A fit builds a chunk's losses, metrics, snapshots and parameters beside the current record and
then commits them with a single assignment, so a reader (another thread, a widget, a Ctrl-C
landing at any line of the fit) only ever sees a whole record. Arrays grow in buffers that
double: a commit writes past the rows the current record shows, which no record sees.

Snapshots have a byte budget: past it they are thinned, every epoch kept early and
geometrically fewer later (:func:`thinned`), while epoch 0 and the current parameters always
stay; the loss and metric curves are kept whole.

>>> import numpy as np
>>> h = History([(np.zeros((2, 1), np.float32), np.zeros(1, np.float32))])
>>> r = h.record
>>> r.epochs, r.snapshot_epochs.tolist(), len(r.snapshots)
(0, [0], 1)
>>> check_history(h)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

METRICS = ("loss", "test_loss", "accuracy", "test_accuracy")
_ids = itertools.count(1)  # a snapshot's identity: readers cache by it (set_params replaces one)


@dataclass(frozen=True)
class _Stack:
    """Snapshots before the current epoch, one row each, in buffers of ``capacity`` rows."""

    epochs: np.ndarray  # (capacity,) int64
    ids: np.ndarray  # (capacity,) int64
    layers: tuple[
        tuple[np.ndarray, np.ndarray], ...
    ]  # per layer (capacity, in, out), (capacity, out)
    n: int = 0

    @classmethod
    def empty(cls, params, capacity: int = 16) -> _Stack:
        layers = tuple(
            (
                np.empty((capacity, *np.shape(W)), np.float32),
                np.empty((capacity, *np.shape(b)), np.float32),
            )
            for W, b in params
        )
        return cls(np.empty(capacity, np.int64), np.empty(capacity, np.int64), layers)

    @property
    def capacity(self) -> int:
        return int(self.epochs.shape[0])

    @property
    def row_bytes(self) -> int:
        return 16 + sum(4 * (W[0].size + b[0].size) for W, b in self.layers)

    def appended(self, epochs, ids, rows, room: int) -> _Stack:
        """These rows after the first ``n`` (rows = per layer (k, in, out), (k, out))."""
        k = len(epochs)
        if k == 0:
            return self
        need = self.n + k
        stack = self
        if need > self.capacity:
            stack = self.resized(max(need, min(2 * need, room)))
        stack.epochs[self.n : need] = epochs
        stack.ids[self.n : need] = ids
        for (W, b), (Wk, bk) in zip(stack.layers, rows):
            W[self.n : need] = Wk
            b[self.n : need] = bk
        return replace(stack, n=need)

    def resized(self, capacity: int) -> _Stack:
        """The first ``n`` rows in new buffers of ``capacity`` rows."""
        out = _Stack.empty([(W[0], b[0]) for W, b in self.layers], capacity)
        n = self.n
        out.epochs[:n], out.ids[:n] = self.epochs[:n], self.ids[:n]
        for (W, b), (Wo, bo) in zip(self.layers, out.layers):
            Wo[:n], bo[:n] = W[:n], b[:n]
        return replace(out, n=n)

    def kept(self, mask: np.ndarray, capacity: int) -> _Stack:
        """Only the rows where ``mask`` (n,) holds, in new buffers of ``capacity`` rows."""
        keep = np.flatnonzero(mask)
        out = _Stack.empty([(W[0], b[0]) for W, b in self.layers], max(16, keep.size, capacity))
        k = keep.size
        out.epochs[:k], out.ids[:k] = self.epochs[keep], self.ids[keep]
        for (W, b), (Wo, bo) in zip(self.layers, out.layers):
            Wo[:k], bo[:k] = W[keep], b[keep]
        return replace(out, n=k)

    def row(self, i: int) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(_frozen(W[i]), _frozen(b[i])) for W, b in self.layers]


@dataclass(frozen=True)
class Record:
    """One consistent state of a model's training: read several fields from one record.

    ``loss[e]`` is the mean train loss over the samples of epoch ``e + 1`` (as each batch saw
    it); ``test_loss``, ``accuracy`` and ``test_accuracy`` are measured with the parameters at
    the end of the epoch, where they apply (else ``None``). ``snapshots[i]`` holds the
    parameters after epoch ``snapshot_epochs[i]`` (0 = initial); the last is ``params``, the
    model's current parameters. ``thinning`` is 0 while every recorded snapshot is kept.
    """

    loss: np.ndarray
    test_loss: np.ndarray | None
    accuracy: np.ndarray | None
    test_accuracy: np.ndarray | None
    params: list  # [(W, b), ...]: the model's parameters now
    stopped: str | None = None  # None, "interrupted", "stopped" or "diverged"
    params_id: int = 0
    params_kept: bool = True  # stays a snapshot when later epochs follow (False mid-fit)
    thinning: int = 0  # 0, or the level K of :func:`thinned` the snapshots were thinned to
    budget: int = 0  # the snapshot budget in bytes when they were thinned
    _stack: _Stack | None = field(default=None, repr=False)
    _buffers: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def epochs(self) -> int:
        return int(self.loss.shape[0])

    @cached_property
    def snapshot_epochs(self) -> np.ndarray:
        n = self._stack.n
        return _frozen(np.append(self._stack.epochs[:n], self.epochs))

    @cached_property
    def snapshot_ids(self) -> np.ndarray:
        """A number per snapshot that changes when its parameters do (readers cache by it)."""
        n = self._stack.n
        return _frozen(np.append(self._stack.ids[:n], self.params_id))

    @property
    def snapshots(self) -> Snapshots:
        return Snapshots(self)

    def snapshot_index(self, epoch: int) -> int | None:
        """The index of the (last) snapshot after ``epoch``, None if none was kept."""
        try:
            key = int(epoch)
        except (TypeError, ValueError, OverflowError):
            return None
        return self._snapshot_where.get(key) if key == epoch else None

    @cached_property
    def _snapshot_where(self) -> dict[int, int]:
        return {e: i for i, e in enumerate(self.snapshot_epochs.tolist())}  # the last wins

    def flat_snapshots(self, indices) -> np.ndarray:
        """The snapshots ``indices`` as rows of flat float32 parameters (W then b per
        layer), (k, n_params): what ``np.concatenate`` of each one's arrays gives."""
        idx = np.asarray(indices, np.int64)
        old = idx < self._stack.n  # the last snapshot is the current parameters
        width = sum(int(np.size(W)) + int(np.size(b)) for W, b in self.params)
        out = np.empty((idx.size, width), np.float32)
        at = 0
        for (Ws, bs), (W, b) in zip(self._stack.layers, self.params):
            for stack, now in ((Ws, W), (bs, b)):
                size = int(np.size(now))
                out[old, at : at + size] = stack[idx[old]].reshape(-1, size)
                out[~old, at : at + size] = np.ravel(np.asarray(now, np.float32))
                at += size
        return out


class Snapshots(Sequence):
    """``record.snapshots``: snapshot ``i`` as ``[(W, b), ...]`` (read-only NumPy arrays)."""

    def __init__(self, record: Record) -> None:
        self._record = record

    def __len__(self) -> int:
        return self._record._stack.n + 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        j = i + n if i < 0 else i
        if not 0 <= j < n:
            raise IndexError(f"snapshot index {i} out of range for {n} snapshots")
        if j == n - 1:
            return [
                (_frozen(np.asarray(W)), _frozen(np.asarray(b))) for W, b in self._record.params
            ]
        return self._record._stack.row(j)


def initial(params) -> Record:
    """The record of an untrained model with these parameters (epoch 0)."""
    params = [(W, b) for W, b in params]
    empty = np.zeros(0, np.float32)
    return Record(
        empty, None, None, None, params, params_id=next(_ids), _stack=_Stack.empty(params)
    )


def committed(
    record: Record,
    metrics: Mapping[str, np.ndarray],
    rows_epochs: np.ndarray,
    rows: Sequence[tuple[np.ndarray, np.ndarray]],
    params,
    *,
    params_kept: bool,
    stopped: str | None,
    budget: int,
) -> Record:
    """``record`` followed by a chunk: its per-epoch ``metrics``, the snapshots it recorded
    (epochs ``rows_epochs``, per layer stacked ``rows``) before its last epoch, and the
    parameters after it. Nothing ``record`` shows is written."""
    n = record.epochs
    k = len(metrics["loss"])
    buffers = dict(record._buffers)
    views = {}
    for name in METRICS:
        new = metrics.get(name)
        old = buffers.get(name)
        if new is None and old is None:
            views[name] = None if name != "loss" else _frozen(np.zeros(0, np.float32))
            continue
        if new is None:  # this chunk has no such metric: NaN keeps the curves aligned
            new = np.full(k, np.nan, np.float32)
        if old is None:
            old = np.full(n, np.nan, np.float32)
        buffers[name] = buf = _grown(old, n, np.asarray(new, np.float32))
        views[name] = _frozen(buf[: n + k])
    # the old current parameters join the stack if they are to stay a snapshot
    parts = []  # (epochs, ids, per layer (W rows, b rows))
    # (a chunk of no epochs — a loss diverged in its first — leaves them the current ones)
    if record.params_kept and k > 0:
        before = [(np.asarray(W)[None], np.asarray(b)[None]) for W, b in record.params]
        parts.append(([n], [record.params_id], before))
    if len(rows_epochs):
        fresh = [next(_ids) for _ in range(len(rows_epochs))]
        parts.append((rows_epochs, fresh, [(np.asarray(W), np.asarray(b)) for W, b in rows]))
    stack, level, kept_budget = record._stack, record.thinning, record.budget
    # rows one buffer may hold: thinning copies the kept rows to a new buffer while readers may
    # still hold the old one, so two buffers together stay within the budget
    room = max(1, budget // stack.row_bytes // 2)
    if parts:
        epochs = np.concatenate([np.asarray(p[0], np.int64) for p in parts])
        ids = np.concatenate([np.asarray(p[1], np.int64) for p in parts])
        layers = [
            tuple(np.concatenate([p[2][layer][j] for p in parts]) for j in (0, 1))
            for layer in range(len(record.params))
        ]
        if level:  # already thinned: new rows follow the same rule
            keep = thinned(epochs, level)
            epochs, ids = epochs[keep], ids[keep]
            layers = [(W[keep], b[keep]) for W, b in layers]
        stack = stack.appended(epochs, ids, layers, room)
    if stack.n > room:
        level = _level_for(stack.epochs[: stack.n], max(1, room // 2), level)
        stack = stack.kept(thinned(stack.epochs[: stack.n], level), room)
        kept_budget = budget
    return Record(
        views["loss"],
        views["test_loss"],
        views["accuracy"],
        views["test_accuracy"],
        [(W, b) for W, b in params],
        stopped,
        params_id=next(_ids),
        params_kept=params_kept,
        thinning=level,
        budget=kept_budget,
        _stack=stack,
        _buffers=buffers,
    )


def with_params(record: Record, params) -> Record:
    """``record`` with these parameters as the current ones (a new snapshot of its epoch)."""
    return replace(record, params=list(params), params_id=next(_ids), params_kept=True)


def ended(record: Record, stopped: str | None) -> Record:
    """``record`` at the end of a fit: its parameters stay a snapshot; ``stopped`` says why."""
    if record.params_kept and record.stopped == stopped:
        return record
    return replace(record, params_kept=True, stopped=stopped)


def thinned(epochs: np.ndarray, level: int) -> np.ndarray:
    """Which snapshot epochs level ``K`` (a power of two) keeps: every epoch below K, then in
    each octave [K·2^j, K·2^(j+1)) those divisible by 2^(j+1); epoch 0 always. Halving K keeps
    a subset, so a snapshot once dropped is never needed again.

    >>> e = np.arange(0, 33)
    >>> e[thinned(e, 4)].tolist()
    [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32]
    """
    epochs = np.asarray(epochs, np.int64)
    keep = epochs < level
    q = epochs // level
    octave = np.floor(np.log2(np.maximum(q, 1))).astype(np.int64)
    keep |= (q >= 1) & (epochs % (2 ** (octave + 1)) == 0)
    return keep | (epochs == 0)


def _level_for(epochs: np.ndarray, target: int, level: int) -> int:
    """The largest power-of-two level (at most ``level``, when set) keeping <= target rows."""
    top = int(epochs.max()) if epochs.size else 1
    level = level or 1 << max(1, top).bit_length()
    while level > 1 and int(thinned(epochs, level).sum()) > target:
        level //= 2
    return level


class History:
    """What a training recorded, across every ``fit`` of a model; ``history.record`` is the
    current :class:`Record` (one consistent view), the attributes read the current one.

    ``loss[e]`` is the mean train loss over the samples of epoch ``e + 1``; ``test_loss``,
    ``accuracy`` and ``test_accuracy`` where they apply (else ``None``); ``snapshots[i]`` the
    parameters after epoch ``snapshot_epochs[i]`` (0 = initial), the last the current ones.
    """

    def __init__(self, params=()) -> None:
        self._record = initial(params)

    @property
    def record(self) -> Record:
        return self._record

    loss = property(lambda self: self._record.loss)
    test_loss = property(lambda self: self._record.test_loss)
    accuracy = property(lambda self: self._record.accuracy)
    test_accuracy = property(lambda self: self._record.test_accuracy)
    snapshots = property(lambda self: self._record.snapshots)
    snapshot_epochs = property(lambda self: self._record.snapshot_epochs)
    stopped = property(lambda self: self._record.stopped)
    epochs = property(lambda self: self._record.epochs)

    def _commit(self, record: Record) -> None:
        self._record = record  # the one write: readers see the old record or the new one

    def __repr__(self) -> str:
        r = self._record
        return f"History(epochs={r.epochs}, snapshots={len(r.snapshots)}, stopped={r.stopped!r})"


def check_history(history: History | Record) -> None:
    """Raise ``AssertionError`` naming every broken invariant of a history: metric curves as
    long as ``loss``, one epoch per snapshot, snapshot epochs strictly increasing from 0 to
    ``epochs``, the last snapshot equal to the current parameters."""
    r = history.record if isinstance(history, History) else history
    problems = []
    n = len(r.loss)
    for name in METRICS[1:]:
        v = getattr(r, name)
        if v is not None and len(v) != n:
            problems.append(f"{name} has {len(v)} entries but loss {n}")
    e = np.asarray(r.snapshot_epochs)
    if len(r.snapshots) != len(e):
        problems.append(f"{len(r.snapshots)} snapshots but {len(e)} snapshot epochs")
    if len(e) and not (np.diff(e) > 0).all():
        problems.append(f"snapshot epochs do not increase: {e.tolist()[:20]}")
    if len(e) and (e[0] != 0 or e[-1] != n):
        problems.append(f"snapshot epochs run {e[0]}..{e[-1]}, not 0..{n}")
    last = r.snapshots[-1]
    for k, ((W, b), (Ws, bs)) in enumerate(zip(r.params, last)):
        if not (np.array_equal(np.asarray(W), Ws) and np.array_equal(np.asarray(b), bs)):
            problems.append(f"layer {k}: the parameters differ from the last snapshot")
    if problems:
        raise AssertionError("; ".join(problems))


def _grown(buffer: np.ndarray, n: int, new: np.ndarray) -> np.ndarray:
    """``buffer`` (or a copy of its first ``n`` rows with room to double) with ``new`` at n."""
    k = len(new)
    if buffer.shape[0] < n + k or not buffer.flags.writeable:
        grown = np.empty(max(64, 2 * (n + k)), buffer.dtype)
        grown[:n] = buffer[:n]
        buffer = grown
    buffer[n : n + k] = new
    return buffer


def _frozen(a: np.ndarray) -> np.ndarray:
    a = a.view()
    a.flags.writeable = False
    return a
