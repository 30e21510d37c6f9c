// @ts-check
// The kernel's buffers as typed arrays, and the two sources a picture is coloured from:
// the shown frame (every sample at one epoch) and the timeline (one sample at every epoch).
import { arrayOf } from "./codec.js";
import { DARK_INK, INK_LETTERS, timelineRow } from "./rules.js";

/**
 * What the kernel sends besides arrays, as `_meta` (fcnn_widget/state.py, class Meta).
 * @typedef {object} Meta
 * @property {string[]} formula_lhs  the left side of each output's local formula
 * @property {string[] | null} class_names  a classifier's class names (null: not a classifier)
 * @property {number} grid_n  points per axis of the plane's grid (0: no plane)
 * @property {boolean} relu_family
 * @property {number[]} x_range  the input panel's colour range
 * @property {string} uid  the picture's id prefix
 * @property {number} n_samples
 * @property {number} n_cols  columns of `_values`: x, then z and a of every layer
 * @property {number} n_params  floats of `_params`: W then b per layer
 * @property {number[]} widths
 * @property {string[]} slots
 * @property {Object<string, number>} offsets  first column of each slot in `_values`
 * @property {Object<string, number>} slot_group  the colour-range group of each slot
 * @property {string[]} group_names
 * @property {number} range_rows  rows of `_ranges`: 1, or one per sample
 * @property {string} task
 * @property {string} activation
 * @property {number} target_width
 * @property {string} palette  the page colours with `_luts[palette]`
 * @property {boolean} recolourable  no palette-coloured image: the page may recolour in place
 * @property {number} epoch  the epoch the arrays show
 * @property {number[]} chart  the loss chart's rectangle
 * @property {{rect: number[], domain: number[]} | null} plane
 * @property {number[]} [sample_limits]  a saved page: the samples it holds
 */

const floats = (b) => arrayOf(b, "float32");
const ints = (b) => arrayOf(b, "int32");

/** Split flat parameters (W then b per layer, W row-major (in, out)) into layers. */
function layers(flat, widths) {
  const out = [];
  let at = 0;
  for (let k = 1; k < widths.length; k++) {
    const nIn = widths[k - 1], nOut = widths[k];
    const W = flat.subarray(at, at + nIn * nOut); at += nIn * nOut;
    const b = flat.subarray(at, at + nOut); at += nOut;
    out.push({ W, b, nIn, nOut });
  }
  return out;
}

const decoded = new Map(); // decodeLut per table sent, by its text

/** The palette table the kernel drew the frame with, decoded once. */
function frameLut(model, meta) {
  const lut = (model.get("_luts") || {})[meta.palette];
  // Widget state saved by an earlier version carries its table in the meta.
  if (!lut) return { colors: meta.colors || ["#999999"], ink: meta.ink || [DARK_INK] };
  if (!decoded.has(lut.colors)) decoded.set(lut.colors, decodeLut(lut));
  return decoded.get(lut.colors);
}

/** Everything the page reads, decoded once per change of the kernel's state. */
export function readState(model) {
  const { colors, ink } = frameLut(model, model.get("_meta"));
  const meta = { ...model.get("_meta"), colors, ink };
  const history = floats(model.get("_history"));
  const trained = history.length / 2;
  return {
    meta,
    values: floats(model.get("_values")),
    ranges: floats(model.get("_ranges")),
    targets: floats(model.get("_targets")),
    params: layers(floats(model.get("_params")), meta.widths),
    timeline: floats(model.get("_timeline")),
    local: floats(model.get("_local")),
    gridLocal: floats(model.get("_grid_local")),
    regionIds: ints(model.get("_region_ids")),
    regionPatterns: arrayOf(model.get("_region_patterns"), "uint8"),
    regionMaps: floats(model.get("_region_maps")), // (regions, out, 3) when drawn exactly
    timelineSample: model.get("_timeline_sample"),
    window: model.get("_window") || [0, meta.n_samples], // the samples the buffers hold
    epochs: ints(model.get("_epochs")),
    loss: history.subarray(0, trained),
    testLoss: history.subarray(trained),
  };
}

/** The row of `sample` in the per-sample buffers (values, local maps, targets, per-sample
 * ranges), which hold the kernel's window of samples; -1 outside it (not in the page yet). */
export function rowOf(state, sample) {
  const [first, length] = state.window;
  const row = sample - first;
  return row >= 0 && row < length && (row + 1) * state.meta.n_cols <= state.values.length ? row : -1;
}

/** A palette's table as colors.page_lut sends it: { colors, ink, diverging }, arrays of "#rrggbb". */
export function decodeLut(lut) {
  const colors = [];
  for (let i = 0; i < lut.colors.length; i += 6) colors.push(`#${lut.colors.slice(i, i + 6)}`);
  const ink = Array.from(lut.ink, (c) => INK_LETTERS[c]);
  return { colors, ink, diverging: lut.diverging };
}

export function slotOf(kind, layer) {
  return kind === "x" ? "x0" : `${kind}${layer}`;
}

/** Values, parameters and ranges of the frame the kernel last drew, for one sample. */
export function frameSource(state, sample) {
  const { meta, values, ranges } = state;
  const at = rowOf(state, sample);
  const row = meta.range_rows > 1 ? at : 0;
  const nGroups = meta.group_names.length;
  return {
    sample,
    epoch: meta.epoch,
    value: (slot, i) => values[at * meta.n_cols + meta.offsets[slot] + i],
    groupRange: (g) => [ranges[(row * nGroups + g) * 2], ranges[(row * nGroups + g) * 2 + 1]],
    range(slot) { return this.groupRange(meta.slot_group[slot]); },
    params: state.params,
  };
}

/** The same for `sample` at the timeline's `index`-th epoch (the kernel packed it). */
export function timelineSource(state, sample, index) {
  const { meta } = state;
  const parts = timelineRow(meta.n_cols, meta.n_params, meta.group_names.length);
  const row = state.timeline.subarray(index * parts.stride, (index + 1) * parts.stride);
  const ranges = row.subarray(...parts.ranges);
  return {
    sample,
    epoch: state.epochs[index],
    value: (slot, i) => row[meta.offsets[slot] + i],
    groupRange: (g) => [ranges[2 * g], ranges[2 * g + 1]],
    range(slot) { return this.groupRange(meta.slot_group[slot]); },
    params: layers(row.subarray(...parts.params), meta.widths),
  };
}

/** Whether the timeline holds `sample` and has `stride`-sized rows for every epoch. */
export function timelineFits(state, sample) {
  const { meta } = state;
  const { stride } = timelineRow(meta.n_cols, meta.n_params, meta.group_names.length);
  return state.timelineSample === sample && state.timeline.length === stride * state.epochs.length;
}
