// Per-token streaming figures from the times content deltas arrived (k6/x/sse events). Pure code,
// no k6 imports. Times in ms on any monotonic clock; `start` is when the request was sent.
//  - TTFT = first content delta − start (not the first byte: a role-only chunk does not count).
//  - ITL  = each gap between consecutive content deltas (one sample per gap).
//  - TPOT = (last delta − first delta) / (output tokens − 1): the mean time per output token after
//    the first, with output tokens from usage when the server sent it (a delta may carry several).
//  - tokens/s = output tokens / (end − start), end to end, as streaming.js computes it.

export interface TokenTiming {
  ttftMs: number | null;
  itlMs: number[];
  tpotMs: number | null;
  durationMs: number;
  tokensPerSecond: number | null;
}

export function tokenTimings(start: number, deltas: readonly number[], end: number, outputTokens: number): TokenTiming {
  const first = deltas.length > 0 ? deltas[0] : null;
  const last = deltas.length > 0 ? deltas[deltas.length - 1] : null;
  const itlMs: number[] = [];
  for (let i = 1; i < deltas.length; i++) itlMs.push(deltas[i] - deltas[i - 1]);
  const durationMs = end - start;
  return {
    ttftMs: first === null ? null : first - start,
    itlMs,
    tpotMs: first !== null && last !== null && outputTokens >= 2 ? (last - first) / (outputTokens - 1) : null,
    durationMs,
    tokensPerSecond: durationMs > 0 && outputTokens > 0 ? outputTokens / (durationMs / 1000) : null,
  };
}

/**
 * The best clock the runtime has: performance.now() (sub-millisecond) under the embedded engine,
 * Date.now() (whole milliseconds) where there is no `performance` global.
 */
export function clock(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf && typeof perf.now === 'function' ? () => perf.now() : () => Date.now();
}
