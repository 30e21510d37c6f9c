"""The widget for readers without a kernel: GitHub, nbviewer, ``jupyter nbconvert``, Jupyter
Book / MyST, Quarto, or a notebook opened before its kernel runs.

Two carriers, because static renderers choose differently:

- In the widget's own mime bundle, beside ``application/vnd.jupyter.widget-view+json``: the
  picture as ``image/svg+xml`` and a ``text/plain`` description. Renderers that do not run
  widgets pick one of these (GitHub, VS Code or Colab without widget support); hosts that run
  widgets rank the widget view first and show the live widget.
- nbconvert (and nbviewer, MyST-NB and Quarto, which share its priorities) always pick the
  widget view when a bundle has one, and draw it with a widget manager fetched from a CDN:
  offline, an empty output. So :func:`fallback_html` is displayed as its own output just
  before the widget: the picture inside ``<div class="fcnn-static-picture">``, which the
  widget's stylesheet hides wherever the widget itself renders (it is loaded only then).

Size: the seed network's picture is about 176 kB; a picture over :data:`MAX_SVG_BYTES` is
sent without the plane's data points (the dots; the plane's colours stay), and one still over
it as a text note only. Measured by ``bench/static_repr_size.py``.

>>> bundle = static_bundle('<svg xmlns="http://www.w3.org/2000/svg"/>', "a network")
>>> sorted(bundle)
['image/svg+xml', 'text/plain']
>>> static_bundle("<svg>" + "x" * MAX_SVG_BYTES + "</svg>", "a network")["text/plain"][:40]
'a network (picture not embedded: 300011 '
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from . import picture
from .scene import Scene

MAX_SVG_BYTES = 300_000  # per picture; the seed network's is ~176 kB
HIDDEN_CLASS = "fcnn-static-picture"  # js/widget.css hides it where the widget renders


def static_bundle(svg: str | Callable[[], str], description: str, smaller=None) -> dict:
    """``image/svg+xml`` (when it fits :data:`MAX_SVG_BYTES`) and ``text/plain``.

    ``svg`` is the picture or a function making it; ``smaller`` an optional function making a
    lighter picture, tried when the first is too large."""
    for make in (svg, smaller):
        if make is None:
            continue
        text = make() if callable(make) else make
        if len(text.encode()) <= MAX_SVG_BYTES:
            return {"image/svg+xml": text, "text/plain": description}
        size = len(text.encode())
    note = (
        f"{description} (picture not embedded: {size} bytes of SVG exceed "
        f"{MAX_SVG_BYTES}; w.save_svg or w.save_png writes it)"
    )
    return {"text/plain": note}


def fallback_html(bundle: dict) -> dict:
    """The picture of a :func:`static_bundle` as a ``text/html`` output that widget-running
    hosts hide (an empty dict when the bundle has no picture)."""
    svg = bundle.get("image/svg+xml")
    if svg is None:
        return {}
    label = escape(bundle["text/plain"], quote=True)
    html = f'<div class="{HIDDEN_CLASS}" role="img" aria-label="{label}">{svg}</div>'
    return {"text/html": html, "text/plain": bundle["text/plain"]}


def picture_bundle(scene: Scene, sample: int) -> dict:
    """:func:`static_bundle` of the picture of ``sample`` in ``scene`` (ids that follow its
    content, so a saved notebook does not change when nothing else did)."""
    uid = picture.stable_uid(scene, sample)
    return static_bundle(
        lambda: picture.to_svg(scene, sample, uid=uid),
        describe(scene.widths, scene.activation, sample, scene.n_samples, scene.epoch, scene.task),
        smaller=lambda: picture.to_svg(scene, sample, uid=uid, points=False),
    )


def with_picture(found, scene: Scene, sample: int) -> tuple[dict, dict]:
    """A widget's ``_repr_mimebundle_`` (``found``) with the picture and description added.

    >>> from fcnn_widget import FCNN, FCNNWidget
    >>> w = FCNNWidget(FCNN([3], dataset="prod"))
    >>> data, _ = with_picture(({"text/plain": "FCNNWidget()"}, {}), w.scene, 0)
    >>> sorted(data), data["text/plain"]
    (['image/svg+xml', 'text/plain'], 'FCNN 2-3-1 relu (regression): sample 0 of 2500 at epoch 0')
    """
    data, metadata = split_bundle(found)
    return {**data, **picture_bundle(scene, sample)}, metadata


def display(found, scene: Scene, sample: int) -> None:
    """Display a widget as two outputs: :func:`fallback_html` (for nbconvert and co.; hidden
    where the widget renders), then its bundle with the description — the picture is saved
    once, in the fallback (a picture too large for one is a text note in the bundle)."""
    from IPython.display import display as show

    static = picture_bundle(scene, sample)
    data, metadata = split_bundle(found)
    if fallback := fallback_html(static):
        show(fallback, raw=True)
        # The picture is stored once: a reader that skips the widget shows the fallback.
        static = {"text/plain": static["text/plain"]}
    show({**data, **static}, metadata=metadata, raw=True)


def split_bundle(found) -> tuple[dict, dict]:
    """(data, metadata) of what a ``_repr_mimebundle_`` returned (a dict, a pair, or None).

    >>> split_bundle(({"text/plain": "w"}, {"m": 1})), split_bundle(None)
    (({'text/plain': 'w'}, {'m': 1}), ({}, {}))
    """
    if isinstance(found, tuple):
        data, metadata = found
        return dict(data or {}), dict(metadata or {})
    return dict(found or {}), {}


def describe(widths, activation: str, sample: int, n_samples: int, epoch: int, task: str) -> str:
    """One line that says what the picture shows.

    >>> describe([2, 5, 5, 1], "relu", 10, 2500, 250, "regression")
    'FCNN 2-5-5-1 relu (regression): sample 10 of 2500 at epoch 250'
    """
    shape = "-".join(map(str, widths))
    return f"FCNN {shape} {activation} ({task}): sample {sample} of {n_samples} at epoch {epoch}"


class StaticPicture:
    """A widget's display hooks (first among its bases): the picture for readers without a
    kernel beside the live view, of the scene it shows (``self.scene``) for its sample."""

    scene: Scene
    sample: int

    def _repr_mimebundle_(self, **kwargs):
        return with_picture(super()._repr_mimebundle_(**kwargs), self.scene, self.sample)

    def _ipython_display_(self) -> None:
        display(super()._repr_mimebundle_(), self.scene, self.sample)
