// Small k6 NDJSON point files for the reporter's tests.

/** A small k6 NDJSON points file: 5 s at `rate` req/s (≤ 20), `failures` per second, latency + `slowerMs`. */
export function pointsText(rate = 20, slowerMs = 0, failures = 1): string {
  const lines: string[] = ['{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}'];
  for (let s = 0; s < 5; s++) {
    for (let i = 0; i < rate; i++) {
      const time = `2026-11-28T06:00:0${s}.${String(i * 5).padStart(2, '0')}0000000Z`;
      const failed = i < failures;
      const tags = `{"expected_response":"${failed ? 'false' : 'true'}","status":"${failed ? 500 : 200}"}`;
      lines.push(`{"type":"Point","data":{"time":"${time}","value":1,"tags":${tags}},"metric":"http_reqs"}`);
      lines.push(`{"type":"Point","data":{"time":"${time}","value":${50 + slowerMs + s * 10 + i / 10},"tags":${tags}},"metric":"http_req_duration"}`);
      lines.push(`{"type":"Point","data":{"time":"${time}","value":${failed ? 1 : 0},"tags":${tags}},"metric":"http_req_failed"}`);
      lines.push(`{"type":"Point","data":{"time":"${time}","value":${20 + slowerMs + i / 10},"tags":{}},"metric":"ttft"}`);
    }
  }
  return lines.join('\n') + '\n';
}
