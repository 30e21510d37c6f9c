// @ts-check
// The kernel's arrays as typed arrays. fcnn_widget/state.py sends each as
// { dtype, shape, buffer } (its Buffer serialiser); a saved page hands plain byte views.

/**
 * @typedef {{ dtype: string, shape: number[], buffer: DataView | ArrayBuffer }} WireArray
 * @typedef {WireArray | DataView | ArrayBuffer | ArrayBufferView | null | undefined} WireValue
 */

const TYPES = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array };

/** @param {any} value @returns {value is WireArray} */
function isWireArray(value) {
  return value != null && typeof value === "object" && "dtype" in value && "buffer" in value;
}

/**
 * The bytes of a wire value, as an ArrayBuffer of their own.
 * @param {WireValue} value @returns {ArrayBuffer}
 */
export function bytesOf(value) {
  const buffer = isWireArray(value) ? value.buffer : value;
  if (!buffer) return new ArrayBuffer(0);
  if (buffer instanceof ArrayBuffer) return buffer;
  if (ArrayBuffer.isView(buffer)) {
    const copy = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    return /** @type {ArrayBuffer} */ (copy); // the kernel's buffers are never shared
  }
  throw new Error(`fcnn-widget: unexpected buffer type ${Object.prototype.toString.call(buffer)}`);
}

/**
 * A typed array of `dtype` over a wire value; a value that says it holds another dtype is
 * an error (the kernel and the page disagree on the format), not a silent reinterpretation.
 * @param {WireValue} value @param {"float32" | "int32" | "uint8"} dtype
 */
export function arrayOf(value, dtype) {
  if (isWireArray(value) && value.dtype !== dtype && value.shape.reduce((a, b) => a * b, 1) > 0) {
    throw new Error(`fcnn-widget: expected ${dtype} data, got ${value.dtype}`);
  }
  return new TYPES[dtype](bytesOf(value));
}

/** The shape the kernel gave, or null (a saved page's plain bytes). @param {WireValue} value */
export function shapeOf(value) {
  return isWireArray(value) ? value.shape : null;
}
