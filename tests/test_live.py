"""Live training in the widget: following epochs, throttled updates, stop, errors, and the
timeline the page scrubs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import traitlets

from fcnn_widget import FCNN, FCNNWidget, TrainingDiverged, live, training


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of at most 2 epochs, so a short fit has many update points."""
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 2)


def count_changes(widget, name):
    changes = []
    widget.observe(lambda change: changes.append(time.perf_counter()), names=[name])
    return changes


def test_fit_follows_the_latest_epoch_and_records_history():
    w = FCNNWidget(FCNN([4], dataset="prod", seed=1))
    assert w.epoch == 0 and w.epochs == [0]
    w.fit(epochs=12, snapshot_every=4)
    assert w.epoch == 12 and w.epochs == [0, 4, 8, 12]
    loss = np.frombuffer(w._history, np.float32).reshape(2, -1)
    np.testing.assert_array_equal(loss[0], w.model.history.loss)
    assert np.isnan(loss[1]).all()  # no test set
    assert w._progress["running"] is False and w._progress["done"] == 12
    # The frame shows the model as it now is.
    np.testing.assert_array_equal(w.scene.params[0][0], w.model.params[0][0])


def test_plain_model_fit_updates_a_shown_widget():
    model = FCNN([3], dataset="prod")
    w = FCNNWidget(model)
    model.fit(epochs=5)
    assert w.epoch == 5 and w.scene.epoch == 5
    assert "epoch 5 of 5" in w._svg


def test_updates_are_throttled(small_chunks):
    model = FCNN([8, 8], dataset="prod", seed=0)
    w = FCNNWidget(model)
    pushes = count_changes(w, "_values")
    chunks = []
    start = time.perf_counter()
    w.model.fit(epochs=120, batch_size=16, callback=lambda h: chunks.append(1))
    elapsed = time.perf_counter() - start
    assert len(chunks) == 60
    # At most ~30 a second, plus the final update; at least the final one.
    assert 1 <= len(pushes) <= 30 * elapsed + 2
    gaps = np.diff(pushes[:-1])  # the last push is forced at the end of the fit
    assert (gaps >= 1 / 30 - 1e-3).all()
    assert w.epoch == 120


def test_update_budget_keeps_room_for_the_final_update():
    w = FCNNWidget(FCNN([3], dataset="prod"))
    budget = w._budget
    budget.cost, budget.last_push, started = 0.01, 0.0, 1000.0
    share = live.UPDATE_SHARE
    # This update and the final one (2 x 10 ms) must fit in the share of the time trained.
    assert not budget.due(started, started + 0.02 / share - 0.001)
    assert budget.due(started, started + 0.02 / share + 0.001)
    budget.spent = 0.05  # what this fit's updates cost so far
    assert not budget.due(started, started + 0.07 / share - 0.001)
    assert budget.due(started, started + 0.07 / share + 0.001)
    budget.last_push = started + 0.07 / share  # and never more than 30 a second
    assert not budget.due(started, budget.last_push + 0.03)
    assert budget.due(started, budget.last_push + 0.034)
    assert budget.due(started + 5, started + 5 + 0.02 / share + 0.001)  # a new fit: spent 0


def test_stop_ends_training_after_the_chunk_and_keeps_everything(small_chunks):
    w = FCNNWidget(FCNN([4], dataset="prod"))
    w.model.add_listener(lambda m: w.stop() if m.history.epochs >= 4 else None)
    history = w.fit(epochs=50)
    assert history.stopped == "stopped" and history.epochs == 4
    assert w.epoch == 4 and w._progress["stopped"] == "stopped"
    assert len(history.loss) == 4


def test_stop_message_from_the_page_stops_training(small_chunks):
    w = FCNNWidget(FCNN([4], dataset="prod"))
    w.model.add_listener(
        lambda m: w._on_page_message(w, {"type": "stop"}, []) if m.history.epochs == 2 else None
    )
    assert w.fit(epochs=20).epochs == 2


def test_background_fit_runs_in_a_thread_and_follows():
    w = FCNNWidget(FCNN([4], dataset="prod"))
    thread = w.fit(epochs=30, background=True)
    with pytest.raises(RuntimeError, match="already running"):
        if thread.is_alive():
            w.fit(epochs=1)
        else:
            raise RuntimeError("already running (finished too fast to check)")
    thread.join(60)
    assert not thread.is_alive()
    assert w.epoch == 30 and w.model.history.epochs == 30


def test_bad_arguments_and_divergence_show_in_the_widget_and_raise():
    w = FCNNWidget(FCNN([4], dataset="prod"))
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        w.fit(epochs=3, lr=-1)
    assert "lr must be" in w._progress["error"]
    with pytest.raises(TrainingDiverged):
        w.fit(epochs=20, lr=1e6, optimizer="sgd")
    assert "TrainingDiverged" in w._progress["error"]
    assert np.isfinite(np.frombuffer(w._params, np.float32)).all()


def test_epoch_scrubbing_shows_that_snapshot():
    model = FCNN([4], dataset="prod")
    w = FCNNWidget(model)
    w.fit(epochs=20, snapshot_every=5)
    w.epoch = 10
    snapshot = model.history.snapshots[list(model.history.snapshot_epochs).index(10)]
    np.testing.assert_array_equal(w.scene.params[0][0], snapshot[0][0])
    trace = model.trace(model.dataset.X, params=snapshot)
    values = np.frombuffer(w._values, np.float32).reshape(2500, -1)
    np.testing.assert_array_equal(values[:, w._meta["offsets"]["a2"]], trace.a[2][:, 0])
    assert "epoch 10 of 20" in w._svg
    with pytest.raises(
        traitlets.TraitError, match="epoch 7 has no recorded snapshot; valid epochs are 0, 5, 10"
    ):
        w.epoch = 7
    # A widget scrubbed back stays there while training goes on.
    w.fit(epochs=5, snapshot_every=5)
    assert w.epoch == 10 and w.epochs[-1] == 25


