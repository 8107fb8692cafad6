// The generator of json-schema-gen.ts, compiled once per schema into a text writer: the same
// draws in the same order and the same JSON text (a test holds the two to it), without walking
// the schema or building the value for every request. Used for the tools and formats of request
// bodies the mock has cached (body-cache.ts), where the schema objects are reused. Covers the
// shapes function schemas use (objects, arrays, enums, const, scalars, anyOf/oneOf); a schema
// with $ref, allOf, prefixItems, uniqueItems or array-index property names is not compiled and
// the interpreter serves it.
import { additionalSchema, DEFAULT_ITEMS, isObject, MAX_DEPTH, merge, num, numberValue, OPTIONAL_DEPTH, own, stringValue, typeOf, words } from './json-schema-gen.ts';
import { Rng } from './random.ts';

/** JSON text of a value valid against the schema, from the seed (as generateJsonText). */
export type SchemaWriter = (seed: number) => string;

type Write = (rng: Rng) => string;

/** A writer for `schema`, or null when the interpreter must serve it. */
export function compileJsonSchema(schema: unknown): SchemaWriter | null {
  const write = node(schema, 0);
  return write === null ? null : (seed) => write(new Rng(seed));
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

function node(schema: unknown, depth: number): Write | null {
  if (depth > MAX_DEPTH) return null;
  if (schema === true || schema === undefined) return (rng) => JSON.stringify(words(rng, 1, 3));
  if (!isObject(schema)) return null;
  const s = schema;
  if (typeof s.$ref === 'string' || Array.isArray(s.allOf)) return null;
  const branches = (Array.isArray(s.anyOf) && s.anyOf) || (Array.isArray(s.oneOf) && s.oneOf);
  if (branches && branches.length > 0) return union(s, branches, depth);
  if ('const' in s) {
    const text = JSON.stringify(s.const);
    return () => text;
  }
  if (Array.isArray(s.enum) && s.enum.length > 0) {
    const texts = s.enum.map((v) => JSON.stringify(v));
    return (rng) => texts[Math.floor(rng.next() * texts.length)];
  }
  switch (typeOf(s)) {
    case 'object':
      return object(s, depth);
    case 'array':
      return array(s, depth);
    case 'integer':
      return (rng) => numberText(numberValue(s, true, rng));
    case 'number':
      return (rng) => numberText(numberValue(s, false, rng));
    case 'boolean':
      return (rng) => (rng.next() < 0.5 ? 'true' : 'false');
    case 'null':
      return () => 'null';
    default:
      return (rng) => JSON.stringify(stringValue(s, rng));
  }
}

const numberText = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** anyOf/oneOf: one branch, a non-null one when there is one (as the interpreter picks). */
function union(s: Record<string, unknown>, branches: unknown[], depth: number): Write | null {
  const { anyOf: _a, oneOf: _o, ...rest } = s;
  const useful = branches.filter((b) => !(isObject(b) && b.type === 'null'));
  const pool = useful.length > 0 ? useful : branches;
  const withRest = Object.keys(rest).length > 0;
  const writers: Write[] = [];
  for (const branch of pool) {
    if (isObject(branch) && typeof branch.$ref === 'string') return null;
    const w = node(withRest ? merge(rest, isObject(branch) ? branch : {}) : branch, depth + 1);
    if (w === null) return null;
    writers.push(w);
  }
  return (rng) => writers[Math.floor(rng.next() * writers.length)](rng);
}

/** The keys are fixed by the schema and the depth; only the values are drawn. */
function object(s: Record<string, unknown>, depth: number): Write | null {
  const properties = isObject(s.properties) ? s.properties : {};
  const required = Array.isArray(s.required) ? s.required : [];
  const max = num(s.maxProperties) ?? Infinity;
  const extra = additionalSchema(s);
  const keys: string[] = [];
  const schemas: unknown[] = [];
  const seen = new Set<string>();
  const add = (key: string, schema: unknown) => {
    seen.add(key);
    keys.push(key);
    schemas.push(schema);
  };
  for (const name of required) {
    if (typeof name !== 'string' || seen.has(name)) continue;
    add(name, own(properties, name) ? properties[name] : extra);
  }
  for (const name in properties) {
    if (seen.has(name) || depth >= OPTIONAL_DEPTH || keys.length >= max) continue;
    add(name, properties[name]);
  }
  if (extra !== false) {
    const open = keys.length === 0 && required.length === 0 && isObject(s.additionalProperties) && Object.keys(properties).length === 0;
    const wanted = Math.max(num(s.minProperties) ?? 0, open ? 1 : 0);
    for (let i = 1; keys.length < Math.min(wanted, max); i++) if (!seen.has(`key${i}`)) add(`key${i}`, extra);
  }
  // JSON.stringify writes array-index keys first: leave such objects to the interpreter.
  if (keys.some((k) => ARRAY_INDEX.test(k))) return null;
  const writers: Write[] = [];
  for (const schema of schemas) {
    const w = node(schema, depth + 1);
    if (w === null) return null;
    writers.push(w);
  }
  if (keys.length === 0) return () => '{}';
  const prefixes = keys.map((k, i) => `${i === 0 ? '{' : ','}${JSON.stringify(k)}:`);
  return (rng) => {
    let text = '';
    for (let i = 0; i < writers.length; i++) text += prefixes[i] + writers[i](rng);
    return text + '}';
  };
}

function array(s: Record<string, unknown>, depth: number): Write | null {
  if ((Array.isArray(s.prefixItems) && s.prefixItems.length > 0) || s.uniqueItems === true) return null;
  const items = s.items === undefined ? true : s.items;
  const min = num(s.minItems) ?? 0;
  const max = Math.min(num(s.maxItems) ?? Infinity, items === false ? 0 : Infinity);
  const length = Math.min(Math.max(min, depth >= OPTIONAL_DEPTH ? min : DEFAULT_ITEMS), max);
  const count = Math.max(0, Math.ceil(length));
  if (count === 0) return () => '[]';
  const write = node(items, depth + 1);
  if (write === null) return null;
  return (rng) => {
    let text = '[';
    for (let i = 0; i < count; i++) text += (i === 0 ? '' : ',') + write(rng);
    return text + ']';
  };
}
