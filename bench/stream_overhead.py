"""What a live ``FCNNWidget`` costs a training run (not a test: it prints, never asserts).

    python bench/stream_overhead.py [--repeats 7] [--epochs 250] [--batches 100,32]

The blog post's relu [5, 5] network on ``prod`` (``FCNN([5, 5], "relu", dataset="prod",
seed=0)``, Adam lr 0.005) is trained inside an in-process IPython kernel
(``ipykernel.inprocess``), so the widget has a real comm: every update is a real
``comm_msg`` serialised by the kernel's session, sent on its IOPub channel and received and
decoded by an in-process client. Per batch size, alternating the two arms:

* ``plain``: a fresh model, ``model.fit(...)`` with no widget;
* ``widget``: a fresh model with ``FCNNWidget(model)`` attached (created before the clock
  starts), the same ``model.fit(...)``; the widget follows through its model listener.

JAX compilation and the widget's first-use costs are warmed up before anything is timed.
Printed (medians over ``--repeats``): fit wall time per arm and their ratio (goal <= 1.10);
widget updates sent during the fit and updates per second (goal <= ~30/s); the kernel time
spent in the widget's ``_on_model`` per pushed update; and per update the bytes on the wire
against the raw float32 tensors it carries (``_values``, ``_params``, ``_ranges``,
``_timeline``), with the SVG text and everything else apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provenance import code_state  # noqa: E402  (bench/ is on the path when run as a script)

GOAL_RATIO = 1.10
GOAL_UPDATES_PER_S = 30.0
TENSOR_KEYS = ("_values", "_params", "_ranges", "_timeline")


# Runs inside the kernel once: the arms, and a timer around the widget's model listener
# (instrumentation only; it wraps the class's own method, which it calls unchanged).
KERNEL_SETUP = """
import time as _time
from fcnn_widget import FCNN, FCNNWidget

_on_model = FCNNWidget._on_model

def _timed_on_model(self, model):
    before = self._budget.last_push
    start = _time.perf_counter()
    _on_model(self, model)
    if self._budget.last_push != before:  # it pushed (not throttled away)
        _bench.update_seconds.append(_time.perf_counter() - start)

FCNNWidget._on_model = _timed_on_model
_WIDGET_OPTIONS = {}  # settings of the widget arm (--show)

def _arm(batch, epochs, with_widget):
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    widget = None
    if with_widget:
        start = _time.perf_counter()
        widget = FCNNWidget(model, **_WIDGET_OPTIONS)
        _bench.create_seconds = _time.perf_counter() - start
    _bench.begin()
    start = _time.perf_counter()
    model.fit(epochs=epochs, lr=0.005, batch_size=batch)
    seconds = _time.perf_counter() - start
    _bench.end()
    if widget is not None:
        widget.close()
    return seconds, float(model.history.loss[-1])
