"""Where a picture's texts sit, to check that a reader can read them: the smallest font
size at the picture's nominal width, and texts that overlap another text or lie under a
mark drawn over them.

From SVG text (:func:`svg_items`: boxes approximated from font size and string length, as
fcnn_widget.layout sizes its room) or from the page (:data:`PAGE_ITEMS_JS`: the browser's
own getBBox of every element). :func:`collisions` works on either.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from fcnn_widget.layout import CHAR_W
from fcnn_widget.picture import FONT  # noqa: F401  (the picture's font: DejaVu Sans first)

MARK_TAGS = ("circle", "rect", "path", "image", "polygon", "line")
# Marks that may stand under or over text by design: the background, the plane's and the
# chart's frames and pictures (texts inside them are the chart's tick labels), the plane's
# data points (a dense cloud), the region map.
NOT_MARKS = ("background", "estimate", "regions", "on-side", "unit-line")


@dataclass(frozen=True)
class Item:
    kind: str  # "text" or a mark's tag
    role: str  # what it is (data-role, data-kind, ...), for messages
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the picture's units
    order: int  # document order (later is drawn over earlier)
    font: float = 0.0  # a text's font size in the picture's units
    text: str = ""
    ring: tuple[float, float, float] | None = None  # an unfilled circle: cx, cy, r


def _role(e: ET.Element) -> str:
    for key in ("data-role", "data-label", "data-target", "data-kind", "data-off", "data-range"):
        if e.get(key) is not None:
            return f"{key}={e.get(key)}"
    return e.tag


def svg_items(svg: str) -> tuple[list[Item], float]:
    """Every visible text and mark of an SVG picture, and the scale it is shown at (its
    width over its viewBox's)."""
    root = ET.fromstring(svg)
    view = [float(v) for v in root.get("viewBox").split()]
    scale = float(root.get("width")) / view[2]
    items: list[Item] = []

    def walk(e, font, hidden, in_points, order):
        tag = e.tag.split("}")[-1]
        font = float(e.get("font-size", font))
        hidden = hidden or e.get("visibility") == "hidden"
        in_points = in_points or e.get("data-role") in ("points", "defs")
        if tag == "defs":
            return
        if not hidden and tag == "text" and (e.text or "").strip():
            text = e.text.strip()
            w = len(text) * font * CHAR_W
            x, y = float(e.get("x")), float(e.get("y"))
            anchor = e.get("text-anchor", "start")
            x0 = x - (w if anchor == "end" else w / 2 if anchor == "middle" else 0)
            box = (x0, y - 0.72 * font, x0 + w, y + 0.2 * font)
            items.append(Item("text", _role(e), box, len(items), font, text))
        elif (
            not hidden
            and not in_points
            and tag in MARK_TAGS
            and e.get("data-role") not in NOT_MARKS
        ):
            box = _mark_box(e, tag)
            ring = None
            if tag == "circle" and e.get("fill") == "none":
                ring = (float(e.get("cx")), float(e.get("cy")), float(e.get("r")))
            if box is not None:
                items.append(Item(tag, _role(e), box, len(items), ring=ring))
        for child in e:
            walk(child, font, hidden, in_points, order)

    walk(root, 11.0, False, False, 0)
    return items, scale


def _mark_box(e, tag):
    f = lambda k: float(e.get(k, 0))  # noqa: E731
    if tag == "circle":
        r = f("r")
        return (f("cx") - r, f("cy") - r, f("cx") + r, f("cy") + r)
    if tag in ("rect", "image"):
        if e.get("width", "").endswith("%"):
            return None
        return (f("x"), f("y"), f("x") + f("width"), f("y") + f("height"))
    if tag == "line":
        return (
            min(f("x1"), f("x2")),
            min(f("y1"), f("y2")),
            max(f("x1"), f("x2")),
            max(f("y1"), f("y2")),
        )
    numbers = [
        float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", e.get("d") or e.get("points") or "")
    ]
    if len(numbers) < 2:
        return None
    xs, ys = numbers[0::2], numbers[1::2]
    return (min(xs), min(ys), max(xs), max(ys))


def smallest_font_px(items: list[Item], scale: float) -> tuple[float, Item]:
    """The smallest text as shown (font size times the scale) and its item."""
    text = min((i for i in items if i.kind == "text"), key=lambda i: i.font)
    return text.font * scale, text


def _overlap(a, b, pad: float = 0.5) -> bool:
    return a[0] + pad < b[2] and b[0] + pad < a[2] and a[1] + pad < b[3] and b[1] + pad < a[3]


def _covers(mark: Item, box) -> bool:
    """Whether a mark meets a text's box: a ring (an unfilled circle) only where its
    outline crosses the box, anything else where their boxes overlap."""
    if not _overlap(mark.box, box):
        return False
    if mark.ring is None:
        return True
    cx, cy, r = mark.ring
    corners = [(x, y) for x in (box[0], box[2]) for y in (box[1], box[3])]
    inside = all((x - cx) ** 2 + (y - cy) ** 2 < (r - 1) ** 2 for x, y in corners)
    return not inside


def collisions(items: list[Item]) -> list[str]:
    """Texts whose boxes overlap another text's, and texts with a mark drawn over them
    (a mark later in document order whose box meets the text's): one line each."""
    texts = [i for i in items if i.kind == "text"]
    marks = [i for i in items if i.kind != "text"]
    out = []
    for n, a in enumerate(texts):
        for b in texts[n + 1 :]:
            if _overlap(a.box, b.box):
                out.append(f"text {a.role} {a.text!r} overlaps text {b.role} {b.text!r}")
        for m in marks:
            if m.order > a.order and _covers(m, a.box):
                out.append(f"{m.kind} {m.role} is drawn over text {a.role} {a.text!r}")
    return out


# The same items measured by the browser: getBBox in the picture's units, the font size
# the browser computed, visibility as the browser sees it; and the scale the picture is
# shown at (its rendered width over its viewBox width).
PAGE_ITEMS_JS = """
(root) => {
  const svg = root.querySelector('svg.fcnn-picture');
  const marks = MARK_TAGS, notMarks = NOT_MARKS;
  const items = [];
  let order = 0;
  for (const e of svg.querySelectorAll('*')) {
    order++;
    if (e.closest('defs') || e.closest('g[data-role="points"]')) continue;
    const tag = e.tagName;
    const isText = tag === 'text' && e.textContent.trim();
    const isMark = marks.includes(tag) && !notMarks.includes(e.dataset.role || '')
      && !(tag === 'rect' && (e.getAttribute('width') || '').endsWith('%'));
    if (!isText && !isMark) continue;
    if (getComputedStyle(e).visibility === 'hidden') continue;
    const b = e.getBBox();
    const role = ['role', 'label', 'target', 'kind', 'off', 'range'].map((k) => e.dataset[k] !== undefined ? `data-${k}=${e.dataset[k]}` : '').find(Boolean) || tag;
    const ring = tag === 'circle' && e.getAttribute('fill') === 'none' ? [b.x + b.width / 2, b.y + b.height / 2, b.width / 2] : null;
    items.push({ kind: isText ? 'text' : tag, role, box: [b.x, b.y, b.x + b.width, b.y + b.height], order, ring,
                 font: isText ? parseFloat(getComputedStyle(e).fontSize) : 0, text: isText ? e.textContent.trim() : '' });
  }
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return { items, scale };
}
""".replace("MARK_TAGS", json.dumps(MARK_TAGS)).replace("NOT_MARKS", json.dumps(NOT_MARKS))


def page_items(root) -> tuple[list[Item], float]:
    """:func:`svg_items` for the picture of a widget shown in the page (``root``: its locator)."""
    got = root.evaluate(PAGE_ITEMS_JS)
    items = [
        Item(
            i["kind"],
            i["role"],
            tuple(i["box"]),
            i["order"],
            i["font"],
            i["text"],
            tuple(i["ring"]) if i["ring"] else None,
        )
        for i in got["items"]
    ]
    return items, got["scale"]
