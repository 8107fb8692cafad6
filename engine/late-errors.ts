// Errors nobody can catch any more: a promise rejected or a timer throwing after the script's
// code returned. k6 logs them as one ERRO line and carries on with the exit code it had; Node
// would print a stack and exit 1. `oneLine` is the text of such a line; `logLateErrors` keeps the
// process alive through them once the run is over (the run logs its own while it lasts).
import { mapStack } from './script/source-map.ts';

/** "Error: boom at file:///x.js:3:9": the first line of an error and where it was thrown. */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split('\n')[0];
  const head = `${error.name}: ${error.message}`.split('\n')[0];
  const frame = mapStack(error.stack ?? '').split('\n').find((line) => /^\s+at /.test(line));
  const where = frame ? /\(?((?:file|node|https?):[^()\s]+|\/[^()\s]+)\)?\s*$/.exec(frame.trim())?.[1] : undefined;
  return where ? `${head} at ${where}` : head;
}

/** "ERRO[0012] Uncaught (in promise) Error: boom at file:///x.js:3:9  source=stacktrace\n" */
export function errorLine(kind: 'exception' | 'rejection', error: unknown, elapsedMs: number): string {
  const at = String(Math.floor(elapsedMs / 1000)).padStart(4, '0');
  return `ERRO[${at}] Uncaught${kind === 'rejection' ? ' (in promise)' : ''} ${oneLine(error)}  source=stacktrace\n`;
}

/** From now until the process exits, uncaught errors are logged as one line each and change nothing. */
export function logLateErrors(write: (text: string) => void, elapsedMs: () => number): void {
  process.on('unhandledRejection', (reason) => write(errorLine('rejection', reason, elapsedMs())));
  process.on('uncaughtException', (error) => write(errorLine('exception', error, elapsedMs())));
}
