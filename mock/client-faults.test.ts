// Requests that are the client's fault get a 4xx (or count as a disconnect), never a 500, and
// never an "internal error" line on stderr.
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMock } from './server.ts';

let running: RunningMock[] = [];
let stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  stderr = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stderr.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
});
afterEach(async () => {
  process.stderr.write = write;
  await Promise.all(running.map((m) => m.close()));
  running = [];
});

async function start(): Promise<RunningMock> {
  const mock = await startMockServer({ port: 0, latencyMs: 0 });
  running.push(mock);
  return mock;
}

const stats = async (mock: RunningMock) => (await fetch(`${mock.url}/stats`)).json() as Promise<Record<string, unknown>>;

/** Sends `head` and `body` on a raw socket, then closes it after `ms` without finishing. */
function cutRequest(port: number, text: string, ms = 100): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(text);
      setTimeout(() => socket.destroy(), ms);
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('client faults', () => {
  it('a 100,000-deep chain of content parts is a 400 naming the message, not a stack overflow', async () => {
    const mock = await start();
    let part = '{"type":"text","text":"x"}';
    for (let i = 0; i < 100_000; i++) part = `{"type":"wrapper","content":[${part}]}`;
    for (const [path, body, param] of [
      ['/v1/chat/completions', `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"},{"role":"user","content":[${part}]}]}`, 'messages[1].content'],
      ['/v1/messages', `{"model":"claude","max_tokens":5,"system":[${part}],"messages":[{"role":"user","content":"hi"}]}`, 'system'],
    ]) {
      const res = await fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(400);
      const message = `Invalid value for '${param}': content parts nested more than 32 levels deep.`;
      expect(await res.json()).toEqual(
        path === '/v1/messages'
          ? { type: 'error', error: { type: 'invalid_request_error', message } }
          : { error: { message, type: 'invalid_request_error', param, code: 'invalid_value' } },
      );
    }
    // 32 levels is still an answer.
    let ok = '{"type":"text","text":"four"}';
    for (let i = 1; i < 32; i++) ok = `{"type":"tool_result","content":[${ok}]}`;
    const res = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      body: `{"model":"gpt-4o","messages":[{"role":"user","content":[${ok}]}]}`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens).toBe(3 + 4 + 1);
    expect((await stats(mock)).by_route).toEqual({
      'POST /v1/chat/completions 200': 1,
      'POST /v1/chat/completions 400': 1,
      'POST /v1/messages 400': 1,
    });
    expect(stderr.join('')).toBe('');
  });

  it('a chunked POST cut mid-body is a client disconnect: no 500, nothing on stderr, the server keeps serving', async () => {
    const mock = await start();
    await cutRequest(
      mock.port,
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '9\r\n{"model":\r\n',
    );
    await waitFor(async () => mock.app.runtime.stats.clientDisconnects === 1);
    const s = await stats(mock);
    // The cut POST and this GET; no route answered the POST (the GET is counted once answered).
    expect(s).toMatchObject({ requests_total: 2, in_flight: 0, client_disconnects: 1 });
    expect(s.by_route).toEqual({});
    expect(stderr.join('')).toBe('');
    const res = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}' });
    expect(res.status).toBe(200);
  });

  it('GET /v1/models/<id with CR LF> is 404 model_not_found in OpenAI\'s shape (other methods: 405, Allow: GET)', async () => {
    const mock = await start();
    for (const prefix of ['/v1', '']) {
      const res = await fetch(`${mock.url}${prefix}/models/a%0d%0aSet-Cookie:%20x`);
      expect(res.status).toBe(404);
      expect(res.headers.get('allow')).toBeNull();
      expect(await res.json()).toEqual({
        error: { message: 'The model `a\r\nSet-Cookie: x` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' },
      });
    }
    const ctl = await fetch(`${mock.url}/v1/models/a%01b`);
    expect(ctl.status).toBe(404);
    expect(((await ctl.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
    const post = await fetch(`${mock.url}/v1/models/a%0d%0a`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    // Every printable id is still served.
    const any = await fetch(`${mock.url}/v1/models/org%2Fsome-model:v2`);
    expect(await any.json()).toEqual({ id: 'org/some-model:v2', object: 'model', created: 1700000000, owned_by: 'llmux-mock' });
    expect((await stats(mock)).by_route).toMatchObject({ 'GET /v1/models/:id{.+} 404': 2, 'GET /models/:id{.+} 404': 1, 'GET /v1/models/:id{.+} 200': 1 });
  });
});
