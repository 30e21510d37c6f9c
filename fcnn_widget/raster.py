"""What resvg is given for a picture: the parts that cost it most, made cheap to draw.

Two things cost resvg more than the rest of a picture together, and neither needs resvg's own
drawing each time:

- The plane's data points (2,500 circles for the seed data, each filled and stroked): half of
  an 800 px frame. They are the same in every picture of one dataset (every epoch, every
  sample, every palette's variant at one size), so :func:`prepared` draws them apart, once
  per points group and scale, crops them to where they are and puts the crop in the points
  group's place as one ``<image>`` (nearest-neighbour, on the device pixel grid, so it is
  copied, not resampled). The z-order is kept: what is drawn before the points (the
  estimate, the region map) stays beneath them and what is drawn after (the ring, the axis
  labels) above.
- The plane's estimate image (an 81 x 81 PNG stretched over the plane): resvg's smooth
  scaling of it was a fifth of a frame's instructions. It is scaled here by Pillow
  (bilinear) to the device pixels it covers, its box snapped to the pixel grid (the plane's
  1 px frame is drawn over its edge), and resvg only copies it.

:func:`fcnn_widget.export.svg_to_png` rasterises every picture through here, so ``save_png``
and an animation's frames have the same pixels. Against resvg drawing everything itself,
the result differs only on the plane, by at most a few units per channel (the layer's
alpha rounding, bilinear against resvg's filter; the tests check the bounds): nothing a
reader can see. Pictures whose points or estimate are not in plain groups (a transform, an
opacity or a clip around them) are left as they are.

>>> from fcnn_widget import FCNN
>>> from fcnn_widget.export import to_svg
>>> svg = to_svg(FCNN([3], dataset="prod"), width=400)
>>> layered = prepared(svg, 1)
>>> svg.count("<circle") - layered.count("<circle") >= 2500, 'data-role="points-layer"' in layered
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import re
import struct
import subprocess
import sys
import tempfile
from collections import OrderedDict

import numpy as np

CACHE_SIZE = 16  # points layers kept (one per dataset, plane and scale)
MIN_POINTS = 32  # fewer circles than this: drawn in place (a layer would not pay)
_MARGIN = 2.0  # device px around the circles' own extent (anti-aliasing, the stroke)

_POINTS_TAG = '<g data-role="points"'
_ROOT = re.compile(r"<svg\b[^>]*>", re.S)
_GROUP = re.compile(r'<g\b((?:[^>"]|"[^"]*")*)>|</g>')
_CONTAINERS = ("svg", "a", "switch", "symbol", "defs", "clipPath", "mask", "pattern", "marker")
_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_CIRCLE = re.compile(r'<circle cx="([-\d.eE+]+)" cy="([-\d.eE+]+)" r="([\d.eE+]+)"')
_LAYERS: OrderedDict[str, str] = OrderedDict()  # key -> the <image> that replaces the circles
_ESTIMATE = re.compile(
    r'<image data-role="estimate" x="([-\d.eE+]+)" y="([-\d.eE+]+)" width="([\d.eE+]+)" '
    r'height="([\d.eE+]+)" preserveAspectRatio="none" href="data:image/png;base64,([^"]*)"/>'
)
_SCALED: OrderedDict[str, str] = OrderedDict()  # key -> the estimate at device size


def prepared(svg: str, scale: float) -> str:
    """``svg`` as resvg is given it at ``scale``: its plane's data points as one cached
    image layer and its estimate scaled to device pixels (see the module's docstring);
    what does not apply is left as it is."""
    return _estimate_scaled(_points_layered(svg, scale), scale)


def _points_layered(svg: str, scale: float) -> str:
    """``svg`` with its one points group drawn as a cached image layer, where it can be."""
    found = [g for g in _points_groups(svg) if g[2] > g[1]]
    if len(found) != 1:
        return svg
    (attrs, start, end, at), root = found[0], _ROOT.search(svg)
    circles = svg[start:end]
    if root is None or root.end() > at or circles.count("<circle") < MIN_POINTS:
        return svg
    mapping = _root_mapping(root.group(0))
    if mapping is None or not _plain_ancestors(svg, root.end(), at):
        return svg
    if "url(" in circles or "<g" in circles:
        return svg
    key = hashlib.sha1(f"{scale!r}|{mapping!r}|{attrs}|".encode() + circles.encode()).hexdigest()
    image = _LAYERS.get(key)
    if image is None:
        image = _layer(attrs, circles, mapping, float(scale))
        if image is None:
            return svg
        _LAYERS[key] = image
        while len(_LAYERS) > CACHE_SIZE:
            _LAYERS.popitem(last=False)
    else:
        _LAYERS.move_to_end(key)
    return svg[:start] + image + svg[end:]


def _points_groups(svg: str):
    """Each points group: (its attributes, where its content starts and ends, where its
    tag opens)."""
    at = svg.find(_POINTS_TAG)
    while at >= 0:
        head = svg.find(">", at)
        if head < 0:
            return
        if svg[head - 1] == "/":  # <g data-role="points" .../>: empty
            yield svg[at + len(_POINTS_TAG) : head - 1], head + 1, head + 1, at
            at = svg.find(_POINTS_TAG, head)
            continue
        end = svg.find("</g>", head)
        if end < 0:
            return
        yield svg[at + len(_POINTS_TAG) : head], head + 1, end, at
        at = svg.find(_POINTS_TAG, end)


def _root_mapping(tag: str) -> tuple[float, float, float, float, float] | None:
    """The root's user -> px mapping ``(s, tx, ty, width, height)`` (px = s * user + t), for
    a root sized in px with a viewBox and the default aspect ratio (xMidYMid meet); None for
    anything else."""
    attrs = dict(_ATTR.findall(tag))
    if "preserveAspectRatio" in attrs or "transform" in attrs:
        return None
    try:
        width = float(attrs["width"].removesuffix("px"))
        height = float(attrs["height"].removesuffix("px"))
        vx, vy, vw, vh = (float(v) for v in re.split(r"[\s,]+", attrs["viewBox"].strip()))
    except (KeyError, ValueError):
        return None
    if (
        not all(math.isfinite(v) for v in (width, height, vx, vy, vw, vh))
        or min(width, height, vw, vh) <= 0
    ):
        return None
    s = min(width / vw, height / vh)
    return s, (width - vw * s) / 2 - vx * s, (height - vh * s) / 2 - vy * s, width, height


def _plain_ancestors(svg: str, start: int, end: int) -> bool:
    """Whether every element open at ``end`` (after the root) is a ``<g>`` with only
    ``data-*`` attributes: nothing around the points moves, clips or fades them."""
    for name in _CONTAINERS:  # no other container is open there
        opened = len(re.findall(rf"<{name}[\s>/]", svg[start:end]))
        closed = svg.count(f"</{name}>", start, end)
        if opened != closed:
            return False
    stack: list[bool] = []
    for m in _GROUP.finditer(svg, start, end):
        if m.group(0) == "</g>":
            if stack:
                stack.pop()
        elif not m.group(0).endswith("/>"):
            stack.append(_only_data(m.group(1)))
    return all(stack)


def _only_data(attrs: str) -> bool:
    return all(k.startswith("data-") for k, _ in _ATTR.findall(attrs))


def _layer(group_attrs: str, circles: str, mapping, scale: float) -> str | None:
    """The points drawn alone by resvg at ``scale``, cropped to their extent, as the
    ``<image>`` that stands in their place (None if they are off the picture)."""
    import resvg_py

    s, tx, ty, width, height = mapping
    found = np.array(_CIRCLE.findall(circles), dtype=np.float64).reshape(-1, 3)
    if len(found) != circles.count("<circle"):
        return None  # circles written in another form: draw them in place
    k = s * scale  # user units -> device px
    reach = found[:, 2] + 2.0  # the radius, the stroke and then some
    x0 = math.floor(max(0.0, scale * tx + k * float(np.min(found[:, 0] - reach)) - _MARGIN))
    y0 = math.floor(max(0.0, scale * ty + k * float(np.min(found[:, 1] - reach)) - _MARGIN))
    x1 = math.ceil(
        min(width * scale, scale * tx + k * float(np.max(found[:, 0] + reach)) + _MARGIN)
    )
    y1 = math.ceil(
        min(height * scale, scale * ty + k * float(np.max(found[:, 1] + reach)) + _MARGIN)
    )
    if x1 <= x0 or y1 <= y0:
        return None
    # The crop's own user box: px = k * (user - ux) puts it at device (x0, y0) of the picture.
    ux, uy = (x0 / scale - tx) / s, (y0 / scale - ty) / s
    uw, uh = (x1 - x0) / k, (y1 - y0) / k
    alone = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{x1 - x0}" height="{y1 - y0}" '
        f'viewBox="{ux!r} {uy!r} {uw!r} {uh!r}" preserveAspectRatio="none">'
        f"<g{group_attrs}>{circles}</g></svg>"
    )
    png = bytes(resvg_py.svg_to_bytes(svg_string=alone, width=x1 - x0, height=y1 - y0))
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<image data-role="points-layer" x="{ux!r}" y="{uy!r}" width="{uw!r}" height="{uh!r}" '
        f'preserveAspectRatio="none" image-rendering="optimizeSpeed" href="{uri}"/>'
    )


def _estimate_scaled(svg: str, scale: float) -> str:
    """``svg`` with its plane's estimate image already scaled to the device pixels it
    covers at ``scale`` (bilinear, by Pillow), so resvg only copies it; unchanged where
    there is no such image or it is not in plain groups."""
    m = _ESTIMATE.search(svg)
    root = _ROOT.search(svg)
    if m is None or root is None or root.end() > m.start():
        return svg
    mapping = _root_mapping(root.group(0))
    if mapping is None or not _plain_ancestors(svg, root.end(), m.start()):
        return svg
    s, tx, ty, _, _ = mapping
    x, y, w, h = (float(v) for v in m.groups()[:4])
    # The box on the device pixel grid: each edge to its nearest pixel boundary.
    x0, x1 = (round(scale * (s * v + tx)) for v in (x, x + w))
    y0, y1 = (round(scale * (s * v + ty)) for v in (y, y + h))
    if x1 <= x0 or y1 <= y0 or (x1 - x0) * (y1 - y0) > 64_000_000:
        return svg
    key = hashlib.sha1(f"{x1 - x0}x{y1 - y0}|".encode() + m.group(5).encode()).hexdigest()
    uri = _SCALED.get(key)
    if uri is None:
        uri = _scaled_png(m.group(5), x1 - x0, y1 - y0)
        if uri is None:
            return svg
        _SCALED[key] = uri
        while len(_SCALED) > CACHE_SIZE:
            _SCALED.popitem(last=False)
    else:
        _SCALED.move_to_end(key)
    k = s * scale  # user units -> device px
    ux, uy = (x0 / scale - tx) / s, (y0 / scale - ty) / s
    image = (
        f'<image data-role="estimate" x="{ux!r}" y="{uy!r}" width="{(x1 - x0) / k!r}" '
        f'height="{(y1 - y0) / k!r}" preserveAspectRatio="none" image-rendering="optimizeSpeed" '
        f'href="{uri}"/>'
    )
    return svg[: m.start()] + image + svg[m.end() :]


def _scaled_png(b64: str, width: int, height: int) -> str | None:
    """The base64 PNG ``b64`` resized to ``width`` x ``height`` (bilinear) as a data URI;
    None if it does not decode."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(b64, validate=True))) as im:
            big = im.convert("RGBA").resize((width, height), Image.Resampling.BILINEAR)
    except Exception:  # not a PNG Pillow reads: resvg draws it as it is
        return None
    out = io.BytesIO()
    big.save(out, format="PNG", compress_level=0)  # read once, by resvg: speed over size
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


# -- many pictures at once ---------------------------------------------------------------------
# resvg holds the GIL, so threads do not draw in parallel: helper processes do. Each is a bare
# interpreter with the parent's own module path (the very resvg_py and Pillow the parent
# uses) that only rasterises and decodes; no JAX, no widget, and not the user's script.
_HELPER_CODE = """
import json, struct, sys
sys.path[:] = json.loads(sys.argv[1])
import io, resvg_py
from PIL import Image
src, out = sys.stdin.buffer, sys.stdout.buffer
out.write(b"ready\\n"); out.flush()
while True:
    head = src.read(12)
    if len(head) < 12:
        break
    size, zoom = struct.unpack("<Id", head)
    svg = src.read(size).decode("utf-8")
    try:
        with Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom)))) as im:
            im = im.convert("RGBA")
            w, h, data = im.width, im.height, im.tobytes()
    except Exception as e:
        w, h, data = 0, 0, repr(e).encode()
    out.write(struct.pack("<III", w, h, len(data))); out.write(data); out.flush()
"""


def pixels(png: bytes) -> np.ndarray:
    """A PNG's pixels as (h, w, 4) uint8 straight RGBA."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGBA"))


class Helper:
    """One helper process that rasterises prepared SVG text with resvg and sends back its
    pixels, exactly as :func:`pixels` of :func:`fcnn_widget.export.svg_to_png` here."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _HELPER_CODE, json.dumps(sys.path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=tempfile.gettempdir(),
        )  # fmt: skip
        self.ready = False

    def render(self, svg: str, scale: float) -> np.ndarray:
        """The pixels of ``svg`` (already :func:`prepared`) at ``scale``."""
        if not self.ready:
            if self.proc.stdout.readline() != b"ready\n":
                raise RuntimeError("the rasterising helper did not start")
            self.ready = True
        data = svg.encode("utf-8")
        self.proc.stdin.write(struct.pack("<Id", len(data), float(scale)) + data)
        self.proc.stdin.flush()
        w, h, n = struct.unpack("<III", _read(self.proc.stdout, 12))
        body = _read(self.proc.stdout, n)
        if w == 0:
            raise RuntimeError(f"the rasterising helper failed: {body.decode(errors='replace')}")
        return np.frombuffer(body, np.uint8).reshape(h, w, 4)

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _read(stream, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise RuntimeError("the rasterising helper stopped")
    return data
