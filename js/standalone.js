// A saved page (fcnn_widget.standalone): the widget with no kernel. The state the kernel
// would have synced is inlined in the page as JSON (binary parts base64, deflated); this
// module decodes it, offers it through a minimal anywidget-compatible model and calls the
// widget's own `render` — the page runs the very same front end as JupyterLab.
//
// Palette and norm changes, which normally ask the kernel for a new picture, swap in a
// variant precomputed in Python; settings the file holds no variants for are fixed.
import widget from "./widget.js";
import compare from "./compare.js";

const STATE_SELECTOR = 'script[type="application/json"][data-fcnn-state]';
const AXES = ["palette", "norm", "norm_scope"]; // the settings a variant is chosen by
const FIXED_TITLE = "fixed when this page was saved (changing it needs the Python kernel)";

function fromBase64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function inflate(bytes, codec) {
  if (codec === "none") return bytes;
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot decompress the saved state (no DecompressionStream)");
  }
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(codec));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Python's standalone.symmetrize: (lo, hi) float32 pairs to (-m, m), m = max(|lo|, |hi|). */
function symmetrize(bytes) {
  const pairs = new Float32Array(bytes.slice().buffer);
  for (let i = 0; i < pairs.length; i += 2) {
    const m = Math.max(Math.abs(pairs[i]), Math.abs(pairs[i + 1]));
    pairs[i] = -m;
    pairs[i + 1] = m;
  }
  return new Uint8Array(pairs.buffer);
}

/** Undo standalone._by_columns: byte planes of 4-byte items, column by column, to rows. */
function fromColumns(stored, cols) {
  const rows = stored.length / 4 / cols;
  const out = new Uint8Array(stored.length);
  for (let b = 0; b < 4; b++) {
    for (let c = 0; c < cols; c++) {
      const plane = (b * cols + c) * rows;
      for (let r = 0; r < rows; r++) out[(r * cols + c) * 4 + b] = stored[plane + r];
    }
  }
  return out;
}

/**
 * Decode encoded trait values (see fcnn_widget/standalone.py, encode_state) over the
 * inflated blob: ["json", v], ["obj", chunk], ["text", chunk, 2|4] and the binary kinds
 * ["bytes", chunk], ["cols", chunk, cols], ["sym", binary], ["rows", n, [[binary, w], ...]].
 */
export function decoder(doc, blob) {
  const chunk = (i) => {
    const [at, n] = doc.chunks[i];
    return blob.subarray(at, at + n);
  };
  const utf8 = new TextDecoder();
  let tokens = null;
  const tokenTable = () => (tokens ??= JSON.parse(utf8.decode(chunk(doc.tokens))));

  function bytes(enc) {
    switch (enc[0]) {
      case "bytes": return chunk(enc[1]);
      case "cols": return fromColumns(chunk(enc[1]), enc[2]);
      case "sym": return symmetrize(bytes(enc[1]));
      case "rows": {
        const [, n, parts] = enc;
        const decoded = parts.map(([e, w]) => [bytes(e), w]);
        const out = new Uint8Array(n * decoded.reduce((sum, [, w]) => sum + w, 0));
        let at = 0;
        for (let r = 0; r < n; r++) {
          for (const [part, w] of decoded) {
            out.set(part.subarray(r * w, (r + 1) * w), at);
            at += w;
          }
        }
        return out;
      }
      default:
        throw new Error(`fcnn-widget: unknown encoding ${JSON.stringify(enc[0])}`);
    }
  }
  function text(enc) {
    const c = chunk(enc[1]);
    const width = enc[2];
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    const table = tokenTable();
    const parts = new Array(c.byteLength / width);
    let ref = 0; // stored as steps between refs, modulo 2^(8 * width)
    for (let i = 0; i < parts.length; i++) {
      ref = width === 2 ? (ref + view.getUint16(2 * i, true)) & 0xffff : (ref + view.getUint32(4 * i, true)) >>> 0;
      parts[i] = table[ref];
    }
    return parts.join("");
  }
  function decodeNew(enc) {
    if (enc[0] === "obj") return JSON.parse(utf8.decode(chunk(enc[1])));
    if (enc[0] === "text") return text(enc);
    const b = bytes(enc);
    return new DataView(b.buffer, b.byteOffset, b.byteLength); // as anywidget hands bytes
  }
  const cache = new Map();
  return function decode(enc) {
    if (enc[0] === "json") return enc[1];
    const key = JSON.stringify(enc);
    if (!cache.has(key)) cache.set(key, decodeNew(enc));
    return cache.get(key);
  };
}

/**
 * The model `render` talks to: get, set, on/off("change:name"), save_changes and send (no
 * kernel: nothing to sync). Setting palette, norm or norm_scope swaps in the saved variant.
 */
