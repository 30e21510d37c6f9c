"""Many pictures at once (an animation's frames): helper processes draw them while this
process writes the next pictures' SVG and encodes the frames already drawn, each with exactly
the pixels this process would draw (:class:`fcnn_widget.raster.Helper`).

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.export import to_svg
>>> svgs = [to_svg(FCNN([3], dataset="prod"), sample=k, width=200) for k in (0, 1, 0)]
>>> images = rasterise_all(svgs)
>>> images[2] is images[0], images[0].shape[2]
(True, 4)
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

import numpy as np

from . import export
from .raster import Helper, pixels

# Helper processes for many pictures (None: one per CPU, at most 4).
HELPERS: int | None = None
MIN_SHARED = 6  # fewer pictures than this are drawn here: a helper's start would not pay


def helper_count(n_pictures: int) -> int:
    """How many helpers draw ``n_pictures`` (:data:`HELPERS`); 0: this process draws them."""
    if n_pictures < MIN_SHARED:
        return 0
    if HELPERS is not None:
        return max(0, int(HELPERS))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    # One per CPU: this process's own work (the SVG text, encoding) fills the gaps.
    return max(0, min(cpus, 4, n_pictures // MIN_SHARED))


class Drawing:
    """Pictures drawn as they are given: :meth:`submit` each picture's SVG (they start at
    once, in helper processes), :meth:`image` waits for one. A picture equal to an earlier
    one is drawn once. Everything that touches this module's caches (what resvg is given:
    :func:`fcnn_widget.export.resvg_input`) runs in the calling thread; helper threads only
    pass text to their process and pixels back. A helper that fails leaves its pictures to
    this process. Use it as a context manager: leaving it stops the helpers.

    >>> from fcnn_widget import FCNN
    >>> with Drawing(1, helpers=0) as d:
    ...     d.submit(0, export.to_svg(FCNN([3], dataset="prod"), width=200))
    ...     d.image(0).shape[2]
    4
    """

    def __init__(self, scale: float = 1, helpers: int = 0) -> None:
        self.scale = scale
        self._svgs: dict[int, str] = {}  # picture -> its SVG (the first of equal ones)
        self._same: dict[int, int] = {}  # picture -> the one whose pixels it shares
        self._first: dict[str, int] = {}  # SVG text -> the first picture with it
        self._given: dict[int, str] = {}  # picture -> what resvg is given
        self._done: dict[int, np.ndarray | None] = {}  # None: its helper failed
        self._ready = threading.Condition()
        self._jobs: queue.Queue = queue.Queue()
        self._helpers = [Helper() for _ in range(helpers)]
        self._threads = [
            threading.Thread(target=self._serve, args=(h,), daemon=True) for h in self._helpers
        ]
        for t in self._threads:
            t.start()

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, k: int, svg: str) -> None:
        """Start drawing picture ``k`` (checked here: a bad SVG raises at once)."""
        first = self._first.setdefault(svg, k)
        self._same[k] = first
        if first != k:
            return
        self._svgs[k] = svg
        self._given[k] = export.resvg_input(svg, self.scale)
        if self._helpers:
            self._jobs.put(k)

    def image(self, k: int) -> np.ndarray:
        """Picture ``k``'s pixels, (h, w, 4) uint8 straight RGBA, as :func:`pixels` of
        :func:`fcnn_widget.export.svg_to_png` gives them; waits for its helper."""
        k = self._same[k]
        if not self._helpers:
            if k not in self._done:
                self._done[k] = pixels(export.svg_to_png(self._svgs[k], self.scale))
            return self._done[k]
        with self._ready:
            while k not in self._done:
                if not any(t.is_alive() for t in self._threads):
                    self._done[k] = None  # every helper gone: this process draws it
                    break
                self._ready.wait(0.5)
        if self._done[k] is None:
            self._done[k] = pixels(export.svg_to_png(self._svgs[k], self.scale))
        return self._done[k]

    def _serve(self, helper: Helper) -> None:
        while True:
            k = self._jobs.get()
            if k is None:
                return
            try:
                image = helper.render(self._given[k], self.scale)
            except Exception:
                image = None  # this process draws it; this helper stops
            with self._ready:
                self._done[k] = image
                self._ready.notify_all()
            if image is None:
                return

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        for h in self._helpers:
            h.close()
        for t in self._threads:
            t.join(timeout=5)


def rasterise_all(
    svgs: list[str], scale: float = 1, tick: Callable[[int], None] = lambda done: None
) -> list[np.ndarray]:
    """The pixels of every picture of ``svgs`` at ``scale`` (a :class:`Drawing` with
    :func:`helper_count` helpers), in order; ``tick(done)`` after each."""
    distinct = len(set(svgs))
    with Drawing(scale, helpers=helper_count(distinct)) as drawing:
        for k, svg in enumerate(svgs):
            drawing.submit(k, svg)
        out = []
        for k in range(len(svgs)):
            out.append(drawing.image(k))
            tick(k + 1)
    return out
