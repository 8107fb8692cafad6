// How a scenario tells the runner why requests failed. k6 VUs share no memory and handleSummary
// sees only metrics, so each VU writes a few marked console lines (k6 and the embedded engine both
// send console output to stderr) and the runner reads them back from the load generator's output.
// Pure code: no Node built-ins, no k6 imports, so the k6 bundles may include it.

export const ERROR_SAMPLE_MARKER = 'llmux:error-sample';

/** One VU's sample of a failure kind: its status and body, and how often this VU has seen it so far. */
export interface ErrorSampleLine {
  vu: number;
  kind: string;
  /** HTTP status; null when there was no response (the body is then the error message). */
  status: number | null;
  body: string;
  count: number;
}

/**
 * The console text for a sample: the marker, then JSON with every non-ASCII character escaped,
 * so k6's log formats (logfmt quoting, JSON) only ever escape `"` and `\` in it.
 */
export function encodeSampleLine(sample: ErrorSampleLine): string {
  const json = JSON.stringify(sample).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${ERROR_SAMPLE_MARKER} ${json}`;
}

/** Reads a quoted log value starting after its opening quote, undoing `\"`, `\\`, `\n`, `\t`. */
function unquote(text: string, from: number): string {
  let out = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return out;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[++i];
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
    } else out += c;
  }
  return out;
}

/**
 * A sample from one line of the load generator's output, or null. Understands k6's logfmt
 * (`msg="llmux:error-sample {\"vu\":1,...}"`), k6's JSON log format (`"msg":"..."`) and the
 * embedded engine's `INFO[0003] llmux:error-sample {...}  source=console`.
 */
export function parseSampleLine(line: string): ErrorSampleLine | null {
  const at = line.indexOf(ERROR_SAMPLE_MARKER);
  if (at < 0) return null;
  let text: string;
  if (line.slice(Math.max(0, at - 5), at) === 'msg="' || line.slice(Math.max(0, at - 7), at) === '"msg":"') text = unquote(line, at);
  else text = line.slice(at).replace(/\s+source=console\s*$/, '');
  try {
    const parsed = JSON.parse(text.slice(ERROR_SAMPLE_MARKER.length + 1)) as Partial<ErrorSampleLine>;
    if (typeof parsed.vu !== 'number' || typeof parsed.kind !== 'string' || typeof parsed.body !== 'string' || typeof parsed.count !== 'number') return null;
    if (parsed.status !== null && typeof parsed.status !== 'number') return null;
    return { vu: parsed.vu, kind: parsed.kind, status: parsed.status, body: parsed.body, count: parsed.count };
  } catch {
    return null;
  }
}
