"""Does a long fit slow down or fill memory as its history grows? (not a test)

    python bench/history_growth.py [--epochs 100000] [--budget-mb 32]

Trains the seed net ``FCNN([5, 5], "relu", dataset="prod", seed=0)`` (2500 points, batch 100,
Adam) for ``--epochs`` epochs in one fit and times every compiled chunk through the fit's
callback. It prints the throughput (epochs/s) over the first and the last tenth of the fit
and their **ratio late / early (goal ~1.0)**: the baseline is the same fit's own start,
measured in the same run, so machine load cancels out as far as it is steady. It also prints
the growth of the process's peak RSS per epoch and, where the history has them, the snapshot
count and ``describe()``. Run it against another tree (``PYTHONPATH=/old/tree``) to compare;
the issue measured 20,817 -> 8,941 epochs/s (ratio 0.43) and +337 MB over 377,600 epochs
before history became append-only with a snapshot budget.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100_000)
    parser.add_argument("--budget-mb", type=float, default=None)
    args = parser.parse_args()

    from provenance import code_state

    import fcnn_widget
    from fcnn_widget import FCNN, training

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {code_state()}")
    print(f"fcnn_widget from {Path(fcnn_widget.__file__).parent}; load {os.getloadavg()[0]:.1f}")
    if args.budget_mb is not None and hasattr(training, "SNAPSHOT_BUDGET_BYTES"):
        training.SNAPSHOT_BUDGET_BYTES = int(args.budget_mb * 2**20)

    # The recording cost of a chunk, timed apart from JAX's compute (which machine load
    # dominates): wrap the model's chunk-recording method, whichever this tree has.
    name = "_commit_chunk" if hasattr(FCNN, "_commit_chunk") else "_record_chunk"
    recorded: list[tuple[int, float]] = []
    inner = getattr(FCNN, name)

    def timed(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(self, *args, **kwargs)
        finally:
            recorded.append((self.history.epochs, time.perf_counter() - t))

    setattr(FCNN, name, timed)
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=200)  # compile, and the first allocations
    recorded.clear()
    marks: list[tuple[int, float]] = []
    rss0 = peak_rss()
    start = time.perf_counter()
    marks.append((model.history.epochs, start))
    model.fit(
        epochs=args.epochs,
        callback=lambda h: marks.append((h.epochs, time.perf_counter())),
    )
    wall = time.perf_counter() - start
    rss = peak_rss() - rss0

    def rate(lo: float, hi: float) -> float:
        first, last = marks[0][0], marks[-1][0]
        span = [
            (e, t)
            for e, t in marks
            if first + lo * (last - first) <= e <= first + hi * (last - first)
        ]
        (e0, t0), (e1, t1) = span[0], span[-1]
        return (e1 - e0) / (t1 - t0)

    early, late = rate(0.0, 0.1), rate(0.9, 1.0)
    h = model.history
    print(f"epochs {args.epochs:,} in {wall:.1f} s: {args.epochs / wall:,.0f} epochs/s overall")
    print(f"early (first 10%) {early:,.0f} epochs/s, late (last 10%) {late:,.0f} epochs/s")
    print(f"ratio late / early: {late / early:.2f}  (goal ~1.0)")
    tenth = max(1, len(recorded) // 10)
    first_us = 1e6 * sum(t for _, t in recorded[:tenth]) / tenth
    last_us = 1e6 * sum(t for _, t in recorded[-tenth:]) / tenth
    print(
        f"recording a chunk ({name}): {first_us:,.0f} us early, {last_us:,.0f} us late, "
        f"ratio late / early {last_us / first_us:.2f}"
    )
    print(f"peak RSS +{rss / 2**20:.1f} MB ({rss / args.epochs:.0f} B per epoch)")
    print(f"snapshots kept: {len(h.snapshot_epochs):,}; {model.describe()}")


if __name__ == "__main__":
    main()
