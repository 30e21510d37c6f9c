// The input plane: the ring around the selected sample, and clicking to pick the nearest one.
import { rowOf } from "./data.js";
import { fixed } from "./format.js";
import * as rules from "./rules.js";

/** Pixel position of a sample (picture.ring_position in Python). */
export function ringPosition(state, sample) {
  const { meta, values } = state;
  const at = rowOf(state, sample) * meta.n_cols + meta.offsets.x0;
  return rules.ringPosition(values[at], values[at + 1], meta.plane.rect, meta.plane.domain);
}

export function moveRing(svg, state, sample) {
  if (!state.meta.plane) return;
  const [cx, cy] = ringPosition(state, sample);
  for (const ring of svg.querySelectorAll('circle[data-role^="ring"]')) {
    ring.setAttribute("cx", fixed(cx, 2));
    ring.setAttribute("cy", fixed(cy, 2));
  }
}

/** The plane point under a mouse event, in data coordinates, or null outside the plane. */
export function eventToData(svg, state, event) {
  if (!state.meta.plane) return null;
  const ctm = svg.getScreenCTM();
  if (!ctm) return null;
  const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
  const [px, py, pw, ph] = state.meta.plane.rect;
  if (p.x < px || p.x > px + pw || p.y < py || p.y > py + ph) return null;
  const [x0, x1, y0, y1] = state.meta.plane.domain;
  return [x0 + ((p.x - px) / pw) * (x1 - x0), y0 + (1 - (p.y - py) / ph) * (y1 - y0)];
}

/** The sample nearest to a plane point, among those in the page (the kernel's window). */
export function nearestSample(state, point) {
  const { meta, values } = state;
  const [first] = state.window;
  let best = 0, bestD = Infinity;
  for (let s = 0; s < values.length / meta.n_cols; s++) {
    const at = s * meta.n_cols + meta.offsets.x0;
    const dx = values[at] - point[0], dy = values[at + 1] - point[1];
    const d = dx * dx + dy * dy;
    if (d < bestD) { bestD = d; best = s; }
  }
  return first + best;
}
