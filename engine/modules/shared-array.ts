// k6/data's SharedArray: the callback runs once per test; its elements are stored as JSON in
// SharedArrayBuffers, which every VU, event-loop or worker thread, reads without a copy of the
// whole array. Each access parses one element (a fresh copy, read-only in effect, as in k6).
export interface SharedArrayData {
  /** UTF-8 JSON of every element, back to back. */
  bytes: SharedArrayBuffer;
  /** Start offset of element i at [i], end of the last at [length]. */
  offsets: SharedArrayBuffer;
  length: number;
}

export const SHARED_ARRAY_ASYNC_MESSAGE = 'SharedArray constructor does not support async functions as second argument';

export function encodeSharedArray(items: unknown): SharedArrayData {
  if (!Array.isArray(items)) throw new Error('only arrays can be made into SharedArray');
  const encoder = new TextEncoder();
  const chunks = items.map((item) => encoder.encode(JSON.stringify(item) ?? 'null'));
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new SharedArrayBuffer(total);
  const offsets = new SharedArrayBuffer((chunks.length + 1) * 8);
  const view = new Uint8Array(bytes);
  const at = new Float64Array(offsets);
  let pos = 0;
  chunks.forEach((c, i) => {
    at[i] = pos;
    view.set(c, pos);
    pos += c.length;
  });
  at[chunks.length] = pos;
  return { bytes, offsets, length: chunks.length };
}

const decoder = new TextDecoder();

/** The array-like object scripts see: length, [i], for...of and the read-only Array methods. */
export function sharedArrayView(data: SharedArrayData): unknown {
  const bytes = new Uint8Array(data.bytes);
  const at = new Float64Array(data.offsets);
  const get = (i: number): unknown => JSON.parse(decoder.decode(bytes.subarray(at[i], at[i + 1])));
  const target = Object.create(Array.prototype) as Record<PropertyKey, unknown>;
  return new Proxy(target, {
    get(t, key) {
      if (key === 'length') return data.length;
      if (typeof key === 'string') {
        const i = Number(key);
        if (Number.isInteger(i) && String(i) === key) return i >= 0 && i < data.length ? get(i) : undefined;
      }
      if (key === Symbol.iterator) {
        return function* () {
          for (let i = 0; i < data.length; i++) yield get(i);
        };
      }
      return Reflect.get(t, key);
    },
    has(t, key) {
      if (typeof key === 'string' && Number.isInteger(Number(key))) return Number(key) >= 0 && Number(key) < data.length;
      return key === 'length' || Reflect.has(t, key);
    },
    set() {
      throw new TypeError('SharedArray is read-only');
    },
    deleteProperty() {
      throw new TypeError('SharedArray is read-only');
    },
  });
}
