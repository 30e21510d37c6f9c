"""Moving pictures: the network learning epoch by epoch, or one sample after another.

Every frame is the picture :func:`fcnn_widget.picture.to_svg` draws for that epoch or sample
(titles, captions, the epoch/sample label and the loss marker included). Formats follow the
file's suffix: ``.gif`` (one global palette, so colours do not flicker), ``.webp`` (the GIF's
palette, then lossless; or exact, or lossy) and ``.png`` (animated PNG) through Pillow; ``.mp4`` and ``.webm`` through imageio-ffmpeg
(the ``video`` extra); ``.svg`` is one animated SVG (CSS keyframes) that plays in a browser
and in an ``<img>``.

Every raster frame is rasterised by resvg from its own whole picture, the very call
:func:`fcnn_widget.export.save_png` makes, so frame k has ``save_png``'s pixels for that
state (GIF maps them onto one global palette; lossy WebP and video approximate them). What
does not change is not redone: the scenes come from the widget's timeline (one trace per
epoch, already cached for scrubbing), a frame whose picture equals the previous one is not
drawn again, and the animated SVG draws the geometry once and animates only what changes.
Helper processes draw the frames (:class:`fcnn_widget.pool.Drawing`) while this process
writes the next frames' SVG and encodes the ones drawn, in order.

>>> import tempfile, os
>>> from fcnn_widget import FCNN, FCNNWidget
>>> model = FCNN([3], dataset="prod"); _ = model.fit(epochs=3)
>>> w = FCNNWidget(model)
>>> path = w.save_animation(os.path.join(tempfile.mkdtemp(), "fit.gif"), width=300, progress=False)
>>> from PIL import Image; Image.open(path).n_frames
4
"""

from __future__ import annotations

import functools
import io
import math
import numbers
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import export, files, limits, picture, pool, raster, settings, state
from .model import FCNN
from .scene import Scene

OVER = ("epoch", "sample")
FORMATS = {
    ".gif": "GIF",
    ".webp": "WebP",
    ".png": "animated PNG",
    ".apng": "animated PNG",
    ".mp4": "MP4 (H.264)",
    ".webm": "WebM (VP9)",
    ".svg": "animated SVG",
}
VIDEO = (".mp4", ".webm")
MAX_FPS = 100
MAX_FRAMES = 5000
PALETTE = "palette"  # WebP's default quality: the GIF's one palette, then lossless
# WebP: only the first frame whole (Pillow's default is one every 5 frames, which a
# blog's animation does not need to seek by): 30 % smaller for the seed network's fit.
_ONE_KEYFRAME = {"kmin": MAX_FRAMES - 1, "kmax": MAX_FRAMES}
DEFAULT_WIDTH = 800
PALETTE_STRIDE = 7  # the GIF palette counts every 7th pixel of its sample frames
GIF_STEADY = 2  # a GIF pixel keeps its entry while within 2 units of the nearest's error
DEFAULT_SAMPLE_FRAMES = 100  # over="sample" without samples=: this many, evenly spaced
VIDEO_EXTRA = 'pip install "fcnn-widget[video]"'  # imageio + imageio-ffmpeg


