// fcnn-widget's front end: show the kernel-built picture, restyle it per sample in the page,
// and sync the controls with the kernel's traits.
import { readState } from "./data.js";
import { indexPicture, restyle } from "./network.js";
import { eventToData, moveRing, nearestSample } from "./plane.js";
import { buildControls } from "./controls.js";
import { attachTooltip } from "./tooltip.js";

const DATA_KEYS = ["_svg", "_meta", "_values", "_targets", "_params", "_ranges"];
const SETTING_KEYS = ["palette", "norm", "norm_scope", "symmetric", "robust", "show_values", "_palettes"];

/** Hosts without a kernel (a static page) may lack save_changes: keep the page working. */
function commit(model) {
  if (typeof model.save_changes === "function") {
    try { model.save_changes(); } catch (err) { console.warn("fcnn-widget: could not sync", err); }
  }
}

function render({ model, el }) {
  el.classList.add("fcnn-widget");
  el.tabIndex = 0;
  const figure = document.createElement("div");
  figure.className = "fcnn-figure";
  let state = readState(model);
  let sample = model.get("sample");
  let pic = null;

  const controls = buildControls(model, {
    onSample: (s) => {
      show(s);
      model.set("sample", s);
      commit(model);
    },
    onSet: (name, value) => {
      model.set(name, value);
      commit(model);
    },
  });
  el.replaceChildren(controls.bar, figure);

  function show(s) {
    sample = Math.max(0, Math.min(state.meta.n_samples - 1, s));
    if (pic) {
      restyle(pic, state, sample);
      moveRing(pic.svg, state, sample);
    }
    controls.showSample(sample);
    el.dataset.sample = String(sample);
  }

  function draw() {
    state = readState(model);
    figure.innerHTML = model.get("_svg");
    const svg = figure.querySelector("svg");
    pic = svg ? indexPicture(svg) : null;
    controls.showSettings();
    show(sample);
  }

  // Several traits change together when the kernel restyles: redraw once for all of them.
  let pending = false;
  const scheduleDraw = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => { pending = false; draw(); });
  };
  const onSampleTrait = () => show(model.get("sample"));
  const onSettings = () => controls.showSettings();
  for (const key of DATA_KEYS) model.on(`change:${key}`, scheduleDraw);
  for (const key of SETTING_KEYS) model.on(`change:${key}`, onSettings);
  model.on("change:sample", onSampleTrait);

  const onClick = (event) => {
    if (!pic) return;
    const point = eventToData(pic.svg, state, event);
    if (point) controls.bar && selectSample(nearestSample(state, point));
  };
  const selectSample = (s) => { show(s); model.set("sample", s); commit(model); };
  const onKey = (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      event.stopPropagation();
      controls.step(event.key === "ArrowRight" ? 1 : -1);
    }
  };
  figure.addEventListener("click", onClick);
  el.addEventListener("keydown", onKey);
  const dropTooltip = attachTooltip(el, figure, () => state, () => sample);
  draw();

  return () => {
    for (const key of DATA_KEYS) model.off(`change:${key}`, scheduleDraw);
    for (const key of SETTING_KEYS) model.off(`change:${key}`, onSettings);
    model.off("change:sample", onSampleTrait);
    figure.removeEventListener("click", onClick);
    el.removeEventListener("keydown", onKey);
    dropTooltip();
  };
}

export default { render };