"""


def _nbytes(buffer) -> int:
    return memoryview(buffer).nbytes


class IopubCounter:
    """Counts what the kernel sends on IOPub: wraps the kernel session's ``send`` (to see
    each message and its buffers) and ``serialize`` (the bytes of its JSON frames)."""

    def __init__(self, session):
        self.session = session
        self.active = False
        self.messages: list[dict] = []
        self.update_seconds: list[float] = []
        self.create_seconds = 0.0
        self.comm_sent = 0  # every comm message, timed or not
        self._local = threading.local()
        send, serialize = session.send, session.serialize

        def counting_serialize(msg, ident=None):
            frames = serialize(msg, ident)
            self._local.frame_bytes = sum(len(f) for f in frames)
            return frames

        def counting_send(stream, msg_or_type, content=None, parent=None, ident=None,
                          buffers=None, *args, **kwargs):  # fmt: skip
            self._local.frame_bytes = 0
            msg = send(stream, msg_or_type, content, parent, ident, buffers, *args, **kwargs)
            if msg is not None and msg["msg_type"].startswith("comm_"):
                self.comm_sent += 1
            if self.active and msg is not None:
                sizes = [_nbytes(b) for b in (buffers or [])]
                self.messages.append(
                    {
                        "type": msg["msg_type"],
                        "content": msg["content"],  # classified after the run
                        "buffer_sizes": sizes,
                        "bytes": self._local.frame_bytes + sum(sizes),
                    }
                )
            return msg

        session.serialize = counting_serialize
        session.send = counting_send

    def begin(self):
        self.messages, self.update_seconds = [], []
        self.active = True

    def end(self):
        self.active = False


def classify_updates(messages) -> list[dict]:
    """Per widget ``update`` message: bytes by state key (binary buffers by their paths,
    other keys as their JSON text) and the whole message on the wire."""
    out = []
    for m in messages:
        data = m["content"].get("data", {}) if m["type"] == "comm_msg" else {}
        if data.get("method") != "update":
            continue
        keys: dict[str, int] = {}
        binary: set[str] = set()
        for path, size in zip(data.get("buffer_paths", []), m["buffer_sizes"]):
            keys[path[0]] = keys.get(path[0], 0) + size
            binary.add(path[0])
        for key, value in data.get("state", {}).items():
            if key not in keys:
                keys[key] = (
                    len(value.encode()) if isinstance(value, str) else len(json.dumps(value))
                )
        out.append({"keys": keys, "binary": binary, "bytes": m["bytes"]})
    return out


class InProcessKernel:
    def __init__(self):
        from ipykernel.inprocess.manager import InProcessKernelManager
        from ipykernel.kernelbase import Kernel

        self.manager = InProcessKernelManager()
        self.manager.start_kernel()
        self.kernel = self.manager.kernel
        # Comms publish only if a kernel singleton exists; the manager makes its kernel
        # without ``Kernel.instance()``, so make it the one.
        Kernel._instance = self.kernel
        self.client = self.manager.client()
        self.client.start_channels()
        self.counter = IopubCounter(self.kernel.session)
        self.kernel.shell.user_ns["_bench"] = self.counter
        self.comm_received = 0

    def run(self, code: str) -> None:
        self.client.execute(code)
        reply = self.client.get_shell_msg(timeout=600)
        if reply["content"]["status"] != "ok":
            c = reply["content"]
            raise RuntimeError(f"{c.get('ename')}: {c.get('evalue')}\n{code}")

    def call(self, expr: str):
        self.run(f"_bench.result = {expr}")
        return self.counter.result

    def drain(self, timeout: float = 30.0) -> bool:
        """Empty the client's IOPub queue until it has received every comm message the
        kernel sent so far (False if that takes longer than ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.client.iopub_channel.get_msgs()
            self.comm_received += sum(m["msg_type"].startswith("comm_") for m in msgs)
            if self.comm_received >= self.counter.comm_sent:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)

    def stop(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel()


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} kB"


def measure(kernel: InProcessKernel, batch: int, epochs: int, repeats: int) -> dict:
    counter = kernel.counter
    plain, live, losses = [], [], set()
    updates, per_s, cost, create, wire = [], [], [], [], []
    per_update: list[dict] = []
    for _ in range(repeats):
        # plain
        seconds, loss = kernel.call(f"_arm({batch}, {epochs}, False)")
        plain.append(seconds)
        losses.add(round(loss, 6))
        # widget
        seconds, loss = kernel.call(f"_arm({batch}, {epochs}, True)")
        live.append(seconds)
        losses.add(round(loss, 6))
        ups = classify_updates(counter.messages)
        kernel.drain()  # the client decodes everything before the next run starts
        updates.append(len(ups))
        per_s.append(len(ups) / seconds)
        cost.extend(counter.update_seconds)
        create.append(counter.create_seconds)
        wire.append(sum(m["bytes"] for m in counter.messages))
        per_update.extend(ups)
    return dict(
        batch=batch,
        plain=median(plain),
        live=median(live),
        plain_all=plain,
        live_all=live,
        ratio=median(live) / median(plain),
        updates=median(updates),
        per_s=median(per_s),
        cost=median(cost),
        create=median(create),
        wire=median(wire),
        per_update=per_update,
        losses=losses,
    )


