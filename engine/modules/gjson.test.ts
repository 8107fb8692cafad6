// The examples of GJSON's own syntax document (github.com/tidwall/gjson, SYNTAX.md), which k6's
// res.json(selector) follows, on its example document.
import { describe, expect, it } from 'vitest';
import type { TransportResult } from '../transport.ts';
import { gjsonGet } from './gjson.ts';
import { Response } from './response.ts';

const DOC = JSON.parse(`{
  "name": {"first": "Tom", "last": "Anderson"},
  "age": 37,
  "children": ["Sara", "Alex", "Jack"],
  "fav.movie": "Deer Hunter",
  "friends": [
    {"first": "Dale", "last": "Murphy", "age": 44, "nets": ["ig", "fb", "tw"]},
    {"first": "Roger", "last": "Craig", "age": 68, "nets": ["fb", "tw"]},
    {"first": "Jane", "last": "Murphy", "age": 47, "nets": ["ig", "tw"]}
  ]
}`);

describe('gjsonGet', () => {
  it.each([
    ['name.last', 'Anderson'],
    ['age', 37],
    ['children', ['Sara', 'Alex', 'Jack']],
    ['children.#', 3],
    ['children.1', 'Alex'],
    ['child*.2', 'Jack'],
    ['c?ildren.0', 'Sara'],
    ['fav\\.movie', 'Deer Hunter'],
    ['friends.#.first', ['Dale', 'Roger', 'Jane']],
    ['friends.1.last', 'Craig'],
    ['friends.#(last=="Murphy").first', 'Dale'],
    ['friends.#(last=="Murphy")#.first', ['Dale', 'Jane']],
    ['friends.#(age>45)#.last', ['Craig', 'Murphy']],
    ['friends.#(age<=44).first', 'Dale'],
    ['friends.#(first%"D*").last', 'Murphy'],
    ['friends.#(first!%"D*").last', 'Craig'],
    ['friends.#(nets.#(=="fb"))#.first', ['Dale', 'Roger']],
    ['friends.#(last!="Murphy")#.age', [68]],
    ['friends.#(nets)#.first', ['Dale', 'Roger', 'Jane']],
    ['children|@reverse', ['Jack', 'Alex', 'Sara']],
    ['children|@reverse|0', 'Jack'],
    ['friends.#.first|1', 'Roger'],
    ['friends.#.nets.#', [3, 2, 2]],
    ['name|@keys', ['first', 'last']],
    ['@this.age', 37],
  ])('%s', (path, expected) => {
    expect(gjsonGet(DOC, path)).toEqual(expected);
  });

  it.each(['name.middle', 'children.3', 'friends.#(last=="Nobody").first', 'age.x', 'children.x', 'friends.#(age>"40").first', 'name|@nosuch'])('%s matches nothing', (path) => {
    expect(gjsonGet(DOC, path)).toBeUndefined();
  });
});

describe('Response.json(selector)', () => {
  const response = (body: string): Response => {
    const result: TransportResult = { status: 200, statusText: 'OK', rawHeaders: [], body: Buffer.from(body), error: null, timings: { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 }, bytesSent: 0, bytesReceived: 0 };
    return new Response(result, 'http://127.0.0.1/', 'GET', [], null, 'text', null, null);
  };

  it('selects with GJSON paths, and answers undefined for a body that is not JSON only when given a selector', () => {
    expect(response('{"items":[{"id":1},{"id":2}]}').json('items.#.id')).toEqual([1, 2]);
    expect(response('<html>').json('items.0')).toBeUndefined();
    expect(() => response('<html>').json()).toThrow(/^cannot parse json due to an error at offset/);
  });
});
