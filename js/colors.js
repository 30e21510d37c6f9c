// A value and its range to a lookup-table entry: the arithmetic of colors.lut_index in Python.
// The tables themselves (sampled from matplotlib) and the ranges come from the kernel.

export function lutIndex(v, lo, hi, size) {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  return Math.min(size - 1, Math.max(0, Math.floor(t * (size - 1) + 0.5)));
}

/** Fill and label ink of a value; non-finite values get the picture's hatch pattern. */
export function fillAndInk(v, lo, hi, meta) {
  if (!Number.isFinite(v)) return [`url(#${meta.uid}-nonfinite)`, "#111111"];
  const i = lutIndex(v, lo, hi, meta.colors.length);
  return [meta.colors[i], meta.ink[i]];
}

/** Stroke and width of an edge (picture.edge_style in Python). */
export function edgeStyle(w, lo, hi, meta) {
  if (!Number.isFinite(w)) return ["#d0006f", "2.00"];
  const biggest = Math.max(Math.abs(lo), Math.abs(hi)) || 1.0;
  const i = lutIndex(w, lo, hi, meta.colors.length);
  return [meta.colors[i], (0.6 + 3.4 * Math.min(1.0, Math.abs(w) / biggest)).toFixed(2)];
}
