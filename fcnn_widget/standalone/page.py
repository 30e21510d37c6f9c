"""The saved page as HTML: the bundled front end and the widget's CSS inline, the state
document in a ``<script type="application/json">``; nothing is fetched.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import colors, files, limits, settings
from .codec import FORMAT, LIMITS, encode_state
from .collect import collect_state, offered_palettes, page_source
from .estimate import page_bytes

LARGE_PAGE_BYTES = 20 * 10**6  # a saved page past this warns, with its size, before writing
_STATIC = Path(__file__).resolve().parent.parent / "static"


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
    """The widget (or a model, shown with ``**style``) as one self-contained HTML page.

    ``widget_or_model``: an :class:`~fcnn_widget.FCNNWidget`, whose current state is saved
    (``**style`` — e.g. ``sample=3, title="..."`` — applies to the page only; the widget is
    only read), or a model, shown as ``FCNNWidget(model, **style)`` would show it.
    ``palettes``: those the page offers (default: the widget's plus viridis, plasma,
    coolwarm, RdBu); ``norms`` and ``scopes`` likewise; each combination costs a variant.
    ``page_title``: the HTML title (default: the widget's title). ``note``: a line under the
    widget on what works offline. The seed example (``FCNN([5, 5])`` on prod) is ~0.6 MB.
    """
    return _build(widget_or_model, None, palettes, norms, scopes, page_title, note, style)


def save_html(widget_or_model, path: str | os.PathLike, **options) -> Path:
    """Write :func:`to_html`'s page (``options`` as there) to ``path``, atomically: a failed
    save leaves the old file as it was. Returns the path. A page expected to be over
    :data:`LARGE_PAGE_BYTES` warns with its expected size before any of the work (a
    warnings filter that turns it into an error stops the save there)."""
    options = dict(options)
    parts = {k: options.pop(k) for k in ("palettes", "norms", "scopes", "page_title", "note")
             if k in options}  # fmt: skip
    parts.setdefault("norms", colors.NORMS)
    parts.setdefault("scopes", colors.SCOPES)
    page = _build(
        widget_or_model, path, parts.get("palettes"), parts["norms"], parts["scopes"],
        parts.get("page_title"), parts.get("note", True), options,
    )  # fmt: skip
    return files.write_atomic(Path(path), files.encode_text(page, "the page"))


def _build(widget_or_model, path, palettes, norms, scopes, page_title, note, style) -> str:
    for n in norms:
        settings.check("norm", n)
    for s in scopes:
        settings.check("norm_scope", s)
    src = page_source(widget_or_model, **style)
    warned = False
    if path is not None:
        n_palettes = len(offered_palettes(src, palettes))
        expected = page_bytes(src, norms=norms, scopes=scopes, n_palettes=n_palettes)
        if expected > LARGE_PAGE_BYTES:
            _warn_large(path, expected, "about ")
            warned = True
    state, variants, fixed = collect_state(src, palettes=palettes, norms=norms, scopes=scopes)
    doc = encode_state(state, variants, fixed)
    title = page_title if page_title is not None else (state.get("title") or "fcnn-widget")
    page = _page(doc, str(title), note)
    if path is not None and not warned and len(page.encode("utf-8")) > LARGE_PAGE_BYTES:
        _warn_large(path, len(page.encode("utf-8")), "")  # larger than expected
    return page


def _warn_large(path, size: int, about: str) -> None:
    warnings.warn(
        f"writing a saved page of {about}{limits.human_bytes(size)} to {str(path)!r} (over "
        f"{limits.human_bytes(LARGE_PAGE_BYTES)}): browsers open it slowly; fewer samples, "
        "palettes=[...] or norms=[...] make it smaller",
        stacklevel=4,
    )


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


def _page(doc: dict, title: str, note: bool, limits: str = LIMITS) -> str:
    js = _script_safe(_static("standalone.js"))
    css = _static("widget.css") + _PAGE_CSS
    if re.search(r"</style", css, re.I):
        raise ValueError("the widget's CSS contains </style")
    # An id of its own, so pages pasted into one document (a blog post) mount apart.
    target = "fcnn-widget-" + hashlib.sha1(doc["blob"].encode("ascii")).hexdigest()[:10]
    footer = f'<p class="fcnn-note">{html.escape(limits)}</p>\n' if note else ""
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
