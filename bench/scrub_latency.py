"""How long the page works per scrub step and per palette change (not a test: it prints,
never asserts).

    python bench/scrub_latency.py [--steps 100] [--palettes 5] [--only 2-4-1,784-256-128-10]

Starts a real JupyterLab (``tests/harness/lab.py``) and drives Debian's headless Chromium with
Playwright. For each architecture it opens a notebook whose kernel builds the model and an
``FCNNWidget`` (2-4-1 and 2-5-5-1 on ``prod``, trained 250 epochs as in the blog post;
64-32-16-10 on scikit-learn's ``load_digits`` (random 64-input data without scikit-learn),
trained 30 epochs; 784-256-128-10 on 2000 random 784-input samples, untrained) and then:

* scrub: focuses the sample slider and presses ArrowRight ``--steps`` times. The slider's
  ``input`` handler restyles the picture synchronously; a capture-phase ``input`` listener
  on the window notes ``performance.now()`` before it, a bubble-phase one forces style and
  layout (``getBoundingClientRect``) after it and notes the time again. Printed: median and
  p95 of that script + style + layout time per step (paint is not included, no frame is
  awaited). Each step also sends the sample to the kernel, which answers with that
  sample's timeline; every full redraw of the picture the page does meanwhile is counted and
  timed too (from setting the new SVG text to its layout), as is the kernel's own
  ``_on_sample`` work.
* palette: picks another palette in the page's palette menu ``--palettes`` times. Where the
  picture has no image coloured by the palette (no input plane, no weight matrices) the page
  recolours it in place at once: timed from the ``change`` event to after the menu's handler
  with style and layout forced. Also, always: from the ``change`` event to the kernel-drawn
  SVG being in the page and laid out (end to end, median), with the kernel's ``_on_style``
  time and the page's redraw apart. The goal applies to when the new colours show.
* far sample (only where the page holds a window of the samples, 784-256-128-10 x 100,000):
  types a sample outside the window into the sample box; seconds from Enter to that sample
  shown with the window the kernel sends.
* transfer: the size of the widget's synced state (every trait the kernel sends on display:
  ``len(w._svg) + len(w._points) + len(w._values) + ...``).

Goals: scrub step < 8 ms (< 30 ms for 784-256-128-10); palette change < 100 ms for the
largest (shown for all). The largest picture draws one SVG ``<line>`` per weight (235k of
them, a ~44 MB SVG); whatever does not finish in time is reported as such.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness import lab as harness  # noqa: E402  (tests/harness/lab.py: JupyterLab + Chromium)
from provenance import code_state  # noqa: E402

PALETTES = ("plasma", "inferno", "cividis", "viridis")  # sequential: no centring flips

# name, hidden widths, data expression, epochs to train, scrub goal ms, palette goal ms
ARCHS = [
    ("2-4-1", [4], '"prod"', 250, 8.0, 100.0),
    ("2-5-5-1", [5, 5], '"prod"', 250, 8.0, 100.0),
    ("64-32-16-10", [32, 16], "_digits()", 30, 8.0, 100.0),
    ("784-256-128-10", [256, 128], "_random(2000, 784, 10)", 0, 30.0, 100.0),
    # 630 MB of layer values: the page holds a 32 MB window the kernel moves.
    ("784-256-128-10x100k", [256, 128], "_random(100_000, 784, 10)", 0, 30.0, 100.0),
]
JUMPS = 3  # far samples typed into the sample box, where the page holds a window of samples

KERNEL_SETUP = """
import json, time
import numpy as np
from fcnn_widget import FCNN, FCNNWidget
from fcnn_widget.datasets import Dataset

# Time the kernel's side of a sample and a palette change (wrapping the class's methods).
_kernel_seconds = {"_on_sample": [], "_on_style": []}

def _timed(name):
    inner = getattr(FCNNWidget, name)
    def timed(self, change):
        start = time.perf_counter()
        inner(self, change)
        _kernel_seconds[name].append(time.perf_counter() - start)
    setattr(FCNNWidget, name, timed)

_timed("_on_sample"); _timed("_on_style")

