"""The recorded training as the page scrubs it: for every parameter snapshot, the shown
samples traced by JAX (cached, so a frame and its scrub entry are the very same numbers),
the colour ranges a style gives them, and one packed float32 buffer per selected sample.

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.settings import make_style
>>> model = FCNN([3], dataset="prod"); _ = model.fit(epochs=4)
>>> tl = Timeline(model, model.dataset.X)
>>> tl.epochs
[0, 1, 2, 3, 4]
>>> tl.pack(make_style(), sample=0).shape  # epochs x (cols + params + 2 * groups)
(5, 31)
"""

from __future__ import annotations

import numpy as np

from . import colors, rules
from .history import Record
from .model import FCNN
from .scene import column_layout, trace_values
from .settings import Style

# Traces kept for scrubbing; past this the timeline keeps evenly spaced snapshots.
CACHE_BUDGET_BYTES = 256 * 2**20
# Each offered epoch costs a trace of every shown sample; more are thinned evenly.
MAX_EPOCHS = 128
MAX_PACKS = 32  # packed timelines kept (a saved page's norms x scopes x centring)


class Timeline:
    def __init__(self, model: FCNN, X: np.ndarray) -> None:
        self.model = model
        self.X = X
        # epoch -> (the id of the snapshot it was computed from, result): set_params may
        # replace a snapshot, and a stale entry must not outlive it.
        self._values: dict[int, tuple[int, np.ndarray]] = {}
        self._ranges: dict[tuple, tuple[int, np.ndarray]] = {}
        self._packs: dict[tuple, tuple[tuple, np.ndarray]] = {}  # see pack
        self._extremes: dict[int, tuple[int, tuple[np.ndarray, np.ndarray]]] = {}

    @property
    def epochs(self) -> list[int]:
        """The snapshot epochs offered for scrubbing (all, or evenly thinned to the budget)."""
        return self._epochs(self.model.history.record)

    def _epochs(self, record: Record) -> list[int]:
        recorded = np.asarray(record.snapshot_epochs)
        cols = sum(self.model.widths) + sum(self.model.widths[1:])
        room = max(2, min(MAX_EPOCHS, CACHE_BUDGET_BYTES // max(1, 4 * cols * len(self.X))))
        if len(recorded) > room:
            recorded = recorded[
                np.unique(np.linspace(0, len(recorded) - 1, room).round().astype(int))
            ]
        return recorded.tolist()

    def params_at(
        self, epoch: int, record: Record | None = None
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """The parameters after ``epoch`` (from ``record``, default the current one)."""
        record = self.model.history.record if record is None else record
        return record.snapshots[self._index(epoch, record)]

    def _index(self, epoch: int, record: Record) -> int:
        i = record.snapshot_index(epoch)
        if i is None:
            recorded = record.snapshot_epochs
            thinned = ", thinned to the snapshot budget" if record.thinning else ""
            raise ValueError(
                f"epoch {epoch} has no recorded snapshot; recorded epochs run "
                f"{recorded[0]}..{recorded[-1]} (every snapshot_every epochs and each fit's "
                f"last{thinned}; see model.history.snapshot_epochs)"
            )
        return i

    def values_at(self, epoch: int, record: Record | None = None) -> np.ndarray:
        """Every shown sample's layer values (n, cols) with the parameters of ``epoch``."""
        record = self.model.history.record if record is None else record
        i = self._index(epoch, record)
        sid = int(record.snapshot_ids[i])
        cached = self._values.get(epoch)
        if cached is None or cached[0] != sid:
            params = record.snapshots[i]
            cached = self._values[epoch] = (sid, trace_values(self.model, self.X, params)[0])
            held = sum(values.nbytes for _, values in self._values.values())
            if len(self._values) > MAX_EPOCHS or held > CACHE_BUDGET_BYTES:
                self._forget_unoffered(record, keep=epoch)  # off the slider: traced again
        return cached[1]

    def ranges_at(
        self,
        epoch: int,
        style: Style,
        slots: list[str],
        record: Record | None = None,
        sample: int | None = None,
    ) -> np.ndarray:
        """The style's colour ranges (1 or n, groups, 2) at ``epoch``; with ``sample`` and
        the ``"sample"`` scope only that sample's row (1, groups, 2), which depends on its
        own values alone. Centred ranges derive from the uncentred ones (kept once)."""
        record = self.model.history.record if record is None else record
        row = sample if style.norm_scope == "sample" else None
        key = (epoch, style.norm, style.norm_scope, style.robust, row)
        sid = int(record.snapshot_ids[self._index(epoch, record)])
        cached = self._ranges.get(key)
        if cached is None or cached[0] != sid:
            values = self.values_at(epoch, record)
            if row is not None:
                values = values[row : row + 1]
            nodes, start = {}, 0
            for slot in slots:
                width = self.model.widths[int(slot[1:])]
                nodes[slot] = values[:, start : start + width]
                start += width
            params = {}
            for k, (W, b) in enumerate(self.params_at(epoch, record), start=1):
                params[f"w{k}"], params[f"b{k}"] = W, b
            ranges = colors.value_ranges(
                nodes,
                params,
                norm=style.norm,
                scope=style.norm_scope,
                symmetric=False,
                robust=style.robust,
            )[2]
            cached = self._ranges[key] = (sid, ranges)
        ranges = cached[1]
        if style.symmetric:  # as value_ranges centres them
            m = np.max(np.abs(ranges), axis=-1)
            ranges = np.stack([-m, m], axis=-1)
        return ranges

    def pack(self, style: Style, sample: int) -> np.ndarray:
        """Per offered epoch: ``sample``'s layer values, the flat parameters (W then b per
        layer) and its row of colour ranges — what the page needs to recolour any epoch
        (the row's layout is :func:`rules.timeline_row`). Kept per ranges' style and
        sample until a snapshot changes (a saved page's palettes share one; read-only)."""
        record = self.model.history.record  # one consistent view for the whole pack
        slots, _ = column_layout(self.model.widths)
        epochs = self._epochs(record)
        index = [self._index(epoch, record) for epoch in epochs]
        ids = record.snapshot_ids[index].tobytes()
        key = (style.norm, style.norm_scope, style.symmetric, style.robust, sample)
        kept = self._packs.get(key)
        if kept is not None and kept[0] == (tuple(epochs), ids):
            return kept[1]
        values = np.stack([self.values_at(epoch, record)[sample] for epoch in epochs])
        flat = record.flat_snapshots(index)
        if style.robust:  # percentiles: epoch by epoch
            ranges = [self.ranges_at(epoch, style, slots, record, sample) for epoch in epochs]
            ranges = np.stack([r[sample if r.shape[0] > 1 else 0].ravel() for r in ranges])
        else:
            ranges = self._min_max_ranges(epochs, record, style, values, flat)
        at = rules.timeline_row(values.shape[1], flat.shape[1], ranges.shape[1] // 2)
        out = np.empty((len(epochs), at["stride"]), np.float32)
        out[:, slice(*at["values"])] = values
        out[:, slice(*at["params"])] = flat
        out[:, slice(*at["ranges"])] = ranges
        out.flags.writeable = False
        if len(self._packs) >= MAX_PACKS:
            self._packs.pop(next(iter(self._packs)))
        self._packs[key] = ((tuple(epochs), ids), out)
        return out

    def _min_max_ranges(self, epochs, record, style, values, flat) -> np.ndarray:
        """The packed sample's (lo, hi) per group at every epoch at once, (epochs, 2 *
        groups): :func:`colors.value_ranges`'s finite min and max (robust=False), from
        each epoch's column-wise extremes over all samples (kept per epoch) for the
        ``"dataset"`` scope or from the sample's own ``values`` for ``"sample"``."""
        if style.norm_scope == "sample":
            finite = np.isfinite(values)
            node_lo, node_hi = np.where(finite, values, np.inf), np.where(finite, values, -np.inf)
        else:
            extremes = [self._column_extremes(epoch, record) for epoch in epochs]
            node_lo = np.stack([lo for lo, _ in extremes])
            node_hi = np.stack([hi for _, hi in extremes])
        finite = np.isfinite(flat)
        param_lo, param_hi = np.where(finite, flat, np.inf), np.where(finite, flat, -np.inf)
        slots, first = column_layout(self.model.widths)
        parts = [(slot, node_lo, node_hi, first[slot], self.model.widths[int(slot[1:])])
                 for slot in slots]  # fmt: skip
        at = 0
        for k, (W, b) in enumerate(record.params, start=1):
            for name, size in ((f"w{k}", int(np.size(W))), (f"b{k}", int(np.size(b)))):
                parts.append((name, param_lo, param_hi, at, size))
                at += size
        names = list(dict.fromkeys(colors.group_of(p[0], style.norm) for p in parts))
        lo = np.full((len(epochs), len(names)), np.inf, np.float32)
        hi = np.full((len(epochs), len(names)), -np.inf, np.float32)
        for slot, lows, highs, start, size in parts:
            g = names.index(colors.group_of(slot, style.norm))
            if size:
                lo[:, g] = np.minimum(lo[:, g], lows[:, start : start + size].min(axis=1))
                hi[:, g] = np.maximum(hi[:, g], highs[:, start : start + size].max(axis=1))
        empty = ~(np.isfinite(lo) & np.isfinite(hi))  # no finite value: [0, 1]
        lo[empty], hi[empty] = 0.0, 1.0
        ranges = np.stack([lo, hi], axis=-1)
        if style.symmetric:
            m = np.max(np.abs(ranges), axis=-1)
            ranges = np.stack([-m, m], axis=-1)
        return ranges.reshape(len(epochs), -1)

    def _column_extremes(self, epoch: int, record: Record) -> tuple[np.ndarray, np.ndarray]:
        """Each column's least and greatest finite value over every sample at ``epoch``
        (±inf where a column has none)."""
        sid = int(record.snapshot_ids[self._index(epoch, record)])
        cached = self._extremes.get(epoch)
        if cached is None or cached[0] != sid:
            values = self.values_at(epoch, record)
            finite = np.isfinite(values)
            lo = np.where(finite, values, np.inf).min(axis=0, initial=np.inf)
            hi = np.where(finite, values, -np.inf).max(axis=0, initial=-np.inf)
            cached = self._extremes[epoch] = (sid, (lo, hi))
        return cached[1]

    def _forget_unoffered(self, record: Record, keep: int) -> None:
        """Drop the traces of epochs the slider does not offer (a live fit traces every
        epoch it shows), all but ``keep``'s."""
        keep = {*self._epochs(record), keep}
        for epoch in [e for e in self._values if e not in keep]:
            del self._values[epoch]
        for key in [k for k in self._ranges if k[0] not in keep]:
            del self._ranges[key]
        for epoch in [e for e in self._extremes if e not in keep]:
            del self._extremes[epoch]