export function createModel(doc, decode) {
  const encoded = { ...doc.state };
  const values = {};
  for (const [k, enc] of Object.entries(encoded)) values[k] = decode(enc);
  // A comparison's panels travel flattened ("_panels.<i>.<key>"): the page reads a list.
  if (doc.panels) {
    values._panels = doc.panels.map((keys, i) => Object.fromEntries(keys.map((k) => [k, values[`_panels.${i}.${k}`]])));
  }
  const listeners = new Map();
  const fixed = new Set(doc.fixed || []);
  const same = (a, b) => a === b || JSON.stringify(a) === JSON.stringify(b);

  function emit(name) {
    for (const event of [`change:${name}`, "change"]) {
      for (const cb of [...(listeners.get(event) || [])]) cb();
    }
  }
  function findVariant() {
    return (doc.variants || []).find((v) => AXES.every((k) => same(v[k], values[k])));
  }
  // Only what differs between variants is swapped: the rest (sample, epoch) is the page's.
  const varying = new Set((doc.variants || []).flatMap((v) => Object.keys(v.state)));
  function applyVariant(variant) {
    const changed = [];
    for (const k of varying) {
      const enc = k in variant.state ? variant.state[k] : doc.state[k];
      if (same(enc, encoded[k])) continue;
      encoded[k] = enc;
      const value = decode(enc);
      // Chunks are deduplicated: another encoding is another value (unless plain JSON).
      if (enc[0] !== "json" || !same(value, values[k])) {
        values[k] = value;
        changed.push(k);
      }
    }
    for (const k of changed) emit(k);
  }

  const model = {
    get(name) {
      return values[name];
    },
    set(name, value) {
      const old = values[name];
      if (same(old, value)) return;
      values[name] = value;
      encoded[name] = ["json", value];
      emit(name);
      let refuse = fixed.has(name) ? "is fixed in this saved page" : null;
      if (AXES.includes(name)) {
        const variant = findVariant();
        if (variant) applyVariant(variant);
        else refuse = "has no saved picture for this combination";
      }
      if (refuse) {
        console.warn(`fcnn-widget: ${name} = ${JSON.stringify(value)} ${refuse}; keeping ${JSON.stringify(old)}`);
        values[name] = old;
        encoded[name] = ["json", old];
        emit(name);
      }
    },
    on(events, callback) {
      for (const event of String(events).split(/\s+/).filter(Boolean)) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event).add(callback);
      }
    },
    off(events, callback) {
      if (!events) { listeners.clear(); return; }
      for (const event of String(events).split(/\s+/).filter(Boolean)) {
        if (!callback) listeners.delete(event);
        else listeners.get(event)?.delete(callback);
      }
    },
    save_changes() {}, // no kernel: the page's state is all there is
    send() {},
    kernel: false, // the widget offers only what the saved state holds (see widget.js)
  };
  return model;
}

/** Disable the controls of settings the page cannot change (and choices it holds no variant for). */
function lockControls(root, doc) {
  for (const name of doc.fixed || []) {
    for (const node of root.querySelectorAll(`[data-control="${CSS.escape(name)}"]`)) {
      node.disabled = true;
      node.title = FIXED_TITLE;
    }
  }
  for (const axis of ["norm", "norm_scope"]) {
    const offered = new Set((doc.variants || []).map((v) => v[axis]));
    for (const option of root.querySelectorAll(`select[data-control="${axis}"] option`)) {
      option.disabled = !offered.has(option.value);
    }
  }
}

/** Mount the widget of one inlined state (a <script data-fcnn-state>) into its target. */
export async function mount(script) {
  if (script.dataset.mounted) return null;
  script.dataset.mounted = "true";
  let el = script.dataset.target ? document.getElementById(script.dataset.target) : null;
  if (!el) {
    el = document.createElement("div");
    script.before(el);
  }
  el.textContent = "loading…";
  try {
    const doc = JSON.parse(script.textContent);
    const blob = await inflate(fromBase64(doc.blob), doc.codec);
    const model = createModel(doc, decoder(doc, blob));
    el.textContent = "";
    const view = doc.widget === "compare" ? compare : widget;
    const cleanup = await view.render({ model, el });
    lockControls(el, doc);
    const mounted = { model, el, cleanup };
    (window.fcnnWidgets ??= []).push(mounted);
    el.dispatchEvent(new CustomEvent("fcnn-widget:ready", { bubbles: true }));
    return mounted;
  } catch (err) {
    el.textContent = `fcnn-widget: could not open the saved state: ${err && err.message ? err.message : err}`;
    console.error(err);
    return null;
  }
}

export function mountAll(root = document) {
  return Promise.all(Array.from(root.querySelectorAll(STATE_SELECTOR), mount));
}

mountAll();
