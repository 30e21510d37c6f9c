"""Limits before work (fcnn_widget.limits) and the snapshot budget of a history.

The refusals of requests that would need tens of GB run in a subprocess under ``RLIMIT_AS``
(what it had after importing plus 512 MB): a regression that starts allocating then fails
there at once instead of swapping the machine, and each refusal must take milliseconds.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import fcnn_widget
from fcnn_widget import FCNN, analysis, datasets, history, limits, settings, training
from fcnn_widget.timeline import Timeline
from fcnn_widget.training import check_history

ROOT = Path(fcnn_widget.__file__).parent.parent

UNDER_RLIMIT = r"""
import json, os, resource, sys, tempfile, time
import numpy as np
from fcnn_widget import FCNN, datasets, export, limits

def vm():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

small = FCNN([2], dataset="prod")
svg_wide = export.to_svg(small, width=10**6)
svg_big = export.to_svg(small, width=20000, height=20000)
folder = tempfile.mkdtemp()
huge_W = np.broadcast_to(np.float32(0), (100000, 100000))  # 40 GB of zeros, in no memory
data = datasets.make("prod", 100_000)
wide = FCNN([2000, 2000], dataset=data)
cap = vm() + 512 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
cases = {
    "save_png(width=10**6)": lambda: export.save_png(svg_wide, os.path.join(folder, "a.png")),
    "svg_to_png 20000 x 20000 at scale 1.5": lambda: export.svg_to_png(svg_big, scale=1.5),
    "FCNN([100000, 100000])": lambda: FCNN([100000, 100000]),
    "FCNN.from_params 1e5 x 1e5": lambda: FCNN.from_params(
        [(np.zeros((2, 100000), np.float32), np.zeros(100000, np.float32)), (huge_W, np.zeros(100000, np.float32))]
    ),
    "make('prod', 10**9)": lambda: datasets.make("prod", 10**9),
    "labels [0, 5, 10**6, 7]": lambda: FCNN([2], dataset=(np.zeros((4, 2)), [0, 5, 10**6, 7])),
    "fit of 2-2000-2000-1 on 100,000 samples": lambda: wide.fit(epochs=1),
}
out = {}
for name, call in cases.items():
    before = peak()
    start = time.perf_counter()
    try:
        call()
        outcome = "accepted"
    except BaseException as e:
        outcome = f"{type(e).__name__}: {e}"
    out[name] = {"seconds": time.perf_counter() - start, "rss": peak() - before, "outcome": outcome}
