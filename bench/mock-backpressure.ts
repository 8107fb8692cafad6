// The mock under clients that do not keep up, in a child process of its own:
//  1. N raw-socket clients ask for 100 000 tokens at x-mock-itl 0 and never read: the mock's RSS
//     before, while they wait and after they close, what /stats says, how long /stats takes.
//  2. M clients that read as fast as they can, same answers: the slowest /stats meanwhile.
//
//   node --import tsx bench/mock-backpressure.ts [--stalled 20] [--readers 10] [--bin path/to/llmux-bench.mjs]
// (--bin measures another checkout's mock, e.g. the one before a change.)
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { BIN, flagValue, machine, startChild } from './mock-common.ts';

const argv = process.argv.slice(2);
const STALLED = Number(flagValue(argv, 'stalled', '20'));
const READERS = Number(flagValue(argv, 'readers', '10'));
const bin = flagValue(argv, 'bin', BIN);

const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
const headers = { 'x-mock-tokens': '100000', 'x-mock-itl': '0', 'x-mock-latency': '0' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timedStats(url: string): Promise<{ ms: number; stats: Record<string, number> }> {
  const t0 = performance.now();
  const stats = (await (await fetch(`${url}/stats`)).json()) as Record<string, number>;
  return { ms: performance.now() - t0, stats };
}

async function run(): Promise<void> {
  const mock = await startChild([process.execPath, bin, 'mock', '--port', '0']);
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${mock.proc.pid}/status`, 'utf8'))![1]) / 1024;
  const port = Number(new URL(mock.url).port);
  try {
    await fetch(`${mock.url}/health`);
    const rss0 = rssMb();
    const sockets = Array.from({ length: STALLED }, () => {
      const s = net.connect(port, '127.0.0.1');
      s.pause();
      s.on('error', () => {});
      s.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return s;
    });
    // Until every stream has filled its socket and paused (or 60 s: a mock without backpressure never does).
    let slowest = 0;
    let last: Record<string, number> = {};
    const began = performance.now();
    while (performance.now() - began < 60_000 && last.paused_streams !== STALLED) {
      await sleep(500);
      const { ms, stats } = await timedStats(mock.url);
      slowest = Math.max(slowest, ms);
      last = stats;
    }
    const waited = (performance.now() - began) / 1000;
    await sleep(1000);
    const rssStalled = rssMb();
    for (const s of sockets) s.destroy();
    await sleep(2000);
    const after = (await timedStats(mock.url)).stats;
    const rssAfter = rssMb();
    console.log(
      `${STALLED} clients that never read: RSS ${rss0.toFixed(0)} MB -> ${rssStalled.toFixed(0)} MB after ${waited.toFixed(0)} s (${((rssStalled - rss0) / STALLED).toFixed(2)} MB per stream) -> ` +
        `${rssAfter.toFixed(0)} MB after they closed; slowest /stats ${slowest.toFixed(0)} ms; ` +
        `/stats while waiting: open_streams ${last.open_streams}, paused_streams ${last.paused_streams ?? 'n/a'}, tokens_sent ${last.tokens_sent}; ` +
        `after: open_streams ${after.open_streams}, client_disconnects ${after.client_disconnects}`,
    );

    const t0 = performance.now();
    const reading = Array.from({ length: READERS }, () =>
      fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers, body }).then((r) => r.text()),
    );
    await sleep(300);
    let slowestReading = 0;
    for (let i = 0; i < 10; i++) {
      slowestReading = Math.max(slowestReading, (await timedStats(mock.url)).ms);
      await sleep(100);
    }
    const texts = await Promise.all(reading);
    const whole = texts.filter((t) => t.endsWith('data: [DONE]\n\n')).length;
    console.log(
      `${READERS} clients reading 100 000-token gapless streams: all done in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${whole}/${READERS} whole; slowest /stats meanwhile ${slowestReading.toFixed(0)} ms`,
    );
    console.log(`machine: ${machine()}; mock ${bin}`);
  } finally {
    await mock.stop();
  }
}

await run();
