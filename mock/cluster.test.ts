// mock --workers N: the real CLI, N processes on one port, numbers added up across them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/llmux-bench.mjs', import.meta.url));

let children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children = [];
});

async function startCluster(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, 'mock', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /^mock listening on (http:\/\/\S+)\n$/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

const workerPids = (pid: number): number[] =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('llmux-bench.mjs'));

const sockets = (pid: number): number =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** One POST on a connection of its own (so the primary hands each to the next worker). */
function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', connection: 'close', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const chat = (stream: boolean) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream });

describe('mock --workers 2', () => {
  it('answers on one port from two processes, and /stats and /metrics add up exactly', async () => {
    const { child, url } = await startCluster(['--workers', '2', '--latency', '0', '--itl', '1ms', '--tokens', '5']);
    const pids = workerPids(child.pid!);
    expect(pids).toHaveLength(2);
    // Both workers take connections: hold four streams open and look at each worker's sockets.
    const before = pids.map(sockets);
    const held = Array.from({ length: 4 }, () => {
      const req = http.request(`${url}/v1/chat/completions`, { method: 'POST', agent: false, headers: { 'x-mock-latency': '30s' } });
      req.on('error', () => {});
      req.end(chat(true));
      return req;
    });
    let deadline = Date.now() + 60_000;
    let grown = [0, 0];
    while (Date.now() < deadline) {
      grown = pids.map((p, i) => sockets(p) - before[i]);
      if (grown[0] + grown[1] >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Round robin hands each connection to the next free worker: both get some, 4 in all.
    expect(grown[0] + grown[1]).toBe(4);
    expect(Math.min(...grown)).toBeGreaterThanOrEqual(1);
    for (const r of held) r.destroy();
    deadline = Date.now() + 60_000;
    while ((await (await fetch(`${url}/stats`)).json() as { in_flight: number }).in_flight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    // 100 whole answers, 60 streams of 5 tokens, 10 bad bodies, in parallel batches.
    const results: { status: number; text: string }[] = [];
    for (let batch = 0; batch < 10; batch++) {
      results.push(
        ...(await Promise.all([
          ...Array.from({ length: 10 }, () => post(url, chat(false))),
          ...Array.from({ length: 6 }, () => post(url, chat(true))),
          post(url, '{"model":'),
        ])),
      );
    }
    expect(results.filter((r) => r.status === 200)).toHaveLength(160);
    expect(results.filter((r) => r.status === 400)).toHaveLength(10);
    // Each worker draws its own seed: no request id repeats across them.
    const ids = results.filter((r) => r.status === 200).map((r) => /"id":"([^"]+)"/.exec(r.text)![1]);
    expect(new Set(ids).size).toBe(160);

    const stats = (await (await fetch(`${url}/stats`)).json()) as Record<string, any>;
    expect(stats).toMatchObject({
      workers: 2,
      in_flight: 0,
      open_streams: 0,
      tokens_sent: 100 * 5 + 60 * 5,
      client_disconnects: 4,
    });
    // The held streams, the batches, the in_flight polls answered before, and this request.
    const polls = stats.by_route['GET /stats 200'] ?? 0;
    expect(stats.requests_total).toBe(4 + 170 + polls + 1);
    // A stream counts as 200 when admitted: the four held ones too.
    expect(stats.by_route['POST /v1/chat/completions 200']).toBe(164);
    expect(stats.by_route['POST /v1/chat/completions 400']).toBe(10);
    // The merged histogram holds every chunk of both workers: 5 per completed stream.
    expect(stats.chunk_lateness_ms.count).toBe(60 * 5);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('llmux_mock_requests_total{method="POST",route="/v1/chat/completions",status="200"} 164\n');
    expect(metrics).toContain('llmux_mock_chunk_lateness_seconds_count 300\n');
    expect(metrics).toContain('llmux_mock_workers 2\n');
    expect(metrics).toContain('llmux_mock_tokens_sent_total 800\n');

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const p of pids) expect(alive(p)).toBe(false);
  }, 240_000);

  it('workers do not outlive a primary killed with SIGKILL; a worker that dies ends the mock with one line, exit 1', async () => {
    const a = await startCluster(['--workers', '2']);
    const pids = workerPids(a.child.pid!);
    expect(pids).toHaveLength(2);
    a.child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(alive)).toEqual([]);

    const b = await startCluster(['--workers', '2']);
    const [first] = workerPids(b.child.pid!);
    const exited = new Promise<number | null>((resolve) => b.child.once('exit', (code) => resolve(code)));
    process.kill(first, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(b.stderr()).toBe(`llmux-bench mock: mock worker 0 (pid ${first}) exited (signal SIGKILL)\n`);
  }, 120_000);

  it('--workers 0 is refused; the flag is in --help with its default and env variable', async () => {
    const bad = spawn(process.execPath, [BIN, 'mock', '--workers', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(bad);
    let err = '';
    bad.stderr!.on('data', (d) => (err += String(d)));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toMatch(/^llmux-bench mock: --workers/);
    const help = spawn(process.execPath, [BIN, 'mock', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    help.stdout!.on('data', (d) => (out += String(d)));
    await new Promise((resolve) => help.once('exit', resolve));
    expect(out).toMatch(/--workers N\s+processes serving the port \(Node cluster\); \/stats and \/metrics add them up \(default: 1; env: MOCK_WORKERS\)/);
  }, 60_000);
});
