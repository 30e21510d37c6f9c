"""``FCNNWidget(pop)``: one member of a :class:`~fcnn_widget.Population` drawn (the best by
default), with the population's loss chart under it (:mod:`.population_chart`): every
member's curve, the drawn one on top. A click on a curve in the page, or ``w.member = i``,
draws that member — its network, plane and own loss chart — from its own history.

``FCNNWidget(pop)`` makes one; this module is not imported by hand.

>>> from fcnn_widget import FCNNWidget, Population
>>> pop = Population([4], "relu", dataset="prod", seeds=range(4)).fit(epochs=5, lr=0.005)
>>> w = FCNNWidget(pop, sample=10)
>>> type(w).__name__, w.member == int(pop.final_losses().argmin()), w.model is pop[w.member]
('PopulationWidget', True, True)
>>> w.member = 2
>>> w.model is pop[2], w.to_svg().count('data-role="member-curve"')
(True, 4)
>>> w.describe().startswith("member 2 of 4 (seed 2), ")
True
"""

from __future__ import annotations

import numpy as np
import optax
import traitlets

from . import hosts, live, population_chart, state
from . import scene as scenes
from .population import Population, _check_by
from .samples import Samples
from .widget import FCNNWidget


class PopulationWidget(FCNNWidget):
    """:class:`FCNNWidget` of ``population[member]`` (default: the best by final ``by``
    loss, "train" or "test") with the population's loss chart; other arguments as
    :class:`FCNNWidget`. ``member`` is synced with the page both ways."""

    member = traitlets.Any(0).tag(sync=True)  # checked by _valid_member (an index 0..K-1)

    def __init__(
        self,
        population: Population,
        samples: Samples = None,
        *,
        member: int | None = None,
        by: str = "train",
        **options,
    ) -> None:
        self._by = _check_by(by)
        if member is None:
            finals = population.final_losses(self._by)
            member = int(np.nanargmin(finals)) if np.isfinite(finals).any() else 0
        self.population = population
        self._member = population_chart.check_member(member, len(population))
        super().__init__(population[self._member], samples, **options)
        self.observe(self._on_member, names=["member"])

    @traitlets.default("member")
    def _default_member(self) -> int:
        return self._member  # the page opens with the member drawn

    @traitlets.validate("member")
    def _valid_member(self, proposal) -> int:
        return population_chart.check_member(proposal["value"], len(self.population))

    def describe(self) -> str:
        """Which member is drawn and how it ranks, then the population's own description."""
        return (
            f"{population_chart.member_text(self.scene.population)}; {self.population.describe()}"
        )

    def fit(
        self,
        epochs: int = 100,
        lr=None,
        batch_size: int = 100,
        optimizer: str | optax.GradientTransformation = "adam",
        *,
        snapshot_every: int = 1,
        background: bool = False,
    ) -> Population:
        """Train every member (:meth:`Population.fit`; ``lr`` a number or one per member)
        while the page follows the drawn member and the population chart; Stop ends the fit
        of all of them. A population trains in the foreground only."""
        if background or hosts.fit_in_background(hosts.detect()):
            raise ValueError(
                "a population trains in the foreground only: call w.fit(...) in a cell of "
                "Jupyter, or pop.fit(...) in a thread of your own (the widget follows it)"
            )
        with self._reporting():
            options = live.FitOptions(
                epochs=epochs, lr=lr, batch_size=batch_size, optimizer=optimizer,
                snapshot_every=snapshot_every,
            )  # fmt: skip
            live.in_foreground(self.population, options, self._set_reachable)
        return self.population

    # -- keeping the page in step -----------------------------------------------------------------
    def _dress(self, shown: scenes.Scene) -> scenes.Scene:
        shown.population = population_chart.chart_of(self.population, self._member, self._by)
        return shown

    def _on_member(self, change) -> None:
        """Draw another member: its own timeline, latest epoch, picture and chart."""
        with self._lock, self.hold_sync():
            new = self.population[change["new"]]
            src = state.open_source(
                new, self._samples, self.scene.style, sample=self.sample, uid=self._uid,
                colormaps=self._colormaps.objects,
            )  # fmt: skip
            self.model.remove_listener(self._on_model)
            self.model, self._member = new, int(change["new"])
            new.add_listener(self._on_model)
            self.timeline, (self._window_start, self._window_len) = src.timeline, src.window
            self.scene = self._dress(src.scene)
            self._latest = self.timeline.epochs[-1]
            self.set_trait("epoch", self.scene.epoch)
            self._push(self._page_state(self.sample, points=True))


FCNNWidget.widget_for[Population] = PopulationWidget  # FCNNWidget(pop) makes one