def _random(n, m, k):
    global _data_source
    _data_source = f"{n} random {m}-input samples, {k} classes"
    rng = np.random.default_rng(0)
    return Dataset.from_arrays(rng.normal(size=(n, m)).astype(np.float32), rng.integers(0, k, n))

def _digits():
    global _data_source
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        _data_source = "random 64-input data (no scikit-learn)"
        return _random(1797, 64, 10)
    d = load_digits()
    _data_source = "sklearn load_digits"
    return Dataset.from_arrays((d.data / 16).astype(np.float32), d.target)

def _transfer():
    sizes = {}
    for key, value in w.get_state().items():
        if isinstance(value, (bytes, bytearray, memoryview)):
            sizes[key] = memoryview(value).nbytes
        elif isinstance(value, str):
            sizes[key] = len(value.encode())
        else:
            sizes[key] = len(json.dumps(value))
    return sizes

_data_source = "prod"
"""

CELL = """
model = FCNN({dims}, dataset={data}, seed=0)
if {epochs}:
    model.fit(epochs={epochs}, lr=0.005)
_start = time.perf_counter()
w = FCNNWidget(model, sample=0)
_build_seconds = time.perf_counter() - _start
w
"""

# Installed on the widget's root element once its picture is shown.
HOOKS_JS = """
(root) => {
  const B = window.__bench = { steps: [], scripts: [], draws: [], t0: null, last: null };
  const slider = root.querySelector('input[data-control="sample-slider"]');
  window.addEventListener('input', (e) => { if (e.target === slider) B.t0 = performance.now(); }, true);
  window.addEventListener('input', (e) => {
    if (e.target !== slider || B.t0 === null) return;
    const script = performance.now();
    root.getBoundingClientRect();  // forces style recalculation and layout
    B.steps.push(performance.now() - B.t0);
    B.scripts.push(script - B.t0);
    B.t0 = null;
  }, false);
  const isPalette = (e) => e.target.matches && e.target.matches('select[data-control="palette"]');
  window.addEventListener('change', (e) => { if (isPalette(e)) B.changeAt = performance.now(); }, true);
  // After the menu's own handler: did the page recolour in place, and how long did it take
  // (script + style + layout)?
  B.recolours = [];
  window.addEventListener('change', (e) => {
    if (!isPalette(e)) return;
    root.getBoundingClientRect();
    B.recolours.push(root.dataset.recoloured === e.target.value ? performance.now() - B.changeAt : null);
  }, false);
  // A redraw sets new SVG text on the picture's parent: note when (start) ...
  const hookParent = (parent) => {
    if (!parent || parent.__benchHooked) return;
    parent.__benchHooked = true;
    const d = Object.getOwnPropertyDescriptor(Element.prototype, 'innerHTML');
    Object.defineProperty(parent, 'innerHTML', {
      configurable: true,
      get() { return d.get.call(this); },
      set(v) { B.drawStart = performance.now(); B.drawBytes = v.length; d.set.call(this, v); },
    });
  };
  const svgOf = () => root.querySelector('svg.fcnn-picture');
  hookParent(svgOf() && svgOf().parentElement);
  // ... and when the new picture is in the page and laid out (end).
  new MutationObserver(() => {
    const svg = svgOf();
    if (!svg || svg === B.last) return;
    B.last = svg;
    svg.getBoundingClientRect();
    const end = performance.now();
    B.draws.push({ start: B.drawStart ?? null, end, bytes: B.drawBytes ?? null });
    B.drawStart = null;
    hookParent(svg.parentElement);
  }).observe(root, { childList: true, subtree: true });
  B.last = svgOf();
  return !!slider;
}
"""


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q / 100 * (len(xs) - 1)))]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def ms(x):
    return "—" if x != x else f"{x:.1f}"


def mb(n):
    return f"{n / 2**20:.2f} MB" if n >= 2**20 else f"{n / 1024:.1f} kB"


def bench_js(page, expr, timeout_s):
    """Evaluate ``expr`` on window.__bench; None if the page does not answer in time."""
    page.set_default_timeout(timeout_s * 1000)
    try:
        return page.evaluate(f"() => {{ const B = window.__bench; return {expr}; }}")
    except Exception:  # noqa: BLE001 - a busy page times out
        return None
    finally:
        page.set_default_timeout(60_000)


def wait_quiet(page, quiet_s: float, timeout_s: float) -> bool:
    """Wait until no redraw happened for ``quiet_s`` (True) or ``timeout_s`` passed."""
    deadline = time.monotonic() + timeout_s
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        n = bench_js(page, "B.draws.length", max(1.0, deadline - time.monotonic()))
        if n is None:
            return False
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return True
        time.sleep(0.1)
    return False


def far_jumps(nb, root, n: int, args) -> list[float]:
    """Seconds from typing a sample outside the page's window (Enter) to that sample shown
    with the values of the window the kernel sent."""
    box = root.locator('input[data-control="sample-box"]')
    out = []
    for k in range(JUMPS):
        target = (n - 1 - 7 * k) if k % 2 == 0 else 11 * k  # back and forth across the data
        box.fill(str(target))
        start = time.monotonic()
        box.press("Enter")
        nb.page.wait_for_function(
            "([el, s]) => el.dataset.sample === s && !el.dataset.waiting",
            arg=[root.element_handle(), str(target)],
            timeout=args.palette_timeout * 1000,
        )
        out.append(time.monotonic() - start)
    return out


def measure(lab, arch, args) -> dict:
    name, dims, data, epochs, goal_step, goal_palette = arch
    r = {"name": name, "goal_step": goal_step, "goal_palette": goal_palette, "notes": []}
    deadline = time.monotonic() + args.budget
    t = time.monotonic()
    cell = CELL.format(dims=dims, data=data, epochs=epochs)
    nb = lab.open_notebook([KERNEL_SETUP, cell])
    try:
        nb.run_all(timeout=300)
        r["kernel_build"] = nb.kernel_value("_build_seconds")
        r["data"] = nb.kernel_value("_data_source")
        sizes = nb.kernel_value("_transfer()")
        r["transfer"] = sum(sizes.values())
        r["sizes"] = sizes
        page = nb.page
        root = page.locator(".fcnn-widget").first
        try:
            root.locator("svg.fcnn-picture").wait_for(timeout=args.render_timeout * 1000)
        except Exception:  # noqa: BLE001
            r["notes"].append(f"picture not shown within {args.render_timeout:g} s")
            return r
        r["shown"] = time.monotonic() - t
        if not root.evaluate(HOOKS_JS):
            r["notes"].append("no sample slider found")
            return r
        slider = root.locator('input[data-control="sample-slider"]')
        slider.focus()
        page.set_default_timeout(args.step_timeout * 1000)

        def press(n):
            done = 0
            for _ in range(n):
                if time.monotonic() > deadline:
                    r["notes"].append(f"scrub stopped at the {args.budget:g} s budget")
                    break
                try:
                    page.keyboard.press("ArrowRight")
                except Exception:  # noqa: BLE001
                    r["notes"].append(f"a key press took over {args.step_timeout:g} s")
                    break
                done += 1
            return done

        # Warm-up: the page's code paths and the kernel's answers, then a clean slate.
        press(5)
        wait_quiet(page, 0.5, max(1.0, min(30.0, deadline - time.monotonic())))
        bench_js(page, "(B.steps = [], B.scripts = [], B.draws = [], true)", 30)
        nb.execute("_kernel_seconds['_on_sample'].clear()")
        start = time.monotonic()
        r["steps_done"] = press(args.steps)
        r["scrub_wall"] = time.monotonic() - start
        settled = wait_quiet(page, 1.0, max(1.0, min(60.0, deadline - time.monotonic())))
        if not settled:
            r["notes"].append("page still redrawing after the scrub (or not answering)")
        got = bench_js(page, "({ steps: B.steps, scripts: B.scripts, draws: B.draws })", 30) or {}
        r["steps"] = got.get("steps", [])
        r["scripts"] = got.get("scripts", [])
        r["draws"] = [d["end"] - d["start"] for d in got.get("draws", []) if d["start"] is not None]
        r["n_draws"] = len(got.get("draws", []))
        r["kernel_sample"] = nb.kernel_value("_kernel_seconds['_on_sample']", timeout=120)

        # Palette changes from the page's menu.
        palette = root.locator('select[data-control="palette"]')
        nb.execute("_kernel_seconds['_on_style'].clear()")
        r["palette"], r["palette_draw"] = [], []
        for i in range(args.palettes):
            remaining = deadline - time.monotonic()
            if remaining < 5:
                r["notes"].append(f"palette changes stopped at the {args.budget:g} s budget")
                break
            wait_quiet(page, 0.3, min(30.0, remaining))
            n_before = bench_js(page, "B.draws.length", 30)
            if n_before is None:
                r["notes"].append("page not answering before a palette change")
                break
            try:
                palette.select_option(PALETTES[i % len(PALETTES)], timeout=remaining * 1000)
            except Exception:  # noqa: BLE001
                r["notes"].append("palette menu did not answer in time")
                break
            limit = time.monotonic() + min(args.palette_timeout, deadline - time.monotonic())
            draw = None
            while time.monotonic() < limit:
                draw = bench_js(
                    page,
                    f"B.draws.length > {n_before} ? {{ ...B.draws[B.draws.length - 1], "
                    f"at: B.changeAt }} : null",
                    max(1.0, limit - time.monotonic()),
                )
                if draw:
                    break
                time.sleep(0.02)
            if not draw:
                r["notes"].append(
                    f"no redraw within {args.palette_timeout:g} s of a palette change"
                )
                break
            r["palette"].append(draw["end"] - draw["at"])
            if draw["start"] is not None:
                r["palette_draw"].append(draw["end"] - draw["start"])
        r["palette_local"] = bench_js(page, "B.recolours", 30) or []
        n, (first, length) = nb.kernel_value("(w._meta['n_samples'], w._window)")
        if length < n:
            r["jumps"], r["window"] = far_jumps(nb, root, n, args), (length, n)
        r["kernel_style"] = nb.kernel_value("_kernel_seconds['_on_style']", timeout=120)
        errors = nb.errors()
        if errors:
            r["notes"].append(f"browser errors: {errors[:3]}")
        return r
    except Exception as error:  # noqa: BLE001 - report and keep going with the next one
        r["notes"].append(f"{type(error).__name__}: {str(error).splitlines()[0][:200]}")
        return r
    finally:
        nb.close()


def stale_bundle() -> bool:
    bundle = ROOT / "fcnn_widget" / "static" / "widget.js"
    sources = list((ROOT / "js").glob("*.js"))
    return bundle.exists() and any(s.stat().st_mtime > bundle.stat().st_mtime for s in sources)


def report(r) -> None:
    print(f"\n{r['name']}  ({r.get('data', '?')})")
    if "transfer" in r:
        big = sorted(r["sizes"].items(), key=lambda kv: -kv[1])[:5]
        print(
            f"  transfer (synced state) {mb(r['transfer'])}: "
            + ", ".join(f"{k} {mb(v)}" for k, v in big)
        )
        print(
            f"  kernel builds the widget in {r['kernel_build'] * 1e3:.0f} ms; "
            + (
                f"picture shown {r['shown']:.1f} s after opening the notebook"
                if "shown" in r
                else "picture never shown"
            )
        )
    if r.get("steps"):
        steps = r["steps"]
        print(
            f"  scrub step (script + style + layout): median {med(steps):.2f} ms, "
            f"p95 {pct(steps, 95):.2f} ms over {len(steps)} steps; goal < {r['goal_step']:g} ms"
        )
        print(
            f"    of which script (the input handler) median {med(r['scripts']):.2f} ms, "
            f"style + layout median {med([a - b for a, b in zip(steps, r['scripts'])]):.2f} ms"
        )
        print(
            f"  {r['steps_done']} key presses took {r['scrub_wall']:.1f} s; meanwhile the page "
            f"redrew the whole picture {r['n_draws']} times (kernel answers), median "
            f"{ms(med(r['draws']))} ms each; kernel _on_sample median "
            f"{ms(med(r['kernel_sample']) * 1e3)} ms"
        )
    if r.get("palette"):
        local = [t for t in r.get("palette_local", []) if t is not None]
        print(
            f"  palette change, seen: median {med(seen(r)):.0f} ms — recoloured in the page "
            f"{len(local)} of {len(r['palette'])} times (median {ms(med(local))} ms), else the "
            "kernel's picture"
        )
        print(
            f"  palette change, kernel's picture in: median {med(r['palette']):.0f} ms "
            f"(max {max(r['palette']):.0f}) over {len(r['palette'])}; goal < "
            f"{r['goal_palette']:g} ms; kernel _on_style median "
            f"{ms(med(r['kernel_style']) * 1e3)} ms; page redraw median "
            f"{ms(med(r['palette_draw']))} ms"
        )
    if r.get("jumps"):
        length, n = r["window"]
        print(
            f"  far sample (the page holds {length:,} of {n:,} samples): shown "
            f"{', '.join(f'{1e3 * t:.0f}' for t in r['jumps'])} ms after Enter (the kernel "
            "sends the window around it)"
        )
    for note in r["notes"]:
        print(f"  NOTE: {note}")


def seen(r) -> list[float]:
    """Per palette change, when the new colours showed: the page's own recolouring where it
    did one, else the kernel's redrawn picture arriving."""
    local = r.get("palette_local") or [None] * len(r.get("palette") or [])
    return [a if a is not None else b for a, b in zip(local, r.get("palette") or [])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--palettes", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated architecture names")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per architecture")
    parser.add_argument("--render-timeout", type=float, default=90.0)
    parser.add_argument("--step-timeout", type=float, default=20.0)
    parser.add_argument("--palette-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    archs = [a for a in ARCHS if not args.only or a[0] in args.only.split(",")]

    if not os.path.exists(harness.CHROMIUM_PATH):
        print(f"no Chromium at {harness.CHROMIUM_PATH}: nothing to measure")
        return 0
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, load "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; JupyterLab + headless Chromium "
        f"({harness.CHROMIUM_PATH}); {code_state()}"
    )
    if stale_bundle():
        print("NOTE: fcnn_widget/static/widget.js is older than js/*.js (run `npm run build`)")
    results = []
    server = harness.JupyterServer("lab").start()
    try:
        with sync_playwright() as pw:
            browser = harness.launch_browser(pw)
            lab = harness.Lab(server, browser)
            try:
                for arch in archs:
                    r = measure(lab, arch, args)
                    results.append(r)
                    report(r)
            finally:
                lab.close()
                browser.close()
    finally:
        server.cleanup()

    print("\nsummary (ms; goals in brackets):")
    print(
        f"{'architecture':<21}{'transfer':>10}{'step med':>10}{'step p95':>10}{'[goal]':>8}"
        f"{'redraws':>9}{'palette':>9}{'[goal]':>8}{'kernel':>8}"
    )
    for r in results:
        steps = r.get("steps") or []
        print(
            f"{r['name']:<21}{mb(r['transfer']) if 'transfer' in r else '—':>10}"
            f"{ms(med(steps)):>10}{ms(pct(steps, 95)):>10}{'<' + format(r['goal_step'], 'g'):>8}"
            f"{r.get('n_draws', '—'):>9}{ms(med(seen(r))):>9}"
            f"{'<' + format(r['goal_palette'], 'g'):>8}{ms(med(r.get('palette') or [])):>8}"
        )
    print("  palette: when the new colours show; kernel: when the kernel's redrawn picture is in")
    for r in results:
        steps, pal = r.get("steps") or [], seen(r)
        verdict = lambda ok: "met" if ok else "NOT met"  # noqa: E731
        print(
            f"  {r['name']}: scrub step < {r['goal_step']:g} ms: median "
            f"{verdict(bool(steps) and med(steps) < r['goal_step'])}, p95 "
            f"{verdict(bool(steps) and pct(steps, 95) < r['goal_step'])}; palette < "
            f"{r['goal_palette']:g} ms: median {verdict(bool(pal) and med(pal) < r['goal_palette'])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
