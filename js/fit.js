// The picture fits its cell. Its width follows the widget's (widget.css: max-width 100%,
// height auto: the SVG keeps its aspect ratio). Some hosts also cap an output's height and
// scroll inside it (marimo edit: 610 px): there the picture shrinks until the whole widget
// fits that height, so nothing needs scrolling inside the cell.
import { parentAcrossShadow } from "./theme.js";

const MIN_PICTURE_PX = 240; // below this a picture is no use: let the host scroll instead

/** The nearest ancestor that caps its height and scrolls inside (null if none does). */
export function heightCap(el) {
  for (let node = parentAcrossShadow(el); node; node = parentAcrossShadow(node)) {
    const style = getComputedStyle(node);
    const cap = parseFloat(style.maxHeight);
    if (Number.isFinite(cap) && ["auto", "scroll"].includes(style.overflowY)) {
      const inner = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom) + parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
      return { node, height: cap - inner };
    }
    if (node === document.body) break;
  }
  return null;
}

/** Keep the picture of `el` (its figure's svg) within its host's height cap; returns the stop. */
export function fitPicture(el, figure) {
  const fit = () => {
    const svg = figure.querySelector("svg");
    if (!svg) return;
    const cap = heightCap(el);
    const others = el.getBoundingClientRect().height - svg.getBoundingClientRect().height;
    const room = cap ? Math.floor(cap.height - others) : Infinity;
    const value = Number.isFinite(room) ? `${Math.max(MIN_PICTURE_PX, room)}px` : "";
    if (svg.style.maxHeight !== value) svg.style.maxHeight = value;
  };
  const observer = new ResizeObserver(() => requestAnimationFrame(fit));
  observer.observe(el);
  return () => observer.disconnect();
}