# -- arguments --------------------------------------------------------------------------------
def check_format(path: str | os.PathLike) -> str:
    """The animation format of ``path`` by its suffix (lower case), or a ValueError naming
    the valid suffixes."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        valid = ", ".join(f"{s} ({name})" for s, name in FORMATS.items())
        raise ValueError(
            f"cannot tell the animation format of {str(path)!r}; valid suffixes: {valid}"
        )
    return suffix


def check_over(over) -> str:
    if over not in OVER:
        raise ValueError(f"over must be one of {', '.join(map(repr, OVER))}, got {over!r}")
    return over


def check_fps(fps) -> float:
    if (
        isinstance(fps, bool)
        or not isinstance(fps, numbers.Real)
        or not (math.isfinite(fps) and 0 < fps <= MAX_FPS)
    ):
        raise ValueError(
            f"fps must be a number of frames per second in (0, {MAX_FPS}], got {fps!r}"
        )
    return float(fps)


def check_loop(loop) -> bool:
    if not isinstance(loop, (bool, np.bool_)):
        raise ValueError(f"loop must be True (play forever) or False (play once), got {loop!r}")
    return bool(loop)


def _check_indices(values, name: str, check: Callable[[int], int]) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(
            f"{name} must be an iterable of integers (a range or a list), got {values!r}"
        )
    out = [check(v) for v in values]
    if not out:
        raise ValueError(f"{name} is empty: give at least one")
    if len(out) > MAX_FRAMES:
        raise limits.TooLarge(f"{name}: {len(out):,} frames; the limit is {MAX_FRAMES:,}")
    return out


# -- the states to draw ------------------------------------------------------------------------
@dataclass
class Plan:
    """What an animation draws: one scene and sample per frame, in order."""

    scenes: list[Scene]
    samples: list[int]
    labels: list[str]  # what each frame shows ("epoch 40", "sample 12")


def plan(
    source, over: str = "epoch", *, epochs=None, samples=None, dressing: dict | None = None
) -> Plan:
    """The frames of an animation of ``source`` (a widget, or a model shown with the
    defaults): every recorded epoch (or ``epochs``) at the widget's sample, or ``samples``
    (default: up to 100 evenly spaced) at the widget's epoch."""
    over = check_over(over)
    if over == "epoch" and samples is not None:
        raise ValueError('samples= is for over="sample"; over="epoch" draws the widget\'s sample')
    if over == "sample" and epochs is not None:
        raise ValueError('epochs= is for over="epoch"; over="sample" draws the widget\'s epoch')
    src = _source(source)
    style = src.scene.style
    dressing = dict(dressing or {})
    if dressing.get("background") == "theme":  # opaque: the theme's own background colour
        theme = settings.check("theme", dressing.get("theme", style.theme))
        dressing["background"] = picture.THEMES[theme]["bg"]
    if dressing:
        style = settings.restyled(style, **settings.check_options(dressing, export.DRESSING))
    model = src.timeline.model
    if over == "epoch":
        chosen = src.timeline.epochs if epochs is None else epochs
        chosen = _check_indices(chosen, "epochs", lambda e: state.check_epoch(model, e))
        scenes = [state.scene_at(model, src.samples, style, src.timeline, e) for e in chosen]
        return Plan(scenes, [src.sample] * len(chosen), [f"epoch {e}" for e in chosen])
    shown = replace(src.scene, style=style)
    if samples is None:
        n = shown.n_samples
        samples = range(0, n, max(1, math.ceil(n / DEFAULT_SAMPLE_FRAMES)))
    chosen = _check_indices(samples, "samples", lambda s: picture.check_sample(s, shown))
    return Plan([shown] * len(chosen), chosen, [f"sample {s}" for s in chosen])


def _source(source) -> state.Source:
    if isinstance(source, FCNN):
        return state.open_source(source, style=settings.make_style())
    if hasattr(source, "page_source"):
        return source.page_source()
    raise TypeError(f"expected an FCNNWidget or an FCNN, got {type(source).__name__}")


UID = "fcnn-anim"  # every frame's id prefix


def frame_svgs(p: Plan, uid: str = UID) -> list[str]:
    """Each frame's picture as SVG text, all with one id prefix (ids do not change pixels,
    and shared ids let the frames share their unchanged elements)."""
    return [picture.to_svg(s, k, uid=uid) for s, k in zip(p.scenes, p.samples)]


# -- rasterising ------------------------------------------------------------------------------
_KEY = re.compile(r'\sdata-(?!value|count)[\w-]+="[^"]*"')


def aligned_lines(svgs: list[str]) -> list[list[str]]:
    """The frames' lines aligned element by element: line i of every frame draws the same
    element (by its tag and ``data-*`` names, else its text), ``""`` where a frame has no
    such element (a mark shown only at some epochs)."""
    keyed = []
    for svg in svgs:
        seen: dict[str, int] = {}
        rows = []
        for line in svg.split("\n"):
            tag = re.match(r"\s*(<[\w/:-]+)", line)
            base = (
                (tag.group(1) if tag else "") + "".join(_KEY.findall(line))
                if _KEY.search(line)
                else line
            )
            seen[base] = seen.get(base, 0) + 1
            rows.append(((base, seen[base]), line))
        keyed.append(rows)
    order = [key for key, _ in keyed[0]]
    where = {key: i for i, key in enumerate(order)}
    for rows in keyed[1:]:
        before = -1
        for key, _ in rows:
            if key not in where:
                order.insert(before + 1, key)
                where = {k: i for i, k in enumerate(order)}
            before = where[key]
    out = []
    for rows in keyed:
        have = dict(rows)
        out.append([have.get(key, "") for key in order])
    return out


