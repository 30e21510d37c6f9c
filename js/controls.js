// The control bar: sample slider, number box and steps; palette, norm and scope choices.

const NORMS = ["global", "component", "layer"];
const SCOPES = ["dataset", "sample"];

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.appendChild(c);
  return node;
}

function select(name, label, options) {
  const s = el("select", { "data-control": name, "aria-label": label });
  for (const o of options) s.appendChild(el("option", { value: o, text: o }));
  return s;
}

function checkbox(name, label) {
  const box = el("input", { type: "checkbox", "data-control": name });
  return [box, el("label", { class: "fcnn-check" }, [box, document.createTextNode(" " + label)])];
}

/**
 * Build the controls. `onSample(s)` previews a sample in the page at once; `onSet(name, v)`
 * writes a trait to the kernel.
 */
export function buildControls(model, { onSample, onSet }) {
  const prev = el("button", { "data-control": "prev", title: "previous sample (←)", text: "◀" });
  const next = el("button", { "data-control": "next", title: "next sample (→)", text: "▶" });
  const slider = el("input", { type: "range", min: "0", step: "1", "data-control": "sample-slider", "aria-label": "sample" });
  const box = el("input", { type: "number", min: "0", step: "1", "data-control": "sample-box", "aria-label": "sample number" });
  const count = el("span", { class: "fcnn-count" });
  const palette = select("palette", "palette", []);
  const norm = select("norm", "colour normalisation", NORMS);
  const scope = select("norm_scope", "normalisation scope", SCOPES);
  const [symmetric, symLabel] = checkbox("symmetric", "centre 0");
  const [robust, robLabel] = checkbox("robust", "robust");
  const [values, valLabel] = checkbox("show_values", "values");
  const mode = select("view", "neurons drawn as", ["network", "response"]);
  const [lines, linesLabel] = checkbox("show_lines", "unit lines");
  const [regions, regionsLabel] = checkbox("show_regions", "regions");
  const [matrices, matricesLabel] = checkbox("show_matrices", "W matrices");
  const maxEdges = el("input", { type: "number", min: "1", step: "100", "data-control": "max_edges", "aria-label": "most edges drawn", title: "most edges drawn: past this, the strongest into each neuron" });
  const edgesLabel = el("label", { class: "fcnn-check" }, [document.createTextNode("edges ≤ "), maxEdges]);
  const bar = el("div", { class: "fcnn-controls" }, [
    el("span", { class: "fcnn-group" }, [el("span", { text: "sample" }), prev, slider, next, box, count]),
    el("span", { class: "fcnn-group" }, [el("span", { text: "palette" }), palette]),
    el("span", { class: "fcnn-group" }, [el("span", { text: "norm" }), norm, scope, symLabel, robLabel, valLabel]),
    el("span", { class: "fcnn-group" }, [el("span", { text: "view" }), mode, linesLabel, regionsLabel, matricesLabel, edgesLabel]),
  ]);

  const n = () => model.get("_meta").n_samples || 1;
  // A saved page holds some samples only (the kernel's window when it was saved).
  const limits = () => model.get("_meta").sample_limits || [0, n() - 1];
  const clamp = (s) => Math.max(limits()[0], Math.min(limits()[1], Math.round(Number(s) || 0)));
  const step = (d) => onSample(clamp(Number(slider.value) + d), true);
  prev.addEventListener("click", () => step(-1));
  next.addEventListener("click", () => step(+1));
  slider.addEventListener("input", () => onSample(clamp(slider.value), true));
  box.addEventListener("change", () => onSample(clamp(box.value), true));
  palette.addEventListener("change", () => onSet("palette", palette.value));
  norm.addEventListener("change", () => onSet("norm", norm.value));
  scope.addEventListener("change", () => onSet("norm_scope", scope.value));
  symmetric.addEventListener("change", () => onSet("symmetric", symmetric.checked));
  robust.addEventListener("change", () => onSet("robust", robust.checked));
  values.addEventListener("change", () => onSet("show_values", values.checked));
  mode.addEventListener("change", () => onSet("view", mode.value));
  lines.addEventListener("change", () => onSet("show_lines", lines.checked));
  regions.addEventListener("change", () => onSet("show_regions", regions.checked));
  matrices.addEventListener("change", () => onSet("show_matrices", matrices.checked));
  maxEdges.addEventListener("change", () => onSet("max_edges", Math.max(1, Math.round(Number(maxEdges.value) || 1))));

  function showSample(s) {
    const [lo, hi] = limits();
    slider.min = box.min = String(lo);
    slider.max = box.max = String(hi);
    slider.value = String(s);
    if (document.activeElement !== box) box.value = String(s); // never under the user's typing
    count.textContent = `of ${n()}`;
  }
  function showSettings() {
    const names = model.get("_palettes").slice();
    const current = model.get("palette");
    if (!names.includes(current)) names.unshift(current);
    palette.replaceChildren(...names.map((o) => el("option", { value: o, text: o })));
    palette.value = current;
    norm.value = model.get("norm");
    scope.value = model.get("norm_scope");
    symmetric.checked = Boolean(model.get("symmetric"));
    robust.checked = model.get("robust");
    values.checked = model.get("show_values");
    mode.value = model.get("view");
    lines.checked = model.get("show_lines");
    regions.checked = model.get("show_regions");
    matrices.checked = model.get("show_matrices");
    maxEdges.value = String(model.get("max_edges"));
    const plane = Boolean(model.get("_meta").plane);
    linesLabel.hidden = regionsLabel.hidden = !plane;
    regionsLabel.hidden = !plane || !model.get("_meta").relu_family;
  }
  return { bar, showSample, showSettings, step };
}

