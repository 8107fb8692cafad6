// Non-streaming throughput of the mock against a bare node:http server that parses the same JSON
// body and returns the same bytes, and a minimal Hono app doing the same on the route's path,
// served the way the mock is (bench/mock-hono-floor.ts): the framework's own share, which the mock
// cannot be cheaper than; what the mock costs beyond it is its own work.
// Routes: chat (plain chat completion), responses (POST /v1/responses) and tools (chat with two
// function tools and tool_choice "required": the mock generates schema-valid arguments per
// request). Each server runs as a child pinned to core 0 (taskset, when present); autocannon (100
// connections, no pipelining) runs here, pinned to core 1. Rounds alternate the servers, each
// round starting with the next one, so the drift of a shared machine hits all alike.
// --distinct makes every request body different (a fresh id in the prompt), so the mock's cache of
// request bodies never hits: what a test that never repeats a body gets. --baseline DIR adds the
// mock of another checkout (e.g. the previous commit) to each round, for an A/B of a change.
// --together loads the servers at the same time instead of one after another: they share core 0
// for the whole round, so a change in the machine's speed within a round hits them alike (on a VM
// whose speed drifts within seconds the sequential rounds swing widely); each gets the share of
// the core the scheduler gives it, so its req/s follows its CPU time per request.
//
//   node --import tsx bench/mock-throughput.ts [--rounds 5] [--duration 5] [--connections 100] [--routes chat,responses,tools] [--distinct] [--baseline DIR] [--together]
import { join } from 'node:path';
import autocannon from 'autocannon';
import { flagValue, machine, median, pin, pinSelf, processCpuMs, startChild, startMockChild, type Child } from './mock-common.ts';

const argv = process.argv.slice(2);
const ROUNDS = Number(flagValue(argv, 'rounds', '5'));
const DURATION = Number(flagValue(argv, 'duration', '5'));
const CONNECTIONS = Number(flagValue(argv, 'connections', '100'));
const DISTINCT = argv.includes('--distinct');
const BASELINE = flagValue(argv, 'baseline', '');
const TOGETHER = argv.includes('--together');
// autocannon replaces [<id>] with a fresh id in each request.
const PROMPT = DISTINCT ? 'Say twenty words about benchmarks. [<id>]' : 'Say twenty words about benchmarks.';
const TOOLS = [
  { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'unit', 'days'], additionalProperties: false } },
  { name: 'search_docs', parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 20 }, sections: { type: 'array', items: { type: 'string', enum: ['api', 'guides', 'changelog'] } }, exact: { type: 'boolean' } }, required: ['query', 'limit', 'sections', 'exact'], additionalProperties: false } },
];
const ROUTES = {
  chat: { path: '/v1/chat/completions', body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }], max_tokens: 20 }) },
  responses: { path: '/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: PROMPT, max_output_tokens: 20 }) },
  tools: {
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }], tools: TOOLS.map((f) => ({ type: 'function', function: { ...f, strict: true } })), tool_choice: 'required' }),
  },
} as const;
type Route = keyof typeof ROUTES;
const routes = flagValue(argv, 'routes', 'chat,responses,tools').split(',') as Route[];
for (const r of routes) if (!(r in ROUTES)) throw new Error(`--routes: unknown route '${r}' (expected chat, responses, tools)`);

interface Load {
  rps: number;
  /** Share of one core the server used (null without /proc). */
  cpu: number | null;
  /** Server CPU time per request, µs (null without /proc). */
  cpuPerReqUs: number | null;
  failures: number;
}

