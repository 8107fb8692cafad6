import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMockApp } from './app.ts';
import { BodyCache, isSharedBody } from './body-cache.ts';
import { chatBody, jsonPost, parseSse } from './test-helpers.ts';

const limits = { maxBodyChars: 100, maxEntries: 3, maxTotalChars: 1000 };

describe('BodyCache', () => {
  it('hands out the body kept for the same text, the same object each time', () => {
    const cache = new BodyCache<object>(limits);
    expect(cache.get('{"a":1}')).toBeUndefined();
    const body = cache.set('{"a":1}', { a: 1 });
    expect(cache.get('{"a":1}')).toBe(body);
    expect(cache.get('{"a":1}')).toBe(body);
    expect(cache.get('{"a":2}')).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([2, 2]);
    expect(isSharedBody(body)).toBe(true);
    expect(isSharedBody({ a: 1 })).toBe(false);
  });

  it('hands the body found last back for the same bytes, and nothing for other bytes', () => {
    const cache = new BodyCache<object>(limits);
    const bytes = Buffer.from('{"a":"é"}');
    expect(cache.getBytes(bytes)).toBeUndefined();
    expect(cache.get('{"a":"é"}', bytes)).toBeUndefined();
    const body = cache.set('{"a":"é"}', { a: 'é' });
    // Kept, but not yet found: the bytes are unknown until a get() finds the body.
    expect(cache.getBytes(bytes)).toBeUndefined();
    expect(cache.get('{"a":"é"}', bytes)).toBe(body);
    expect(cache.getBytes(Buffer.from('{"a":"é"}'))).toBe(body);
    expect(cache.lastText).toBe('{"a":"é"}');
    expect(cache.getBytes(Buffer.from('{"a":"e"}'))).toBeUndefined();
    expect(cache.getBytes(Buffer.from('{"a":"é"} '))).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([2, 1]);
  });

  it('keeps only what the get() before missed', () => {
    const cache = new BodyCache<object>(limits);
    cache.set('{"a":1}', { a: 1 });
    expect(cache.get('{"a":1}')).toBeUndefined();
    const first = cache.set('{"a":1}', { a: 1 });
    cache.get('{"a":1}');
    cache.set('{"a":1}', { other: true });
    expect(cache.get('{"a":1}')).toBe(first);
  });

  it('drops the oldest body past maxEntries or maxTotalChars, and never keeps one over maxBodyChars', () => {
    const cache = new BodyCache<object>(limits);
    for (const n of [1, 2, 3, 4]) {
      cache.get(`{"n":${n}}`);
      cache.set(`{"n":${n}}`, { n });
    }
    expect(cache.size).toBe(3);
    expect(cache.get('{"n":1}')).toBeUndefined();
    expect(cache.get('{"n":4}')).toEqual({ n: 4 });

    const long = `{"s":"${'x'.repeat(100)}"}`;
    expect(cache.get(long)).toBeUndefined();
    cache.set(long, { s: 'x' });
    expect(cache.get(long)).toBeUndefined();

    const small = new BodyCache<object>({ maxBodyChars: 100, maxEntries: 10, maxTotalChars: 25 });
    for (const n of [10, 20, 30]) {
      small.get(`{"n":${n}}`);
      small.set(`{"n":${n}}`, { n });
    }
    // Three 8-character texts: 24 characters fit, the fourth pushes out the first.
    expect(small.size).toBe(3);
    small.get('{"n":40}');
    small.set('{"n":40}', { n: 40 });
    expect(small.size).toBe(3);
    expect(small.get('{"n":10}')).toBeUndefined();
  });

  it('looks up one body in 16 while fewer than a quarter of 256 lookups hit, and all again once they do', () => {
    const cache = new BodyCache<object>({ maxBodyChars: 1000, maxEntries: 1000, maxTotalChars: 1e6 });
    const send = (text: string) => cache.get(text) ?? cache.set(text, { text });
    for (let i = 0; i < 256; i++) send(`{"distinct":${i}}`);
    expect(cache.misses).toBe(256);
    // Sampling: 15 of 16 bodies are neither looked up nor kept.
    for (let i = 256; i < 256 + 160; i++) send(`{"distinct":${i}}`);
    expect(cache.misses).toBe(266);
    expect(cache.size).toBe(266);
    // A repeated body: kept at its first sampled lookup (the 16th send), then hit at every
    // sampled one. The window, 10 lookups in, closes after 246 more: 245 hits, sampling ends.
    for (let i = 0; i < 16 * 246; i++) send('{"same":1}');
    expect([cache.hits, cache.misses]).toEqual([245, 267]);
    for (let i = 0; i < 100; i++) send('{"same":1}');
    expect(cache.hits).toBe(345);
  });
});

