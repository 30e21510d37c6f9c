"""Harness for the marimo browser tests: a real ``marimo edit`` or ``marimo run`` server on a
free 127.0.0.1 port, its own config (theme) and the repo root on PYTHONPATH, and the
widget as a page shows it (inside ``<marimo-anywidget>``'s shadow root).

Example::

    with MarimoServer("edit", notebook_path, theme="dark") as server:
        page = browser.new_page()
        page.goto(server.url)
        widget = wait_for_widget(page)   # a Locator of .fcnn-widget (Playwright pierces shadow roots)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from harness.lab import REPO_ROOT, _die_with_parent, free_port, wait_until

START_TIMEOUT = 120.0


class MarimoServer:
    """``marimo edit|run <notebook>`` headless, without a token, on 127.0.0.1.

    ``theme``: marimo's display theme ("light", "dark", "system"), written to a throw-away
    user config (XDG_CONFIG_HOME), so the user's own marimo settings never apply.
    """

    def __init__(self, mode: str, notebook: str | Path, theme: str = "light"):
        if mode not in ("edit", "run"):
            raise ValueError(f"mode must be 'edit' or 'run', not {mode!r}")
        self.mode, self.theme = mode, theme
        self.base_dir = Path(tempfile.mkdtemp(prefix=f"marimo-{mode}-harness-"))
        # A copy: marimo writes its session cache (__marimo__/) beside the notebook.
        self.notebook = self.base_dir / Path(notebook).name
        shutil.copy(notebook, self.notebook)
        self.log_path = self.base_dir / "server.log"
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        config = self.base_dir / "config" / "marimo"
        config.mkdir(parents=True, exist_ok=True)
        (config / "marimo.toml").write_text(
            textwrap.dedent(
                f"""
                [display]
                theme = "{self.theme}"
                [runtime]
                auto_instantiate = true
                [server]
                browser = "default"
                [completion]
                copilot = false
                """
            )
        )
        path = [str(REPO_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        return {
            **os.environ,
            "XDG_CONFIG_HOME": str(self.base_dir / "config"),
            "XDG_STATE_HOME": str(self.base_dir / "state"),
            "XDG_CACHE_HOME": str(self.base_dir / "cache"),
            "PYTHONPATH": os.pathsep.join(path),
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> MarimoServer:
        self.port = free_port()
        command = [sys.executable, "-m", "marimo", "-q", "-y", self.mode, str(self.notebook)]
        command += ["--headless", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--no-token", "--no-sandbox"]
        command += ["--skip-update-check"] if self.mode == "edit" else []
        log = open(self.log_path, "ab")  # noqa: SIM115 - the server writes it while it runs
        self.proc = subprocess.Popen(
            command,
            cwd=self.base_dir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        wait_until(
            self._up, START_TIMEOUT, 0.25, message=lambda: f"marimo {self.mode}\n{self.log_tail()}"
        )
        return self

    def _up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"marimo {self.mode} exited:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(self.url + "health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def log_tail(self, chars: int = 4000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> MarimoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def open_widget(browser, server: MarimoServer, viewport=None, timeout: float = 180.0):
    """A new page on the server's notebook; returns (page, the widget's Locator) once the
    widget has drawn its picture."""
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server.url, wait_until="domcontentloaded")
    widget = page.locator(".fcnn-widget").first
    widget.locator("svg.fcnn-picture").wait_for(timeout=timeout * 1000)
    return page, widget


def wait_for(predicate, timeout: float = 30.0, message: str = "condition") -> None:
    """Poll a Python predicate (for page state read through Locators)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{message} not met within {timeout} s")


# The contrast of every text the widget shows on the host's own background (not neuron
# values, which sit on their neuron's fill with an ink picked for it): each colour as the
# browser computed it, with its opacity blended over the background behind it.
CONTRAST_JS = r"""
(el) => {
  const parse = (text) => {
    const c = document.createElement("canvas").getContext("2d");
    c.fillStyle = text; c.fillRect(0, 0, 1, 1);
    const d = c.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  };
  const up = (n) => n.parentElement || (n.getRootNode().host ?? null);
  const background = (node) => {
    for (let n = node; n; n = up(n)) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c[3] >= 0.5) return c.slice(0, 3);
    }
    return [255, 255, 255];  // the canvas
  };
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [h, l] = [lum(a), lum(b)].sort((x, y) => y - x); return (h + 0.05) / (l + 0.05); };
  const opacity = (n) => { let o = 1; for (let p = n; p && p !== el; p = up(p)) o *= Number(getComputedStyle(p).opacity); return o; };
  const html = [...el.querySelectorAll(".fcnn-controls span, .fcnn-controls label, .fcnn-controls button, .fcnn-controls select, .fcnn-controls input[type=number], .fcnn-training span, .fcnn-hint")]
    .filter((n) => n.checkVisibility() && [...n.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()) || n.matches("select, input"));
  const svgText = [...el.querySelectorAll("svg.fcnn-picture text:not([data-label]):not([stroke])")].filter((n) => n.textContent.trim());
  const out = [];
  for (const n of [...html, ...svgText]) {
    const cs = getComputedStyle(n);
    const isSvg = n instanceof SVGElement;
    const [r, g, b, a] = parse(isSvg ? cs.fill : cs.color);
    const alpha = a * opacity(n) * (isSvg ? Number(cs.fillOpacity) : 1);
    const bg = background(n);
    const fg = [r, g, b].map((v, i) => v * alpha + bg[i] * (1 - alpha));
    out.push({ what: (n.dataset.role || n.dataset.control || n.tagName.toLowerCase()) + ": " + (n.textContent || n.value || "").trim().slice(0, 30),
               fg: fg.map(Math.round), bg, ratio: Math.round(ratio(fg, bg) * 100) / 100 });
  }
  return out;
}
"""


MIN_CONTRAST = 4.5  # WCAG AA for normal text


def assert_readable(widget, label: str) -> float:
    """Every text of the widget reaches MIN_CONTRAST against what is behind it; the lowest."""
    report = contrast_report(widget)
    low = [r for r in report if r["ratio"] < MIN_CONTRAST]
    assert not low, f"{label}: text below {MIN_CONTRAST}:1: {low[:5]}"
    print(f"\n{label}: {len(report)} texts, contrast {report[0]['ratio']}..{report[-1]['ratio']}")
    return report[0]["ratio"]


def contrast_report(widget) -> list[dict]:
    """Every text's contrast against what is behind it (see CONTRAST_JS), lowest first."""
    return sorted(widget.evaluate(CONTRAST_JS), key=lambda r: r["ratio"])
