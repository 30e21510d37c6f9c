"""``FCNNWidget(pop)``: a population's member drawn with the population's loss chart; the
``member`` trait draws another member exactly as ``FCNNWidget(pop[i])`` draws it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import traitlets

from fcnn_widget import FCNN, FCNNWidget, Population, datasets, population_chart, standalone
from fcnn_widget.population_widget import PopulationWidget
from fcnn_widget.settings import SettingError

NS = {"s": "http://www.w3.org/2000/svg"}
K = 5


@pytest.fixture(scope="module")
def pop() -> Population:
    pop = Population([4], "relu", dataset="prod", seeds=range(K))
    return pop.fit(epochs=30, lr=0.01, batch_size=100)


def curves(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return root.findall(".//s:g[@data-role='population-chart']/s:polyline", NS)


def network_part(svg: str, uid: str) -> str:
    """The picture without its root tag (its height holds the chart) and the chart."""
    body = svg.split(">", 1)[1]
    body = re.sub(r'<g data-role="population-chart".*?</g>\n?', "", body, flags=re.S)
    return body.replace(uid, "UID")


def test_the_best_member_is_drawn_with_every_members_curve(pop):
    w = FCNNWidget(pop, sample=10)
    assert isinstance(w, PopulationWidget) and isinstance(w, FCNNWidget)
    best = int(np.nanargmin(pop.final_losses()))
    assert w.member == best and w.model is pop[best] and w.model is pop.best()
    shown = curves(w.to_svg())
    assert [int(c.get("data-member")) for c in shown[:-1]] == [i for i in range(K) if i != best]
    assert shown[-1].get("data-member") == str(best)  # drawn last: on top of the others
    assert [c.get("data-drawn") for c in shown].count("1") == 1 and shown[-1].get(
        "data-drawn"
    ) == "1"
    for c in shown:
        i = int(c.get("data-member"))
        assert c.get("data-seed") == str(pop.seeds[i])
        assert float(c.get("data-final")) == pytest.approx(float(pop.losses[i, -1]), rel=1e-6)
        assert len(c.get("points").split()) == 30  # one point per epoch (no envelope at 30)
        assert f"member {i} of {K} (seed {pop.seeds[i]})" in c.get("data-label")
    # Log scale, like the member's own chart: the lowest final loss lies lowest.
    lowest = max(shown, key=lambda c: float(c.get("points").split()[-1].split(",")[1]))
    assert lowest.get("data-member") == str(best)
    text = w.describe()
    assert text.startswith(f"member {best} of {K} (seed {best}), the best by final train loss")
    assert text in w.describe() and "final loss min" in text
    w.close()


def test_a_member_switch_draws_as_a_widget_of_that_member(pop):
    w = FCNNWidget(pop, sample=10, palette="RdBu")
    for i in (0, 3, w.member, 1):
        w.member = i
        lone = FCNNWidget(pop[i], sample=10, palette="RdBu")
        assert w.model is pop[i] and w.epoch == lone.epoch == 30
        assert network_part(w._svg, w._uid) == network_part(lone._svg, lone._uid)
        assert network_part(w.to_svg(), w._uid) == network_part(lone.to_svg(), lone._uid)
        assert w._values == lone._values and w._params == lone._params
        assert w._history == lone._history and w._epochs == lone._epochs
        shown = curves(w._svg)
        assert shown[-1].get("data-member") == str(i) and shown[-1].get("data-drawn") == "1"
        assert f"member {i} of {K}" in w.describe()
        lone.close()
    w.close()


def test_member_given_and_bad_members_are_refused(pop):
    w = FCNNWidget(pop, member=2)
    assert w.member == 2 and w.model is pop[2]
    for bad in (K, -1, 2.0, "1", True):
        with pytest.raises((SettingError, traitlets.TraitError), match=f"0..{K - 1}"):
            w.member = bad
    assert w.member == 2 and w.model is pop[2]
    w.close()
    with pytest.raises(
        SettingError, match=rf"member 7 is out of range; valid members are 0..{K - 1}"
    ):
        FCNNWidget(pop, member=7)
    with pytest.raises(ValueError, match="unknown by='loss'; valid choices are train, test"):
        FCNNWidget(pop, by="loss")
    with pytest.raises(ValueError, match="test split"):
        FCNNWidget(pop, by="test")


def test_best_by_test_loss_when_the_data_has_a_test_split():
    data = datasets.make("prod", 400, test_fraction=0.25)
    pop = Population([3], "relu", dataset=data, seeds=range(3)).fit(epochs=8, lr=0.01)
    w = FCNNWidget(pop, by="test")
    assert w.member == int(np.nanargmin(pop.final_losses("test")))
    assert "by final test loss" in w.describe()
    w.close()


def test_an_untrained_population_shows_member_0(pop):
    fresh = Population([4], "relu", dataset="prod", seeds=range(3))
    w = FCNNWidget(fresh)
    assert w.member == 0 and len(curves(w.to_svg())) == 3 and "not trained yet" in w.to_svg()
    assert "(no final loss)" in w.describe()
    w.close()


def test_exports_hold_the_population_chart(pop, tmp_path):
    w = FCNNWidget(pop, member=1, sample=10)
    svg = w.save_svg(tmp_path / "pop.svg").read_text()
    assert len(curves(svg)) == K
    png = w.save_png(tmp_path / "pop.png")
    assert png.stat().st_size > 10_000
    page = w.save_html(tmp_path / "pop.html").read_text()
    base, variants = standalone.decode_state(standalone.read_html(page))
    assert len(curves(base["_svg"])) == K and variants
    for variant in variants:  # another palette or norm: still the population's chart
        if "_svg" in variant["state"]:
            assert len(curves(variant["state"]["_svg"])) == K
    # Without the chart part, neither chart is drawn.
    bare = w.save_svg(tmp_path / "bare.svg", parts=("network", "plane")).read_text()
    assert curves(bare) == [] and 'data-role="loss-chart"' not in bare
    # The static copy a notebook keeps.
    bundle = w._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data["image/svg+xml"].count('data-role="member-curve"') == K
    w.close()


def test_a_new_fit_of_the_population_redraws_the_widget():
    pop = Population([4], "relu", dataset="prod", seeds=range(3)).fit(epochs=6, lr=0.01)
    w = FCNNWidget(pop, member=1)
    pop.fit(epochs=4, lr=0.01)  # the members notify the widget at the end of the fit
    assert w.epoch == 10 and w.scene.population.losses.shape == (3, 10)
    assert all(len(c.get("points").split()) == 10 for c in curves(w._svg))
    # w.fit trains the whole population; the page follows the drawn member.
    assert w.fit(epochs=3, lr=0.01) is pop
    assert pop.losses.shape == (3, 13) and w.epoch == 13 and w.model is pop[1]
    assert "epoch 13" in w._svg
    with pytest.raises(ValueError, match="foreground only"):
        w.fit(epochs=1, background=True)
    w.close()


def test_a_lone_model_has_no_member_trait():
    w = FCNNWidget(FCNN([4], dataset="prod"))
    assert not isinstance(w, PopulationWidget) and not w.has_trait("member")
    assert "population-chart" not in w._svg
    w.close()


def test_member_text_ranks():
    chart = population_chart.PopulationChart(
        losses=np.ones((3, 2)), seeds=(5, 6, 7), finals=np.array([0.3, 0.1, np.nan]),
        member=0, by="train",
    )  # fmt: skip
    assert population_chart.member_text(chart) == (
        "member 0 of 3 (seed 5), 2nd of 3 by final train loss: 0.3"
    )
    assert population_chart.member_text(chart, 2).endswith(
        "3rd of 3 by final train loss (no final loss)"
    )


@pytest.mark.parametrize("width", [None, 720, 1400, 480])
def test_the_chart_reads_at_every_width(pop, tmp_path, width):
    """Every text of the picture with the population chart at least 11 px, none over another
    text or under a mark (boxes from the SVG: tests/harness/text_boxes.py)."""
    from harness.lab import ARTIFACTS_DIR
    from harness.text_boxes import collisions, smallest_font_px, svg_items

    from fcnn_widget.layout import MIN_FONT

    w = FCNNWidget(pop, sample=10, caption="a caption under it all", title="prod: relu [4]")
    dressing = {} if width is None else {"width": width}
    svg = w.save_svg(tmp_path / "p.svg", **dressing).read_text()
    items, scale = svg_items(svg)
    size, smallest = smallest_font_px(items, scale)
    assert size >= MIN_FONT, (smallest.role, smallest.text, size)
    assert collisions(items) == []
    root = ET.fromstring(svg)
    texts = {t.get("data-role"): t for t in root.iter("{http://www.w3.org/2000/svg}text")}
    frame = root.find(".//s:rect[@data-role='population-frame']", NS)
    bottom = float(frame.get("y")) + float(frame.get("height"))
    assert float(texts["caption"].get("y")) > bottom  # the caption stays last
    assert float(frame.get("x")) + float(frame.get("width")) <= float(
        root.get("viewBox").split()[2]
    )
    if width == 720:
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        w.save_png(ARTIFACTS_DIR / "population-720px.png", scale=1, width=720)
    w.close()
