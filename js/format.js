// Numbers as text, exactly as fcnn_widget/fmt.py writes them (the picture is built there).

/** Shortest text that reads back as `v` (Python's fmt.exact mirrors Number#toString). */
export function exact(v) {
  return String(v);
}

/** `v.toFixed(digits)` with marks for non-finite values (Python's fmt.fixed). */
export function fixed(v, digits = 2) {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+∞";
  if (v === -Infinity) return "−∞";
  return v.toFixed(digits);
}
