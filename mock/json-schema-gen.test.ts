import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateJson, SchemaError } from './json-schema-gen.ts';

// A real validator decides: the generator's output must pass ajv with formats checked.
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

const weather = {
  type: 'object',
  properties: {
    location: { type: 'string', description: 'City and country' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    days: { type: 'integer', minimum: 1, maximum: 14 },
  },
  required: ['location', 'unit', 'days'],
  additionalProperties: false,
};

// OpenAI strict-mode style: every property required, optional ones as nullable unions.
const strictOrder = {
  type: 'object',
  properties: {
    order_id: { type: 'string', pattern: '^[0-9]+$' },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 5,
      items: {
        type: 'object',
        properties: { sku: { type: 'string', minLength: 3, maxLength: 12 }, qty: { type: 'integer', exclusiveMinimum: 0, maximum: 99 }, price: { type: 'number', minimum: 0.5, multipleOf: 0.25 } },
        required: ['sku', 'qty', 'price'],
        additionalProperties: false,
      },
    },
    note: { type: ['string', 'null'] },
    status: { anyOf: [{ type: 'string', enum: ['open', 'shipped'] }, { type: 'null' }] },
    placed_at: { type: 'string', format: 'date-time' },
  },
  required: ['order_id', 'items', 'note', 'status', 'placed_at'],
  additionalProperties: false,
};

const recursive = {
  $defs: {
    node: {
      type: 'object',
      properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } },
      required: ['name', 'children'],
      additionalProperties: false,
    },
  },
  $ref: '#/$defs/node',
};

const formats = {
  type: 'object',
  properties: Object.fromEntries(['date-time', 'date', 'time', 'email', 'uri', 'uuid', 'ipv4', 'ipv6', 'hostname', 'duration'].map((f) => [f, { type: 'string', format: f }])),
  required: ['date-time', 'date', 'time', 'email', 'uri', 'uuid', 'ipv4', 'ipv6', 'hostname', 'duration'],
};

const misc = {
  type: 'object',
  properties: {
    tuple: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }, { const: 'x' }], items: false },
    tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true, minItems: 3 },
    map: { type: 'object', additionalProperties: { type: 'integer' }, minProperties: 2 },
    both: { allOf: [{ type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] }, { properties: { b: { type: 'null' } }, required: ['b'] }] },
    one: { oneOf: [{ type: 'integer', multipleOf: 7, minimum: 10, maximum: 30 }, { type: 'boolean' }] },
    short: { type: 'string', maxLength: 2 },
    long: { type: 'string', minLength: 40 },
    range: { type: 'number', exclusiveMinimum: -1, exclusiveMaximum: 1 },
    neg: { type: 'integer', maximum: -1000 },
    anything: {},
    legacy: { definitions: { x: { type: 'string', enum: ['only'] } }, $ref: '#/properties/misc-legacy' },
  },
  required: ['tuple', 'tags', 'map', 'both', 'one', 'short', 'long', 'range', 'neg', 'anything'],
  additionalProperties: false,
};
delete (misc.properties as Record<string, unknown>).legacy;

// What the Vercel AI SDK and openai's zodResponseFormat send: zod's own JSON Schema output.
const zodSchemas = {
  recipe: z.object({
    name: z.string(),
    servings: z.number().int().min(1).max(12),
    ingredients: z.array(z.object({ item: z.string(), amount: z.string(), optional: z.boolean().nullable() })).min(2),
    steps: z.array(z.string()).max(6),
    cuisine: z.enum(['italian', 'thai', 'mexican']),
  }),
  event: z.object({
    title: z.string().min(5).max(60),
    when: z.iso.datetime(),
    contact: z.email(),
    site: z.url(),
    id: z.uuid(),
    attendees: z.array(z.object({ name: z.string(), rsvp: z.union([z.literal('yes'), z.literal('no'), z.null()]) })),
    meta: z.record(z.string(), z.number()),
  }),
  shapes: z.object({
    shape: z.discriminatedUnion('kind', [z.object({ kind: z.literal('circle'), r: z.number().positive() }), z.object({ kind: z.literal('square'), side: z.number().gte(1).lte(3) })]),
    nested: z.object({ a: z.object({ b: z.object({ c: z.array(z.tuple([z.string(), z.int()])) }) }) }),
    optional: z.string().optional(),
  }),
};

const SCHEMAS: Record<string, unknown> = {
  weather,
  strictOrder,
  recursive,
  formats,
  misc,
  emptyObject: { type: 'object', properties: {}, additionalProperties: false },
  anyObject: { type: 'object' },
  topArray: { type: 'array', items: { type: 'integer', minimum: 5, maximum: 5 } },
  topString: { type: 'string', enum: ['only'] },
  noType: { properties: { x: { minimum: 3 } }, required: ['x'] },
  trueSchema: true,
  ...Object.fromEntries(Object.entries(zodSchemas).map(([name, schema]) => [`zod:${name}`, z.toJSONSchema(schema)])),
};

describe('generateJson', () => {
  it.each(Object.entries(SCHEMAS))('%s: 200 seeds, every value valid for ajv', (_name, schema) => {
    const validate = ajv.compile(schema as object);
    for (let seed = 0; seed < 200; seed++) {
      const value = generateJson(schema, seed);
      if (!validate(value)) throw new Error(`seed ${seed}: ${JSON.stringify(value)}\n${ajv.errorsText(validate.errors)}`);
    }
  });

  it('fills properties named like Object.prototype members', () => {
    const schema = '{"type":"object","properties":{"constructor":{"type":"integer"},"__proto__":{"type":"string"},"toString":{"type":"boolean"}},"required":["constructor","toString","__proto__"]}';
    const value = generateJson(JSON.parse(schema), 1) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(typeof JSON.parse(JSON.stringify(value)).__proto__).toBe('string');
    expect(typeof value.constructor).toBe('number');
    expect(typeof value.toString).toBe('boolean');
    expect(JSON.parse(JSON.stringify(value))).toHaveProperty('constructor');
  });

  it('is deterministic per seed and varies across seeds', () => {
    expect(generateJson(strictOrder, 7)).toEqual(generateJson(strictOrder, 7));
    const distinct = new Set(Array.from({ length: 20 }, (_, seed) => JSON.stringify(generateJson(weather, seed))));
    expect(distinct.size).toBeGreaterThan(10);
  });

  it('fills every declared property (strict schemas require them all) and only those', () => {
    const value = generateJson(weather, 1) as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['days', 'location', 'unit']);
  });

  it('ends recursive schemas: optional branches stop, arrays shrink to minItems', () => {
    const tree = generateJson({ $defs: recursive.$defs, $ref: '#/$defs/node' }, 3);
    const depth = (n: { children: unknown[] }): number => 1 + Math.max(0, ...n.children.map((c) => depth(c as { children: unknown[] })));
    expect(depth(tree as { children: unknown[] })).toBeLessThanOrEqual(8);
  });

  it.each([
    [false, 'the schema is false: no value is valid'],
    [{ $ref: 'https://example.com/schema.json' }, '$ref "https://example.com/schema.json": only local references ("#/$defs/…") are supported'],
    [{ $ref: '#/$defs/missing' }, '$ref "#/$defs/missing" points nowhere in the schema'],
    [{ $defs: { a: { type: 'object', properties: { a: { $ref: '#/$defs/a' } }, required: ['a'] } }, $ref: '#/$defs/a' }, 'the schema recurses without end (required properties nest deeper than 40 levels)'],
  ])('refuses %j with a SchemaError', (schema, message) => {
    expect(() => generateJson(schema, 1)).toThrow(new SchemaError(message));
  });
});
