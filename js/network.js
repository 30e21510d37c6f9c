// Restyle the kernel-built picture from a source of values (a frame or a timeline entry):
// neuron fills, labels and data-value, the target, captions and ranges; edges and biases
// only when their colours can differ (another epoch, or a per-sample range that colours them).
import { exact, fixed } from "./format.js";
import * as rules from "./rules.js";
import { rowOf, slotOf } from "./data.js";
import { indexAnalysis, restyleAnalysis } from "./analysis.js";

/** Find the picture's changeable elements once per picture. */
export function indexPicture(svg) {
  const pick = (sel) => Array.from(svg.querySelectorAll(sel));
  const labels = new Map(pick("text[data-label]").map((t) => [t.dataset.label, t]));
  return {
    svg,
    neurons: pick("circle[data-kind], image[data-kind]").map((el) => ({
      el,
      slot: slotOf(el.dataset.kind, el.dataset.layer),
      index: Number(el.dataset.index),
      label: labels.get(`${el.dataset.kind}-${el.dataset.layer}-${el.dataset.index}`) || null,
    })),
    targets: pick("text[data-target]").map((el) => ({ el, index: Number(el.dataset.target) })),
    panelTitle: svg.querySelector('text[data-role="panel-title"]'),
    sampleCaption: svg.querySelector('text[data-role="sample"]'),
    epochCaption: svg.querySelector('text[data-role="epoch"]'),
    epochMarker: svg.querySelector('line[data-role="epoch-marker"]'),
    rangeTexts: pick("text[data-range]"),
    edges: pick('line[data-kind="w"]').map((el) => ({
      el, k: Number(el.dataset.layer), from: Number(el.dataset.from), to: Number(el.dataset.to),
    })),
    biases: pick('rect[data-kind="b"]').map((el) => ({ el, k: Number(el.dataset.layer), index: Number(el.dataset.index) })),
    pixels: pick('rect[data-role="input-pixel"]').map((el) => ({ el, index: Number(el.dataset.index) })),
    cells: pick('rect[data-role="wcell"]').map((el) => ({
      el, k: Number(el.dataset.layer), from: Number(el.dataset.from), to: Number(el.dataset.to),
    })),
    stops: pick("stop[data-lut]").map((el) => ({ el, entry: Number(el.dataset.lut) })),
    analysis: indexAnalysis(svg),
  };
}

/**
 * Restyle for `src` (see data.js). `withParams` also recolours edges and biases: needed when
 * the epoch differs from the drawn frame, or a per-sample range colours them.
 */
export function restyle(pic, state, src, withParams) {
  const { meta } = state;
  for (const n of pic.neurons) {
    const v = src.value(n.slot, n.index);
    const [lo, hi] = src.range(n.slot);
    const [fill, ink] = rules.fillAndInk(v, lo, hi, meta.colors, meta.ink, meta.uid);
    n.el.setAttribute("data-value", exact(v));
    if (n.el.tagName !== "image") n.el.setAttribute("fill", fill); // response maps keep their image
    if (n.label) {
      n.label.textContent = fixed(v, 2);
      n.label.setAttribute("fill", ink);
    }
  }
  for (const p of pic.pixels) {
    const [lo, hi] = meta.x_range;
    p.el.setAttribute("fill", rules.fillAndInk(src.value("x0", p.index), lo, hi, meta.colors, meta.ink, meta.uid)[0]);
  }
  restyleTargets(pic, state, src);
  if (pic.sampleCaption) pic.sampleCaption.textContent = rules.sampleCaption(src.sample, meta.n_samples);
  if (pic.epochCaption) pic.epochCaption.textContent = rules.epochCaption(src.epoch, state.loss.length);
  if (pic.epochMarker) {
    const x = fixed(rules.epochMarkerX(src.epoch, state.loss.length, meta.chart), 2);
    pic.epochMarker.setAttribute("x1", x);
    pic.epochMarker.setAttribute("x2", x);
  }
  for (const t of pic.rangeTexts) {
    const [lo, hi] = src.groupRange(Number(t.dataset.range));
    t.textContent = fixed(t.dataset.end === "hi" ? hi : lo, 2);
  }
  if (withParams || (meta.range_rows > 1 && paramsShareNodeRange(meta))) restyleParams(pic, state, src);
  restyleAnalysis(pic.analysis, state, src);
}

