import { describe, expect, it } from 'vitest';
import { createMockApp } from './app.ts';
import { chatBody, jsonPost, parseSse } from './test-helpers.ts';

// Test bodies are checked field by field; typing them adds nothing.
const json = (res: Response): Promise<any> => res.json();

const fast = { latencyMs: 0, itlMs: 0 };

describe('chat completions', () => {
  it('answers a non-streamed request in the OpenAI shape', async () => {
    const app = createMockApp(fast);
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody()));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await json(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
      // "Hello there, mock." is 18 characters: ceil(18/4) + 4 per message + 3 = 12.
      usage: { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32 },
    });
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(body.choices[0].message.content.split(' ')).toHaveLength(20);
  });

  it('is served without the /v1 prefix too', async () => {
    const app = createMockApp(fast);
    expect((await app.request('/chat/completions', jsonPost(chatBody()))).status).toBe(200);
  });

  it('streams one chunk per token with OpenAI framing, a finish chunk, usage and [DONE]', async () => {
    const app = createMockApp({ ...fast, tokens: 7 });
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true, stream_options: { include_usage: true } })));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = parseSse(await res.text());
    expect(events.at(-1)!.data).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    for (const c of chunks) expect(c).toMatchObject({ object: 'chat.completion.chunk', model: 'gpt-4o', system_fingerprint: 'fp_llmux_mock' });
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const content = chunks.filter((c) => c.choices[0]?.delta?.content !== undefined && c.choices[0].delta.role === undefined);
    expect(content).toHaveLength(7);
    const finish = chunks.at(-2);
    expect(finish.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: 7, prompt_tokens: 12, total_tokens: 19 });
    // Every chunk before the usage chunk carries usage: null, as the API does with include_usage.
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    // One scheduled step per content chunk, each timed against its deadline.
    const lateness = (await json(await app.request('/stats'))).chunk_lateness_ms;
    expect(lateness.count).toBe(7);
    expect(lateness.p50).toBeLessThanOrEqual(lateness.p99);
    const streamed = content.map((c) => c.choices[0].delta.content).join('');
    const whole = await json(await createMockApp({ ...fast, tokens: 7 }).request('/v1/chat/completions', jsonPost(chatBody())));
    expect(streamed).toBe(whole.choices[0].message.content);
  });

  it('sends no usage chunk without stream_options.include_usage', async () => {
    const app = createMockApp({ ...fast, tokens: 3 });
    const events = parseSse(await (await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true })))).text());
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks).toHaveLength(1 + 3 + 1);
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
  });

  it('stops at max_tokens / max_completion_tokens with finish_reason length', async () => {
    const app = createMockApp(fast);
    const whole = await json(await app.request('/v1/chat/completions', jsonPost(chatBody({ max_tokens: 5 }))));
    expect(whole.choices[0].finish_reason).toBe('length');
    expect(whole.usage.completion_tokens).toBe(5);
    const events = parseSse(await (await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true, max_completion_tokens: 4, stream_options: { include_usage: true } })))).text());
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.filter((c) => typeof c.choices[0]?.delta?.content === 'string' && c.choices[0].delta.content !== '')).toHaveLength(4);
    expect(chunks.at(-2).choices[0].finish_reason).toBe('length');
    expect(chunks.at(-1).usage.completion_tokens).toBe(4);
  });

  it('puts several tokens in a chunk with tokensPerChunk', async () => {
    const app = createMockApp({ ...fast, tokens: 5, tokensPerChunk: 2 });
    const events = parseSse(await (await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true })))).text());
    const content = events.slice(1, -2).map((e) => JSON.parse(e.data).choices[0].delta.content);
    expect(content).toHaveLength(3);
    expect(content.join('').trim().split(' ')).toHaveLength(5);
  });
});

