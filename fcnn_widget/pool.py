"""Many pictures at once (an animation's frames): helper processes draw some of them beside
this one, each with exactly the pixels this process draws (:class:`fcnn_widget.raster.Helper`).

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.export import to_svg
>>> svgs = [to_svg(FCNN([3], dataset="prod"), sample=k, width=200) for k in (0, 1, 0)]
>>> images = rasterise_all(svgs)
>>> images[2] is images[0], images[0].shape[2]
(True, 4)
"""

from __future__ import annotations

import collections
import os
import queue
import threading
from collections.abc import Callable

import numpy as np

from . import export
from .raster import Helper, pixels

# Helper processes for many pictures (None: one fewer than the CPUs, at most 3).
HELPERS: int | None = None
MIN_SHARED = 6  # fewer pictures than this are drawn here: a helper's start would not pay


def helper_count(n_pictures: int) -> int:
    """How many helpers draw ``n_pictures`` beside this process (:data:`HELPERS`)."""
    if n_pictures < MIN_SHARED:
        return 0
    if HELPERS is not None:
        return max(0, int(HELPERS))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(0, min(cpus - 1, 3, n_pictures // MIN_SHARED))


def rasterise_all(
    svgs: list[str], scale: float = 1, tick: Callable[[int], None] = lambda done: None
) -> list[np.ndarray]:
    """The pixels of every picture of ``svgs`` at ``scale``, each exactly what
    :func:`pixels` of :func:`fcnn_widget.export.svg_to_png` gives for it; a picture equal
    to an earlier one is drawn once. With many pictures, helper processes
    (:func:`helper_count`) draw some of them while this process draws the others;
    ``tick(done)`` is called here, after each picture. A helper that fails leaves its
    pictures to this process."""
    first: dict[str, int] = {}
    todo = [first.setdefault(svg, k) for k, svg in enumerate(svgs)]
    unique = sorted(set(todo))
    out: dict[int, np.ndarray] = {}
    jobs = collections.deque(unique)
    lock = threading.Lock()
    finished: queue.Queue = queue.Queue()
    if unique:
        export.resvg_input(svgs[unique[0]], scale)  # checked, its points layer drawn and kept
    copies = collections.Counter(todo)

    def take() -> int | None:
        with lock:
            return jobs.popleft() if jobs else None

    def serve(helper: Helper) -> None:
        while (k := take()) is not None:
            try:
                image = helper.render(export.resvg_input(svgs[k], scale), scale)
            except Exception:
                finished.put((k, None))  # this process draws it
                return
            finished.put((k, image))

    helpers = [Helper() for _ in range(helper_count(len(unique)))]
    threads = [threading.Thread(target=serve, args=(h,), daemon=True) for h in helpers]
    done = 0

    def record(k: int, image: np.ndarray | None) -> None:
        nonlocal done
        out[k] = pixels(export.svg_to_png(svgs[k], scale)) if image is None else image
        done += copies[k]
        tick(done)

    try:
        for t in threads:
            t.start()
        while len(out) < len(unique):
            k = take()
            if k is not None:
                record(k, None)
            else:
                k, image = finished.get()
                record(k, image)
                continue
            while not finished.empty():
                record(*finished.get())
    finally:
        for h in helpers:
            h.close()
    return [out[k] for k in todo]