def rasterise(svg: str) -> np.ndarray:
    """resvg's pixels of ``svg`` at its own size, as (h, w, 4) uint8 straight RGBA — the
    very call :func:`fcnn_widget.export.svg_to_png` makes, so frame k is ``save_png`` of
    that state."""
    return raster.pixels(export.svg_to_png(svg, scale=1))


def render(svgs: list[str], tick: Callable[[int], None] = lambda done: None) -> list[np.ndarray]:
    """Every frame's pixels (:func:`rasterise` of each, drawn by helper processes:
    :func:`fcnn_widget.pool.rasterise_all`); a frame whose picture equals another is not
    drawn again (epochs where nothing moved, samples shown twice)."""
    return pool.rasterise_all(svgs, 1, tick)


class Frames:
    """An animation's frames as helper processes draw them, in order: ``frames[k]`` waits
    for frame k (:meth:`fcnn_widget.pool.Drawing.image`), so encoding starts with the first
    frame drawn instead of after the last; ``tick(done)`` counts the frames first read."""

    def __init__(self, drawing: pool.Drawing, n: int, tick: Callable[[int], None]) -> None:
        self.drawing, self.n, self.tick, self.read = drawing, n, tick, set()

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, k: int) -> np.ndarray:
        if not 0 <= k < self.n:
            raise IndexError(k)
        image = self.drawing.image(k)
        if k not in self.read:
            self.read.add(k)
            self.tick(len(self.read))
        return image

    def __iter__(self):
        return (self[k] for k in range(self.n))


class _Mapped:
    """``f`` of each item of a sequence, worked out when it is read."""

    def __init__(self, items, f: Callable) -> None:
        self.items, self.f = items, f

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, k: int):
        return self.f(self.items[k])

    def __iter__(self):
        return (self[k] for k in range(len(self)))


def palette_picks(n: int) -> list[int]:
    """Which of ``n`` frames :func:`global_palette` counts: up to 12, spread evenly."""
    return np.unique(np.linspace(0, n - 1, min(12, n)).round().astype(int)).tolist()


def drawing_order(n: int, suffix: str) -> list[int]:
    """The order frames are handed to the helpers: a palette's picks first (the encoder
    reads them before any other), then the rest in order."""
    first = palette_picks(n) if suffix in (".gif", ".webp") else []
    chosen = set(first)
    return first + [k for k in range(n) if k not in chosen]


def _opaque(colour: str) -> bool:
    from matplotlib.colors import to_rgba

    try:
        return to_rgba(colour)[3] == 1.0
    except ValueError:
        return False


def flatten(rgba: np.ndarray, background: str) -> np.ndarray:
    """``rgba`` (straight) over an opaque CSS colour, as (h, w, 3) uint8 — for formats
    without transparency (GIF, video). A picture drawn on an opaque background is already
    opaque: its colours as they are."""
    from matplotlib.colors import to_rgb

    if bool((rgba[..., 3] == 255).all()):
        return np.ascontiguousarray(rgba[..., :3])
    bg = np.asarray(to_rgb(background), np.float32) * 255.0
    a = rgba[..., 3:].astype(np.float32) / 255.0
    out = rgba[..., :3].astype(np.float32) * a + bg * (1.0 - a)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def opaque(rgba: np.ndarray, background: str) -> np.ndarray:
    """:func:`flatten` as (h, w, 4) RGBA with alpha 255: ``rgba`` itself when it is
    already opaque (no copy), so its pixels compare as one 32-bit word each."""
    if bool((rgba[..., 3] == 255).all()):
        return rgba
    flat = flatten(rgba, background)
    return np.concatenate([flat, np.full(flat.shape[:2] + (1,), 255, np.uint8)], axis=2)


# -- progress ---------------------------------------------------------------------------------
class TextBar:
    """A one-line progress bar on stderr (scripts)."""

    def __init__(self, total: int, what: str) -> None:
        self.total, self.what, self.began = total, what, time.perf_counter()

    def __call__(self, done: int) -> None:
        filled = round(30 * done / self.total)
        elapsed = time.perf_counter() - self.began
        sys.stderr.write(
            f"\r{self.what} [{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} {elapsed:.1f} s"
        )
        if done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


