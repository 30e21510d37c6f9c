"""The widget as one self-contained HTML file: no kernel, no CDN, opens offline from file://.

Three steps, one module each: :mod:`.collect` (the state and its variants, from
scenes), :mod:`.codec` (the state document) and :mod:`.page` (the HTML).

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

from .codec import FORMAT, decode_state, encode_state, symmetrize
from .collect import DEFAULT_PALETTES, collect_state, synced_keys
from .page import read_html, save_html, to_html

__all__ = [
    "DEFAULT_PALETTES",
    "FORMAT",
    "collect_state",
    "decode_state",
    "encode_state",
    "read_html",
    "save_html",
    "symmetrize",
    "synced_keys",
    "to_html",
]
