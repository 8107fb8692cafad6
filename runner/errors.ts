// The runner's one public error: a failure the user can act on (target unreachable, port in use,
// load generator crashed), printed as one line by the CLI's error boundary, exit code 1.
export class BenchError extends Error {
  override name = 'BenchError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Last non-empty line of a child's output, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.at(-1) ?? '';
}

/**
 * The one line that says why a load generator failed: the last line of its output that is not a
 * stack frame ("    at f (file:1:2)", k6's "\tat ..."), e.g. "script error: ConfigError: ...".
 */
export function errorLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line && !/^at\s/.test(line) && !/^\.\.\. \d+ more/.test(line));
  return lines.at(-1) ?? '';
}
