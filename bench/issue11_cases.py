"""Issue 11's bad inputs and faults against the public API, one fresh process each (not a test).

    PYTHONPATH=<tree> python bench/issue11_cases.py [--only NAME,...] [--runs 40]

Each case runs in its own interpreter under ``RLIMIT_AS`` (what the process had after
importing, plus 3 GB) so a case that tries to allocate tens of GB fails instead of swapping,
and prints one row: the case, what happened (the exception and the start of its message,
"accepted", or the signal that killed the process), the case's wall time and the growth of
the process's peak RSS. Run it against the old tree (``PYTHONPATH=/work/main``) and the new
one for the before/after table. The fault cases count inconsistent histories over
``--runs`` short fits (interrupts at random moments, two threads fitting one model) and
check that a failed save leaves the old file byte-for-byte intact.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time

PRELUDE = """
import os, resource, signal, sys, threading, time, tempfile, warnings, json, random
import numpy as np
import fcnn_widget
from fcnn_widget import FCNN, FCNNWidget, datasets, export, Dataset
warnings.simplefilter("ignore")

def vm_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")

def rss_peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

limit = vm_bytes() + 3 * 2**30
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

def consistent(h, model):
    n = len(h.loss)
    for name in ("test_loss", "accuracy", "test_accuracy"):
        v = getattr(h, name)
        if v is not None and len(v) != n:
            return f"{name} has {len(v)} entries but loss {n}"
    if len(h.snapshots) != len(h.snapshot_epochs):
        return f"{len(h.snapshots)} snapshots but {len(h.snapshot_epochs)} snapshot epochs"
    e = np.asarray(h.snapshot_epochs)
    if len(e) and not (np.diff(e) > 0).all():
        return "snapshot epochs do not increase"
    if len(e) and e[-1] != n:
        return f"last snapshot epoch {e[-1]} but {n} epochs"
    for (W, b), (Ws, bs) in zip(model.params, h.snapshots[-1]):
        if not (np.array_equal(W, Ws) and np.array_equal(b, bs)):
            return "params differ from the last snapshot"
    return None

def tiny():
    return FCNN([3], dataset=datasets.make("xor", 200, test_fraction=0.25), seed=0)

t0 = time.perf_counter(); r0 = rss_peak()
"""

REPORT = """
print("RESULT " + json.dumps({"what": str(result), "seconds": time.perf_counter() - t0,
                              "rss_growth": rss_peak() - r0}))
