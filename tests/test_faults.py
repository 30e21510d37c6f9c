"""Faults are inputs too: Ctrl-C at every line of a fit, real SIGINTs at random moments, two
threads fitting one model, a full disk and bad text under every saver.

Every fault must leave a consistent history (:func:`fcnn_widget.training.check_history`),
the model able to fit again, and a saved file either the old one or the whole new one.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import fcnn_widget
from fcnn_widget import FCNN, TrainingBusy, datasets, export, files, standalone, training
from fcnn_widget.training import check_history

PACKAGE = Path(fcnn_widget.__file__).parent
TRACED = {str(PACKAGE / name) for name in ("model.py", "training.py", "history.py")}
ROOT = PACKAGE.parent


def tiny(seed: int = 0) -> FCNN:
    """One small shape for every test here, so JAX compiles it once."""
    return FCNN([3], dataset=datasets.make("xor", 120, test_fraction=0.25), seed=seed)


def check_fits_again(model: FCNN) -> None:
    check_history(model.history)
    assert not model.training
    before = model.history.epochs
    model.fit(epochs=2)
    check_history(model.history)
    assert model.history.epochs == before + 2 and model.history.stopped is None


class LineInterrupt:
    """A tracer that raises KeyboardInterrupt at the ``at``-th line event in the package's
    recording path (model.py, training.py, history.py), once; it counts the events too."""

    def __init__(self, at: int | None) -> None:
        self.at, self.count, self.fired_in = at, 0, None

    def __call__(self, frame, event, arg):
        if frame.f_code.co_filename not in TRACED:
            return None
        return self._local

    def _local(self, frame, event, arg):
        if event == "line":
            self.count += 1
            if self.count == self.at:
                self.fired_in = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
                raise KeyboardInterrupt
        return self._local


def traced_fit(model: FCNN, at: int | None) -> LineInterrupt:
    tracer = LineInterrupt(at)
    sys.settrace(tracer)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(epochs=9, snapshot_every=2)
    except KeyboardInterrupt:
        pass
    finally:
        sys.settrace(None)
    return tracer


def test_an_interrupt_at_every_line_of_a_fit_leaves_a_consistent_history(monkeypatch):
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)  # 3 chunks: every commit path runs
    model = tiny()
    model.fit(epochs=1)
    total = traced_fit(model, None).count  # the line events of one whole fit
    assert total > 100
    fired = set()
    for at in range(1, total + 1):
        model = tiny()
        model.fit(epochs=1)
        tracer = traced_fit(model, at)
        fired.add(tracer.fired_in)
        try:
            check_fits_again(model)
        except (AssertionError, TrainingBusy) as e:
            raise AssertionError(f"interrupt at line event {at} ({tracer.fired_in}): {e}") from e
    assert len(fired) > 50  # the interrupts landed on many distinct lines
    # a handler some interrupted fit could not restore must not swallow Ctrl-C outside a fit
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)


def test_an_interrupt_in_a_callback_or_listener_keeps_the_history(monkeypatch):
    monkeypatch.setattr(training, "_MAX_CHUNK_EPOCHS", 4)
    model = tiny()

    def callback(history):
        check_history(history)  # a reader inside the fit sees a whole record
        if history.epochs >= 8:
            raise KeyboardInterrupt

    with pytest.warns(UserWarning, match="interrupted after epoch 8"):
        history = model.fit(epochs=20, callback=callback)
    assert history.stopped == "interrupted" and history.epochs == 8
    check_fits_again(model)


def test_real_sigints_at_random_moments_stop_the_fit_and_keep_it_consistent():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach only the main thread")
    model = tiny()
    model.fit(epochs=1)
    rng = random.Random(0)
    outcomes = []
    for _ in range(16):
        model = tiny()
        model.fit(epochs=1)
        sent = []

        def send(sent=sent):
            sent.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)

        timer = threading.Timer(rng.uniform(0.0, 0.15), send)
        raised = False
        start = time.perf_counter()
        end = None
        try:
            timer.start()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(epochs=2000)
            finally:
                end = time.perf_counter()
            timer.join()
            time.sleep(0.05)  # a signal sent after the fit lands here
        except KeyboardInterrupt:
            raised = True
            timer.join()
        end = end or time.perf_counter()
        history = model.history
        during = bool(sent) and start <= sent[0] <= end
        if during and not raised:
            # the fit saw it: stopped, never trained on to the end
            assert history.stopped == "interrupted", (sent[0] - start, history.epochs)
        outcomes.append((during, history.stopped))
        check_fits_again(model)
    assert any(during for during, _ in outcomes), "no signal landed inside a fit"


def test_two_threads_fitting_one_model_exactly_one_runs():
    model = tiny()
    model.fit(epochs=1)
    for _ in range(4):
        model = tiny()
        barrier = threading.Barrier(2)
        ran, refused = [], []

        def go(model=model, barrier=barrier, ran=ran, refused=refused):
            barrier.wait()
            try:
                model.fit(epochs=1500)
                ran.append(1)
            except TrainingBusy as e:
                refused.append(str(e))

        threads = [threading.Thread(target=go) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(ran) == 1 and len(refused) == 1, (ran, refused)
        assert "already running" in refused[0] and "model.stop()" in refused[0]
        check_history(model.history)
        assert model.history.epochs == 1500


def test_a_claimed_background_fit_refuses_every_other_fit_at_once():
    model = tiny()
    claim = model.claim_fit()
    assert model.training
    start = time.perf_counter()
    with pytest.raises(TrainingBusy, match=r"Stop button.*Kernel ▸ Interrupt"):
        model.fit(epochs=1)
    with pytest.raises(TrainingBusy):
        model.claim_fit()
    with pytest.raises(TrainingBusy):
        model.set_params(model.params)
    assert time.perf_counter() - start < 0.5  # refused at once, not after waiting
    errors = []
    thread = threading.Thread(
        target=lambda: errors.append(model.fit(epochs=3000, claim=claim) and None)
    )
    thread.start()
    time.sleep(0.05)
    with pytest.raises(TrainingBusy):
        model.fit(epochs=1)
    model.stop()
    thread.join()
    assert model.history.stopped in ("stopped", None) and not model.training
    claim.release()  # idempotent: the fit released it already
    claim.release()
    with pytest.raises(ValueError, match="released"):
        model.fit(epochs=1, claim=claim)
    check_fits_again(model)


def test_a_claim_that_never_starts_its_fit_is_released_by_its_caller():
    model = tiny()
    claim = model.claim_fit()
    claim.release()
    assert not model.training
    check_fits_again(model)


def test_a_fit_that_ended_without_releasing_its_claim_does_not_block_the_next():
    # the claim of a fit whose frame is gone (an interrupt at its very last line) is stale
    model = tiny()

    def leaky_fit():
        claim = training.take_claim(model._claims)
        training.bind_claim(claim, sys._getframe())

    leaky_fit()
    assert "fit" in model._claims and not model.training
    check_fits_again(model)


# -- saves ------------------------------------------------------------------------------------


def _saves(tmp_path: Path):
    model = tiny()
    svg = export.to_svg(model, sample=1)
    return {
        "svg": lambda p: export.save_svg(svg, p),
        "png": lambda p: export.save_png(svg, p),
        "html": lambda p: standalone.save_html(model, p),
    }


def test_a_save_interrupted_at_any_step_keeps_the_old_file(tmp_path, monkeypatch):
    saves = _saves(tmp_path)
    for step in ("write", "fsync", "replace"):
        for kind, save in saves.items():
            path = tmp_path / f"a.{kind}"
            path.write_bytes(b"OLD CONTENT")

            def fail(*args, **kwargs):
                raise KeyboardInterrupt

            with monkeypatch.context() as m:
                m.setattr(files.os, step, fail)
                with pytest.raises(KeyboardInterrupt):
                    save(path)
            assert path.read_bytes() == b"OLD CONTENT", (step, kind)
            assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
                f"a.{k}" for k in saves if (tmp_path / f"a.{k}").exists()
            ), f"a temporary file was left ({step}, {kind})"
        for kind, save in saves.items():  # and the saves work again
            save(tmp_path / f"a.{kind}")
            assert (tmp_path / f"a.{kind}").read_bytes() != b"OLD CONTENT"


def test_a_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "a.svg"
    path.write_text("old")
    path.chmod(0o640)
    export.save_svg(export.to_svg(tiny()), path)
    assert (path.stat().st_mode & 0o777) == 0o640


@pytest.mark.parametrize(
    "dressing, name, char",
    [
        ({"caption": "bad \ud800 text"}, "caption", r"\\ud800"),
        ({"title": "esc \x1b[1m"}, "title", r"\\u001b"),
        ({"title": "vt \x0b"}, "title", r"\\u000b"),
        ({"caption": "nonchar \uffff"}, "caption", r"\\uffff"),
    ],
)
def test_text_xml_cannot_hold_is_refused_before_anything_is_written(tmp_path, dressing, name, char):
    path = tmp_path / "a.svg"
    path.write_bytes(b"OLD")
    with pytest.raises(
        ValueError, match=rf"{name} holds a character XML cannot hold.*{char}.*position"
    ):
        export.save_svg(export.to_svg(tiny(), **dressing), path)
    assert path.read_bytes() == b"OLD" and os.listdir(tmp_path) == ["a.svg"]


def test_svg_text_xml_cannot_hold_is_refused_by_the_savers(tmp_path):
    for save, name in ((export.save_svg, "a.svg"), (export.save_png, "a.png")):
        path = tmp_path / name
        path.write_bytes(b"OLD")
        bad = export.to_svg(tiny()).replace("</svg>", "<text>\x1b</text></svg>")
        with pytest.raises(ValueError, match=r"svg holds .*\\u001b"):
            save(bad, path)
        assert path.read_bytes() == b"OLD"
    assert sorted(os.listdir(tmp_path)) == ["a.png", "a.svg"]


FULL_DISK = """
import os, resource, signal, sys
from pathlib import Path
from fcnn_widget import FCNN, datasets, export, standalone
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
folder = Path(sys.argv[1])
model = FCNN([3], dataset=datasets.make("xor", 120, test_fraction=0.25))
svg = export.to_svg(model, sample=1)
saves = {"svg": lambda p: export.save_svg(svg, p), "png": lambda p: export.save_png(svg, p),
         "html": lambda p: standalone.save_html(model, p)}