class PageBar:
    """The widget's own progress bar (a notebook): the frames done, at most ~5 updates a
    second; the bar shows how to stop (interrupt the kernel: nothing is written)."""

    def __init__(self, widget, total: int, what: str) -> None:
        self.widget, self.total, self.what, self.shown = widget, total, what, 0.0

    def __call__(self, done: int) -> None:
        now = time.perf_counter()
        if done < self.total and now - self.shown < 0.2:
            return
        self.shown = now
        bar = {"running": done < self.total, "done": done, "total": self.total,
               "task": self.what, "stop_reachable": False, "epoch": self.widget.scene.epoch}  # fmt: skip
        self.widget._push({"_progress": bar})

    def close(self) -> None:
        self.widget._push({"_progress": self.widget._page_progress()})


def progress_bar(source, total: int, what: str, progress=None) -> Callable[[int], None]:
    """How a render reports the frames done: ``progress`` False (not at all), a callable,
    or None: a widget in a notebook shows it in its bar, elsewhere a text bar on stderr."""
    from . import hosts

    if progress is False:
        return lambda done: None
    if callable(progress):
        return progress
    if progress is not None:
        raise ValueError(f"progress must be None, False or a callable, got {progress!r}")
    if hasattr(source, "_push") and hosts.detect().name != "python":
        return PageBar(source, total, what)
    return TextBar(total, what)


# -- writers ----------------------------------------------------------------------------------
def save_animation(
    source,
    path: str | os.PathLike,
    over: str = "epoch",
    *,
    epochs=None,
    samples=None,
    fps: float = 10,
    width: float | None = DEFAULT_WIDTH,
    loop: bool = True,
    quality: int | str | None = "palette",
    progress=None,
    **dressing,
) -> Path:
    """Write an animation of ``source`` (an :class:`~fcnn_widget.FCNNWidget` or an
    :class:`~fcnn_widget.FCNN`) to ``path``; the format follows the suffix (:data:`FORMATS`).

    ``over="epoch"`` plays every recorded epoch (or ``epochs``, e.g. ``range(0, 250, 5)``)
    at the widget's sample; ``over="sample"`` plays ``samples`` (default: up to 100 evenly
    spaced) at the widget's epoch. ``fps`` frames per second, ``width`` in pixels (the height
    follows), ``loop`` forever or play once. ``dressing``: ``theme``, ``background``,
    ``height``, ``title``, ``caption`` as :meth:`save_png`; an animation is drawn on the
    theme's background colour unless ``background`` says otherwise (``"transparent"``
    keeps WebP, APNG and SVG transparent; GIF and video are drawn on the theme's colour).
    ``quality`` is WebP's: ``"palette"`` (the default) maps the frames onto the GIF's one
    256-colour palette and then compresses them losslessly (sharper than lossy WebP and
    half its size for the seed network's fit); None: lossless, each frame exactly
    ``save_png``'s pixels; 1-100: lossy. GIF, APNG and SVG are lossless (GIF: one
    256-colour palette for every frame).
    ``progress``: None (the widget's bar in a notebook, a text bar otherwise), False, or a
    callable given the frames done. Ctrl-C stops it and leaves no file behind.
    """
    suffix = check_format(path)
    data = animation_bytes(
        source, suffix, over, epochs=epochs, samples=samples, fps=fps, width=width, loop=loop,
        quality=quality, progress=progress, name=Path(path).name, **dressing,
    )  # fmt: skip
    return files.write_atomic(path, data)


class Animated:
    """The widget's animations (a mixin of :class:`~fcnn_widget.FCNNWidget`)."""

    def save_animation(self, path, over: str = "epoch", **options) -> Path:
        """Write the widget learning (``over="epoch"``: every recorded epoch, or ``epochs=``)
        or one sample after another (``over="sample"``, ``samples=``) as an animation; the
        format follows the suffix: .gif, .webp, .png (APNG), .mp4/.webm (the ``video``
        extra), .svg (one animated SVG). ``fps``, ``width`` (default 800 px), ``loop``,
        ``quality``; see :func:`save_animation`.

        >>> w.save_animation("training.gif", epochs=range(0, 250, 5))  # doctest: +SKIP
        """
        return save_animation(self, path, over, **options)


