"""The picture reads at the width it is shown at: laid out for it (wide beside, or narrow
below), every text at least 11 px there, no text over another text or under a mark (the
off-unit mark included). Measured from the exported SVG (text boxes from font size and
string length: tests/harness/text_boxes.py); the page's own measure, in Chromium, is
tests/test_layout_browser.py. The seed networks' pictures at 720 and 1,400 px are saved
under tests/artifacts/."""

from __future__ import annotations

import numpy as np
import pytest
from harness.lab import ARTIFACTS_DIR
from harness.text_boxes import collisions, smallest_font_px, svg_items

from fcnn_widget import FCNN, Dataset, FCNNWidget
from fcnn_widget.export import svg_size
from fcnn_widget.layout import MIN_FONT, network_layout

SEEDS = {  # name: hidden widths, activation, seed (the seed demo's networks, fewer epochs)
    "relu_4": ([4], "relu", 1),
    "relu_5_5": ([5, 5], "relu", 0),
    "sigmoid_4": ([4], "sigmoid", 0),
}
SAMPLES = (10, 1027)


def digits() -> FCNN:
    from sklearn.datasets import load_digits

    d = load_digits()
    X = (d.data / 16.0).astype(np.float32)
    data = Dataset.from_arrays(X[:1400], d.target[:1400], X_test=X[1400:], y_test=d.target[1400:])
    model = FCNN([32, 16], "relu", dataset=data, seed=0)
    model.fit(epochs=5, lr=0.003, batch_size=64)
    return model


@pytest.fixture(scope="module")
def widgets():
    out = {}
    for name, (hidden, activation, seed) in SEEDS.items():
        model = FCNN(hidden, activation, dataset="prod", seed=seed)
        model.fit(epochs=40, lr=0.01, batch_size=100)
        out[name] = (FCNNWidget(model, title=f"prod: {activation} {hidden}"), SAMPLES)
    model = digits()
    wrong = np.flatnonzero(model.predict(model.dataset.X).argmax(1) != model.dataset.y)
    out["digits_64_32_16_10"] = (
        FCNNWidget(model, title="digits: 64-32-16-10 relu"),
        (0, int(wrong[0])),
    )
    return out


@pytest.mark.parametrize("width", [720, 1400, None])
@pytest.mark.parametrize("name", [*SEEDS, "digits_64_32_16_10"])
def test_every_text_is_readable_at_the_width_shown(widgets, tmp_path, name, width):
    widget, samples = widgets[name]
    dressing = {} if width is None else {"width": width}
    for sample in samples:
        svg = widget.save_svg(tmp_path / "p.svg", sample=sample, **dressing).read_text()
        items, scale = svg_items(svg)
        if width is not None:
            assert svg_size(svg)[0] == width and scale >= 1.0  # laid out for it, not shrunk
        size, smallest = smallest_font_px(items, scale)
        assert size >= MIN_FONT, (smallest.role, smallest.text, size)
        assert collisions(items) == []
        if width is not None and sample == samples[-1]:
            ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
            widget.save_png(
                ARTIFACTS_DIR / f"layout-{name}-{width}px.png", scale=1, sample=sample, width=width
            )


def test_the_check_sees_a_mark_over_a_value():
    """The cross the off units once had, drawn over the value, is caught."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100">'
        '<circle cx="50" cy="50" r="16" fill="#333"/><text data-label="a-1-0" x="50" y="54" '
        'text-anchor="middle" font-size="11">0.00</text>'
        '<path data-off="1-0" d="M38,38 L62,62 M38,62 L62,38"/>'
        '<text x="10" y="90" font-size="9">tiny</text><text x="12" y="91">over</text></svg>'
    )
    items, scale = svg_items(svg)
    found = collisions(items)
    assert any("data-off=1-0 is drawn over text data-label=a-1-0" in f for f in found)
    assert any("'tiny' overlaps text" in f for f in found)
    assert smallest_font_px(items, scale)[0] == 9


def test_narrow_widths_put_plane_and_chart_below_the_network():
    wide = network_layout([2, 5, 5, 1], n_groups=4, has_plane=True, title=True, formula_lines=1)
    narrow = network_layout([2, 5, 5, 1], n_groups=4, has_plane=True, title=True, width=720)
    assert wide.mode == "wide" and wide.plane[0] > max(x for x, _ in wide.nodes["a3"])
    assert narrow.mode == "narrow" and narrow.width == 720
    assert narrow.plane[1] > narrow.bar_positions[-1][1]  # below the colour bars
    assert narrow.chart[0] > narrow.plane[0] + narrow.plane[2]  # beside the plane
    # A little narrower than natural: still side by side, the layers closer together.
    squeezed = network_layout([2, 5, 5, 1], n_groups=4, has_plane=True, title=True, width=1000)
    assert squeezed.mode == "wide" and squeezed.width == 1000


@pytest.mark.parametrize("hidden", [[4], [5, 5]])
def test_small_networks_leave_no_empty_bands(hidden):
    """The neurons start right under the column titles and the colour bars right under them."""
    lay = network_layout([2, *hidden, 1], n_groups=4, has_plane=True, title=True, formula_lines=1)
    ys = [y for nodes in lay.nodes.values() for _, y in nodes]
    assert min(ys) - lay.radius - lay.top < 20
    assert lay.bar_positions[0][1] - (max(ys) + lay.radius) < 70
    assert lay.height - lay.bar_positions[-1][1] < lay.height / 3  # bars near the bottom too
