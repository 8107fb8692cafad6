// Streams to clients that read slowly or not at all: the mock must pause them (socket buffer full),
// hold little memory per stream, keep serving others, and count them as open, then disconnected.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMock } from './server.ts';

let running: RunningMock[] = [];
afterEach(async () => {
  await Promise.all(running.map((m) => m.close()));
  running = [];
});

type Stats = Record<string, number>;
const stats = async (url: string): Promise<Stats> => (await fetch(`${url}/stats`)).json() as Promise<Stats>;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A long model name makes every chunk about 1.2 KB, so an answer (tokens x 1.2 KB) is far larger than
// what the kernel's socket buffers can absorb: the rest must wait in the mock, or not be made yet.
const MODEL = 'm'.repeat(1000);
const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });

/** A raw HTTP/1.1 streaming request on a socket that never reads. */
function stalledClient(port: number, tokens: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => {});
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n` +
      `x-mock-tokens: ${tokens}\r\nx-mock-itl: 0\r\nx-mock-latency: 0\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

/** The real mock CLI in a child process (its own memory and event loop). */
async function mockChild(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const bin = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'mock', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /listening on (http:\S+)/.exec(String(d));
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`mock exited with ${code}`)));
    });
    return { url, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

describe('backpressure', () => {
  it('10 clients that never read: streams pause with at most 1 MB buffered each, count as open, then as disconnected', async () => {
    const mock = await startMockServer({ port: 0 });
    running.push(mock);
    const serverSockets: net.Socket[] = [];
    mock.server.on('connection', (s: net.Socket) => serverSockets.push(s));
    const clients = Array.from({ length: 10 }, () => stalledClient(mock.port, 20_000));
    // Each stream fills its socket first (a few MB through the kernel): slow on a busy machine.
    await waitFor(async () => (await stats(mock.url)).paused_streams === 10, 60_000);
    const paused = await stats(mock.url);
    expect(paused).toMatchObject({ open_streams: 10, paused_streams: 10, in_flight: 10, client_disconnects: 0 });
    // Each stream stopped where the socket filled: far from its 20 000 tokens.
    expect(paused.tokens_sent).toBeLessThan(10 * 20_000);
    // Nothing more is made while they wait.
    await new Promise((r) => setTimeout(r, 300));
    expect((await stats(mock.url)).tokens_sent).toBe(paused.tokens_sent);
    const streamSockets = serverSockets.filter((s) => s.writableLength > 0);
    expect(streamSockets).toHaveLength(10);
    for (const s of streamSockets) expect(s.writableLength).toBeLessThanOrEqual(1 << 20);
    // Other requests are served meanwhile.
    const ok = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-latency': '0' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(ok.status).toBe(200);
    for (const c of clients) c.destroy();
    await waitFor(async () => (await stats(mock.url)).open_streams === 0);
    expect(await stats(mock.url)).toMatchObject({ open_streams: 0, paused_streams: 0, in_flight: 0, client_disconnects: 10, tokens_sent: paused.tokens_sent + 20 });
    await waitFor(async () => mock.app.runtime.scheduler.pending === 0, 1000);
  }, 120_000);

  it('a client that stops reading for a while, then reads: the stream pauses, resumes and arrives whole', async () => {
    const mock = await startMockServer({ port: 0 });
    running.push(mock);
    const tokens = 20_000;
    const socket = stalledClient(mock.port, tokens);
    await waitFor(async () => (await stats(mock.url)).paused_streams === 1, 60_000);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) => {
      socket.on('end', () => resolve());
      socket.resume();
    });
    socket.destroy();
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    // Chunked framing intact: decode it and count the content deltas.
    const raw = text.slice(text.indexOf('\r\n\r\n') + 4);
    let decoded = '';
    for (let at = 0; ; ) {
      const eol = raw.indexOf('\r\n', at);
      const size = parseInt(raw.slice(at, eol), 16);
      if (size === 0) break;
      decoded += raw.slice(eol + 2, eol + 2 + size);
      expect(raw.slice(eol + 2 + size, eol + 4 + size)).toBe('\r\n');
      at = eol + 4 + size;
    }
    expect(decoded.split('"delta":{"content":').length - 1).toBe(tokens);
    expect(decoded.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await stats(mock.url)).toMatchObject({ open_streams: 0, paused_streams: 0, tokens_sent: tokens, client_disconnects: 0 });
  }, 120_000);

  it('gapless streams (x-mock-itl: 0) to clients that keep up do not hold the event loop: /stats answers meanwhile', async () => {
    const { url, stop } = await mockChild();
    try {
      const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      const headers = { 'x-mock-tokens': '100000', 'x-mock-itl': '0', 'x-mock-latency': '0' };
      const streams = Array.from({ length: 5 }, () => fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body }).then((r) => r.text()));
      await waitFor(async () => (await stats(url)).open_streams === 5);
      let slowest = 0;
      let sawOpen = 0;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const s = await stats(url);
        slowest = Math.max(slowest, performance.now() - t0);
        sawOpen = Math.max(sawOpen, s.open_streams);
      }
      const texts = await Promise.all(streams);
      expect(texts.every((t) => t.split('"delta":{"content":').length - 1 === 100_000)).toBe(true);
      expect(sawOpen).toBeGreaterThan(0);
      // One answer alone is 100 000 writes (seconds of CPU): the mock used to finish each before /stats got a turn.
      expect(slowest).toBeLessThan(2000);
    } finally {
      await stop();
    }
  }, 120_000);

  it('the mock process stays small with 20 stalled streams and gives the memory back (RSS)', async () => {
    const { url, pid, stop } = await mockChild();
    try {
      const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
      // Warm up the streaming path once, so the baseline includes its code.
      const warm = stalledClient(Number(new URL(url).port), 20_000);
      await waitFor(async () => (await stats(url)).paused_streams === 1, 60_000);
      warm.destroy();
      await waitFor(async () => (await stats(url)).open_streams === 0);
      const before = rssMb();
      // 20 answers of about 24 MB each: about 480 MB if the mock buffered them.
      const clients = Array.from({ length: 20 }, () => stalledClient(Number(new URL(url).port), 20_000));
      await waitFor(async () => (await stats(url)).paused_streams === 20, 90_000);
      const grown = rssMb() - before;
      expect(grown).toBeLessThan(20 * 1 + 30); // 1 MB per stream, plus 30 MB of heap growth and noise
      for (const c of clients) c.destroy();
      await waitFor(async () => (await stats(url)).open_streams === 0);
      expect(await stats(url)).toMatchObject({ paused_streams: 0, in_flight: 0, client_disconnects: 21 });
    } finally {
      await stop();
    }
  }, 180_000);
});
