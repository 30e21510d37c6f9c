// A population's loss chart (fcnn_widget/population_chart.py), under the drawn member: the
// member curve nearest the pointer names itself on hover, and a click draws that member
// (the kernel's `member` trait; the kernel sends the new picture).

/** A polyline's points as [[x, y], ...] in picture units. */
export function pointsOf(text) {
  const out = [];
  for (const pair of (text || "").trim().split(/\s+/)) {
    const [x, y] = pair.split(",").map(Number);
    if (Number.isFinite(x) && Number.isFinite(y)) out.push([x, y]);
  }
  return out;
}

/** The height of a polyline at `x`, linear between its points; null outside its span. */
export function heightAt(points, x) {
  if (points.length === 0 || x < points[0][0] || x > points[points.length - 1][0]) return null;
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] <= x) lo = mid; else hi = mid;
  }
  const [x0, y0] = points[lo], [x1, y1] = points[hi];
  return x1 === x0 ? Math.min(y0, y1) : y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
}

/** Of the curves ({member, points}), the one nearest (x, y) in height at x, or null. */
export function nearestCurve(curves, x, y) {
  let best = null;
  let distance = Infinity;
  for (const curve of curves) {
    const at = heightAt(curve.points, x);
    if (at !== null && Math.abs(at - y) < distance) { best = curve; distance = Math.abs(at - y); }
  }
  return best;
}

/** The member curve under a mouse event (the nearest inside the chart's frame), or null. */
export function curveAt(svg, event) {
  const chart = svg && svg.querySelector('g[data-role="population-chart"]');
  const frame = chart && chart.querySelector('rect[data-role="population-frame"]');
  const ctm = frame && svg.getScreenCTM();
  if (!ctm) return null;
  const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
  const [fx, fy, fw, fh] = ["x", "y", "width", "height"].map((k) => Number(frame.getAttribute(k)));
  if (p.x < fx || p.x > fx + fw || p.y < fy || p.y > fy + fh) return null;
  const curves = Array.from(chart.querySelectorAll('polyline[data-role="member-curve"]'), (el) => ({ el, points: pointsOf(el.getAttribute("points")) }));
  const found = nearestCurve(curves, p.x, p.y);
  return found ? found.el : null;
}

const LOOK = ["stroke", "stroke-opacity", "stroke-width"];

/** Draw `member`'s curve as the drawn one at once (the kernel's picture follows): it takes
 * the drawn curve's look and its place on top; the old one takes the faint look. */
export function markDrawn(svg, member) {
  const chart = svg.querySelector('g[data-role="population-chart"]');
  const old = chart && chart.querySelector('polyline[data-drawn="1"]');
  const now = chart && chart.querySelector(`polyline[data-role="member-curve"][data-member="${member}"]`);
  if (!old || !now || old === now) return;
  const looks = [old, now].map((el) => LOOK.map((k) => el.getAttribute(k)));
  [now, old].forEach((el, i) => LOOK.forEach((k, j) => (looks[i][j] === null ? el.removeAttribute(k) : el.setAttribute(k, looks[i][j]))));
  old.dataset.drawn = "0";
  now.dataset.drawn = "1";
  old.after(now); // the drawn curve lies on top, where the old one was
  chart.dataset.member = String(member);
}