describe('other OpenAI endpoints', () => {
  it('legacy completions, whole and streamed', async () => {
    const app = createMockApp({ ...fast, tokens: 4 });
    const whole = await json(await app.request('/v1/completions', jsonPost(JSON.stringify({ model: 'm', prompt: 'abcdefgh' }))));
    expect(whole).toMatchObject({ object: 'text_completion', choices: [{ index: 0, finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 4 } });
    const events = parseSse(await (await app.request('/completions', jsonPost(JSON.stringify({ model: 'm', prompt: ['a'], stream: true, max_tokens: 3 })))).text());
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks).toHaveLength(4);
    expect(chunks.slice(0, 3).map((c) => c.choices[0].text).join('')).toMatch(/^[A-Z][a-z]+( [a-z]+){2}$/);
    expect(chunks[3].choices[0]).toMatchObject({ text: '', finish_reason: 'length' });
  });

  it('embeddings: deterministic unit vectors, dimensions honoured, base64 float32', async () => {
    const app = createMockApp(fast);
    const req = (body: object) => app.request('/v1/embeddings', jsonPost(JSON.stringify(body)));
    const a = await json(await req({ model: 'e', input: ['hello', 'world'], dimensions: 8 }));
    expect(a.object).toBe('list');
    expect(a.data).toHaveLength(2);
    expect(a.data[0].embedding).toHaveLength(8);
    const norm = Math.hypot(...a.data[0].embedding);
    expect(norm).toBeCloseTo(1, 5);
    const again = await json(await req({ model: 'e', input: 'hello', dimensions: 8 }));
    expect(again.data[0].embedding).toEqual(a.data[0].embedding);
    const b64 = await json(await req({ model: 'e', input: 'hello', dimensions: 8, encoding_format: 'base64' }));
    const bytes = Buffer.from(b64.data[0].embedding, 'base64');
    const floats = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 8));
    expect(floats).toEqual(a.data[0].embedding);
    const dflt = await json(await req({ model: 'e', input: 'x' }));
    expect(dflt.data[0].embedding).toHaveLength(1536);
  });

  it('embeddings: refuses more than 2048 inputs, and answers that would exceed the size budget (400, param named)', async () => {
    const app = createMockApp(fast);
    const req = (body: object) => app.request('/v1/embeddings', jsonPost(JSON.stringify(body)));
    const many = await req({ model: 'e', input: Array(2049).fill('a'), dimensions: 8 });
    expect(many.status).toBe(400);
    expect((await json(many)).error).toEqual({
      message: "Invalid value for 'input': at most 2048 inputs per request, got 2049.",
      type: 'invalid_request_error',
      param: 'input',
      code: 'invalid_value',
    });
    // The reviewer's case: a 20 KB body asking for a 361 MB answer.
    const huge = await req({ model: 'e', input: Array(2048).fill('a'), dimensions: 8192 });
    expect(huge.status).toBe(400);
    const err = (await json(huge)).error;
    expect(err).toMatchObject({ type: 'invalid_request_error', param: 'dimensions', code: 'invalid_value' });
    expect(err.message).toBe("Invalid value for 'dimensions': 2048 inputs x 8192 dimensions is 16777216 numbers; the mock answers at most 2097152 per request.");
    // Without `dimensions` the server default counts, and the batch is what to shrink.
    const dflt = await req({ model: 'e', input: Array(2048).fill('a') });
    expect(dflt.status).toBe(400);
    expect((await json(dflt)).error.param).toBe('input');
    // At the limits it still answers.
    const ok = await req({ model: 'e', input: Array(2048).fill('a'), dimensions: 1024 });
    expect(ok.status).toBe(200);
    expect((await json(ok)).data).toHaveLength(2048);
  });

  it('lists and retrieves models', async () => {
    const app = createMockApp({ models: ['a', 'b'] });
    const list = await json(await app.request('/v1/models'));
    expect(list).toEqual({ object: 'list', data: [expect.objectContaining({ id: 'a', object: 'model' }), expect.objectContaining({ id: 'b' })] });
    const one = await json(await app.request('/models/gpt-4o-2024-08-06'));
    expect(one).toMatchObject({ id: 'gpt-4o-2024-08-06', object: 'model', owned_by: 'llmux-mock' });
  });
});