print(json.dumps(out))
"""

EXPECTED = {
    "save_png(width=10**6)": ["TooLarge", "1,000,000", "each side may be at most 32,767 px"],
    "svg_to_png 20000 x 20000 at scale 1.5": ["TooLarge", "30,000 x 30,000 px", "limit"],
    "FCNN([100000, 100000])": [
        "TooLarge",
        r"dims=\[100000, 100000\]",
        "10,000,500,001 weights",
        "GB",
        "limit is",
    ],
    "FCNN.from_params 1e5 x 1e5": [
        "TooLarge",
        "params",
        "network of 10,000,400,000 weights",
        "limit is",
    ],
    "make('prod', 10**9)": ["TooLarge", "n_points=1,000,000,000", "GB", "limit is"],
    "labels [0, 5, 10**6, 7]": [
        "ValueError",
        "1,000,001",
        "of which 4 occur",
        "not 0..K-1",
        "regression",
        "remap",
    ],
    "fit of 2-2000-2000-1 on 100,000 samples": [
        "TooLarge",
        "2-2000-2000-1 network on 100,000 samples",
        "limit is",
    ],
}


@pytest.fixture(scope="module")
def refusals():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", UNDER_RLIMIT],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", list(EXPECTED))
def test_each_limit_is_refused_in_milliseconds_without_allocating(refusals, case):
    r = refusals[case]
    print(
        f"{case}: {r['seconds'] * 1000:.2f} ms, peak RSS +{r['rss'] / 2**20:.1f} MB: {r['outcome']}"
    )
    for needle in EXPECTED[case]:
        assert __import__("re").search(needle, r["outcome"]), (needle, r["outcome"])
    assert r["seconds"] < 0.5  # milliseconds in practice; generous for a loaded machine
    assert r["rss"] < 64 * 2**20


def test_limits_follow_the_memory_there_is():
    assert 0 < limits.memory_limit() <= limits.available_memory()
    limits.check_points(2500)
    limits.check_model([2, 5, 5, 1])
    limits.check_training([2, 5, 5, 1], 2500, 100)
    with pytest.raises(limits.TooLarge, match="n_points="):
        limits.check_points(10**15)


def test_pixel_limits():
    limits.check_pixels(800, 600, 8)
    limits.check_pixels(limits.MAX_PNG_SIDE, 1, 1)
    with pytest.raises(limits.TooLarge, match="each side"):
        limits.check_pixels(limits.MAX_PNG_SIDE + 1, 1, 1)
    with pytest.raises(limits.TooLarge, match="RGBA"):
        limits.check_pixels(20000, 20000, 1)  # 1.6 GB
    assert issubclass(limits.TooLarge, MemoryError) and issubclass(limits.TooLarge, ValueError)


@pytest.mark.parametrize(
    "kwargs, needles",
    [
        ({"width": -5}, ["width", "positive finite number", "-5"]),
        ({"height": 0}, ["height", "positive finite number", "0"]),
        ({"width": "abc"}, ["width", "positive finite number", "'abc'"]),
        ({"width": math.nan}, ["width", "positive finite number", "nan"]),
        ({"height": math.inf}, ["height", "positive finite number", "inf"]),
        ({"width": True}, ["width", "positive finite number"]),
        (
            {"background": "not a colour"},
            ["background", "CSS colour", "'white'", "#rrggbb", "'not a colour'"],
        ),
        ({"background": 3}, ["background", "CSS colour"]),
        ({"theme": "blue"}, ["theme", "'blue'", "light, dark"]),
        ({"title": 5}, ["title", "str"]),
        ({"caption": "a\x07b"}, ["caption", "\\u0007", "position 1"]),
    ],
)
def test_check_dressing_names_the_parameter_and_the_allowed_values(kwargs, needles, tmp_path):
    """The settings table's checks of the options that dress an exported picture, from
    the table itself and through a widget's save_svg (which then writes nothing)."""
    with pytest.raises(ValueError) as info:
        settings.check_options(kwargs)
    for needle in needles:
        assert needle in str(info.value), (needle, str(info.value))
    with pytest.raises(ValueError):
        _small_widget().save_svg(tmp_path / "x.svg", **kwargs)
    assert not (tmp_path / "x.svg").exists()


@functools.cache
def _small_widget():
    from fcnn_widget import FCNN, FCNNWidget

    return FCNNWidget(FCNN([3], dataset="xor"))


def test_css_colours():
    good = [
        "white",
        "RebeccaPurple",
        "transparent",
        "#fff",
        "#ffff",
        "#a1b2c3",
        "#a1b2c3d4",
        "rgb(1, 2, 3)",
        "rgba(1, 2, 3, 0.5)",
        "hsl(120, 50%, 50%)",
        "rgb(1 2 3 / 50%)",
    ]
    bad = ["not a colour", "#ggg", "#12345", "rgb(1, 2)", "C0", "0.5", "", "red;", None, (1, 0, 0)]
    assert all(limits.is_css_colour(c) for c in good)
    assert not any(limits.is_css_colour(c) for c in bad)


# -- the snapshot budget ----------------------------------------------------------------------


def test_thinning_keeps_a_subset_as_the_level_halves():
    epochs = np.arange(0, 5000)
    level = 1 << 13
    previous = history.thinned(epochs, level)
    assert previous.all()
    while level > 1:
        level //= 2
        kept = history.thinned(epochs, level)
        assert not (kept & ~previous).any()  # nothing dropped comes back
        assert kept[0] and kept[:level].all()  # every epoch early
        previous = kept
    assert np.flatnonzero(previous).tolist() == [0]


