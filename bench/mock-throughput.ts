// Non-streaming throughput of the mock against a bare node:http server that parses the same JSON
// body and returns the same bytes. Each server runs as a child pinned to core 0 (taskset, when
// present); autocannon (100 connections, no pipelining) runs here, pinned to core 1. Rounds
// alternate bare / mock so slow drift of a shared machine hits both alike.
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
  /** Server CPU time per request, µs (null without /proc). */
  cpuPerReqUs: number | null;
  non2xx: number;
  errors: number;
  cpu: number | null;
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
  return {
    rps: result.requests.total / elapsed,
    cpuPerReqUs: cpu0 !== null && cpu1 !== null && result.requests.total > 0 ? ((cpu1 - cpu0) * 1000) / result.requests.total : null,
    non2xx: result.non2xx,
    errors: result.errors,
    cpu: cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / (elapsed * 1000) : null,
  };
}

async function run(): Promise<void> {
  const pinned = pinSelf(1);
  const mock = await startMockChild(['--latency', '0'], 0);
  // Capture one answer so the bare server sends the same bytes and headers.
  const sample = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  const sampleBody = await sample.text();
  const bare = await startChild([...pin(0), process.execPath, '--import', 'tsx', new URL('./mock-bare-server.ts', import.meta.url).pathname], 20_000, {
    MOCK_BARE_BODY: sampleBody,
    MOCK_BARE_REQUEST_ID: sample.headers.get('x-request-id') ?? 'req_bare',
  });
  const ratios: number[] = [];
  const rows: { bare: Load; mock: Load }[] = [];
  const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)}%`);
  const us = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} µs`);
  try {
    await load(bare, 2); // warm-up both (JIT)
    await load(mock, 2);
    for (let r = 0; r < ROUNDS; r++) {
      const b = await load(bare, DURATION);
      const m = await load(mock, DURATION);
      rows.push({ bare: b, mock: m });
      ratios.push(m.rps / b.rps);
      console.log(
        `round ${r + 1}: bare ${b.rps.toFixed(0)} req/s (cpu ${pct(b.cpu)}, ${us(b.cpuPerReqUs)}/req), ` +
          `mock ${m.rps.toFixed(0)} req/s (cpu ${pct(m.cpu)}, ${us(m.cpuPerReqUs)}/req), ` +
          `ratio ${(100 * (m.rps / b.rps)).toFixed(1)}%` +
          (b.non2xx + m.non2xx + b.errors + m.errors ? `; non-2xx ${b.non2xx}/${m.non2xx}, errors ${b.errors}/${m.errors}` : ''),
      );
    }
  } finally {
    await Promise.all([mock.stop(), bare.stop()]);
  }
  const ratio = median(ratios);
  console.log(`\nmachine: ${machine()}; servers pinned to core 0${pinned ? ', autocannon to core 1' : ' (load generator not pinned)'}`);
  console.log(
    `median of ${ROUNDS} rounds (${DURATION} s each, ${CONNECTIONS} connections, no pipelining, --latency 0): ` +
      `bare node:http ${median(rows.map((r) => r.bare.rps)).toFixed(0)} req/s, mock ${median(rows.map((r) => r.mock.rps)).toFixed(0)} req/s, ` +
      `mock/bare ${(100 * ratio).toFixed(1)}%`,
  );
  // On a shared machine neither server may get a whole core; CPU time per request is the steadier view.
  const cost = rows.every((r) => r.bare.cpuPerReqUs !== null && r.mock.cpuPerReqUs !== null)
    ? median(rows.map((r) => r.bare.cpuPerReqUs! / r.mock.cpuPerReqUs!))
    : null;
  if (cost !== null) {
    console.log(
      `server CPU per request: bare ${median(rows.map((r) => r.bare.cpuPerReqUs!)).toFixed(1)} µs, mock ${median(rows.map((r) => r.mock.cpuPerReqUs!)).toFixed(1)} µs ` +
        `(bare/mock ${(100 * cost).toFixed(1)}%: the mock's throughput relative to bare on a core of its own)`,
    );
  }
  console.log(`target: mock >= 80% of bare -> ${ratio >= 0.8 ? 'met' : 'missed'} (req/s ratio)`);
}

await run();
