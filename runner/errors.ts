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
