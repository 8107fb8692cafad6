// Non-streaming throughput of the mock against a bare node:http server that parses the same JSON
// body and returns the same bytes (and, for context, a minimal Hono app doing the same). Each
// server runs as a child pinned to core 0 (taskset, when present); autocannon (100 connections, no
// pipelining) runs here, pinned to core 1. Rounds alternate the servers so the drift of a shared
// machine hits all alike.
//
//   node --import tsx bench/mock-throughput.ts [--rounds 5] [--duration 5] [--connections 100]
import autocannon from 'autocannon';
import { flagValue, machine, median, pin, pinSelf, processCpuMs, startChild, startMockChild, type Child } from './mock-common.ts';

const argv = process.argv.slice(2);
const ROUNDS = Number(flagValue(argv, 'rounds', '5'));
const DURATION = Number(flagValue(argv, 'duration', '5'));
const CONNECTIONS = Number(flagValue(argv, 'connections', '100'));
const BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say twenty words about benchmarks.' }], max_tokens: 20 });

interface Load {
  rps: number;
  /** Share of one core the server used (null without /proc). */
  cpu: number | null;
  /** Server CPU time per request, µs (null without /proc). */
  cpuPerReqUs: number | null;
  failures: number;
}

async function load(child: Child, seconds: number): Promise<Load> {
  const cpu0 = processCpuMs(child.proc.pid);
  const result = await autocannon({
    url: `${child.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
  });
  const cpu1 = processCpuMs(child.proc.pid);
  const elapsed = result.duration || seconds;
  const used = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
  return {
    rps: result.requests.total / elapsed,
    cpu: used === null ? null : used / (elapsed * 1000),
    cpuPerReqUs: used === null || result.requests.total === 0 ? null : (used * 1000) / result.requests.total,
    failures: result.non2xx + result.errors,
  };
}

const SERVERS = ['bare', 'floor', 'mock'] as const;
type Server = (typeof SERVERS)[number];

async function run(): Promise<void> {
  const pinned = pinSelf(1);
  const mock = await startMockChild(['--latency', '0'], 0);
  // Capture one answer so the references send the same bytes and headers.
  const sample = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  const env = { MOCK_BARE_BODY: await sample.text(), MOCK_BARE_REQUEST_ID: sample.headers.get('x-request-id') ?? 'req_bare' };
  const script = (name: string) => new URL(name, import.meta.url).pathname;
  const servers: Record<Server, Child> = {
    bare: await startChild([...pin(0), process.execPath, '--import', 'tsx', script('./mock-bare-server.ts')], 20_000, env),
    floor: await startChild([...pin(0), process.execPath, '--import', 'tsx', script('./mock-hono-floor.ts')], 20_000, env),
    mock,
  };
  const rows: Record<Server, Load>[] = [];
  const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)}%`);
  const us = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} µs`);
  try {
    for (const name of SERVERS) await load(servers[name], 2); // warm-up (JIT)
    for (let r = 0; r < ROUNDS; r++) {
      const row = {} as Record<Server, Load>;
      for (const name of SERVERS) row[name] = await load(servers[name], DURATION);
      rows.push(row);
      const parts = SERVERS.map((n) => `${n} ${row[n].rps.toFixed(0)} req/s (cpu ${pct(row[n].cpu)}, ${us(row[n].cpuPerReqUs)}/req)`);
      const failures = SERVERS.reduce((a, n) => a + row[n].failures, 0);
      console.log(`round ${r + 1}: ${parts.join(', ')}; mock/bare ${(100 * (row.mock.rps / row.bare.rps)).toFixed(1)}%${failures ? `; ${failures} failed requests` : ''}`);
    }
  } finally {
    await Promise.all(SERVERS.map((n) => servers[n].stop()));
  }
  const med = (f: (row: Record<Server, Load>) => number) => median(rows.map(f));
  const ratio = med((r) => r.mock.rps / r.bare.rps);
  console.log(`\nmachine: ${machine()}; servers pinned to core 0${pinned ? ', autocannon to core 1' : ' (load generator not pinned)'}`);
  console.log(
    `median of ${ROUNDS} rounds (${DURATION} s each, ${CONNECTIONS} connections, no pipelining, mock --latency 0): ` +
      `bare node:http ${med((r) => r.bare.rps).toFixed(0)} req/s, minimal Hono ${med((r) => r.floor.rps).toFixed(0)} req/s, ` +
      `mock ${med((r) => r.mock.rps).toFixed(0)} req/s; mock/bare ${(100 * ratio).toFixed(1)}%, minimal Hono/bare ${(100 * med((r) => r.floor.rps / r.bare.rps)).toFixed(1)}%`,
  );
  // On a shared machine no server may get a whole core; CPU time per request is the steadier view.
  if (rows.every((r) => SERVERS.every((n) => r[n].cpuPerReqUs !== null))) {
    console.log(
      `server CPU per request: bare ${med((r) => r.bare.cpuPerReqUs!).toFixed(1)} µs, minimal Hono ${med((r) => r.floor.cpuPerReqUs!).toFixed(1)} µs, ` +
        `mock ${med((r) => r.mock.cpuPerReqUs!).toFixed(1)} µs; bare/mock ${(100 * med((r) => r.bare.cpuPerReqUs! / r.mock.cpuPerReqUs!)).toFixed(1)}% ` +
        `(what mock/bare req/s would be with a core each to itself)`,
    );
  }
  console.log(`target: mock >= 80% of bare req/s -> ${ratio >= 0.8 ? 'met' : 'missed'}`);
}

await run();
