"""Training speed of ``FCNN.fit`` on the blog post's three configurations (not a test).

    python bench/train_speed.py [--epochs 250] [--quick]

For each of relu [4] lr .005, relu [5, 5] lr .005 and sigmoid [4] lr .001 on ``prod`` (2500
points, 250 epochs, Adam) at batch sizes 32 and 100 it measures:

* ``first``: the first ``FCNN(...)`` + ``fit`` in a fresh Python process with JAX's persistent
  cache off (``FCNN_WIDGET_CACHE=off``): tracing and XLA compilation included;
* ``cached``: the same in another fresh process whose cache directory (a temporary one) was
  filled by a previous process (``warm`` is that previous, cache-writing run);
* ``steady``: microseconds per optimizer step of a second ``fit`` of the same model in this
  process (best of a few), steps = epochs * ceil(2500 / batch);
* ``numpy``: the plain NumPy implementation (``bench/numpy_baseline.py``) of the same
  training, timed here, per step, and the ratio numpy / steady.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

CONFIGS = [("relu", [4], 0.005), ("relu", [5, 5], 0.005), ("sigmoid", [4], 0.001)]
BATCHES = [32, 100]
N_POINTS = 2500
GOAL_STEADY_US = 10.0
GOAL_STEADY_US_14 = 3.0  # issue 14's goal for one network's step, batch 32 and 100
GOAL_RATIO = 5.0
GOAL_FIRST_S = 2.5

CHILD = """
import json, sys, time
t0 = time.perf_counter()
import fcnn_widget
from fcnn_widget import FCNN
t1 = time.perf_counter()
activation, dims, lr, batch, epochs = json.loads(sys.argv[1])
model = FCNN(dims, activation, dataset="prod", seed=0)
model.fit(epochs=epochs, lr=lr, batch_size=batch)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "loss": float(model.history.loss[-1])}))
"""


def fresh_process(config, cache) -> dict:
    """Run one first fit in a new interpreter; ``cache`` is 'off' or a directory."""
    env = dict(os.environ)  # keeps OPENBLAS_CORETYPE and friends as they are
    env["FCNN_WIDGET_CACHE"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"child process failed:\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = wall
    return result


def steady_us_per_step(config, repeats: int) -> tuple[float, float]:
    from fcnn_widget import FCNN

    activation, dims, lr, batch, epochs = config
    steps = epochs * math.ceil(N_POINTS / batch)
    model = FCNN(dims, activation, dataset="prod", seed=0)
    model.fit(epochs=epochs, lr=lr, batch_size=batch)  # compiles
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(epochs=epochs, lr=lr, batch_size=batch)
        best = min(best, time.perf_counter() - start)
    return best / steps * 1e6, float(model.history.loss[epochs - 1])


def numpy_us_per_step(config, epochs: int) -> tuple[float, float]:
    import numpy as np
    import numpy_baseline

    from fcnn_widget import datasets

    activation, dims, lr, batch, _ = config
    data = datasets.make("prod", N_POINTS, seed=0)
    params = numpy_baseline.init_params(np.random.default_rng(0), [2, *dims, 1])
    steps = epochs * math.ceil(N_POINTS / batch)
    start = time.perf_counter()
    _, losses = numpy_baseline.train(
        data.X, data.y, params, activation=activation, epochs=epochs, lr=lr, batch_size=batch
    )
    return (time.perf_counter() - start) / steps * 1e6, float(losses[-1])


def check_baseline_agrees() -> float:
    """Largest parameter difference after 3 epochs of NumPy vs FCNN from the same start and
    the same shuffles: the baseline computes the same training."""
    import numpy as np
    import numpy_baseline

    from fcnn_widget import FCNN, training

    model = FCNN([5, 5], "sigmoid", dataset="prod", seed=1)
    start = model.params
    model.fit(epochs=3, lr=0.01, batch_size=64)
    n = len(model.dataset)

    def orders(epoch):
        return training.epoch_orders(model.seed, epoch, 1, n, 1)[0]

    d = model.dataset
    params, _ = numpy_baseline.train(
        d.X, d.y, start, activation="sigmoid", epochs=3, lr=0.01, batch_size=64, orders=orders
    )
    return max(
        float(np.abs(p - q).max())
        for (W, b), (Wm, bm) in zip(params, model.params)
        for p, q in ((W, Wm), (b, bm))
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=250)
    parser.add_argument("--numpy-epochs", type=int, default=None, help="default: --epochs")
    parser.add_argument("--repeats", type=int, default=3, help="steady fits to time, best kept")
    parser.add_argument("--quick", action="store_true", help="one configuration, batch 100")
    args = parser.parse_args(argv)
    os.environ["FCNN_WIDGET_CACHE"] = "off"  # this process: no cache reads or writes

    import jax

    configs = CONFIGS[:1] if args.quick else CONFIGS
    batches = [100] if args.quick else BATCHES
    print(
        f"python {platform.python_version()}, jax {jax.__version__}, "
        f"{jax.devices()[0].platform}, {os.cpu_count()} CPUs, "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"
    )
    print(f"prod, {N_POINTS} points, {args.epochs} epochs, adam")
    print(
        f"NumPy baseline vs FCNN after 3 epochs: max |param diff| = {check_baseline_agrees():.1e}"
    )
    print()
    header = (
        f"{'config':<22}{'batch':>6}{'steps':>7} | {'import':>7}{'first':>7}{'warm':>7}"
        f"{'cached':>7} | {'steady':>8}{'numpy':>8}{'ratio':>7} | {'loss':>7}{'np loss':>8}"
    )
    print(header)
    print(f"{'':<35} | {'s':>7}{'s':>7}{'s':>7}{'s':>7} | {'us/step':>8}{'us/step':>8}{'x':>7} |")
    print("-" * len(header))
    rows = []
    for activation, dims, lr in configs:
        for batch in batches:
            config = (activation, dims, lr, batch, args.epochs)
            cold = fresh_process(config, "off")
            with tempfile.TemporaryDirectory(prefix="fcnn_bench_cache_") as cache:
                warm = fresh_process(config, cache)
                cached = fresh_process(config, cache)
            steady, loss = steady_us_per_step(config, args.repeats)
            numpy_us, np_loss = numpy_us_per_step(config, args.numpy_epochs or args.epochs)
            steps = args.epochs * math.ceil(N_POINTS / batch)
            row = dict(
                name=f"{activation} {dims} lr {lr:g}",
                batch=batch,
                first=cold["first"],
                cached=cached["first"],
                steady=steady,
                ratio=numpy_us / steady,
            )
            rows.append(row)
            print(
                f"{row['name']:<22}{batch:>6}{steps:>7} | {cold['import']:>7.2f}"
                f"{cold['first']:>7.2f}{warm['first']:>7.2f}{cached['first']:>7.2f} | "
                f"{steady:>8.2f}{numpy_us:>8.1f}{row['ratio']:>7.1f} | {loss:>7.4f}{np_loss:>8.4f}",
                flush=True,
            )
    print()
    print("import: `import fcnn_widget` in the fresh process; first: FCNN() + first fit there,")
    print("cache off; warm: the same, writing a new persistent cache; cached: the same again,")
    print("reading it; steady: best second fit here; loss: last epoch's train MSE.")
    print()

    def verdict(ok):
        return "PASS" if ok else "FAIL"

    worst_steady = max(r["steady"] for r in rows)
    worst_ratio = min(r["ratio"] for r in rows)
    worst_first = max(r["first"] for r in rows)
    slower_cached = [r for r in rows if r["cached"] >= r["first"]]
    print("goals:")
    print(
        f"  steady <= {GOAL_STEADY_US:g} us/step: worst {worst_steady:.2f}  {verdict(worst_steady <= GOAL_STEADY_US)}"
    )
    print(
        f"  steady <= {GOAL_STEADY_US_14:g} us/step (issue 14): worst {worst_steady:.2f}  "
        f"{verdict(worst_steady <= GOAL_STEADY_US_14)}"
    )
    print(
        f"  >= {GOAL_RATIO:g}x faster than NumPy: worst {worst_ratio:.1f}x  {verdict(worst_ratio >= GOAL_RATIO)}"
    )
    print(
        f"  first fit < {GOAL_FIRST_S:g} s: worst {worst_first:.2f} s  {verdict(worst_first < GOAL_FIRST_S)}"
    )
    print(
        f"  cached repeat faster than first: {len(rows) - len(slower_cached)}/{len(rows)}  "
        f"{verdict(not slower_cached)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
