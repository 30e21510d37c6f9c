// The analysis parts of the picture that follow the sample: the local linear formula and
// the marks (ring and badge) on ReLU units that are off (overlays.py in Python draws them the same way).
import { rowOf } from "./data.js";
import { fixed } from "./format.js";
import { formulaText, offVisibility } from "./rules.js";

/** The affine map (out x (d + 1) floats) of sample s or grid point g. */
export function mapAt(buffer, index, meta) {
  const out = meta.widths[meta.widths.length - 1];
  const size = out * (meta.widths[0] + 1);
  return buffer.subarray(index * size, (index + 1) * size);
}

export function indexAnalysis(svg) {
  return {
    formulas: Array.from(svg.querySelectorAll('text[data-role="formula"]')).map((el) => ({ el, j: Number(el.dataset.output) })),
    offMarks: Array.from(svg.querySelectorAll("g[data-off]")).map((el) => {
      const [k, i] = el.dataset.off.split("-").map(Number);
      return { el, slot: `z${k}`, index: i };
    }),
  };
}

/** Formulas of the frame's epoch (dimmed while another epoch is shown); off marks of src. */
export function restyleAnalysis(parts, state, src) {
  const { meta } = state;
  const d = meta.widths[0] + 1;
  if (state.local.length) {
    const map = mapAt(state.local, rowOf(state, src.sample), meta);
    const stale = src.epoch !== meta.epoch;
    for (const f of parts.formulas) {
      f.el.textContent = formulaText(map.subarray(f.j * d, (f.j + 1) * d), meta.formula_lhs[f.j]);
      if (stale) f.el.setAttribute("fill-opacity", "0.4");
      else f.el.removeAttribute("fill-opacity");
    }
  }
  for (const m of parts.offMarks) {
    m.el.setAttribute("visibility", offVisibility(src.value(m.slot, m.index)));
  }
}

/** The plane's grid point nearest to a point (its index), or -1 off the grid. */
export function gridIndex(state, point) {
  const { meta } = state;
  const n = meta.grid_n;
  if (!n || !meta.plane) return -1;
  const [x0, x1, y0, y1] = meta.plane.domain;
  const j = Math.round(((point[0] - x0) / (x1 - x0)) * (n - 1));
  const i = Math.round(((point[1] - y0) / (y1 - y0)) * (n - 1));
  return i < 0 || j < 0 || i >= n || j >= n ? -1 : i * n + j;
}

/** While the pointer is over the plane: the network's off marks of the region there (the
 * exact region `region` when the pointer is over one of its polygons, else the grid's). */
export function showRegionPattern(parts, state, point, region = -1) {
  const g = gridIndex(state, point);
  if ((g < 0 && region < 0) || !state.regionPatterns.length) return false;
  const hidden = state.meta.widths.slice(1, -1);
  const row = (region >= 0 ? region : state.regionIds[g]) * hidden.reduce((a, b) => a + b, 0);
  const starts = hidden.map((_, k) => hidden.slice(0, k).reduce((a, b) => a + b, 0));
  for (const m of parts.offMarks) {
    const on = state.regionPatterns[row + starts[Number(m.slot.slice(1)) - 1] + m.index];
    m.el.setAttribute("visibility", on ? "hidden" : "visible");
  }
  return true;
}

/** Hover text for a point of the plane: its region and local map (the kernel's grid), or
 * the exact region's map and pattern when the pointer is over its polygon. */
export function describePoint(state, point, region = -1, pattern = "") {
  const { meta } = state;
  if (region >= 0 && state.regionMaps.length) {
    const d = meta.widths[0] + 1;
    const map = mapAt(state.regionMaps, region, meta);
    const lines = [];
    for (let o = 0; o < meta.formula_lhs.length && o < 4; o++) {
      lines.push(formulaText(map.subarray(o * d, (o + 1) * d), meta.formula_lhs[o]));
    }
    const where = `at x₁ = ${fixed(point[0], 2)}, x₂ = ${fixed(point[1], 2)}`;
    return `${where}, region ${region} (exact linear region):\n${lines.join("\n")}\npattern ${pattern}`;
  }
  const g = gridIndex(state, point);
  if (g < 0 || !state.gridLocal.length) return null;
  const d = meta.widths[0] + 1;
  const map = mapAt(state.gridLocal, g, meta);
  const where = `at x₁ = ${fixed(point[0], 2)}, x₂ = ${fixed(point[1], 2)}`;
  const regionText = state.regionIds.length ? `, region ${state.regionIds[g]}` : "";
  const kind = meta.relu_family ? "local linear map" : "local linearisation";
  const lines = [];
  for (let o = 0; o < meta.formula_lhs.length && o < 4; o++) {
    lines.push(formulaText(map.subarray(o * d, (o + 1) * d), meta.formula_lhs[o]));
  }
  return `${where}${regionText} (${kind}):\n${lines.join("\n")}`;
}
