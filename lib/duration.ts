// k6-style durations ("250ms", "1m30s", "2h", "1.5s") and bare numbers in a default unit.
// Pure code with no imports, so the k6 bundles can use it as well as Node.

const UNIT_MS: Record<string, number> = { us: 0.001, 'µs': 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/g;

/**
 * Parses a duration to milliseconds. A bare number is read in `bareUnit` ("ms" or "s").
 * Returns null when the text is not a duration, so callers can name the field in their error.
 */
export function parseDurationMs(text: string | number, bareUnit: 'ms' | 's' = 's'): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * UNIT_MS[bareUnit] : null;
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * UNIT_MS[bareUnit];
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(PART)) {
    if (match.index !== consumed) return null;
    total += Number(match[1]) * UNIT_MS[match[2]];
    consumed += match[0].length;
  }
  return consumed === trimmed.length && consumed > 0 ? total : null;
}

/** Formats milliseconds briefly ("1m30s", "250ms", "1h"). */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round(((ms % 60_000) / 1000) * 1000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/**
 * Formats milliseconds as Go's time.Duration prints them, which is how k6 writes durations in its
 * banner ("1m0s", "10m0s", "2.5s", "500ms", "1h0m0s"): from a second up, minutes appear once there
 * is a minute and seconds always do.
 */
export function formatGoDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const decimal = (x: number) => String(Number(x.toFixed(9)));
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${decimal(ns / 1e3)}µs`;
  if (ns < 1e9) return `${decimal(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3.6e12);
  const m = Math.floor((ns % 3.6e12) / 6e10);
  const s = (ns % 6e10) / 1e9;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${decimal(s)}s`;
}
