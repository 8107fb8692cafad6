// Streaming pace of the mock: N concurrent streams of T tokens at a fixed ITL, the mock pinned to
// core 0 and this client to core 1. Measures, at the client, the gap between consecutive content
// chunks of each stream (p50/p99/max) and the time to first token.
//
//   node --import tsx bench/mock-streaming.ts [--streams 1000] [--tokens 20] [--itl 10] [--latency 50] [--rounds 3]
//   ... --server floor   measures bench/mock-stream-floor.ts instead: what bare Node manages on this core
//
// The client speaks HTTP/1.1 over raw sockets and timestamps each socket read, so its own cost per
// chunk stays far below the mock's; chunks that arrive in one read count as gap 0 (nothing hidden).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { flagValue, machine, median, percentile, pin, pinSelf, processCpuMs, startChild, startMockChild } from './mock-common.ts';

const argv = process.argv.slice(2);
const STREAMS = Number(flagValue(argv, 'streams', '1000'));
const TOKENS = Number(flagValue(argv, 'tokens', '20'));
const ITL = Number(flagValue(argv, 'itl', '10'));
const LATENCY = Number(flagValue(argv, 'latency', '50'));
const ROUNDS = Number(flagValue(argv, 'rounds', '3'));
const MARK = '"delta":{"content":';

interface RoundResult {
  gaps: Float64Array;
  ttft: Float64Array;
  complete: number;
  tokens: number;
  wallMs: number;
}

function oneStream(port: number, body: string, gaps: number[], ttft: number[]): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const request =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    let sentAt = 0;
    let last = -1;
    let first = true;
    let tokens = 0;
    let carry = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      sentAt = performance.now();
      socket.write(request);
    });
    socket.on('data', (text: string) => {
      const now = performance.now();
      const data = carry + text;
      let n = 0;
      for (let i = data.indexOf(MARK); i !== -1; i = data.indexOf(MARK, i + MARK.length)) n++;
      carry = data.slice(-(MARK.length - 1));
      for (let k = 0; k < n; k++) {
        if (first) ttft.push(now - sentAt);
        else gaps.push(k === 0 ? now - last : 0);
        first = false;
        tokens++;
      }
      if (n > 0) last = now;
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(tokens));
  });
}

async function round(port: number): Promise<RoundResult> {
  const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say twenty words.' }], stream: true });
  const gaps: number[] = [];
  const ttft: number[] = [];
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: STREAMS }, () => oneStream(port, body, gaps, ttft)));
  const wallMs = performance.now() - started;
  return {
    gaps: Float64Array.from(gaps).sort(),
    ttft: Float64Array.from(ttft).sort(),
    complete: counts.filter((n) => n === TOKENS).length,
    tokens: counts.reduce((a, b) => a + b, 0),
    wallMs,
  };
}

