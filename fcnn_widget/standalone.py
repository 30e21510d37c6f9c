"""The widget as one self-contained HTML file: no kernel, no CDN, opens offline from file://.

The file holds the front end (``static/standalone.js``: ``js/standalone.js`` bundled with the
widget's own ``js/widget.js``) as an inline module script, the widget's CSS, and the state
the kernel would sync, inlined as JSON in a ``<script type="application/json">``: binary
buffers and long texts go into one deflate-compressed, base64-encoded blob that the page
inflates with ``DecompressionStream('deflate')``. A minimal anywidget-compatible model over
that state runs the same ``render`` as in JupyterLab.

What works without a kernel:

- sample scrubbing (slider, steps, number box, arrow keys, clicking the plane), hover values;
- palette, norm and norm scope: the file holds a precomputed variant of every changed trait
  for each ``palette x norm x norm_scope`` combination offered (by default the widget's
  palette plus viridis, plasma, coolwarm and RdBu, and all 3 norms x 2 scopes); the page's
  dropdowns offer only those. Identical buffers are shared between variants and long texts
  (the SVG, the plane's points) are stored as references into one table of distinct tags;
- epoch scrubbing for the sample shown at export (the timeline the kernel packed for it);
  other samples show the exported epoch;
- the toolbar: SVG and PNG download, copy.

Other settings (centring, robust ranges, value labels, view and overlays) are fixed at their
exported values and their controls are disabled. Training, of course, needs the kernel.

Size: the seed example — ``FCNN([5, 5], "relu", dataset="prod")`` (2500 samples) trained
250 epochs, 4 palettes x 3 norms x 2 scopes = 24 variants — makes a file of about 0.6 MB
(614 kB; 0.2 MB of it the exact float32 layer values of every sample, which hardly
compress; 2 MB of chunks before deflate). Computing the variants takes a few seconds.

The page needs a browser with ``DecompressionStream`` (Chrome/Edge 80+, Firefox 113+,
Safari 16.4+) and JavaScript modules; it fetches nothing.

>>> from fcnn_widget import FCNN, FCNNWidget
>>> page = to_html(FCNNWidget(FCNN([3], dataset="xor")), palettes=["viridis"], norms=["global"])
>>> page.startswith("<!doctype html>") and page.count("</script>") == 2
True
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import html
import json
import math
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import anywidget
import numpy as np
from matplotlib.colors import Colormap

from . import colors, rules

_STATIC = Path(__file__).parent / "static"
FORMAT = "fcnn-widget/standalone 1"
DEFAULT_PALETTES = ("viridis", "plasma", "coolwarm", "RdBu")
AXES = ("palette", "norm", "norm_scope")  # the settings the page may change via variants
TEXT_MIN_CHARS = 200  # shorter strings stay plain JSON
# Tags (and lines) are the units of the text table: split after every ">" and newline.
_TOKEN_SPLIT = re.compile(r"(?<=>)(?!\n)|(?<=\n)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")
LIMITS = (
    "Saved page: scrub samples, and epochs for the sample shown when it was saved; "
    "palette and norm offer the saved variants. Other settings need the Python kernel."
)


def to_html(
    widget_or_model,
    *,
    palettes: Iterable[str] | None = None,
    norms: Sequence[str] = colors.NORMS,
    scopes: Sequence[str] = colors.SCOPES,
    page_title: str | None = None,
    note: bool = True,
    **style,
) -> str:
    """The page as HTML text (see :func:`save_html`)."""
    state, variants, fixed = collect_state(
        widget_or_model, palettes=palettes, norms=norms, scopes=scopes, **style
    )
    doc = encode_state(state, variants, fixed)
    title = page_title if page_title is not None else (state.get("title") or "fcnn-widget")
    return _page(doc, str(title), note)


def save_html(
    widget_or_model,
    path: str | os.PathLike,
    *,
    palettes: Iterable[str] | None = None,
    norms: Sequence[str] = colors.NORMS,
    scopes: Sequence[str] = colors.SCOPES,
    page_title: str | None = None,
    note: bool = True,
    **style,
) -> Path:
    """Write the widget (or a model, shown with ``**style``) as one self-contained HTML file.

    ``widget_or_model``: an :class:`~fcnn_widget.FCNNWidget`, whose current state is saved
    (``**style`` — e.g. ``sample=3, title="..."`` — applies to the export only and is undone
    after), or a model, shown as ``FCNNWidget(model, **style)``. ``palettes``: those the
    page offers (default: the widget's plus viridis, plasma, coolwarm, RdBu); ``norms`` and
    ``scopes`` likewise; each combination costs a variant. ``page_title``: the HTML title
    (default: the widget's title). ``note``: a line under the widget on what works offline.
    Returns the path. The seed example (``FCNN([5, 5])`` on prod, 2500 samples) is ~0.6 MB.
    """
    path = Path(path)
    text = to_html(
        widget_or_model,
        palettes=palettes,
        norms=norms,
        scopes=scopes,
        page_title=page_title,
        note=note,
        **style,
    )
    path.write_text(text, encoding="utf-8")
    return path


# -- the state and its variants ------------------------------------------------------------------
def synced_keys(widget) -> list[str]:
    """The widget's own synced traits (not anywidget's or ipywidgets')."""
    base = set(anywidget.AnyWidget.class_trait_names(sync=True)) | {"_esm", "_css"}
    return sorted(
        k
        for k in widget.trait_names(sync=True)
        if k not in base and not k.startswith("_anywidget") and not k.startswith("_model")
    )


def collect_state(
    widget_or_model,
    *,
    palettes: Iterable[str] | None = None,
    norms: Sequence[str] = colors.NORMS,
    scopes: Sequence[str] = colors.SCOPES,
    **style,
) -> tuple[dict, list[dict], list[str]]:
    """The widget's synced state, one variant per ``palette x norm x norm_scope`` (each the
    state the kernel would reach from this one when the page sets those three), and the
    settings the page cannot change."""
    from .widget import FCNNWidget

    if isinstance(widget_or_model, FCNNWidget):
        return _collect(widget_or_model, palettes, norms, scopes, style)
    widget = FCNNWidget(widget_or_model, **style)
    try:
        return _collect(widget, palettes, norms, scopes, {})
    finally:
        widget.close()


def _collect(widget, palettes, norms, scopes, overrides) -> tuple[dict, list[dict], list[str]]:
    thread = getattr(widget, "_thread", None)
    progress = getattr(widget.model, "progress", None)
    if (thread is not None and thread.is_alive()) or (progress is not None and progress.running):
        raise RuntimeError("this widget's model is training; save the page when it is done")
    for n in norms:
        colors.check_choice(n, "norm", colors.NORMS)
    for s in scopes:
        colors.check_choice(s, "norm_scope", colors.SCOPES)
    widget.want_timeline()  # the page scrubs epochs with no kernel to ask
    keys = synced_keys(widget)
    unknown = sorted(set(overrides) - {k for k in keys if not k.startswith("_")})
    if unknown:
        raise TypeError(f"unknown widget setting(s) {', '.join(unknown)}")
    fixed = [k for k in keys if not k.startswith("_") and k not in (*AXES, "sample", "epoch")]
    restore = {k: getattr(widget, k) for k in ("sample", "epoch", *AXES, "symmetric", *overrides)}
    lock = getattr(widget, "_lock", None) or contextlib.nullcontext()
    with lock, widget.hold_sync():  # the live page gets one update, with the restored state
        try:
            for name, value in overrides.items():
                setattr(widget, name, value)
            start = {k: getattr(widget, k) for k in ("palette", "symmetric", "norm", "norm_scope")}
            # The saved settings are always offered (a Colormap object counts by its name).
            chosen = [start["palette"], *(DEFAULT_PALETTES if palettes is None else palettes)]
            names = [p.name if isinstance(p, Colormap) else str(p) for p in chosen]
            offered = list(dict.fromkeys(names))
            objects = {n: p for n, p in zip(names, chosen)}
            norm_list = list(dict.fromkeys([start["norm"], *norms]))
            scope_list = list(dict.fromkeys([start["norm_scope"], *scopes]))
            base = _snapshot(widget, keys)
            base["_palettes"] = offered
            variants = []
            for palette in offered:
                # Each palette as if chosen in the page from the saved state: it brings its own
                # centring default unless centring was set apart from the saved palette's.
                widget.palette = objects[palette]
                follows = start["symmetric"] == _diverging(widget, start["palette"])
                widget.symmetric = _diverging(widget, palette) if follows else start["symmetric"]
                for i, norm in enumerate(norm_list):
                    widget.norm = norm
                    for scope in scope_list if i % 2 == 0 else scope_list[::-1]:
                        widget.norm_scope = scope
                        state = _snapshot(widget, keys)
                        state["_palettes"] = offered
                        variants.append(
                            {
                                "palette": palette,
                                "norm": norm,
                                "norm_scope": scope,
                                "state": {k: v for k, v in state.items() if not _same(v, base[k])},
                            }
                        )
        finally:
            for name in ("palette", "symmetric", "norm", "norm_scope", *overrides):
                setattr(widget, name, restore[name])
            if widget.sample != restore["sample"]:
                widget.sample = restore["sample"]
            if widget.epoch != restore["epoch"]:
                widget.epoch = restore["epoch"]
    return base, variants, fixed


def _diverging(widget, name: str) -> bool:
    cmaps = getattr(widget, "_colormaps", {})
    return colors.resolve_palette(cmaps.get(name, name)).diverging


def _snapshot(widget, keys) -> dict:
    out = {}
    for k in keys:
        v = getattr(widget, k)
        out[k] = bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else copy.deepcopy(v)
    meta = out.get("_meta") or {}
    first, length = out.get("_window") or (0, meta.get("n_samples", 0))
    if length < meta.get("n_samples", 0):
        # No kernel to send other windows of samples: the page offers the samples it holds.
        out["_meta"]["sample_limits"] = [first, first + length - 1]
    return out


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


# -- encoding ------------------------------------------------------------------------------------
class _Chunks:
    """Distinct byte strings, each stored once, laid out grouped by kind for deflate."""

    def __init__(self) -> None:
        self.items: list[bytes] = []
        self.groups: list[str] = []
        self.ids: dict[bytes, int] = {}

    def add(self, data: bytes, group: str) -> int:
        if data not in self.ids:
            self.ids[data] = len(self.items)
            self.items.append(data)
            self.groups.append(group)
        return self.ids[data]

    def layout(self) -> tuple[bytes, list[list[int]]]:
        order = sorted(range(len(self.items)), key=lambda i: (self.groups[i], i))
        where, parts, at = [[0, 0]] * len(self.items), [], 0
        for i in order:
            where[i] = [at, len(self.items[i])]
            parts.append(self.items[i])
            at += len(self.items[i])
        return b"".join(parts), where


def symmetrize(data: bytes) -> bytes:
    """(lo, hi) float32 pairs to (-m, m), m = max(|lo|, |hi|): the last step of centred
    colour ranges (colors.value_ranges), repeated by the page to derive saved ranges."""
    pairs = np.frombuffer(data, np.float32).reshape(-1, 2)
    m = np.max(np.abs(pairs), axis=1)
    return np.stack([-m, m], axis=1).astype(np.float32).tobytes()


def _by_columns(data: bytes, cols: int) -> bytes:
    """A (rows, cols) matrix of 4-byte items stored byte plane by byte plane, column by
    column: runs of equal columns and bytes compress far better."""
    return np.frombuffer(data, np.uint8).reshape(-1, cols, 4).transpose(2, 1, 0).tobytes()


def encode_state(state: dict, variants: list[dict], fixed: list[str]) -> dict:
    """The document the page reads (js/standalone.js): the encoded base state and variants
    over one deflated, base64 blob of distinct chunks. A trait is ``["json", v]``,
    ``["obj", chunk]`` (JSON text), ``["text", chunk, ref_width]`` (steps between refs into
    the token table) or binary: ``["bytes", chunk]``, ``["cols", chunk, cols]`` (stored by columns),
    ``["sym", binary]`` (:func:`symmetrize` of another) or ``["rows", n, [[binary,
    row_bytes], ...]]`` (row-wise concatenation of parts)."""
    states = [state, *(v["state"] for v in variants)]
    texts = [
        v for s in states for v in s.values() if isinstance(v, str) and len(v) >= TEXT_MIN_CHARS
    ]
    # Tags in document order, the variants of each (another fill) side by side: deflate
    # finds them together, and a text's refs rise in small steps (stored as differences).
    first: dict[str, int] = {}
    for text in texts:
        for t in _TOKEN_SPLIT.split(text):
            first.setdefault(_COLOUR.sub("#", t), len(first))
    table = sorted(
        {t for text in texts for t in _TOKEN_SPLIT.split(text)},
        key=lambda t: (first[_COLOUR.sub("#", t)], t),
    )
    token_id = {t: i for i, t in enumerate(table)}
    ref_type = np.dtype("<u2") if len(table) < 2**16 else np.dtype("<u4")
    chunks = _Chunks()
    tokens = chunks.add(json.dumps(table, ensure_ascii=False).encode("utf-8"), "0 tokens")
    base_meta = state.get("_meta") or {}

    # Binary parts, with the rows (samples or epochs) they hold, before choosing encodings.
    def parts_of(key, value, meta):
        split = _row_split(key, value, meta)
        if split is None:
            n = int((state.get("_window") or [0, meta.get("n_samples") or 0])[1])  # rows held
            return None, [(value, n if n and len(value) % (4 * n) == 0 else 0)]
        n, widths = split
        rows = np.frombuffer(value, np.uint8).reshape(n, -1)
        cuts = np.cumsum([0, *widths])
        return (n, widths), [(rows[:, a:b].tobytes(), n) for a, b in zip(cuts[:-1], cuts[1:])]

    binaries = {}
    for s in states:
        for k, v in s.items():
            if isinstance(v, bytes):
                for part, n in parts_of(k, v, s.get("_meta") or base_meta)[1]:
                    binaries.setdefault(part, n)
    derived = {}  # centred ranges -> the uncentred ones they derive from
    for data in binaries:
        if len(data) % 8 == 0 and data and np.all(np.isfinite(np.frombuffer(data, np.float32))):
            sym = symmetrize(data)
            if sym != data and sym in binaries:
                derived.setdefault(sym, data)

    def binary(data: bytes, rows: int, group: str):
        if data in derived:
            return ["sym", binary(derived[data], rows, group)]
        if rows and len(data) // 4 // rows > 1:
            cols = len(data) // 4 // rows
            by_cols = _by_columns(data, cols)
            if len(zlib.compress(by_cols, 6)) < len(zlib.compress(data, 6)):
                return ["cols", chunks.add(by_cols, group), cols]
        return ["bytes", chunks.add(data, group)]

    def encode(key, value, meta):
        if isinstance(value, bytes):
            split, parts = parts_of(key, value, meta)
            if split is None:
                return binary(parts[0][0], parts[0][1], "2 " + key)
            encoded = [binary(p, n, f"2 {key} {i}") for i, (p, n) in enumerate(parts)]
            return ["rows", split[0], [[e, w] for e, w in zip(encoded, split[1])]]
        if isinstance(value, str) and len(value) >= TEXT_MIN_CHARS:
            refs = np.array([token_id[t] for t in _TOKEN_SPLIT.split(value)], np.int64)
            refs = np.diff(refs, prepend=0).astype(ref_type)  # wraps: the page adds them up
            return ["text", chunks.add(refs.tobytes(), "1 " + key), ref_type.itemsize]
        plain = _plain(value)
        if isinstance(plain, (dict, list)):
            text = json.dumps(plain, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            if len(text) >= TEXT_MIN_CHARS:
                return ["obj", chunks.add(text.encode("utf-8"), "1 " + key)]
        return ["json", plain]

    def encode_all(s):
        return {k: encode(k, v, s.get("_meta") or base_meta) for k, v in s.items()}

    doc = {
        "format": FORMAT,
        "fixed": fixed,
        "limits": LIMITS,
        "tokens": tokens,
        "state": encode_all(state),
        "variants": [
            {**{a: v[a] for a in AXES}, "state": encode_all(v["state"])} for v in variants
        ],
    }
    blob, doc["chunks"] = chunks.layout()
    packed = zlib.compress(blob, 9)
    doc["codec"], payload = ("deflate", packed) if len(packed) < len(blob) else ("none", blob)
    doc["size"] = len(blob)
    doc["blob"] = base64.b64encode(payload).decode("ascii")
    return doc


def _row_split(key: str, value: bytes, meta: dict):
    """The timeline (rows of sample values | parameters | colour ranges per epoch) split into
    its style-free head and its ranges, so variants share the head. None if it does not fit."""
    if key != "_timeline" or not value:
        return None
    try:
        at = rules.timeline_row(
            int(meta["n_cols"]), int(meta["n_params"]), len(meta["group_names"])
        )
        head, tail = 4 * at["ranges"][0], 4 * (at["stride"] - at["ranges"][0])
    except (KeyError, TypeError, ValueError):
        return None
    row = head + tail
    if tail == 0 or head == 0 or len(value) % row:
        return None
    return len(value) // row, [head, tail]


def _plain(value):
    """JSON-safe: tuples to lists, non-finite floats to None (the page reads null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def decode_state(doc: dict) -> tuple[dict, list[dict]]:
    """Read a document back as the page does: the base state and each variant's full state
    (binary traits as ``bytes``) — for tests and tools."""
    payload = base64.b64decode(doc["blob"])
    blob = zlib.decompress(payload) if doc["codec"] == "deflate" else payload
    chunk = [blob[a : a + n] for a, n in doc["chunks"]]
    table = json.loads(chunk[doc["tokens"]].decode("utf-8"))

    def decode(enc):
        kind = enc[0]
        if kind == "json":
            return enc[1]
        if kind == "obj":
            return json.loads(chunk[enc[1]].decode("utf-8"))
        if kind == "bytes":
            return chunk[enc[1]]
        if kind == "cols":
            cols = enc[2]
            planes = np.frombuffer(chunk[enc[1]], np.uint8).reshape(4, cols, -1)
            return planes.transpose(2, 1, 0).tobytes()
        if kind == "sym":
            return symmetrize(decode(enc[1]))
        if kind == "text":
            steps = np.frombuffer(chunk[enc[1]], "<u2" if enc[2] == 2 else "<u4")
            refs = np.cumsum(steps, dtype=steps.dtype)  # modular, as the steps were stored
            return "".join(table[i] for i in refs)
        if kind == "rows":
            n, parts = enc[1], enc[2]
            return np.concatenate(
                [np.frombuffer(decode(e), np.uint8).reshape(n, w) for e, w in parts], axis=1
            ).tobytes()
        raise ValueError(f"unknown encoding {kind!r}")

    base = {k: decode(v) for k, v in doc["state"].items()}
    variants = [
        {
            **{a: v[a] for a in AXES},
            "state": {**base, **{k: decode(e) for k, e in v["state"].items()}},
        }
        for v in doc["variants"]
    ]
    return base, variants


def read_html(path_or_text) -> dict:
    """The state document inlined in a saved page (a path or the HTML text)."""
    text = str(path_or_text)
    if not text.lstrip().startswith("<"):
        text = Path(path_or_text).read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/json" data-fcnn-state[^>]*>(.*?)</script>', text, re.S
    )
    if match is None:
        raise ValueError("no fcnn-widget state in this page")
    return json.loads(match.group(1))


# -- the page ------------------------------------------------------------------------------------
_PAGE_CSS = """
body { margin: 0; padding: 16px; background: #fff; color: #222; }
.fcnn-page { max-width: 1200px; margin: 0 auto; }
.fcnn-note { margin-top: 8px; color: #666; font: 12px system-ui, sans-serif; }
"""


def _static(name: str) -> str:
    path = _STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: build the front end first (npm install && npm run build)"
        )
    return path.read_text(encoding="utf-8")


def _script_safe(js: str) -> str:
    """Module code that cannot end its <script> early. "</script" and "<!--" can only occur
    inside string, template or regex literals of valid code, where "<\\/" means "</"."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I).replace("<!--", "<\\!--")


def _json_for_script(doc: dict) -> str:
    """JSON that stays JSON inside <script type="application/json">: no "<", ">" or "&"."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _page(doc: dict, title: str, note: bool) -> str:
    js = _script_safe(_static("standalone.js"))
    css = _static("widget.css") + _PAGE_CSS
    if re.search(r"</style", css, re.I):
        raise ValueError("the widget's CSS contains </style")
    # An id of its own, so pages pasted into one document (a blog post) mount apart.
    target = "fcnn-widget-" + hashlib.sha1(doc["blob"].encode("ascii")).hexdigest()[:10]
    footer = f'<p class="fcnn-note">{html.escape(LIMITS)}</p>\n' if note else ""
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{html.escape(FORMAT)}">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{css}\n</style>\n</head>\n<body>\n"
        f'<div class="fcnn-page">\n<div id="{target}"></div>\n'
        "<noscript>This page draws a neural network with JavaScript; please enable it.</noscript>\n"
        f"{footer}</div>\n"
        f'<script type="application/json" data-fcnn-state data-target="{target}">'
        f"{_json_for_script(doc)}</script>\n"
        f'<script type="module">\n{js}\n</script>\n'
        "</body>\n</html>\n"
    )
