// The shapes handleSummary works with: k6's summary data and the `llmux` metadata we add to it.

export interface SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: 'default' | 'time' | 'data';
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  metrics: Record<string, SummaryMetric>;
  root_group?: {
    checks?: { name: string; passes: number; fails: number }[];
    groups?: unknown[];
  };
  state?: { testRunDurationMs?: number };
  options?: unknown;
  setup_data?: unknown;
  [key: string]: unknown;
}

export interface LlmuxMeta {
  scenario: string;
  name: string;
  target: string;
  endpoint: string;
  model: string;
  requests: number;
  concurrency: number;
  duration_s: number;
  rate: number | null;
  max_vus: number | null;
  warmup_s: number;
  max_tokens: number | null;
  start_time: string | null;
  end_time: string;
  /** How the streaming figures were timed: per SSE event (k6/x/sse) or from k6's buffered timings. */
  timing_source?: 'sse-events' | 'k6-buffered';
}

/** What setup() returns; handleSummary finds it again in data.setup_data. */
export interface SetupData {
  start_time: string;
  run_id: string;
}
