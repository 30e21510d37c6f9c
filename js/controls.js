// The control bar: sample slider, number box and steps, then one control per setting of
// the kernel's settings table (fcnn_widget/settings.py, sent once as `_schema`).

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.appendChild(c);
  return node;
}

/**
 * One setting's control from its schema row: a select (its choices; the palette's come from
 * `_palettes`), a checkbox or a number box. `show()` reads the trait, `read()` the control.
 * @param {{name: string, control: string, label?: string, choices?: string[], title?: string, prefix?: string}} row
 */
function settingControl(row) {
  const attrs = { "data-control": row.name, "aria-label": row.label || row.name };
  if (row.title) attrs.title = row.title;
  if (row.control === "select") {
    const input = el("select", attrs);
    for (const o of row.choices || []) input.appendChild(el("option", { value: o, text: o }));
    return { input, node: input, read: () => input.value, show: (v) => { input.value = v; } };
  }
  if (row.control === "checkbox") {
    const input = el("input", { type: "checkbox", "data-control": row.name });
    const node = el("label", { class: "fcnn-check" }, [input, document.createTextNode(" " + (row.label || row.name))]);
    return { input, node, read: () => input.checked, show: (v) => { input.checked = Boolean(v); } };
  }
  const input = el("input", { type: "number", min: "1", step: "100", ...attrs });
  const node = el("label", { class: "fcnn-check" }, [document.createTextNode(row.prefix || ""), input]);
  const read = () => Math.max(1, Math.round(Number(input.value) || 1));
  return { input, node, read, show: (v) => { input.value = String(v); } };
}

/** Whether a control applies to the shown picture (`needs` of its schema row). */
function applies(needs, meta) {
  if (needs === "plane") return Boolean(meta.plane);
  if (needs === "plane_relu") return Boolean(meta.plane) && Boolean(meta.relu_family);
  return true;
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
  const schema = model.get("_schema") || [];
  const controls = schema.map((row) => ({ row, ...settingControl(row) }));
  const groups = new Map();
  for (const c of controls) {
    if (!groups.has(c.row.group)) groups.set(c.row.group, el("span", { class: "fcnn-group" }, [el("span", { text: c.row.group })]));
    groups.get(c.row.group).appendChild(c.node);
  }
  const bar = el("div", { class: "fcnn-controls" }, [
    el("span", { class: "fcnn-group" }, [el("span", { text: "sample" }), prev, slider, next, box, count]),
    ...groups.values(),
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
  for (const c of controls) c.input.addEventListener("change", () => onSet(c.row.name, c.read()));

  function showSample(s) {
    const [lo, hi] = limits();
    slider.min = box.min = String(lo);
    slider.max = box.max = String(hi);
    slider.value = String(s);
    if (document.activeElement !== box) box.value = String(s); // never under the user's typing
    count.textContent = `of ${n()}`;
  }
  function showSettings() {
    const meta = model.get("_meta");
    for (const c of controls) {
      if (c.row.name === "palette") {
        const names = model.get("_palettes").slice();
        if (!names.includes(model.get("palette"))) names.unshift(model.get("palette"));
        c.input.replaceChildren(...names.map((o) => el("option", { value: o, text: o })));
      }
      c.show(model.get(c.row.name));
      c.node.hidden = !applies(c.row.needs, meta);
    }
  }
  return { bar, showSample, showSettings, step, keys: schema.map((row) => row.name) };
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
    text.textContent = running && p.task // a render (save_animation): its frames
      ? `${p.task}… ${p.done || 0}/${p.total || 0} frames`
      : running
      ? `training… ${counter} ${formatSeconds(p.seconds_left)}`
      : p.stopped ? `training ${p.stopped} at epoch ${p.epoch}` : "";
    error.textContent = p.error || "";
    error.hidden = !p.error;
  }
  return { bar, error, show };
}
