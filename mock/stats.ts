// Counters behind /health, /stats and /metrics.

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
  /** "<METHOD> <route> <status>" → count. */
  readonly byRoute = new Map<string, number>();

  count(method: string, route: string, status: number): void {
    this.countKey(`${method} ${route} ${status}`);
  }

  countKey(key: string): void {
    this.byRoute.set(key, (this.byRoute.get(key) ?? 0) + 1);
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
      uptime_s: Math.round((Date.now() - this.startedAt) / 100) / 10,
      by_route: Object.fromEntries([...this.byRoute].sort(([a], [b]) => a.localeCompare(b))),
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
    return lines.join('\n') + '\n';
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
