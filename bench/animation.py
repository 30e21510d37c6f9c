"""save_animation against the plain version of issue 16, measured in the same run.

The seed network relu [5, 5] on prod (seed 0, 250 epochs, Adam lr 0.005, batch 100), 50
epoch frames (``epochs=range(0, 250, 5)``) at 800 px. The plain version sets ``w.epoch``,
calls ``to_svg``, rasterises with resvg and writes a GIF with one global palette through
Pillow. Then: where the time of one frame goes (scene, SVG, resvg, decoding), and the size of
every format (and what dominates the animated SVG).

    .venv/bin/python bench/animation.py
"""

from __future__ import annotations

import io
import os
import platform
import re
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from provenance import code_state

from fcnn_widget import FCNN, FCNNWidget, animation, export, pool, raster

EPOCHS = range(0, 250, 5)
WIDTH = 800


def plain(w: FCNNWidget, path: Path) -> None:
    """Issue 16's plain version: resvg of each whole picture as it is (no points layer)."""
    import resvg_py

    frames = []
    for e in EPOCHS:
        w.epoch = e
        svg = export.scene_svg(w.scene, w.sample, width=WIDTH, background="#ffffff")
        png = bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=1.0))
        with Image.open(io.BytesIO(png)) as im:
            frames.append(im.convert("RGB"))
    mosaic = Image.fromarray(np.concatenate([np.asarray(f) for f in frames[::5]]))
    palette = mosaic.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    frames = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)


def main() -> None:
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    print(code_state(), "(a shared machine: compare the ratios, not the seconds)")
    model = FCNN([5, 5], "relu", dataset="prod", seed=0)
    model.fit(epochs=250, lr=0.005, batch_size=100)
    w = FCNNWidget(model, title="prod: relu [5, 5]")
    w.want_timeline()  # both versions read the same cached traces
    out = Path(tempfile.mkdtemp())
    began = time.perf_counter()
    plain(w, out / "plain.gif")
    t_plain = time.perf_counter() - began
    w.epoch = w.epochs[-1]
    print(f"plain GIF: {t_plain:.2f} s, {os.path.getsize(out / 'plain.gif') / 1e6:.2f} MB")
    runs = [
        (".gif", None),
        (".gif", 0),
        (".webp", None),
        (".png", None),
        (".svg", None),
        (".mp4", None),
    ]
    for suffix, helpers in runs:
        pool.HELPERS = helpers
        began = time.perf_counter()
        try:
            path = w.save_animation(out / f"a{suffix}", epochs=EPOCHS, width=WIDTH, progress=False)
        except ImportError as e:
            print(f"{suffix}: skipped ({e})")
            continue
        took = time.perf_counter() - began
        how = "no helper process" if helpers == 0 else f"{pool.helper_count(len(EPOCHS))} helper(s)"
        print(
            f"save_animation {suffix:5} ({how}): {took:6.2f} s ({t_plain / took:.2f}x the plain "
            f"speed; goal 3.7x: 3 s of the issue's 11 s), {os.path.getsize(path) / 1e6:.2f} MB"
        )
    pool.HELPERS = None
    # Where one frame's time goes.
    import resvg_py

    raster._LAYERS.clear()
    plan = animation.plan(w, epochs=EPOCHS, dressing={"width": WIDTH, "background": "#ffffff"})
    t = {"scenes (timeline traces)": 0.0, "to_svg": 0.0, "points layer": 0.0, "resvg": 0.0,
         "decode": 0.0}  # fmt: skip
    t_direct = 0.0
    began = time.perf_counter()
    animation.plan(w, epochs=EPOCHS, dressing={"width": WIDTH})
    t["scenes (timeline traces)"] = time.perf_counter() - began
    for scene, sample in zip(plan.scenes, plan.samples):
        a = time.perf_counter()
        svg = animation.picture.to_svg(scene, sample, uid="b")
        b = time.perf_counter()
        given = export.resvg_input(svg, 1)
        c = time.perf_counter()
        png = bytes(resvg_py.svg_to_bytes(svg_string=given, zoom=1.0))
        d = time.perf_counter()
        Image.open(io.BytesIO(png)).load()
        t["to_svg"] += b - a
        t["points layer"] += c - b
        t["resvg"] += d - c
        t["decode"] += time.perf_counter() - d
        d = time.perf_counter()
        resvg_py.svg_to_bytes(svg_string=svg, zoom=1.0)
        t_direct += time.perf_counter() - d
    total = sum(t.values())
    print(
        "50 frames, one process:",
        ", ".join(f"{k} {v:.2f} s ({v / total:.0%})" for k, v in t.items()),
    )
    print(
        f"resvg of the frames as they are (the points drawn in place): {t_direct:.2f} s, "
        f"{t_direct / t['resvg']:.2f}x resvg with the points layer"
    )
    text = (out / "a.svg").read_text()
    images = sum(len(m) for m in re.findall(r"<image [^>]*data-role=\"estimate\"[^>]*>", text))
    styles = sum(len(m) for m in re.findall(r"<style>.*?</style>", text, re.S))
    print(
        f"animated SVG {len(text) / 1e6:.2f} MB: estimate images {images / 1e6:.2f} MB "
        f"({images / len(text):.0%}), CSS keyframes {styles / 1e6:.2f} MB "
        f"({styles / len(text):.0%}), the rest (geometry once, changing labels) "
        f"{(len(text) - images - styles) / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
