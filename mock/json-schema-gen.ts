// A seeded generator of JSON values valid against a JSON Schema: structured output
// (response_format / text.format json_schema), tool-call arguments and Anthropic tool inputs all
// come from here. It covers what function and structured-output schemas use in practice (the
// subset OpenAI's strict mode accepts, and a little more); docs/mock.md lists it.
//
// Supported: type (one or a list), const, enum, properties, required, additionalProperties,
// minProperties/maxProperties, items, prefixItems, minItems/maxItems, uniqueItems, minLength/
// maxLength, format (date-time, date, time, email, uri/url, uuid, ipv4, ipv6, hostname,
// duration), pattern (only by trying a few stock strings), minimum/maximum, exclusiveMinimum/
// exclusiveMaximum, multipleOf, anyOf/oneOf (one branch), allOf (merged), $ref to "#", "#/$defs/…",
// "#/definitions/…" or any local JSON pointer, nullable type lists. Not supported: not, if/then/
// else, dependentSchemas, patternProperties, contains, external $refs.
import { tokensText } from './content.ts';
import { Rng } from './random.ts';

export type JsonSchema = boolean | Record<string, unknown>;

/** A schema the generator cannot satisfy (false, an unknown $ref, unbounded recursion). */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

/** Optional properties are dropped below this depth, so recursive schemas end. */
export const OPTIONAL_DEPTH = 6;
/** Deeper than this even required properties cannot be met: the schema recurses without end. */
export const MAX_DEPTH = 40;
export const DEFAULT_ITEMS = 2;
const EMPTY: Record<string, unknown> = {};
const NONE: unknown[] = [];

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A value valid against `schema`, the same for the same schema and `seed`. */
export function generateJson(schema: unknown, seed: number): unknown {
  return new Generator(schema, new Rng(seed)).value(schema, 0);
}

/** JSON text of generateJson (compact, as models write it). */
export function generateJsonText(schema: unknown, seed: number): string {
  return JSON.stringify(generateJson(schema, seed));
}

class Generator {
  constructor(
    private readonly root: unknown,
    private readonly rng: Rng,
  ) {}

  value(schema: unknown, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new SchemaError('the schema recurses without end (required properties nest deeper than 40 levels)');
    if (schema === true || schema === undefined) return words(this.rng, 1, 3);
    if (schema === false) throw new SchemaError('the schema is false: no value is valid');
    if (!isObject(schema)) throw new SchemaError('a schema must be an object or a boolean');
    let s = schema;
    if (typeof s.$ref === 'string') {
      const target = this.resolve(s.$ref);
      // Siblings of $ref (description, nullable type...) apply too (2019-09+).
      const { $ref: _ref, ...rest } = s;
      s = Object.keys(rest).length > 0 ? merge(target, rest) : target;
      return this.value(s, depth + 1);
    }
    if (Array.isArray(s.allOf) && s.allOf.length > 0) {
      const { allOf, ...rest } = s;
      let merged: Record<string, unknown> = rest;
      for (const part of allOf) merged = merge(merged, this.deref(part));
      return this.value(merged, depth);
    }
    const branches = (Array.isArray(s.anyOf) && s.anyOf) || (Array.isArray(s.oneOf) && s.oneOf);
    if (branches && branches.length > 0) {
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      // Prefer a non-null branch: a model fills the field when it can.
      const useful = branches.filter((b) => !(isObject(b) && b.type === 'null'));
      const pool = useful.length > 0 ? useful : branches;
      const pick = pool[Math.floor(this.rng.next() * pool.length)];
      return this.value(Object.keys(rest).length > 0 ? merge(rest, this.deref(pick)) : pick, depth + 1);
    }
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[Math.floor(this.rng.next() * s.enum.length)];
    switch (typeOf(s)) {
      case 'object':
        return this.object(s, depth);
      case 'array':
        return this.array(s, depth);
      case 'integer':
        return numberValue(s, true, this.rng);
      case 'number':
        return numberValue(s, false, this.rng);
      case 'boolean':
        return this.rng.next() < 0.5;
      case 'null':
        return null;
      default:
        return stringValue(s, this.rng);
    }
  }

  private deref(schema: unknown): Record<string, unknown> {
    if (isObject(schema) && typeof schema.$ref === 'string') return this.resolve(schema.$ref);
    return isObject(schema) ? schema : {};
  }

