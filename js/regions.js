// The exact linear regions the kernel drew as polygons (fcnn_widget/region_map.py): which
// region is under the pointer, the samples inside one, and the selected sample's outline.
import { rowOf } from "./data.js";
import { ringPosition } from "./plane.js";

/** The polygons of the picture, their corners parsed once (pixel coordinates). */
export function indexRegions(svg) {
  const list = Array.from(svg.querySelectorAll('g[data-role="regions-exact"] polygon[data-region]'));
  const corners = list.map((el) => el.getAttribute("points").trim().split(/\s+/).map((p) => p.split(",").map(Number)));
  return { list, corners, outlines: Array.from(svg.querySelectorAll('polygon[data-role^="sample-region"]')) };
}

/** Whether pixel point (u, v) is inside (or on) a convex counter-clockwise polygon. The
 * picture's y axis points down, so the data's counter-clockwise turns clockwise here. */
function inside(corners, u, v) {
  let sign = 0;
  for (let i = 0; i < corners.length; i++) {
    const [x0, y0] = corners[i], [x1, y1] = corners[(i + 1) % corners.length];
    const cross = (x1 - x0) * (v - y0) - (y1 - y0) * (u - x0);
    if (Math.abs(cross) < 1e-9) continue;
    const s = Math.sign(cross);
    if (sign && s !== sign) return false;
    sign = s;
  }
  return true;
}

/** The region at a pixel point, or -1. */
export function regionAtPixel(regions, u, v) {
  for (let r = 0; r < regions.corners.length; r++) if (inside(regions.corners[r], u, v)) return r;
  return -1;
}

/** The region under a mouse event (the polygon the browser finds there), or -1. */
export function regionAt(regions, svg, event) {
  if (!regions.list.length) return -1;
  const root = svg.getRootNode();
  const finder = typeof root.elementsFromPoint === "function" ? root : document;
  for (const el of finder.elementsFromPoint(event.clientX, event.clientY)) {
    if (el.dataset && el.dataset.region !== undefined && el.dataset.role !== "sample-region") return Number(el.dataset.region);
  }
  return -1;
}

/** The sample nearest a plane point among those in the page that lie in region r; -1 if none does. */
export function nearestSampleIn(regions, state, r, point) {
  const { meta, values } = state;
  const [first] = state.window;
  let best = -1, bestD = Infinity;
  for (let s = 0; s < values.length / meta.n_cols; s++) {
    const [u, v] = ringPosition(state, first + s);
    if (!inside(regions.corners[r], u, v)) continue;
    const at = s * meta.n_cols + meta.offsets.x0;
    const dx = values[at] - point[0], dy = values[at + 1] - point[1];
    if (dx * dx + dy * dy < bestD) { bestD = dx * dx + dy * dy; best = first + s; }
  }
  return best;
}

/** Outline the region that holds the selected sample. */
export function outlineSample(regions, state, sample) {
  if (!regions.outlines.length || rowOf(state, sample) < 0) return;
  const [u, v] = ringPosition(state, sample);
  const r = regionAtPixel(regions, u, v);
  for (const outline of regions.outlines) {
    outline.setAttribute("points", r >= 0 ? regions.list[r].getAttribute("points") : "");
    outline.dataset.region = String(r);
  }
}

/** A region's pattern as text: per hidden layer, 1 for each unit on, 0 for off. */
export function patternText(state, r) {
  const hidden = state.meta.widths.slice(1, -1);
  const total = hidden.reduce((a, b) => a + b, 0);
  const row = state.regionPatterns.subarray(r * total, (r + 1) * total);
  let at = 0;
  return hidden.map((w, k) => {
    const bits = Array.from(row.subarray(at, at + w), (b) => (b ? "1" : "0")).join("");
    at += w;
    return `layer ${k + 1}: ${bits}`;
  }).join(", ");
}
