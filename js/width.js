// The widget follows its cell's width: the page reports how wide the widget is shown
// (`_page_width`, in steps of WIDTH_STEP px, once resizing settles) and the kernel lays the
// picture out for it (fcnn_widget/layout.py: the wide arrangement when it fits, else the
// narrow one), so its text stays readable instead of being scaled down.
export const WIDTH_STEP = 20;
const SETTLE_MS = 200;

/** The width to report for an element `px` wide: whole steps, never more than it has. */
export function reportedWidth(px) {
  return px > 0 ? Math.floor(px / WIDTH_STEP) * WIDTH_STEP : 0;
}

/** Report el's width to the model's `_page_width` whenever it settles; returns the stop. */
export function followWidth(el, report) {
  let timer = null;
  let last = -1;
  const measure = () => {
    const width = reportedWidth(el.clientWidth);
    if (width > 0 && width !== last) { last = width; report(width); }
  };
  const observer = new ResizeObserver(() => { clearTimeout(timer); timer = setTimeout(measure, SETTLE_MS); });
  observer.observe(el);
  return () => { clearTimeout(timer); observer.disconnect(); };
}
