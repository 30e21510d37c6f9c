// FCNNCompare's front end: the kernel-built comparison (one <g data-model="i"> per network)
// with one sample control for all. Each panel is restyled in the page with the single
// widget's own code (network.js, plane.js), from that panel's arrays in `_panels`: scrubbing
// moves every panel at once, no kernel round trip per frame.
import { frameSource, readState, rowOf } from "./data.js";
import { indexPicture, restyle } from "./network.js";
import { eventToData, moveRing, nearestSample } from "./plane.js";
import { buildControls } from "./controls.js";
import { buildToolbar } from "./toolbar.js";
import { followHostTheme } from "./theme.js";
import { fitPicture } from "./fit.js";
import { attachTooltip } from "./tooltip.js";
import { describePoint } from "./analysis.js";
import { listenForKeys } from "./keys.js";

// What the kernel redraws the comparison with; the sample moves panels in the page only.
const DATA_KEYS = ["_svg", "_points", "_panels", "_meta"];
const FIT_DELAY_MS = 250; // tell the kernel the cell's width once resizing pauses

function commit(model) {
  if (typeof model.save_changes === "function") {
    try { model.save_changes(); } catch (err) { console.warn("fcnn-widget: could not sync", err); }
  }
}
function send(model, message) {
  if (typeof model.send === "function") {
    try { model.send(message); } catch (err) { console.warn("fcnn-widget: could not send", err); }
  }
}

/** Panel i as the single widget's state reader sees a model: its own arrays, else shared. */
export function panelModel(model, i) {
  return {
    get(key) {
      const panel = (model.get("_panels") || [])[i];
      return panel && key in panel ? panel[key] : model.get(key);
    },
  };
}

/** The picture of each panel: the single picture's elements inside `<g data-model=i>`,
 * plus that network's line of the comparison's formulas (rewritten like the panel's). */
export function indexPanels(svg, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const root = svg.querySelector(`g[data-model="${i}"][data-uid]`);
    if (!root) continue;
    const pic = indexPicture(root);
    for (const el of svg.querySelectorAll(`g[data-role="compare-formulas"] text[data-role="formula"][data-model="${i}"]`)) {
      pic.analysis.formulas.push({ el, j: Number(el.dataset.output) });
    }
    out.push({ i, root, pic });
  }
  return out;
}

function render({ model, el }) {
  el.classList.add("fcnn-widget", "fcnn-compare");
  el.tabIndex = 0;
  el.setAttribute("data-lm-suppress-shortcuts", "true");
  const stopFollowingTheme = followHostTheme(el);
  const figure = document.createElement("div");
  figure.className = "fcnn-figure";
  let sample = model.get("sample");
  let panels = []; // { i, root, pic, state }

  const setTrait = (name, value) => { model.set(name, value); commit(model); };
  const selectSample = (s) => { show(s); setTrait("sample", s); };
  const controls = buildControls(model, { onSample: selectSample, onSet: setTrait });
  controls.bar.appendChild(buildToolbar({ picture: () => figure.querySelector("svg"), name: () => `fcnn-compare-sample${sample}` }).bar);
  el.replaceChildren(controls.bar, figure);
  const stopFitting = fitPicture(el, figure);
  // The kernel lays the panels out in as many columns as the cell's width holds.
  let fitTimer = null, sentWidth = 0;
  const sendWidth = () => {
    const width = Math.round(el.getBoundingClientRect().width);
    if (width > 0 && Math.abs(width - sentWidth) > 24) { sentWidth = width; send(model, { type: "fit", width }); }
  };
  const widthObserver = new ResizeObserver(() => { clearTimeout(fitTimer); fitTimer = setTimeout(sendWidth, FIT_DELAY_MS); });
  widthObserver.observe(el);

  /** Every panel shows sample s: fills, labels, data-value, ranges, ring and formula. */
  function show(s) {
    const n = (model.get("_meta") || {}).n_samples || 1;
    sample = Math.max(0, Math.min(n - 1, s));
    let waiting = false;
    for (const p of panels) {
      if (rowOf(p.state, sample) < 0) { waiting = true; continue; } // the kernel sends its window
      restyle(p.pic, p.state, frameSource(p.state, sample), false);
      moveRing(p.pic.svg, p.state, sample);
    }
    el.classList.toggle("fcnn-waiting", waiting);
    el.dataset.waiting = waiting ? "1" : "";
    controls.showSample(sample);
    el.dataset.sample = String(sample);
  }

  function draw() {
    figure.innerHTML = model.get("_svg");
    const svg = figure.querySelector("svg");
    const n = (model.get("_panels") || []).length;
    const points = model.get("_points") || [];
    panels = svg ? indexPanels(svg, n) : [];
    for (const p of panels) {
      p.state = readState(panelModel(model, p.i));
      const dots = p.root.querySelector('g[data-role="points"]');
      if (dots && points[p.i]) dots.innerHTML = points[p.i];
    }
    controls.showSettings();
    show(sample);
  }

  let pending = false;
  const scheduleDraw = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => { pending = false; draw(); });
  };
  const onSampleTrait = () => { if (model.get("sample") !== sample) show(model.get("sample")); };
  const onSettings = () => controls.showSettings();
  for (const key of DATA_KEYS) model.on(`change:${key}`, scheduleDraw);
  const settingKeys = [...controls.keys, "_palettes"];
  for (const key of settingKeys) model.on(`change:${key}`, onSettings);
  model.on("change:sample", onSampleTrait);

  // A click on any panel's plane picks the nearest sample for all of them.
  const onClick = (event) => {
    for (const p of panels) {
      const point = eventToData(p.pic.svg, p.state, event);
      if (!point) continue;
      const meta = model.get("_meta") || {};
      const all = p.state.window[1] >= p.state.meta.n_samples || meta.sample_limits;
      if (all) selectSample(nearestSample(p.state, point));
      else send(model, { type: "pick", point });
      return;
    }
  };
  figure.addEventListener("click", onClick);
  const stopKeys = listenForKeys(el, { step: (delta) => controls.step(delta) }); // arrows scrub samples
  // Hover values as in the single widget, read from the panel under the pointer (this
  // listener runs before the tooltip's, which asks for that panel's state and source).
  let hovered = null;
  const onMove = (event) => {
    const root = event.target.closest && event.target.closest("g[data-model][data-uid]");
    hovered = panels.find((p) => p.root === root) || null;
  };
  figure.addEventListener("mousemove", onMove);
  const describeAt = (event) => {
    const point = hovered && eventToData(hovered.pic.svg, hovered.state, event);
    return point ? describePoint(hovered.state, point) : null;
  };
  const dropTooltip = attachTooltip(el, figure, () => hovered?.state, () => hovered && frameSource(hovered.state, sample), describeAt);
  draw();

  return () => {
    clearTimeout(fitTimer);
    widthObserver.disconnect();
    for (const key of DATA_KEYS) model.off(`change:${key}`, scheduleDraw);
    for (const key of settingKeys) model.off(`change:${key}`, onSettings);
    model.off("change:sample", onSampleTrait);
    figure.removeEventListener("click", onClick);
    figure.removeEventListener("mousemove", onMove);
    stopKeys();
    dropTooltip();
    stopFollowingTheme();
    stopFitting();
  };
}

export default { render };
