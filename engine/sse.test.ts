// k6/x/sse in the engine: the real CLI runs engine/testdata/sse-probe.js against the real mock and
// against a small SSE server written here (exact bytes, exact pacing).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockFixture, ROOT, runEngine } from './test-helpers.ts';

const fx = mockFixture();
const PROBE = join(ROOT, 'engine', 'testdata', 'sse-probe.js');
const SYNC_PROBE = join(ROOT, 'engine', 'testdata', 'sse-sync-probe.js');

interface Rec {
  callback: number | null;
  open: number | null;
  events: Array<{ id: string; name: string; data: string; comment: string; t: number }>;
  errors: string[];
  response: { url: string; status: number; headers: Record<string, string>; error: string } | null;
  thrown: string | null;
  start: number;
  end: number;
}

interface Point {
  metric: string;
  value: number;
  tags: Record<string, string>;
}

async function probe(
  url: string,
  env: Record<string, string> = {},
  script = PROBE,
): Promise<{ recs: Rec[]; metrics: Record<string, { values: Record<string, number> }>; points: Point[]; stderr: string; code: number | null }> {
  const out = fx.out();
  const ndjson = fx.out('ndjson');
  const e = { URL: url, OUT: out, ...env };
  const r = await runEngine(['run', '-q', '--out', `json=${ndjson}`, ...Object.entries(e).flatMap(([k, v]) => ['-e', `${k}=${v}`]), script], { timeoutMs: 60_000 });
  const data = JSON.parse(readFileSync(out, 'utf8'));
  // The synchronous probe logs its records (worker VUs share no globals with handleSummary).
  if (script === SYNC_PROBE) data.records = [...r.stderr.matchAll(/SSE-REC (\{.*\})  source=console/g)].map((m) => JSON.parse(m[1]));
  const points = readFileSync(ndjson, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{"type":"Point"'))
    .map((l) => JSON.parse(l) as { metric: string; data: { value: number; tags: Record<string, string> } })
    .map((p) => ({ metric: p.metric, value: p.data.value, tags: p.data.tags }));
  return { recs: data.records, metrics: data.metrics, points, stderr: r.stderr, code: r.code };
}

const CHAT = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const chatParams = (headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ method: 'POST', body: CHAT, headers: { 'content-type': 'application/json', ...headers }, tags: { kind: 'chat' }, ...extra });

/** A server whose routes write exact SSE bytes, some paced. */
let server: Server;
let base = '';
const seenHeaders: Record<string, IncomingMessage['headers']> = {};
const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/protocol': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-multi': 'a' });
    res.write('retry: 10000\n: hello\nid: ABCD\ndata: {"ping": "pong"}\ndata: {"hello": "sse"}\n\n');
    res.write('event: EFGH\ndata: {"hello": "sse"}\n\n');
    // An event split across writes, a CRLF event, a junk line, a bare comment block.
    res.write('id: 3\nda');
    setTimeout(() => {
      res.write('ta: split\n\n');
      res.write('data: CRLF line ending\n\r\n');
      res.write('junk\n');
      res.write(': only a comment\n\n');
      res.end('data: never finished\n');
    }, 5);
  },
  '/paced': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const tick = () => {
      res.write(`id: ${n}\ndata: tick ${n}\n\n`);
      if (++n < 10) setTimeout(tick, 20);
      else res.end();
    };
    tick();
  },
  '/endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => res.write(`data: ${n++}\n\n`), 5);
    res.on('close', () => clearInterval(timer));
  },
  '/burst': (_req, res) => {
    // Ten events in one write, then silence until the client closes: every event is read at once.
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(Array.from({ length: 10 }, (_, i) => `data: ${i}\n\n`).join(''));
  },
  '/echo': (req, res) => {
    seenHeaders.echo = req.headers;
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${req.method} ${body}\n\n`);
    });
  },
  '/silent': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    // Then nothing until the client gives up.
  },
};

beforeAll(async () => {
  server = createServer((req, res) => (routes[req.url ?? ''] ?? ((_q, s) => s.writeHead(404).end()))(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('k6/x/sse: the xk6-sse API on the engine', () => {
  it('streams a chat completion from the mock: callback, open, every chunk in order, the response', async () => {
    const { recs, metrics, points, code } = await probe(`${fx.mock.url}/v1/chat/completions`, { PARAMS: chatParams() });
    expect(code).toBe(0);
    const [rec] = recs;
    expect(rec.thrown).toBeNull();
    expect(rec.errors).toEqual([]);
    expect(rec.callback).not.toBeNull();
    expect(rec.open!).toBeGreaterThanOrEqual(rec.callback!);
    expect(rec.response).toMatchObject({ url: `${fx.mock.url}/v1/chat/completions`, status: 200, error: '' });
    expect(rec.response!.headers['Content-Type']).toMatch(/^text\/event-stream/);
    const data = rec.events.map((e) => e.data);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const content = chunks.map((c) => c.choices?.[0]?.delta?.content).filter((c) => typeof c === 'string' && c.length > 0);
    expect(content).toHaveLength(3);
    expect(rec.events.every((e) => e.id === '' && e.name === '' && e.comment === '')).toBe(true);
    // Metrics: one sse_event per event, one http_reqs per stream, sending twice, duration once.
    expect(metrics.sse_event.values.count).toBe(rec.events.length);
    expect(metrics.http_reqs.values.count).toBe(1);
    const url = `${fx.mock.url}/v1/chat/completions`;
    const byMetric = (m: string) => points.filter((p) => p.metric === m);
    for (const m of ['sse_event', 'http_reqs', 'http_req_sending', 'http_req_duration']) {
      for (const p of byMetric(m)) expect(p.tags).toEqual({ scenario: 's', group: '', url, status: '200', kind: 'chat' });
    }
    expect(byMetric('sse_event')).toHaveLength(rec.events.length);
    expect(byMetric('http_req_sending')).toHaveLength(2);
    expect(byMetric('http_req_duration')).toHaveLength(1);
    expect(byMetric('http_req_failed')).toHaveLength(0);
    expect(byMetric('http_req_waiting')).toHaveLength(0);
    // duration = start → end of stream, at least as long as the wait for the headers.
    expect(byMetric('http_req_duration')[0].value).toBeGreaterThanOrEqual(byMetric('http_req_sending')[0].value);
    expect(metrics.data_received.values.count).toBeGreaterThan(0);
  });

  it("parses the way the extension does: ids, names, comments, multi-line data, split chunks, CRLF, junk lines, unfinished events", async () => {
    const { recs, metrics } = await probe(`${base}/protocol`);
    const [rec] = recs;
    expect(rec.events.map(({ id, name, data, comment }) => ({ id, name, data, comment }))).toEqual([
      { id: 'ABCD', name: '', data: '{"ping": "pong"}\n{"hello": "sse"}', comment: 'hello' },
      { id: '', name: 'EFGH', data: '{"hello": "sse"}', comment: '' },
      { id: '3', name: '', data: 'split', comment: '' },
      { id: '', name: '', data: 'CRLF line ending', comment: '' },
      // A blank line always dispatches, even for a comment-only block.
      { id: '', name: '', data: '', comment: 'only a comment' },
    ]);
    expect(rec.errors).toEqual(['unknown event: junk\n']);
    expect(rec.response).toMatchObject({ status: 200, error: '' });
    expect(rec.response!.headers['X-Multi']).toBe('a');
    expect(metrics.sse_event.values.count).toBe(5);
  });

  it('delivers each event when it is read: events sent 20 ms apart arrive ~20 ms apart, not batched', async () => {
    const { recs } = await probe(`${base}/paced`);
    const times = recs[0].events.map((e) => e.t);
    expect(recs[0].events.map((e) => e.id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const sorted = [...gaps].sort((a, b) => a - b);
    // A shared, loaded machine delays some wake-ups (two events may then share one read); batched
    // delivery would put every gap near 0, timer rounding would snap them to a grid.
    expect(sorted[4]).toBeGreaterThan(12);
    expect(sorted[4]).toBeLessThan(80);
    expect(gaps.filter((g) => g > 8).length).toBeGreaterThanOrEqual(5);
  });

  it('client.close() mid-stream ends the stream: no later event, the response keeps its status', async () => {
    const { recs, metrics } = await probe(`${base}/endless`, { CLOSE_AFTER: '3', ITERATIONS: '2' });
    for (const rec of recs) {
      expect(rec.events.map((e) => e.data)).toEqual(['0', '1', '2']);
      expect(rec.response).toMatchObject({ status: 200, error: '' });
      expect(rec.errors).toEqual([]);
    }
    expect(metrics.sse_event.values.count).toBe(6);
    expect(metrics.http_reqs.values.count).toBe(2);
  });

  it('sends method, body, headers (Accept and User-Agent by default, overridable)', async () => {
    const { recs } = await probe(`${base}/echo`, { PARAMS: JSON.stringify({ method: 'POST', body: '  {"ping": true}  ', headers: { Authorization: 'Bearer XXXX', 'user-agent': 'mine' } }) });
    expect(recs[0].events[0].data).toBe('POST {"ping": true}');
    expect(seenHeaders.echo).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer XXXX', 'user-agent': 'mine' });
  });

  it('a refused connection: no callback, no handler, the response carries the error; metrics still count the request', async () => {
    const dead = 'http://127.0.0.1:1/v1/chat/completions';
    const { recs, points } = await probe(dead, { PARAMS: chatParams() });
    const [rec] = recs;
    expect(rec.callback).toBeNull();
    expect(rec.errors).toEqual([]);
    expect(rec.thrown).toBeNull();
    expect(rec.response).toEqual({ url: '', status: 0, headers: {}, error: `Post "${dead}": dial: connection refused` });
    const reqs = points.filter((p) => p.metric === 'http_reqs');
    expect(reqs).toHaveLength(1);
    expect(reqs[0].tags).toEqual({ scenario: 's', group: '', url: dead, kind: 'chat' });
    expect(points.filter((p) => p.metric === 'sse_event')).toHaveLength(0);
  });

  it('options.throw turns a failed open into an exception', async () => {
    const { recs } = await probe('http://127.0.0.1:1/x', { THROW: '1' });
    expect(recs[0].thrown).toBe('Get "http://127.0.0.1:1/x": dial: connection refused');
    expect(recs[0].callback).toBeNull();
  });

  it('a non-2xx answer: the status is in the response; a JSON error body is not an event', async () => {
    const { recs, metrics, points } = await probe(`${fx.mock.url}/v1/chat/completions`, { PARAMS: chatParams({ 'x-mock-error': '503' }) });
    const [rec] = recs;
    expect(rec.callback).not.toBeNull();
    expect(rec.response!.status).toBe(503);
    expect(rec.events).toEqual([]);
    expect(metrics.sse_event).toBeUndefined();
    expect(points.filter((p) => p.metric === 'http_reqs')[0].tags.status).toBe('503');
  });

  it('a stream cut mid-way: an error event, then sse.open returns', async () => {
    const { recs } = await probe(`${fx.mock.url}/v1/chat/completions`, { PARAMS: chatParams({ 'x-mock-abort': '1' }) });
    const [rec] = recs;
    expect(rec.response!.status).toBe(200);
    expect(rec.errors.length).toBe(1);
    expect(rec.events.length).toBeGreaterThan(0);
    expect(rec.events.at(-1)!.data).not.toBe('[DONE]');
  });

  it('timeout: a stream that goes silent ends with an error event after `timeout`', async () => {
    const { recs } = await probe(`${base}/silent`, { PARAMS: JSON.stringify({ timeout: '300ms' }) });
    const [rec] = recs;
    expect(rec.events.map((e) => e.data)).toEqual(['first']);
    expect(rec.errors).toEqual(['context deadline exceeded (Client.Timeout or context cancellation while reading body)']);
    expect(rec.end - rec.start).toBeGreaterThanOrEqual(290);
  });

  it('rejects bad arguments the way the extension does', async () => {
    const bad = await probe(`${base}/echo`, { PARAMS: JSON.stringify({ timeout: '5000' }) });
    expect(bad.recs[0].thrown).toBe('invalid sse.open() timeout: time: invalid duration "5000"');
  });

  it('a throw in a handler closes the stream and fails the iteration with it; samples keep the group tag', async () => {
    const { recs, points } = await probe(`${base}/endless`, { THROW_IN: 'event', GROUP: 'g' });
    expect(recs[0].events).toHaveLength(1);
    expect(recs[0].thrown).toBe('thrown in event');
    expect(points.filter((p) => p.metric === 'sse_event').map((p) => p.tags.group)).toEqual(['::g']);
  });
});

describe('k6/x/sse on worker VUs: a blocking sse.open in a synchronous script', () => {
  const syncProbe = (url: string, env: Record<string, string> = {}) => probe(url, { GET: `${fx.mock.url}/v1/models`, ...env }, SYNC_PROBE);
  /** The stream's own samples (not the script's http.get): metric, tags, count. */
  const streamSamples = (points: Point[], url: string) => {
    const counts = new Map<string, number>();
    for (const p of points) {
      if (p.tags.url !== url || !['sse_event', 'http_reqs', 'http_req_sending', 'http_req_duration', 'http_req_failed', 'http_req_waiting'].includes(p.metric)) continue;
      const key = `${p.metric} ${JSON.stringify(p.tags)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return Object.fromEntries([...counts].sort());
  };

  it('streams a chat completion from the mock: every event, the response and the same stream metrics as on the event loop; http.get works in a handler', async () => {
    const url = `${fx.mock.url}/v1/chat/completions`;
    const sync = await syncProbe(url, { PARAMS: chatParams(), GET_IN_OPEN: '1' });
    const loop = await probe(url, { PARAMS: chatParams() });
    expect(sync.code).toBe(0);
    expect(sync.stderr).not.toContain('ERRO');
    const [rec] = sync.recs as Array<Rec & { got: number; gotInOpen: number }>;
    expect(rec.got).toBe(200);
    expect(rec.gotInOpen).toBe(200);
    expect(rec.thrown).toBeNull();
    expect(rec.errors).toEqual([]);
    expect(rec.open!).toBeGreaterThanOrEqual(rec.callback!);
    expect(rec.response).toMatchObject({ url, status: 200, error: '' });
    expect(rec.response!.headers['Content-Type']).toMatch(/^text\/event-stream/);
    const data = rec.events.map((e) => e.data);
    expect(data.at(-1)).toBe('[DONE]');
    const content = data.slice(0, -1).map((d) => JSON.parse(d).choices?.[0]?.delta?.content).filter((c) => typeof c === 'string' && c.length > 0);
    expect(content).toHaveLength(3);
    expect(data.length).toBe(loop.recs[0].events.length);
    expect(sync.metrics.sse_event.values.count).toBe(rec.events.length);
    expect(streamSamples(sync.points, url)).toEqual(streamSamples(loop.points, url));
    expect(Object.keys(streamSamples(sync.points, url))).toHaveLength(4);
  });

  it('client.close() in a handler ends the stream: no later event, none counted, as on the event loop', async () => {
    // All ten events are read before the VU's handler closes: the seven after it must not count.
    const sync = await syncProbe(`${base}/burst`, { CLOSE_AFTER: '3', ITERATIONS: '2' });
    const loop = await probe(`${base}/burst`, { CLOSE_AFTER: '3', ITERATIONS: '2' });
    expect(sync.code).toBe(0);
    expect(sync.recs).toHaveLength(2);
    for (const rec of sync.recs) {
      expect(rec.events.map((e) => e.data)).toEqual(['0', '1', '2']);
      expect(rec.response).toMatchObject({ status: 200, error: '' });
      expect(rec.errors).toEqual([]);
    }
    expect(sync.metrics.sse_event.values.count).toBe(6);
    expect(sync.metrics.http_reqs.values.count).toBe(4);
    expect(loop.metrics.sse_event.values.count).toBe(6);
    expect(streamSamples(sync.points, `${base}/burst`)).toEqual(streamSamples(loop.points, `${base}/burst`));
  });

  it('delivers each event as it is read, timed when it was read: events 20 ms apart arrive ~20 ms apart', async () => {
    const { recs } = await syncProbe(`${base}/paced`);
    expect(recs[0].events.map((e) => e.id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const times = recs[0].events.map((e) => e.t);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const sorted = [...gaps].sort((a, b) => a - b);
    expect(sorted[4]).toBeGreaterThan(12);
    expect(sorted[4]).toBeLessThan(80);
  });

  it("a handler's clock reads the time its event was read, however long the handlers before it took", async () => {
    // Ten events read at once; each handler sleeps 20 ms, so the last runs ~180 ms after the first.
    const { recs, metrics } = await syncProbe(`${base}/burst`, { CLOSE_AFTER: '10', HANDLER_SLEEP: '0.02' });
    const times = recs[0].events.map((e) => e.t);
    expect(times).toHaveLength(10);
    expect(recs[0].end - times[0]).toBeGreaterThanOrEqual(180);
    expect(times[9] - times[0]).toBeLessThan(20);
    expect(metrics.sse_event.values.count).toBe(10);
  });

  it('a throw in a handler closes the stream and fails the iteration with it; samples keep the group tag', async () => {
    const { recs, points, stderr } = await syncProbe(`${base}/endless`, { THROW_IN: 'event', GROUP: 'g' });
    expect(recs[0].events).toHaveLength(1);
    expect(recs[0].thrown).toBe('thrown in event');
    expect(stderr).toMatch(/ERRO\[\d{4}\] Error: thrown in event\n\s+at .*sse-sync-probe\.js:\d+:\d+/);
    expect(points.filter((p) => p.metric === 'sse_event').map((p) => p.tags.group)).toEqual(['::g']);
  });

  it('a refused connection and bad arguments, as on the event loop', async () => {
    const dead = 'http://127.0.0.1:1/v1/chat/completions';
    const { recs } = await syncProbe(dead, { PARAMS: chatParams() });
    expect(recs[0].callback).toBeNull();
    expect(recs[0].response).toEqual({ url: '', status: 0, headers: {}, error: `Post "${dead}": dial: connection refused` });
    const bad = await syncProbe(`${base}/echo`, { PARAMS: JSON.stringify({ timeout: '5000' }) });
    expect(bad.recs[0].thrown).toBe('invalid sse.open() timeout: time: invalid duration "5000"');
  });
});
