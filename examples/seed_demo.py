"""The seed example: the three networks of the blog post this project grew from, on `prod`.

Trains relu [4], relu [5, 5] and sigmoid [4] (2500 points, 250 epochs, batch 100), each as a
population of 16 initialisations in one compiled call, keeps the best of each, and writes
into ``out/`` (or the folder given as the first argument), per network: a text summary, the
model tensors (``params.npz``, plus the per-epoch loss), the widget's picture of samples
10 and 1027 as SVG and PNG, and one standalone interactive page (``widget.html``: opens
offline, no kernel); the three side by side for the same samples (``compare/``); and for
relu [5, 5] ``training.gif`` and ``training.svg``, the network learning (every 10th epoch).
It also refreshes the README's figures, ``examples/figures/prod_relu_5_5_sample_10.svg``,
``prod_compare_sample_10.png`` and ``prod_relu_5_5_training.svg``.
Run: ``python examples/seed_demo.py [out_dir]``.
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np

from fcnn_widget import FCNN, FCNNCompare, FCNNWidget, Population
from fcnn_widget.files import encode_text, write_atomic

# name, hidden widths, activation, learning rate (as in the original post)
SEED_NETWORKS = [
    ("prod_relu_4", [4], "relu", 0.005),
    ("prod_relu_5_5", [5, 5], "relu", 0.005),
    ("prod_sigmoid_4", [4], "sigmoid", 0.001),
]
# The post's final train MSE of each. One initialisation is a lottery (relu [4] ends anywhere
# between 0.0013 and 0.029 by seed, stuck with dead units); the best of 16 is not.
POST_LOSSES = {"prod_relu_4": 0.00139, "prod_relu_5_5": 0.00035, "prod_sigmoid_4": 0.00594}
SEEDS = range(16)
SAMPLES = (10, 1027)
README_FIGURE = ("prod_relu_5_5", Path(__file__).parent / "figures" / "prod_relu_5_5_sample_10.svg")
COMPARE_FIGURE = Path(__file__).parent / "figures" / "prod_compare_sample_10.png"


def train(dims, activation, lr) -> tuple[FCNN, Population]:
    """The best of a population of ``SEEDS`` networks trained together, and the population."""
    population = Population(dims, activation, dataset="prod", seeds=SEEDS)
    population.fit(epochs=250, lr=lr, batch_size=100)
    return population.best(), population


def write_outputs(name: str, model: FCNN, out: Path) -> list[Path]:
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {f"W{k}": W for k, (W, _) in enumerate(model.params, 1)}
    arrays |= {f"b{k}": b for k, (_, b) in enumerate(model.params, 1)}
    npz = io.BytesIO()  # whole in memory, then written atomically like every output
    np.savez(npz, loss=model.history.loss, **arrays)
    write_atomic(folder / "params.npz", npz.getvalue())
    widget = FCNNWidget(model, title=f"prod: {activation_title(model)}")
    written = [folder / "params.npz"]
    for sample in SAMPLES:
        written.append(widget.save_svg(folder / f"sample_{sample}.svg", sample=sample))
        written.append(widget.save_png(folder / f"sample_{sample}.png", scale=2, sample=sample))
    written.append(widget.save_html(folder / "widget.html"))
    summary = summarize(model)
    write_atomic(folder / "summary.txt", encode_text(summary + "\n", "summary"))
    written.append(folder / "summary.txt")
    return written


def write_comparison(models: list[FCNN], out: Path) -> list[Path]:
    """The three networks side by side (one picture per sample), in ``out/compare``."""
    folder = out / "compare"
    folder.mkdir(parents=True, exist_ok=True)
    title = "prod: the same sample through three networks"
    widget = FCNNCompare(models, title=title, columns=2)  # a grid: legible at page width
    written = []
    for sample in SAMPLES:
        written.append(widget.save_svg(folder / f"sample_{sample}.svg", sample=sample))
        written.append(widget.save_png(folder / f"sample_{sample}.png", scale=1, sample=sample))
    COMPARE_FIGURE.parent.mkdir(parents=True, exist_ok=True)
    widget.save_png(COMPARE_FIGURE, scale=1, sample=10, background="white")
    return written


def activation_title(model: FCNN) -> str:
    return f"{model.activation} {model.dims}"


def summarize(model: FCNN) -> str:
    X, y = model.dataset.X, model.dataset.y
    lines = [model.describe(), f"final train MSE: {model.history.loss[-1]:.5f}"]
    for sample in SAMPLES:
        pred = float(model.predict(X[sample])[0, 0])
        lines.append(
            f"sample {sample}: x = {X[sample].round(3).tolist()}  y = {y[sample]:.4f}  ŷ = {pred:.4f}"
        )
    return "\n".join(lines)


def main(out: Path) -> None:
    models = []
    for name, dims, activation, lr in SEED_NETWORKS:
        start = time.perf_counter()
        model, population = train(dims, activation, lr)
        written = write_outputs(name, model, out)
        if name == README_FIGURE[0]:
            README_FIGURE[1].parent.mkdir(parents=True, exist_ok=True)
            FCNNWidget(model, title="prod: relu [5, 5]").save_svg(README_FIGURE[1], sample=10)
            # The network learning, every 10th epoch: a GIF, and one animated SVG (the README's).
            learning = FCNNWidget(model, sample=10, title="prod: relu [5, 5], learning")
            for suffix in (".gif", ".svg"):
                film = learning.save_animation(
                    out / name / f"training{suffix}", epochs=range(0, 251, 10), fps=5, width=600
                )
                written.append(film)
            write_atomic(README_FIGURE[1].parent / f"{name}_training.svg", film.read_bytes())
        final = float(model.history.loss[-1])
        print(
            f"{name}: {model.describe()}, best of {len(population)} seeds (seed {model.seed}), "
            f"final loss {final:.5f}, {final / POST_LOSSES[name]:.2f}x the post's "
            f"{POST_LOSSES[name]:.5f} ({time.perf_counter() - start:.1f} s)"
        )
        print(f"  {population.describe()}")
        for path in written:
            print(f"  {path}")
        models.append(model)
    print("compare: the three networks side by side")
    for path in write_comparison(models, out):
        print(f"  {path}")
    print("Open the SVGs in a browser, or the widget itself: examples/seed_demo.ipynb")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("out"))