def test_a_long_fit_thins_its_snapshots_to_the_budget_and_keeps_the_curves(monkeypatch):
    monkeypatch.setattr(training, "SNAPSHOT_BUDGET_BYTES", 20_000)  # ~250 snapshots of 2-3-1
    model = FCNN([3], dataset=datasets.make("xor", 120, test_fraction=0.25))
    regions = len(analysis.exact_regions(model))
    assert model.describe() == f"2-3-1 relu, untrained, {regions} linear regions"
    model.fit(epochs=3000)
    h = model.history
    r = h.record
    check_history(h)
    row = 16 + 4 * sum(w.size + b.size for w, b in model.params)
    assert len(h.snapshot_epochs) <= 20_000 // row + 1
    assert r.snapshot_epochs[0] == 0 and r.snapshot_epochs[-1] == 3000 and r.thinning
    assert len(h.loss) == len(h.test_loss) == len(h.accuracy) == len(h.test_accuracy) == 3000
    assert np.isfinite(h.loss).all()
    early = r.snapshot_epochs[: r.thinning]
    assert early.tolist() == list(range(r.thinning))  # every epoch early, sparser later
    gaps = np.diff(r.snapshot_epochs[:-1])
    assert gaps[-1] > gaps[0]
    assert (
        f"{len(h.snapshot_epochs):,} of 3,000 epochs kept as snapshots (budget 0.019"
        in model.describe()
    )
    # snapshots match the parameters of those epochs in an unthinned fit
    monkeypatch.setattr(training, "SNAPSHOT_BUDGET_BYTES", 2**30)
    full = FCNN([3], dataset=datasets.make("xor", 120, test_fraction=0.25))
    full.fit(epochs=3000)
    for e in r.snapshot_epochs[[0, 5, -3, -2]]:
        for (W, b), (Wf, bf) in zip(
            h.snapshots[r.snapshot_index(e)], full.history.snapshots[int(e)]
        ):
            np.testing.assert_array_equal(W, Wf)
            np.testing.assert_array_equal(b, bf)
    assert "kept as snapshots" not in full.describe()
    model.fit(epochs=5, snapshot_every=2)
    check_history(model.history)


def test_a_model_larger_than_the_budget_keeps_epoch_zero_and_the_latest(monkeypatch):
    monkeypatch.setattr(training, "SNAPSHOT_BUDGET_BYTES", 10)
    model = FCNN([3], dataset=datasets.make("xor", 120))
    model.fit(epochs=200)
    assert model.history.snapshot_epochs.tolist() == [0, 200]
    check_history(model.history)


def test_history_keeps_its_identity_and_old_records_never_change():
    model = FCNN([3], dataset=datasets.make("xor", 120))
    h = model.history
    model.fit(epochs=10)
    old = h.record
    loss, epochs = old.loss.copy(), old.snapshot_epochs.copy()
    snap = [a.copy() for layer in old.snapshots[-1] for a in layer]
    model.fit(epochs=70)
    model.set_params(model.params)
    assert model.history is h and h.epochs == 80
    np.testing.assert_array_equal(old.loss, loss)
    np.testing.assert_array_equal(old.snapshot_epochs, epochs)
    for a, b in zip([a for layer in old.snapshots[-1] for a in layer], snap):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError):
        h.loss[0] = 1.0  # read-only: records are shared


def test_readers_see_whole_records_while_a_fit_runs(monkeypatch):
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 2)
    model = FCNN([3], dataset=datasets.make("xor", 120, test_fraction=0.25))
    timeline = Timeline(model, model.dataset.X[:5])
    problems, reads = [], [0]
    done = threading.Event()

    def read():
        while not done.is_set():
            r = model.history.record
            try:
                check_history(r)
                for e in timeline._epochs(r)[-3:]:
                    timeline.params_at(e, r)
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                problems.append(repr(e))
            reads[0] += 1

    reader = threading.Thread(target=read)
    reader.start()
    try:
        model.fit(epochs=600)
    finally:
        done.set()
        reader.join()
    assert not problems, problems[:3]
    assert reads[0] > 10


def test_growth_of_a_long_fit_is_linear():
    # append-only buffers: the commit of a chunk costs the same late as early (bench/
    # history_growth.py measures the throughput); here, the buffers double, not grow by 1
    model = FCNN([3], dataset=datasets.make("xor", 120))
    model.fit(epochs=1000)
    buffers = model.history.record._buffers
    assert buffers["loss"].shape[0] < 4 * 1000