def print_bytes(per_update: list[dict]) -> None:
    if not per_update:
        print("  no updates were sent")
        return
    keys = {k for u in per_update for k in u["keys"]}
    binary = {k for u in per_update for k in u["binary"]}

    def med(key):
        return median([u["keys"].get(key, 0) for u in per_update])

    total = median([u["bytes"] for u in per_update])
    tensors = sum(med(k) for k in TENSOR_KEYS)
    other_binary = sum(med(k) for k in binary - set(TENSOR_KEYS))
    other_text = sum(med(k) for k in keys - binary - {"_svg"})
    print(f"  per update (median of {len(per_update)} updates), bytes on the wire by key:")
    for key in sorted(keys, key=med, reverse=True):
        tag = "float32 tensor" if key in TENSOR_KEYS else "binary" if key in binary else "text"
        print(f"    {key:<18}{kb(med(key)):>12}  {tag}")
    print(f"    {'whole message':<18}{kb(total):>12}  JSON frames + buffers")
    print(
        f"  raw float32 tensors ({', '.join(TENSOR_KEYS)}) {kb(tensors)}; whole message / "
        f"tensors = {total / tensors:.2f}x; SVG text {kb(med('_svg'))} "
        f"({med('_svg') / total:.0%}); other buffers {kb(other_binary)}; "
        f"other JSON {kb(other_text)}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=250)
    parser.add_argument("--batches", default="100,32", help="comma-separated batch sizes")
    parser.add_argument(
        "--show", default="", help="comma-separated flags the widget arm turns on, e.g. regions"
    )
    args = parser.parse_args(argv)
    options = {f"show_{name}": True for name in args.show.split(",") if name}
    batches = [int(b) for b in args.batches.split(",")]

    import warnings

    warnings.filterwarnings("ignore", category=DeprecationWarning)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    kernel = InProcessKernel()
    try:
        kernel.run(KERNEL_SETUP)
        kernel.run(f"_WIDGET_OPTIONS = {options!r}")
        import jax

        load = os.getloadavg()
        print(
            f"python {platform.python_version()}, jax {jax.__version__}, {os.cpu_count()} CPUs, "
            f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {code_state()}"
        )
        print(
            f'FCNN([5, 5], "relu", dataset="prod", seed=0), {args.epochs} epochs, adam lr 0.005; '
            f"in-process kernel, {args.repeats} repeats per arm (median); widget {options or 'defaults'}"
        )
        # Warm-up: compile each batch size's chunk and take the widget's first-use costs.
        for batch in batches:
            kernel.call(f"_arm({batch}, {args.epochs}, False)")
            kernel.call(f"_arm({batch}, {args.epochs}, True)")
            kernel.drain()
        results = []
        for batch in batches:
            r = measure(kernel, batch, args.epochs, args.repeats)
            results.append(r)
            print()
            print(f"batch {batch}:")
            print(
                f"  fit without widget {r['plain'] * 1e3:8.1f} ms   "
                f"({', '.join(f'{s * 1e3:.0f}' for s in r['plain_all'])})"
            )
            print(
                f"  fit with widget    {r['live'] * 1e3:8.1f} ms   "
                f"({', '.join(f'{s * 1e3:.0f}' for s in r['live_all'])})"
            )
            print(f"  ratio              {r['ratio']:8.2f}x   goal <= {GOAL_RATIO:.2f}")
            print(
                f"  updates sent {r['updates']:g} in the fit = {r['per_s']:.1f}/s "
                f"(goal <= ~{GOAL_UPDATES_PER_S:g}/s); kernel time per pushed update "
                f"{r['cost'] * 1e3:.1f} ms; IOPub bytes during the fit {kb(r['wire'])}"
            )
            print(f"  widget creation (not in the fit time) {r['create'] * 1e3:.0f} ms")
            if len(r["losses"]) > 1:
                print(f"  NOTE: final losses differ between runs: {sorted(r['losses'])}")
            print_bytes(r["per_update"])
        kernel.drain()
        print()
        print(
            f"comm messages sent by the kernel {kernel.counter.comm_sent}, "
            f"received and decoded by the client {kernel.comm_received}"
        )
        print("summary (median):")
        print(
            f"{'batch':>6}{'plain ms':>10}{'widget ms':>11}{'ratio':>8}{'updates':>9}{'per s':>8}"
        )
        for r in results:
            print(
                f"{r['batch']:>6}{r['plain'] * 1e3:>10.1f}{r['live'] * 1e3:>11.1f}"
                f"{r['ratio']:>8.2f}{r['updates']:>9g}{r['per_s']:>8.1f}"
            )
        worst = max(r["ratio"] for r in results)
        fastest = max(r["per_s"] for r in results)
        print(
            f"goals: ratio <= {GOAL_RATIO:.2f}: worst {worst:.2f} "
            f"{'met' if worst <= GOAL_RATIO else 'NOT met'}; updates <= ~{GOAL_UPDATES_PER_S:g}/s: "
            f"highest {fastest:.1f}/s {'met' if fastest <= GOAL_UPDATES_PER_S else 'NOT met'}"
        )
    finally:
        kernel.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
