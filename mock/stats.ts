// Counters behind /health, /stats and /metrics.
import { MicrosHistogram, type HistogramData } from './histogram.ts';

/** The counters as plain data: what a worker sends the primary, and what /stats renders. */
export interface StatsSnapshot {
  startedAt: number;
  requestsTotal: number;
  inFlight: number;
  openStreams: number;
  pausedStreams: number;
  queued: number;
  tokensSent: number;
  errorsInjected: number;
  abortsInjected: number;
  stallsInjected: number;
  clientDisconnects: number;
  lateness: HistogramData;
  byRoute: [string, number][];
  canaries: [string, CanaryCount][];
  /** Processes the numbers come from (mock --workers). */
  workers: number;
}

const SUMMED = [
  'requestsTotal', 'inFlight', 'openStreams', 'pausedStreams', 'queued', 'tokensSent',
  'errorsInjected', 'abortsInjected', 'stallsInjected', 'clientDisconnects',
] as const;

/** Canary ids kept in /stats (oldest dropped first). */
export const CANARY_IDS = 32;
/** A canary id: what `x-llmux-canary` or a `[llmux-canary:<id>]` body mark may carry. */
export const CANARY_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const CANARY_HEADER = 'x-llmux-canary';
export const CANARY_MARK = '[llmux-canary:';

export interface CanaryCount {
  requests: number;
  header: number;
  body: number;
}

export class MockStats {
  readonly startedAt = Date.now();
  requestsTotal = 0;
  inFlight = 0;
  openStreams = 0;
  /** Open streams waiting for their client to read what is already buffered (backpressure). */
  pausedStreams = 0;
  queued = 0;
  tokensSent = 0;
  errorsInjected = 0;
  abortsInjected = 0;
  stallsInjected = 0;
  clientDisconnects = 0;
  /**
   * How late each streamed chunk left against its schedule. Tells whether the mock kept its pace,
   * apart from the network and the client.
   */
  readonly lateness = new MicrosHistogram();
  /** "<METHOD> <route> <status>" → count. */
  readonly byRoute = new Map<string, number>();
  /**
   * Model requests that carried a canary id (the bench runner's readiness requests), by id and by
   * how it arrived: an `x-llmux-canary` header, a `[llmux-canary:<id>]` mark in the body, or both.
   * The newest CANARY_IDS ids only, so a long-lived mock stays bounded.
   */
  readonly canaries = new Map<string, CanaryCount>();

  recordCanary(id: string, viaHeader: boolean, viaBody: boolean): void {
    let entry = this.canaries.get(id);
    if (!entry) {
      if (this.canaries.size >= CANARY_IDS) this.canaries.delete(this.canaries.keys().next().value!);
      this.canaries.set(id, (entry = { requests: 0, header: 0, body: 0 }));
    }
    entry.requests++;
    if (viaHeader) entry.header++;
    if (viaBody) entry.body++;
  }

  count(method: string, route: string, status: number): void {
    this.countKey(`${method} ${route} ${status}`);
  }

  countKey(key: string): void {
    this.byRoute.set(key, (this.byRoute.get(key) ?? 0) + 1);
  }

  recordLateness(ms: number): void {
    this.lateness.record(ms * 1000);
  }

  snapshot(): StatsSnapshot {
    const snap = { startedAt: this.startedAt, lateness: this.lateness.toData(), byRoute: [...this.byRoute], canaries: [...this.canaries], workers: 1 } as StatsSnapshot;
    for (const key of SUMMED) snap[key] = this[key];
    return snap;
  }

