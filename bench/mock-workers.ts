// Non-streaming throughput of `mock --workers 1` against `mock --workers 2` (Node cluster): req/s and
// CPU time per request of the mock's whole process tree (the primary and its workers). autocannon
// runs here with as many worker threads as asked, so the client is not the ceiling; rounds alternate
// the two mocks so the drift of a shared machine hits both alike. Nothing is pinned: a two-worker
// mock needs two cores, and on a two-core machine it shares them with the client.
//
//   node --import tsx bench/mock-workers.ts [--rounds 5] [--duration 5] [--connections 100] [--client-threads 2]
import autocannon from 'autocannon';
import { procUnits, readProcTable, treeOf } from '../runner/processes/proc-table.ts';
import { BIN, flagValue, machine, median, startChild, type Child } from './mock-common.ts';

const argv = process.argv.slice(2);
const ROUNDS = Number(flagValue(argv, 'rounds', '5'));
const DURATION = Number(flagValue(argv, 'duration', '5'));
const CONNECTIONS = Number(flagValue(argv, 'connections', '100'));
const CLIENT_THREADS = Number(flagValue(argv, 'client-threads', '2'));
const BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say twenty words about benchmarks.' }], max_tokens: 20 });
const { clockTicks } = procUnits();

/** CPU time (ms) of a process and all its descendants. */
function treeCpuMs(pid: number): number {
  const table = readProcTable();
  return (treeOf(table, pid).reduce((sum, p) => sum + (table.get(p)?.ticks ?? 0), 0) * 1000) / clockTicks;
}

interface Load {
  rps: number;
  cpuPerReqUs: number;
  cores: number;
  failures: number;
}

async function load(child: Child): Promise<Load> {
  const cpu0 = treeCpuMs(child.proc.pid!);
  const result = await autocannon({
    url: `${child.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: DURATION,
    ...(CLIENT_THREADS > 1 ? { workers: CLIENT_THREADS } : {}),
  });
  const used = treeCpuMs(child.proc.pid!) - cpu0;
  const elapsed = result.duration || DURATION;
  return {
    rps: result.requests.total / elapsed,
    cpuPerReqUs: result.requests.total ? (used * 1000) / result.requests.total : NaN,
    cores: used / (elapsed * 1000),
    failures: result.non2xx + result.errors,
  };
}

async function run(): Promise<void> {
  const mocks = {
    one: await startChild([process.execPath, BIN, 'mock', '--port', '0', '--latency', '0', '--workers', '1']),
    two: await startChild([process.execPath, BIN, 'mock', '--port', '0', '--latency', '0', '--workers', '2']),
  };
  const rows: { one: Load; two: Load }[] = [];
  try {
    // Warm-up: JIT and connection paths in every worker.
    for (const m of Object.values(mocks)) await autocannon({ url: `${m.url}/v1/chat/completions`, method: 'POST', body: BODY, connections: 20, duration: 2 });
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['one', 'two'] as const) : (['two', 'one'] as const);
      const row = {} as { one: Load; two: Load };
      for (const which of order) row[which] = await load(mocks[which]);
      rows.push(row);
      const f = (l: Load) => `${l.rps.toFixed(0)} req/s, ${l.cpuPerReqUs.toFixed(1)} µs CPU/req, ${l.cores.toFixed(2)} cores, ${l.failures} failures`;
      console.log(`round ${r + 1}: 1 worker ${f(row.one)} | 2 workers ${f(row.two)} | ratio ${(row.two.rps / row.one.rps).toFixed(2)}`);
    }
  } finally {
    await Promise.all(Object.values(mocks).map((m) => m.stop()));
  }
  const med = (pick: (r: { one: Load; two: Load }) => number) => median(rows.map(pick));
  console.log(`\nmachine: ${machine()}; autocannon ${CONNECTIONS} connections, ${CLIENT_THREADS} client thread(s), nothing pinned`);
  console.log(
    `median of ${ROUNDS} rounds: 1 worker ${med((r) => r.one.rps).toFixed(0)} req/s (${med((r) => r.one.cpuPerReqUs).toFixed(1)} µs CPU/req, ${med((r) => r.one.cores).toFixed(2)} cores); ` +
      `2 workers ${med((r) => r.two.rps).toFixed(0)} req/s (${med((r) => r.two.cpuPerReqUs).toFixed(1)} µs CPU/req, ${med((r) => r.two.cores).toFixed(2)} cores); ` +
      `median per-round ratio 2/1: ${med((r) => r.two.rps / r.one.rps).toFixed(2)} req/s, ${med((r) => r.two.cpuPerReqUs / r.one.cpuPerReqUs).toFixed(2)} CPU per request`,
  );
}

await run();
