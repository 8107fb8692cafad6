import Anthropic from '@anthropic-ai/sdk';
import http from 'node:http';
import net from 'node:net';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockOptions } from './options.ts';
import { startMockServer, type RunningMock } from './server.ts';
import { chatBody } from './test-helpers.ts';

let running: RunningMock[] = [];
afterEach(async () => {
  await Promise.all(running.map((m) => m.close()));
  running = [];
});

async function start(opts: Partial<MockOptions> = {}): Promise<RunningMock> {
  const mock = await startMockServer({ port: 0, latencyMs: 5, itlMs: 1, ...opts });
  running.push(mock);
  return mock;
}

const openai = (mock: RunningMock) => new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'test-key', maxRetries: 0, timeout: 20_000 });

async function stats(mock: RunningMock): Promise<Record<string, number>> {
  return (await fetch(`${mock.url}/stats`)).json() as Promise<Record<string, number>>;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('with the official openai client', () => {
  it('prints a reachable URL on 127.0.0.1', async () => {
    const mock = await start();
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    // The health check counts itself.
    expect(await (await fetch(`${mock.url}/health`)).json()).toEqual({ status: 'ok', requests: 1 });
  });

  it('chat completion, non-streaming', async () => {
    const mock = await start({ tokens: 12 });
    const res = await openai(mock).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] });
    expect(res.object).toBe('chat.completion');
    expect(res.choices[0].message.role).toBe('assistant');
    expect(res.choices[0].message.content!.split(' ')).toHaveLength(12);
    expect(res.usage).toMatchObject({ completion_tokens: 12, prompt_tokens: 9 });
  });

  it('chat completion, streaming with usage: content chunks == completion_tokens', async () => {
    const mock = await start({ tokens: 15 });
    const stream = await openai(mock).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 10,
    });
    let contentChunks = 0;
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      const choice = chunk.choices[0];
      if (choice?.delta.content) {
        contentChunks++;
        text += choice.delta.content;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(ids.size).toBe(1);
    expect(contentChunks).toBe(10);
    expect(usage?.completion_tokens).toBe(contentChunks);
    expect(finish).toBe('length');
    expect(text.split(' ')).toHaveLength(10);
    await waitFor(async () => (await stats(mock)).open_streams === 0);
  });

  it('embeddings (the client asks for base64) and models', async () => {
    const mock = await start();
    const client = openai(mock);
    const emb = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 64 });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0].embedding).toHaveLength(64);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o');
    expect((await client.models.retrieve('anything')).id).toBe('anything');
  });

  it('injected 429 surfaces as a RateLimitError with the OpenAI error fields', async () => {
    const mock = await start();
    const err = await openai(mock)
      .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-mock-error': '429' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.headers?.get('retry-after')).toBe('1');
  });

  it('x-mock-abort cuts the stream mid-way: the client fails after exactly N tokens', async () => {
    const mock = await start({ tokens: 10, itlMs: 5 });
    const stream = await openai(mock).chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true },
      { headers: { 'x-mock-abort': '4' } },
    );
    let tokens = 0;
    await expect(
      (async () => {
        for await (const chunk of stream) if (chunk.choices[0]?.delta.content) tokens++;
      })(),
    ).rejects.toThrow();
    expect(tokens).toBe(4);
    const s = await stats(mock);
    expect(s).toMatchObject({ aborts_injected: 1, open_streams: 0, in_flight: 0 });
  });

  it('abort on a non-streamed request is a connection error', async () => {
    const mock = await start({ abortRate: 1 });
    await expect(openai(mock).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
  });
});

