"""Handwritten digits: scikit-learn's bundled 8x8 images (no download), a 64-32-16-10 ReLU
network, and the widget's picture of test samples.

The 1797 images are scaled to [0, 1] and split 75/25 (stratified) into training and test
sets; the network trains with Adam (100 epochs, lr 0.003, batch 64; ~97% test accuracy).
Writes into ``out/digits/`` (or the folder given as the first argument): the picture of
the first test sample and of the first misclassified one as SVG, and ``summary.txt``.
Run: ``python examples/digits.py [out_dir] [--epochs N]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from fcnn_widget import FCNN, Dataset, FCNNWidget

EPOCHS, LR, BATCH = 100, 0.003, 64


def load() -> Dataset:
    """The digits as a Dataset: inputs in [0, 1] (pixel intensities are 0..16), labels 0..9."""
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=0.25, random_state=0, stratify=digits.target
    )
    return Dataset.from_arrays(X_train, y_train, X_test=X_test, y_test=y_test, name="digits")


def train(data: Dataset, epochs: int = EPOCHS) -> FCNN:
    model = FCNN([32, 16], "relu", dataset=data, seed=0)
    model.fit(epochs=epochs, lr=LR, batch_size=BATCH)
    return model


def accuracy(model: FCNN, X, y) -> float:
    return float(np.mean(model.predict(X).argmax(axis=1) == y))


def main(out: Path, epochs: int = EPOCHS) -> float:
    start = time.perf_counter()
    data = load()
    model = train(data, epochs)
    acc = accuracy(model, data.X_test, data.y_test)
    print(model.describe())
    print(f"test accuracy: {acc:.4f} ({len(data.X_test)} test images)")

    folder = out / "digits"
    folder.mkdir(parents=True, exist_ok=True)
    widget = FCNNWidget(model, samples=(data.X_test, data.y_test), title="digits: 64-32-16-10 relu")
    wrong = np.flatnonzero(model.predict(data.X_test).argmax(axis=1) != data.y_test)
    shown = [0] + ([int(wrong[0])] if wrong.size else [])
    written = [widget.save_svg(folder / f"sample_{i}.svg", sample=i) for i in shown]
    lines = [
        model.describe(),
        f"test accuracy: {acc:.4f}",
        f"train accuracy: {accuracy(model, data.X, data.y):.4f}",
        f"misclassified test samples: {wrong.tolist()}",
    ]
    (folder / "summary.txt").write_text("\n".join(lines) + "\n")
    written.append(folder / "summary.txt")
    for path in written:
        print(f"  {path}")
    print(f"({time.perf_counter() - start:.1f} s) Open the widget itself: examples/digits.ipynb")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="out", type=Path, help="output folder")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    args = parser.parse_args()
    main(args.out, args.epochs)
