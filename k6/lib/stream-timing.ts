// Streaming latency figures from k6's buffered timings. Pure code, no k6 imports.
//  - TTFT = timings.waiting (time to the first response byte; the server sends headers with
//    the first token).
//  - stream duration = timings.duration (sending + waiting + receiving).
//  - ITL = timings.receiving / (content chunks - 1): the mean gap between chunks of one
//    request, since stock k6 cannot time each chunk.
//  - tokens/s = output tokens / stream duration (end-to-end, per request).

export interface Timings {
  waiting: number;
  receiving: number;
  duration: number;
}

export interface StreamTiming {
  ttftMs: number;
  durationMs: number;
  itlMs: number | null;
  tokensPerSecond: number | null;
}

export function streamTimings(timings: Timings, contentChunks: number, outputTokens: number): StreamTiming {
  return {
    ttftMs: timings.waiting,
    durationMs: timings.duration,
    itlMs: contentChunks >= 2 ? timings.receiving / (contentChunks - 1) : null,
    tokensPerSecond: timings.duration > 0 && outputTokens > 0 ? outputTokens / (timings.duration / 1000) : null,
  };
}
