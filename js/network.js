// Restyle what a sample changes in the kernel-built picture: neuron fills, labels and
// data-value, the target, the caption and per-sample ranges. Edges and biases are left alone
// unless a per-sample range also colours them (norm "global" with scope "sample").
import { exact, fixed } from "./format.js";
import { edgeStyle, fillAndInk } from "./colors.js";
import { nodeValue, rangeOf, slotOf } from "./data.js";

/** Find the picture's sample-dependent elements once per picture. */
export function indexPicture(svg) {
  const pick = (sel) => Array.from(svg.querySelectorAll(sel));
  const labels = new Map(pick("text[data-label]").map((t) => [t.dataset.label, t]));
  return {
    svg,
    neurons: pick("circle[data-kind]").map((el) => ({
      el,
      slot: slotOf(el.dataset.kind, el.dataset.layer),
      index: Number(el.dataset.index),
      label: labels.get(`${el.dataset.kind}-${el.dataset.layer}-${el.dataset.index}`) || null,
    })),
    targets: pick("text[data-target]").map((el) => ({ el, index: Number(el.dataset.target) })),
    caption: svg.querySelector('text[data-role="sample"]'),
    rangeTexts: pick("text[data-range]"),
    edges: pick('line[data-kind="w"]'),
    biases: pick('rect[data-kind="b"]'),
  };
}

export function restyle(pic, state, sample) {
  const { meta } = state;
  for (const n of pic.neurons) {
    const v = nodeValue(state, sample, n.slot, n.index);
    const [lo, hi] = rangeOf(state, sample, n.slot);
    const [fill, ink] = fillAndInk(v, lo, hi, meta);
    n.el.setAttribute("data-value", exact(v));
    n.el.setAttribute("fill", fill);
    if (n.label) {
      n.label.textContent = fixed(v, 2);
      n.label.setAttribute("fill", ink);
    }
  }
  for (const t of pic.targets) t.el.textContent = targetText(state, sample, t.index);
  if (pic.caption) pic.caption.textContent = `sample ${sample} of ${meta.n_samples}`;
  if (meta.range_rows > 1) {
    restyleRanges(pic, state, sample);
    if (paramsShareNodeRange(meta)) restyleParams(pic, state, sample);
  }
}

/** The text beside output neuron j (picture.target_text in Python). */
export function targetText(state, sample, j) {
  const { meta, targets } = state;
  const width = meta.target_width;
  if (!width) return "";
  const y = targets[sample * width + (meta.task === "regression" ? j : 0)];
  if (meta.task === "multiclass") return Math.trunc(y) === j ? "◀ y" : "";
  if (meta.task === "binary") return `y = ${Math.trunc(y)}`;
  return `y = ${fixed(y, 2)}`;
}

function restyleRanges(pic, state, sample) {
  const { meta, ranges } = state;
  const nGroups = meta.group_names.length;
  for (const t of pic.rangeTexts) {
    const at = (sample * nGroups + Number(t.dataset.range)) * 2 + (t.dataset.end === "hi" ? 1 : 0);
    t.textContent = fixed(ranges[at], 2);
  }
}

function paramsShareNodeRange(meta) {
  const nodeGroups = new Set(meta.slots.map((s) => meta.slot_group[s]));
  return Object.entries(meta.slot_group).some(([slot, g]) => "wb".includes(slot[0]) && nodeGroups.has(g));
}

function restyleParams(pic, state, sample) {
  for (const el of pic.edges) {
    const k = Number(el.dataset.layer);
    const { W, nOut } = state.params[k - 1];
    const w = W[Number(el.dataset.from) * nOut + Number(el.dataset.to)];
    const [lo, hi] = rangeOf(state, sample, `w${k}`);
    const [stroke, width] = edgeStyle(w, lo, hi, state.meta);
    el.setAttribute("stroke", stroke);
    el.setAttribute("stroke-width", width);
  }
  for (const el of pic.biases) {
    const k = Number(el.dataset.layer);
    const b = state.params[k - 1].b[Number(el.dataset.index)];
    const [lo, hi] = rangeOf(state, sample, `b${k}`);
    el.setAttribute("fill", fillAndInk(b, lo, hi, state.meta)[0]);
  }
}