def animation_bytes(
    source,
    suffix: str,
    over: str = "epoch",
    *,
    epochs=None,
    samples=None,
    fps: float = 10,
    width: float | None = DEFAULT_WIDTH,
    loop: bool = True,
    quality: int | str | None = "palette",
    progress=None,
    name: str = "animation",
    **dressing,
) -> bytes:
    """The file :func:`save_animation` writes, as bytes (``suffix`` names the format)."""
    suffix = check_format("x" + suffix)
    fps, loop, quality = check_fps(fps), check_loop(loop), check_quality(quality)
    limits.check_size(width, "width")
    if suffix in VIDEO:
        _video_modules()  # before any work: name the extra if it is missing
    dressing = {"background": "theme", **dressing, "width": width}
    p = plan(source, over, epochs=epochs, samples=samples, dressing=dressing)
    first = picture.to_svg(p.scenes[0], p.samples[0], uid=UID)
    w, h = export.svg_size(first)
    limits.check_pixels(w, h)
    if suffix != ".svg":
        limits.check_bytes(
            4 * 4 * math.ceil(w) * math.ceil(h) * (len(p.samples) + 6),
            f"{len(p.samples)} frames of {w:g} x {h:g} px",
        )
    style = p.scenes[0].style
    background = style.background
    if background in (None, "transparent") or not _opaque(background):
        background = picture.THEMES[style.theme]["bg"]
    n = len(p.samples)
    tick = progress_bar(source, n, f"rendering {name}", progress)
    try:
        if suffix == ".svg":
            data = animated_svg(frame_svgs(p), fps, loop)
            tick(n)
        else:
            distinct = len({(id(s), k) for s, k in zip(p.scenes, p.samples)})
            with pool.Drawing(1, helpers=pool.helper_count(distinct)) as drawing:
                for k in drawing_order(n, suffix):  # the helpers start on the first at once
                    drawing.submit(
                        k, first if k == 0 else picture.to_svg(p.scenes[k], p.samples[k], uid=UID)
                    )
                data = encode(Frames(drawing, n, tick), suffix, fps, loop, background, quality)
    finally:
        if isinstance(tick, PageBar):
            tick.close()
    return data


def page_request(widget, content: dict) -> tuple[str, bytes]:
    """The page's toolbar asks for an animation of what it shows (``content``: ``over``,
    ``fps``, ``loop``, ``format``): its file name and bytes, rendered here so the file is
    exactly what :func:`save_animation` writes."""
    fmt = str(content.get("format", "gif")).lower().lstrip(".")
    over = content.get("over", "epoch")
    name = f"fcnn-{over}s.{fmt}"
    data = animation_bytes(
        widget, "." + fmt, over, fps=content.get("fps", 10), loop=content.get("loop", True),
        name=name,
    )  # fmt: skip
    return name, data


def check_quality(quality) -> int | str | None:
    """WebP's ``quality``: :data:`PALETTE`, None (lossless) or an integer 1..100 (lossy)."""
    if quality is None or (isinstance(quality, str) and quality == PALETTE):
        return quality
    if (
        isinstance(quality, bool)
        or not isinstance(quality, numbers.Integral)
        or not 1 <= quality <= 100
    ):
        raise ValueError(
            f"quality must be {PALETTE!r} (the GIF's 256 colours, lossless), None (lossless) "
            f"or an integer 1..100 (lossy WebP), got {quality!r}"
        )
    return int(quality)


def encode(
    images: list[np.ndarray],
    suffix: str,
    fps: float,
    loop: bool,
    background: str,
    quality: int | str | None = "palette",
) -> bytes:
    """The bytes of an animation of RGBA ``images`` in the format of ``suffix``."""
    from PIL import Image

    ms = 1000.0 / fps
    out = io.BytesIO()
    if suffix == ".gif":
        shown = _Mapped(images, lambda im: opaque(im, background))
        table = global_palette(shown)
        frames = list(indexed_frames(shown, table))
        extra = {"loop": 0} if loop else {}
        frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                       duration=round(ms), optimize=True, disposal=1, **extra)  # fmt: skip
    elif suffix == ".webp":
        if isinstance(quality, str):  # PALETTE: the GIF's colours, then lossless
            arrays = paletted(images)
            options = {"lossless": True, "quality": 50, "method": 1, **_ONE_KEYFRAME}
        elif quality is None:
            arrays = iter(images)
            options = {"lossless": True, "method": 0}
        else:
            arrays = iter(images)
            options = {"quality": quality, "method": 4, **_ONE_KEYFRAME}
        # libwebp encodes each frame as it is added: fed in order, it encodes while the
        # helpers still draw the frames after it.
        InOrder(arrays, len(images), "RGBA").save(out, format="WEBP", save_all=True,
            duration=round(ms), loop=0 if loop else 1, **options)  # fmt: skip
    elif suffix in (".png", ".apng"):
        frames = [Image.fromarray(im, "RGBA") for im in images]
        frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=round(ms),
                       loop=0 if loop else 1, compress_level=6)  # fmt: skip
    elif suffix in VIDEO:
        return _video([flatten(im, background) for im in images], suffix, fps)
    return out.getvalue()


