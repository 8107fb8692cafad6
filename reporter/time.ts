// RFC 3339 times at nanosecond precision (Go writes up to 9 fractional digits; Date keeps 3).

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** Nanoseconds since the epoch, or null when the text is not RFC 3339. */
export function epochNs(text: string): bigint | null {
  const match = RFC3339.exec(text);
  if (!match) return null;
  const wholeSecondsMs = Date.parse(`${match[1]}${match[3].toUpperCase()}`);
  if (Number.isNaN(wholeSecondsMs)) return null;
  const fraction = (match[2] ?? '').slice(0, 9).padEnd(9, '0');
  return BigInt(wholeSecondsMs) * 1_000_000n + BigInt(fraction);
}

/** RFC 3339 in UTC with 9 fractional digits, as Go's time.RFC3339Nano would (trailing zeros kept). */
export function formatEpochNs(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString().slice(0, 19);
  return `${iso}.${String(ns % 1_000_000_000n).padStart(9, '0')}Z`;
}

/**
 * Milliseconds (as k6 reports time values) to integer nanoseconds, rounded half up on the decimal
 * digits JSON carried: shifting the decimal point avoids binary float error (ms * 1e6 can land
 * a hair below .5 and round the wrong way).
 */
export function msToNs(ms: number): number {
  const text = String(ms);
  if (!Number.isFinite(ms) || text.includes('e')) return Math.round(ms * 1e6);
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = fraction.padEnd(7, '0');
  let ns = Number(whole) * 1e6 + Number(digits.slice(0, 6));
  if (digits.charCodeAt(6) >= 53 /* '5' */) ns += 1;
  return negative ? -ns : ns;
}

/** `YYYYMMDD_HHMMSS` in UTC, for result file names. */
export function fileStamp(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
