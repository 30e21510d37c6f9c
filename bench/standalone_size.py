"""What each trick of the saved page's codec (fcnn_widget/standalone/codec.py) saves.

The seed example's page (relu [5, 5] on prod, 250 epochs, 24 variants) is encoded once
with every trick and once with each trick turned off; the table gives the size of the state
document as the page inlines it (JSON, the base64 blob included) and its ratio to the full
codec's, measured in this run.

    .venv/bin/python bench/standalone_size.py
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager

from fcnn_widget import FCNN, FCNNWidget
from fcnn_widget.standalone import codec, collect_state


@contextmanager
def patched(name: str, value):
    old = getattr(codec, name)
    setattr(codec, name, value)
    try:
        yield
    finally:
        setattr(codec, name, old)


TRICKS = {
    "text table (SVG tags stored once, refs as steps)": ("TEXT_MIN_CHARS", 10**12),
    "tags ordered by their colour-free form": ("_COLOUR", re.compile(r"(?!)")),
    "centred ranges derived from uncentred": ("symmetrize", lambda data: b"\0"),
    "arrays stored column by column": ("_by_columns", lambda data, cols: data + b"\xff" * 64),
    "timeline split into values and ranges": ("_row_split", lambda *args: None),
}


def size_of(doc: dict) -> int:
    return len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def main() -> None:
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=250, lr=0.005, batch_size=100)
    widget = FCNNWidget(model, sample=10)
    start = time.perf_counter()
    state, variants, fixed = collect_state(widget)
    print(f"collect: {len(variants)} variants in {time.perf_counter() - start:.1f} s")
    full = size_of(codec.encode_state(state, variants, fixed))
    print(f"{'without':52s} {'bytes':>9s} {'vs all tricks':>14s}")
    print(f"{'(nothing: every trick on)':52s} {full:9d} {1.0:14.2f}")
    for what, (name, value) in TRICKS.items():
        with patched(name, value):
            size = size_of(codec.encode_state(state, variants, fixed))
        print(f"{what:52s} {size:9d} {size / full:14.2f}")


if __name__ == "__main__":
    main()
