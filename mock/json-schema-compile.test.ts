import { describe, expect, it } from 'vitest';
import { compileJsonSchema } from './json-schema-compile.ts';
import { generateJsonText } from './json-schema-gen.ts';

const SEEDS = Array.from({ length: 300 }, (_, i) => (i * 2654435761) >>> 0);

// Shapes function and structured-output schemas use; each must compile and write exactly what the interpreter writes.
const COMPILED: Record<string, unknown> = {
  weather: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 7 } },
    required: ['city', 'unit', 'days'],
    additionalProperties: false,
  },
  search: {
    type: 'object',
    properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 20 }, sections: { type: 'array', items: { type: 'string', enum: ['api', 'guides', 'changelog'] } }, exact: { type: 'boolean' } },
    required: ['query', 'limit', 'sections', 'exact'],
    additionalProperties: false,
  },
  strictNullable: {
    type: 'object',
    properties: {
      note: { type: ['string', 'null'] },
      status: { anyOf: [{ type: 'string', enum: ['open', 'shipped'] }, { type: 'null' }] },
      kind: { oneOf: [{ const: 'a' }, { type: 'number', minimum: 0.5, multipleOf: 0.25 }], description: 'either' },
      at: { type: 'string', format: 'date-time' },
      id: { type: 'string', format: 'uuid' },
      code: { type: 'string', pattern: '^[0-9]+$' },
      short: { type: 'string', minLength: 3, maxLength: 5 },
      ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      nothing: { type: 'null' },
    },
    required: ['note', 'status', 'kind', 'at', 'id', 'code', 'short', 'ratio', 'nothing'],
    additionalProperties: false,
  },
  optionalAndExtra: {
    type: 'object',
    properties: { a: { type: 'integer' }, b: { type: 'string' }, c: { type: 'boolean' } },
    required: ['b', 'b', 7],
    maxProperties: 2,
  },
  openMap: { type: 'object', additionalProperties: { type: 'integer', maximum: 3 } },
  minProperties: { type: 'object', properties: { key1: { const: 1 } }, minProperties: 3, additionalProperties: { type: 'boolean' } },
  nestedArrays: { type: 'array', minItems: 3, maxItems: 4, items: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } } },
  fractionalMin: { type: 'array', minItems: 2.5, items: { enum: [1, 'two', null, { three: 3 }] } },
  noItems: { type: 'array', items: false },
  untyped: { properties: { any: true, empty: {} }, required: ['any', 'empty'] },
  deep: { type: 'object', properties: { l1: { type: 'object', properties: { l2: { type: 'object', properties: { l3: { type: 'object', properties: { l4: { type: 'object', properties: { l5: { type: 'object', properties: { l6: { type: 'object', properties: { l7: { type: 'string' } } } } } } } } } } } } } } },
  scalarTop: { type: 'string', format: 'email' },
  trueSchema: true,
  // As a request body parses it: "__proto__" is an own property there.
  protoKey: JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"integer"}},"required":["__proto__","constructor"]}'),
};

// Left to the interpreter (which may also refuse them).
const NOT_COMPILED: Record<string, unknown> = {
  ref: { $defs: { n: { type: 'integer' } }, type: 'object', properties: { n: { $ref: '#/$defs/n' } }, required: ['n'] },
  allOf: { allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { required: ['a'] }] },
  prefixItems: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }] },
  uniqueItems: { type: 'array', items: { type: 'boolean' }, uniqueItems: true },
  indexKeys: { type: 'object', properties: { b: { type: 'string' }, '1': { type: 'string' } }, required: ['b', '1'] },
  falseSchema: false,
  requiredNotAllowed: { type: 'object', properties: {}, required: ['x'], additionalProperties: false },
  refBranch: { $defs: { s: { type: 'string' } }, anyOf: [{ $ref: '#/$defs/s' }] },
};

describe('compileJsonSchema', () => {
  for (const [name, schema] of Object.entries(COMPILED)) {
    it(`${name}: writes the interpreter's JSON text for every seed`, () => {
      const write = compileJsonSchema(schema);
      expect(write).not.toBeNull();
      for (const seed of SEEDS) expect(write!(seed)).toBe(generateJsonText(schema, seed));
    });
  }

  for (const [name, schema] of Object.entries(NOT_COMPILED)) {
    it(`${name}: is left to the interpreter`, () => {
      expect(compileJsonSchema(schema)).toBeNull();
    });
  }

  it('keeps the key order of the properties, required ones first', () => {
    const write = compileJsonSchema({ type: 'object', properties: { z: { const: 1 }, a: { const: 2 }, m: { const: 3 } }, required: ['m'] })!;
    expect(write(1)).toBe('{"m":3,"z":1,"a":2}');
  });
});