/**
 * Recolour the picture with another palette's table (same ranges): every fill and stroke
 * the palette gives, so the new palette shows before the kernel's redrawn picture arrives.
 */
export function recolour(pic, state, src, lut) {
  state.meta = { ...state.meta, colors: lut.colors, ink: lut.ink };
  for (const s of pic.stops) s.el.setAttribute("stop-color", lut.colors[s.entry]);
  restyle(pic, state, src, true);
}

/**
 * The marks beside the output neurons: the target, or for a classifier the true and the
 * predicted class (rules.classMark), and the input panel's title (picture.py the same).
 */
function restyleTargets(pic, state, src) {
  const { meta } = state;
  const names = meta.class_names;
  if (!names) {
    for (const t of pic.targets) t.el.textContent = targetText(state, src.sample, t.index);
    if (pic.panelTitle) pic.panelTitle.textContent = rules.inputTitle(meta.widths[0], "", "");
    return;
  }
  const last = meta.slots[meta.slots.length - 1];
  const outputs = names.map((_, j) => src.value(last, j));
  const predicted = rules.predictedClass(outputs);
  const y = trueClass(state, src.sample);
  for (const t of pic.targets) {
    const [text, fill] = rules.classMark(y, t.index, predicted);
    t.el.textContent = text;
    t.el.setAttribute("fill", fill);
  }
  if (pic.panelTitle) {
    const known = Number.isFinite(y) && y >= 0 && Math.trunc(y) < names.length;
    pic.panelTitle.textContent = rules.inputTitle(meta.widths[0], known ? names[Math.trunc(y)] : "", predicted >= 0 ? names[predicted] : "");
  }
}

/** The sample's label (NaN without targets). */
function trueClass(state, sample) {
  const width = state.meta.target_width;
  return width ? state.targets[rowOf(state, sample) * width] : NaN;
}

/** The text beside output neuron j (picture.target_text in Python), "" with no targets. */
export function targetText(state, sample, j) {
  const { meta, targets } = state;
  const width = meta.target_width;
  if (!width) return "";
  const y = targets[rowOf(state, sample) * width + rules.targetColumn(meta.task, j)];
  return rules.targetText(meta.task, y, j);
}

function paramsShareNodeRange(meta) {
  const nodeGroups = new Set(meta.slots.map((s) => meta.slot_group[s]));
  return Object.entries(meta.slot_group).some(([slot, g]) => "wb".includes(slot[0]) && nodeGroups.has(g));
}

function restyleParams(pic, state, src) {
  for (const e of pic.edges) {
    const { W, nOut } = src.params[e.k - 1];
    const w = W[e.from * nOut + e.to];
    const [lo, hi] = src.range(`w${e.k}`);
    const [stroke, width] = rules.edgeStyle(w, lo, hi, state.meta.colors);
    e.el.setAttribute("data-value", exact(w));
    e.el.setAttribute("stroke", stroke);
    e.el.setAttribute("stroke-width", width);
  }
  for (const c of pic.cells) {
    const { W, nOut } = src.params[c.k - 1];
    const w = W[c.from * nOut + c.to];
    const [lo, hi] = src.range(`w${c.k}`);
    c.el.setAttribute("data-value", exact(w));
    c.el.setAttribute("fill", rules.cellFill(w, lo, hi, state.meta.colors));
  }
  for (const b of pic.biases) {
    const v = src.params[b.k - 1].b[b.index];
    const [lo, hi] = src.range(`b${b.k}`);
    b.el.setAttribute("data-value", exact(v));
    const { colors, ink, uid } = state.meta;
    b.el.setAttribute("fill", rules.fillAndInk(v, lo, hi, colors, ink, uid)[0]);
  }
}