describe('Anthropic messages', () => {
  const body = (extra: object = {}) =>
    JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi!' }], ...extra });

  it('answers whole', async () => {
    const app = createMockApp({ ...fast, tokens: 6 });
    const msg = await json(await app.request('/v1/messages', jsonPost(body())));
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', usage: { output_tokens: 6 } });
    expect(msg.content[0].type).toBe('text');
    expect(msg.id).toMatch(/^msg_/);
  });

  it('streams the documented event sequence', async () => {
    const app = createMockApp({ ...fast, tokens: 3 });
    const events = parseSse(await (await app.request('/v1/messages', jsonPost(body({ stream: true, max_tokens: 2 })))).text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    for (const e of events) expect(JSON.parse(e.data).type).toBe(e.event);
    expect(JSON.parse(events[6].data)).toMatchObject({ delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 2 } });
  });

  it('uses Anthropic error bodies', async () => {
    const app = createMockApp(fast);
    const res = await app.request('/v1/messages', jsonPost(JSON.stringify({ model: 'c', messages: [{ role: 'user', content: 'x' }] })));
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Missing required parameter: 'max_tokens'." } });
  });
});

describe('bad input', () => {
  const app = createMockApp(fast);
  const post = (body: string, headers: Record<string, string> = {}) => app.request('/v1/chat/completions', jsonPost(body, headers));

  it.each([
    ['{not json', 'We could not parse the JSON body of your request. The API expects a JSON payload.', null, 'invalid_json'],
    ['[1,2]', 'The request body must be a JSON object.', null, 'invalid_json'],
    ['{"messages":[{"role":"user","content":"x"}]}', "Missing required parameter: 'model'.", 'model', 'missing_required_parameter'],
    ['{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":"10"}', "Invalid type for 'max_tokens': expected number, but got a string instead.", 'max_tokens', 'invalid_type'],
    ['{"model":"m","messages":[{"role":"robot","content":"x"}]}', null, 'messages[0].role', 'invalid_value'],
    ['{"model":"m","messages":[]}', null, 'messages', 'invalid_value'],
    ['{"model":"m","messages":[{"role":"user","content":"x"}],"n":2}', "Invalid value for 'n': the mock answers with one choice (n=1).", 'n', 'invalid_value'],
  ])('400 for %s', async (body, message, param, code) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(error).toMatchObject({ type: 'invalid_request_error', param, code });
    if (message) expect(error.message).toBe(message);
  });

  it('413 for a body over the limit, from Content-Length and from a chunked body', async () => {
    const small = createMockApp({ ...fast, bodyLimitBytes: 100 });
    const big = chatBody({ padding: 'x'.repeat(200) });
    const res = await small.request('/v1/chat/completions', jsonPost(big, { 'content-length': String(big.length) }));
    expect(res.status).toBe(413);
    expect((await json(res)).error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' });
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res2 = await small.request('/v1/chat/completions', { method: 'POST', body: chunked, duplex: 'half' } as RequestInit);
    expect(res2.status).toBe(413);
  });

  it('404 JSON for an unknown route, 405 for a wrong method', async () => {
    const res = await app.request('/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((await json(res)).error).toEqual({ message: 'Unknown request URL: GET /v1/nothing-here.', type: 'invalid_request_error', param: null, code: 'unknown_url' });
    const wrong = await app.request('/v1/chat/completions');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await json(wrong)).error.code).toBe('method_not_allowed');
    expect((await app.request('/v1/models', { method: 'POST', body: '{}' })).status).toBe(405);
  });

  it('400 naming a malformed override header', async () => {
    const res = await post(chatBody(), { 'x-mock-tokens': 'lots' });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ param: 'x-mock-tokens', code: 'invalid_mock_header' });
    const res2 = await post(chatBody(), { 'x-mock-latency': 'soon' });
    expect((await json(res2)).error.message).toBe("Invalid x-mock-latency header 'soon': expected a duration like 200ms or 1s.");

  });

  it.each(['x-mock-latency', 'x-mock-itl', 'x-mock-stall'])('400 for %s above 1h (a timer that long is a typo)', async (name) => {
    const res = await post(chatBody(), { [name]: '700h' });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toEqual({
      message: `Invalid ${name} header '700h': at most 1h.`,
      type: 'invalid_request_error',
      param: name,
      code: 'invalid_mock_header',
    });
    expect(app.runtime.scheduler.pending).toBe(0);
  });

  it('400 for x-mock-tokens above 100000 (an answer must fit in memory)', async () => {
    const res = await post(chatBody(), { 'x-mock-tokens': '100001' });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ param: 'x-mock-tokens', message: "Invalid x-mock-tokens header '100001': expected an integer from 0 to 100000." });
    const ok = await post(chatBody(), { 'x-mock-tokens': '100000' });
    expect(ok.status).toBe(200);
    expect((await json(ok)).usage.completion_tokens).toBe(100000);
  });
});