def test_timeline_rows_hold_sample_values_params_and_ranges():
    model = FCNN([3], dataset="prod")
    w = FCNNWidget(model, sample=7, norm_scope="sample")
    w.fit(epochs=4)
    assert w._timeline == b""  # made only once someone scrubs epochs
    w._on_page_message(w, {"type": "timeline"}, [])
    meta = w._meta
    stride = meta["n_cols"] + meta["n_params"] + 2 * len(meta["group_names"])
    rows = np.frombuffer(w._timeline, np.float32).reshape(-1, stride)
    assert rows.shape[0] == len(w.epochs) == 5 and w._timeline_sample == 7
    for i in range(len(w.epochs)):
        snapshot = model.history.snapshots[i]
        trace = model.trace(model.dataset.X, params=snapshot)
        np.testing.assert_array_equal(
            rows[i, meta["offsets"]["z1"] : meta["offsets"]["z1"] + 3], trace.z[1][7]
        )
        flat = np.concatenate([a.ravel() for W, b in snapshot for a in (W, b)])
        np.testing.assert_array_equal(
            rows[i, meta["n_cols"] : meta["n_cols"] + meta["n_params"]], flat
        )
    # The last row's ranges are the frame's ranges for that sample.
    frame = np.frombuffer(w._ranges, np.float32).reshape(2500, -1)
    np.testing.assert_array_equal(rows[-1, meta["n_cols"] + meta["n_params"] :], frame[7])
    w.sample = 11
    assert w._timeline_sample == 11


def test_timeline_traces_stay_within_the_cache_budget(monkeypatch):
    from fcnn_widget import timeline

    model = FCNN([4], dataset="prod", seed=1)
    model.fit(epochs=40)
    one_trace = 4 * len(model.dataset.X) * (2 + 4 + 4 + 1 + 1)
    monkeypatch.setattr(timeline, "CACHE_BUDGET_BYTES", 5 * one_trace)
    tl = timeline.Timeline(model, model.dataset.X)
    assert len(tl.epochs) == 5 and tl.epochs[0] == 0 and tl.epochs[-1] == 40
    for epoch in range(41):  # as a live fit shows every epoch in turn
        values = tl.values_at(epoch)
        np.testing.assert_array_equal(
            values[:, -1:], model.trace(model.dataset.X, params=tl.params_at(epoch)).a[-1]
        )
        held = sum(v.nbytes for _, v in tl._values.values())
        assert held <= 6 * one_trace  # the offered epochs and the one just shown


def test_a_background_fit_is_checked_in_the_caller_and_keeps_its_error():
    w = FCNNWidget(FCNN([4], dataset="prod"))
    threads = threading.active_count()
    with pytest.raises(ValueError, match="epochs must be an integer >= 0"):
        w.fit(epochs=-1, background=True)
    assert threading.active_count() == threads  # refused before any thread started
    assert "epochs must be" in w._progress["error"]
    handle = w.fit(epochs=20, lr=1e6, optimizer="sgd", background=True)
    assert isinstance(handle.exception(timeout=60), TrainingDiverged)
    with pytest.raises(TrainingDiverged):
        handle.result()
    assert handle.done() and not handle.cancel()
    assert "TrainingDiverged" in w._progress["error"]
    training.check_history(w.model.history)


def test_cancel_stops_a_background_fit_and_keeps_its_history():
    w = FCNNWidget(FCNN([4], dataset="prod"))
    handle = w.fit(epochs=100_000, background=True)
    time.sleep(0.5)
    assert handle.cancel()
    history = handle.result(timeout=60)
    assert history.stopped == "stopped" and 0 < history.epochs < 100_000
    assert w.epoch == history.epochs
    training.check_history(history)


def test_two_widgets_of_one_model_train_it_one_fit_at_a_time():
    model = FCNN([4], dataset="prod")
    first, second = FCNNWidget(model), FCNNWidget(model)
    handle = first.fit(epochs=100_000, background=True)
    try:
        with pytest.raises(training.TrainingBusy, match="already running"):
            second.fit(epochs=5, background=True)
        with pytest.raises(training.TrainingBusy):
            model.fit(epochs=5)
        with pytest.raises(training.TrainingBusy):
            second.fit(epochs=5)
    finally:
        handle.cancel()
    handle.result(timeout=60)
    training.check_history(model.history)
    assert first.epoch == second.epoch == model.history.epochs  # both follow the one fit


def test_settings_changed_while_a_background_fit_runs_see_whole_snapshots():
    """A reader (the page's controls) never sees a half-recorded chunk."""
    w = FCNNWidget(FCNN([4], dataset="prod"))
    handle = w.fit(epochs=100_000, snapshot_every=1, background=True)
    palettes = ["RdBu", "viridis", "plasma"]
    try:
        for i in range(30):
            w.sample = (7 * i) % 2500
            w.palette = palettes[i % 3]
            w.norm = ["global", "component", "layer"][i % 3]
            w.epoch = w.epochs[len(w.epochs) // 2]
            w.want_timeline()
    finally:
        handle.cancel()
    handle.result(timeout=60)
    assert handle.exception() is None
    training.check_history(w.model.history)
