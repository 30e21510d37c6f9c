"""A population's loss chart under the picture of one of its members: every member's training
loss (log scale, as the member's own chart), the drawn member's curve on top in the accent
colour, the others faint. Each curve carries ``data-member="i"`` and its hover text; the page
(``js/population.js``) draws the member a click picks (the widget's ``member`` trait).

The chart rides on the scene (``scene.population``), so every picture of that scene has it:
the page's, ``save_svg``/``save_png``, ``save_html``, the notebook's static copy.

>>> from fcnn_widget import Population
>>> from fcnn_widget.scene import build_scene
>>> from fcnn_widget import picture
>>> pop = Population([4], "relu", dataset="prod", seeds=range(3)).fit(epochs=5, lr=0.005)
>>> shown = build_scene(pop[1])
>>> shown.population = chart_of(pop, 1)
>>> svg = picture.to_svg(shown, sample=10)
>>> svg.count('data-role="member-curve"'), 'data-drawn="1" data-member="1"' in svg
(3, True)
>>> check_member(3, 3)
Traceback (most recent call last):
...
fcnn_widget.settings.SettingError: member 3 is out of range; valid members are 0..2 (the population has 3)
"""

from __future__ import annotations

import dataclasses
from html import escape

import numpy as np

from . import chart_lines, fmt, rules
from .layout import Layout
from .settings import SettingError

TITLE_H = 26  # the title line above the chart
CHART_H = 140
BELOW_H = 40  # the epoch count and the drawn member's line under the chart
BLOCK_H = TITLE_H + CHART_H + BELOW_H + 8
LEFT = 16
AXIS_W = 48  # the loss ticks left of the chart
MAX_W = 760
FAINT_OPACITY = 0.3


@dataclasses.dataclass(frozen=True)
class PopulationChart:
    """What the chart is drawn from: every member's train losses (K, epochs; NaN past a
    member's end), their seeds and final losses by ``by``, and which member is drawn."""

    losses: np.ndarray
    seeds: tuple[int, ...]
    finals: np.ndarray
    member: int
    by: str

    @property
    def size(self) -> int:
        return len(self.seeds)

    def rank(self, i: int) -> int:
        """Member i's place by final loss: 0 for the best (unfinished members last)."""
        order = np.argsort(np.where(np.isfinite(self.finals), self.finals, np.inf), kind="stable")
        return int(np.flatnonzero(order == i)[0])


def chart_of(population, member: int, by: str = "train") -> PopulationChart:
    """The chart of ``population`` (a :class:`~fcnn_widget.Population`) drawing ``member``."""
    member = check_member(member, len(population))
    losses = np.asarray(population.losses, np.float64).reshape(len(population), -1)
    return PopulationChart(
        losses=losses,
        seeds=tuple(int(s) for s in population.seeds),
        finals=np.asarray(population.final_losses(by), np.float64),
        member=member,
        by=by,
    )


def check_member(member, size: int) -> int:
    """``member`` as an index 0..size-1 of a population of ``size``, else a clear error."""
    if isinstance(member, bool) or not isinstance(member, (int, np.integer)):
        raise SettingError(
            f"member must be an integer index 0..{size - 1} (one of the population's "
            f"{size} members), got {member!r}"
        )
    if not 0 <= member < size:
        raise SettingError(
            f"member {member} is out of range; valid members are 0..{size - 1} "
            f"(the population has {size})"
        )
    return int(member)


def member_text(chart: PopulationChart, i: int | None = None) -> str:
    """Which member is drawn, where it ranks, and its final loss:
    "member 3 of 16 (seed 3), the best by final train loss: 0.00139"."""
    i = chart.member if i is None else i
    rank, final = chart.rank(i), chart.finals[i]
    place = "the best" if rank == 0 else f"{_ordinal(rank + 1)} of {chart.size}"
    loss = f": {final:.3g}" if np.isfinite(final) else " (no final loss)"
    return f"member {i} of {chart.size} (seed {chart.seeds[i]}), {place} by final {chart.by} loss{loss}"


