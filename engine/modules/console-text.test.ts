// console.log's text as k6 writes it (grafana/k6 internal/js/console.go).
import { describe, expect, it } from 'vitest';
import { consoleText } from './pure.ts';

describe('consoleText', () => {
  it.each([
    [['status', 200, true, null, undefined], 'status 200 true null undefined'],
    [['%s is %d', 'x', 1], '%s is %d x 1'],
    [[{ s: 'x', n: 1, nested: { list: [1, 'two', null, undefined], empty: {} } }], '{ s: "x", n: 1, nested: { list: [ 1, "two", null, null ], empty: {} } }'],
    [[[]], '[]'],
    [[() => 1], '[object Function]'],
    [[{ f() {} }], '{ f: [object Function] }'],
    [[new Error('boom')], 'Error: boom'],
    [[{ e: new TypeError('bad') }], '{ e: TypeError: bad }'],
    [[new Map([['a', 1]])], '{}'],
    [[new Date(Date.UTC(2026, 10, 29, 12, 0, 0))], '"2026-11-29T12:00:00.000Z"'],
    [[new Uint8Array([1, 2, 255])], 'Uint8Array(3) [ 1, 2, 255 ]'],
    [[new Uint8Array([1, 171]).buffer], 'ArrayBuffer { [Uint8Contents]: <01 ab>, byteLength: 2 }'],
  ])('%j', (args, text) => {
    expect(consoleText(args)).toBe(text);
  });

  it('writes a cycle as [Circular] and a repeated object in full', () => {
    const shared = { k: 1 };
    const o: Record<string, unknown> = { a: shared, b: shared };
    o.self = o;
    expect(consoleText([o])).toBe('{ a: { k: 1 }, b: { k: 1 }, self: [Circular] }');
  });
});
