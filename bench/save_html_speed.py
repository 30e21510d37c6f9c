"""How long ``save_html`` takes for the seed networks, against ``save_png`` of the same
widget measured in the same run (issue 16: 3-6 s, with the PNG at 0.7 s; goal ≤ 1 s), and
where the time goes (collecting the variants, the codec, the page). Every save is of a
fresh widget (made outside the clock), as a user saves once: nothing the widget keeps
(traced epochs, packed timelines) is reused between repeats. To compare with another
tree, run it with that tree first on the path:

    .venv/bin/python bench/save_html_speed.py
    PYTHONPATH=/other/tree .venv/bin/python bench/save_html_speed.py
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


def best(make, fn, repeats: int = 3) -> float:
    """The least time of ``fn(make())`` over ``repeats``, each on a fresh ``make()``."""
    times = []
    for _ in range(repeats):
        thing = make()
        began = time.perf_counter()
        fn(thing)
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
    fresh = lambda: FCNNWidget(model, title=f"prod: {name}")  # noqa: E731
    t_png = best(fresh, lambda w: w.save_png(out / "w.png"))
    t_html = best(fresh, lambda w: w.save_html(out / "w.html"))
    t_collect = best(fresh, collect_state)
    state, variants, fixed = collect_state(fresh())
    t_codec = best(lambda: None, lambda _: codec.encode_state(state, variants, fixed))
    size = os.path.getsize(out / "w.html") / 1e6
    print(
        f"{name:12} save_html {t_html:.2f} s ({t_html / t_png:.1f}x save_png's {t_png:.2f} s; "
        f"goal 1 s), {size:.2f} MB, {len(variants) + 1} variants: collect {t_collect:.2f} s, "
        f"codec {t_codec:.2f} s, the rest (the page, writing) {t_html - t_collect - t_codec:.2f} s"
    )


if __name__ == "__main__":
    main()
