"""How long ``save_html`` takes for the seed networks, against ``save_png`` of the same
widget measured in the same run (issue 16: 3-6 s, with the PNG at 0.7 s; goal ≤ 1 s), and
where the time goes (collecting the variants, the codec, the page).

    .venv/bin/python bench/save_html_speed.py
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path

from provenance import code_state

from fcnn_widget import FCNN, FCNNWidget
from fcnn_widget.standalone import codec, collect_state

SEEDS = [("relu [4]", [4], "relu", 0.005, 1), ("relu [5, 5]", [5, 5], "relu", 0.005, 0),
         ("sigmoid [4]", [4], "sigmoid", 0.001, 0)]  # fmt: skip


def best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(code_state(), "(a shared machine: compare the ratios, not the seconds)")
    out = Path(tempfile.mkdtemp())
    for seed_network in SEEDS:
        measure(*seed_network, out)


def measure(name, dims, activation, lr, seed, out: Path) -> None:
    model = FCNN(dims, activation, dataset="prod", seed=seed)
    model.fit(epochs=250, lr=lr, batch_size=100)
    w = FCNNWidget(model, title=f"prod: {name}")
    t_png = best(lambda: w.save_png(out / "w.png"))
    t_html = best(lambda: w.save_html(out / "w.html"))
    state, variants, fixed = collect_state(w)
    t_collect = best(lambda: collect_state(w))
    t_codec = best(lambda: codec.encode_state(state, variants, fixed))
    size = os.path.getsize(out / "w.html") / 1e6
    print(
        f"{name:12} save_html {t_html:.2f} s ({t_html / t_png:.1f}x save_png's {t_png:.2f} s), "
        f"{size:.2f} MB, {len(variants) + 1} variants: collect {t_collect:.2f} s, "
        f"codec {t_codec:.2f} s"
    )


if __name__ == "__main__":
    main()