describe('cached bodies in the app', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const deepFreeze = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
    Object.freeze(v);
    for (const key of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[key]);
  };

  const weather = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'days'], additionalProperties: false };
  const messages = [{ role: 'user', content: 'Weather in Oslo?' }];
  const chatTools = { tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }, { type: 'function', function: { name: 'noop' } }], tool_choice: 'required' };
  const schemaFormat = { response_format: { type: 'json_schema', json_schema: { name: 'w', schema: weather } } };
  const responsesTools = { tools: [{ type: 'function', name: 'get_weather', parameters: weather }], tool_choice: 'required' };
  const cases: [string, string, string][] = [
    ['chat', '/v1/chat/completions', chatBody({ max_tokens: 5 })],
    ['chat, streamed', '/v1/chat/completions', chatBody({ stream: true, stream_options: { include_usage: true }, max_tokens: 5 })],
    ['chat with tools', '/v1/chat/completions', chatBody(chatTools)],
    ['chat with tools, streamed', '/v1/chat/completions', chatBody({ ...chatTools, stream: true })],
    ['chat with a json_schema format', '/v1/chat/completions', chatBody(schemaFormat)],
    ['completions', '/v1/completions', JSON.stringify({ model: 'm', prompt: ['a', 'b'], max_tokens: 3 })],
    ['embeddings', '/v1/embeddings', JSON.stringify({ model: 'm', input: ['a', 'b'], dimensions: 4 })],
    ['responses', '/v1/responses', JSON.stringify({ model: 'gpt-4o', input: [{ role: 'user', content: 'Hi' }], instructions: 'Be brief.', max_output_tokens: 5 })],
    ['responses with tools, streamed', '/v1/responses', JSON.stringify({ model: 'gpt-4o', input: 'Weather?', ...responsesTools, stream: true })],
    ['responses with a text format', '/v1/responses', JSON.stringify({ model: 'gpt-4o', input: 'Weather?', text: { format: { type: 'json_schema', name: 'w', schema: weather } } })],
    ['messages', '/v1/messages', JSON.stringify({ model: 'claude', max_tokens: 5, system: 'Be brief.', messages })],
    ['messages with tools, streamed', '/v1/messages', JSON.stringify({ model: 'claude', max_tokens: 50, messages, tools: [{ name: 'get_weather', input_schema: weather }], tool_choice: { type: 'any' }, stream: true })],
    ['count_tokens', '/v1/messages/count_tokens', JSON.stringify({ model: 'claude', messages, tools: [{ name: 'get_weather', input_schema: weather }] })],
  ];

  it.each(cases)('%s: no handler changes the body later requests share (frozen, it still answers the same)', async (_name, path, body) => {
    const answers = async (): Promise<string[]> => {
      const app = createMockApp({ latencyMs: 0, itlMs: 0 });
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await app.request(path, jsonPost(body));
        const text = await res.text();
        expect(res.status, text).toBe(200);
        if (res.headers.get('content-type')?.startsWith('text/event-stream')) expect(parseSse(text).length).toBeGreaterThan(2);
        out.push(text.replace(/"created(_at)?":\d+/g, ''));
      }
      return out;
    };
    const plain = await answers();
    const set = BodyCache.prototype.set;
    vi.spyOn(BodyCache.prototype, 'set').mockImplementation(function (this: BodyCache<unknown>, text: string, value: unknown) {
      deepFreeze(value);
      return set.call(this, text, value);
    });
    expect(await answers()).toEqual(plain);
  });
});