async function load(child: Child, route: Route, seconds: number): Promise<Load> {
  const cpu0 = processCpuMs(child.proc.pid);
  const result = await autocannon({
    url: `${child.url}${ROUTES[route].path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: ROUTES[route].body,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    idReplacement: DISTINCT,
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

type Server = 'bare' | 'floor' | 'mock' | 'base';
const ALL: readonly Server[] = BASELINE ? ['bare', 'floor', 'mock', 'base'] : ['bare', 'floor', 'mock'];

async function run(): Promise<void> {
  const pinned = pinSelf(1);
  const mock = await startMockChild(['--latency', '0'], 0);
  const base = BASELINE ? await startChild([...pin(0), process.execPath, join(BASELINE, 'bin/llmux-bench.mjs'), 'mock', '--port', '0', '--latency', '0']) : null;
  const script = (name: string) => new URL(name, import.meta.url).pathname;
  const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)}%`);
  const us = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(1)} µs`);
  const summary: string[] = [];
  try {
    for (const route of routes) {
      const SERVERS: readonly Server[] = ALL;
      // Capture one answer so the references send the same bytes and headers.
      const { path, body } = ROUTES[route];
      const sample = await fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (sample.status !== 200) throw new Error(`${route}: the mock answered ${sample.status}: ${await sample.text()}`);
      const env = { MOCK_BARE_BODY: await sample.text(), MOCK_BARE_REQUEST_ID: sample.headers.get('x-request-id') ?? 'req_bare', MOCK_FLOOR_PATH: path };
      const servers = { mock } as Record<Server, Child>;
      if (base) servers.base = base;
      servers.bare = await startChild([...pin(0), process.execPath, '--import', 'tsx', script('./mock-bare-server.ts')], 20_000, env);
      servers.floor = await startChild([...pin(0), process.execPath, '--import', 'tsx', script('./mock-hono-floor.ts')], 20_000, env);
      const rows: Record<Server, Load>[] = [];
      try {
        console.log(`\n${route}: POST ${path}`);
        for (const name of SERVERS) await load(servers[name], route, 2); // warm-up (JIT)
        if (TOGETHER) await Promise.all(SERVERS.map((name) => load(servers[name], route, 1)));
        for (let r = 0; r < ROUNDS; r++) {
          const row = {} as Record<Server, Load>;
          if (TOGETHER) {
            const loads = await Promise.all(SERVERS.map((name) => load(servers[name], route, DURATION)));
            SERVERS.forEach((name, i) => (row[name] = loads[i]));
          } else {
            // Each round starts with the next server: a fixed order biased the ratios by ~8% (a
            // run against an identical copy of the mock read 1.09x).
            for (let i = 0; i < SERVERS.length; i++) {
              const name = SERVERS[(i + r) % SERVERS.length];
              row[name] = await load(servers[name], route, DURATION);
            }
          }
          rows.push(row);
          const parts = SERVERS.map((n) => `${n} ${row[n].rps.toFixed(0)} req/s (cpu ${pct(row[n].cpu)}, ${us(row[n].cpuPerReqUs)}/req)`);
          const failures = SERVERS.reduce((a, n) => a + row[n].failures, 0);
          console.log(`round ${r + 1}: ${parts.join(', ')}; mock/bare ${(100 * (row.mock.rps / row.bare.rps)).toFixed(1)}%${failures ? `; ${failures} failed requests` : ''}`);
        }
      } finally {
        await servers.bare.stop();
        await servers.floor?.stop();
      }
      const med = (f: (row: Record<Server, Load>) => number) => median(rows.map(f));
      const ratio = med((r) => r.mock.rps / r.bare.rps);
      const floor = `, minimal Hono ${med((r) => r.floor.rps).toFixed(0)} req/s (${(100 * med((r) => r.floor.rps / r.bare.rps)).toFixed(1)}% of bare)`;
      let line =
        `${route}: median of ${ROUNDS} rounds: bare node:http ${med((r) => r.bare.rps).toFixed(0)} req/s${floor}, mock ${med((r) => r.mock.rps).toFixed(0)} req/s; ` +
        `mock/bare ${(100 * ratio).toFixed(1)}% (median of per-round ratios)`;
      // On a shared machine no server may get a whole core; CPU time per request is the steadier view.
      if (rows.every((r) => SERVERS.every((n) => r[n].cpuPerReqUs !== null))) {
        line +=
          `; server CPU per request: bare ${med((r) => r.bare.cpuPerReqUs!).toFixed(1)} µs, minimal Hono ${med((r) => r.floor.cpuPerReqUs!).toFixed(1)} µs, mock ${med((r) => r.mock.cpuPerReqUs!).toFixed(1)} µs, ` +
          `bare/mock ${(100 * med((r) => r.bare.cpuPerReqUs! / r.mock.cpuPerReqUs!)).toFixed(1)}% (what mock/bare req/s would be with a core each to itself)`;
      }
      if (BASELINE) {
        line += `; baseline mock ${med((r) => r.base.rps).toFixed(0)} req/s, mock/baseline ${(100 * med((r) => r.mock.rps / r.base.rps)).toFixed(1)}%`;
        if (rows.every((r) => r.base.cpuPerReqUs !== null && r.mock.cpuPerReqUs !== null)) line += `, CPU per request mock/baseline ${med((r) => r.mock.cpuPerReqUs! / r.base.cpuPerReqUs!).toFixed(3)}x`;
      }
      line += `; target mock >= 80% of bare req/s -> ${ratio >= 0.8 ? 'met' : 'missed'}`;
      summary.push(line);
    }
  } finally {
    await mock.stop();
    await base?.stop();
  }
  console.log(`\nmachine: ${machine()}; servers pinned to core 0${pinned ? ', autocannon to core 1' : ' (load generator not pinned)'}`);
  console.log(`${ROUNDS} rounds of ${DURATION} s per route${TOGETHER ? ', the servers loaded at the same time' : ''}, ${CONNECTIONS} connections, no pipelining, mock --latency 0${DISTINCT ? ', every request body distinct' : ', the same body in every request'}${BASELINE ? `, baseline mock from ${BASELINE}` : ''}`);
  for (const line of summary) console.log(line);
}

await run();
