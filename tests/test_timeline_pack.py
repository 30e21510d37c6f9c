"""The packed timeline (fcnn_widget/timeline.py Timeline.pack) row by row against the
definition: the sample's traced values, the flat parameters and value_ranges' full row."""

from __future__ import annotations

import numpy as np
import pytest

from fcnn_widget import FCNN, colors, settings
from fcnn_widget.scene import column_layout, trace_values
from fcnn_widget.timeline import Timeline


@pytest.fixture(scope="module")
def model():
    m = FCNN([4, 3], dataset="prod", seed=1)
    m.fit(epochs=6, lr=0.01, batch_size=250)
    return m


def expected_row(model, epoch, style, sample):
    record = model.history.record
    params = record.snapshots[record.snapshot_index(epoch)]
    values = trace_values(model, model.dataset.X, params)[0]
    slots, _ = column_layout(model.widths)
    nodes, start = {}, 0
    for slot in slots:
        width = model.widths[int(slot[1:])]
        nodes[slot], start = values[:, start : start + width], start + width
    flat = {}
    for k, (W, b) in enumerate(params, start=1):
        flat[f"w{k}"], flat[f"b{k}"] = np.asarray(W), np.asarray(b)
    ranges = colors.value_ranges(
        nodes, flat, norm=style.norm, scope=style.norm_scope, symmetric=style.symmetric,
        robust=style.robust,
    )[2]  # fmt: skip
    ravelled = np.concatenate([np.ravel(a) for W, b in params for a in (W, b)])
    return np.concatenate(
        [values[sample], ravelled, ranges[sample if ranges.shape[0] > 1 else 0].ravel()]
    ).astype(np.float32)


@pytest.mark.parametrize("norm", colors.NORMS)
@pytest.mark.parametrize("scope", colors.SCOPES)
@pytest.mark.parametrize("symmetric", [False, True])
def test_each_row_is_the_sample_the_parameters_and_the_styles_ranges(
    model, norm, scope, symmetric, robust=False
):
    tl = Timeline(model, model.dataset.X)
    style = settings.make_style(norm=norm, norm_scope=scope, symmetric=symmetric, robust=robust)
    packed = tl.pack(style, sample=17)
    assert packed.shape[0] == len(tl.epochs)
    for row, epoch in zip(packed, tl.epochs):
        assert np.array_equal(row, expected_row(model, epoch, style, 17))
    assert tl.pack(style, sample=17) is packed  # kept
    other = tl.pack(style, sample=3)
    assert np.array_equal(other[-1], expected_row(model, tl.epochs[-1], style, 3))


@pytest.mark.parametrize("scope", colors.SCOPES)
def test_robust_ranges_too(model, scope):
    test_each_row_is_the_sample_the_parameters_and_the_styles_ranges(
        model, "layer", scope, True, True
    )


def test_a_changed_snapshot_is_packed_again(model):
    m = FCNN([3], dataset="prod", seed=2)
    m.fit(epochs=2, lr=0.01, batch_size=250)
    tl = Timeline(m, m.dataset.X)
    style = settings.make_style()
    first = tl.pack(style, sample=0)
    m.fit(epochs=2, lr=0.01, batch_size=250)
    second = tl.pack(style, sample=0)
    assert second.shape[0] == first.shape[0] + 2
    for row, epoch in zip(second, tl.epochs):
        assert np.array_equal(row, expected_row(m, epoch, style, 0))


def test_values_that_are_not_finite_are_left_out_of_the_ranges():
    m = FCNN([3], dataset="prod", seed=3)
    m.fit(epochs=1, lr=0.01, batch_size=250)
    X = np.array(m.dataset.X[:40], np.float32)
    X[5, 0], X[6, 1] = np.nan, np.inf
    tl = Timeline(m, X)
    for scope in colors.SCOPES:
        style = settings.make_style(norm="layer", norm_scope=scope)
        for sample in (0, 5, 6):
            packed = tl.pack(style, sample=sample)
            values = trace_values(m, X, m.history.record.snapshots[-1])[0]
            nodes = {"x0": values[:, :2], "z1": values[:, 2:5], "a1": values[:, 5:8],
                     "z2": values[:, 8:9], "a2": values[:, 9:10]}  # fmt: skip
            (W1, b1), (W2, b2) = m.history.record.snapshots[-1]
            ranges = colors.value_ranges(
                nodes, {"w1": W1, "b1": b1, "w2": W2, "b2": b2}, norm="layer", scope=scope,
                symmetric=False, robust=False,
            )[2]  # fmt: skip
            want = ranges[sample if scope == "sample" else 0].ravel()
            assert np.array_equal(packed[-1, -want.size :], want)


def test_flat_snapshots_are_each_snapshots_arrays_joined(model):
    record = model.history.record
    index = list(range(len(record.snapshots)))
    flat = record.flat_snapshots(index[::-1])
    for row, i in zip(flat, index[::-1]):
        joined = np.concatenate([np.ravel(a) for W, b in record.snapshots[i] for a in (W, b)])
        assert np.array_equal(row, joined.astype(np.float32))
    assert record.snapshot_index(2) == list(record.snapshot_epochs).index(2)
    assert record.snapshot_index(2.5) is None and record.snapshot_index(10**9) is None