"""

# name -> code that sets ``result`` (or raises: the exception is the outcome)
CASES: dict[str, str] = {
    # section 3: limits before work
    "save_png(width=10**6)": """
        w = FCNNWidget(FCNN([2], dataset="prod"))
        d = tempfile.mkdtemp(); w.save_png(os.path.join(d, "a.png"), width=10**6)
        result = "accepted"
    """,
    "FCNN([100000, 100000])": "FCNN([100000, 100000]); result = 'accepted'",
    "from_params 1e5 x 1e5": """
        FCNN.from_params([(np.zeros((2, 100000), np.float32), np.zeros(100000, np.float32)),
                          (np.broadcast_to(np.float32(0), (100000, 100000)), np.zeros(100000, np.float32))])
        result = 'accepted'
    """,
    "make('prod', 10**9)": "datasets.make('prod', 10**9); result = 'accepted'",
    "labels [0, 5, 10**6, 7]": """
        m = FCNN([2], dataset=(np.zeros((4, 2)), [0, 5, 10**6, 7]))
        result = f"accepted: {m.widths[-1]} classes, {m.n_weights} weights"
    """,
    "save_svg(width=-5)": """
        w = FCNNWidget(FCNN([2], dataset="prod")); d = tempfile.mkdtemp()
        w.save_svg(os.path.join(d, "a.svg"), width=-5); result = "accepted"
    """,
    "save_svg(height=0)": """
        w = FCNNWidget(FCNN([2], dataset="prod")); d = tempfile.mkdtemp()
        w.save_svg(os.path.join(d, "a.svg"), height=0); result = "accepted"
    """,
    "save_svg(background='not a colour')": """
        w = FCNNWidget(FCNN([2], dataset="prod")); d = tempfile.mkdtemp()
        w.save_svg(os.path.join(d, "a.svg"), background="not a colour"); result = "accepted"
    """,
    "export.to_svg(width=-5)": "export.to_svg(FCNN([2]), width=-5); result = 'accepted'",
    "export.to_svg(width=nan)": "export.to_svg(FCNN([2]), width=float('nan')); result = 'accepted'",
    "export.to_svg(width='abc')": "export.to_svg(FCNN([2]), width='abc'); result = 'accepted'",
    "export.to_svg(background='not a colour')": "export.to_svg(FCNN([2]), background='not a colour'); result = 'accepted'",
    # section 5: messages
    "make(noise='0.1')": "datasets.make('prod', noise='0.1'); result = 'accepted'",
    "make(test_fraction='0.5')": "datasets.make('prod', test_fraction='0.5'); result = 'accepted'",
    "make(seed='a')": "datasets.make('prod', seed='a'); result = 'accepted'",
    "make(seed=-1)": "datasets.make('prod', seed=-1); result = 'accepted'",
    "FCNN(seed=2**64)": "FCNN([2], seed=2**64); result = 'accepted'",
    "FCNN(activation=['relu'])": "FCNN([2], ['relu']); result = 'accepted'",
    "from_params (W, b, extra)": """
        FCNN.from_params([(np.ones((2, 3)), np.zeros(3), 1), (np.ones((3, 1)), np.zeros(1))])
        result = 'accepted'
    """,
    "set_params (W, b, extra)": """
        m = FCNN([3]); m.set_params([(W, b, 1) for W, b in m.params]); result = 'accepted'
    """,
    "X = 1e39": "Dataset.from_arrays(np.full((3, 2), 1e39), [0.0, 1.0, 2.0]); result = 'accepted'",
    "labels -1/+1": "Dataset.from_arrays(np.zeros((4, 2)), [-1, 1, 1, -1]); result = 'accepted'",
    "Dataset(X, y, 'bogus')": """
        Dataset(np.zeros((3, 2), np.float32), np.zeros(3, np.float32), 'bogus'); result = 'accepted'
    """,
    "fit(optax.adam(0.1), lr=0.5)": """
        import optax
        m = FCNN([2]); m.fit(epochs=1, lr=0.5, optimizer=optax.adam(0.1))
        result = f"accepted: describe() = {m.describe()!r}"
    """,
    # section 2: saves
    "caption lone surrogate over old file": """
        d = tempfile.mkdtemp(); p = os.path.join(d, "a.svg"); open(p, "w").write("OLD")
        w = FCNNWidget(FCNN([2], dataset="prod"))
        try:
            w.save_svg(p, caption="bad \\ud800")
            result = "accepted"
        except Exception as e:
            result = f"{type(e).__name__}; old file {'intact' if open(p).read() == 'OLD' else 'LOST (%d bytes)' % os.path.getsize(p)}; {len(os.listdir(d)) - 1} stray files"
    """,
    "title with ESC: SVG well-formed?": """
        import xml.dom.minidom
        try:
            svg = export.to_svg(FCNN([2]), title="a\\x1bb")
            xml.dom.minidom.parseString(svg); result = "accepted, well-formed"
        except ValueError as e:
            if "not well-formed" in str(e) or "invalid token" in str(e):
                result = "accepted: SVG NOT well-formed"
            else:
                raise
        except Exception as e:
            result = f"accepted: SVG NOT well-formed ({type(e).__name__})"
    """,
    "disk full (RLIMIT_FSIZE) svg/png/html": """
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        d = tempfile.mkdtemp(); w = FCNNWidget(FCNN([2], dataset="prod"))
        outcomes = []
        for name, save in (("svg", w.save_svg), ("png", w.save_png), ("html", w.save_html)):
            p = os.path.join(d, "a." + name); open(p, "wb").write(b"OLD" * 100)
            resource.setrlimit(resource.RLIMIT_FSIZE, (2000, resource.RLIM_INFINITY))
            try:
                save(p); outcomes.append(f"{name} accepted")
            except OSError:
                intact = open(p, "rb").read() == b"OLD" * 100
                outcomes.append(f"{name}: old {'intact' if intact else 'LOST'}")
            finally:
                resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        stray = [f for f in os.listdir(d) if not f.startswith("a.")]
        result = ", ".join(outcomes) + f"; {len(stray)} stray files"
    """,
    # section 1: faults
    "SIGINT at random moments": """
        bad, interrupted, ran_on, during = [], 0, 0, 0
        m = tiny(); m.fit(epochs=2)  # compile
        for i in range(RUNS):
            m = tiny(); m.fit(epochs=1)
            delay = random.Random(i).uniform(0.0, 0.12)
            sent = []
            def send():
                sent.append(time.perf_counter()); os.kill(os.getpid(), signal.SIGINT)
            timer = threading.Timer(delay, send); timer.start()
            start = time.perf_counter(); end = None
            try:
                try:
                    h = m.fit(epochs=3000, snapshot_every=1)
                except KeyboardInterrupt:
                    pass
                end = time.perf_counter()
                timer.join(); time.sleep(0.15)  # a late signal lands here, not in the next fit
            except KeyboardInterrupt:
                pass
            end = end or time.perf_counter()
            h = m.history
            inside = bool(sent) and start <= sent[0] <= end
            during += inside
            interrupted += h.stopped == "interrupted"
            ran_on += inside and len(h.loss) == 3001
            problem = consistent(m.history, m)
            if problem: bad.append(problem)
            try:
                m.fit(epochs=1); problem = consistent(m.history, m)
                if problem: bad.append("after a new fit: " + problem)
            except Exception as e:
                bad.append(f"new fit failed: {type(e).__name__}: {e}")
        result = f"{len(bad)} of {RUNS} inconsistent; {during} signals during a fit: {interrupted} interrupted, {ran_on} trained on to the end" + (f"; e.g. {bad[0]}" if bad else "")
    """,
    "two threads fit one model": """
        ran = []; errors = []
        m = tiny(); m.fit(epochs=2)
        def go():
            try:
                m.fit(epochs=300); ran.append(1)
            except Exception as e:
                errors.append(type(e).__name__)
        for i in range(RUNS // 4):
            m = tiny()
            ts = [threading.Thread(target=go) for _ in range(2)]
            [t.start() for t in ts]; [t.join() for t in ts]
            problem = consistent(m.history, m)
            if problem: errors.append(problem)
        result = f"{len(ran)} fits ran in {RUNS // 4} pairs; refused/errors: {sorted(set(errors)) or 'none'}"
    """,
    "model.fit while a background fit runs": """
        m = tiny(); w = FCNNWidget(m); m.fit(epochs=1)
        handle = w.fit(epochs=3000, background=True); time.sleep(0.2)
        try:
            m.fit(epochs=5); result = "accepted: a second fit ran"
        except Exception as e:
            result = f"{type(e).__name__}: {e}"
        m.stop(); time.sleep(0.5)
        p = consistent(m.history, m)
        result += f"; history {'consistent' if p is None else p}"
    """,
    "long fit: memory per epoch": """
        m = FCNN([5, 5], dataset="prod"); m.fit(epochs=10)
        before = rss_peak(); t = time.perf_counter(); m.fit(epochs=30000)
        result = f"{(rss_peak() - before) / 30000:.0f} B/epoch of RSS, {30000 / (time.perf_counter() - t):.0f} epochs/s"
    """,
}


def run_case(name: str, code: str, runs: int) -> dict:
    source = (
        PRELUDE
        + f"RUNS = {runs}\n"
        + "try:\n"
        + textwrap.indent(textwrap.dedent(code).strip(), "    ")
        + "\nexcept BaseException as e:\n    result = f'{type(e).__name__}: {e}'\n"
        + REPORT
    )
    start = time.perf_counter()
    proc = subprocess.run(  # cwd: not the repository, whose fcnn_widget would shadow PYTHONPATH
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=600, cwd="/"
    )
    wall = time.perf_counter() - start
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        how = (
            f"killed by signal {-proc.returncode}"
            if proc.returncode < 0
            else f"exit {proc.returncode}"
        )
        tail = proc.stderr.strip().splitlines()[-1:] or [""]
        return {"what": f"CRASH: {how} ({tail[0][:120]})", "seconds": wall, "rss_growth": 0}
    return json.loads(line[len("RESULT ") :])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--width", type=int, default=150)
    args = parser.parse_args()
    import fcnn_widget

    print(
        f"# fcnn_widget from {os.path.dirname(fcnn_widget.__file__)}; python {sys.version.split()[0]}; load {os.getloadavg()[0]:.1f}"
    )
    chosen = [n for n in CASES if not args.only or any(k in n for k in args.only.split(","))]
    for name in chosen:
        r = run_case(name, CASES[name], args.runs)
        what = " ".join(r["what"].split())[: args.width]
        print(
            f"{name:40s} | {r['seconds'] * 1000:8.1f} ms | {r['rss_growth'] / 2**20:7.1f} MB | {what}",
            flush=True,
        )


if __name__ == "__main__":
    main()
