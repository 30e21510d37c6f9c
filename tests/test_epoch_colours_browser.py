"""Scrubbing epochs in the page recolours every neuron as Python colours that epoch: the page
restyles from the kernel's timeline (js/rules.js), Python from its own frame (rules.py)."""

from __future__ import annotations

import pytest
from harness.svg_compare import open_widget

pytestmark = pytest.mark.browser

SETUP = """
from fcnn_widget import FCNN, FCNNWidget
model = FCNN([4, 3], "tanh", dataset="prod", seed=1)
model.fit(epochs=12, lr=0.05, batch_size=50)
w = FCNNWidget(model, sample=7, palette="RdBu", norm="layer")
w
"""
PAGE_FILLS = """(el) => Object.fromEntries(Array.from(el.querySelectorAll('circle[data-kind]'),
  (c) => [`${c.dataset.kind}-${c.dataset.layer}-${c.dataset.index}`, c.getAttribute('fill')]))"""
PYTHON_FILLS = (
    '{f"{kind}-{k}-{i}": w.color_of(kind, k, i) for k, n in enumerate(w.model.widths) '
    'for kind in (("x",) if k == 0 else ("z", "a")) for i in range(n)}'
)


def test_scrubbing_epochs_recolours_neurons_as_python(lab):
    nb, root = open_widget(lab, [SETUP])
    slider = root.locator('input[data-control="epoch-slider"]')
    slider.focus()
    slider.press("Home")  # epoch 0, then a few steps on: each its own colours
    seen, at = [], 0
    for epoch in (0, 1, 2, 5):
        for _ in range(epoch - at):
            slider.press("ArrowRight")
        at = epoch
        nb.wait_for(
            "(e) => document.querySelector('.fcnn-widget').dataset.epoch === e", arg=str(epoch)
        )
        scrubbed = root.evaluate(PAGE_FILLS)  # from the timeline, before the kernel redraws
        nb.wait_for_kernel(f"w.epoch == {epoch}")
        python = nb.kernel_value(PYTHON_FILLS)
        assert len(python) == 2 + 2 * (4 + 3 + 1)
        assert scrubbed == python, epoch
        seen.append(tuple(python.values()))
    assert len(set(seen)) == len(seen)  # the epochs differ, so the check can tell them apart
    # The kernel's redrawn frame of the last epoch keeps the same colours.
    nb.wait_for(
        "(want) => Object.entries(want).every(([k, v]) => document.querySelector("
        "`.fcnn-widget circle[data-kind='${k.split('-')[0]}'][data-layer='${k.split('-')[1]}']"
        "[data-index='${k.split('-')[2]}']`)?.getAttribute('fill') === v)",
        arg=python,
    )
    nb.assert_no_errors()
