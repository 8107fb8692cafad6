// Throughput of the metrics hot path: registry.add() as the engine calls it for each HTTP
// request (11 samples: http_reqs, the 7 timing Trends, http_req_failed, data_sent/received),
// with the default expected_response submetric and one threshold submetric, with and without
// the NDJSON output listening.
//
//   node --import tsx bench/engine-metrics-add.ts [--requests N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MetricRegistry, NdjsonOutput, parseThresholds } from '../engine/metrics/index.ts';

const arg = process.argv.indexOf('--requests');
const REQUESTS = arg > 0 ? Number(process.argv[arg + 1]) : 500_000;
const TIMINGS = ['http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving'];

function setup() {
  const registry = new MetricRegistry();
  parseThresholds({ 'http_req_duration{scenario:default}': ['p(95)<500'] }).attach(registry);
  return registry;
}

/** One request's worth of samples; tags built per request like the engine does. */
function request(registry: MetricRegistry, i: number, byMetric: boolean, metrics: ReturnType<typeof lookup>): void {
  const ok = i % 50 !== 0;
  const tags = {
    scenario: 'default',
    group: '',
    method: 'POST',
    name: 'http://127.0.0.1:8080/v1/chat/completions',
    url: 'http://127.0.0.1:8080/v1/chat/completions',
    proto: 'HTTP/1.1',
    status: ok ? '200' : '500',
    expected_response: ok ? 'true' : 'false',
  };
  const d = 40 + (i % 997) / 97;
  if (byMetric) {
    registry.addTo(metrics.reqs, 1, tags);
    for (let k = 0; k < metrics.timings.length; k++) registry.addTo(metrics.timings[k], d / (k + 1), tags);
    registry.addTo(metrics.failed, ok ? 0 : 1, tags);
    registry.addTo(metrics.sent, 180, tags);
    registry.addTo(metrics.received, 900, tags);
  } else {
    registry.add('http_reqs', 1, tags);
    for (let k = 0; k < TIMINGS.length; k++) registry.add(TIMINGS[k], d / (k + 1), tags);
    registry.add('http_req_failed', ok ? 0 : 1, tags);
    registry.add('data_sent', 180, tags);
    registry.add('data_received', 900, tags);
  }
}

function lookup(registry: MetricRegistry) {
  return {
    reqs: registry.get('http_reqs')!,
    timings: TIMINGS.map((n) => registry.get(n)!),
    failed: registry.get('http_req_failed')!,
    sent: registry.get('data_sent')!,
    received: registry.get('data_received')!,
  };
}

async function measure(label: string, byMetric: boolean, ndjsonPath: string | null): Promise<void> {
  const registry = setup();
  const metrics = lookup(registry);
  let out: NdjsonOutput | null = null;
  if (ndjsonPath) {
    out = new NdjsonOutput(registry, null, { overwrite: true });
    await out.open(ndjsonPath);
  }
  for (let i = 0; i < 20_000; i++) {
    request(registry, i, byMetric, metrics); // warm-up
    if (out !== null && (i & 1023) === 0 && out.backpressured) await out.drain();
  }
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    request(registry, i, byMetric, metrics);
    if (out !== null && (i & 1023) === 0 && out.backpressured) await out.drain();
  }
  const ms = performance.now() - start;
  const heapAfter = process.memoryUsage().heapUsed;
  const stats = out ? await out.close() : null;
  const adds = REQUESTS * 11;
  console.log(
    `${label.padEnd(34)} ${(adds / (ms / 1000) / 1e6).toFixed(2).padStart(6)} M adds/s  ` +
      `${Math.round(REQUESTS / (ms / 1000)).toLocaleString('en').padStart(9)} requests/s  ` +
      `${((heapAfter - heapBefore) / 1048576).toFixed(1).padStart(6)} MiB heap delta` +
      (stats ? `  (${stats.points} points, ${stats.dropped} dropped)` : ''),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'metrics-bench-'));
try {
  console.log(`node ${process.version}, ${REQUESTS.toLocaleString('en')} requests × 11 samples each`);
  await measure('add(name) — no output', false, null);
  await measure('addTo(metric) — no output', true, null);
  await measure('addTo(metric) + --out json', true, join(dir, 'out.json'));
  await measure('addTo(metric) + --out json (.gz)', true, join(dir, 'out.json.gz'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
