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


def test_a_figure_prints_on_its_theme_s_page_and_a_notebook_picture_is_transparent(tmp_path):
    from PIL import Image

    model = FCNN([3], dataset="prod", seed=0)
    figure = FCNNWidget(model, preset="figure")
    svg = figure.to_svg()
    assert '<rect data-role="background"' in svg and 'fill="#ffffff"' in svg
    assert 'data-background="1"' in svg  # the page keeps the text colour drawn for it
    corner = Image.open(figure.save_png(tmp_path / "f.png", width=300)).convert("RGBA")
    assert corner.getpixel((1, 1)) == (255, 255, 255, 255)
    dark = to_svg(model, preset="figure", theme="dark")
    assert 'data-role="background" x="0" y="0" width="100%" height="100%" fill="#111418"' in dark
    assert 'fill="#fdf6e3"' in to_svg(model, preset="figure", background="#fdf6e3")
    plain = FCNNWidget(model).to_svg()
    assert 'data-role="background"' not in plain and "data-background" not in plain
    png = Image.open(FCNNWidget(model).save_png(tmp_path / "n.png", width=300)).convert("RGBA")
    assert png.getpixel((1, 1))[3] == 0
