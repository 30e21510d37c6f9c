// The kernel's float32 buffers as typed arrays, and lookups into them.

function floats(buffer) {
  if (!buffer) return new Float32Array(0);
  if (buffer instanceof DataView) {
    return new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  }
  if (buffer instanceof ArrayBuffer) return new Float32Array(buffer);
  if (ArrayBuffer.isView(buffer)) {
    return new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  }
  throw new Error(`fcnn-widget: unexpected buffer type ${Object.prototype.toString.call(buffer)}`);
}

/** Everything the page reads, decoded once per change of the kernel's state. */
export function readState(model) {
  const meta = model.get("_meta");
  const values = floats(model.get("_values"));
  const ranges = floats(model.get("_ranges"));
  const targets = floats(model.get("_targets"));
  const flat = floats(model.get("_params"));
  const params = [];
  let at = 0;
  for (let k = 1; k < meta.widths.length; k++) {
    const nIn = meta.widths[k - 1], nOut = meta.widths[k];
    const W = flat.subarray(at, at + nIn * nOut); at += nIn * nOut;
    const b = flat.subarray(at, at + nOut); at += nOut;
    params.push({ W, b, nIn, nOut });
  }
  return { meta, values, ranges, targets, params };
}

/** Value of neuron `index` of a slot ("x0", "z1", "a1", ...) for one sample. */
export function nodeValue(state, sample, slot, index) {
  return state.values[sample * state.meta.n_cols + state.meta.offsets[slot] + index];
}

/** [lo, hi] of a slot's colour group for one sample. */
export function rangeOf(state, sample, slot) {
  const { meta, ranges } = state;
  const row = meta.range_rows > 1 ? sample : 0;
  const g = meta.slot_group[slot];
  const at = (row * meta.group_names.length + g) * 2;
  return [ranges[at], ranges[at + 1]];
}

export function slotOf(kind, layer) {
  return kind === "x" ? "x0" : `${kind}${layer}`;
}