  toJSON(snap: StatsSnapshot = this.snapshot()): Record<string, unknown> {
    const lateness = new MicrosHistogram();
    lateness.add(snap.lateness);
    return {
      requests_total: snap.requestsTotal,
      in_flight: snap.inFlight,
      open_streams: snap.openStreams,
      paused_streams: snap.pausedStreams,
      queued: snap.queued,
      tokens_sent: snap.tokensSent,
      errors_injected: snap.errorsInjected,
      aborts_injected: snap.abortsInjected,
      stalls_injected: snap.stallsInjected,
      client_disconnects: snap.clientDisconnects,
      chunk_lateness_ms: {
        count: lateness.count,
        p50: ms(lateness.quantile(0.5)),
        p99: ms(lateness.quantile(0.99)),
        max: ms(lateness.maxUs),
      },
      uptime_s: Math.round((Date.now() - snap.startedAt) / 100) / 10,
      ...(snap.workers > 1 && { workers: snap.workers }),
      by_route: Object.fromEntries([...snap.byRoute].sort(([a], [b]) => a.localeCompare(b))),
      canaries: Object.fromEntries(snap.canaries),
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(snap: StatsSnapshot = this.snapshot()): string {
    const lateness = new MicrosHistogram();
    lateness.add(snap.lateness);
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    lines.push('# HELP llmux_mock_requests_total Requests answered, by method, route and status.', '# TYPE llmux_mock_requests_total counter');
    for (const [key, n] of [...snap.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
      const [method, route, status] = key.split(' ');
      lines.push(`llmux_mock_requests_total{method="${method}",route="${escapeLabel(route)}",status="${status}"} ${n}`);
    }
    metric('llmux_mock_in_flight_requests', 'gauge', 'Model requests admitted or queued and not finished.', snap.inFlight);
    metric('llmux_mock_open_streams', 'gauge', 'Streaming responses currently open.', snap.openStreams);
    metric('llmux_mock_paused_streams', 'gauge', 'Open streams paused until their client reads (socket buffer full).', snap.pausedStreams);
    metric('llmux_mock_queued_requests', 'gauge', 'Requests waiting for a --max-concurrency slot.', snap.queued);
    metric('llmux_mock_tokens_sent_total', 'counter', 'Output tokens sent (streamed or in whole answers).', snap.tokensSent);
    metric('llmux_mock_errors_injected_total', 'counter', 'Error answers injected by --error-rate or x-mock-error.', snap.errorsInjected);
    metric('llmux_mock_aborts_injected_total', 'counter', 'Connections cut by --abort-rate or x-mock-abort.', snap.abortsInjected);
    metric('llmux_mock_stalls_injected_total', 'counter', 'Answers paused by --stall-rate or x-mock-stall.', snap.stallsInjected);
    metric('llmux_mock_client_disconnects_total', 'counter', 'Requests whose client went away before the answer ended.', snap.clientDisconnects);
    if (snap.workers > 1) metric('llmux_mock_workers', 'gauge', 'Mock worker processes these numbers add up.', snap.workers);
    lines.push(
      '# HELP llmux_mock_chunk_lateness_seconds How late streamed chunks left against their schedule.',
      '# TYPE llmux_mock_chunk_lateness_seconds summary',
    );
    for (const q of [0.5, 0.9, 0.99]) lines.push(`llmux_mock_chunk_lateness_seconds{quantile="${q}"} ${lateness.quantile(q) / 1e6}`);
    lines.push(`llmux_mock_chunk_lateness_seconds_sum ${lateness.sumUs / 1e6}`, `llmux_mock_chunk_lateness_seconds_count ${lateness.count}`);
    return lines.join('\n') + '\n';
  }
}

/** Adds the numbers of several processes (mock --workers): counters, gauges, routes and histograms. */
export function mergeSnapshots(snaps: StatsSnapshot[]): StatsSnapshot {
  const lateness = new MicrosHistogram();
  const byRoute = new Map<string, number>();
  const canaries = new Map<string, CanaryCount>();
  const out = { startedAt: Math.min(...snaps.map((s) => s.startedAt)), workers: 0 } as StatsSnapshot;
  for (const key of SUMMED) out[key] = 0;
  for (const snap of snaps) {
    for (const key of SUMMED) out[key] += snap[key];
    for (const [route, n] of snap.byRoute) byRoute.set(route, (byRoute.get(route) ?? 0) + n);
    for (const [id, c] of snap.canaries) {
      const sum = canaries.get(id) ?? { requests: 0, header: 0, body: 0 };
      canaries.set(id, { requests: sum.requests + c.requests, header: sum.header + c.header, body: sum.body + c.body });
    }
    lateness.add(snap.lateness);
    out.workers += snap.workers;
  }
  out.byRoute = [...byRoute];
  out.canaries = [...canaries];
  out.lateness = lateness.toData();
  return out;
}

/** Whole microseconds as milliseconds, three decimals. */
const ms = (us: number) => Math.round(us) / 1000;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