old = b"OLD" * 300
for kind, save in saves.items():
    path = folder / f"a.{kind}"
    path.write_bytes(old)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1500, resource.RLIM_INFINITY))
    try:
        save(path)
        print(kind, "saved?!")
    except OSError as e:
        print(kind, "refused", e.errno)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print(kind, "intact" if path.read_bytes() == old else "DAMAGED")
print("files", sorted(os.listdir(folder)))
"""


def test_a_full_disk_leaves_every_old_file_intact(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    for kind in ("svg", "png", "html"):
        assert f"{kind} refused 27" in lines, out.stdout  # EFBIG
        assert f"{kind} intact" in lines, out.stdout
    assert lines[-1] == "files ['a.html', 'a.png', 'a.svg']", out.stdout


def test_the_seed_demo_writes_its_outputs_atomically(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import seed_demo
    finally:
        sys.path.pop(0)
    model = FCNN([4], dataset="prod", seed=0)
    model.fit(epochs=2)
    folder = tmp_path / "prod_relu_4"
    folder.mkdir()
    (folder / "summary.txt").write_text("OLD")
    calls = []
    real = files.write_atomic

    def counting(path, data):
        calls.append(Path(path).name)
        return real(path, data)

    monkeypatch.setattr(seed_demo, "write_atomic", counting)
    monkeypatch.setattr(files, "write_atomic", counting)
    written = seed_demo.write_outputs("prod_relu_4", model, tmp_path)
    assert {p.name for p in written} <= set(calls) | {"widget.html"}
    assert {"params.npz", "summary.txt", "sample_10.svg", "sample_10.png", "widget.html"} <= set(
        calls
    )
    assert (folder / "summary.txt").read_text().startswith("2-4-1 relu")
    assert np.load(folder / "params.npz")["W1"].shape == (2, 4)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_fault_injection_helper_counts_events_only_in_the_recording_path():
    tracer = LineInterrupt(None)
    sys.settrace(tracer)
    try:
        textwrap.dedent("  x")  # a call outside the package: not counted
    finally:
        sys.settrace(None)
    assert tracer.count == 0
