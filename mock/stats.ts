// Counters behind /health, /stats and /metrics.

/** Canary ids kept in /stats (oldest dropped first). */
export const CANARY_IDS = 32;
/** A canary id: what `x-llmux-canary` or a `[llmux-canary:<id>]` body mark may carry. */
export const CANARY_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const CANARY_HEADER = 'x-llmux-canary';
export const CANARY_MARK = '[llmux-canary:';

export class MockStats {
  readonly startedAt = Date.now();
  requestsTotal = 0;
  inFlight = 0;
  openStreams = 0;
  queued = 0;
  tokensSent = 0;
  errorsInjected = 0;
  abortsInjected = 0;
  stallsInjected = 0;
  clientDisconnects = 0;
  /**
   * How late each streamed chunk left against its schedule, in 0.1 ms buckets up to 100 ms (the
   * last bucket holds everything later). Tells whether the mock kept its pace, apart from the network
   * and the client.
   */
  readonly lateness = new Uint32Array(1001);
  latenessCount = 0;
  latenessSumMs = 0;
  latenessMaxMs = 0;
  /** "<METHOD> <route> <status>" → count. */
  readonly byRoute = new Map<string, number>();
  /**
   * Model requests that carried a canary id (the bench runner's readiness requests), by id and by
   * how it arrived: an `x-llmux-canary` header, a `[llmux-canary:<id>]` mark in the body, or both.
   * The newest CANARY_IDS ids only, so a long-lived mock stays bounded.
   */
  readonly canaries = new Map<string, { requests: number; header: number; body: number }>();

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
    const late = ms > 0 ? ms : 0;
    this.lateness[Math.min(1000, Math.ceil(late * 10))]++;
    this.latenessCount++;
    this.latenessSumMs += late;
    if (late > this.latenessMaxMs) this.latenessMaxMs = late;
  }

  /** Upper bound (bucket edge, ms) of the q-quantile of chunk lateness; 0 before any chunk. */
  latenessQuantile(q: number): number {
    if (this.latenessCount === 0) return 0;
    const rank = Math.ceil(q * this.latenessCount);
    let seen = 0;
    for (let i = 0; i < this.lateness.length; i++) {
      seen += this.lateness[i];
      if (seen >= rank) return i === 1000 ? Math.round(this.latenessMaxMs * 100) / 100 : i / 10;
    }
    return Math.round(this.latenessMaxMs * 100) / 100;
  }

  toJSON(): Record<string, unknown> {
    return {
      requests_total: this.requestsTotal,
      in_flight: this.inFlight,
      open_streams: this.openStreams,
      queued: this.queued,
      tokens_sent: this.tokensSent,
      errors_injected: this.errorsInjected,
      aborts_injected: this.abortsInjected,
      stalls_injected: this.stallsInjected,
      client_disconnects: this.clientDisconnects,
      chunk_lateness_ms: {
        count: this.latenessCount,
        p50: this.latenessQuantile(0.5),
        p99: this.latenessQuantile(0.99),
        max: Math.round(this.latenessMaxMs * 100) / 100,
      },
      uptime_s: Math.round((Date.now() - this.startedAt) / 100) / 10,
      by_route: Object.fromEntries([...this.byRoute].sort(([a], [b]) => a.localeCompare(b))),
      canaries: Object.fromEntries(this.canaries),
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  toPrometheus(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    lines.push('# HELP llmux_mock_requests_total Requests answered, by method, route and status.', '# TYPE llmux_mock_requests_total counter');
    for (const [key, n] of [...this.byRoute].sort(([a], [b]) => a.localeCompare(b))) {
      const [method, route, status] = key.split(' ');
      lines.push(`llmux_mock_requests_total{method="${method}",route="${escapeLabel(route)}",status="${status}"} ${n}`);
    }
    metric('llmux_mock_in_flight_requests', 'gauge', 'Model requests admitted or queued and not finished.', this.inFlight);
    metric('llmux_mock_open_streams', 'gauge', 'Streaming responses currently open.', this.openStreams);
    metric('llmux_mock_queued_requests', 'gauge', 'Requests waiting for a --max-concurrency slot.', this.queued);
    metric('llmux_mock_tokens_sent_total', 'counter', 'Output tokens sent (streamed or in whole answers).', this.tokensSent);
    metric('llmux_mock_errors_injected_total', 'counter', 'Error answers injected by --error-rate or x-mock-error.', this.errorsInjected);
    metric('llmux_mock_aborts_injected_total', 'counter', 'Connections cut by --abort-rate or x-mock-abort.', this.abortsInjected);
    metric('llmux_mock_stalls_injected_total', 'counter', 'Answers paused by --stall-rate or x-mock-stall.', this.stallsInjected);
    metric('llmux_mock_client_disconnects_total', 'counter', 'Requests whose client went away before the answer ended.', this.clientDisconnects);
    lines.push(
      '# HELP llmux_mock_chunk_lateness_seconds How late streamed chunks left against their schedule.',
      '# TYPE llmux_mock_chunk_lateness_seconds summary',
    );
    for (const q of [0.5, 0.9, 0.99]) lines.push(`llmux_mock_chunk_lateness_seconds{quantile="${q}"} ${this.latenessQuantile(q) / 1000}`);
    lines.push(`llmux_mock_chunk_lateness_seconds_sum ${this.latenessSumMs / 1000}`, `llmux_mock_chunk_lateness_seconds_count ${this.latenessCount}`);
    return lines.join('\n') + '\n';
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
