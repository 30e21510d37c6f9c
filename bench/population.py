"""Speed of ``Population.fit`` against one network's fit, and one network's steady step (not a test).

    python bench/population.py [--epochs 250] [--sizes 1 16 64 256] [--repeats 2] [--layouts]

relu [5, 5] on ``prod`` (2500 points), Adam, batch 100. For each population size K it times a
fit of a fresh population after a first one compiled it (best of ``--repeats``), and prints
the wall time, the time per member and the ratio to K = 1 measured in the same run (so a
shared machine's load affects both). ``shuffles`` is the part of it spent on the members'
shuffles (``training.epoch_order``, made inside the compiled chunk), timed alone. Goal: K = 64 in at
most 8x the time of K = 1.

The single network's steady step: microseconds per optimizer step of a second
``FCNN.fit`` at batch 32 and 100 (2-5-5-1 relu, Adam), goal <= 3 us.

Layouts: the same timings with each layer maths of ``network.LAYOUTS`` forced ("dot" ``a @ W``,
"bms" broadcast-multiply-sum, "tdot" / "tbms" the same with the batch on the minor axis),
beside the one ``network.layout_for`` picks for that case.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

GOAL_RATIO_64 = 8.0
GOAL_STEP_US = 3.0
N_POINTS = 2500


def time_population(k: int, epochs: int, repeats: int) -> tuple[float, float]:
    from fcnn_widget import Population

    Population([5, 5], "relu", dataset="prod", seeds=range(k)).fit(epochs=epochs)  # compiles
    best, loss = math.inf, math.nan
    for _ in range(repeats):
        pop = Population([5, 5], "relu", dataset="prod", seeds=range(k))
        start = time.perf_counter()
        pop.fit(epochs=epochs, lr=0.005, batch_size=100)
        best = min(best, time.perf_counter() - start)
        loss = float(pop.best().history.loss[-1])
    return best, loss


def time_orders(k: int, epochs: int) -> float:
    """The members' shuffles alone: ``training.epoch_order`` for k seeds x epochs, in one
    compiled call as the chunks make them (after a call that compiled it)."""
    import jax
    import jax.numpy as jnp

    from fcnn_widget import training

    keys = jnp.asarray(training.shuffle_keys(range(k)))
    numbers = jnp.arange(epochs, dtype=jnp.int32)
    per_epoch = jax.vmap(lambda key, e: training.epoch_order(key, e, N_POINTS), in_axes=(0, None))
    orders = jax.jit(lambda keys: jax.lax.map(lambda e: per_epoch(keys, e).sum(), numbers))
    orders(keys).block_until_ready()
    start = time.perf_counter()
    orders(keys).block_until_ready()
    return time.perf_counter() - start


def steady_step_us(dims, batch: int, epochs: int, repeats: int) -> float:
    from fcnn_widget import FCNN

    model = FCNN(dims, "relu", dataset="prod", seed=0)
    model.fit(epochs=epochs, batch_size=batch)  # compiles
    steps = epochs * math.ceil(N_POINTS / batch)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(epochs=epochs, batch_size=batch)
        best = min(best, time.perf_counter() - start)
    return best / steps * 1e6


def compare_layouts(epochs: int, repeats: int) -> None:
    """Each case timed with every layout forced, and the layout ``layout_for`` picks."""
    from fcnn_widget import network

    chosen = network.layout_for
    cases = [
        ("one network, batch 32, us/step", lambda: steady_step_us([5, 5], 32, epochs, repeats)),
        ("one network, batch 100, us/step", lambda: steady_step_us([5, 5], 100, epochs, repeats)),
        ("K = 16, s", lambda: time_population(16, epochs, repeats)[0]),
        ("K = 64, s", lambda: time_population(64, epochs, repeats)[0]),
    ]
    picks = [chosen([2, 5, 5, 1], members) for members in (0, 0, 16, 64)]
    try:
        for (name, measure), pick in zip(cases, picks):
            times = {}
            for layout in network.LAYOUTS:
                network.layout_for = lambda widths, members=0, layout=layout: layout
                times[layout] = measure()
            fastest = min(times, key=times.get)
            row = "  ".join(f"{k} {v:8.3f}" for k, v in times.items())
            mark = "ok" if fastest == pick else "MISPICK"
            print(f"  {name:<32} {row}   layout_for picks {pick} ({mark})")
    finally:
        network.layout_for = chosen


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=250)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 16, 64, 256])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--layouts", action="store_true", help="also time each layout forced")
    args = parser.parse_args(argv)
    os.environ.setdefault("FCNN_WIDGET_CACHE", "off")

    import jax
    from provenance import code_state

    print(code_state())
    print(
        f"python {platform.python_version()}, jax {jax.__version__}, "
        f"{len(jax.devices())} x {jax.devices()[0].platform}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f} (a shared machine: ratios, not absolute times)"
    )
    print(f"relu [5, 5] on prod, {args.epochs} epochs, batch 100, Adam lr 0.005")
    print(
        f"{'K':>5} {'wall s':>8} {'per member ms':>14} {'x K=1':>7} {'shuffles s':>11}  best loss"
    )
    base = None
    ratios = {}
    for k in args.sizes:
        wall, loss = time_population(k, args.epochs, args.repeats)
        base = base or wall
        ratios[k] = wall / base
        orders = time_orders(k, args.epochs)
        print(
            f"{k:>5} {wall:>8.3f} {wall / k * 1e3:>14.2f} {wall / base:>7.1f} {orders:>11.3f}"
            f"  {loss:.5f}"
        )
    if 64 in ratios and args.sizes[0] == 1:
        verdict = "meets" if ratios[64] <= GOAL_RATIO_64 else "misses"
        print(f"K = 64 takes {ratios[64]:.1f}x K = 1: {verdict} the goal of <= {GOAL_RATIO_64:g}x")
    for batch in (32, 100):
        us = steady_step_us([5, 5], batch, args.epochs, args.repeats + 1)
        goal = f" (goal <= {GOAL_STEP_US:g} us)"
        print(f"one 2-5-5-1 network, batch {batch}: {us:.2f} us per step{goal}")
    if args.layouts:
        print(f"layouts ({args.epochs} epochs, relu [5, 5]):")
        compare_layouts(args.epochs, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