def paletted(images):
    """RGBA ``images`` (a sequence) with their colours mapped onto one global palette
    exactly as the GIF maps them (:func:`global_palette`, :func:`indexed_frames`), their
    alpha kept as it is; yielded in order as Pillow images, each as soon as it is read."""
    from PIL import Image

    table = global_palette(images)
    for im, frame in zip(images, indexed_frames(images, table)):
        if bool((im[..., 3] == 255).all()):
            yield frame.convert("RGB")
        else:
            out = frame.convert("RGBA")
            out.putalpha(Image.fromarray(np.ascontiguousarray(im[..., 3]), "L"))
            yield out


def InOrder(arrays, n: int, mode: str):  # noqa: N802 (a class, made when Pillow is imported)
    """A Pillow image of the ``n`` frames that ``arrays`` yields (see ``_InOrder``)."""
    return _in_order_class()(arrays, n, mode)


@functools.cache
def _in_order_class():
    from PIL import Image

    class _InOrder(Image.Image):
        """A multi-frame image whose frames (arrays or images) are taken from an iterator as Pillow
        seeks through them in order (as its animated WebP writer does), so a frame is
        encoded as soon as it is drawn; frame 0 is kept (Pillow seeks back to it)."""

        def __init__(self, arrays, n: int, mode: str) -> None:
            super().__init__()
            self._arrays, self._mode_of, self._at = iter(arrays), mode, -1
            self._first = next(self._arrays)
            self.n_frames, self.is_animated = n, n > 1
            self.seek(0)

        def _show(self, array) -> None:
            frame = (
                array if isinstance(array, Image.Image) else Image.fromarray(array, self._mode_of)
            )
            self.im, self._mode, self._size = frame.im, frame.mode, frame.size

        def seek(self, k: int) -> None:
            if k == self._at:
                return
            if k == 0:
                self._show(self._first)
            elif k == self._at + 1:
                self._show(next(self._arrays))
            else:
                raise EOFError(f"frames are read in order: asked for {k} after {self._at}")
            self._at = k

        def tell(self) -> int:
            return self._at

    return _InOrder


def _keys(rgb: np.ndarray) -> np.ndarray:
    """Each colour of (..., 3) uint8 as one integer 0xRRGGBB."""
    return (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]


