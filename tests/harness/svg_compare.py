"""Browser-test helpers: open a notebook that shows a widget, find its neurons, and compare
the page's picture with an SVG document element by element."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

# Every drawn element of the page's picture, in document order: tag, attributes, own text.
SNAPSHOT_JS = """
(root) => Array.from(root.querySelectorAll('svg.fcnn-picture *')).map((e) => {
  const a = {};
  for (const at of e.attributes) a[at.name] = at.value;
  const own = Array.from(e.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('');
  return [e.tagName, a, own];
})
"""


def svg_elements(svg: str | ET.Element) -> list:
    """The same list for an SVG document (text or parsed root), the root left out."""
    root = ET.fromstring(svg) if isinstance(svg, str) else svg
    out = []
    for e in root.iter():
        if e is root:
            continue
        attrs = {k.split("}")[-1]: v for k, v in e.attrib.items()}
        own = (e.text or "") + "".join(c.tail or "" for c in e)  # all its own text nodes
        out.append([e.tag.split("}")[-1], attrs, own])
    return out


def neuron(root, kind: str, layer: int, index: int):
    """The page's circle of a neuron (a Playwright locator under the widget's ``root``)."""
    return root.locator(f'circle[data-kind="{kind}"][data-layer="{layer}"][data-index="{index}"]')


def assert_page_equals_python(nb, root, widget: str = "w") -> None:
    """The page's picture is the kernel's ``widget.to_svg()``, element by element."""
    page = root.evaluate(SNAPSHOT_JS)
    python = svg_elements(
        json.loads(nb.kernel_value(f"__import__('json').dumps({widget}.to_svg())"))
    )
    assert len(page) == len(python)
    for (tag, attrs, text), (ptag, pattrs, ptext) in zip(page, python):
        assert (tag, attrs, text.strip()) == (ptag, pattrs, ptext.strip()), (tag, attrs)


def open_widget(lab, cells: list[str], timeout: float = 180):
    """Run a notebook of ``cells`` whose last output is a widget; (notebook, the widget's
    root locator) once its picture is shown."""
    nb = lab.open_notebook(cells)
    nb.run_all(timeout=timeout)
    root = nb.page.locator(".fcnn-widget").first
    root.locator("svg.fcnn-picture").wait_for(timeout=timeout * 1000)
    return nb, root
