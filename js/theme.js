// Light or dark, decided by the host the widget sits in. JupyterLab themes the widget through
// its --jp-* variables (widget.css reads them). Elsewhere (marimo, VS Code, a plain page) the
// widget looks at what is behind it: the computed background of the nearest non-transparent
// ancestor, walking out of shadow roots, else the canvas (prefers-color-scheme where the page
// allows a dark color-scheme). It sets
// data-host-theme="light"|"dark" (or "jupyter"), which picks widget.css's own colours, and
// follows the host when it switches.

const DARK_QUERY = "(prefers-color-scheme: dark)";
// Attributes hosts switch themes with: a class (marimo, VS Code's vscode-dark), data-theme, style.
const THEME_ATTRIBUTES = ["class", "style", "data-theme", "data-jp-theme-light", "data-mode"];

/** WCAG relative luminance of an sRGB colour [r, g, b] (0..255). */
export function luminance([r, g, b]) {
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two sRGB colours (1..21). */
export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** A dark background: white text contrasts with it more than black text does. */
export function isDark(rgb) {
  return contrast(rgb, [255, 255, 255]) > contrast(rgb, [0, 0, 0]);
}

let probe = null;
/** Any CSS colour the browser computes (rgb(), color(srgb ...), oklch(), ...) as
 * [r, g, b, alpha] with r, g, b in 0..255 and alpha in 0..1; null if it is not one. */
export function parseColor(text) {
  const m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(text.trim());
  if (m) {
    const alpha = m[4] === undefined ? 1 : m[4].endsWith("%") ? parseFloat(m[4]) / 100 : Number(m[4]);
    return [Number(m[1]), Number(m[2]), Number(m[3]), alpha];
  }
  if (!text || text === "transparent") return text === "transparent" ? [0, 0, 0, 0] : null;
  // Other notations: let a canvas paint it and read the pixel back.
  probe ??= document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  if (!probe) return null;
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = "#010203";
  probe.fillStyle = text;
  if (probe.fillStyle === "#010203" && text.replace(/\s/g, "") !== "#010203") return null;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a / 255];
}

/** The element's parent, or the host of its shadow root when it is the root's child. */
export function parentAcrossShadow(node) {
  if (node.parentElement) return node.parentElement;
  const root = node.getRootNode && node.getRootNode();
  return root && root.host ? root.host : null;
}

/** The ancestors of `el` (not `el`), out through every shadow root, nearest first. */
export function ancestors(el) {
  const out = [];
  for (let node = parentAcrossShadow(el); node; node = parentAcrossShadow(node)) out.push(node);
  return out;
}

/** The colour behind `el`: the nearest ancestor's background that is not (almost)
 * transparent, as [r, g, b]; null if every one is transparent (the page's canvas shows). */
export function hostBackground(el) {
  for (const node of ancestors(el)) {
    const rgba = parseColor(getComputedStyle(node).backgroundColor);
    if (rgba && rgba[3] >= 0.5) return rgba.slice(0, 3);
  }
  return null;
}

/** "jupyter" where JupyterLab's theme variables reach `el`, else "dark" or "light". */
export function hostTheme(el, prefersDark = matchMedia(DARK_QUERY).matches) {
  const style = getComputedStyle(el);
  if (style.getPropertyValue("--jp-layout-color0").trim() && style.getPropertyValue("--jp-ui-font-color1").trim()) {
    return "jupyter";
  }
  const background = hostBackground(el);
  if (background) return isDark(background) ? "dark" : "light";
  // Nothing behind is painted: the browser's canvas shows, which is dark only where the page
  // allows a dark scheme (color-scheme) and the user prefers one.
  const scheme = getComputedStyle(document.documentElement).colorScheme || "";
  return prefersDark && scheme.includes("dark") ? "dark" : "light";
}

/** Keep el.dataset.hostTheme in step with the host; returns the function that stops it. */
export function followHostTheme(el) {
  const media = matchMedia(DARK_QUERY);
  const update = () => {
    const theme = hostTheme(el, media.matches);
    if (el.dataset.hostTheme !== theme) el.dataset.hostTheme = theme;
  };
  // Hosts often fade their background when they switch: look again once the fade is over.
  let again = null;
  const observer = new MutationObserver(() => {
    watch();
    update();
    clearTimeout(again);
    again = setTimeout(update, 400);
  });
  let watched = [];
  const watch = () => {
    const chain = ancestors(el);
    if (chain.length === watched.length && chain.every((node, i) => node === watched[i])) return;
    observer.disconnect();
    watched = chain;
    for (const node of chain) observer.observe(node, { attributes: true, attributeFilter: THEME_ATTRIBUTES });
  };
  // The widget is attached to the page after render returns: look again once it is.
  const settle = () => { watch(); update(); };
  const frame = requestAnimationFrame(settle);
  const late = setTimeout(settle, 500);
  media.addEventListener("change", update);
  update();
  return () => {
    cancelAnimationFrame(frame);
    clearTimeout(late);
    clearTimeout(again);
    observer.disconnect();
    media.removeEventListener("change", update);
  };
}
