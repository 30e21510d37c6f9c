"""The recorded training as the page scrubs it: for every parameter snapshot, the shown
samples traced by JAX (cached, so a frame and its scrub entry are the very same numbers),
the colour ranges a style gives them, and one packed float32 buffer per selected sample.

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.view import make_style
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
from .model import FCNN
from .view import Style, column_layout, trace_values

# Traces kept for scrubbing; past this the timeline keeps evenly spaced snapshots.
CACHE_BUDGET_BYTES = 256 * 2**20
# Each offered epoch costs a trace of every shown sample; more are thinned evenly.
MAX_EPOCHS = 128


class Timeline:
    def __init__(self, model: FCNN, X: np.ndarray) -> None:
        self.model = model
        self.X = X
        # epoch -> (the snapshot it was computed from, result): set_params may replace a
        # snapshot, and a stale entry must not outlive it.
        self._values: dict[int, tuple[list, np.ndarray]] = {}
        self._ranges: dict[tuple, tuple[list, np.ndarray]] = {}
        self._rows: dict[tuple, tuple[list, np.ndarray]] = {}

    @property
    def epochs(self) -> list[int]:
        """The snapshot epochs offered for scrubbing (all, or evenly thinned to the budget)."""
        recorded = np.asarray(self.model.history.snapshot_epochs)
        cols = sum(self.model.widths) + sum(self.model.widths[1:])
        room = max(2, min(MAX_EPOCHS, CACHE_BUDGET_BYTES // max(1, 4 * cols * len(self.X))))
        if len(recorded) > room:
            recorded = recorded[
                np.unique(np.linspace(0, len(recorded) - 1, room).round().astype(int))
            ]
        return recorded.tolist()

    def params_at(self, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        history = self.model.history
        where = np.flatnonzero(history.snapshot_epochs == epoch)
        if where.size == 0:
            recorded = history.snapshot_epochs
            raise ValueError(
                f"epoch {epoch} has no recorded snapshot; recorded epochs run "
                f"{recorded[0]}..{recorded[-1]} (every snapshot_every epochs and each fit's last)"
            )
        return history.snapshots[int(where[-1])]

    def values_at(self, epoch: int) -> np.ndarray:
        """Every shown sample's layer values (n, cols) with the parameters of ``epoch``."""
        params = self.params_at(epoch)
        cached = self._values.get(epoch)
        if cached is None or cached[0] is not params:
            cached = self._values[epoch] = (params, trace_values(self.model, self.X, params)[0])
            held = sum(values.nbytes for _, values in self._values.values())
            if len(self._values) > MAX_EPOCHS or held > CACHE_BUDGET_BYTES:
                self._forget_unoffered(keep=epoch)  # an epoch off the slider is traced again
        return cached[1]

    def ranges_at(self, epoch: int, style: Style, slots: list[str]) -> np.ndarray:
        """The style's colour ranges (1 or n, groups, 2) at ``epoch``."""
        key = (epoch, style.norm, style.norm_scope, style.symmetric, style.robust)
        params_now = self.params_at(epoch)
        cached = self._ranges.get(key)
        if cached is None or cached[0] is not params_now:
            values = self.values_at(epoch)
            nodes, start = {}, 0
            for slot in slots:
                width = self.model.widths[int(slot[1:])]
                nodes[slot] = values[:, start : start + width]
                start += width
            params = {}
            for k, (W, b) in enumerate(self.params_at(epoch), start=1):
                params[f"w{k}"], params[f"b{k}"] = W, b
            ranges = colors.value_ranges(
                nodes,
                params,
                norm=style.norm,
                scope=style.norm_scope,
                symmetric=style.symmetric,
                robust=style.robust,
            )[2]
            self._ranges[key] = (params_now, ranges)
        return self._ranges[key][1]

    def pack(self, style: Style, sample: int) -> np.ndarray:
        """Per offered epoch: ``sample``'s layer values, the flat parameters (W then b per
        layer) and its row of colour ranges — what the page needs to recolour any epoch
        (the row's layout is :func:`rules.timeline_row`)."""
        slots, _ = column_layout(self.model.widths)
        style_key = (style.norm, style.norm_scope, style.symmetric, style.robust, sample)
        rows = []
        for epoch in self.epochs:
            params = self.params_at(epoch)
            cached = self._rows.get((epoch, style_key))
            if cached is None or cached[0] is not params:  # live training packs each epoch once
                ranges = self.ranges_at(epoch, style, slots)
                values = self.values_at(epoch)[sample]
                flat = np.concatenate([a.ravel() for W, b in params for a in (W, b)])
                at = rules.timeline_row(values.size, flat.size, ranges.shape[1])
                row = np.empty(at["stride"], np.float32)
                row[slice(*at["values"])] = values
                row[slice(*at["params"])] = flat
                row[slice(*at["ranges"])] = ranges[sample if ranges.shape[0] > 1 else 0].ravel()
                cached = (params, row)
                self._rows[(epoch, style_key)] = cached
            rows.append(cached[1])
        if len(self._rows) > 4 * len(rows):  # rows of other samples and styles: let them go
            self._rows = {k: v for k, v in self._rows.items() if k[1] == style_key}
        return np.asarray(rows, np.float32)

    def _forget_unoffered(self, keep: int) -> None:
        """Drop the traces of epochs the slider does not offer (a live fit traces every
        epoch it shows), all but ``keep``'s."""
        keep = {*self.epochs, keep}
        for epoch in [e for e in self._values if e not in keep]:
            del self._values[epoch]
        for key in [k for k in self._ranges if k[0] not in keep]:
            del self._ranges[key]
