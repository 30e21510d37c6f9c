"""The figure preset and ``parts``: a picture for print holds only what was asked for."""

from __future__ import annotations

import pytest

from fcnn_widget import FCNN, FCNNWidget, settings
from fcnn_widget.export import svg_size, to_svg


@pytest.fixture(scope="module")
def widget():
    return FCNNWidget(FCNN([5, 5], dataset="prod", seed=0), preset="figure", title="T", caption="C")


@pytest.mark.parametrize(
    "parts, present, absent",
    [
        (("network", "plane"), ['data-kind="a"', 'data-role="plane"'], ['data-role="loss-chart"']),
        (("network", "chart"), ['data-kind="a"', 'data-role="loss-chart"'], ['data-role="plane"']),
        (("plane", "chart"), ['data-role="plane"', 'data-role="loss-chart"'], ['data-kind="a"']),
        (("network",), ['data-kind="a"'], ['data-role="plane"', 'data-role="loss-chart"']),
    ],
)
def test_parts_choose_what_is_drawn(widget, tmp_path, parts, present, absent):
    svg = widget.save_svg(tmp_path / "fig.svg", width=720, parts=parts).read_text()
    assert all(p in svg for p in present) and not any(a in svg for a in absent)
    assert svg_size(svg)[0] == 720 and 'data-role="title"' in svg and 'data-role="caption"' in svg


def test_bad_parts_name_the_valid_choices(widget):
    with pytest.raises(
        settings.SettingError, match="unknown parts 'loss'; valid choices are network, plane, chart"
    ):
        widget.to_svg() and to_svg(widget.model, parts=("network", "loss"))
    with pytest.raises(settings.SettingError, match="at least one"):
        settings.check("parts", ())
    with pytest.raises(
        settings.SettingError, match="unknown preset 'print'; valid choices are notebook, figure"
    ):
        widget.preset = "print"


def test_the_default_draws_everything_as_before(widget):
    assert settings.defaults()["parts"] == ("network", "plane", "chart")
    assert settings.defaults()["preset"] == "notebook"
    svg = widget.to_svg()
    assert all(p in svg for p in ('data-kind="a"', 'data-role="plane"', 'data-role="loss-chart"'))