describe('with the official Anthropic client', () => {
  it('messages, whole and streamed', async () => {
    const mock = await start({ tokens: 8 });
    const client = new Anthropic({ baseURL: mock.url, apiKey: 'test-key', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-mock', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.output_tokens).toBe(8);
    const block = msg.content[0];
    expect(block.type === 'text' && block.text.split(' ')).toHaveLength(8);

    const stream = client.messages.stream({ model: 'claude-mock', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas).toHaveLength(5);
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(5);
    expect(final.content[0].type === 'text' && final.content[0].text).toBe(deltas.join(''));
  });

  it('errors arrive as Anthropic errors', async () => {
    const mock = await start();
    const client = new Anthropic({ baseURL: mock.url, apiKey: 'test-key', maxRetries: 0 });
    const err = await client.messages
      .create({ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-mock-error': '529' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });
});

/** Raw request that records when the status line/headers and the first body bytes arrive. */
function timedRequest(url: string, body: string): Promise<{ headersMs: number; firstByteMs: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const headersMs = performance.now() - started;
      res.once('data', () => {
        const firstByteMs = performance.now() - started;
        res.resume();
        res.on('end', () => resolve({ headersMs, firstByteMs, status: res.statusCode! }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('timing model (generous bounds: the machine is shared)', () => {
  it('sends headers together with the first token, never before', async () => {
    const mock = await start({ latencyMs: 300, itlMs: 400, tokens: 2 });
    const r = await timedRequest(`${mock.url}/v1/chat/completions`, chatBody({ stream: true }));
    expect(r.status).toBe(200);
    expect(r.headersMs).toBeGreaterThanOrEqual(290);
    // The first token came with the headers, well before the second token (400 ms later).
    expect(r.firstByteMs - r.headersMs).toBeLessThan(200);
  });

  it('a non-streamed answer arrives whole after the latency', async () => {
    const mock = await start({ latencyMs: 250 });
    const r = await timedRequest(`${mock.url}/v1/chat/completions`, chatBody());
    expect(r.headersMs).toBeGreaterThanOrEqual(240);
  });

  it('--max-concurrency queues the excess (6 requests, 2 at a time, 200 ms each)', async () => {
    const mock = await start({ latencyMs: 200, maxConcurrency: 2 });
    const started = performance.now();
    const pending = Array.from({ length: 6 }, () => timedRequest(`${mock.url}/v1/chat/completions`, chatBody()));
    await new Promise((r) => setTimeout(r, 100));
    const mid = await stats(mock);
    expect(mid.in_flight).toBe(6);
    expect(mid.queued).toBe(4);
    await Promise.all(pending);
    expect(performance.now() - started).toBeGreaterThanOrEqual(580);
    expect(await stats(mock)).toMatchObject({ in_flight: 0, queued: 0 });
  });

  it('--max-concurrency: a queued request still gets its whole latency, counted from when its slot was due to free', async () => {
    const mock = await start({ latencyMs: 40, maxConcurrency: 1 });
    const started = performance.now();
    const done = await Promise.all(Array.from({ length: 8 }, () => timedRequest(`${mock.url}/v1/chat/completions`, chatBody()).then(() => performance.now() - started)));
    done.sort((a, b) => a - b);
    // One slot, 40 ms each: the k-th answer never comes before k x 40 ms.
    done.forEach((ms, k) => expect(ms).toBeGreaterThanOrEqual((k + 1) * 40 - 1));
  });
});

describe('client disconnects', () => {
  it('1000 streams aborted by their clients: open streams and in-flight return to 0 at once', async () => {
    const mock = await start({ latencyMs: 20, itlMs: 50, tokens: 40 });
    const url = `${mock.url}/v1/chat/completions`;
    const body = chatBody({ stream: true });
    const agent = new http.Agent({ keepAlive: false, maxSockets: 1000 });
    // Half are cut after their first token, half while still waiting for it.
    const one = (i: number) =>
      new Promise<void>((resolve) => {
        const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.once('data', () => req.destroy());
        });
        req.on('error', () => {});
        req.on('close', () => resolve());
        if (i % 2 === 1) setTimeout(() => req.destroy(), 5);
        req.end(body);
      });
    await Promise.all(Array.from({ length: 1000 }, (_, i) => one(i)));
    agent.destroy();
    // Each stream would run 2 s; the counters must drop long before that.
    await waitFor(async () => {
      const s = await stats(mock);
      return s.in_flight === 0 && s.open_streams === 0;
    }, 1500);
    const s = await stats(mock);
    // Requests cut before the mock read them never reach it; every one cut after its first token did.
    expect(s.client_disconnects).toBeGreaterThanOrEqual(500);
    expect(s.client_disconnects).toBeLessThanOrEqual(1000);
    expect(s.tokens_sent).toBeLessThan(40 * 1000);
    // No timer is left behind: the scheduler's queue drains within one inter-token gap.
    await waitFor(async () => mock.app.runtime.scheduler.pending === 0, 1000);
  });

  it('a client gone during the latency wait of a non-streamed request is released', async () => {
    const mock = await start({ latencyMs: 2000 });
    const ac = new AbortController();
    const pending = fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: chatBody(), signal: ac.signal }).catch(() => null);
    await waitFor(async () => (await stats(mock)).in_flight === 1);
    ac.abort();
    await pending;
    await waitFor(async () => (await stats(mock)).in_flight === 0, 1000);
    expect((await stats(mock)).client_disconnects).toBe(1);
  });
});

describe('the body read before routing', () => {
  interface Answer {
    status: number;
    type: string | undefined;
    requestId: string | undefined;
    idHeader: string | undefined;
    body: string;
  }

  /** One POST over a socket: with a Content-Length, or chunked (written in two pieces). */
  function send(mock: RunningMock, path: string, body: string, chunked: boolean, headers: Record<string, string> = {}): Promise<Answer> {
    const bytes = Buffer.from(body);
    return new Promise((resolve, reject) => {
      const req = http.request(`${mock.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers, ...(chunked ? {} : { 'content-length': String(bytes.length) }) },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            // OpenAI routes name it x-request-id, Anthropic's request-id; never both.
            requestId: (res.headers['x-request-id'] ?? res.headers['request-id']) as string | undefined,
            idHeader: res.headers['x-request-id'] !== undefined ? 'x-request-id' : res.headers['request-id'] !== undefined ? 'request-id' : undefined,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      if (chunked) {
        const half = Math.floor(bytes.length / 2);
        req.write(bytes.subarray(0, half));
        req.end(bytes.subarray(half));
      } else req.end(bytes);
    });
  }

  // The same requests in the same order: answers must match byte for byte ("created" aside, a clock).
  const script: [string, string, Record<string, string>?][] = [
    ['/v1/chat/completions', chatBody({ max_tokens: 7 })],
    ['/v1/chat/completions', chatBody({ messages: [{ role: 'user', content: 'ünïcödé ✓' }] })],
    ['/v1/chat/completions', `\ufeff${chatBody()}`],
    ['/v1/chat/completions', '{"model": "gpt-4o", "messages": ['],
    ['/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [] })],
    ['/v1/chat/completions', chatBody(), { 'x-mock-error': '429' }],
    ['/v1/completions', JSON.stringify({ model: 'gpt-3.5-turbo-instruct', prompt: 'Hi', max_tokens: 4 })],
    ['/v1/messages', JSON.stringify({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })],
    ['/v1/chat/completions', chatBody({ padding: 'x'.repeat(3000) })],
    ['/v1/nothing-here', chatBody()],
  ];
  const normalise = (a: Answer) => ({ ...a, body: a.body.replace(/"created":\d+/g, '"created":0') });
  const opts: Partial<MockOptions> = { latencyMs: 0, tokens: 9, seed: 3, errorRate: 0.3, errorStatus: 503, bodyLimitBytes: 2048 };

  it('gives the same answers, byte for byte, as a chunked upload read by the app itself', async () => {
    const [a, b] = [await start(opts), await start(opts)];
    const withLength: Answer[] = [];
    const chunked: Answer[] = [];
    for (const [path, body, headers] of script) {
      withLength.push(normalise(await send(a, path, body, false, headers)));
      chunked.push(normalise(await send(b, path, body, true, headers)));
    }
    expect(chunked).toEqual(withLength);
    // The script covers answers, seeded and header-injected errors, 400s, the 413 and the 404.
    expect(withLength.map((x) => x.status)).toEqual([200, 200, 200, 400, 400, 429, 503, 200, 413, 404]);
    expect(withLength[2].body).toContain('"prompt_tokens":12,');
    // Every answer carries a request id, errors included, in its API's header.
    expect(withLength.every((x) => /^req_[A-Za-z0-9]{24}$/.test(x.requestId ?? ''))).toBe(true);
    expect(withLength.map((x) => x.idHeader)).toEqual([...Array(7).fill('x-request-id'), 'request-id', 'x-request-id', 'x-request-id']);
    expect(new Set(withLength.map((x) => x.requestId)).size).toBe(withLength.length);
    // Same counters; the two servers' uptimes differ by however long the test took between them.
    const counters = async (mock: RunningMock) => {
      const { uptime_s: _uptime, ...rest } = await stats(mock);
      return rest;
    };
    expect(await counters(a)).toEqual(await counters(b));
  });

  /** One POST on a connection of its own, read to its end: the raw header block and body bytes. */
  function sendRaw(mock: RunningMock, path: string, body: string): Promise<{ head: string; body: Buffer }> {
    const bytes = Buffer.from(body);
    return new Promise((resolve, reject) => {
      const socket = net.connect(mock.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        const split = all.indexOf('\r\n\r\n');
        resolve({ head: all.subarray(0, split).toString('latin1'), body: all.subarray(split + 4) });
      });
      socket.end(
        Buffer.concat([
          Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`),
          bytes,
        ]),
      );
    });
  }

  it('states Content-Length in bytes, with non-ASCII text in the model name and in what a Response echoes', async () => {
    const mock = await start({ latencyMs: 0 });
    const cases: [string, Record<string, unknown>][] = [
      ['/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }],
      ['/v1/chat/completions', { model: 'modèle-ü ✓', messages: [{ role: 'user', content: 'Hi' }] }],
      ['/v1/chat/completions', { model: 'modèle-ü ✓', messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'text' } }],
      ['/v1/responses', { model: 'gpt-4o', input: 'Hi' }],
      ['/v1/responses', { model: 'gpt-ö', input: 'Hi', instructions: 'Réponds en français ✓', metadata: { clé: '✓ 🚀' }, max_output_tokens: 5 }],
    ];
    for (const [path, body] of cases) {
      const answer = await sendRaw(mock, path, JSON.stringify(body));
      expect(answer.head).toMatch(/^HTTP\/1\.1 200 /);
      const length = /\r\ncontent-length: (\d+)/i.exec(answer.head)?.[1];
      expect([path, body.model, Number(length)]).toEqual([path, body.model, answer.body.length]);
      expect((JSON.parse(answer.body.toString('utf8')) as { model: string }).model).toBe(body.model);
    }
  });

  it('a body sent again is answered from its bytes: a fresh answer each time, canaries counted, a bad body refused', async () => {
    const mock = await start({ latencyMs: 0 });
    const marked = chatBody({ messages: [{ role: 'user', content: 'Say hi. [llmux-canary:run-z]' }] });
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await send(mock, '/v1/chat/completions', marked, false));
    answers.push(await send(mock, '/v1/chat/completions', marked, false, { 'x-llmux-canary': 'run-z' }));
    answers.push(await send(mock, '/v1/chat/completions', chatBody(), false, { 'x-llmux-canary': 'run-y' }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => (JSON.parse(a.body) as { id: string }).id)).size).toBe(6);
    const s = (await (await fetch(`${mock.url}/stats`)).json()) as { canaries: unknown };
    expect(s.canaries).toEqual({ 'run-z': { requests: 5, header: 1, body: 5 }, 'run-y': { requests: 1, header: 1, body: 0 } });
    const bad = '{"model": "gpt-4o", "messages": [';
    const refused = [await send(mock, '/v1/chat/completions', bad, false), await send(mock, '/v1/chat/completions', bad, false)];
    expect(refused.map((a) => a.status)).toEqual([400, 400]);
  });

  it('a client that stops mid-body is counted as gone, and no route runs', async () => {
    const mock = await start();
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"model":', () => setTimeout(() => req.destroy(), 50));
      req.on('response', () => reject(new Error('unexpected answer')));
    });
    await waitFor(async () => (await stats(mock)).client_disconnects === 1);
    const s = (await (await fetch(`${mock.url}/stats`)).json()) as Record<string, unknown>;
    expect(s).toMatchObject({ in_flight: 0, tokens_sent: 0, client_disconnects: 1 });
    expect(Object.keys(s.by_route as object).filter((k) => k.startsWith('POST'))).toEqual([]);
  });
});