  private resolve(ref: string): Record<string, unknown> {
    if (!ref.startsWith('#')) throw new SchemaError(`$ref "${ref}": only local references ("#/$defs/…") are supported`);
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter((p) => p !== '')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
      if (node === undefined) throw new SchemaError(`$ref "${ref}" points nowhere in the schema`);
    }
    if (node === true) return {};
    if (!isObject(node)) throw new SchemaError(`$ref "${ref}" does not point to a schema`);
    return node;
  }

  private object(s: Record<string, unknown>, depth: number): Record<string, unknown> {
    const properties = isObject(s.properties) ? s.properties : EMPTY;
    const required = Array.isArray(s.required) ? s.required : NONE;
    const max = num(s.maxProperties) ?? Infinity;
    const extra = additionalSchema(s);
    const out: Record<string, unknown> = {};
    let count = 0;
    // Required first (in their order), then optional ones while the depth and maxProperties allow.
    for (const name of required) {
      if (typeof name !== 'string' || own(out, name)) continue;
      put(out, name, this.value(own(properties, name) ? properties[name] : extra, depth + 1));
      count++;
    }
    for (const name in properties) {
      if (own(out, name) || depth >= OPTIONAL_DEPTH || count >= max) continue;
      put(out, name, this.value(properties[name], depth + 1));
      count++;
    }
    // Free-form maps: fill up to minProperties (or one entry for an open map with no properties).
    if (extra !== false) {
      const open = count === 0 && required.length === 0 && isObject(s.additionalProperties) && Object.keys(properties).length === 0;
      const wanted = Math.max(num(s.minProperties) ?? 0, open ? 1 : 0);
      for (let i = 1; count < Math.min(wanted, max); i++) {
        const key = `key${i}`;
        if (own(out, key)) continue;
        put(out, key, this.value(extra, depth + 1));
        count++;
      }
    }
    return out;
  }

  private array(s: Record<string, unknown>, depth: number): unknown[] {
    const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
    const items = s.items === undefined ? (prefix.length > 0 ? false : true) : s.items;
    const min = num(s.minItems) ?? 0;
    const max = Math.min(num(s.maxItems) ?? Infinity, items === false ? prefix.length : Infinity);
    let length = Math.max(min, depth >= OPTIONAL_DEPTH ? min : Math.max(prefix.length, DEFAULT_ITEMS));
    length = Math.min(length, max);
    const out: unknown[] = [];
    const seen = new Set<string>();
    const unique = s.uniqueItems === true;
    for (let i = 0; out.length < length && i < length * 8; i++) {
      const index = out.length;
      const value = this.value(index < prefix.length ? prefix[index] : items, depth + 1);
      if (unique) {
        const key = JSON.stringify(value);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.push(value);
    }
    return out;
  }

}

/** A number valid against `s` (minimum/maximum, exclusive bounds, multipleOf). */
export function numberValue(s: Record<string, unknown>, integer: boolean, rng: Rng): number {
  let lo = num(s.minimum) ?? -Infinity;
  let hi = num(s.maximum) ?? Infinity;
  const exLo = num(s.exclusiveMinimum);
  const exHi = num(s.exclusiveMaximum);
  // Draft-4 boolean exclusives ("exclusiveMinimum": true) tighten minimum/maximum.
  const step = integer ? 1 : 0.01;
  if (exLo !== undefined) lo = Math.max(lo, exLo + step);
  else if (s.exclusiveMinimum === true) lo += step;
  if (exHi !== undefined) hi = Math.min(hi, exHi - step);
  else if (s.exclusiveMaximum === true) hi -= step;
  if (lo === -Infinity && hi === Infinity) [lo, hi] = [0, 100];
  else if (lo === -Infinity) lo = hi - 100;
  else if (hi === Infinity) hi = lo + 100;
  const multiple = num(s.multipleOf);
  if (multiple !== undefined && multiple > 0) {
    const first = Math.ceil(lo / multiple);
    const last = Math.floor(hi / multiple);
    const k = last >= first ? first + Math.floor(rng.next() * (last - first + 1)) : first;
    // Round away float noise (0.1 * 3) while staying a multiple.
    return Number((k * multiple).toPrecision(12));
  }
  if (integer) {
    const a = Math.ceil(lo);
    const b = Math.floor(hi);
    return b >= a ? a + Math.floor(rng.next() * (b - a + 1)) : a;
  }
  const value = Math.round((lo + rng.next() * (hi - lo)) * 100) / 100;
  return value >= lo && value <= hi ? value : lo;
}

