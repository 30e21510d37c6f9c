"""The exact partition's speed (not a test: it prints, never asserts).

    python bench/regions.py [--repeats 5] [--quick]

For 2-4-1, 2-5-5-1, 2-16-16-1, 2-32-32-1 and 2-64-64-64-1 (the output width is the data's:
1 for ``prod``, 4 for ``circles``), at initialisation (seed 0, zero biases) and trained on
``prod`` and ``circles``, on the plot domain [-3, 3]²: the time of
``analysis.exact_regions`` (cache cleared; best of ``--repeats``, 10x as many under 10 ms)
and its region count,
beside a plain reference measured in the same run — one polygon and one unit at a time,
Sutherland–Hodgman over Python lists of vertices, each polygon's affine map by a small NumPy
product — and their ratio. Goals: the seed networks (2-4-1, 2-5-5-1) in <= 2 ms, 2-32-32-1
in <= 30 ms, 2-64-64-64-1 in <= 300 ms and >= 8x the plain version.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provenance import code_state  # noqa: E402  (bench/ is on the path when run as a script)

HIDDEN = [[4], [5, 5], [16, 16], [32, 32], [64, 64, 64]]
GOALS_MS = {"2-4": 2.0, "2-5-5": 2.0, "2-32-32": 30.0, "2-64-64-64": 300.0}
EPOCHS = 40


def plain_regions(layers, activation: str, domain) -> int:
    """The plain reference: the same partition, one polygon and one unit at a time."""
    import numpy as np

    from fcnn_widget.analysis import OFF_SLOPE

    off = OFF_SLOPE[activation]
    (x0, x1), (y0, y1) = domain
    # Each polygon: its vertices and the affine map (M (2, n), m (n,)) of the layer's input.
    polys = [([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.eye(2), np.zeros(2))]
    for W, b in layers[:-1]:
        out = []
        for verts, M, m in polys:
            A, c = M @ W, m @ W + b  # z of this layer, affine in the polygon
            pieces = [(verts, [])]
            for u in range(W.shape[1]):
                a0, a1, cu = float(A[0, u]), float(A[1, u]), float(c[u])
                scale = 1e-12 * (abs(a0) * 3 + abs(a1) * 3 + abs(cu))
                nxt = []
                for pv, on in pieces:
                    s = [a0 * x + a1 * y + cu for x, y in pv]
                    s = [0.0 if abs(v) <= scale else v for v in s]
                    if not any(v > 0 for v in s):
                        nxt.append((pv, [*on, False]))
                        continue
                    if not any(v < 0 for v in s):
                        nxt.append((pv, [*on, True]))
                        continue
                    pos, neg = [], []
                    for i, (p, sp) in enumerate(zip(pv, s)):
                        q, sq = pv[(i + 1) % len(pv)], s[(i + 1) % len(pv)]
                        if sp >= 0:
                            pos.append(p)
                        if sp <= 0:
                            neg.append(p)
                        if (sp > 0 and sq < 0) or (sp < 0 and sq > 0):
                            t = sp / (sp - sq)
                            x = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
                            pos.append(x)
                            neg.append(x)
                    nxt += [(pos, [*on, True]), (neg, [*on, False])]
                pieces = nxt
            for pv, on in pieces:
                gain = np.where(on, 1.0, off)
                out.append((pv, A * gain, c * gain))
        polys = out
    return len(polys)


def nets():
    from fcnn_widget import FCNN

    for hidden in HIDDEN:
        yield "init", FCNN(hidden, "relu", dataset="prod", seed=0)
        for data in ("prod", "circles"):
            model = FCNN(hidden, "relu", dataset=data, seed=0)
            model.fit(EPOCHS, lr=0.01, batch_size=50)
            yield data, model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="the initialised nets only")
    args = parser.parse_args(argv)

    import numpy as np

    from fcnn_widget import analysis, regions

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}, {code_state()}"
    )
    domain = ((-3.0, 3.0), (-3.0, 3.0))
    print(f"domain {domain}, best of {args.repeats}; plain: one run (best of 3 under 50 ms)")
    print()
    header = f"{'net':<16}{'state':<9}{'regions':>8}{'plain':>8} | {'exact ms':>9}{'plain ms':>10}{'ratio':>8} | goal"
    print(header)
    print("-" * len(header))
    for state, model in nets():
        if args.quick and state != "init":
            continue
        name = "-".join(map(str, model.widths))
        layers = analysis._float64_layers(model.params)
        best = np.inf
        for i in range(args.repeats * 10):  # quick ones: 10x the repeats (load spikes)
            if i >= args.repeats and best > 0.01:
                break
            regions._cache.clear()
            t0 = time.perf_counter()
            part = analysis.exact_regions(model, domain)
            best = min(best, time.perf_counter() - t0)
        t0 = time.perf_counter()
        n_plain = plain_regions(layers, model.activation, domain)
        plain = time.perf_counter() - t0
        if plain < 0.05:
            for _ in range(2):
                t0 = time.perf_counter()
                plain_regions(layers, model.activation, domain)
                plain = min(plain, time.perf_counter() - t0)
        key = "-".join(map(str, model.widths[:-1]))
        goal = GOALS_MS.get(key)
        verdict = (
            "" if goal is None else f"<= {goal:g} ms {'ok' if best * 1e3 <= goal else 'MISSED'}"
        )
        if key == "2-64-64-64":
            verdict += f", >= 8x {'ok' if plain / best >= 8 else 'MISSED'}"
        print(
            f"{name:<16}{state:<9}{len(part):>8}{n_plain:>8} | {best * 1e3:>9.2f}{plain * 1e3:>10.1f}"
            f"{plain / best:>7.1f}x | {verdict}"
        )
    print()
    print("regions: exact_regions' count; plain: the reference's (equal but for slivers, which")
    print("the exact version leaves uncut, regions.SNAP). Shared machine: times vary with load;")
    print("the ratio against the plain version, measured in the same run, is the stable figure.")


if __name__ == "__main__":
    main()