async function run(): Promise<void> {
  const pinned = pinSelf(1);
  const external = flagValue(argv, 'url', '');
  // --url: measure an already running mock (e.g. one started under a profiler); it must use the same settings.
  const floor = flagValue(argv, 'server', 'mock') === 'floor';
  const settings = ['--latency', `${LATENCY}`, '--itl', `${ITL}`, '--tokens', String(TOKENS)];
  const mock = external
    ? { url: external, stop: async () => {}, proc: { pid: Number(flagValue(argv, 'pid', '0')) || undefined } }
    : floor
      ? await startChild([...pin(0), process.execPath, '--import', 'tsx', new URL('./mock-stream-floor.ts', import.meta.url).pathname, ...settings])
      : await startMockChild(settings, 0);
  const port = Number(new URL(mock.url).port);
  const rows: { p50: number; p99: number; max: number; ttft50: number; ttft99: number; cpuPerToken: number | null }[] = [];
  let serverSide = '';
  try {
    await round(port); // warm-up: JIT, connection setup paths
    for (let r = 0; r < ROUNDS; r++) {
      const cpu0 = processCpuMs(mock.proc.pid);
      const self0 = process.cpuUsage();
      const res = await round(port);
      const cpu1 = processCpuMs(mock.proc.pid);
      const self1 = process.cpuUsage(self0);
      const load =
        cpu0 !== null && cpu1 !== null
          ? `server cpu ${(((cpu1 - cpu0) / res.wallMs) * 100).toFixed(0)}% (${(((cpu1 - cpu0) * 1000) / res.tokens).toFixed(1)} µs per token incl. requests)`
          : 'server cpu n/a';
      const row = {
        p50: percentile(res.gaps, 50),
        p99: percentile(res.gaps, 99),
        max: res.gaps.length ? res.gaps[res.gaps.length - 1] : NaN,
        ttft50: percentile(res.ttft, 50),
        ttft99: percentile(res.ttft, 99),
        cpuPerToken: cpu0 !== null && cpu1 !== null && res.tokens > 0 ? ((cpu1 - cpu0) * 1000) / res.tokens : null,
      };
      rows.push(row);
      console.log(
        `round ${r + 1}: ${res.complete}/${STREAMS} streams complete, ${res.tokens} tokens, ${res.gaps.length} gaps; ` +
          `gap p50 ${row.p50.toFixed(2)} ms p99 ${row.p99.toFixed(2)} ms max ${row.max.toFixed(2)} ms; ` +
          `ttft p50 ${row.ttft50.toFixed(1)} ms p99 ${row.ttft99.toFixed(1)} ms; wall ${res.wallMs.toFixed(0)} ms; ${load}, ` +
          `client cpu ${(((self1.user + self1.system) / 1000 / res.wallMs) * 100).toFixed(0)}%`,
      );
      await new Promise((r) => setTimeout(r, 300));
    }
    // The mock's own view: how late its chunks left against their schedule (all rounds, warm-up included).
    if (!floor) {
      const stats = (await (await fetch(`${mock.url}/stats`)).json()) as { chunk_lateness_ms: { count: number; p50: number; p99: number; max: number } };
      const l = stats.chunk_lateness_ms;
      serverSide = `mock-side chunk lateness over ${l.count} chunks: p50 <= ${l.p50} ms, p99 <= ${l.p99} ms, max ${l.max} ms`;
    }
  } finally {
    await mock.stop();
  }
  const p99 = median(rows.map((r) => r.p99));
  const what = floor ? 'bare-Node floor server' : 'mock';
  console.log(`\nmachine: ${machine()}; ${what} pinned to core 0${pinned ? ', client to core 1' : ' (client not pinned)'}`);
  console.log(
    `${what}, median of ${ROUNDS} rounds: ${STREAMS} streams x ${TOKENS} tokens @ ${ITL} ms ITL: inter-token gap p50 ${median(rows.map((r) => r.p50)).toFixed(2)} ms, ` +
      `p99 ${p99.toFixed(2)} ms, max ${median(rows.map((r) => r.max)).toFixed(2)} ms; ttft p50 ${median(rows.map((r) => r.ttft50)).toFixed(1)} ms ` +
      `p99 ${median(rows.map((r) => r.ttft99)).toFixed(1)} ms (latency ${LATENCY} ms)`,
  );
  if (rows.every((r) => r.cpuPerToken !== null)) {
    const perToken = median(rows.map((r) => r.cpuPerToken!));
    console.log(
      `server CPU per token (requests included): ${perToken.toFixed(1)} µs, i.e. about ${Math.round(1e6 / perToken / 1000)}k tokens/s per core; ` +
        `this load needs ${Math.round((STREAMS * 1000) / ITL / 1000)}k/s`,
    );
  }
  if (serverSide) console.log(serverSide);
  console.log(`target: gap p99 within 2 ms of ${ITL} ms -> ${Math.abs(p99 - ITL) <= 2 ? 'met' : 'missed'}`);
}

await run();