/** The epoch slider: steps through the recorded snapshots. */
export function buildEpochControl({ onEpoch }) {
  const slider = el("input", { type: "range", min: "0", step: "1", "data-control": "epoch-slider", "aria-label": "epoch" });
  const label = el("span", { class: "fcnn-epoch-label", "data-control": "epoch-label" });
  const bar = el("span", { class: "fcnn-group fcnn-epochs" }, [el("span", { text: "epoch" }), slider, label]);
  slider.addEventListener("input", () => onEpoch(Number(slider.value)));
  function show(index, epochs) {
    bar.hidden = epochs.length < 2;
    slider.max = String(Math.max(0, epochs.length - 1));
    slider.value = String(index);
    label.textContent = `${epochs[index] ?? 0} / ${epochs[epochs.length - 1] ?? 0}`;
  }
  return { bar, show };
}

function formatSeconds(s) {
  if (s == null || !Number.isFinite(s)) return "";
  return s < 60 ? `${s.toFixed(s < 10 ? 1 : 0)} s left` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s left`;
}

/** Training status: progress bar, epoch counter, time left, Stop, and errors. */
export function buildTrainingBar({ onStop }) {
  const progress = el("progress", { max: "1", value: "0", "data-control": "progress" });
  const text = el("span", { class: "fcnn-train-text", "data-control": "train-text" });
  const stop = el("button", { "data-control": "stop", title: "stop training after the current chunk", text: "■ Stop" });
  const error = el("div", { class: "fcnn-error", role: "alert", "data-control": "error" });
  const hint = el("span", { class: "fcnn-hint", "data-control": "stop-hint", text: "interrupt the kernel (■) to stop: history and parameters are kept" });
  const bar = el("div", { class: "fcnn-training" }, [progress, text, stop, hint]);
  let requested = false;
  stop.addEventListener("click", () => { requested = true; stop.disabled = true; onStop(); });
  function show(p) {
    p = p || {};
    const running = Boolean(p.running);
    if (!running) requested = false;
    bar.hidden = !running && !p.stopped;
    // A foreground fit on a kernel that cannot poll never sees the click: offer the
    // kernel's interrupt instead (training keeps its history and parameters).
    const reachable = p.stop_reachable !== false;
    stop.hidden = !running || !reachable;
    stop.disabled = requested;
    hint.hidden = !running || reachable;
    progress.max = String(Math.max(1, p.total || 1));
    progress.value = String(p.done || 0);
    const counter = `epoch ${p.epoch ?? 0} (${p.done || 0}/${p.total || 0} this run)`;
    text.textContent = running
      ? `training… ${counter} ${formatSeconds(p.seconds_left)}`
      : p.stopped ? `training ${p.stopped} at epoch ${p.epoch}` : "";
    error.textContent = p.error || "";
    error.hidden = !p.error;
  }
  return { bar, error, show };
}
