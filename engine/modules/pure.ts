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

/**
 * console.log's text as k6 writes it (grafana/k6 internal/js/console.go): the values joined by
 * spaces, no printf-style %s; top-level strings as they are, objects and arrays in full with
 * strings double-quoted (`{ a: "x", b: [ 1, 2 ] }`), functions as [object Function], errors as
 * "Name: message", cycles as [Circular], dates as their quoted ISO string.
 */
export function consoleText(args: unknown[]): string {
  return args.map(consoleValue).join(' ');
}

const isError = (v: object): boolean => Object.prototype.toString.call(v) === '[object Error]';

function consoleValue(v: unknown): string {
  if (typeof v === 'function') return '[object Function]';
  if (v === null || typeof v !== 'object') return String(v);
  if (isError(v)) return String(v);
  return traverseConsole(v, new Set());
}

function traverseConsole(v: unknown, seen: Set<object>): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'function') return '[object Function]';
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v !== 'object') return String(v);
  if (seen.has(v)) return '[Circular]';
  if (isError(v)) return String(v);
  if (v instanceof ArrayBuffer) {
    const bytes = [...new Uint8Array(v)].map((b) => b.toString(16).padStart(2, '0'));
    return `ArrayBuffer { [Uint8Contents]: <${bytes.join(' ')}>, byteLength: ${bytes.length} }`;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const items = Array.from(v as unknown as ArrayLike<number>, String);
    return `${v.constructor.name}(${items.length}) ${items.length === 0 ? '[]' : `[ ${items.join(', ')} ]`}`;
  }
  seen.add(v);
  try {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      const items: string[] = [];
      for (let i = 0; i < v.length; i++) items.push(traverseConsole(v[i], seen));
      return `[ ${items.join(', ')} ]`;
    }
    const keys = Object.keys(v);
    if (keys.length === 0) return v instanceof Date && !Number.isNaN(v.getTime()) ? `"${v.toISOString()}"` : '{}';
    return `{ ${keys.map((k) => `${k}: ${traverseConsole((v as Record<string, unknown>)[k], seen)}`).join(', ')} }`;
  } finally {
    seen.delete(v);
  }
}

/** The stack of the current call, deep enough to reach the script's outermost frame. */
export function deepStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  try {
    return new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
}
