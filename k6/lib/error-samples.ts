// Per-VU memory of failure samples: up to SAMPLES_PER_KIND distinct (status, body) per error kind,
// each logged when first seen and again whenever its count doubles, so a VU writes at most a few
// lines per sample however long it fails. Pure code, no k6 imports.
import { encodeSampleLine } from '../../contract/error-sample-line.ts';

export const SAMPLES_PER_KIND = 5;
export const SAMPLE_BODY_BYTES = 300;
/** Characters read from a body before redaction and cutting (a body may be megabytes). */
const READ_CHARS = 4096;

/** UTF-8 size of one UTF-16 code unit sequence position (surrogate pairs count 4 on the high half). */
function utf8Len(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdbff) return 4;
  if (code >= 0xdc00 && code <= 0xdfff) return 0;
  return 3;
}

/** The first `bytes` UTF-8 bytes of `text`, never cutting a character. */
export function cutBytes(text: string, bytes: number): string {
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const n = utf8Len(text.charCodeAt(i));
    if (used + n > bytes) return text.slice(0, i);
    used += n;
  }
  return text;
}

/** What a sample may show of a body: secrets replaced by "***", at most SAMPLE_BODY_BYTES. */
export function sampleBody(body: string, secrets: string[]): string {
  let text = body.slice(0, READ_CHARS);
  for (const secret of secrets) if (secret.length >= 3) text = text.split(secret).join('***');
  return cutBytes(text, SAMPLE_BODY_BYTES);
}

interface Seen {
  count: number;
  nextLog: number;
}

export class ErrorSampler {
  /** vu → kind → "status body" → counts. Keyed by VU so it behaves the same when VUs share one module. */
  private readonly vus = new Map<number, Map<string, Map<string, Seen>>>();

  /** Counts one failure; returns the console line to write, or null. */
  note(vu: number, kind: string, status: number | null, body: string): string | null {
    let kinds = this.vus.get(vu);
    if (!kinds) this.vus.set(vu, (kinds = new Map()));
    let samples = kinds.get(kind);
    if (!samples) kinds.set(kind, (samples = new Map()));
    const key = `${status} ${body}`;
    let seen = samples.get(key);
    if (!seen) {
      if (samples.size >= SAMPLES_PER_KIND) return null;
      samples.set(key, (seen = { count: 0, nextLog: 1 }));
    }
    seen.count++;
    if (seen.count < seen.nextLog) return null;
    seen.nextLog *= 2;
    return encodeSampleLine({ vu, kind, status, body, count: seen.count });
  }
}
