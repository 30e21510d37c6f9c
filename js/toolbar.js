// The picture's toolbar: download it as SVG or as PNG (1x/2x/3x), or copy it to the clipboard.
// Everything happens in the page (no kernel, no network), so it works in JupyterLab and in a
// saved standalone page alike.

const SCALES = [1, 2, 3];
const STATUS_MS = 1800;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

/** The picture as a standalone SVG file: the live element (as the page shows it) as XML. */
export function svgText(svg) {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg) + "\n";
}

/** The picture's size in CSS pixels: its width/height attributes, else its viewBox. */
export function svgSize(svg) {
  const box = (svg.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
  const size = (name, i) => {
    const v = parseFloat(svg.getAttribute(name));
    return Number.isFinite(v) && v > 0 ? v : box.length === 4 && box[i] > 0 ? box[i] : 300;
  };
  return { width: size("width", 2), height: size("height", 3) };
}

/** Rasterise the picture at `scale` into a PNG blob (SVG image -> canvas -> toBlob). */
export async function pngBlob(svg, scale) {
  const { width, height } = svgSize(svg);
  const image = new Image();
  const loaded = new Promise((resolve, reject) => {
    image.onload = resolve;
    image.onerror = () => reject(new Error("the browser could not draw the SVG"));
  });
  // A data URL (not a blob URL) keeps the canvas untainted in every browser that allows it.
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(svg));
  await loaded;
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the canvas gave no PNG"))), "image/png");
  });
}

/** Save a blob through a temporary, hidden <a download> (in the document for old Firefox). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name, hidden: "" });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Copy the picture: as a PNG image where the browser can, else as SVG text. */
export async function copyPicture(svg, scale) {
  const clip = navigator.clipboard;
  if (clip && typeof clip.write === "function" && typeof ClipboardItem !== "undefined") {
    try {
      // A promise inside the item keeps the user's gesture valid while the PNG renders.
      await clip.write([new ClipboardItem({ "image/png": pngBlob(svg, scale) })]);
      return "png";
    } catch (err) {
      console.debug("fcnn-widget: PNG copy failed, copying SVG text", err);
    }
  }
  const text = svgText(svg);
  if (clip && typeof clip.writeText === "function") {
    await clip.writeText(text);
    return "svg";
  }
  const area = el("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("the clipboard is not available here");
  return "svg";
}

/**
 * Build the toolbar. `picture()` returns the shown <svg> (or null); `name()` a file name
 * without extension, such as "fcnn-sample10".
 */
export function buildToolbar({ picture, name }) {
  const svgButton = el("button", { "data-control": "download-svg", title: "download the picture as SVG" }, "SVG");
  const pngButton = el("button", { "data-control": "download-png", title: "download the picture as PNG" }, "PNG");
  const scale = el("select", { "data-control": "png-scale", "aria-label": "PNG scale", title: "PNG size" });
  for (const s of SCALES) scale.appendChild(el("option", { value: String(s) }, `${s}x`));
  scale.value = "2";
  const copyButton = el("button", { "data-control": "copy", title: "copy the picture (PNG, else SVG text)" }, "Copy");
  const status = el("span", { class: "fcnn-toolbar-status", "data-control": "toolbar-status", role: "status" });
  const bar = el("span", { class: "fcnn-group fcnn-toolbar" });
  bar.append(svgButton, pngButton, scale, copyButton, status);

  let timer = null;
  function say(text, kind) {
    clearTimeout(timer);
    status.textContent = text;
    status.dataset.state = kind;
    timer = setTimeout(() => { status.textContent = ""; status.dataset.state = ""; }, STATUS_MS);
  }
  function current() {
    const svg = picture();
    if (!svg) throw new Error("no picture yet");
    return svg;
  }
  async function run(button, action) {
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      console.warn("fcnn-widget:", err);
      say(`failed: ${err && err.message ? err.message : err}`, "error");
    } finally {
      button.disabled = false;
    }
  }
  const svgFile = () => new Blob([svgText(current())], { type: "image/svg+xml" });
  svgButton.addEventListener("click", () => run(svgButton, async () => download(svgFile(), `${name()}.svg`)));
  pngButton.addEventListener("click", () => run(pngButton, async () => {
    const s = Number(scale.value) || 1;
    download(await pngBlob(current(), s), `${name()}${s === 1 ? "" : `@${s}x`}.png`);
  }));
  copyButton.addEventListener("click", () => run(copyButton, async () => {
    const kind = await copyPicture(current(), Number(scale.value) || 1);
    say(kind === "png" ? "copied" : "copied as SVG", "ok");
  }));
  return { bar };
}
