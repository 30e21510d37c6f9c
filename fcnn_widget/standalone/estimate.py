"""How large a saved page will be, from its source alone: before any variant is computed or
encoded, so a page that would be large warns first (and a user who turns that warning into
an error loses no time).

What a page holds, and what the estimate counts (calibrated on the seed networks and on
20,000 and 200,000 samples; within about 25 % of the file written, see
tests/test_export_html.py):

- the front end and the page around it (~48 kB);
- the layer values of every sample of the page's window, float32 (deflate keeps ~70 %);
- with the ``"sample"`` norm scope, every sample's colour range per group that holds neuron
  values, per norm (the centred ones derive from these; a group of weights or biases only
  is the same on every row and costs nothing);
- the picture and the plane's points once, and a little of the picture per variant;
- everything in base64 (4/3).

>>> from fcnn_widget import FCNN, FCNNWidget
>>> w = FCNNWidget(FCNN([5, 5], dataset="prod"))
>>> 0.4e6 < page_bytes(w.page_source(), norms=("global", "component", "layer"),
...                    scopes=("dataset", "sample"), n_palettes=4) < 0.9e6
True
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import colors, picture
from ..scene import column_layout

FRONT_END_BYTES = 48_000  # standalone.js, the CSS and the page's own markup
VALUES_KEPT = 0.7  # of float32 layer values, after deflate
RANGES_KEPT = 0.6  # of per-sample colour ranges, after deflate
PICTURE_KEPT = 0.25  # of the picture's and the points' text, once
VARIANT_PICTURE = 0.08  # of the picture's text, per variant
BASE64 = 4 / 3


def page_bytes(src, *, norms: Sequence[str], scopes: Sequence[str], n_palettes: int) -> int:
    """The expected size in bytes of a saved page of ``src`` (a
    :class:`fcnn_widget.state.Source`) offering ``n_palettes`` palettes x ``norms`` x
    ``scopes``."""
    scene = src.scene
    widths = list(scene.widths)
    _, length = src.window
    cols = sum(widths) + sum(widths[1:])
    norms = list(dict.fromkeys([scene.style.norm, *norms]))
    scopes = set([scene.style.norm_scope, *scopes])
    n_variants = max(1, n_palettes) * len(norms) * len(scopes)
    raw = VALUES_KEPT * length * cols * 4
    if "sample" in scopes:
        slots, _ = column_layout(widths)
        groups = sum(len({colors.group_of(slot, norm) for slot in slots}) for norm in norms)
        raw += RANGES_KEPT * length * groups * 8
    svg = len(picture.to_svg(scene, src.sample, uid=src.uid, points=False))
    points = len(picture.points_markup(scene)) if scene.grid is not None else 0
    raw += PICTURE_KEPT * (svg + points) + VARIANT_PICTURE * svg * n_variants
    n_epochs = len(src.timeline.epochs)
    raw += 0.5 * n_epochs * 4 * (cols + sum(W.size + b.size for W, b in scene.params))
    return int(FRONT_END_BYTES + BASE64 * raw)
