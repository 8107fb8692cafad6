import { describe, expect, it } from 'vitest';
import { encodeSampleLine, parseSampleLine, type ErrorSampleLine } from './error-sample-line.ts';

const sample: ErrorSampleLine = { vu: 7, kind: 'http_5xx', status: 502, body: '{"error":"upstream \\"down\\"", "é": "\n"}', count: 4 };

/** Go's %q of a printable-ASCII string, as logrus quotes a logfmt value. */
const goQuote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

describe('error sample lines', () => {
  it('survive k6 logfmt, k6 JSON logs and the embedded engine console format', () => {
    const text = encodeSampleLine(sample);
    expect(text).toMatch(/^llmux:error-sample \{/);
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true); // printable ASCII: no log format escapes it further
    const lines = [
      `time="2026-11-29T06:00:00Z" level=info msg=${goQuote(text)} source=console`,
      JSON.stringify({ level: 'info', msg: text, source: 'console', time: '2026-11-29T06:00:00Z' }),
      `INFO[0003] ${text}  source=console`,
    ];
    for (const line of lines) expect(parseSampleLine(line)).toEqual(sample);
  });

  it('keeps a transport error without status', () => {
    const none = { ...sample, status: null, body: 'dial tcp 127.0.0.1:1: connect: connection refused' };
    expect(parseSampleLine(`INFO[0000] ${encodeSampleLine(none)}  source=console`)).toEqual(none);
  });

  it('ignores other lines and malformed samples', () => {
    expect(parseSampleLine('INFO[0001] hello  source=console')).toBeNull();
    expect(parseSampleLine('INFO[0001] llmux:error-sample {"vu":1}  source=console')).toBeNull();
    expect(parseSampleLine('INFO[0001] llmux:error-sample {not json  source=console')).toBeNull();
  });
});
