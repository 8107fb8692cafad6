// Why requests failed: the scenarios' marked sample lines (contract/error-sample-line.ts), read from
// the load generator's output, merged across VUs into the result's `error_samples`.
import { parseSampleLine, type ErrorSampleLine } from '../contract/error-sample-line.ts';
import { ERROR_SAMPLE_BODY_BYTES, ERROR_SAMPLES_PER_KIND, type ErrorSample, type Result } from '../reporter/schema.ts';
import { firstBytes } from './readiness.ts';

export class SampleCollector {
  /** "vu kind status body" → the highest count that VU reported. */
  private readonly seen = new Map<string, ErrorSampleLine>();
  /** A VU reports a bounded number of lines, but a broken script could write any: cap the memory. */
  private static readonly MAX_KEYS = 100_000;

  /** Takes a line of the load generator's output; true when it was a sample line (not for display). */
  take(line: string): boolean {
    const sample = parseSampleLine(line);
    if (!sample) return false;
    const key = `${sample.vu}\u0000${sample.kind}\u0000${sample.status}\u0000${sample.body}`;
    const known = this.seen.get(key);
    if (known) known.count = Math.max(known.count, sample.count);
    else if (this.seen.size < SampleCollector.MAX_KEYS) this.seen.set(key, { ...sample });
    return true;
  }

  /**
   * Samples across VUs: per kind the most frequent ERROR_SAMPLES_PER_KIND (status, body), bodies
   * redacted again and cut to ERROR_SAMPLE_BODY_BYTES. VUs report counts at 1, 2, 4, 8, ..., so a
   * count is a lower bound; when every failure of a kind looked alike, it is the kind's exact
   * total from `errors`.
   */
  merge(errors: Result['errors'] | null | undefined, redact: (text: string) => string = (t) => t): ErrorSample[] {
    const byKind = new Map<string, Map<string, ErrorSample>>();
    for (const s of this.seen.values()) {
      let samples = byKind.get(s.kind);
      if (!samples) byKind.set(s.kind, (samples = new Map()));
      const body = firstBytes(redact(s.body), ERROR_SAMPLE_BODY_BYTES);
      const key = `${s.status}\u0000${body}`;
      const merged = samples.get(key);
      if (merged) merged.count += s.count;
      else samples.set(key, { kind: s.kind, status: s.status, count: s.count, body });
    }
    const out: ErrorSample[] = [];
    for (const [kind, samples] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
      const list = [...samples.values()].sort((a, b) => b.count - a.count || (a.status ?? 0) - (b.status ?? 0));
      const total = errors?.[kind];
      if (list.length === 1 && typeof total === 'number' && total >= list[0].count) list[0].count = total;
      out.push(...list.slice(0, ERROR_SAMPLES_PER_KIND));
    }
    return out;
  }
}