def global_palette(rgb, exact: int = 96) -> np.ndarray:
    """One 256-colour palette for every frame (GIF), so a colour keeps its index from frame
    to frame: the ``exact`` most frequent colours of up to 12 frames spread over the
    animation as they are (the background, text, flat fills), the rest by median cut;
    as a (colours, 3) uint8 table. Every :data:`PALETTE_STRIDE`-th pixel of those frames
    is counted (a sample is enough for what is frequent). Frames are (h, w, 3) RGB or
    (h, w, 4) RGBA (their colour only)."""
    from PIL import Image

    pixels = np.concatenate([_flat(rgb[i])[::PALETTE_STRIDE, :3] for i in palette_picks(len(rgb))])
    keys = _keys(pixels)
    colours, counts = np.unique(keys, return_counts=True)
    if len(colours) <= 256:
        chosen = colours
    else:
        chosen = colours[np.argsort(-counts, kind="stable")[:exact]]
        rest = pixels[~np.isin(keys, chosen)]
        side = math.ceil(math.sqrt(len(rest)))
        padded = np.concatenate([rest, np.repeat(rest[:1], side * side - len(rest), axis=0)])
        cut = Image.fromarray(padded.reshape(side, side, 3).astype(np.uint8)).quantize(
            colors=256 - len(chosen), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        more = np.asarray(cut.getpalette()[: 3 * (256 - len(chosen))], np.int32).reshape(-1, 3)
        chosen = np.concatenate([chosen, (more[:, 0] << 16) | (more[:, 1] << 8) | more[:, 2]])
    return np.stack([(chosen >> 16) & 255, (chosen >> 8) & 255, chosen & 255], axis=1).astype(
        np.uint8
    )


def indexed(rgb: np.ndarray, table: np.ndarray):
    """``rgb`` as a palette image of ``table``: a colour of the palette keeps exactly its
    entry (the background, text, flat fills); any other colour (anti-aliased edges, the
    estimate's gradient) goes to Pillow's nearest entry on a 6-bit grid, which keeps it
    steady from frame to frame, so the GIF's frame differences stay small."""
    return _palette_image(_indices(rgb.reshape(-1, 3), table).reshape(rgb.shape[:2]), table)


def indexed_frames(rgb, table: np.ndarray, steady: int = GIF_STEADY):
    """:func:`indexed` of every frame ((h, w, 3) RGB or (h, w, 4) RGBA, their colour),
    yielded in order, each worked out only where it differs from the frame before. A pixel
    whose colour is not in the palette keeps the entry it had while that entry is within
    ``steady`` units (per channel) of the nearest entry's error: a gradient drifting slowly
    (the plane's estimate) does not flip entries in every frame, which keeps the GIF a
    third smaller for the same error."""
    before, index = None, None
    tab, table_keys = table.astype(np.int32), _keys(table)
    for im in rgb:
        flat, words = _flat(im), _words(im)
        if before is None or words.shape != before.shape:
            index = _indices(flat[:, :3], table)
        else:
            changed = words != before
            index = index.copy()
            if changed.any():
                px = flat[changed, :3]
                new, held = index[changed], _indices(px, table)
                if steady:
                    wide = px.astype(np.int32)
                    err_new = np.abs(wide - tab[held]).max(axis=1)
                    err_old = np.abs(wide - tab[new]).max(axis=1)
                    keep = (err_old <= err_new + steady) & ~np.isin(_keys(px), table_keys)
                    held = np.where(keep, new, held)
                index[changed] = held
        yield _palette_image(index.reshape(im.shape[:2]), table)
        before = words


def _flat(im: np.ndarray) -> np.ndarray:
    """(h, w, c) as (h * w, c), a view where it can be."""
    return im.reshape(-1, im.shape[-1])


def _words(im: np.ndarray) -> np.ndarray:
    """Each pixel of (h, w, 3|4) uint8 as one integer, flat: equal pixels, equal words
    (RGBA in memory order is read as 32-bit words, without a copy)."""
    if im.shape[-1] == 4 and im.dtype == np.uint8 and im.flags.c_contiguous:
        return im.reshape(-1, 4).view(np.uint32).reshape(-1)
    return _keys(_flat(im)[:, :3])


def _indices(pixels: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The palette entry of each of (n, 3) uint8 ``pixels``: its exact colour's, else
    Pillow's nearest."""
    from PIL import Image

    palette = Image.new("P", (1, 1))
    palette.putpalette(table.ravel().tolist())
    column = np.ascontiguousarray(pixels).reshape(-1, 1, 3)
    near = Image.fromarray(column, "RGB").quantize(palette=palette, dither=Image.Dither.NONE)
    index = np.asarray(near).reshape(-1).astype(np.uint8)
    keys, table_keys = _keys(pixels), _keys(table)
    order = np.argsort(table_keys)
    at = np.clip(np.searchsorted(table_keys[order], keys), 0, len(order) - 1)
    exact = table_keys[order][at] == keys
    index[exact] = order[at][exact]
    return index


def _palette_image(index: np.ndarray, table: np.ndarray):
    from PIL import Image

    out = Image.fromarray(np.ascontiguousarray(index, np.uint8), "P")
    out.putpalette(table.ravel().tolist())
    return out


def _video_modules():
    try:
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        raise ImportError(
            f"MP4 and WebM need imageio and imageio-ffmpeg, the optional 'video' extra: {VIDEO_EXTRA} "
            "(or save a .gif, .webp, .png or .svg, which need nothing more)"
        ) from None
    return imageio


def _video(rgb: list[np.ndarray], suffix: str, fps: float) -> bytes:
    imageio = _video_modules()
    h, w = rgb[0].shape[:2]
    pad = ((0, h % 2), (0, w % 2), (0, 0))  # yuv420 needs even sides
    codec = {".mp4": "libx264", ".webm": "libvpx-vp9"}[suffix]
    with tempfile.TemporaryDirectory() as folder:
        temp = os.path.join(folder, "video" + suffix)
        params = ["-crf", "18"] + (["-b:v", "0"] if suffix == ".webm" else [])
        writer = imageio.get_writer(temp, fps=fps, codec=codec, macro_block_size=1,
                                    pixelformat="yuv420p", ffmpeg_params=params, ffmpeg_log_level="error")  # fmt: skip
        try:
            for im in rgb:
                writer.append_data(np.pad(im, pad, mode="edge"))
        finally:
            writer.close()
        return Path(temp).read_bytes()


# -- the animated SVG -------------------------------------------------------------------------
_PAINT = ("fill", "stroke", "stroke-width", "fill-opacity", "stroke-opacity", "opacity")
_DATA = re.compile(r'\sdata-value="[^"]*"')


def animated_svg(svgs: list[str], fps: float, loop: bool = True) -> bytes:
    """One SVG that plays ``svgs`` (frames of one structure) at ``fps``: unchanged elements
    once; an element whose paint changes once, with CSS keyframes of its paint; any other
    changing element as one copy per distinct version, shown while it is the frame's."""
    lines = aligned_lines(svgs)
    n = len(svgs)
    total = n / fps
    runs = f"{total:.4g}s step-end {'infinite' if loop else '1 forwards'}"
    css: list[str] = []
    body: list[str] = []
    shown_rules: dict[tuple, str] = {}

    def at(k: int) -> str:
        return f"{100 * k / n:.4g}%"

    def visibility(frames: tuple[int, ...]) -> str:
        if frames not in shown_rules:
            name = f"v{len(shown_rules)}"
            on = set(frames)
            steps = [f"{at(k)}{{visibility:{'visible' if k in on else 'hidden'}}}"
                     for k in range(n) if k == 0 or ((k in on) != (k - 1 in on))]  # fmt: skip
            steps.append(f"100%{{visibility:{'visible' if n - 1 in on else 'hidden'}}}")
            css.append(f"@keyframes {name}{{{''.join(steps)}}}.{name}{{animation:{name} {runs}}}")
            shown_rules[frames] = name
        return shown_rules[frames]

    for i, first in enumerate(lines[0]):
        column = [f[i] for f in lines]
        if all(v == first for v in column):
            body.append(first)
            continue
        plain = [_DATA.sub("", v) for v in column]
        skeletons = {_paint_free(v) for v in plain}
        if len(skeletons) == 1 and plain[0] and _single(plain[0]):
            name = f"p{i}"
            paints = [_paints(v) for v in plain]
            steps = [
                f"{at(k)}{{{_css(paints[k])}}}"
                for k in range(n)
                if k == 0 or paints[k] != paints[k - 1]
            ]
            steps.append(f"100%{{{_css(paints[-1])}}}")
            css.append(f"@keyframes {name}{{{''.join(steps)}}}.{name}{{animation:{name} {runs}}}")
            body.append(_with_class(plain[0], name))
            continue
        versions: dict[str, list[int]] = {}
        for k, v in enumerate(plain):
            if v:
                versions.setdefault(v, []).append(k)
        for v, ks in versions.items():
            body.append(_with_class(v, visibility(tuple(ks))))
    style = "<style>" + "".join(css) + "</style>"
    root, rest = body[0], body[1:]
    return files.encode_text("\n".join([root, style, *rest]), "svg")


_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_TAGS = re.compile(r"<(circle|line|rect|text|image|polyline|path)\b")


def _single(line: str) -> bool:
    return (
        len(_TAGS.findall(line)) == 1
        and line.strip().startswith("<")
        and not line.strip().startswith("<g")
    )


def _paint_free(line: str) -> str:
    return re.sub(rf'\s(?:{"|".join(_PAINT)})="[^"]*"', "", line)


def _paints(line: str) -> dict[str, str]:
    head = line.split(">", 1)[0]
    return {k: v for k, v in _ATTR.findall(head) if k in _PAINT}


def _css(paints: dict[str, str]) -> str:
    return ";".join(f"{k}:{v}" for k, v in paints.items())


def _with_class(line: str, name: str) -> str:
    m = re.match(r"\s*<[\w:-]+", line)
    return line[: m.end()] + f' class="{name}"' + line[m.end() :]
