// k6 API pieces that touch no engine state, shared by event-loop VUs (modules/http.ts, k6.ts) and
// worker VUs (sync/worker.ts, bundled on its own: keep this free of imports).

/** http.url`...` template: the URL plus a `name` tag that groups URLs differing in their values. */
export function url(strings: TemplateStringsArray, ...values: unknown[]): { url: string; name: string } {
  let text = '';
  let name = '';
  strings.forEach((s, i) => {
    text += s;
    name += s;
    if (i < values.length) {
      text += String(values[i]);
      name += '${}';
    }
  });
  return { url: text, name };
}

/** Ends the iteration with an error, as k6's fail(). */
export function fail(message?: string): never {
  throw new Error(message === undefined ? 'fail' : String(message));
}

/** Seeds Math.random for reproducible scripts (k6's randomSeed; here per thread). */
export function randomSeed(seed: number): void {
  let s = Number(seed) >>> 0 || 1;
  Math.random = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A custom metric's value as k6 takes it: JavaScript's ToNumber, a truthy value that converts to 0
 * (true, []) counts 1; undefined, null and what converts to NaN are refused with k6's message.
 */
export function metricValue(value: unknown, metric: string): number | { error: string } {
  if (value === undefined) return { error: `no value was provided for metric '${metric}', a number or a boolean value is expected` };
  let v = value === null || typeof value === 'symbol' || typeof value === 'bigint' ? NaN : Number(value);
  if (v === 0 && Boolean(value)) v = 1;
  if (Number.isNaN(v)) {
    const text = String(value);
    return { error: `'${text.length > 50 ? `${text.slice(0, 50)}...` : text}' is an invalid value for metric '${metric}', a number or a boolean value is expected` };
  }
  return v;
}
