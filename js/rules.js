// @ts-check
// The drawing rules the kernel's picture follows, for restyling it in the page: the mirror of
// fcnn_widget/rules.py, function for function, as pure functions of plain values (no DOM).
// tests/golden/rules.json holds the answers of both sides on the same inputs
// (js/rules.test.js checks this file against it with `node --test`).
import { fixed } from "./format.js";

export const ACCENT = "#d0006f"; // non-finite values and the epoch marker
export const DARK_INK = "#111111";
export const LIGHT_INK = "#ffffff";
/** @type {Record<string, string>} a palette's ink as the page's table spells it */
export const INK_LETTERS = { d: DARK_INK, l: LIGHT_INK };
export const LUT_SIZE = 256;
const SUB = "₀₁₂₃₄₅₆₇₈₉";
const SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** The table entry of `v` in [lo, hi] (clipped; a flat range gives the middle). */
export function lutIndex(v, lo, hi, size = LUT_SIZE) {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return Math.min(size - 1, Math.max(0, Math.floor(t * (size - 1) + 0.5)));
}

/** The fill of a NaN or ±Inf neuron or bias: the picture's hatch pattern. */
export function nonfiniteFill(uid) {
  return `url(#${uid}-nonfinite)`;
}

/**
 * A neuron's fill and its label's ink from the palette table.
 * @param {number} v @param {number} lo @param {number} hi
 * @param {string[]} colors @param {string[]} ink @param {string} uid
 * @returns {[string, string]}
 */
export function fillAndInk(v, lo, hi, colors, ink, uid) {
  if (!Number.isFinite(v)) return [nonfiniteFill(uid), DARK_INK];
  const i = lutIndex(v, lo, hi, colors.length);
  return [colors[i], ink[i]];
}

/**
 * An edge's stroke and width (the width grows with |w| up to the range's largest |w|).
 * @returns {[string, string]}
 */
export function edgeStyle(w, lo, hi, colors) {
  if (!Number.isFinite(w)) return [ACCENT, "2.00"];
  const biggest = Math.max(Math.abs(lo), Math.abs(hi)) || 1.0;
  const stroke = colors[lutIndex(w, lo, hi, colors.length)];
  return [stroke, fixed(0.6 + 3.4 * Math.min(1.0, Math.abs(w) / biggest), 2)];
}

/** A weight-matrix cell's fill: the edge's colour. */
export function cellFill(w, lo, hi, colors) {
  return edgeStyle(w, lo, hi, colors)[0];
}

export function subscript(n) {
  return String(n).replace(/\d/g, (d) => SUB[Number(d)]);
}

/** Layer k as a superscript in parentheses: layerMark(2) is "⁽²⁾". */
export function layerMark(k) {
  return `⁽${String(k).replace(/\d/g, (d) => SUP[Number(d)])}⁾`;
}

export function sampleCaption(sample, nSamples) {
  return `sample ${sample} of ${nSamples}`;
}

export function epochCaption(epoch, trained) {
  return `epoch ${epoch} of ${trained}`;
}

/** Which target column stands beside output neuron j. */
export function targetColumn(task, j) {
  return task === "regression" ? j : 0;
}

/** What stands beside output neuron j, whose target is y. */
export function targetText(task, y, j) {
  if (task === "multiclass") return Math.trunc(y) === j ? "◀ y" : "";
  if (task === "binary") return `y = ${Math.trunc(y)}`;
  return `y = ${fixed(y, 2)}`;
}

/** The class a classifier picks: its largest finite output (the first of equals); -1 if none. */
export function predictedClass(outputs) {
  let best = -1;
  for (let j = 0; j < outputs.length; j++) {
    const v = outputs[j];
    if (Number.isFinite(v) && (best < 0 || v > outputs[best])) best = j;
  }
  return best;
}

/**
 * The mark beside output neuron j and its colour: "◀ y" true class, "◀ ŷ" predicted (in
 * the accent colour when it is not the true one), "◀ y = ŷ" when they agree.
 * @returns {[string, string]}
 */
export function classMark(y, j, predicted) {
  const truth = Number.isFinite(y) ? targetText("multiclass", y, j) : "";
  if (predicted !== j) return [truth, "currentColor"];
  return truth ? [`${truth} = ŷ`, "currentColor"] : ["◀ ŷ", ACCENT];
}

/** The input panel's title: the true and the predicted class where known ("": unknown). */
export function inputTitle(nValues, trueName, predictedName) {
  if (!predictedName) return `input x of the sample (${nValues} values)`;
  if (!trueName) return `input: predicted ${predictedName}`;
  const tick = trueName === predictedName ? "✓" : "✗";
  return `input: true ${trueName}, predicted ${predictedName} ${tick}`;
}

/** `lhs ≈ c₁·x₁ + … + c₀` with 3 decimals (the intercept comes last in `coefs`). */
export function formulaText(coefs, lhs) {
  const parts = [];
  for (let i = 0; i < coefs.length - 1; i++) {
    const c = coefs[i];
    const term = `${fixed(Math.abs(c), 3)}·x${subscript(i + 1)}`;
    parts.push(parts.length ? `${c < 0 ? "−" : "+"} ${term}` : `${c < 0 ? "-" : ""}${term}`);
  }
  const c0 = coefs[coefs.length - 1];
  parts.push(`${c0 < 0 ? "−" : "+"} ${fixed(Math.abs(c0), 3)}`);
  return `${lhs} ≈ ${parts.join(" ")}`;
}

/** The off mark (ring and badge) of a ReLU-family unit: shown when it is off (not z > 0). */
export function offVisibility(z) {
  return z > 0 ? "hidden" : "visible";
}

/** Where the loss chart [x, y, w, h] marks the shown epoch: loss[e - 1] belongs to epoch e. */
export function epochMarkerX(epoch, trained, chart) {
  const [x, , w] = chart;
  return x + (Math.max(0, epoch - 1) / Math.max(1, trained - 1)) * w;
}

/**
 * Pixel position of input (x, y) in the plane drawn at rect [px, py, pw, ph] over domain
 * [x0, x1, y0, y1]; y grows upwards.
 * @returns {[number, number]}
 */
export function ringPosition(x, y, rect, domain) {
  const [px, py, pw, ph] = rect;
  const [x0, x1, y0, y1] = domain;
  return [px + ((x - x0) / (x1 - x0)) * pw, py + (1 - (y - y0) / (y1 - y0)) * ph];
}

/**
 * Where the parts of one epoch's timeline row sit, in float32 items.
 * @returns {{values: number[], params: number[], ranges: number[], stride: number}}
 */
export function timelineRow(nCols, nParams, nGroups) {
  const head = nCols + nParams;
  const stride = head + 2 * nGroups;
  return { values: [0, nCols], params: [nCols, head], ranges: [head, stride], stride };
}
