"""What the static picture costs a saved notebook: the bytes of the SVG the widget's output
carries for static readers (fcnn_widget/static_repr.py), with and without the plane's data
points, the time to draw it, and what gets embedded under the 300 kB cap. Networks: the seed
example (relu [5, 5] on prod, 2500 samples) and wider ones.

Run: ``python bench/static_repr_size.py``. The output of a displayed widget holds the picture
twice (the mime bundle and the HTML fallback), so a saved notebook grows by about twice the
"embedded" column per displayed widget.
"""

from __future__ import annotations

import os
import platform
import sys
import time

from provenance import code_state

from fcnn_widget import FCNN, FCNNWidget, picture, static_repr

NETWORKS = ([5, 5], [16, 16], [32, 32], [64, 64], [64, 64, 64])


def measure(dims) -> tuple[int, int, float, str]:
    w = FCNNWidget(FCNN(dims, "relu", dataset="prod", seed=0))
    frame, uid = w.scene, picture.stable_uid(w.scene, 0)
    start = time.perf_counter()
    full = len(picture.to_svg(frame, 0, uid=uid).encode())
    took = time.perf_counter() - start
    bare = len(picture.to_svg(frame, 0, uid=uid, points=False).encode())
    data, _ = w._repr_mimebundle_()
    svg = data.get("image/svg+xml")
    embedded = "note only" if svg is None else f"{len(svg.encode())} B"
    return full, bare, took, embedded


def main() -> None:
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(code_state(), f"cap {static_repr.MAX_SVG_BYTES} B")
    print(f"{'hidden widths':>14} {'full SVG':>10} {'no points':>10} {'draw ms':>8}  embedded")
    for dims in NETWORKS:
        full, bare, took, embedded = measure(dims)
        print(f"{str(dims):>14} {full:>10} {bare:>10} {took * 1000:>8.0f}  {embedded}")


if __name__ == "__main__":
    sys.exit(main())