describe('override headers and faults', () => {
  it('x-mock-tokens and x-mock-error (429 with Retry-After, OpenAI error body)', async () => {
    const app = createMockApp({ ...fast, retryAfterS: 7 });
    const few = await json(await app.request('/v1/chat/completions', jsonPost(chatBody(), { 'x-mock-tokens': '3' })));
    expect(few.usage.completion_tokens).toBe(3);
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody(), { 'x-mock-error': '429' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect((await json(res)).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null });
    const res503 = await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true }), { 'x-mock-error': '503' }));
    expect(res503.status).toBe(503);
    expect((await json(res503)).error.type).toBe('server_error');
  });

  it('injects --error-rate errors at the configured rate (2000 requests, binomial 4 sigma)', async () => {
    const app = createMockApp({ ...fast, errorRate: 0.1, errorStatus: 500, seed: 42 });
    let errors = 0;
    for (let i = 0; i < 2000; i++) {
      const res = await app.request('/v1/chat/completions', jsonPost(chatBody()));
      if (res.status === 500) errors++;
      else expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const sigma = Math.sqrt(2000 * 0.1 * 0.9);
    expect(Math.abs(errors - 200)).toBeLessThan(4 * sigma);
    const stats = await json(await app.request('/stats'));
    expect(stats.errors_injected).toBe(errors);
    expect(stats.by_route['POST /v1/chat/completions 500']).toBe(errors);
    expect(stats.in_flight).toBe(0);
  });

  it('x-mock-abort cuts a stream after N tokens (in-process: the body errors)', async () => {
    // A gap between tokens lets the reader take each chunk before the error discards the queue.
    const app = createMockApp({ latencyMs: 0, itlMs: 100, tokens: 10 });
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true }), { 'x-mock-abort': '3' }));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
        }
      })(),
    ).rejects.toThrow(/abort injection/);
    expect(text.split('"delta":{"content":').length - 1).toBe(3);
    const stats = await json(await app.request('/stats'));
    expect(stats).toMatchObject({ aborts_injected: 1, open_streams: 0, in_flight: 0 });
  });

  it('x-mock-stall pauses a stream in the middle', async () => {
    const app = createMockApp({ ...fast, tokens: 4 });
    const started = performance.now();
    const res = await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true }), { 'x-mock-stall': '300ms' }));
    const text = await res.text();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect((await json(await app.request('/stats'))).stalls_injected).toBe(1);
  });

  it('x-mock-latency delays a whole answer', async () => {
    const app = createMockApp(fast);
    const started = performance.now();
    await json(await app.request('/v1/chat/completions', jsonPost(chatBody(), { 'x-mock-latency': '200ms' })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('determinism', () => {
  const run = async (seed: number) => {
    const app = createMockApp({ ...fast, seed, errorRate: 0.3, errorStatus: 503 });
    const out: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await app.request('/v1/chat/completions', jsonPost(chatBody()));
      const body = await json(res);
      out.push(res.status === 200 ? `${body.id} ${body.choices[0].message.content}` : String(res.status));
    }
    return out;
  };

  it('the same seed gives the same ids, text and injected errors; another seed does not', async () => {
    const a = await run(7);
    expect(await run(7)).toEqual(a);
    expect(a.filter((x) => x === '503').length).toBeGreaterThan(0);
    expect(await run(8)).not.toEqual(a);
  });
});

describe('operational endpoints', () => {
  it('/health, /stats and /metrics count requests by route and status', async () => {
    const app = createMockApp(fast);
    await app.request('/v1/chat/completions', jsonPost(chatBody()));
    await app.request('/v1/chat/completions', jsonPost('{'));
    await app.request('/missing');
    expect(await json(await app.request('/health'))).toEqual({ status: 'ok', requests: 4 });
    const stats = await json(await app.request('/stats'));
    expect(stats).toMatchObject({
      requests_total: 5,
      in_flight: 0,
      open_streams: 0,
      tokens_sent: 20,
      errors_injected: 0,
      by_route: { 'POST /v1/chat/completions 200': 1, 'POST /v1/chat/completions 400': 1, 'GET unknown 404': 1, 'GET /health 200': 1 },
    });
    const metrics = await app.request('/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toContain('llmux_mock_requests_total{method="POST",route="/v1/chat/completions",status="200"} 1');
    expect(text).toContain('# TYPE llmux_mock_open_streams gauge\nllmux_mock_open_streams 0');
    expect(text).toContain('llmux_mock_tokens_sent_total 20');
    expect(text).toContain('# TYPE llmux_mock_chunk_lateness_seconds summary');
    expect(text).toContain('llmux_mock_chunk_lateness_seconds_count 0');
  });

  it('/stats records canary ids from the x-llmux-canary header or a [llmux-canary:<id>] mark in the body, newest 32 kept', async () => {
    const app = createMockApp(fast);
    const marked = (id: string) => chatBody({ messages: [{ role: 'user', content: `Say hi. [llmux-canary:${id}]` }] });
    await app.request('/v1/chat/completions', jsonPost(chatBody(), { 'x-llmux-canary': 'run-a' }));
    await app.request('/v1/chat/completions', jsonPost(marked('run-a'), { 'x-llmux-canary': 'run-a' }));
    await app.request('/v1/chat/completions', jsonPost(marked('run-b')));
    await app.request('/v1/chat/completions', jsonPost(chatBody({ stream: true, messages: [{ role: 'user', content: '[llmux-canary:run-b]' }] })));
    // Not an id (too long, bad characters): ignored, the request is still answered.
    expect((await app.request('/v1/chat/completions', jsonPost(chatBody(), { 'x-llmux-canary': 'a b' }))).status).toBe(200);
    await app.request('/v1/chat/completions', jsonPost(marked('x'.repeat(65))));
    let stats = await json(await app.request('/stats'));
    expect(stats.canaries).toEqual({ 'run-a': { requests: 2, header: 2, body: 1 }, 'run-b': { requests: 2, header: 0, body: 2 } });
    for (let i = 0; i < 40; i++) await app.request('/v1/chat/completions', jsonPost(chatBody(), { 'x-llmux-canary': `id-${i}` }));
    stats = await json(await app.request('/stats'));
    expect(Object.keys(stats.canaries)).toHaveLength(32);
    expect(stats.canaries['id-39']).toEqual({ requests: 1, header: 1, body: 0 });
    expect(stats.canaries['run-a']).toBeUndefined();
  });
});