def extend(lay: Layout, scene) -> Layout:
    """``lay`` with room under it for the population chart, when ``scene`` has one."""
    if getattr(scene, "population", None) is None or "chart" not in lay.parts:
        return lay
    return dataclasses.replace(lay, height=lay.height + BLOCK_H)


def box(lay: Layout, caption: bool) -> tuple[float, float, float, float]:
    """The chart's rectangle (x, y, w, h) in a layout made by :func:`extend`."""
    top = lay.height - BLOCK_H - (18 if caption else 0)
    x = LEFT + AXIS_W
    return x, top + TITLE_H, min(MAX_W, lay.width - x - 24), CHART_H


def elements(scene, lay: Layout) -> list[str]:
    """The chart's SVG elements (none when ``scene`` has no population chart)."""
    chart = getattr(scene, "population", None)
    if chart is None or "chart" not in lay.parts:
        return []
    x, y, w, h = box(lay, bool(scene.style.caption))
    out = [
        f'<g data-role="population-chart" data-members="{chart.size}" data-member="{chart.member}">',
        f'<text data-role="population-title" x="{LEFT}" y="{y - 10:.2f}" font-size="12" fill="currentColor">'
        f"population of {chart.size}: training loss per member (log scale)</text>",
        f'<rect data-role="population-frame" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="none" '
        'stroke="currentColor" stroke-opacity="0.5" stroke-width="1"/>',
    ]
    bounds = chart_lines.log_bounds(list(chart.losses))
    n = chart.losses.shape[1]
    top, bottom = bounds if bounds is not None else (0.0, 0.0)
    # The drawn member last, so it lies on top of the others.
    order = [i for i in range(chart.size) if i != chart.member] + [chart.member]
    for i in order:
        drawn = i == chart.member
        points = (
            ""
            if bounds is None
            else chart_lines.curve_points(chart.losses[i], n, (x, y, w, h), top, bottom)
        )
        look = (
            f'stroke="{rules.ACCENT}" stroke-width="2.6"'
            if drawn
            else f'stroke="currentColor" stroke-opacity="{FAINT_OPACITY}" stroke-width="1.2"'
        )
        out.append(
            f'<polyline data-role="member-curve" data-drawn="{int(drawn)}" data-member="{i}" data-seed="{chart.seeds[i]}" '
            f'data-final="{fmt.exact(chart.finals[i])}" data-label="{escape(member_text(chart, i), quote=True)}" '
            f'points="{points}" fill="none" {look} stroke-linejoin="round"/>'
        )
    if bounds is None:
        out.append(
            f'<text x="{x + w / 2:.2f}" y="{y + h / 2:.2f}" text-anchor="middle" font-size="11" fill="currentColor" fill-opacity="0.7">not trained yet</text>'
        )
    else:
        out.append(
            f'<text x="{x - 4:.2f}" y="{y + 12:.2f}" text-anchor="end" font-size="11" fill="currentColor">{10**top:.3g}</text>'
        )
        out.append(
            f'<text x="{x - 4:.2f}" y="{y + h - 2:.2f}" text-anchor="end" font-size="11" fill="currentColor">{10**bottom:.3g}</text>'
        )
        out.append(
            f'<text x="{x + w:.2f}" y="{y + h + 14:.2f}" text-anchor="end" font-size="11" fill="currentColor">epoch {n}</text>'
        )
    below = y + h + 32
    out.append(
        f'<line x1="{LEFT}" y1="{below - 4:.2f}" x2="{LEFT + 20}" y2="{below - 4:.2f}" stroke="{rules.ACCENT}" stroke-width="2.6"/>'
        f'<text data-role="population-member" x="{LEFT + 26}" y="{below:.2f}" font-size="11" fill="currentColor">'
        f"{escape(member_text(chart))}</text>"
    )
    out.append("</g>")
    return out


def _ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th, ...

    >>> [_ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd']
    """
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"