/** A string valid against `s` (format, pattern, minLength/maxLength). */
export function stringValue(s: Record<string, unknown>, rng: Rng): string {
  const min = num(s.minLength) ?? 0;
  const max = num(s.maxLength) ?? Infinity;
  const format = typeof s.format === 'string' ? s.format : undefined;
  let text = format !== undefined ? formatted(format, rng) : undefined;
  if (text === undefined && typeof s.pattern === 'string') text = fromPattern(s.pattern, min, max);
  text ??= words(rng, 1, 4);
  if (min === 0 && max === Infinity) return text;
  // Lengths count code points, as JSON Schema says.
  const chars = Array.from(text);
  if (chars.length >= min && chars.length <= max) return text;
  while (chars.length < min) chars.push(...Array.from(' ' + words(rng, 1, 1)));
  return chars.slice(0, Math.max(min, Math.min(max, chars.length))).join('');
}

function formatted(format: string, r: Rng): string | undefined {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = () => `20${pad(r.int(20, 29))}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;
  const time = () => `${pad(r.int(0, 23))}:${pad(r.int(0, 59))}:${pad(r.int(0, 59))}Z`;
  switch (format) {
    case 'date-time':
      return `${date()}T${time()}`;
    case 'date':
      return date();
    case 'time':
      return time();
    case 'email':
      return `user${r.int(1, 9999)}@example.com`;
    case 'uri':
    case 'url':
    case 'iri':
    case 'uri-reference':
      return `https://example.com/${words(r, 1, 1).toLowerCase()}/${r.int(1, 9999)}`;
    case 'uuid': {
      const hex = (n: number) => Array.from({ length: n }, () => r.int(0, 15).toString(16)).join('');
      return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[r.int(0, 3)]}${hex(3)}-${hex(12)}`;
    }
    case 'ipv4':
      return `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`;
    case 'ipv6':
      return `2001:db8::${r.int(1, 65535).toString(16)}`;
    case 'hostname':
    case 'idn-hostname':
      return `host${r.int(1, 999)}.example.com`;
    case 'duration':
      return `PT${r.int(1, 59)}M`;
    default:
      return undefined;
  }
}

/** 1 to a few of the mock's words. */
export function words(rng: Rng, min: number, max: number): string {
  return tokensText(Math.floor(rng.next() * 1_000_000), 0, rng.int(min, max));
}

// Property names may be "constructor" or "__proto__": own-property checks, and a defined property
// for "__proto__" (an assignment would set the prototype).
const hasOwn = Object.prototype.hasOwnProperty;
export function own(o: object, key: string): boolean {
  return hasOwn.call(o, key);
}
function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

export function typeOf(s: Record<string, unknown>): string {
  const t = s.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t) && t.length > 0) {
    // A nullable field ("type": ["string", "null"]) gets its non-null type.
    const concrete = t.find((x) => x !== 'null');
    return typeof concrete === 'string' ? concrete : 'null';
  }
  if (isObject(s.properties) || 'additionalProperties' in s || 'required' in s) return 'object';
  if ('items' in s || 'prefixItems' in s || 'minItems' in s) return 'array';
  if ('minimum' in s || 'maximum' in s || 'multipleOf' in s || 'exclusiveMinimum' in s) return 'number';
  return 'string';
}

/** Schema of properties not listed in `properties` (false = none allowed). */
export function additionalSchema(s: Record<string, unknown>): unknown {
  const extra = s.additionalProperties;
  return extra === undefined ? true : extra;
}

/** allOf: properties and required merged, other keywords from the later schema. */
export function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a, ...b };
  if (isObject(a.properties) || isObject(b.properties)) {
    out.properties = { ...(isObject(a.properties) ? a.properties : {}), ...(isObject(b.properties) ? b.properties : {}) };
  }
  const ra = Array.isArray(a.required) ? a.required : [];
  const rb = Array.isArray(b.required) ? b.required : [];
  if (ra.length > 0 || rb.length > 0) out.required = [...new Set([...ra, ...rb])];
  if (a.additionalProperties === false || b.additionalProperties === false) out.additionalProperties = false;
  return out;
}

/** Stock strings tried against a pattern; undefined when none matches (the pattern is not met). */
const PATTERN_CANDIDATES = ['mock', 'Mock', 'MOCK', 'abc', '0', '42', '12345', '2026-01-15', 'A1', 'abc-123', 'abc_123', 'a1b2c3', 'user@example.com', 'https://example.com', '+15555550100', 'AB', 'ABC', 'x'];

function fromPattern(pattern: string, min: number, max: number): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  return PATTERN_CANDIDATES.find((c) => c.length >= min && c.length <= max && re.test(c));
}
