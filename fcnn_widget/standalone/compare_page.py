"""A comparison (:class:`~fcnn_widget.FCNNCompare`) as one self-contained HTML page: the
same page as :func:`~fcnn_widget.standalone.to_html` writes for one widget (the bundled front
end, the state document of :func:`~fcnn_widget.standalone.encode_state`), its front end
``js/compare.js``. Each panel's arrays travel flattened as ``_panels.<i>.<key>`` (the
document lists each panel's keys); the page reads them back as the list ``_panels``.

Offline, every panel follows the one sample control (slider, steps, number box, arrow keys,
clicking a plane) and the toolbar works; the settings are fixed at their saved values.
"""

from __future__ import annotations

import os
from pathlib import Path

from .. import files, settings
from .codec import encode_state
from .page import _page

LIMITS = (
    "Saved comparison: scrub samples, every network at once. Other settings need the Python kernel."
)
FIXED = (*settings.TRAIT_NAMES, "shared_ranges")


def flatten(values: dict) -> tuple[dict, list[list[str]]]:
    """The page's values with each panel's keys raised to ``_panels.<i>.<key>``, and the
    keys of each panel (so the page can rebuild the list).

    >>> flatten({"sample": 3, "_panels": [{"_values": b"ab"}]})
    ({'sample': 3, '_panels': [], '_panels.0._values': b'ab'}, [['_values']])
    """
    flat = {k: v for k, v in values.items() if k != "_panels"}
    flat["_panels"] = []
    keys = []
    for i, panel in enumerate(values.get("_panels", [])):
        for k, v in panel.items():
            flat[f"_panels.{i}.{k}"] = v
        keys.append(list(panel))
    return flat, keys


def to_html(widget, *, page_title: str | None = None, note: bool = True) -> str:
    """The comparison as one HTML page (``page_title``: default the comparison's title)."""
    values = widget.page_values()
    flat, keys = flatten(values)
    doc = encode_state(flat, [], sorted(FIXED))
    doc.update(widget="compare", panels=keys, limits=LIMITS)
    title = (
        page_title if page_title is not None else (values.get("title") or "fcnn-widget: comparison")
    )
    return _page(doc, str(title), note, LIMITS)


def save_html(widget, path: str | os.PathLike, **options) -> Path:
    """Write :func:`to_html`'s page to ``path``, atomically."""
    text = to_html(widget, **options)
    return files.write_atomic(Path(path), files.encode_text(text, "the page"))
